//! Small consignments and contexts for the tests.

use aduana_core::Consignment;
use aduana_risk::{AeoRegister, LaneRates, Policy, ProfileSet, ProfileSource, ReferenceData, RiskContext};

pub(crate) fn consignment(json: &str) -> Consignment {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

pub(crate) fn solar(reference: &str, amount: &str, origin: &str) -> Consignment {
    consignment(&format!(
        r#"{{"reference": "{reference}", "direction": "import", "mode_of_transport": "sea",
        "parties": [{{"role": "consignee", "name": "Acme", "identifiers": [{{"scheme": "eori", "value": "GB123456789000"}}]}}],
        "itinerary": {{"country_of_dispatch": "CN", "routing_countries": ["CN", "SG", "GB"],
                      "place_of_loading": {{"locode": "CNNGB"}}, "arrival": "2026-11-26T06:00:00"}},
        "goods": [{{"sequence": 1, "hs_code": "854143", "description": "Photovoltaic modules",
                   "net_mass_kg": "1000", "value": {{"amount": "{amount}", "currency": "USD"}}, "origin_country": "{origin}"}}]}}"#
    ))
}

pub(crate) fn policy() -> Policy {
    Policy {
        version: "test-1".to_owned(),
        yellow_threshold: 30.0,
        red_threshold: 60.0,
        max_hits_green: 0,
        random_percent: LaneRates { yellow: 0.0, red: 0.0 },
        random_seed: 7,
        aeo_weight: -30.0,
        finding_weight: 0.0,
        max_finding_weight: 0.0,
        capacity_percent: LaneRates { yellow: 10.0, red: 5.0 },
    }
}

pub(crate) fn profiles(text: &str) -> ProfileSet {
    ProfileSet::compile(&[ProfileSource { name: "test.profile", text }])
        .unwrap_or_else(|e| panic!("{}", e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))
}

pub(crate) fn context(set: ProfileSet) -> RiskContext {
    let mut reference = ReferenceData::default();
    reference.norms.insert("8541", "USD", 4.0);
    RiskContext {
        profiles: set,
        aeo: AeoRegister::default(),
        policy: policy(),
        reference,
        indicators: Vec::new(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date").and_hms_opt(0, 0, 0).expect("time"),
    }
}

/// A profile with every required key and the given `when`, lane and extra lines.
pub(crate) fn profile(id: &str, when: &str, extra: &str) -> String {
    format!(
        "profile {id} {{\n  title: \"{id} title\"\n  rationale: \"Because.\"\n  owner: \"Tests\"\n  valid: 2026-01-01 to 2026-12-31\n  version: 1\n  weight: 40\n  severity: high\n  lane: red\n{extra}  when: {when}\n}}\n"
    )
}
