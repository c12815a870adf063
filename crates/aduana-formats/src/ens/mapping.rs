//! Mapping of a structurally valid IE315 into a [`Consignment`].

use aduana_core::{Consignment, Diagnostic};

use crate::Limits;
use crate::xml::XmlDocument;

/// Maps the document; `None` when it has no usable reference.
pub(crate) fn map(_doc: &XmlDocument, _limits: &Limits, _diagnostics: &mut Vec<Diagnostic>) -> Option<Consignment> {
    None
}
