use aduana_core::CurrencyCode;
use chrono::TimeZone;
use proptest::prelude::*;

use super::*;
use crate::cash::declaration::{Amount, Direction, Instrument, Party, Person, Route, TransportMode};

fn config() -> StructuringConfig {
    StructuringConfig {
        threshold: Threshold::new(Threshold::EU_DEFAULT_EUR).expect("positive"),
        band_low_percent: Decimal::from(80),
        band_high_percent: Decimal::from(100),
        window_days: 30,
        min_records: 2,
        companion_floor_percent: Decimal::from(25),
    }
}

fn person(name: &str, document: &str) -> Person {
    Person {
        name: name.to_owned(),
        date_of_birth: None,
        nationality: None,
        document_type: Some("passport".to_owned()),
        document_number: Some(document.to_owned()),
        address: None,
        phone: None,
    }
}

fn record(reference: &str, day: u32, declarant: Person, eur: i64) -> CashRecord {
    CashRecord {
        reference: reference.to_owned(),
        at: Utc.with_ymd_and_hms(2025, 3, day, 10, 0, 0).single().expect("a valid time"),
        office: "Madrid-Barajas".to_owned(),
        direction: Direction::Entering,
        movement: Movement::Accompanied,
        declarant,
        owner: None,
        recipient: None,
        route: Route {
            mode: TransportMode::Air,
            conveyance: Some(format!("IB{}", 6000 + day)),
            from_country: None,
            to_country: None,
        },
        amounts: vec![Amount {
            instrument: Instrument::Currency,
            currency: CurrencyCode::parse("EUR").expect("EUR"),
            value: Decimal::from(eur),
        }],
        provenance: None,
        intended_use: None,
        suspicion: false,
        detection: None,
    }
}

fn detect(records: &[CashRecord]) -> Vec<Alert> {
    detect_structuring(records, &RateTable::builtin(), &config()).expect("every currency has a rate")
}

#[test]
fn one_person_declaring_just_below_the_threshold_twice_in_a_month_is_an_alert() {
    let records = [
        record("CD-1", 1, person("Ana Ruiz", "PA123456"), 9_500),
        record("CD-2", 20, person("RUIZ, Ana", "pa-123456"), 9_800),
    ];
    let alerts = detect(&records);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let alert = &alerts[0];
    assert_eq!(alert.kind, AlertKind::Repeated);
    assert_eq!(references(alert), ["CD-1", "CD-2"]);
    assert_eq!(alert.total_eur, Decimal::from(19_300));
    assert_eq!(
        alert.links,
        [Link {
            kind: "same document",
            value: "PA123456".to_owned(),
            references: vec!["CD-1".to_owned(), "CD-2".to_owned()]
        }]
    );
    assert_eq!(
        alert.explanation,
        "2 records within 30 days by the same or linked persons, each between EUR 8000.00 and EUR 10000.00 (80–100 % \
         of the EUR 10000 threshold): CD-1 EUR 9500.00, CD-2 EUR 9800.00; together EUR 19300.00, at or above the \
         threshold; linked by same document PA123456 (CD-1, CD-2)"
    );
}

#[test]
fn declarations_outside_the_window_or_band_or_unlinked_are_not_alerts() {
    let records = [
        // Same person, 40 days apart.
        record("CD-1", 1, person("Ana Ruiz", "PA123456"), 9_500),
        record("CD-2", 2, person("Luis Gil", "PB000001"), 9_500),
        // Different, unlinked persons in the band.
        record("CD-3", 5, person("Eva Sanz", "PC000002"), 9_600),
        // Same person as CD-2, but well below the band.
        record("CD-4", 6, person("Luis Gil", "PB000001"), 3_000),
        // At the threshold: declared, not structured.
        record("CD-5", 7, person("Eva Sanz", "PC000002"), 10_000),
    ];
    let mut later = record("CD-6", 1, person("Ana Ruiz", "PA123456"), 9_700);
    later.at += chrono::Duration::days(40);
    let mut all = records.to_vec();
    all.push(later);
    assert_eq!(detect(&all), []);
}

#[test]
fn persons_linked_by_address_phone_or_recipient_form_one_pattern() {
    let mut a = record("CD-1", 2, person("Ana Ruiz", "PA111111"), 9_100);
    a.declarant.address = Some("Calle Mayor 5, Madrid".to_owned());
    let mut b = record("CD-2", 3, person("Luis Gil", "PB222222"), 9_200);
    b.declarant.address = Some("calle  MAYOR 5 madrid".to_owned());
    b.declarant.phone = Some("+34 600 123 456".to_owned());
    let mut c = record("CD-3", 4, person("Eva Sanz", "PC333333"), 8_900);
    c.declarant.phone = Some("0034600123456".to_owned());
    c.recipient = Some(Party { name: "Trading Co S.L.".to_owned(), address: None });
    let mut d = record("CD-4", 5, person("Tom Ros", "PD444444"), 9_900);
    d.owner = Some(Party { name: "TRADING CO. S.L.".to_owned(), address: None });
    let alerts = detect(&[d, c, b, a]);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(references(&alerts[0]), ["CD-1", "CD-2", "CD-3", "CD-4"]);
    let kinds: Vec<&str> = alerts[0].links.iter().map(|l| l.kind).collect();
    assert_eq!(kinds, ["same address", "same owner or recipient", "same phone"]);
    assert_eq!(alerts[0].total_eur, Decimal::from(37_100));
}

#[test]
fn same_name_and_date_of_birth_links_records_with_different_documents() {
    let dob = NaiveDate::from_ymd_opt(1980, 5, 17);
    let mut a = record("CD-1", 2, person("José Pérez", "X1111111"), 9_000);
    a.declarant.date_of_birth = dob;
    let mut b = record("CD-2", 9, person("PEREZ Jose", "Y2222222"), 9_000);
    b.declarant.date_of_birth = dob;
    let alerts = detect(&[a, b]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].links[0].kind, "same name and date of birth");
    assert_eq!(alerts[0].links[0].value, "jose perez 1980-05-17");
}

#[test]
fn companions_on_one_flight_splitting_a_movement_are_an_alert() {
    let mut records = Vec::new();
    for (i, name) in ["Ana Ruiz", "Luis Gil", "Eva Sanz"].iter().enumerate() {
        let mut r = record(&format!("CD-{i}"), 12, person(name, &format!("P{i}000000")), 6_000);
        r.route.conveyance = Some("IB 3166".to_owned());
        r.at += chrono::Duration::minutes(i as i64);
        records.push(r);
    }
    // A fourth passenger with a small amount does not count; one on another flight neither.
    let mut small = record("CD-9", 12, person("Tom Ros", "P9000000"), 500);
    small.route.conveyance = Some("IB3166".to_owned());
    records.push(small);
    records.push(record("CD-8", 12, person("Ina Paz", "P8000000"), 6_000));
    let alerts = detect(&records);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].kind, AlertKind::Companions);
    assert_eq!(references(&alerts[0]), ["CD-0", "CD-1", "CD-2"]);
    assert_eq!(alerts[0].total_eur, Decimal::from(18_000));
    assert_eq!(alerts[0].links[0].value, "air IB3166 2025-03-12");
    assert!(
        alerts[0].explanation.starts_with("3 travellers entering on air IB3166 on 2025-03-12"),
        "{}",
        alerts[0].explanation
    );
}

#[test]
fn an_ordinary_family_with_small_amounts_is_not_an_alert() {
    let mut records = Vec::new();
    for (i, name) in ["Ana Ruiz", "Luis Ruiz"].iter().enumerate() {
        let mut r = record(&format!("CD-{i}"), 12, person(name, &format!("P{i}000000")), 2_000);
        r.route.conveyance = Some("IB3166".to_owned());
        records.push(r);
    }
    assert_eq!(detect(&records), []);
}

#[test]
fn amounts_in_foreign_currency_are_converted_before_the_band_is_applied() {
    // USD 10,000 = EUR 9,341.43 at 1.0705: in the band.
    let mut a = record("CD-1", 1, person("Ana Ruiz", "PA123456"), 0);
    a.amounts = vec![Amount {
        instrument: Instrument::Currency,
        currency: CurrencyCode::parse("USD").expect("USD"),
        value: Decimal::from(10_000),
    }];
    let b = record("CD-2", 2, person("Ana Ruiz", "PA123456"), 9_000);
    let alerts = detect(&[a.clone(), b]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].records[0].total_eur, "9341.43".parse::<Decimal>().expect("decimal"));
    // A currency with no rate fails loudly.
    a.amounts[0].currency = CurrencyCode::parse("NGN").expect("NGN");
    let error = detect_structuring(&[a], &RateTable::builtin(), &config()).expect_err("no NGN rate");
    assert!(error.to_string().contains("no exchange rate for NGN"), "{error}");
}

fn arbitrary_record() -> impl Strategy<Value = CashRecord> {
    (0u32..6, 1u32..28, 1_000i64..20_000, 0u32..3).prop_map(|(who, day, eur, flight)| {
        let mut r =
            record(&format!("R{who}-{day}-{eur}"), day, person(&format!("Person {who}"), &format!("DOC{who:05}")), eur);
        r.route.conveyance = Some(format!("IB{flight}"));
        r
    })
}

proptest! {
    #[test]
    fn alerts_do_not_depend_on_input_order(records in proptest::collection::vec(arbitrary_record(), 0..25)) {
        let mut reversed = records.clone();
        reversed.reverse();
        prop_assert_eq!(detect(&records), detect(&reversed));
    }

    #[test]
    fn every_repeated_alert_holds_linked_records_in_the_band_within_the_window(
        records in proptest::collection::vec(arbitrary_record(), 0..25),
    ) {
        for alert in detect(&records) {
            prop_assert_eq!(alert.total_eur, alert.records.iter().map(|r| r.total_eur).sum::<Decimal>());
            match alert.kind {
                AlertKind::Repeated => {
                    prop_assert!(alert.records.len() >= 2);
                    prop_assert!(!alert.links.is_empty());
                    for r in &alert.records {
                        prop_assert!(r.total_eur >= Decimal::from(8_000) && r.total_eur < Decimal::from(10_000));
                    }
                    let first = alert.records[0].at;
                    let last = alert.records[alert.records.len() - 1].at;
                    prop_assert!(last - first <= chrono::Duration::days(30));
                }
                AlertKind::Companions => {
                    prop_assert!(alert.total_eur >= Decimal::from(10_000));
                    prop_assert!(alert.records.iter().all(|r| r.total_eur < Decimal::from(10_000)));
                }
            }
        }
    }

    #[test]
    fn records_outside_the_band_never_make_a_repeated_alert(
        records in proptest::collection::vec(arbitrary_record(), 0..25),
    ) {
        let outside: Vec<CashRecord> = records
            .into_iter()
            .filter(|r| r.amounts[0].value < Decimal::from(8_000) || r.amounts[0].value >= Decimal::from(10_000))
            .collect();
        prop_assert!(detect(&outside).iter().all(|a| a.kind != AlertKind::Repeated));
    }
}
