//! Golden-file tests shared by every format: each `test_data/<format>/{ok,err}/<case>.<ext>` is read and the
//! result rendered next to it as `<case>.txt`. `UPDATE_EXPECT=1 cargo test` rewrites the expectations.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::{Collected, Format, Limits, read};

/// The limits golden tests run with: small enough that limit tests need only small files.
pub(crate) fn test_limits() -> Limits {
    Limits { max_document_bytes: 1 << 20, max_depth: 64, max_items: 1000, max_diagnostics: 100 }
}

/// Reads one input file in a format and renders what came out: every diagnostic, then every consignment.
pub(crate) fn render(format: Format, path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("input");
    let mut collected = Collected::default();
    read(format, &mut &bytes[..], name, &test_limits(), &mut collected).expect("reading from memory cannot fail");
    let mut out = String::new();
    for diagnostic in &collected.diagnostics {
        writeln!(out, "{diagnostic}").expect("writing to a String");
    }
    for consignment in &collected.consignments {
        writeln!(out, "{consignment:#?}").expect("writing to a String");
    }
    out
}

/// Checks every case under `test_data/<dir>/{ok,err}`: `ok` cases must give consignments and no errors, `err`
/// cases at least one error; both must render exactly as their `.txt` says.
pub(crate) fn check_format_dir(format: Format, dir: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(dir);
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let mut cases = 0;
    for kind in ["ok", "err"] {
        for input in case_files(&root.join(kind)) {
            cases += 1;
            let actual = render(format, &input);
            let has_error = actual.lines().any(|l| l.contains(": error["));
            let has_consignment = actual.contains("Consignment {");
            if kind == "ok" && (has_error || !has_consignment) {
                failures.push(format!("{}: expected a consignment and no error, got:\n{actual}", input.display()));
            }
            if kind == "err" && !has_error {
                failures.push(format!("{}: expected at least one error, got:\n{actual}", input.display()));
            }
            let expected_path = input.with_extension("txt");
            if update {
                std::fs::write(&expected_path, &actual).expect("writing expectation");
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "{}: output differs from {} (UPDATE_EXPECT=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}",
                    input.display(),
                    expected_path.display()
                ));
            }
        }
    }
    assert!(cases > 0, "no cases under {}", root.display());
    assert!(failures.is_empty(), "{} of {cases} cases failed:\n{}", failures.len(), failures.join("\n"));
}

fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e != "txt") && p.is_file());
    files.sort();
    files
}
