//! Readers for reference data files: HS value norms (CSV) and named lists (one entry per line). Like every reader
//! in the pure crates they take bytes and a source name, and report errors by line.

use crate::context::{NamedList, Norms};

/// An error in a reference data file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct ReferenceError {
    /// The source name.
    pub source_name: String,
    /// The 1-based line.
    pub line: u64,
    /// What was expected and found.
    pub message: String,
}

/// Parses norms from CSV with the header `hs_prefix,currency,value_per_kg` (further columns, such as `source`,
/// are ignored; `#` lines are comments).
pub fn parse_norms(bytes: &[u8], source_name: &str) -> Result<Norms, Vec<ReferenceError>> {
    let error = |line: u64, message: String| ReferenceError { source_name: source_name.to_owned(), line, message };
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).flexible(true).from_reader(bytes);
    let headers = reader.headers().map_err(|e| vec![error(1, format!("expected a CSV header, found {e}"))])?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(hs), Some(currency), Some(value)) = (col("hs_prefix"), col("currency"), col("value_per_kg")) else {
        return Err(vec![error(1, "expected the columns hs_prefix, currency, value_per_kg".to_owned())]);
    };
    let mut hash = crate::selection::Fnv::new();
    let mut norms = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(error(e.position().map_or(0, |p| p.line()), format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let prefix = get(hs);
        if prefix.len() < 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(error(line, format!("column `hs_prefix`: expected 2 to 10 digits, found `{prefix}`")));
            continue;
        }
        let cur = get(currency);
        if cur.len() != 3 {
            errors.push(error(line, format!("column `currency`: expected an ISO 4217 code, found `{cur}`")));
            continue;
        }
        match get(value).parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => {
                hash.write(record.as_slice().as_bytes());
                norms.push((prefix.to_owned(), cur.to_owned(), v));
            }
            _ => errors.push(error(
                line,
                format!("column `value_per_kg`: expected a positive number, found `{}`", get(value)),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Norms::new(format!("{}:{:016x}", norms.len(), hash.finish()));
    for (prefix, currency, value) in norms {
        out.insert(&prefix, &currency, value);
    }
    Ok(out)
}

/// Parses a named list: one entry per line; `#` starts a comment; a line `# version: X` sets the version
/// (otherwise it is a fingerprint of the entries).
pub fn parse_list(text: &str) -> NamedList {
    let mut version = None;
    let mut entries = Vec::new();
    let mut hash = crate::selection::Fnv::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(v) = comment.trim().strip_prefix("version:") {
                version = Some(v.trim().to_owned());
            }
            continue;
        }
        let entry = line.split('#').next().unwrap_or("").trim();
        if !entry.is_empty() {
            hash.write(entry.as_bytes());
            hash.write(b"\n");
            entries.push(entry.to_owned());
        }
    }
    let version = version.unwrap_or_else(|| format!("{}:{:016x}", entries.len(), hash.finish()));
    NamedList::new(version, entries)
}
