//! CSV formats. [`Format::KcsCsv`](crate::Format::KcsCsv) is the Korea Customs Service declaration layout of the
//! "Customs Import Declaration Datasets" (22 columns, one single-item goods declaration per row); see
//! `csv/kcs.rs` for the exact mapping. [`Format::Csv`](crate::Format::Csv) is Aduana's flat layout for traders, one
//! goods item per row (`csv/flat.rs`, documented in `docs/formats/csv.md`). Rows are read one at a time; a bad row gives a diagnostic located by line
//! and column name, is skipped, and reading goes on.

mod flat;
mod kcs;
#[cfg(test)]
mod tests;

pub(crate) use flat::read_flat;
pub(crate) use kcs::read_kcs;

use aduana_core::{Diagnostic, Location, LocationPath};

/// Returns an error diagnostic about one field of one row.
fn field_error(source: &str, line: u64, field: &str, code: &str, message: String) -> Diagnostic {
    Diagnostic::error(
        code,
        message,
        Location { line: Some(line), ..Location::file(source) }
            .with_path(LocationPath::Field { field: field.to_owned() }),
    )
}

/// Returns an error diagnostic about a whole line.
/// Reads the next record that is not blank into `record` and returns its line; a malformed record is reported to
/// the sink and skipped, so one bad row never stops the stream. `Ok(None)` at the end; `Err` only for I/O errors.
fn next_record<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
    source: &str,
    sink: &mut dyn crate::Sink,
) -> Result<Option<u64>, csv::Error> {
    loop {
        match reader.read_byte_record(record) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(error) if error.is_io_error() => return Err(error),
            Err(error) => {
                let line = error.position().map_or(0, csv::Position::line);
                sink.diagnostic(line_error(source, line, "syntax", format!("malformed CSV: {error}")));
                continue;
            }
        }
        if record.len() == 1 && record.get(0).is_some_and(<[u8]>::is_empty) {
            continue;
        }
        return Ok(Some(record.position().map_or(0, csv::Position::line)));
    }
}

fn line_error(source: &str, line: u64, code: &str, message: String) -> Diagnostic {
    Diagnostic::error(code, message, Location { line: Some(line), ..Location::file(source) })
}
