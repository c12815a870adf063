//! `aduana validate` on UN/EDIFACT CUSCAR interchanges: the real CBP samples, synthetic ones and malformed ones.

use crate::helpers::{json_lines, repo_path, run, setup};

const DATA: &str = "crates/aduana-formats/test_data/edifact";

fn edi_files(kind: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo_path(&format!("{DATA}/{kind}")))
        .expect("test data directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "edi"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .edi files under {kind}");
    files
}

#[test]
fn the_cbp_cuscar_sample_is_detected_and_valid_with_one_consignment() {
    let (_dir, mut aduana) = setup();

    let output = run(aduana
        .arg("validate")
        .arg("--json")
        .arg(repo_path(&format!("{DATA}/ok/cbp_ace_cuscar_truck_manifest.edi"))));

    assert_eq!(output.status.code(), Some(0));
    let report = &json_lines(&output)[0];
    assert_eq!(report["format"], "edifact");
    assert_eq!(report["valid"], true);
    assert_eq!(report["consignments"], 1);
}

#[test]
fn every_ok_interchange_is_valid_with_at_least_one_consignment() {
    for file in edi_files("ok") {
        let (_dir, mut aduana) = setup();

        let output = run(aduana.arg("validate").arg("--json").arg(&file));

        assert_eq!(output.status.code(), Some(0), "{}", file.display());
        let report = &json_lines(&output)[0];
        assert_eq!(report["valid"], true, "{}: {report}", file.display());
        assert!(report["consignments"].as_u64() >= Some(1), "{}: {report}", file.display());
    }
}

#[test]
fn every_malformed_interchange_exits_1_with_located_errors() {
    for file in edi_files("err") {
        let (_dir, mut aduana) = setup();

        let output = run(aduana.args(["validate", "--json", "--format", "edifact"]).arg(&file));

        assert_eq!(output.status.code(), Some(1), "{}", file.display());
        let report = &json_lines(&output)[0];
        assert_eq!(report["valid"], false, "{}", file.display());
        let errors = report["errors"].as_array().expect("errors array");
        assert!(!errors.is_empty(), "{}", file.display());
        for error in errors {
            let located = error["location"].as_str().is_some_and(|l| !l.is_empty());
            assert!(located, "{}: unlocated error {error}", file.display());
        }
    }
}

#[test]
fn a_wrong_unt_count_is_reported_at_the_unt_segment() {
    let (dir, mut aduana) = setup();
    let body =
        "UNB+UNOA:3+A+B+241105:0930+1'\nUNH+1+CUSCAR:D:95B:UN'\nBGM+785+X+9'\nCNI+1'\nRFF+BM:B1'\nUNT+9+1'\nUNZ+1+1'\n";
    std::fs::write(dir.path().join("m.edi"), body).expect("write");

    let output = run(aduana.args(["validate", "--json", "m.edi"]));

    assert_eq!(output.status.code(), Some(1));
    let report = &json_lines(&output)[0];
    insta::assert_json_snapshot!(report["errors"], @r#"
    [
      {
        "code": "control_count",
        "location": "segment 5 UNT element 1 component 1 (0074)",
        "message": "UNT control count says `9`, but there are 5 segments from UNH to UNT",
        "rule": null
      }
    ]
    "#);
}
