//! `aduana hs`: looking codes up in the Harmonized System.

use crate::helpers::{run, setup, stdout};

#[test]
fn hs_prints_description_and_parents_of_a_subheading() {
    let (_dir, mut aduana) = setup();
    let output = run(aduana.args(["hs", "854140"]));
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.starts_with("854140 — Electrical apparatus; photosensitive"), "{text}");
    assert!(text.contains("heading 8541"), "{text}");
    assert!(text.contains("chapter 85"), "{text}");
    assert!(text.contains("section XVI"), "{text}");
}

#[test]
fn hs_json_lists_editions_and_lineage() {
    let (_dir, mut aduana) = setup();
    let output = run(aduana.args(["hs", "--json", "0101.21.00.10"]));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    insta::assert_json_snapshot!(value["exists_in"], @r#"
    [
      "HS 2017",
      "HS 2022"
    ]
    "#);
    let codes: Vec<&str> =
        value["lineage"].as_array().expect("array").iter().filter_map(|e| e["code"].as_str()).collect();
    assert_eq!(codes, ["010121", "0101", "01"]);
}

#[test]
fn hs_exits_1_for_a_code_in_no_edition_and_2_for_a_malformed_one() {
    let (_dir, mut aduana) = setup();
    assert_eq!(run(aduana.args(["hs", "999998"])).status.code(), Some(1));
    let (_dir, mut aduana) = setup();
    let output = run(aduana.args(["hs", "85A1"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid HS code"));
}
