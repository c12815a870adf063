//! ENS IE315 (`ie:CC315A`, the EU/UK ICS entry summary declaration): the XML is parsed into the shared bounded
//! tree, checked against the structure of `CC315A-v11-2.xsd` (`structure.rs`), checked against the ICS business
//! rules loaded as data (`rules.rs`), and mapped into one [`Consignment`] (`mapping.rs`).
//!
//! Business-rule failures are error diagnostics, but the consignment is still produced when the structure allows
//! mapping: an ENS that breaks a rule may still be a risky consignment that must be assessed.

mod mapping;
pub mod rules;
mod structure;
#[cfg(test)]
mod tests;

use std::io::BufRead;

use aduana_core::Diagnostic;

pub use rules::{RuleFileError, RuleSet};

use crate::xml::XmlDocument;
use crate::{Limits, ReadError, Sink};

/// The local name of an IE315 root element.
pub const ROOT: &str = "CC315A";

/// Reads one IE315 document: structure diagnostics, business-rule diagnostics (the built-in rule set), and the
/// consignment when the structure allows mapping.
pub(crate) fn read_document(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let Some(bytes) = crate::read_document_bytes(input, source, limits, sink)? else { return Ok(()) };
    match parse(&bytes, source, limits, RuleSet::builtin()) {
        (Some(consignment), findings) => sink.consignment_with_findings(consignment, findings),
        (None, diagnostics) => diagnostics.into_iter().for_each(|d| sink.diagnostic(d)),
    }
    Ok(())
}

/// Parses an IE315 from bytes and checks it with `rules`: returns the consignment (when the document is
/// well-formed XML with a `CC315A` root and no structure errors) and every diagnostic.
pub fn parse(
    bytes: &[u8],
    source: &str,
    limits: &Limits,
    rules: &RuleSet,
) -> (Option<aduana_core::Consignment>, Vec<Diagnostic>) {
    let doc = match XmlDocument::parse(bytes, source, limits) {
        Ok(doc) => doc,
        Err(diagnostic) => return (None, vec![*diagnostic]),
    };
    let root = doc.element(doc.root());
    if root.local_name() != ROOT {
        let message = format!("expected an IE315 root element <ie:{ROOT}>, found <{}>", root.name);
        return (None, vec![Diagnostic::error("ens_wrong_root", message, doc.location(doc.root()))]);
    }
    let mut diagnostics = structure::check(&doc);
    let structure_ok = diagnostics.iter().all(|d| !d.is_error());
    if structure_ok {
        diagnostics.extend(rules.check(&doc));
    }
    let consignment = structure_ok.then(|| mapping::map(&doc, limits, &mut diagnostics)).flatten();
    (consignment, diagnostics)
}

/// Checks a parsed IE315 against business rules only: the function the risk engine or a server calls when it
/// holds the document already.
pub fn check_rules(doc: &XmlDocument, rules: &RuleSet) -> Vec<Diagnostic> {
    rules.check(doc)
}
