//! The batch functions the risk engine calls: `screen_parties`, `strategic_goods` and `embargoed_destination`, on
//! the shipped example consignment.

use aduana_core::{Consignment, CountryCode, HsCode, Party, PartyRole};
use aduana_screening::{
    CorrelationTable, EmbargoList, NameRules, ScreeningConfig, ScreeningIndex, embargoed_destination, parse_list,
    screen_parties, strategic_goods,
};

fn example() -> Consignment {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/consignment.json"))
        .expect("reading");
    serde_json::from_str(&text).expect("the example is a valid consignment")
}

#[test]
fn screen_parties_reports_the_listed_consignee_with_field_and_evidence() {
    let list = parse_list(
        b"id,name,aliases\nNL-1,Viktor Anatolyevich Bout,Victor Butt\nNL-2,Ocean Star Trading LLC,\n",
        "national.csv",
    )
    .expect("list");
    let index = ScreeningIndex::build(&[list], NameRules::builtin());
    let parties =
        [Party::named(PartyRole::Consignor, "Acme Widgets Ltd"), Party::named(PartyRole::Consignee, "BUTT, Victor")];
    let found = screen_parties(&parties, &index, &ScreeningConfig::recommended());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].party, found[0].field.as_str(), found[0].found.entry_id.as_str()),
        (1, "parties[1].name", "NL-1")
    );
    let evidence = found[0].found.hit_evidence(&found[0].field, &found[0].name);
    assert_eq!(evidence[0].field, "parties[1].name");
    assert_eq!(evidence[1].field, "list:national.csv/NL-1");
}

#[test]
fn strategic_goods_flags_a_cwc_chemical_in_the_example_and_embargo_flags_a_dprk_destination() {
    let mut consignment = example();
    let table = CorrelationTable::builtin();
    assert!(
        consignment.goods.iter().all(|g| strategic_goods(g, &table).is_empty()),
        "the example ships nothing controlled"
    );
    consignment.goods[0].hs_code = Some(HsCode::parse("2931.41").expect("code"));
    let found = strategic_goods(&consignment.goods[0], &table);
    assert_eq!(found[0].hit_id, "cwc_schedule_2/2.B.4");
    assert_eq!(found[0].table_version, table.version);

    let embargoes = EmbargoList::builtin();
    assert!(embargoed_destination(&consignment, &embargoes).is_empty(), "GB is not embargoed");
    consignment.itinerary.country_of_destination = Some(CountryCode::parse("KP").expect("code"));
    let hits = embargoed_destination(&consignment, &embargoes);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].field, "itinerary.country_of_destination");
    assert!(hits[0].reason.contains("S/RES/1718 (2006)"), "{}", hits[0].reason);
}

#[test]
fn an_acronym_finds_the_entry_listed_only_under_its_full_phrase() {
    let list = parse_list(
        b"id,name,kind\nNL-7,People's Liberation Army,organisation\nNL-8,Pacific Lumber Associates,organisation\n",
        "national.csv",
    )
    .expect("list");
    let index = ScreeningIndex::build(&[list], NameRules::builtin());
    let query = aduana_screening::Query { name: "PLA".to_owned(), date_of_birth: None, nationality: None };
    let found = aduana_screening::screen(&query, &index, &ScreeningConfig::recommended());
    let matched: Vec<&str> = found.iter().filter(|m| m.matched).map(|m| m.entry_id.as_str()).collect();
    assert_eq!(matched, ["NL-7"], "{found:?}");
}
