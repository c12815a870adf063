//! The CEN export: the non-nominal part of cases, as the WCO's global Customs Enforcement Network takes it. It
//! carries what was seized, when, where (country and LOCODE), how it was found and hidden (taxonomy values only),
//! quantities, the route and the kinds of conveyance, and the nationalities of the persons involved — and nothing
//! that names or identifies anyone: no persons, no company names, no document, phone, container, vessel, flight or
//! plate identifiers, no case ids and no free text (commodity details, concealment details, narrative, office),
//! since free text can carry names. [`CenRecord::from_case`] is the one place that decides; the tests plant names
//! in every field and check none comes out.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::Case;
use crate::taxonomy::{CommodityArea, Concealment, DetectionMethod};

/// The version of the export layout, carried in the JSON document and documented in `docs/enforcement.md`.
pub const CEN_EXPORT_VERSION: u32 = 1;

/// One case, non-nominal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CenRecord {
    /// The day of the seizure.
    pub date: NaiveDate,
    /// The country where it happened (from the LOCODE).
    pub country: Option<String>,
    /// The place (a UN/LOCODE: a port or airport, not a person's address).
    pub locode: Option<String>,
    /// The commodity area.
    pub commodity_area: CommodityArea,
    /// The HS code, when known.
    pub hs_code: Option<String>,
    /// How it was found.
    pub detection_method: DetectionMethod,
    /// How it was hidden.
    pub concealment: Concealment,
    /// Quantities as `amount unit`, `;`-separated in CSV.
    pub quantities: Vec<String>,
    /// The route countries.
    pub departure: Option<String>,
    /// Transit countries in order.
    pub transit: Vec<String>,
    /// The destination country.
    pub destination: Option<String>,
    /// Which kinds of conveyance were involved (`vessel`, `flight`, `vehicle`, `container`).
    pub conveyance_kinds: Vec<&'static str>,
    /// How many persons were involved.
    pub persons: usize,
    /// Their nationalities, sorted, without repeats.
    pub nationalities: Vec<String>,
    /// The case status.
    pub status: &'static str,
}

impl CenRecord {
    /// Returns the non-nominal part of a case.
    pub fn from_case(case: &Case) -> CenRecord {
        let conveyance = &case.conveyance;
        let mut conveyance_kinds = Vec::new();
        if conveyance.vessel_imo.is_some() || conveyance.vessel_name.is_some() {
            conveyance_kinds.push("vessel");
        }
        if conveyance.flight.is_some() {
            conveyance_kinds.push("flight");
        }
        if conveyance.vehicle_plate.is_some() {
            conveyance_kinds.push("vehicle");
        }
        if !conveyance.containers.is_empty() {
            conveyance_kinds.push("container");
        }
        let nationalities: BTreeSet<String> =
            case.persons.iter().filter_map(|p| p.nationality.as_ref()).map(|c| c.as_str().to_owned()).collect();
        CenRecord {
            date: case.date,
            country: case.locode.as_ref().map(|l| l.as_str()[..2].to_owned()),
            locode: case.locode.as_ref().map(|l| l.as_str().to_owned()),
            commodity_area: case.commodity_area,
            hs_code: case.hs_code.as_ref().map(|h| h.as_str().to_owned()),
            detection_method: case.detection_method,
            concealment: case.concealment,
            quantities: case.quantities.iter().map(|q| format!("{} {}", q.amount, q.unit.as_str())).collect(),
            departure: case.route.departure.as_ref().map(|c| c.as_str().to_owned()),
            transit: case.route.transit.iter().map(|c| c.as_str().to_owned()).collect(),
            destination: case.route.destination.as_ref().map(|c| c.as_str().to_owned()),
            conveyance_kinds,
            persons: case.persons.len(),
            nationalities: nationalities.into_iter().collect(),
            status: case.status.as_str(),
        }
    }
}

/// The JSON export document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CenExport {
    /// The layout version.
    pub version: u32,
    /// The commodity area exported, or `None` for all.
    pub commodity_area: Option<CommodityArea>,
    /// The records, by date.
    pub records: Vec<CenRecord>,
}

/// Returns the export of the cases of one commodity area (all when `None`), sorted by date.
pub fn cen_export(cases: &[Case], area: Option<CommodityArea>) -> CenExport {
    let mut records: Vec<CenRecord> =
        cases.iter().filter(|c| area.is_none_or(|a| c.commodity_area == a)).map(CenRecord::from_case).collect();
    records.sort_by_key(|r| r.date);
    CenExport { version: CEN_EXPORT_VERSION, commodity_area: area, records }
}

/// The CSV header of [`cen_csv`].
pub const CEN_CSV_HEADER: &[&str] = &[
    "date",
    "country",
    "locode",
    "commodity_area",
    "hs_code",
    "detection_method",
    "concealment",
    "quantities",
    "departure",
    "transit",
    "destination",
    "conveyance_kinds",
    "persons",
    "nationalities",
    "status",
];

/// Returns the export as CSV (header first; list fields `;`-separated).
pub fn cen_csv(export: &CenExport) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; the results are ignored by design.
    let _ = writer.write_record(CEN_CSV_HEADER);
    for r in &export.records {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let _ = writer.write_record([
            r.date.to_string(),
            opt(&r.country),
            opt(&r.locode),
            r.commodity_area.as_str().to_owned(),
            opt(&r.hs_code),
            r.detection_method.as_str().to_owned(),
            r.concealment.as_str().to_owned(),
            r.quantities.join(";"),
            opt(&r.departure),
            r.transit.join(";"),
            opt(&r.destination),
            r.conveyance_kinds.join(";"),
            r.persons.to_string(),
            r.nationalities.join(";"),
            r.status.to_owned(),
        ]);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::case::tests::sample;
    use crate::case::{Company, IdentityDocument, Investigation, InvestigationStatus, Note, Person, PersonRole};

    /// A name-like token that cannot occur in taxonomy names, codes or dates.
    fn planted() -> impl Strategy<Value = String> {
        "[A-Z][a-z]{3,8}qx[a-z]{2,6}"
    }

    prop_compose! {
        fn case_with_names()(
            names in proptest::collection::vec(planted(), 24),
            persons in 1usize..4,
        ) -> (Case, Vec<String>) {
            let mut case = sample();
            let n = |i: usize| names[i % names.len()].clone();
            case.office = n(0);
            case.commodity = format!("cocaine for {}", n(1));
            case.concealment_details = n(2);
            case.narrative = format!("{} met {}", n(3), n(4));
            case.conveyance.vessel_name = Some(n(5));
            case.conveyance.flight = Some(n(6));
            case.conveyance.vehicle_plate = Some(n(7));
            case.persons = (0..persons).map(|i| Person {
                name: n(8 + i),
                role: PersonRole::Suspect,
                date_of_birth: None,
                nationality: case.persons[0].nationality.clone(),
                documents: vec![IdentityDocument { kind: n(12), number: n(13), country: None }],
                addresses: vec![n(14)],
                phones: vec![n(15)],
            }).collect();
            case.companies = vec![Company {
                name: n(16), identifier: Some(n(17)), country: None, addresses: vec![n(18)], phones: vec![n(19)],
            }];
            case.restriction.users = vec![n(20)];
            case.investigation = Some(Investigation {
                officer: n(21),
                status: InvestigationStatus::InProgress,
                notes: vec![Note { by: n(22), at: "2025-01-01T00:00:00Z".to_owned(), text: n(23) }],
            });
            (case, names)
        }
    }

    proptest! {
        #[test]
        fn no_nominal_field_leaks_into_either_export((case, names) in case_with_names()) {
            let export = cen_export(std::slice::from_ref(&case), None);
            let json = serde_json::to_string(&export).expect("JSON");
            let csv = cen_csv(&export);
            let mut identifiers = names.clone();
            identifiers.extend(case.conveyance.containers.iter().map(|c| c.as_str().to_owned()));
            identifiers.extend(case.conveyance.vessel_imo.iter().map(|c| c.as_str().to_owned()));
            for text in [&json, &csv] {
                let lower = text.to_lowercase();
                for planted in &identifiers {
                    prop_assert!(!lower.contains(&planted.to_lowercase()), "`{}` leaked into {}", planted, text);
                }
            }
            prop_assert_eq!(export.records.len(), 1);
            prop_assert_eq!(export.records[0].persons, case.persons.len());
        }
    }

    #[test]
    fn the_export_keeps_the_non_nominal_facts() {
        let export = cen_export(&[sample()], Some(CommodityArea::Drugs));
        let record = &export.records[0];
        assert_eq!(record.country.as_deref(), Some("NL"));
        assert_eq!(record.quantities, ["120.5 kg"]);
        assert_eq!(record.conveyance_kinds, ["vessel", "container"]);
        assert_eq!(record.nationalities, ["NL"]);
        let csv = cen_csv(&export);
        assert_eq!(
            csv.lines().nth(1),
            Some("2025-03-14,NL,NLRTM,drugs,,x_ray,mixed_with_cargo,120.5 kg,EC,PA,NL,vessel;container,1,NL,open")
        );
        assert!(cen_export(&[sample()], Some(CommodityArea::Tobacco)).records.is_empty());
    }
}
