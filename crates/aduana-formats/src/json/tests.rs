//! Tests of the canonical JSON reader: golden files and the edge cases of JSON Lines.

use crate::golden::{check_format_dir, render, test_limits};
use crate::{Collected, Format, Limits, read};

#[test]
fn json_golden_files() {
    check_format_dir(Format::Json, "json");
}

#[test]
fn json_lines_golden_files() {
    check_format_dir(Format::JsonLines, "jsonl");
}

#[test]
fn json_lines_reports_the_line_of_each_bad_record_and_keeps_the_good_ones() {
    let input = b"{\"reference\":\"A\",\"direction\":\"import\"}\n\n{\"reference\":\"B\",\"direction\":\"sideways\"}\r\n{\"reference\":\"C\",\"direction\":\"export\"}\n{broken\n";
    let mut collected = Collected::default();
    read(Format::JsonLines, &mut &input[..], "in.jsonl", &test_limits(), &mut collected).expect("in memory");
    let refs: Vec<&str> = collected.consignments.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, ["A", "C"]);
    let rendered: Vec<String> = collected.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(rendered.len(), 2, "{rendered:#?}");
    assert!(rendered[0].starts_with("in.jsonl:3: /direction: error[unknown_value]"), "{}", rendered[0]);
    assert!(rendered[1].starts_with("in.jsonl:5:2: error[syntax]"), "{}", rendered[1]);
}

#[test]
fn oversized_line_is_reported_without_stopping_the_stream() {
    let limits = Limits { max_document_bytes: 64, ..test_limits() };
    let long = format!("{{\"reference\":\"{}\",\"direction\":\"import\"}}\n", "X".repeat(100));
    let input = format!("{long}{{\"reference\":\"OK\",\"direction\":\"import\"}}\n");
    let mut collected = Collected::default();
    read(Format::JsonLines, &mut input.as_bytes(), "big.jsonl", &limits, &mut collected).expect("in memory");
    assert_eq!(collected.consignments.len(), 1);
    assert_eq!(collected.diagnostics[0].code, "document_too_large");
    assert_eq!(collected.diagnostics[0].location.line, Some(1));
}

#[test]
fn deeply_nested_json_is_rejected_with_a_located_error() {
    let input = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let mut collected = Collected::default();
    read(Format::Json, &mut input.as_bytes(), "deep.json", &test_limits(), &mut collected).expect("in memory");
    assert_eq!(collected.diagnostics.len(), 1);
    assert_eq!(collected.diagnostics[0].code, "syntax");
    assert!(collected.diagnostics[0].message.contains("recursion limit"), "{}", collected.diagnostics[0].message);
}

#[test]
fn too_many_diagnostics_are_capped_and_counted() {
    let limits = Limits { max_diagnostics: 2, ..test_limits() };
    let input = "{\n".repeat(5);
    let mut collected = Collected::default();
    read(Format::JsonLines, &mut input.as_bytes(), "x.jsonl", &limits, &mut collected).expect("in memory");
    let codes: Vec<&str> = collected.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["syntax", "syntax", "too_many_diagnostics"]);
}

#[test]
fn non_utf8_input_is_a_syntax_error_not_a_panic() {
    let rendered = render_bytes(Format::Json, b"{\"reference\": \"\xff\xfe\", \"direction\": \"import\"}");
    assert!(rendered.contains("error[syntax]"), "{rendered}");
}

fn render_bytes(format: Format, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("aduana-json-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("case.json");
    std::fs::write(&path, bytes).expect("write");
    render(format, &path)
}

proptest::proptest! {
    /// The fast path (sonic-rs) must never accept a record that serde_json, the reference parser, rejects, and must
    /// read the same consignment when both accept.
    #[test]
    fn fast_path_accepts_only_what_serde_json_accepts(
        position in 0usize..2400,
        byte in proptest::prelude::any::<u8>(),
        cut in proptest::prelude::any::<bool>(),
    ) {
        let example = include_str!("../../../../examples/consignment.json");
        let compact = serde_json::to_vec(&serde_json::from_str::<serde_json::Value>(example).expect("example")).expect("json");
        let mut mutated = compact.clone();
        let position = position % mutated.len();
        if cut { mutated.truncate(position) } else { mutated[position] = byte }
        if let Ok(fast) = sonic_rs::from_slice::<aduana_core::Consignment>(&mutated) {
            let reference = serde_json::from_slice::<aduana_core::Consignment>(&mutated);
            proptest::prop_assert!(reference.is_ok(), "sonic-rs accepted what serde_json rejects: {:?}", String::from_utf8_lossy(&mutated));
            proptest::prop_assert_eq!(Some(fast), reference.ok());
        }
    }
}

/// sonic-rs, the fast path, has no recursion limit: deep records must never reach it (a stack overflow aborts the
/// process). Deep JSON Lines records, deep values inside a record and deep arrays of consignments are each refused
/// with a located error, and the records around them are read.
#[test]
fn deeply_nested_records_and_values_are_refused_without_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_value = format!("{{\"reference\":\"D\",\"direction\":\"import\",\"attributes\":{{\"a\":{deep}}}}}");
    let input = format!(
        "{{\"reference\":\"A\",\"direction\":\"import\"}}\n{deep}\n{deep_value}\n{{\"reference\":\"B\",\"direction\":\"export\"}}\n"
    );
    let mut collected = Collected::default();
    read(Format::JsonLines, &mut input.as_bytes(), "deep.jsonl", &test_limits(), &mut collected).expect("in memory");
    let refs: Vec<&str> = collected.consignments.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, ["A", "B"]);
    let lines: Vec<Option<u64>> = collected.diagnostics.iter().map(|d| d.location.line).collect();
    assert_eq!(lines, [Some(2), Some(3)], "{:#?}", collected.diagnostics);

    let array = format!("[{{\"reference\":\"A\",\"direction\":\"import\",\"attributes\":{{\"a\":{deep}}}}}]");
    let mut collected = Collected::default();
    read(Format::Json, &mut array.as_bytes(), "deep.json", &test_limits(), &mut collected).expect("in memory");
    assert!(collected.consignments.is_empty());
    assert_eq!(collected.diagnostics.len(), 1, "{:#?}", collected.diagnostics);
}

/// Brackets inside strings do not count as nesting: a record with many of them still takes the fast path and is
/// read, whatever its strings hold.
#[test]
fn brackets_inside_strings_are_not_nesting() {
    let text = format!("{}\\\"{}", "[{".repeat(200), "}]".repeat(200));
    let record = format!("{{\"reference\":\"S\",\"direction\":\"import\",\"attributes\":{{\"note\":\"{text}\"}}}}\n");
    let mut collected = Collected::default();
    read(Format::JsonLines, &mut record.as_bytes(), "s.jsonl", &test_limits(), &mut collected).expect("in memory");
    assert_eq!(collected.consignments.len(), 1, "{:#?}", collected.diagnostics);
    assert_eq!(collected.consignments[0].attributes["note"], format!("{}\"{}", "[{".repeat(200), "}]".repeat(200)));
}
