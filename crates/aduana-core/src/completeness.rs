//! Completeness: which advance-cargo data elements a consignment lacks — the PLACI 7+1 air elements and the
//! WCO SAFE Framework's advance cargo elements. Missing elements are findings (warnings with a rule id and a
//! location in the model), never failures: a consignment can be incomplete and still be assessed.

use serde::{Deserialize, Serialize};

use crate::consignment::{Consignment, Direction, EquipmentKind, PartyRole, Text, TransportMode};
use crate::diagnostic::{Diagnostic, Severity};
use crate::location::{Location, LocationPath};

/// A set of data elements that a consignment can be checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ElementSet {
    /// The ICAO/WCO pre-loading advance cargo information "7+1" elements for air cargo: consignor name and
    /// address, consignee name and address, number of pieces, total gross weight, cargo description, and the air
    /// waybill number.
    Placi,
    /// The SAFE Framework advance electronic cargo information elements (Annex to Pillar 1, inbound).
    Safe,
}

impl ElementSet {
    /// Returns the element sets that apply to a consignment: SAFE always, PLACI for air consignments.
    pub fn applicable_to(consignment: &Consignment) -> Vec<ElementSet> {
        if is_air(consignment) { vec![ElementSet::Placi, ElementSet::Safe] } else { vec![ElementSet::Safe] }
    }
}

/// Returns whether PLACI applies: air mode, or an air waybill.
fn is_air(consignment: &Consignment) -> bool {
    consignment.mode_of_transport == Some(TransportMode::Air) || consignment.air_waybill.is_some()
}

/// Returns a warning for every element of the set that the consignment lacks, with the rule id
/// (`PLACI-1`…`PLACI-8`, `SAFE-…`) and the model path of the missing field.
pub fn missing_elements(consignment: &Consignment, set: ElementSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    missing_elements_into(consignment, set, &mut out);
    out
}

/// The code of every missing-element finding.
const MISSING_ELEMENT: Text = Text::const_new("missing_element");

/// Adds a warning for every element of the set that the consignment lacks to `out`.
///
/// This runs on every consignment of a bulk intake and every assessment, and most consignments lack a few
/// elements, so a finding allocates nothing: its code, rule, message and (but for list elements) path are
/// `&'static str`s held by [`Text::const_new`], and a list element's path such as `goods[2].packages.kind` fits in
/// a `Text` inline. Cloning or dropping such a finding does not touch the heap either.
fn missing_elements_into(consignment: &Consignment, set: ElementSet, out: &mut Vec<Diagnostic>) {
    let party_name =
        |role| consignment.party(role).and_then(|p| p.name.as_deref()).is_some_and(|n| !n.trim().is_empty());
    let party_address =
        |role| consignment.party(role).and_then(|p| p.address.as_ref()).is_some_and(|a| a.has_street_or_city());
    // Both sets require the consignor's and the consignee's name and address, each under its own rule ids.
    let parties = |out: &mut Vec<Diagnostic>, rules: [&'static str; 4]| {
        let elements = [
            (party_name(PartyRole::Consignor), "parties[consignor].name", "consignor name is missing"),
            (party_address(PartyRole::Consignor), "parties[consignor].address", "consignor address is missing"),
            (party_name(PartyRole::Consignee), "parties[consignee].name", "consignee name is missing"),
            (party_address(PartyRole::Consignee), "parties[consignee].address", "consignee address is missing"),
        ];
        for ((present, path, message), rule) in elements.into_iter().zip(rules) {
            require(out, present, rule, path, message);
        }
    };
    let goods = &consignment.goods;
    let every_item = |f: &dyn Fn(&crate::GoodsItem) -> bool| !goods.is_empty() && goods.iter().all(f);
    match set {
        ElementSet::Placi => {
            parties(out, ["PLACI-1", "PLACI-2", "PLACI-3", "PLACI-4"]);
            require(out, consignment.packages().is_some(), "PLACI-5", "total_packages", "number of pieces is missing");
            require(
                out,
                consignment.gross_mass_kg().is_some(),
                "PLACI-6",
                "total_gross_mass_kg",
                "total gross weight is missing",
            );
            require(
                out,
                every_item(&|g| g.description.as_deref().is_some_and(|d| !d.trim().is_empty())),
                "PLACI-7",
                "goods[].description",
                "cargo description is missing",
            );
            require(out, consignment.air_waybill.is_some(), "PLACI-8", "air_waybill", "air waybill number is missing");
        }
        ElementSet::Safe => {
            parties(out, ["SAFE-CONSIGNOR", "SAFE-CONSIGNOR-ADDRESS", "SAFE-CONSIGNEE", "SAFE-CONSIGNEE-ADDRESS"]);
            let carrier =
                consignment.party(PartyRole::Carrier).is_some_and(|p| p.name.is_some() || !p.identifiers.is_empty());
            require(out, carrier, "SAFE-CARRIER", "parties[carrier]", "carrier identification is missing");
            let itinerary = &consignment.itinerary;
            require(
                out,
                itinerary.place_of_loading.as_ref().is_some_and(|p| p.is_known()),
                "SAFE-PLACE-OF-LOADING",
                "itinerary.place_of_loading",
                "place of loading is missing",
            );
            let discharge = [&itinerary.place_of_discharge, &itinerary.first_place_of_entry]
                .iter()
                .any(|p| p.as_ref().is_some_and(|p| p.is_known()));
            require(
                out,
                discharge,
                "SAFE-PLACE-OF-DISCHARGE",
                "itinerary.place_of_discharge",
                "place of discharge or first place of entry is missing",
            );
            if consignment.direction == Direction::Import {
                require(
                    out,
                    itinerary.arrival.is_some(),
                    "SAFE-ARRIVAL",
                    "itinerary.arrival",
                    "date of arrival at first place of entry is missing",
                );
            }
            require(
                out,
                consignment.transport.as_ref().is_some_and(|t| t.conveyance_reference.is_some() || t.imo.is_some()),
                "SAFE-CONVEYANCE",
                "transport.conveyance_reference",
                "conveyance reference (voyage or flight) is missing",
            );
            require(out, !goods.is_empty(), "SAFE-GOODS", "goods", "at least one goods item is missing");
            for (i, item) in goods.iter().enumerate() {
                // Paths are formatted only for what is missing: this runs on every consignment of a bulk intake.
                let checks = [
                    (
                        item.description.as_deref().is_some_and(|d| !d.trim().is_empty()),
                        "SAFE-DESCRIPTION",
                        "description",
                        "goods description is missing",
                    ),
                    (
                        item.hs_code.as_ref().is_some_and(|h| h.level() >= 6),
                        "SAFE-HS6",
                        "hs_code",
                        "commodity code at 6 digits is missing",
                    ),
                    (
                        item.packages.as_ref().is_some_and(|p| p.kind.is_some()),
                        "SAFE-PACKAGE-KIND",
                        "packages.kind",
                        "type of packages is missing",
                    ),
                ];
                for (present, rule, field, message) in checks {
                    if !present {
                        push(out, missing(rule, item_path("goods", i, field), message));
                    }
                }
            }
            require(
                out,
                consignment.packages().is_some(),
                "SAFE-PACKAGES",
                "total_packages",
                "number of packages is missing",
            );
            require(
                out,
                consignment.gross_mass_kg().is_some(),
                "SAFE-GROSS-MASS",
                "total_gross_mass_kg",
                "gross mass is missing",
            );
            for (i, equipment) in consignment.equipment.iter().enumerate() {
                if equipment.kind == EquipmentKind::Container
                    && equipment.full != Some(false)
                    && equipment.seals.is_empty()
                {
                    push(out, missing("SAFE-SEALS", item_path("equipment", i, "seals"), "seal numbers is missing"));
                }
            }
        }
    }
}

/// Adds the warning that a data element is missing to `out` unless it is `present`.
fn require(out: &mut Vec<Diagnostic>, present: bool, rule: &'static str, path: &'static str, message: &'static str) {
    if !present {
        push(out, missing(rule, Text::const_new(path), message));
    }
}

/// Adds a finding. An incomplete declaration usually misses several elements: the first finding makes room for
/// sixteen, instead of the vector growing 4 → 8 → 16 with a copy of the findings at each step (a complete
/// declaration still allocates nothing).
fn push(out: &mut Vec<Diagnostic>, finding: Diagnostic) {
    if out.capacity() == 0 {
        out.reserve(16);
    }
    out.push(finding);
}

/// Returns the warning that a data element is missing.
fn missing(rule: &'static str, path: Text, message: &'static str) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        code: MISSING_ELEMENT,
        message: Text::const_new(message),
        location: Location { path: Some(LocationPath::Model { path }), ..Location::default() },
        rule: Some(Text::const_new(rule)),
    }
}

/// Returns the model path of a field of a list element, `goods[2].hs_code`, without the formatting machinery
/// (this runs for every finding of a bulk intake); paths of up to 24 bytes need no allocation.
fn item_path(list: &str, index: usize, field: &str) -> Text {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(index);
    let mut path = Text::with_capacity(list.len() + field.len() + 3 + digits.len());
    path.push_str(list);
    path.push('[');
    path.push_str(digits);
    path.push_str("].");
    path.push_str(field);
    path
}

/// Returns the missing elements of every set that applies to the consignment (see [`ElementSet::applicable_to`]).
pub fn check(consignment: &Consignment) -> Vec<Diagnostic> {
    // Runs on every consignment of a bulk intake: no list of sets, no intermediate iterator.
    let mut found = Vec::new();
    if is_air(consignment) {
        missing_elements_into(consignment, ElementSet::Placi, &mut found);
    }
    missing_elements_into(consignment, ElementSet::Safe, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::AirWaybillNumber;
    use crate::consignment::{Address, GoodsItem, Packages, Party, Reference};

    fn rules(diagnostics: &[Diagnostic]) -> Vec<&str> {
        diagnostics.iter().filter_map(|d| d.rule.as_deref()).collect()
    }

    #[test]
    fn empty_air_consignment_misses_all_placi_elements() {
        let mut consignment = Consignment::new(Reference::parse("888-11111111").expect("valid"), Direction::Import);
        consignment.mode_of_transport = Some(TransportMode::Air);
        let missing = missing_elements(&consignment, ElementSet::Placi);
        assert_eq!(
            rules(&missing),
            ["PLACI-1", "PLACI-2", "PLACI-3", "PLACI-4", "PLACI-5", "PLACI-6", "PLACI-7", "PLACI-8"]
        );
        assert!(missing.iter().all(|d| !d.is_error()));
    }

    #[test]
    fn complete_placi_consignment_has_no_placi_findings() {
        let mut consignment = Consignment::new(Reference::parse("888-11111111").expect("valid"), Direction::Import);
        consignment.air_waybill = Some(AirWaybillNumber::parse("888-11111111").expect("valid"));
        for role in [PartyRole::Consignor, PartyRole::Consignee] {
            let mut party = Party::named(role, "ACME LTD");
            party.address = Some(Address { street: Some("1 Dock Road".into()), ..Address::default() });
            consignment.parties.push(party);
        }
        let mut item = GoodsItem::new(1);
        item.description = Some("LITHIUM ION BATTERIES".into());
        item.packages = Some(Packages { count: Some(4), kind: Some("CT".into()), marks: None });
        item.gross_mass_kg = Some("120.5".parse().expect("decimal"));
        consignment.goods.push(item);
        assert_eq!(missing_elements(&consignment, ElementSet::Placi), []);
        // PLACI applies because of the air waybill even without a declared mode.
        assert_eq!(ElementSet::applicable_to(&consignment), [ElementSet::Placi, ElementSet::Safe]);
    }

    #[test]
    fn item_paths_read_as_formatted_paths() {
        for index in [0, 7, 10, 123, usize::MAX] {
            assert_eq!(item_path("goods", index, "hs_code"), format!("goods[{index}].hs_code"));
        }
    }

    #[test]
    fn every_finding_reads_element_is_missing_at_its_model_path() {
        let mut consignment = Consignment::new(Reference::parse("888-11111111").expect("valid"), Direction::Import);
        consignment.mode_of_transport = Some(TransportMode::Air);
        consignment.goods.push(GoodsItem::new(1));
        consignment.equipment.push(crate::Equipment {
            id: "MSCU1234565".into(),
            kind: EquipmentKind::Container,
            size_type: None,
            seals: Vec::new(),
            full: None,
        });
        let found: Vec<String> = check(&consignment)
            .iter()
            .map(|d| {
                assert_eq!((d.code.as_str(), d.severity), ("missing_element", Severity::Warning));
                format!("{} {} {}", d.rule.as_deref().unwrap_or_default(), d.location, d.message)
            })
            .collect();
        // The messages as `what` + " is missing" read before findings became static text.
        assert_eq!(
            found,
            [
                "PLACI-1 parties[consignor].name consignor name is missing",
                "PLACI-2 parties[consignor].address consignor address is missing",
                "PLACI-3 parties[consignee].name consignee name is missing",
                "PLACI-4 parties[consignee].address consignee address is missing",
                "PLACI-5 total_packages number of pieces is missing",
                "PLACI-6 total_gross_mass_kg total gross weight is missing",
                "PLACI-7 goods[].description cargo description is missing",
                "PLACI-8 air_waybill air waybill number is missing",
                "SAFE-CONSIGNOR parties[consignor].name consignor name is missing",
                "SAFE-CONSIGNOR-ADDRESS parties[consignor].address consignor address is missing",
                "SAFE-CONSIGNEE parties[consignee].name consignee name is missing",
                "SAFE-CONSIGNEE-ADDRESS parties[consignee].address consignee address is missing",
                "SAFE-CARRIER parties[carrier] carrier identification is missing",
                "SAFE-PLACE-OF-LOADING itinerary.place_of_loading place of loading is missing",
                "SAFE-PLACE-OF-DISCHARGE itinerary.place_of_discharge place of discharge or first place of entry is \
                 missing",
                "SAFE-ARRIVAL itinerary.arrival date of arrival at first place of entry is missing",
                "SAFE-CONVEYANCE transport.conveyance_reference conveyance reference (voyage or flight) is missing",
                "SAFE-DESCRIPTION goods[0].description goods description is missing",
                "SAFE-HS6 goods[0].hs_code commodity code at 6 digits is missing",
                "SAFE-PACKAGE-KIND goods[0].packages.kind type of packages is missing",
                "SAFE-PACKAGES total_packages number of packages is missing",
                "SAFE-GROSS-MASS total_gross_mass_kg gross mass is missing",
                "SAFE-SEALS equipment[0].seals seal numbers is missing",
            ]
        );
    }

    #[test]
    fn sea_consignment_is_checked_against_safe_only() {
        let mut consignment = Consignment::new(Reference::parse("MAEU1").expect("valid"), Direction::Import);
        consignment.mode_of_transport = Some(TransportMode::Sea);
        let found = check(&consignment);
        assert!(found.iter().all(|d| d.rule.as_deref().is_some_and(|r| r.starts_with("SAFE-"))));
        assert!(rules(&found).contains(&"SAFE-CONVEYANCE"));
    }
}
