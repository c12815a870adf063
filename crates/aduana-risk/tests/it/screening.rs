//! The screening indicator against the UN list: the memo of screening results answers exactly as screening
//! afresh does, whatever the order, repetition and eviction of parties.

use std::path::Path;

use aduana_core::{Address, Consignment, CountryCode, Party, PartyRole};
use aduana_risk::{Indicator, ScreeningIndicator, ScreeningWeights, Signals};
use aduana_screening::{NameRules, ScreeningConfig, ScreeningIndex, parse_list};

use crate::fixtures::{context, profiles, solar};

fn un_indicator() -> ScreeningIndicator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/watch-lists/un-sc-consolidated-2018.xml");
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    let list = parse_list(&bytes, "un-sc").expect("the UN list parses");
    let version = format!("{}@{}", list.name, list.version);
    let index = ScreeningIndex::build(&[list], NameRules::builtin());
    let weights = ScreeningWeights { party_match: 90.0, strategic_goods: 30.0, embargo: 30.0 };
    ScreeningIndicator::new(index, ScreeningConfig::recommended(), weights, version)
}

fn party(role: PartyRole, name: &str, country: Option<&str>) -> Party {
    let mut party = Party::named(role, name);
    party.address =
        country.map(|c| Address { country: Some(CountryCode::parse(c).expect("code")), ..Address::default() });
    party
}

#[test]
fn memoised_screening_raises_the_same_hits_as_screening_every_party() {
    // Arrange: listed names (as listed, misspelt, with and without a country), unlisted names, repeats.
    let names = [
        ("Korea Mining Development Trading Corporation", None),
        ("Korea Mining Development Trading Corporation", Some("KP")),
        ("Korea Mining Developement Trading Corp", Some("CN")),
        ("Abdul Haq Wasiq", Some("AF")),
        ("Abdul Haq Wasiq", Some("DE")),
        ("Anna Novak", Some("DE")),
        ("Novak Trading Co Ltd", Some("CN")),
        ("Mohammed Ali", None),
        ("Tanchon Commercial Bank", Some("KP")),
        ("", None),
        ("   ", Some("FR")),
    ];
    let ctx = context(profiles(""));
    let plain = un_indicator();
    // Room for three parties: eviction happens all the time.
    let memoised = un_indicator().memoised(3);
    let mut consignments: Vec<Consignment> = Vec::new();
    for round in 0..3 {
        for (i, (name, country)) in names.iter().enumerate() {
            let mut c = solar(&format!("REF{round}{i:02}"), "1000", "CN");
            c.parties.push(party(PartyRole::Exporter, name, *country));
            let (other, other_country) = names[(i * 7 + round) % names.len()];
            c.parties.push(party(PartyRole::Consignor, other, other_country));
            consignments.push(c);
        }
    }
    let mut listed = 0;
    for c in &consignments {
        // Act
        let (mut expected, mut found) = (Signals::default(), Signals::default());
        plain.assess(c, &ctx, &mut expected);
        memoised.assess(c, &ctx, &mut found);

        // Assert
        assert_eq!(found.hits, expected.hits, "hits of {}", c.reference.as_str());
        listed += expected.hits.len();
    }
    assert!(listed >= 6, "only {listed} hits: the names should find their UN entries");
    let stats = memoised.memo_stats().expect("a memo");
    // Each distinct party of a consignment (the fixture's consignee, the exporter, the consignor unless it is the
    // exporter) is looked up once.
    let distinct: usize = consignments
        .iter()
        .map(|c| {
            let mut parties: Vec<(&Option<aduana_core::Text>, Option<&CountryCode>)> =
                c.parties.iter().map(|p| (&p.name, p.country())).collect();
            parties.sort();
            parties.dedup();
            parties.len()
        })
        .sum();
    assert!(distinct < 3 * consignments.len(), "some consignments name one party twice");
    assert_eq!(stats.lookups, distinct as u64, "every distinct named party is looked up once");
    assert!(stats.hits > 0 && stats.hits < stats.lookups, "{stats:?}");
    assert!(stats.entries <= 3, "{stats:?}");
    assert!(plain.memo_stats().is_none());
}
