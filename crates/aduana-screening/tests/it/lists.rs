//! Reading lists: the UN XML, FtM JSON Lines and CSV, malformed lists, versions and diffs.

use aduana_screening::{AliasQuality, EntryKind, ListFormat, parse_list};

fn errors_of(bytes: &str, name: &str) -> Vec<String> {
    parse_list(bytes.as_bytes(), name).expect_err("the list is malformed").iter().map(ToString::to_string).collect()
}

#[test]
fn un_list_is_read_with_version_aliases_dates_and_documents() {
    let bytes =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/watch-lists/un-sc-consolidated-2018.xml"))
            .expect("reading");
    let list = parse_list(&bytes, "consolidated.xml").expect("the UN list parses");
    assert_eq!(list.format, ListFormat::UnScXml);
    assert_eq!(list.version, "2018-10-29T19:09:49.856-04:00");
    assert_eq!(list.entries.len(), 703 + 390);
    let ri = list.entries.iter().find(|e| e.id == "KPi.033").expect("KPi.033 is listed");
    assert_eq!(ri.kind, EntryKind::Person);
    assert_eq!(ri.names[0].name, "RI WON HO", "name parts are trimmed and joined");
    assert_eq!(ri.dates_of_birth[0].to_string(), "1964-07-17");
    assert_eq!(ri.nationalities, ["Democratic People's Republic of Korea"]);
    assert_eq!(ri.identifiers[0].kind, "passport");
    let low = list.entries.iter().flat_map(|e| &e.names).filter(|a| a.quality == AliasQuality::Low).count();
    assert!(low > 500, "low-quality aliases are kept as such: {low}");
}

#[test]
fn un_xml_with_a_doctype_or_broken_markup_is_rejected_with_a_location() {
    let doctype = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n<CONSOLIDATED_LIST/>";
    let errors = errors_of(doctype, "dtd.xml");
    assert!(errors[0].starts_with("dtd.xml:2:1"), "{errors:?}");
    assert!(errors[0].contains("document type declarations are not accepted"), "{errors:?}");

    let broken = "<CONSOLIDATED_LIST>\n<INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID></INDIVIDUALS>";
    let errors = errors_of(broken, "broken.xml");
    assert!(
        errors[0].starts_with("broken.xml:2:1: /CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL: malformed XML"),
        "{errors:?}"
    );

    let nameless = "<CONSOLIDATED_LIST dateGenerated=\"x\"><INDIVIDUALS>\n<INDIVIDUAL><REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>";
    let errors = errors_of(nameless, "nameless.xml");
    assert!(errors[0].contains("record QDi.1: expected a name in FIRST_NAME, found none"), "{errors:?}");

    let other = "<sanctions/>";
    assert!(errors_of(other, "other.xml")[0].contains("expected the root element CONSOLIDATED_LIST, found sanctions"));
}

#[test]
fn ftm_entities_are_read_and_non_party_schemas_skipped() {
    let jsonl = r#"{"id":"NK-1","schema":"Person","properties":{"name":["Ivan Petrov"],"alias":["Ivan Petroff"],"weakAlias":["Vanya"],"birthDate":["1970-02-03"],"nationality":["ru"],"passportNumber":["P123"]}}
{"id":"NK-2","schema":"Vessel","properties":{"name":["Sea Star"],"imoNumber":["IMO 9123456"],"flag":["kp"]}}
{"id":"NK-3","schema":"Sanction","properties":{"program":["X"]}}
"#;
    let list = parse_list(jsonl.as_bytes(), "ftm.jsonl").expect("FtM parses");
    assert_eq!(list.format, ListFormat::FtmJsonLines);
    assert!(list.version.starts_with("sha-"), "a content hash: {}", list.version);
    assert_eq!(list.entries.len(), 2);
    let names: Vec<(&str, AliasQuality)> = list.entries[0].names.iter().map(|a| (a.name.as_str(), a.quality)).collect();
    assert_eq!(
        names,
        [("Ivan Petrov", AliasQuality::Primary), ("Ivan Petroff", AliasQuality::Good), ("Vanya", AliasQuality::Low)]
    );
    assert_eq!(list.entries[1].kind, EntryKind::Vessel);
    assert_eq!(list.entries[1].identifiers[0].kind, "imo");
}

#[test]
fn ftm_lines_that_are_not_entities_are_reported_by_line() {
    let jsonl = "{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A B\"]}}\n{\"id\": 5}\nnot json\n{\"id\":\"c\",\"schema\":\"Person\",\"properties\":{}}\n";
    let errors = errors_of(jsonl, "bad.jsonl");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].starts_with("bad.jsonl:2:"), "{errors:?}");
    assert!(errors[1].starts_with("bad.jsonl:3:"), "{errors:?}");
    assert!(
        errors[2].contains("/properties/name") && errors[2].contains("entity c: expected at least one name"),
        "{errors:?}"
    );
}

#[test]
fn csv_list_takes_its_version_from_the_version_column() {
    let csv = "id,name,aliases,version\nW-1,Acme Trading,Acme Handels GmbH;ACME,2024-05-01\n";
    let list = parse_list(csv.as_bytes(), "w.csv").expect("CSV parses");
    assert_eq!(list.version, "2024-05-01");
    assert_eq!(list.entries[0].names.len(), 3);
}

#[test]
fn csv_list_without_id_or_name_columns_is_rejected() {
    assert_eq!(
        errors_of("who,what\n1,2\n", "x.csv"),
        ["x.csv:1:1: expected a header with the columns `id` and `name`, found `who,what`"]
    );
    assert_eq!(errors_of("id,name\n", "empty.csv"), ["empty.csv: expected at least one list entry, found none"]);
}

#[test]
fn diff_reports_added_changed_and_removed_ids() {
    let old = parse_list(b"id,name\nA,Alpha One\nB,Beta Two\nC,Gamma Three\n", "old.csv").expect("old");
    let new = parse_list(b"id,name\nA,Alpha One\nB,Beta Zwei\nD,Delta Four\n", "new.csv").expect("new");
    let changes = aduana_screening::diff(&old, &new);
    assert_eq!(
        (changes.added, changes.changed, changes.removed),
        (vec!["D".to_owned()], vec!["B".to_owned()], vec!["C".to_owned()])
    );
    assert_ne!(changes.from_version, changes.to_version);
}
