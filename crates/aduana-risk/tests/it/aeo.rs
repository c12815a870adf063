//! The AEO register CSV and when operators get the benefit.

use aduana_core::PartyIdentifier;
use aduana_risk::{AeoRegister, AeoStatus, assess};

use crate::fixtures::{context, profiles, solar};

const HEADER: &str = "identifier,name,programme,status,valid_from,valid_to,recognised_under\n";

#[test]
fn the_shipped_sample_register_loads() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/aeo/register.csv")).expect("read");
    let register = AeoRegister::parse_csv(&bytes, "register.csv").expect("valid");
    assert_eq!(register.operators().len(), 6);
    let id = PartyIdentifier { scheme: "eori".into(), value: "gb555555555000".into() };
    assert_eq!(register.lookup(&id).next().expect("found").status, AeoStatus::Suspended);
}

#[test]
fn bad_cells_are_reported_by_line_and_column_name() {
    let csv =
        format!("{HEADER}GB1,Acme,GB-AEOF,expired,2020-01-01,,national\nGB2,,GB-AEOF,valid,01/02/2020,,national\n");
    let errors = AeoRegister::parse_csv(csv.as_bytes(), "aeo.csv").expect_err("invalid");
    let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(rendered.join("\n"), @r#"
    aeo.csv:2: column `status`: expected valid, suspended or revoked, found `expired`
    aeo.csv:3: column `name`: expected a value, found an empty cell
    aeo.csv:3: column `valid_from`: expected a date YYYY-MM-DD, found `01/02/2020`
    "#);
}

#[test]
fn a_missing_column_is_reported() {
    let errors = AeoRegister::parse_csv(b"identifier,name\nX,Y\n", "aeo.csv").expect_err("invalid");
    assert_eq!(errors[0].to_string(), "aeo.csv:1: column `programme`: expected a `programme` column in the header");
}

#[test]
fn only_valid_recognised_authorisations_in_force_give_the_benefit() {
    let cases = [
        ("valid,2020-01-01,,national", true),
        ("valid,2020-01-01,,EU-US MRA", true),
        ("valid,2020-01-01,,", false),
        ("suspended,2020-01-01,,national", false),
        ("revoked,2020-01-01,,national", false),
        ("valid,2020-01-01,2025-12-31,national", false),
        ("valid,2027-01-01,,national", false),
    ];
    for (tail, benefit) in cases {
        let csv = format!("{HEADER}GB123456789000,Acme,GB-AEOF,{tail}\n");
        let mut ctx = context(profiles(""));
        ctx.aeo = AeoRegister::parse_csv(csv.as_bytes(), "aeo.csv").expect("valid");
        let a = assess(&solar("R1", "4000", "DE"), &ctx);
        let aeo = a.hits.iter().find(|h| h.indicator == "aeo").expect("an aeo hit either way");
        assert_eq!(aeo.weight < 0.0, benefit, "case {tail}: {}", aeo.reason);
    }
}

#[test]
fn norms_csv_errors_are_reported_by_line() {
    let csv = "hs_prefix,currency,value_per_kg\n8541,USD,3.9\n85x1,USD,2\n8507,US,2\n8507,USD,-1\n";
    let errors = aduana_risk::reference::parse_norms(csv.as_bytes(), "norms.csv").expect_err("invalid");
    let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            "norms.csv:3: column `hs_prefix`: expected 2 to 10 digits, found `85x1`",
            "norms.csv:4: column `currency`: expected an ISO 4217 code, found `US`",
            "norms.csv:5: column `value_per_kg`: expected a positive number, found `-1`",
        ]
    );
    let missing = aduana_risk::reference::parse_norms(b"hs,currency\n", "norms.csv").expect_err("no columns");
    assert_eq!(missing[0].to_string(), "norms.csv:1: expected the columns hs_prefix, currency, value_per_kg");
}

#[test]
fn norms_use_the_longest_prefix_in_the_same_currency() {
    let csv = "hs_prefix,currency,value_per_kg\n85,USD,10\n8541,USD,4\n8541,EUR,3.5\n";
    let norms = aduana_risk::reference::parse_norms(csv.as_bytes(), "norms.csv").expect("valid");
    assert_eq!(norms.lookup("854143", "USD"), Some(4.0));
    assert_eq!(norms.lookup("854143", "eur"), Some(3.5));
    assert_eq!(norms.lookup("850760", "USD"), Some(10.0));
    assert_eq!(norms.lookup("850760", "KRW"), None);
}

#[test]
fn norms_lookups_try_only_prefix_lengths_that_have_a_norm_and_miss_nothing() {
    let mut norms = aduana_risk::Norms::new("v1");
    assert_eq!(norms.lookup("8541430000", "USD"), None);
    norms.insert("8541430000", "USD", 1.0);
    norms.insert("854143", "EUR", 2.0);
    // Prefixes of 63 bytes and more share one length bit.
    let long = "1".repeat(70);
    norms.insert(&long[..64], "USD", 3.0);
    assert_eq!(norms.lookup("8541430000", "USD"), Some(1.0));
    assert_eq!(norms.lookup("8541430000", "EUR"), Some(2.0));
    assert_eq!(norms.lookup("85414300", "EUR"), Some(2.0));
    assert_eq!(norms.lookup("85414300", "USD"), None);
    assert_eq!(norms.lookup("8541", "EUR"), None);
    assert_eq!(norms.lookup(&long, "USD"), Some(3.0));
    assert_eq!(norms.lookup(&long[..63], "USD"), None);
    assert_eq!(norms.lookup(&long[..65], "usd"), Some(3.0));
}

#[test]
fn lists_ignore_comments_and_blank_lines_and_compare_case_insensitively() {
    let list = aduana_risk::reference::parse_list("# version: v2\n\n gb1 # note\n# GB2\nGB3\n");
    assert_eq!(list.version, "v2");
    assert_eq!(list.len(), 2);
    assert!(list.contains("GB1") && list.contains("gb3") && !list.contains("GB2"));
}
