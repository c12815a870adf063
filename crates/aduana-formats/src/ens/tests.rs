//! Tests of the ENS reader: golden files under `test_data/ens/`, malformed input, and the HMRC schema suite
//! (`schemaTestCases315`: 90 documents to reject, 1 to accept).

#![allow(clippy::print_stderr, reason = "the schema suite prints its pass rate and says loudly when it skips")]

use std::path::PathBuf;

use crate::ens::rules::tests::suite_dir;
use crate::golden::{check_format_dir, test_limits};
use crate::{Collected, Format, read};

fn read_ens(text: &[u8]) -> Collected {
    let mut collected = Collected::default();
    read(Format::EnsXml, &mut &text[..], "t.xml", &test_limits(), &mut collected).expect("reading from memory");
    collected
}

#[test]
fn ens_golden_files_read_as_expected() {
    check_format_dir(Format::EnsXml, "ens");
}

#[test]
fn a_document_that_is_not_an_ie315_is_refused_with_its_root_named() {
    let collected = read_ens(b"<ie:CC313A xmlns:ie=\"x\"/>");
    assert!(collected.consignments.is_empty());
    assert_eq!(collected.diagnostics[0].code, "ens_wrong_root");
    assert!(collected.diagnostics[0].message.contains("CC313A"), "{}", collected.diagnostics[0]);
}

#[test]
fn malformed_xml_gives_one_located_error_and_no_consignment() {
    let collected = read_ens(b"<ie:CC315A xmlns:ie=\"x\">\n<HEAHEA></ie:CC315A>");
    assert!(collected.consignments.is_empty());
    assert_eq!(collected.diagnostics.len(), 1);
    assert_eq!(collected.diagnostics[0].code, "xml_syntax");
    assert_eq!(collected.diagnostics[0].location.line, Some(2));
}

#[test]
fn truncated_and_corrupted_documents_never_panic() {
    let text = include_bytes!("../../test_data/ens/ok/valid_submission.xml");
    for end in (0..text.len()).step_by(7) {
        let _ = read_ens(&text[..end]);
    }
    for at in (0..text.len()).step_by(11) {
        let mut corrupted = text.to_vec();
        corrupted[at] = b"<>&/x9 _"[at % 8];
        let _ = read_ens(&corrupted);
    }
}

/// Runs the HMRC schema suite when it is present (it is, in the repository's CI and workspace).
#[test]
fn hmrc_schema_suite_cases_are_rejected_or_accepted_as_their_ctl_files_say() {
    let Some(dir) = suite_dir("schemaTestCases315") else {
        eprintln!(
            "\n!!!!!!!! SKIPPED: ../shared/data/ics1-ens-hmrc/schemaTestCases315 not found; schema checks NOT tested !!!!!!!!\n"
        );
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("listing the suite")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    let mut rejected = 0;
    for xml_path in &cases {
        let name = xml_path.file_name().and_then(|n| n.to_str()).unwrap_or("case").to_owned();
        let xml = std::fs::read(xml_path).expect("reading a case");
        let ctl = std::fs::read_to_string(xml_path.with_extension("ctl")).expect("reading a .ctl");
        let expect_reject = ctl.contains("<err:Error>");
        let collected = read_ens(&xml);
        let structure_errors: Vec<String> = collected
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && !d.code.chars().all(|c| c.is_ascii_digit()))
            .map(ToString::to_string)
            .collect();
        rejected += usize::from(!structure_errors.is_empty());
        if expect_reject == structure_errors.is_empty() {
            failures.push(format!(
                "{name}: expected {}, got {structure_errors:?}",
                if expect_reject { "rejection" } else { "acceptance" }
            ));
        }
    }
    let passed = cases.len() - failures.len();
    eprintln!("ENS schema suite: {passed}/{} cases as their .ctl says ({rejected} rejected)", cases.len());
    for failure in &failures {
        eprintln!("  FAIL {failure}");
    }
    assert!(!cases.is_empty(), "the suite directory holds no cases");
    assert!(failures.is_empty(), "{} schema cases differ", failures.len());
}
