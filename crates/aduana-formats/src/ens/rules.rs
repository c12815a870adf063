//! The ICS business rules of IE315 as data: rule tables (JSON, the HMRC format) are parsed into a [`RuleSet`] once
//! and evaluated against parsed documents many times. The tables HMRC applies to IE315 ship in `data/ics-rules/`
//! and are compiled in as [`RuleSet::builtin`]; a new edition of the rules is a change of those files (or a
//! [`RuleSet::from_files`] call with other tables), not of this code.
//!
//! A table is `{"element": path, "name": ..., "asserts": [{"test", "errorMessage", "errorCode", ...}]}`; each assert
//! is evaluated with every element `path` selects as context, and an assert whose test is false reports its
//! `errorCode` at that element's XPath.

mod eval;
mod lexer;
mod parser;
pub(crate) mod pattern;

use std::sync::OnceLock;

use aduana_core::Diagnostic;

use crate::ens::rules::eval::{Evaluator, Expr, Path};
use crate::xml::XmlDocument;

/// The rule tables HMRC applies to IE315 (`businessRules315` in the service's configuration), by name.
const BUILTIN: &[(&str, &str)] = &[
    ("p1_p70", include_str!("../../../../data/ics-rules/p1_p70.json")),
    ("p2_p71", include_str!("../../../../data/ics-rules/p2_p71.json")),
    ("p3_p72", include_str!("../../../../data/ics-rules/p3_p72.json")),
    ("p4_p73", include_str!("../../../../data/ics-rules/p4_p73.json")),
    ("p5_p74", include_str!("../../../../data/ics-rules/p5_p74.json")),
    ("p5_p74_non_GB_Eori_CR", include_str!("../../../../data/ics-rules/p5_p74_non_GB_Eori_CR.json")),
    ("p6_p75", include_str!("../../../../data/ics-rules/p6_p75.json")),
    ("p7_p76", include_str!("../../../../data/ics-rules/p7_p76.json")),
    ("p8_p77", include_str!("../../../../data/ics-rules/p8_p77.json")),
    ("p9_p78", include_str!("../../../../data/ics-rules/p9_p78.json")),
    ("p10_p79", include_str!("../../../../data/ics-rules/p10_p79.json")),
    ("p11_p80", include_str!("../../../../data/ics-rules/p11_p80.json")),
    ("p11_p80_non_GB_Eori_CR", include_str!("../../../../data/ics-rules/p11_p80_non_GB_Eori_CR.json")),
    ("p12_p81", include_str!("../../../../data/ics-rules/p12_p81.json")),
    ("p13_p82", include_str!("../../../../data/ics-rules/p13_p82.json")),
    ("p14_p83", include_str!("../../../../data/ics-rules/p14_p83.json")),
    ("p15_p84", include_str!("../../../../data/ics-rules/p15_p84.json")),
    ("p16_p85", include_str!("../../../../data/ics-rules/p16_p85.json")),
    ("p17_p86", include_str!("../../../../data/ics-rules/p17_p86.json")),
    ("p17_p86_non_GB_Eori_CR", include_str!("../../../../data/ics-rules/p17_p86_non_GB_Eori_CR.json")),
    ("p18_p87", include_str!("../../../../data/ics-rules/p18_p87.json")),
    ("p19_p88", include_str!("../../../../data/ics-rules/p19_p88.json")),
    ("p20_p89", include_str!("../../../../data/ics-rules/p20_p89.json")),
    ("p21_p90", include_str!("../../../../data/ics-rules/p21_p90.json")),
    ("p22_p91", include_str!("../../../../data/ics-rules/p22_p91.json")),
    ("p23_p92", include_str!("../../../../data/ics-rules/p23_p92.json")),
    ("p24_p93", include_str!("../../../../data/ics-rules/p24_p93.json")),
    ("p25_p94", include_str!("../../../../data/ics-rules/p25_p94.json")),
    ("p26_p95", include_str!("../../../../data/ics-rules/p26_p95.json")),
    ("p27_p96", include_str!("../../../../data/ics-rules/p27_p96.json")),
    ("p28_p97", include_str!("../../../../data/ics-rules/p28_p97.json")),
    ("p29_p98", include_str!("../../../../data/ics-rules/p29_p98.json")),
    ("p29_p98_non_GB_Eori_CR", include_str!("../../../../data/ics-rules/p29_p98_non_GB_Eori_CR.json")),
    ("p30_p99", include_str!("../../../../data/ics-rules/p30_p99.json")),
    ("p31_p100", include_str!("../../../../data/ics-rules/p31_p100.json")),
    ("p32_p101", include_str!("../../../../data/ics-rules/p32_p101.json")),
    ("p33_p102", include_str!("../../../../data/ics-rules/p33_p102.json")),
    ("p34_p103", include_str!("../../../../data/ics-rules/p34_p103.json")),
    ("p35_p104", include_str!("../../../../data/ics-rules/p35_p104.json")),
    ("p35_p104_non_GB_Eori_CR", include_str!("../../../../data/ics-rules/p35_p104_non_GB_Eori_CR.json")),
    ("p36_p105", include_str!("../../../../data/ics-rules/p36_p105.json")),
    ("p37_p106", include_str!("../../../../data/ics-rules/p37_p106.json")),
    ("p38_p107", include_str!("../../../../data/ics-rules/p38_p107.json")),
    ("p39_p108", include_str!("../../../../data/ics-rules/p39_p108.json")),
    ("p40_p109", include_str!("../../../../data/ics-rules/p40_p109.json")),
    ("p41_p110", include_str!("../../../../data/ics-rules/p41_p110.json")),
    ("p42_p111", include_str!("../../../../data/ics-rules/p42_p111.json")),
    ("p43_p112", include_str!("../../../../data/ics-rules/p43_p112.json")),
    ("p44_p113", include_str!("../../../../data/ics-rules/p44_p113.json")),
    ("p45_p114", include_str!("../../../../data/ics-rules/p45_p114.json")),
    ("p46_p115", include_str!("../../../../data/ics-rules/p46_p115.json")),
    ("p46_p115_non_GB_Eori_CR", include_str!("../../../../data/ics-rules/p46_p115_non_GB_Eori_CR.json")),
    ("p47_p116", include_str!("../../../../data/ics-rules/p47_p116.json")),
    ("p48_p117", include_str!("../../../../data/ics-rules/p48_p117.json")),
    ("p49_p118", include_str!("../../../../data/ics-rules/p49_p118.json")),
    ("p50_p119", include_str!("../../../../data/ics-rules/p50_p119.json")),
    ("p51_p120", include_str!("../../../../data/ics-rules/p51_p120.json")),
    ("p52_p122", include_str!("../../../../data/ics-rules/p52_p122.json")),
    ("p53_p123", include_str!("../../../../data/ics-rules/p53_p123.json")),
    ("p54_p124", include_str!("../../../../data/ics-rules/p54_p124.json")),
    ("p55_p125", include_str!("../../../../data/ics-rules/p55_p125.json")),
    ("p56_p126", include_str!("../../../../data/ics-rules/p56_p126.json")),
    ("p57_p127", include_str!("../../../../data/ics-rules/p57_p127.json")),
    ("p58_p128", include_str!("../../../../data/ics-rules/p58_p128.json")),
    ("p59_p129", include_str!("../../../../data/ics-rules/p59_p129.json")),
    ("p60_p130", include_str!("../../../../data/ics-rules/p60_p130.json")),
    ("p61_p131", include_str!("../../../../data/ics-rules/p61_p131.json")),
    ("p62_p132", include_str!("../../../../data/ics-rules/p62_p132.json")),
    ("p63_p133", include_str!("../../../../data/ics-rules/p63_p133.json")),
    ("p63_p133_non_GB_Eori_CR", include_str!("../../../../data/ics-rules/p63_p133_non_GB_Eori_CR.json")),
    ("p64_p134", include_str!("../../../../data/ics-rules/p64_p134.json")),
    ("p65_p135", include_str!("../../../../data/ics-rules/p65_p135.json")),
    ("p66_p136", include_str!("../../../../data/ics-rules/p66_p136.json")),
    ("p67_p137", include_str!("../../../../data/ics-rules/p67_p137.json")),
    ("p68_p138", include_str!("../../../../data/ics-rules/p68_p138.json")),
    ("p69_p139", include_str!("../../../../data/ics-rules/p69_p139.json")),
    ("p121", include_str!("../../../../data/ics-rules/p121.json")),
];

/// A compiled set of rule tables, built once and evaluated many times.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

/// One rule table: a context path and its asserts.
#[derive(Debug)]
struct Rule {
    context: Path,
    asserts: Vec<Assert>,
}

#[derive(Debug)]
struct Assert {
    test: Expr,
    code: String,
    message: String,
    rule_id: String,
}

/// Why a rule table could not be loaded: the file, which assert, where in its test, and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {place}: {message}")]
pub struct RuleFileError {
    /// The table's name.
    pub file: String,
    /// Where in the table: `asserts[3].test at offset 17`, or `element`.
    pub place: String,
    /// What was expected and found.
    pub message: String,
}

/// A syntax error inside one test expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleSyntaxError {
    pub(crate) offset: usize,
    pub(crate) expected: String,
    pub(crate) found: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    element: String,
    #[serde(default, rename = "name")]
    _name: Option<String>,
    asserts: Vec<RawAssert>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawAssert {
    test: String,
    #[serde(default, rename = "localErrorMessage")]
    _local_error_message: Option<String>,
    error_message: String,
    error_code: String,
}

impl RuleSet {
    /// Returns the built-in IE315 rule set (compiled on first use).
    ///
    /// # Panics
    ///
    /// Panics if a built-in table does not compile; a unit test compiles them all, so this is a build defect.
    pub fn builtin() -> &'static RuleSet {
        static BUILTIN_SET: OnceLock<RuleSet> = OnceLock::new();
        BUILTIN_SET
            .get_or_init(|| RuleSet::from_files(BUILTIN.iter().copied()).expect("the built-in ICS rule tables compile"))
    }

    /// Compiles rule tables given as (name, JSON text) pairs.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<RuleSet, RuleFileError> {
        let mut rules = Vec::new();
        for (file, text) in files {
            rules.push(compile_file(file, text)?);
        }
        Ok(RuleSet { rules })
    }

    /// Returns the number of asserts in the set.
    pub fn assert_count(&self) -> usize {
        self.rules.iter().map(|r| r.asserts.len()).sum()
    }

    /// Evaluates every rule against a parsed IE315 and returns one error diagnostic per failed assert and context
    /// element: code = the GovTalk error number, rule = the DG TAXUD rule or condition id, location = the XPath.
    pub fn check(&self, doc: &XmlDocument) -> Vec<Diagnostic> {
        let mut evaluator = Evaluator::new(doc);
        let mut contexts = Vec::new();
        let mut out = Vec::new();
        for rule in &self.rules {
            evaluator.select(doc.root(), &rule.context, &mut contexts);
            for &context in &contexts {
                for assert in &rule.asserts {
                    if !evaluator.eval(&assert.test, context).truthy() {
                        out.push(
                            Diagnostic::error(assert.code.clone(), assert.message.clone(), doc.location(context))
                                .with_rule(assert.rule_id.clone()),
                        );
                    }
                }
            }
        }
        out
    }
}

fn compile_file(file: &str, text: &str) -> Result<Rule, RuleFileError> {
    let error = |place: String, message: String| RuleFileError { file: file.to_owned(), place, message };
    let raw: RawRule = serde_json::from_str(text).map_err(|e| {
        error(format!("line {} column {}", e.line(), e.column()), format!("expected a rule table: {e}"))
    })?;
    let context = parser::parse_path(&raw.element).map_err(|e| error("element".to_owned(), e))?;
    let mut asserts = Vec::new();
    for (i, assert) in raw.asserts.into_iter().enumerate() {
        let test = parser::parse_test(&assert.test).map_err(|e| {
            error(
                format!("asserts[{i}].test at offset {}", e.offset),
                format!("expected {}, found {} in `{}`", e.expected, e.found, assert.test),
            )
        })?;
        if assert.error_code.trim().is_empty() {
            return Err(error(format!("asserts[{i}].errorCode"), "expected an error number, found none".to_owned()));
        }
        let rule_id = rule_id(&assert.error_message).unwrap_or_else(|| format!("{file}#{i}"));
        asserts.push(Assert {
            test,
            code: assert.error_code.trim().to_owned(),
            message: assert.error_message,
            rule_id,
        });
    }
    Ok(Rule { context, asserts })
}

/// Finds the DG TAXUD rule or condition id a message ends with: `... (C501)` → `C501`.
fn rule_id(message: &str) -> Option<String> {
    let open = message.rfind('(')?;
    let inside = message[open + 1..].split(')').next()?;
    let letters = inside.trim_end_matches(|c: char| c.is_ascii_digit());
    let ok = !letters.is_empty() && letters.len() < inside.len() && letters.chars().all(|c| c.is_ascii_uppercase());
    ok.then(|| inside.to_owned())
}

#[cfg(test)]
pub(crate) mod tests;
