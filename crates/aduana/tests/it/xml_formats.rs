//! `aduana validate --json` over every real Cargo-XML and WCO DM sample in `../shared/data` (beside the
//! repository; present here and in CI). When the folder is absent the tests say loudly that they skipped.

use std::path::{Path, PathBuf};

use crate::helpers::{json_lines, run, setup};

/// Returns a sample folder of `../shared/data`, or `None` (after printing why) when it is not there.
#[allow(clippy::print_stderr, reason = "a skipped real-sample test must say so where the test output shows it")]
fn shared_data(folder: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(folder);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("!!!!! SKIPPED: {} is absent; the real-sample tests did not run !!!!!", path.display());
        None
    }
}

/// Returns every `.xml` file (any case) below a directory, sorted.
fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("reading a sample directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Returns whether a file is a DEC-DMS declaration in the CDS `MetaData` envelope (as the samples' README counts
/// them): its root is `md:MetaData` and it holds a `Declaration` in the DEC-DMS namespace.
fn is_dec_dms(path: &Path) -> bool {
    let bytes = std::fs::read(path).expect("reading a sample");
    let text = String::from_utf8_lossy(&bytes);
    let root = text.split("<md:MetaData").nth(1).is_some() && text.contains("\"urn:wco:datamodel:WCO:DEC-DMS:2\"");
    root && text.contains("<Declaration")
}

#[test]
fn every_hmrc_dec_dms_declaration_is_valid_except_the_three_that_are_not_well_formed() {
    let Some(dir) = shared_data("wco-dm-declarations-hmrc-cds") else { return };
    let samples: Vec<PathBuf> = xml_files(&dir).into_iter().filter(|p| !p.starts_with(dir.join("schemas"))).collect();
    let declarations: Vec<&PathBuf> = samples.iter().filter(|p| is_dec_dms(p)).collect();
    const NOT_WELL_FORMED: [&str; 3] = ["TT_IM084a.xml", "TT_EX022a_Declaration1_(Step1).xml", "TT_EX002a.xml"];
    // An API example of a submission HMRC answers with 400 (it has no LRN): it must be rejected.
    const REJECTED_BY_DESIGN: [&str; 1] = ["example_submission_declaration_400.xml"];
    let (_dir, mut aduana) = setup();
    let output = run(aduana.args(["validate", "--json"]).args(&declarations));
    let reports = json_lines(&output);
    assert_eq!(reports.len(), declarations.len());
    let mut valid = 0;
    let mut failures = Vec::new();
    for (path, report) in declarations.iter().zip(&reports) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert_eq!(report["format"], "wco-dm", "{name} detected as wco-dm");
        if NOT_WELL_FORMED.contains(&name) {
            let error = &report["errors"][0];
            let location = error["location"].as_str().unwrap_or_default();
            let located =
                location.split_once(':').is_some_and(|(l, c)| l.parse::<u32>().is_ok() && c.parse::<u32>().is_ok());
            if report["valid"] != false || error["code"] != "xml_syntax" || !located {
                failures.push(format!("{name}: expected an xml_syntax error at line:column, got {report}"));
            }
        } else if REJECTED_BY_DESIGN.contains(&name) {
            if report["valid"] != false {
                failures.push(format!("{name}: expected to be rejected, got {report}"));
            }
        } else if report["valid"] == true && report["consignments"].as_u64().unwrap_or(0) >= 1 {
            valid += 1;
        } else {
            failures.push(format!("{}: expected a valid declaration, got {report}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(valid >= 308, "expected at least the 308 DEC-DMS declarations the README counts, found {valid}");
    assert_eq!(output.status.code(), Some(1), "the non-well-formed files make the run exit 1");
}

#[test]
fn every_riege_cargo_xml_sample_is_valid_and_the_odd_ones_carry_located_warnings() {
    let Some(dir) = shared_data("iata-cargo-xml-riege") else { return };
    let samples = xml_files(&dir);
    assert_eq!(samples.len(), 7, "the README lists 7 samples");
    let (_dir, mut aduana) = setup();
    let output = run(aduana.args(["validate", "--json"]).args(&samples));
    assert_eq!(output.status.code(), Some(0));
    for (path, report) in samples.iter().zip(json_lines(&output)) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert_eq!(report["format"], "cargo-xml", "{name}");
        assert_eq!(report["valid"], true, "{name}: {report}");
        assert_eq!(report["consignments"], 1, "{name}");
        let warnings: Vec<(String, String)> = report["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .map(|w| {
                (
                    w["code"].as_str().unwrap_or_default().to_owned(),
                    w["location"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let has = |code: &str, location_end: &str| warnings.iter().any(|(c, l)| c == code && l.ends_with(location_end));
        if name.contains("pieceQuantityItemCountMismatch") {
            assert!(
                has("piece_count_mismatch", "/IncludedMasterConsignmentItem[1]/PieceQuantity[1]"),
                "{name}: {warnings:?}"
            );
        }
        if name.contains("multipleHTS") {
            assert!(
                has("unknown_hs_code", "/IncludedMasterConsignmentItem[2]/TypeCode[1]"),
                "{name}: placeholder 000222"
            );
        }
        if name.contains("XFZB") {
            assert!(
                has("piece_count_mismatch", "/IncludedHouseConsignment[1]/TotalPieceQuantity[1]"),
                "{name}: {warnings:?}"
            );
        }
    }
}

#[test]
fn a_bad_air_waybill_check_digit_is_a_located_error_and_exits_1() {
    let Some(dir) = shared_data("iata-cargo-xml-riege") else { return };
    let text = std::fs::read_to_string(dir.join("xfwbExample.xml")).expect("reading the sample");
    let (tmp, mut aduana) = setup();
    std::fs::write(tmp.path().join("bad.xml"), text.replace("<ID>020-68548340</ID>", "<ID>020-68548341</ID>"))
        .expect("write");
    let output = run(aduana.args(["validate", "--json", "bad.xml"]));
    assert_eq!(output.status.code(), Some(1));
    let error = &json_lines(&output)[0]["errors"][0];
    assert_eq!(error["code"], "invalid_air_waybill_number");
    assert_eq!(error["location"], "/ns2:Waybill[1]/ns2:BusinessHeaderDocument[1]/ID[1]");
}
