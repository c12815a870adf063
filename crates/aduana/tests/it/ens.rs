//! `aduana validate --format ens`: ICS business-rule errors and structure errors of IE315 files, end to end.

use crate::helpers::{json_lines, repo_path, run, setup};

const CONSIGNEE_WITHOUT_NAME: &str = "crates/aduana-formats/test_data/ens/err/rule_consignee_without_name.xml";

#[test]
fn validate_reports_ics_rule_errors_with_govtalk_number_xpath_and_rule_id() {
    let (_dir, mut aduana) = setup();
    let output = run(aduana.args(["validate", "--format", "ens", "--json"]).arg(repo_path(CONSIGNEE_WITHOUT_NAME)));
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    assert_eq!(report["format"], "ens");
    assert_eq!(report["consignments"], 1, "a consignment that breaks rules is still produced");
    insta::assert_json_snapshot!(report["errors"][0], @r#"
    {
      "code": "8125",
      "location": "/ie:CC315A[1]/TRACONCE1[1]",
      "message": "The field 'Name (box 8)' within Import Operation.Trader Consignee is required if no 'TIN' has been declared (C501)",
      "rule": "C501"
    }
    "#);
    let codes: Vec<&str> =
        report["errors"].as_array().expect("errors").iter().filter_map(|e| e["code"].as_str()).collect();
    assert_eq!(codes, ["8125", "8126", "8127", "8129"]);
}

#[test]
fn validate_detects_ens_from_content_and_accepts_the_example() {
    let (_dir, mut aduana) = setup();
    let output = run(aduana.args(["validate", "--json"]).arg(repo_path("examples/ens-ie315.xml")));
    assert_eq!(output.status.code(), Some(0));
    let report = &json_lines(&output)[0];
    assert_eq!(report["format"], "ens");
    assert_eq!(report["valid"], true);
    assert_eq!(report["consignments"], 1);
}

#[test]
fn validate_reports_a_schema_violation_at_its_xpath_and_produces_no_consignment() {
    let (dir, mut aduana) = setup();
    let text = std::fs::read_to_string(repo_path("examples/ens-ie315.xml")).expect("example");
    let broken = text.replace("<TraModAtBorHEA76>4</TraModAtBorHEA76>", "<TraModAtBorHEA76>air</TraModAtBorHEA76>");
    std::fs::write(dir.path().join("broken.xml"), broken).expect("write");
    let output = run(aduana.args(["validate", "--json", "broken.xml"]));
    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    assert_eq!(report["consignments"], 0);
    insta::assert_json_snapshot!(report["errors"], @r#"
    [
      {
        "code": "ens_structure",
        "location": "/ie:CC315A[1]/HEAHEA[1]/TraModAtBorHEA76[1]",
        "message": "<TraModAtBorHEA76>: expected at most 2 characters (Numeric_Max2), found 3 in 'air'",
        "rule": "CC315A-v11-2.xsd"
      }
    ]
    "#);
}
