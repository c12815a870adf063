//! Tests of the CSV readers: golden files and the streaming behaviour on bad rows.

use crate::golden::{check_format_dir, test_limits};
use crate::{Collected, Format, read};

#[test]
fn kcs_csv_golden_files() {
    check_format_dir(Format::KcsCsv, "kcs_csv");
}

const HEADER: &str = "Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud";

#[test]
fn a_bad_kcs_row_is_reported_with_its_line_and_column_and_the_rest_is_read() {
    let input = format!(
        "{HEADER}\n1,2020-01-01,30,B,11,21,11,10,D1,I1,,,071080,BE,BE,8.0,A,G,108.0,1000,0,0\n\
         2,2020-01-02,30,B,11,21,11,40,D1,I1,S1,C1,071080,BE,BE,8.0,A,G,abc,1000,0,0\n\
         3,2020-01-03,30,B,11,21,11,40,D1,I1,S1,C1,071080,CN,KR,8.0,A,G,1.5,1000,1,2\n"
    );
    let mut collected = Collected::default();
    read(Format::KcsCsv, &mut input.as_bytes(), "kcs.csv", &test_limits(), &mut collected).expect("in memory");
    let refs: Vec<&str> = collected.consignments.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, ["1", "3"]);
    let rendered: Vec<String> = collected.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(rendered.len(), 1, "{rendered:#?}");
    assert!(rendered[0].starts_with("kcs.csv:3: field Net Mass: error[bad_decimal]"), "{}", rendered[0]);
    let first = &collected.consignments[0];
    assert_eq!(first.goods[0].hs_code.as_ref().map(|h| h.as_str()), Some("071080"), "leading zero kept");
    assert_eq!(first.parties.len(), 2, "no seller or courier when their columns are empty");
    assert_eq!(collected.consignments[1].attributes.get("critical_fraud").map(aduana_core::Text::as_str), Some("2"));
}

#[test]
fn flat_csv_golden_files() {
    check_format_dir(Format::Csv, "csv");
}

#[test]
fn flat_csv_groups_consecutive_rows_by_reference_and_drops_a_consignment_with_a_bad_row() {
    let input = "reference,direction,hs_code,net_mass_kg\nA,import,854140,1\nA,import,850440,2\nB,import,85x,1\nB,import,850440,1\nC,export,0101,\n";
    let mut collected = Collected::default();
    read(Format::Csv, &mut input.as_bytes(), "flat.csv", &test_limits(), &mut collected).expect("in memory");
    let items: Vec<(&str, usize)> =
        collected.consignments.iter().map(|c| (c.reference.as_str(), c.goods.len())).collect();
    assert_eq!(items, [("A", 2), ("C", 1)]);
    let rendered: Vec<String> = collected.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(rendered.len(), 1, "{rendered:#?}");
    assert!(rendered[0].starts_with("flat.csv:4: field hs_code: error[bad_value]"), "{}", rendered[0]);
}
