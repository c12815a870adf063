//! Wire formats of advance cargo information. Each format is a module that reads bytes into [`Consignment`]s and
//! reports every problem as a located [`Diagnostic`]; [`read`] dispatches on [`Format`] and [`detect`] recognises a
//! format from the first bytes of its content.
//!
//! Readers push results into a [`Sink`] as they go, so that formats made of many records (JSON Lines, CSV,
//! EDIFACT interchanges) are processed with bounded memory however large the input.

mod cargo_xml;
mod csv;
mod detect;
pub mod edifact;
pub mod ens;
#[cfg(test)]
mod golden;
mod json;
mod wco_dm;
pub mod xml;

use std::io::BufRead;

use aduana_core::{Consignment, Diagnostic};

pub use detect::detect;

/// A wire format Aduana reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// Aduana's canonical JSON: one consignment object, or an array of them.
    Json,
    /// Aduana's canonical JSON, one consignment object per line.
    JsonLines,
    /// UN/EDIFACT interchanges carrying CUSCAR customs cargo reports.
    Edifact,
    /// IATA Cargo-XML: an XFWB air waybill or an XFZB house waybill.
    CargoXml,
    /// A WCO Data Model 3.6 goods declaration (DEC-DMS, as HMRC CDS takes it).
    WcoDm,
    /// ENS IE315 (`ie:CC315A`), the EU/UK ICS entry summary declaration.
    EnsXml,
    /// The Korea Customs Service declaration CSV: one single-item import declaration per row, 22 columns.
    KcsCsv,
    /// Aduana's flat CSV layout: one goods item per row, consecutive rows with the same reference form one
    /// consignment (`docs/formats/csv.md`).
    Csv,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &'static [Format] = &[
        Format::Json,
        Format::JsonLines,
        Format::Edifact,
        Format::CargoXml,
        Format::WcoDm,
        Format::EnsXml,
        Format::KcsCsv,
        Format::Csv,
    ];

    /// Returns the format's name as used on the command line and in API parameters.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::JsonLines => "jsonl",
            Format::Edifact => "edifact",
            Format::CargoXml => "cargo-xml",
            Format::WcoDm => "wco-dm",
            Format::EnsXml => "ens",
            Format::KcsCsv => "kcs-csv",
            Format::Csv => "csv",
        }
    }

    /// Returns the format with a name (see [`Format::name`]), accepting a few common aliases.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "jsonl" | "jsonlines" | "ndjson" => Some(Format::JsonLines),
            "edifact" | "edi" => Some(Format::Edifact),
            "cargo-xml" | "cargoxml" | "xfwb" | "xfzb" => Some(Format::CargoXml),
            "wco-dm" | "wcodm" | "dec-dms" => Some(Format::WcoDm),
            "ens" | "ie315" | "cc315a" => Some(Format::EnsXml),
            "kcs-csv" | "kcs" => Some(Format::KcsCsv),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Bounds on what one input may contain, so that hostile or broken input fails with a clear error instead of
/// exhausting memory. The binary owns the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest single document (a JSON document, an XML file, one EDIFACT message, one JSON line) in bytes.
    pub max_document_bytes: u64,
    /// The deepest nesting of elements (XML) or values (JSON).
    pub max_depth: u32,
    /// The most repeated items of one kind: goods items, parties or equipment in one consignment, consignments
    /// in one document.
    pub max_items: u32,
    /// The most diagnostics reported per input; past it, one final diagnostic says how many more were dropped.
    pub max_diagnostics: u32,
}

/// Receives what a reader finds, as it finds it.
pub trait Sink {
    /// Receives a consignment that was read without errors (warnings may have been reported for it).
    fn consignment(&mut self, consignment: Consignment);
    /// Receives a diagnostic.
    fn diagnostic(&mut self, diagnostic: Diagnostic);
    /// Receives a consignment together with the problems found in it that did not prevent reading it, such as
    /// failed ENS business rules: a consignment can be invalid and still be risky, so it is still assessed. The
    /// default passes the findings on as diagnostics, then the consignment; sinks that assess override it to keep
    /// the two together.
    fn consignment_with_findings(&mut self, consignment: Consignment, findings: Vec<Diagnostic>) {
        for finding in findings {
            self.diagnostic(finding);
        }
        self.consignment(consignment);
    }
}

/// A sink that keeps everything in memory, for small inputs and tests.
#[derive(Debug, Default)]
pub struct Collected {
    /// The consignments read.
    pub consignments: Vec<Consignment>,
    /// The diagnostics reported.
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink for Collected {
    fn consignment(&mut self, consignment: Consignment) {
        self.consignments.push(consignment);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// Why reading could not go on at all. Problems with the content are diagnostics, not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The input could not be read.
    #[error("failed to read {source_name}")]
    Io {
        /// The source's name.
        source_name: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Reads every consignment in `input`, in format `format`, pushing consignments and diagnostics into `sink`.
/// `source` names the input in locations (a file name, `<stdin>`, a request id).
pub fn read(
    format: Format,
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let mut capped = DiagnosticCap::new(sink, limits.max_diagnostics);
    let result = match format {
        Format::Json => json::read_document(input, source, limits, &mut capped),
        Format::JsonLines => json::read_lines(input, source, limits, &mut capped),
        Format::Edifact => edifact::read(input, source, limits, &mut capped),
        Format::CargoXml => cargo_xml::read(input, source, limits, &mut capped),
        Format::WcoDm => wco_dm::read(input, source, limits, &mut capped),
        Format::EnsXml => ens::read_document(input, source, limits, &mut capped),
        Format::KcsCsv => csv::read_kcs(input, source, limits, &mut capped),
        Format::Csv => csv::read_flat(input, source, limits, &mut capped),
    };
    capped.finish(source);
    result
}

/// Passes at most `max` diagnostics through and counts the rest, errors and warnings apart, so that a valid input
/// with many warnings stays valid.
struct DiagnosticCap<'a> {
    inner: &'a mut dyn Sink,
    max: u32,
    seen: u32,
    dropped_errors: u32,
    dropped_warnings: u32,
}

impl<'a> DiagnosticCap<'a> {
    fn new(inner: &'a mut dyn Sink, max: u32) -> DiagnosticCap<'a> {
        DiagnosticCap { inner, max, seen: 0, dropped_errors: 0, dropped_warnings: 0 }
    }

    /// Returns the diagnostic if it is within the cap, else counts it.
    fn admit(&mut self, diagnostic: Diagnostic) -> Option<Diagnostic> {
        self.seen = self.seen.saturating_add(1);
        if self.seen <= self.max {
            return Some(diagnostic);
        }
        if diagnostic.is_error() {
            self.dropped_errors += 1;
        } else {
            self.dropped_warnings += 1;
        }
        None
    }

    fn finish(self, source: &str) {
        let message = |dropped: u32| format!("{dropped} more diagnostics were not reported (limit {})", self.max);
        let location = || aduana_core::Location::file(source);
        if self.dropped_errors > 0 {
            self.inner.diagnostic(Diagnostic::error("too_many_diagnostics", message(self.dropped_errors), location()));
        }
        if self.dropped_warnings > 0 {
            let warning = Diagnostic::warning("too_many_diagnostics", message(self.dropped_warnings), location());
            self.inner.diagnostic(warning);
        }
    }
}

impl Sink for DiagnosticCap<'_> {
    fn consignment(&mut self, consignment: Consignment) {
        self.inner.consignment(consignment);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        if let Some(diagnostic) = self.admit(diagnostic) {
            self.inner.diagnostic(diagnostic);
        }
    }
    fn consignment_with_findings(&mut self, consignment: Consignment, findings: Vec<Diagnostic>) {
        let findings = findings.into_iter().filter_map(|f| self.admit(f)).collect();
        self.inner.consignment_with_findings(consignment, findings);
    }
}

/// Reads one whole document of at most `limits.max_document_bytes` from `input`; reports `document_too_large` to the
/// sink and returns `None` when the input is larger. The formats whose unit is a whole document (JSON, the XML
/// formats) start here.
pub(crate) fn read_document_bytes(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Option<Vec<u8>>, ReadError> {
    let bytes = read_bounded(input, limits.max_document_bytes)
        .map_err(|error| ReadError::Io { source_name: source.to_owned(), source: error })?;
    if bytes.is_none() {
        let message = format!("expected a document of at most {} bytes", limits.max_document_bytes);
        sink.diagnostic(Diagnostic::error("document_too_large", message, aduana_core::Location::file(source)));
    }
    Ok(bytes)
}

/// Reads at most `limit` bytes from `input` into a buffer; returns `None` (and reports nothing) when the input is
/// larger, so that the caller can report `document_too_large` in its own terms.
pub(crate) fn read_bounded(input: &mut dyn BufRead, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut buffer = Vec::new();
    input.take(limit.saturating_add(1)).read_to_end(&mut buffer)?;
    Ok((buffer.len() as u64 <= limit).then_some(buffer))
}

/// What [`read_line_bounded`] found.
pub(crate) enum Line {
    /// A whole line (without its terminator) is in the buffer.
    Complete,
    /// The line was longer than the limit; it was skipped up to its end.
    TooLong,
    /// The input is exhausted.
    End,
}

/// Reads one `\n`-terminated line (a trailing `\r` is removed) of at most `limit` bytes into `buffer`, skipping
/// the rest of a longer line without holding it in memory.
pub(crate) fn read_line_bounded(input: &mut dyn BufRead, buffer: &mut Vec<u8>, limit: u64) -> std::io::Result<Line> {
    let mut too_long = false;
    let mut any = false;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if !too_long {
            if (buffer.len() + chunk.len()) as u64 > limit {
                too_long = true;
                buffer.clear();
            } else {
                buffer.extend_from_slice(chunk);
            }
        }
        let consumed = done.unwrap_or(available.len());
        input.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(Line::End);
    }
    if too_long {
        return Ok(Line::TooLong);
    }
    if buffer.last() == Some(&b'\r') {
        buffer.pop();
    }
    Ok(Line::Complete)
}
