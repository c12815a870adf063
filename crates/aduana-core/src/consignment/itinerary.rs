//! `Itinerary`: where the goods are loaded, routed and discharged, and when.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::codes::{CountryCode, LoCode};
use crate::consignment::Text;

/// The route of a consignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Itinerary {
    /// Where the carrier took charge of the goods (place of receipt / acceptance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_acceptance: Option<Place>,
    /// Where the goods were loaded onto the means of transport crossing the border.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_loading: Option<Place>,
    /// The first place of arrival in the customs territory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_place_of_entry: Option<Place>,
    /// Where the goods are unloaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_discharge: Option<Place>,
    /// Where the goods are delivered to the consignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_delivery: Option<Place>,
    /// The country the goods were dispatched from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_dispatch: Option<CountryCode>,
    /// The country of final destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_destination: Option<CountryCode>,
    /// The countries the means of transport passes through, in order, from departure to arrival.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_countries: Vec<CountryCode>,
    /// Departure from the place of loading (local time as declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departure: Option<NaiveDateTime>,
    /// Expected or actual arrival at the first place of entry (local time as declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival: Option<NaiveDateTime>,
}

/// A place: a UN/LOCODE where one is known, else a name, and the country.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// The UN/LOCODE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locode: Option<LoCode>,
    /// The place's name or a code in another list (e.g. a US Schedule D/K port code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// The country (the LOCODE's country when only a LOCODE was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
}

impl Place {
    /// Returns a place identified by a UN/LOCODE, with the country taken from it.
    pub fn locode(locode: LoCode) -> Place {
        Place { country: Some(locode.country()), locode: Some(locode), name: None }
    }

    /// Returns whether the place identifies anything.
    pub fn is_known(&self) -> bool {
        self.locode.is_some() || self.name.as_deref().is_some_and(|n| !n.trim().is_empty()) || self.country.is_some()
    }
}

impl Itinerary {
    /// Returns every country the goods touch, in route order without repeats: dispatch, loading, routing,
    /// first entry, discharge, destination.
    pub fn countries(&self) -> Vec<&CountryCode> {
        fn place_country(p: &Option<Place>) -> Option<&CountryCode> {
            p.as_ref().and_then(|p| p.country.as_ref())
        }
        let mut out: Vec<&CountryCode> = Vec::new();
        let candidates = [
            self.country_of_dispatch.as_ref(),
            place_country(&self.place_of_acceptance),
            place_country(&self.place_of_loading),
        ]
        .into_iter()
        .chain(self.routing_countries.iter().map(Some))
        .chain([
            place_country(&self.first_place_of_entry),
            place_country(&self.place_of_discharge),
            place_country(&self.place_of_delivery),
            self.country_of_destination.as_ref(),
        ]);
        for country in candidates.flatten() {
            if !out.contains(&country) {
                out.push(country);
            }
        }
        out
    }
}
