//! `aduana screen`: single names and batch CSVs against lists in every format, the quality figures on the yente
//! evaluation files computed from the binary's JSON output, list diffs, and errors on bad lists and inputs.

// The quality figures are printed so that `cargo test -- --nocapture` shows them.
#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use aduana_screening::normalise::fold_words;
use aduana_screening::parse_list;

use crate::helpers::{json_lines, repo_path, run, setup, stdout};

const NATIONAL_LIST: &str = "\
id,name,kind,aliases,weak_aliases,dates_of_birth,nationalities,addresses,passports,imo_numbers
NL-1,Viktor Anatolyevich Bout,person,Victor Butt;Viktor Budd,Vic,1967-01-13,ru,,21N0532664,
NL-2,Ocean Star Trading LLC,organisation,,,,ae,Dubai,,
NL-3,MV Sea Breeze,vessel,,,,,,,9123456
";

fn un_list() -> PathBuf {
    repo_path("data/watch-lists/un-sc-consolidated-2018.xml")
}

#[test]
fn screen_finds_a_listed_person_under_a_misspelt_alias_and_explains_it() {
    let (dir, mut aduana) = setup();
    std::fs::write(dir.path().join("national.csv"), NATIONAL_LIST).expect("writing the list");
    let output = run(aduana.args(["screen", "--list", "national.csv", "--json", "BUTT, Viktor"]));
    assert_eq!(output.status.code(), Some(1), "a match exits 1");
    let lines = json_lines(&output);
    insta::assert_json_snapshot!(lines[0]["matches"][0], @r#"
    {
      "entry_id": "NL-1",
      "explanation": "national.csv NL-1 `Victor Butt` (good name) scored 0.97, a match: butt~butt (exact), viktor~victor (phonetic)",
      "list": "national.csv",
      "list_version": "sha-7f21abd532446c65",
      "matched": true,
      "name": "Victor Butt",
      "score": 0.966
    }
    "#);
}

#[test]
fn screen_does_not_match_a_legal_form_or_common_word_alone() {
    let (dir, _) = setup();
    std::fs::write(dir.path().join("national.csv"), NATIONAL_LIST).expect("writing the list");
    for name in ["Trading LLC", "Limited Liability Company", "Star"] {
        let (_other, mut aduana) = setup();
        let output = run(aduana.current_dir(dir.path()).args(["screen", "--list", "national.csv", "--json", name]));
        let lines = json_lines(&output);
        let matched = lines[0]["matches"].as_array().expect("matches").iter().any(|m| m["matched"] == true);
        assert!(!matched, "{name}: {lines:?}");
        assert_eq!(output.status.code(), Some(0), "{name}");
    }
}

#[test]
fn screen_batch_on_yente_files_finds_every_listed_un_person_and_few_false_matches() {
    let list = parse_list(&std::fs::read(un_list()).expect("reading the UN list"), "UN").expect("UN list parses");
    let positives = repo_path("crates/aduana-screening/test_data/yente/positives_un_untreated.csv");
    let (_dir, mut aduana) = setup();
    let output = run(aduana.arg("screen").arg("--list").arg(un_list()).arg("--input").arg(&positives).arg("--json"));
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = json_lines(&output);
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_path(&positives).expect("CSV").records().map(|r| r.expect("row")).collect();
    assert_eq!(lines.len(), rows.len(), "one JSON line per input row");
    let (mut in_list, mut found) = (0, 0);
    for (row, line) in rows.iter().zip(&lines) {
        assert_eq!(line["query"], row[0].trim(), "lines are in input order");
        let wanted: BTreeSet<String> = fold_words(&row[0]).into_iter().collect();
        let Some(entry) = list
            .entries
            .iter()
            .find(|e| e.names.iter().any(|a| fold_words(&a.name).into_iter().collect::<BTreeSet<_>>() == wanted))
        else {
            continue;
        };
        in_list += 1;
        let matches = line["matches"].as_array().expect("matches");
        if matches.iter().any(|m| m["matched"] == true && m["entry_id"] == entry.id.as_str()) {
            found += 1;
        }
    }
    println!("CLI: UN positives in the 2018 list {in_list}, found {found}");
    assert!(in_list > 600, "{in_list}");
    assert_eq!(found, in_list);

    for file in ["negatives_us.csv", "positives_us_congress_untreated.csv"] {
        let input = repo_path(&format!("crates/aduana-screening/test_data/yente/{file}"));
        let (_dir, mut aduana) = setup();
        let output = run(aduana.arg("screen").arg("--list").arg(un_list()).arg("--input").arg(&input).arg("--json"));
        let lines = json_lines(&output);
        let false_matches = lines
            .iter()
            .filter(|l| l["matches"].as_array().is_some_and(|m| m.iter().any(|m| m["matched"] == true)))
            .count();
        println!("CLI: {file}: {false_matches} false matches of {}", lines.len());
        assert!(lines.len() >= 1000, "{file}");
        assert!(false_matches * 100 <= lines.len(), "{file}: {false_matches} false matches of {}", lines.len());
    }
}

#[test]
fn screen_diff_reports_added_changed_and_removed_entries() {
    let (dir, mut aduana) = setup();
    std::fs::write(dir.path().join("old.csv"), NATIONAL_LIST).expect("writing");
    let new = NATIONAL_LIST
        .replace("NL-3,MV Sea Breeze,vessel,,,,,,,9123456\n", "NL-4,Jane Roe,person,,,,,,,\n")
        .replace("Dubai", "Sharjah");
    std::fs::write(dir.path().join("new.csv"), new).expect("writing");
    let output = run(aduana.args(["screen", "--list", "new.csv", "--diff-from", "old.csv", "--json"]));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let value: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON");
    assert_eq!(value["added"], serde_json::json!(["NL-4"]));
    assert_eq!(value["changed"], serde_json::json!(["NL-2"]));
    assert_eq!(value["removed"], serde_json::json!(["NL-3"]));
}

#[test]
fn screen_rejects_a_malformed_list_and_an_input_without_full_name_with_located_errors() {
    let (dir, mut aduana) = setup();
    std::fs::write(dir.path().join("bad.csv"), "id,name,dates_of_birth\nX-1,Someone,1970-13-45\n,Nobody,\n")
        .expect("writing");
    let output = run(aduana.args(["screen", "--list", "bad.csv", "Someone"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("bad.csv:2:1: field dates_of_birth: expected YYYY, YYYY-MM-DD or YYYY/YYYY, found `1970-13-45`"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.csv:3:1: field id: expected a value, found empty"), "{stderr}");

    std::fs::write(dir.path().join("bad.xml"), "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL></INDIVIDUALS>")
        .expect("writing");
    let (_d, mut aduana) = setup();
    let output = run(aduana.current_dir(dir.path()).args(["screen", "--list", "bad.xml", "Someone"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("bad.xml:1"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    std::fs::write(dir.path().join("people.csv"), "name\nSomeone\n").expect("writing");
    let (_d, mut aduana) = setup();
    let output = run(aduana.current_dir(dir.path()).args([
        "screen",
        "--list",
        "old.csv",
        "--list",
        "bad.csv",
        "--input",
        "people.csv",
    ]));
    assert_eq!(output.status.code(), Some(2));
}
