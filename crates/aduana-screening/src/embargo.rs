//! Embargoed destinations: countries under UN Security Council arms embargoes (`data/embargoes/`), and the check of
//! a consignment's destination countries against them.

use aduana_core::{Consignment, CountryCode, Evidence, Location, LocationPath, PartyRole};
use serde::Serialize;

use crate::watchlist::ListError;

/// One embargoed country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Embargo {
    /// The country.
    pub country: CountryCode,
    /// `full`, `non_state_actors`, `regional` or `targeted`.
    pub scope: String,
    /// The establishing resolution.
    pub resolution: String,
    /// Since when.
    pub since: String,
    /// Later changes.
    pub note: String,
    /// Where it comes from.
    pub source: String,
}

/// A list of embargoes with its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbargoList {
    /// The version (a content hash of the CSV).
    pub version: String,
    /// The embargoes.
    pub embargoes: Vec<Embargo>,
}

/// A destination of a consignment under an embargo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbargoMatch {
    /// The embargo.
    pub embargo: Embargo,
    /// The list's version.
    pub list_version: String,
    /// The field of the consignment that names the country (`itinerary.country_of_destination`).
    pub field: String,
    /// The id for a `Hit`: `<country>/<resolution>`.
    pub hit_id: String,
    /// The fields and values that matched.
    pub evidence: Vec<Evidence>,
    /// A sentence an officer can read.
    pub reason: String,
}

impl EmbargoList {
    /// Returns the list shipped in `data/embargoes/un-arms-embargoes.csv`.
    ///
    /// # Panics
    /// Never in practice: the shipped list is checked by a unit test.
    pub fn builtin() -> EmbargoList {
        EmbargoList::parse(include_bytes!("../../../data/embargoes/un-arms-embargoes.csv"), "un-arms-embargoes.csv")
            .expect("the shipped embargo list is valid (checked by a unit test)")
    }

    /// Reads a list from CSV (`country,scope,resolution,since,note,source`).
    ///
    /// # Errors
    /// Returns every bad row, located by line and column name.
    pub fn parse(bytes: &[u8], name: &str) -> Result<EmbargoList, Vec<ListError>> {
        let mut reader = csv::Reader::from_reader(bytes);
        let mut embargoes = Vec::new();
        let mut errors = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(ListError::new(Location::file(name).at(line, 1), format!("malformed CSV row: {e}")));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            let cell = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
            let country = match CountryCode::parse(&cell(0)) {
                Ok(c) => c,
                Err(e) => {
                    let at =
                        Location::file(name).at(line, 1).with_path(LocationPath::Field { field: "country".to_owned() });
                    errors.push(ListError::new(at, e.to_string()));
                    continue;
                }
            };
            let scope = cell(1);
            if !matches!(scope.as_str(), "full" | "non_state_actors" | "regional" | "targeted") {
                let at = Location::file(name).at(line, 1).with_path(LocationPath::Field { field: "scope".to_owned() });
                errors.push(ListError::new(
                    at,
                    format!("expected full, non_state_actors, regional or targeted, found `{scope}`"),
                ));
                continue;
            }
            embargoes.push(Embargo {
                country,
                scope,
                resolution: cell(2),
                since: cell(3),
                note: cell(4),
                source: cell(5),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let hash =
            bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        Ok(EmbargoList { version: format!("sha-{hash:016x}"), embargoes })
    }
}

/// Returns the embargoes on the consignment's destination: the country of destination, the places of discharge and
/// delivery, and the consignee's country. One match per embargo and field.
pub fn embargoed_destination(consignment: &Consignment, list: &EmbargoList) -> Vec<EmbargoMatch> {
    let itinerary = &consignment.itinerary;
    let mut fields: Vec<(String, &CountryCode)> = Vec::new();
    if let Some(c) = itinerary.country_of_destination.as_ref() {
        fields.push(("itinerary.country_of_destination".to_owned(), c));
    }
    if let Some(c) = itinerary.place_of_discharge.as_ref().and_then(|p| p.country.as_ref()) {
        fields.push(("itinerary.place_of_discharge.country".to_owned(), c));
    }
    if let Some(c) = itinerary.place_of_delivery.as_ref().and_then(|p| p.country.as_ref()) {
        fields.push(("itinerary.place_of_delivery.country".to_owned(), c));
    }
    for (i, party) in consignment.parties.iter().enumerate() {
        if party.role == PartyRole::Consignee {
            if let Some(c) = party.country() {
                fields.push((format!("parties[{i}].address.country"), c));
            }
        }
    }
    let mut out = Vec::new();
    for (field, country) in fields {
        for embargo in list.embargoes.iter().filter(|e| &e.country == country) {
            out.push(EmbargoMatch {
                hit_id: format!("{}/{}", embargo.country.as_str(), embargo.resolution),
                evidence: vec![Evidence { field: field.clone().into(), value: country.as_str().into() }],
                reason: format!(
                    "{field} is {}, under a UN arms embargo ({} scope) since {} by {}",
                    country.as_str(),
                    embargo.scope,
                    embargo.since,
                    embargo.resolution
                ),
                embargo: embargo.clone(),
                list_version: list.version.clone(),
                field: field.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_list_loads_and_names_the_dprk() {
        let list = EmbargoList::builtin();
        assert!(list.embargoes.iter().any(|e| e.country.as_str() == "KP" && e.scope == "full"));
    }

    #[test]
    fn a_bad_country_or_scope_is_reported_with_its_line() {
        let csv = "country,scope,resolution,since,note,source\nXX1,full,r,s,n,u\nLY,total,r,s,n,u\n";
        let errors = EmbargoList::parse(csv.as_bytes(), "e.csv").expect_err("bad rows");
        assert_eq!(errors.len(), 2);
        assert!(errors[0].to_string().starts_with("e.csv:2:1: field country"), "{}", errors[0]);
        assert!(errors[1].to_string().contains("found `total`"), "{}", errors[1]);
    }
}
