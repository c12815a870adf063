//! Wire formats of advance cargo information. Each format is a module that reads bytes into [`Consignment`]s and
//! reports every problem as a located [`Diagnostic`]; [`read`] dispatches on [`Format`] and [`detect`] recognises a
//! format from the first bytes of its content.
//!
//! Readers push results into a [`Sink`] as they go, so that formats made of many records (JSON Lines, CSV,
//! EDIFACT interchanges) are processed with bounded memory however large the input.

mod csv;
mod detect;
#[cfg(test)]
mod golden;
mod json;

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
    /// The Korea Customs Service declaration CSV: one single-item import declaration per row, 22 columns.
    KcsCsv,
    /// Aduana's flat CSV layout: one goods item per row, consecutive rows with the same reference form one
    /// consignment (`docs/formats/csv.md`).
    Csv,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &'static [Format] = &[Format::Json, Format::JsonLines, Format::KcsCsv, Format::Csv];

    /// Returns the format's name as used on the command line and in API parameters.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::JsonLines => "jsonl",
            Format::KcsCsv => "kcs-csv",
            Format::Csv => "csv",
        }
    }

    /// Returns the format with a name (see [`Format::name`]), accepting a few common aliases.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "jsonl" | "jsonlines" | "ndjson" => Some(Format::JsonLines),
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
        Format::KcsCsv => csv::read_kcs(input, source, limits, &mut capped),
        Format::Csv => csv::read_flat(input, source, limits, &mut capped),
    };
    capped.finish(source);
    result
}

/// Passes at most `max` diagnostics through and counts the rest.
struct DiagnosticCap<'a> {
    inner: &'a mut dyn Sink,
    max: u32,
    seen: u32,
}

impl<'a> DiagnosticCap<'a> {
    fn new(inner: &'a mut dyn Sink, max: u32) -> DiagnosticCap<'a> {
        DiagnosticCap { inner, max, seen: 0 }
    }

    fn finish(self, source: &str) {
        if self.seen > self.max {
            let dropped = self.seen - self.max;
            self.inner.diagnostic(Diagnostic::error(
                "too_many_diagnostics",
                format!("{dropped} more diagnostics were not reported (limit {})", self.max),
                aduana_core::Location::file(source),
            ));
        }
    }
}

impl Sink for DiagnosticCap<'_> {
    fn consignment(&mut self, consignment: Consignment) {
        self.inner.consignment(consignment);
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.seen = self.seen.saturating_add(1);
        if self.seen <= self.max {
            self.inner.diagnostic(diagnostic);
        }
    }
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
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
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
