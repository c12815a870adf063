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
fn line_error(source: &str, line: u64, code: &str, message: String) -> Diagnostic {
    Diagnostic::error(code, message, Location { line: Some(line), ..Location::file(source) })
}
