//! Tests of the rule engine: the built-in tables compile, malformed tables fail with located errors, and the
//! HMRC conformance suite (`ruleTestCases315`) gives exactly the expected (error number, XPath) pairs.

#![allow(clippy::print_stderr, reason = "the conformance test prints its pass rate and says loudly when it skips")]

use std::path::{Path, PathBuf};

use crate::ens::rules::RuleSet;
use crate::golden::test_limits;
use crate::xml::XmlDocument;

/// Finds a folder of the HMRC suite: `../../../shared/data/ics1-ens-hmrc` from the crate in the main repository
/// and in CI, one level further up from a helper's worktree.
pub(crate) fn suite_dir(name: &str) -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../../../shared/data/ics1-ens-hmrc", "../../../../shared/data/ics1-ens-hmrc"]
        .iter()
        .map(|base| manifest.join(base).join(name))
        .find(|dir| dir.is_dir())
}

/// Reads the expected (number, location) pairs of a GovTalk `.ctl` error response.
pub(crate) fn expected_pairs(ctl: &[u8], name: &str) -> Vec<(String, String)> {
    let doc = XmlDocument::parse(ctl, name, &test_limits()).unwrap_or_else(|d| panic!("{name}: {d}"));
    let mut pairs: Vec<(String, String)> = doc
        .children_named(doc.root(), "Error")
        .map(|e| {
            let number = doc.text_at(e, &["Number"]).unwrap_or("").to_owned();
            let location = doc.text_at(e, &["Location"]).unwrap_or("").to_owned();
            (number, location)
        })
        .collect();
    pairs.sort();
    pairs
}

/// Reads a case through the whole ENS reader (XML, structure, rules) and returns its errors as (code, XPath)
/// pairs; a structure error would show up as a pair the oracle does not list.
pub(crate) fn actual_pairs(xml: &[u8], name: &str, rules: &RuleSet) -> Vec<(String, String)> {
    let (_, diagnostics) = crate::ens::parse(xml, name, &test_limits(), rules);
    let mut pairs: Vec<(String, String)> =
        diagnostics.into_iter().filter(|d| d.is_error()).map(|d| (String::from(d.code), d.location.short())).collect();
    pairs.sort();
    pairs
}

#[test]
fn builtin_rule_tables_compile() {
    assert_eq!(RuleSet::builtin().assert_count(), 188);
}

#[test]
fn malformed_rule_tables_are_refused_with_file_position_and_expectation() {
    let cases = [
        (
            r#"{"element": "/HEAHEA", "asserts": [{"test": "exists('A') ||", "errorMessage": "m", "errorCode": "1"}]}"#,
            "t: asserts[0].test at offset 14: expected a value",
        ),
        (
            r#"{"element": "/HEAHEA", "asserts": [{"test": "frobnicate('A')", "errorMessage": "m", "errorCode": "1"}]}"#,
            "t: asserts[0].test at offset 0: expected a known function",
        ),
        (
            r#"{"element": "/HEAHEA", "asserts": [{"test": "exists('A'", "errorMessage": "m", "errorCode": "1"}]}"#,
            "expected `,` or `)`",
        ),
        (
            r#"{"element": "/HEAHEA", "asserts": [{"test": "applyRegex('A', '(x')", "errorMessage": "m", "errorCode": "1"}]}"#,
            "expected a supported regular expression",
        ),
        (r#"{"element": "/HEA HEA", "asserts": []}"#, "t: element: expected an element name"),
        (r#"{"element": "/HEAHEA", "asserts": [{"test": "exists('A')", "errorMessage": "m"}]}"#, "t: line 1 column"),
        (
            r#"{"element": "/HEAHEA", "asserts": [{"test": "'a", "errorMessage": "m", "errorCode": "1"}]}"#,
            "expected a closing '",
        ),
    ];
    let deep = format!(
        r#"{{"element": "/", "asserts": [{{"test": "{}exists('A'){}", "errorMessage": "m", "errorCode": "1"}}]}}"#,
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let bangs = format!(
        r#"{{"element": "/", "asserts": [{{"test": "{}exists('A')", "errorMessage": "m", "errorCode": "1"}}]}}"#,
        "!".repeat(5000)
    );
    let nested = [(deep.as_str(), "nested at most"), (bangs.as_str(), "nested at most")];
    for (text, expected) in cases.into_iter().chain(nested) {
        let error = RuleSet::from_files([("t", text)]).expect_err(text).to_string();
        assert!(error.contains(expected), "case {text}: got {error}");
    }
}

#[test]
fn rule_failures_carry_code_rule_id_and_xpath() {
    let rules = RuleSet::from_files([(
        "t",
        r#"{"element": "/TRACONCE1", "asserts": [{"test": "exists('TINCE159') || exists('NamCE17')", "errorMessage": "name required (C501)", "errorCode": "8125"}]}"#,
    )])
    .expect("compiles");
    let doc = XmlDocument::parse(
        b"<ie:CC315A xmlns:ie=\"x\"><TRACONCE1><CitCE124>c</CitCE124></TRACONCE1></ie:CC315A>",
        "t.xml",
        &test_limits(),
    )
    .expect("well formed");
    let found = rules.check(&doc);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, "8125");
    assert_eq!(found[0].rule.as_deref(), Some("C501"));
    assert_eq!(found[0].location.short(), "/ie:CC315A[1]/TRACONCE1[1]");
}

/// Runs the HMRC rule conformance suite when it is present (it is, in the repository's CI and workspace).
#[test]
fn hmrc_rule_conformance_suite_passes_at_least_99_percent_of_cases_exactly() {
    let Some(dir) = suite_dir("ruleTestCases315") else {
        eprintln!(
            "\n!!!!!!!! SKIPPED: ../shared/data/ics1-ens-hmrc/ruleTestCases315 not found; rule conformance NOT checked !!!!!!!!\n"
        );
        return;
    };
    let rules = RuleSet::builtin();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("listing the suite")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    let mut pairs = 0;
    for xml_path in &cases {
        let name = xml_path.file_name().and_then(|n| n.to_str()).unwrap_or("case").to_owned();
        let xml = std::fs::read(xml_path).expect("reading a case");
        let ctl = std::fs::read(xml_path.with_extension("ctl")).expect("reading a .ctl");
        let expected = expected_pairs(&ctl, &name);
        pairs += expected.len();
        let actual = actual_pairs(&xml, &name, rules);
        if expected != actual {
            failures.push(format!("{name}: expected {expected:?}, got {actual:?}"));
        }
    }
    let passed = cases.len() - failures.len();
    let rate = 100.0 * passed as f64 / cases.len().max(1) as f64;
    eprintln!("ENS rule conformance: {passed}/{} cases exact ({rate:.2} %), {pairs} expected errors", cases.len());
    for failure in &failures {
        eprintln!("  FAIL {failure}");
    }
    assert!(!cases.is_empty(), "the suite directory holds no cases");
    assert!(rate >= 99.0, "pass rate {rate:.2} % is below 99 %");
}

/// Evaluates one test at the context `context_path` of a small document.
fn holds(test: &str, context: &str, xml: &str) -> bool {
    let table = format!(
        r#"{{"element": "{context}", "asserts": [{{"test": {}, "errorMessage": "m", "errorCode": "1"}}]}}"#,
        serde_json::to_string(test).expect("a string")
    );
    let rules = RuleSet::from_files([("t", table.as_str())]).unwrap_or_else(|e| panic!("{test}: {e}"));
    let doc = XmlDocument::parse(xml.as_bytes(), "t.xml", &test_limits()).expect("well formed");
    rules.check(&doc).is_empty()
}

const DOC: &str = r"<ie:CC315A xmlns:ie='x'>
<HEAHEA><TraModAtBorHEA76> 4 </TraModAtBorHEA76><TotGroMasHEA307>10.5</TotGroMasHEA307></HEAHEA>
<GOOITEGDS><IteNumGDS7>1</IteNumGDS7><GroMasGDS46>4</GroMasGDS46><PACGS2><KinOfPacGS23>VQ</KinOfPacGS23><MarNumOfPacGSL21>M</MarNumOfPacGSL21><NumOfPacGS24>0</NumOfPacGS24></PACGS2></GOOITEGDS>
<GOOITEGDS><IteNumGDS7>2</IteNumGDS7><GroMasGDS46>6.5</GroMasGDS46><PACGS2><KinOfPacGS23>BX</KinOfPacGS23><MarNumOfPacGSL21>M</MarNumOfPacGSL21><NumOfPacGS24>3</NumOfPacGS24></PACGS2></GOOITEGDS>
</ie:CC315A>";

#[test]
fn evaluator_follows_the_rule_language_semantics() {
    let cases: &[(&str, &str, bool)] = &[
        ("number('TraModAtBorHEA76') == 4", "/HEAHEA", true),
        ("trim('TraModAtBorHEA76') == '4'", "/HEAHEA", true),
        ("getValue('TraModAtBorHEA76') == '4'", "/HEAHEA", false),
        ("number('Missing') == 0", "/HEAHEA", false),
        ("number('Missing') != 0", "/HEAHEA", true),
        ("trim('Missing') != 'E'", "/HEAHEA", true),
        ("count('GOOITEGDS') == 2 && areIndices('GOOITEGDS/IteNumGDS7')", "/", true),
        ("sum('GOOITEGDS/GroMasGDS46') == number('HEAHEA/TotGroMasHEA307')", "/", true),
        ("countEquals('GOOITEGDS/PACGS2/KinOfPacGS23', 'VQ') == 1", "/", true),
        ("countDistinct('GOOITEGDS/PACGS2/MarNumOfPacGSL21', true) == 1", "/", true),
        ("countDistinctChildCount('GOOITEGDS') == 1", "/", true),
        ("existsForAll('GOOITEGDS', 'PACGS2/MarNumOfPacGSL21', 'M')", "/", true),
        ("not('../../HEAHEA/SpeCirIndHEA1') && exists('../../HEAHEA')", "/GOOITEGDS/PACGS2", true),
        ("trim('.').take(1) != '0' || trim('.').length() <= 1", "/GOOITEGDS/IteNumGDS7", true),
        ("substringAfter(trim('.'), '.').length() <= 3", "/GOOITEGDS/GroMasGDS46", true),
        ("applyRegex('.', '\\\\s*[0-9]+\\\\s*')", "/GOOITEGDS/GroMasGDS46", false),
        ("number('../HEAHEA/TotGroMasHEA307') * 2 - 1 > 19.9", "/GOOITEGDS", true),
        (
            "number('NumOfPacGS24') != 0 || exists('../../GOOITEGDS/PACGS2', {ContextHelper current, ContextHelper local -> local.intOrElse('NumOfPacGS24', 0) > 0 && current.trim('MarNumOfPacGSL21') == local.trim('MarNumOfPacGSL21')})",
            "/GOOITEGDS/PACGS2",
            true,
        ),
        ("exists('GOOITEGDS', {g -> g.number('GroMasGDS46') > 6})", "/", true),
        ("exists('GOOITEGDS', {g -> g.number('GroMasGDS46') > 7})", "/", false),
    ];
    for (test, context, expected) in cases {
        assert_eq!(holds(test, context, DOC), *expected, "{test} at {context}");
    }
}

#[test]
fn a_failed_assert_is_reported_once_per_context_element() {
    let rules = RuleSet::from_files([(
        "t",
        r#"{"element": "/GOOITEGDS/PACGS2", "asserts": [{"test": "number('NumOfPacGS24') > 5", "errorMessage": "m (R105)", "errorCode": "9"}]}"#,
    )])
    .expect("compiles");
    let doc = XmlDocument::parse(DOC.as_bytes(), "t.xml", &test_limits()).expect("well formed");
    let locations: Vec<String> = rules.check(&doc).iter().map(|d| d.location.short()).collect();
    assert_eq!(locations, ["/ie:CC315A[1]/GOOITEGDS[1]/PACGS2[1]", "/ie:CC315A[1]/GOOITEGDS[2]/PACGS2[1]"]);
}
