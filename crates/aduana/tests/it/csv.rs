//! `aduana validate` on the CSV formats: detection from the header and located errors for bad rows.

use crate::helpers::{json_lines, repo_path, run, setup};

#[test]
fn validate_detects_a_kcs_csv_file_and_reads_every_row() {
    let (_dir, mut aduana) = setup();
    let file = repo_path("crates/aduana-formats/test_data/kcs_csv/ok/train_first_10.csv");
    let output = run(aduana.arg("validate").arg("--json").arg(file));
    let reports = json_lines(&output);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["format"], "kcs-csv");
    assert_eq!(reports[0]["consignments"], 10);
    assert_eq!(reports[0]["errors"], serde_json::json!([]));
}

#[test]
fn validate_reports_a_bad_kcs_row_by_line_and_column_and_exits_1() {
    let (_dir, mut aduana) = setup();
    let file = repo_path("crates/aduana-formats/test_data/kcs_csv/err/bad_decimal.csv");
    let output = run(aduana.args(["validate", "--json", "--format", "kcs-csv"]).arg(file));
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    assert_eq!(report["valid"], false);
    assert_eq!(report["consignments"], 1, "the good row after the bad one is still read");
    assert_eq!(report["errors"][0]["code"], "bad_decimal");
    assert_eq!(report["errors"][0]["location"], "2 field Item Price");
}

#[test]
fn validate_accepts_the_example_flat_csv_as_one_consignment_of_two_items() {
    let (_dir, mut aduana) = setup();
    let output = run(aduana.arg("validate").arg("--json").arg(repo_path("examples/consignment.csv")));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let report = &json_lines(&output)[0];
    assert_eq!(report["format"], "csv");
    assert_eq!(report["consignments"], 1);
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
fn validate_names_unknown_flat_csv_columns() {
    let (dir, mut aduana) = setup();
    std::fs::write(dir.path().join("in.csv"), "reference,direction,hs_code,colour\nA1,import,854140,red\n")
        .expect("write");
    let output = run(aduana.args(["validate", "--json", "in.csv"]));
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    assert_eq!(report["format"], "csv");
    assert_eq!(report["errors"][0]["code"], "bad_header");
    assert!(report["errors"][0]["message"].as_str().unwrap_or("").contains("unknown columns: colour"));
}
