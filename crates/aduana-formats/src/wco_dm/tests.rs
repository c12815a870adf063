//! Tests of the WCO DM reader: golden files from the HMRC CDS samples (including the three that are not
//! well-formed) and hostile variants, inline cases for the mapping rules, and a property test on mutated samples.

use proptest::prelude::*;

use crate::golden::{check_format_dir, test_limits};
use crate::{Collected, Format, read};

fn read_text(text: &str) -> Collected {
    let mut collected = Collected::default();
    read(Format::WcoDm, &mut text.as_bytes(), "t.xml", &test_limits(), &mut collected).expect("in memory");
    collected
}

#[test]
fn wco_dm_golden_files_read_as_expected() {
    check_format_dir(Format::WcoDm, "wco_dm");
}

const MINIMAL: &str = r#"<Declaration xmlns="urn:wco:datamodel:WCO:DEC-DMS:2">
<FunctionalReferenceID> LRN-1
</FunctionalReferenceID>
<TypeCode>IMA</TypeCode>
<InvoiceAmount currencyID="EUR">10</InvoiceAmount>
<GoodsShipment>
<Importer><ID>GB553202734852</ID></Importer>
<GovernmentAgencyGoodsItem>
<Commodity>
<Classification><ID>85109000</ID><IdentificationTypeCode>TSP</IdentificationTypeCode></Classification>
<Classification><ID>00</ID><IdentificationTypeCode>TRC</IdentificationTypeCode></Classification>
<InvoiceLine><ItemChargeAmount>1000</ItemChargeAmount></InvoiceLine>
</Commodity>
</GovernmentAgencyGoodsItem>
</GoodsShipment>
</Declaration>"#;

#[test]
fn combined_nomenclature_and_taric_make_a_ten_digit_code_and_whitespace_is_trimmed() {
    let collected = read_text(MINIMAL);
    let consignment = &collected.consignments[0];
    assert_eq!(consignment.reference.as_str(), "LRN-1");
    let item = &consignment.goods[0];
    assert_eq!(item.hs_code.as_ref().map(|h| h.as_str()), Some("8510900000"));
    let value = item.value.as_ref().expect("valued");
    assert_eq!((value.amount.to_string(), value.currency.as_str()), ("1000".to_owned(), "EUR"));
    assert_eq!(consignment.parties[0].identifier("eori"), Some("GB553202734852"));
}

#[test]
fn commodity_code_with_letters_is_an_error_located_at_its_classification() {
    let collected = read_text(&MINIMAL.replace("85109000", "8510A000"));
    assert!(collected.consignments.is_empty());
    let error = &collected.diagnostics[0];
    assert_eq!(error.code, "invalid_hs_code");
    assert_eq!(
        error.location.short(),
        "/Declaration[1]/GoodsShipment[1]/GovernmentAgencyGoodsItem[1]/Commodity[1]/Classification[1]/ID[1]"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mutated_samples_never_panic_the_reader(position in 0usize..40_000, byte in any::<u8>(), cut in any::<bool>()) {
        let bytes = include_bytes!("../../test_data/wco_dm/ok/im001a_import_frontier.xml");
        let mut mutated = bytes.to_vec();
        let at = position % mutated.len();
        if cut { mutated.truncate(at) } else { mutated[at] = byte }
        let mut collected = Collected::default();
        read(Format::WcoDm, &mut &mutated[..], "m.xml", &test_limits(), &mut collected).expect("in memory");
        prop_assert!(collected.consignments.len() + collected.diagnostics.len() > 0);
    }
}
