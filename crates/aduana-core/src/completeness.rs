//! Completeness: which advance-cargo data elements a consignment lacks — the PLACI 7+1 air elements and the
//! WCO SAFE Framework's advance cargo elements. Missing elements are findings (warnings with a rule id and a
//! location in the model), never failures: a consignment can be incomplete and still be assessed.

use serde::{Deserialize, Serialize};

use crate::consignment::{Consignment, Direction, EquipmentKind, PartyRole, TransportMode};
use crate::diagnostic::Diagnostic;
use crate::location::Location;

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
    let mut require = |present: bool, rule: &str, path: &str, what: &str| {
        if !present {
            // Built by hand rather than with `format!`: this runs for every finding of a bulk intake.
            let mut message = String::with_capacity(what.len() + 11);
            message.push_str(what);
            message.push_str(" is missing");
            out.push(Diagnostic::warning("missing_element", message, Location::model(path)).with_rule(rule));
        }
    };
    let party_name =
        |role| consignment.party(role).and_then(|p| p.name.as_deref()).is_some_and(|n| !n.trim().is_empty());
    let party_address =
        |role| consignment.party(role).and_then(|p| p.address.as_ref()).is_some_and(|a| a.has_street_or_city());
    let goods = &consignment.goods;
    let every_item = |f: &dyn Fn(&crate::GoodsItem) -> bool| !goods.is_empty() && goods.iter().all(f);
    match set {
        ElementSet::Placi => {
            require(party_name(PartyRole::Consignor), "PLACI-1", "parties[consignor].name", "consignor name");
            require(party_address(PartyRole::Consignor), "PLACI-2", "parties[consignor].address", "consignor address");
            require(party_name(PartyRole::Consignee), "PLACI-3", "parties[consignee].name", "consignee name");
            require(party_address(PartyRole::Consignee), "PLACI-4", "parties[consignee].address", "consignee address");
            require(consignment.packages().is_some(), "PLACI-5", "total_packages", "number of pieces");
            require(consignment.gross_mass_kg().is_some(), "PLACI-6", "total_gross_mass_kg", "total gross weight");
            require(
                every_item(&|g| g.description.as_deref().is_some_and(|d| !d.trim().is_empty())),
                "PLACI-7",
                "goods[].description",
                "cargo description",
            );
            require(consignment.air_waybill.is_some(), "PLACI-8", "air_waybill", "air waybill number");
        }
        ElementSet::Safe => {
            require(party_name(PartyRole::Consignor), "SAFE-CONSIGNOR", "parties[consignor].name", "consignor name");
            require(
                party_address(PartyRole::Consignor),
                "SAFE-CONSIGNOR-ADDRESS",
                "parties[consignor].address",
                "consignor address",
            );
            require(party_name(PartyRole::Consignee), "SAFE-CONSIGNEE", "parties[consignee].name", "consignee name");
            require(
                party_address(PartyRole::Consignee),
                "SAFE-CONSIGNEE-ADDRESS",
                "parties[consignee].address",
                "consignee address",
            );
            let carrier =
                consignment.party(PartyRole::Carrier).is_some_and(|p| p.name.is_some() || !p.identifiers.is_empty());
            require(carrier, "SAFE-CARRIER", "parties[carrier]", "carrier identification");
            let itinerary = &consignment.itinerary;
            require(
                itinerary.place_of_loading.as_ref().is_some_and(|p| p.is_known()),
                "SAFE-PLACE-OF-LOADING",
                "itinerary.place_of_loading",
                "place of loading",
            );
            let discharge = [&itinerary.place_of_discharge, &itinerary.first_place_of_entry]
                .iter()
                .any(|p| p.as_ref().is_some_and(|p| p.is_known()));
            require(
                discharge,
                "SAFE-PLACE-OF-DISCHARGE",
                "itinerary.place_of_discharge",
                "place of discharge or first place of entry",
            );
            if consignment.direction == Direction::Import {
                require(
                    itinerary.arrival.is_some(),
                    "SAFE-ARRIVAL",
                    "itinerary.arrival",
                    "date of arrival at first place of entry",
                );
            }
            require(
                consignment.transport.as_ref().is_some_and(|t| t.conveyance_reference.is_some() || t.imo.is_some()),
                "SAFE-CONVEYANCE",
                "transport.conveyance_reference",
                "conveyance reference (voyage or flight)",
            );
            require(!goods.is_empty(), "SAFE-GOODS", "goods", "at least one goods item");
            for (i, item) in goods.iter().enumerate() {
                // Paths are formatted only for what is missing: this runs on every consignment of a bulk intake.
                let checks = [
                    (
                        item.description.as_deref().is_some_and(|d| !d.trim().is_empty()),
                        "SAFE-DESCRIPTION",
                        "description",
                        "goods description",
                    ),
                    (
                        item.hs_code.as_ref().is_some_and(|h| h.level() >= 6),
                        "SAFE-HS6",
                        "hs_code",
                        "commodity code at 6 digits",
                    ),
                    (
                        item.packages.as_ref().is_some_and(|p| p.kind.is_some()),
                        "SAFE-PACKAGE-KIND",
                        "packages.kind",
                        "type of packages",
                    ),
                ];
                for (present, rule, field, what) in checks {
                    if !present {
                        require(false, rule, &item_path("goods", i, field), what);
                    }
                }
            }
            require(consignment.packages().is_some(), "SAFE-PACKAGES", "total_packages", "number of packages");
            require(consignment.gross_mass_kg().is_some(), "SAFE-GROSS-MASS", "total_gross_mass_kg", "gross mass");
            for (i, equipment) in consignment.equipment.iter().enumerate() {
                if equipment.kind == EquipmentKind::Container && equipment.full != Some(false) {
                    require(
                        !equipment.seals.is_empty(),
                        "SAFE-SEALS",
                        &item_path("equipment", i, "seals"),
                        "seal numbers",
                    );
                }
            }
        }
    }
    out
}

/// Returns the model path of a field of a list element, `goods[2].hs_code`, without the formatting machinery
/// (this runs for every finding of a bulk intake).
fn item_path(list: &str, index: usize, field: &str) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = index;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut path = String::with_capacity(list.len() + field.len() + 3 + digits.len() - at);
    path.push_str(list);
    path.push('[');
    path.extend(digits[at..].iter().map(|&d| char::from(d)));
    path.push_str("].");
    path.push_str(field);
    path
}

/// Returns the missing elements of every set that applies to the consignment (see [`ElementSet::applicable_to`]).
pub fn check(consignment: &Consignment) -> Vec<Diagnostic> {
    // Runs on every consignment of a bulk intake: no list of sets, no intermediate iterator.
    let air = is_air(consignment);
    let mut found = missing_elements(consignment, if air { ElementSet::Placi } else { ElementSet::Safe });
    if air {
        found.extend(missing_elements(consignment, ElementSet::Safe));
    }
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
    fn sea_consignment_is_checked_against_safe_only() {
        let mut consignment = Consignment::new(Reference::parse("MAEU1").expect("valid"), Direction::Import);
        consignment.mode_of_transport = Some(TransportMode::Sea);
        let found = check(&consignment);
        assert!(found.iter().all(|d| d.rule.as_deref().is_some_and(|r| r.starts_with("SAFE-"))));
        assert!(rules(&found).contains(&"SAFE-CONVEYANCE"));
    }
}
