//! `aduana validate`: the contract of its exit status and its `--json` report.

use crate::helpers::{json_lines, repo_path, run, setup};

#[test]
fn validate_json_accepts_the_example_consignment() {
    let (_dir, mut aduana) = setup();
    let output = run(aduana.arg("validate").arg("--json").arg(repo_path("examples/consignment.json")));
    assert_eq!(output.status.code(), Some(0));
    let reports = json_lines(&output);
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(report["format"], "json");
    assert_eq!(report["valid"], true);
    assert_eq!(report["consignments"], 1);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(report["warnings"], serde_json::json!([]), "the example is complete for SAFE");
}

#[test]
fn validate_json_reports_malformed_json_with_a_location_and_exits_1() {
    let (dir, mut aduana) = setup();
    std::fs::write(dir.path().join("broken.json"), "{\n  \"reference\": \"X\",\n  \"direction\": \n").expect("write");
    let output = run(aduana.args(["validate", "--json", "broken.json"]));
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    insta::assert_json_snapshot!(report, @r#"
    {
      "consignments": 0,
      "errors": [
        {
          "code": "syntax",
          "location": "4:1",
          "message": "expected valid JSON: EOF while parsing a value",
          "rule": null
        }
      ],
      "file": "broken.json",
      "format": "json",
      "valid": false,
      "warnings": []
    }
    "#);
}

#[test]
fn validate_points_at_the_bad_field_with_a_json_pointer() {
    let (dir, mut aduana) = setup();
    let body = r#"{"reference": "R1", "direction": "import", "goods": [{"sequence": 1, "hs_code": "8541.40"}, {"sequence": 2, "origin_country": "UK"}]}"#;
    std::fs::write(dir.path().join("c.json"), body).expect("write");
    let output = run(aduana.args(["validate", "--json", "c.json"]));
    assert_eq!(output.status.code(), Some(1));
    let error = &json_lines(&output)[0]["errors"][0];
    assert_eq!(error["code"], "invalid_country_code");
    assert_eq!(error["location"], "/goods/1/origin_country");
}

#[test]
fn validate_reports_each_file_and_exits_1_when_any_is_invalid() {
    let (dir, mut aduana) = setup();
    std::fs::write(dir.path().join("bad.jsonl"), "{\"reference\": \"A\", \"direction\": \"import\"}\n{oops}\n")
        .expect("write");
    let output = run(aduana.arg("validate").arg("--json").arg(repo_path("examples/consignment.json")).arg("bad.jsonl"));
    assert_eq!(output.status.code(), Some(1));
    let reports = json_lines(&output);
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[1]["format"], "jsonl");
    assert_eq!(reports[1]["consignments"], 1);
    assert_eq!(reports[1]["errors"][0]["location"], "2:2");
}

#[test]
fn validate_lists_missing_safe_elements_as_warnings_and_strict_makes_them_errors() {
    let (dir, mut aduana) = setup();
    std::fs::write(
        dir.path().join("thin.json"),
        r#"{"reference": "AWB1", "direction": "import", "mode_of_transport": "air"}"#,
    )
    .expect("write");
    let output = run(aduana.args(["validate", "--json", "thin.json"]));
    assert_eq!(output.status.code(), Some(0));
    let rules: Vec<String> = json_lines(&output)[0]["warnings"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|w| w["rule"].as_str().map(str::to_owned))
        .collect();
    for rule in ["PLACI-1", "PLACI-8", "SAFE-CARRIER"] {
        assert!(rules.iter().any(|r| r == rule), "missing {rule} in {rules:?}");
    }
    let (_dir2, mut strict) = setup();
    let output = run(strict.current_dir(dir.path()).args(["validate", "--strict", "thin.json"]));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn validate_exits_2_for_a_missing_file_and_for_bad_usage() {
    let (_dir, mut aduana) = setup();
    let output = run(aduana.args(["validate", "no-such-file.json"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("opening no-such-file.json"));
    let (_dir, mut aduana) = setup();
    assert_eq!(run(aduana.args(["validate", "--format", "pdf", "x"])).status.code(), Some(2));
}

#[test]
fn validate_rejects_content_in_no_known_format() {
    let (dir, mut aduana) = setup();
    std::fs::write(dir.path().join("notes.txt"), "hello\n").expect("write");
    let output = run(aduana.args(["validate", "--json", "notes.txt"]));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json_lines(&output)[0]["errors"][0]["code"], "unknown_format");
}

#[test]
fn validate_accepts_every_shipped_example() {
    let examples: Vec<_> = std::fs::read_dir(repo_path("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    assert!(!examples.is_empty());
    for example in examples {
        let (_dir, mut aduana) = setup();
        let output = run(aduana.arg("validate").arg("--json").arg(&example));
        let report = &json_lines(&output)[0];
        assert_eq!(output.status.code(), Some(0), "{}: {report}", example.display());
        assert!(report["consignments"].as_u64() >= Some(1), "{}", example.display());
    }
}

#[test]
fn validate_keeps_a_bounded_number_of_diagnostics_and_counts_the_rest() {
    let (dir, mut aduana) = setup();
    let lines: String = (0..200).map(|i| format!("{{\"reference\": \"R{i}\", \"direction\": \"import\"}}\n")).collect();
    std::fs::write(dir.path().join("many.jsonl"), lines).expect("write");
    let output = run(aduana.args(["validate", "--json", "many.jsonl"]));
    assert_eq!(output.status.code(), Some(0));
    let report = &json_lines(&output)[0];
    assert_eq!(report["consignments"], 200);
    let warnings = report["warnings"].as_array().expect("array");
    assert_eq!(warnings.len(), 1001, "1,000 kept plus one saying how many more");
    let last = warnings.last().expect("overflow warning");
    assert_eq!(last["code"], "too_many_diagnostics");
    assert!(last["message"].as_str().expect("text").starts_with("1400 more were not listed"), "{last}");
}

#[test]
fn validate_accepts_format_aliases_and_names_the_choices_for_an_unknown_one() {
    let (dir, mut aduana) = setup();
    std::fs::write(dir.path().join("c.jsonl"), "{\"reference\": \"A\", \"direction\": \"import\"}\n").expect("write");
    assert_eq!(run(aduana.args(["validate", "--format", "ndjson", "c.jsonl"])).status.code(), Some(0));
    let (_dir2, mut aduana) = setup();
    let output = run(aduana.current_dir(dir.path()).args(["validate", "--format", "pdf", "c.jsonl"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("expected one of auto, json, jsonl, edifact"), "{stderr}");
}
