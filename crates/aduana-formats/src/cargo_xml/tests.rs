//! Tests of the Cargo-XML reader: golden files from real Riege samples and hostile variants of them, a few inline
//! cases for the mapping rules, and a property test that mutated samples never panic the reader.

use proptest::prelude::*;

use crate::golden::{check_format_dir, test_limits};
use crate::{Collected, Format, read};

fn read_text(text: &str) -> Collected {
    let mut collected = Collected::default();
    read(Format::CargoXml, &mut text.as_bytes(), "t.xml", &test_limits(), &mut collected).expect("in memory");
    collected
}

#[test]
fn cargo_xml_golden_files_read_as_expected() {
    check_format_dir(Format::CargoXml, "cargo_xml");
}

const MINIMAL_XFWB: &str = r#"<ns2:Waybill xmlns="iata:datamodel:3" xmlns:ns2="iata:waybill:1">
<ns2:BusinessHeaderDocument><ID>020-68548340</ID></ns2:BusinessHeaderDocument>
<ns2:MasterConsignment>
<IncludedTareGrossWeightMeasure unitCode="LBR">100</IncludedTareGrossWeightMeasure>
<TotalPieceQuantity>2</TotalPieceQuantity>
<ApplicableRating><IncludedMasterConsignmentItem>
<GrossWeightMeasure unitCode="LBR">100</GrossWeightMeasure><PieceQuantity>2</PieceQuantity>
</IncludedMasterConsignmentItem></ApplicableRating>
</ns2:MasterConsignment>
</ns2:Waybill>"#;

#[test]
fn pounds_are_converted_to_kilograms_exactly() {
    let collected = read_text(MINIMAL_XFWB);
    assert!(collected.diagnostics.is_empty(), "{:?}", collected.diagnostics);
    let consignment = &collected.consignments[0];
    assert_eq!(consignment.total_gross_mass_kg, Some("45.359237".parse().expect("decimal")));
    assert_eq!(consignment.air_waybill.as_ref().map(|a| a.as_str()), Some("020-68548340"));
    assert_eq!(consignment.mode_of_transport, Some(aduana_core::TransportMode::Air), "air without a ModeCode");
}

#[test]
fn bad_check_digit_is_an_error_located_at_the_waybill_number() {
    let collected = read_text(&MINIMAL_XFWB.replace("020-68548340", "020-68548342"));
    assert!(collected.consignments.is_empty());
    let error = collected.diagnostics[0].to_string();
    assert!(
        error.starts_with(
            "t.xml:2:29: /ns2:Waybill[1]/ns2:BusinessHeaderDocument[1]/ID[1]: error[invalid_air_waybill_number]"
        ),
        "{error}"
    );
}

#[test]
fn item_pieces_that_do_not_add_up_to_the_total_are_a_located_warning() {
    let collected = read_text(&MINIMAL_XFWB.replace("<TotalPieceQuantity>2", "<TotalPieceQuantity>3"));
    assert_eq!(collected.consignments.len(), 1);
    let warning = &collected.diagnostics[0];
    assert_eq!(warning.code, "piece_count_mismatch");
    assert_eq!(warning.location.short(), "/ns2:Waybill[1]/ns2:MasterConsignment[1]/TotalPieceQuantity[1]");
}

#[test]
fn declared_value_for_customs_is_the_value_of_a_single_goods_item() {
    let text = MINIMAL_XFWB.replace(
        "<TotalPieceQuantity>",
        "<DeclaredValueForCustomsAmount currencyID=\"USD\">1234.50</DeclaredValueForCustomsAmount><TotalPieceQuantity>",
    );
    let collected = read_text(&text);
    let consignment = &collected.consignments[0];
    let value = consignment.goods[0].value.as_ref().expect("valued");
    assert_eq!((value.amount.to_string(), value.currency.as_str()), ("1234.50".to_owned(), "USD"));
    assert_eq!(
        consignment.attributes.get("declared_value_for_customs").map(aduana_core::Text::as_str),
        Some("1234.50 USD")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mutated_samples_never_panic_the_reader(
        sample in 0usize..2,
        position in 0usize..20_000,
        byte in any::<u8>(),
        cut in any::<bool>(),
    ) {
        let bytes: &[u8] = [
            &include_bytes!("../../test_data/cargo_xml/ok/xfzb_house.xml")[..],
            &include_bytes!("../../test_data/cargo_xml/ok/xfwb_multiple_uld_multiple_hts.xml")[..],
        ][sample];
        let mut mutated = bytes.to_vec();
        let at = position % mutated.len();
        if cut { mutated.truncate(at) } else { mutated[at] = byte }
        let mut collected = Collected::default();
        read(Format::CargoXml, &mut &mutated[..], "m.xml", &test_limits(), &mut collected).expect("in memory");
        prop_assert!(collected.consignments.len() + collected.diagnostics.len() > 0);
    }
}
