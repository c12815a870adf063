//! `Consignment`: one transport document's worth of goods, as every wire format is read into and every indicator
//! assesses. Its JSON form (serde) is Aduana's canonical format.

mod equipment;
mod goods_item;
mod itinerary;
mod party;
mod reference;
mod transport;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use equipment::{Equipment, EquipmentKind};
pub use goods_item::{Duty, GoodsItem, Money, Packages};
pub use itinerary::{Itinerary, Place};
pub use party::{Address, Contact, Party, PartyIdentifier, PartyRole};
pub use reference::{Reference, ReferenceError};
pub use transport::TransportMeans;

use crate::codes::AirWaybillNumber;

/// Text in the consignment model (names, addresses, identifiers, attributes): a string that holds up to 24 bytes
/// inline and only longer text on the heap, so that reading a consignment does not allocate for every short value.
/// It reads, compares, prints and serialises exactly like a `String`; build one with `.into()` or `Text::from`.
pub type Text = compact_str::CompactString;

/// One transport document's worth of goods — a master or house bill of lading, an air waybill, an entry summary
/// declaration or a goods declaration — with its parties, route, means of transport, equipment and goods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consignment {
    /// The transport document reference (bill of lading, air waybill, declaration number): the consignment's key.
    pub reference: Reference,
    /// What kind of document the reference names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_kind: Option<DocumentKind>,
    /// The master document this one belongs to (the master bill or master air waybill of a house document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_reference: Option<Text>,
    /// The air waybill number, for air consignments (PLACI element 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air_waybill: Option<AirWaybillNumber>,
    /// Whether the goods are entering, leaving or passing through the customs territory.
    pub direction: Direction,
    /// The mode of transport at the border.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_of_transport: Option<TransportMode>,
    /// The date the document was lodged with customs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lodged_on: Option<NaiveDate>,
    /// The customs office that received it (a national code or a UN/LOCODE-based office id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_office: Option<Text>,
    /// Everyone involved, each with a role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// Where the goods were loaded, pass through and are discharged, and when.
    #[serde(default)]
    pub itinerary: Itinerary,
    /// The active means of transport crossing the border.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<TransportMeans>,
    /// Containers, unit load devices and trailers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equipment: Vec<Equipment>,
    /// The goods items, in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goods: Vec<GoodsItem>,
    /// The total number of packages (pieces) as declared for the whole document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_packages: Option<u32>,
    /// The total gross mass in kilograms as declared for the whole document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub total_gross_mass_kg: Option<Decimal>,
    /// Supporting documents, certificates and earlier references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentReference>,
    /// Facts the source format carries that the model has no field for (e.g. the declaration's import type),
    /// kept so that nothing is silently lost; keys are the source's names in snake_case.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<Text, Text>,
}

/// What kind of transport or customs document a consignment's reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DocumentKind {
    /// A master (ocean) bill of lading.
    MasterBill,
    /// A house bill of lading issued by a forwarder.
    HouseBill,
    /// A master air waybill.
    AirWaybill,
    /// A house air waybill.
    HouseAirWaybill,
    /// An entry summary declaration (ENS, ICS).
    EntrySummary,
    /// A customs goods declaration (import, export or transit).
    GoodsDeclaration,
    /// A road or rail consignment note (CMR, CIM).
    ConsignmentNote,
    /// Any other document.
    Other,
}

/// Whether goods are entering, leaving or passing through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Entering the customs territory.
    Import,
    /// Leaving the customs territory.
    Export,
    /// Passing through under a transit procedure.
    Transit,
}

/// The mode of transport, as in UN/ECE Recommendation 19.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransportMode {
    /// Code 1: maritime.
    Sea,
    /// Code 2: rail.
    Rail,
    /// Code 3: road.
    Road,
    /// Code 4: air.
    Air,
    /// Code 5: mail (postal).
    Postal,
    /// Code 7: fixed transport installation (pipeline, power line).
    FixedInstallation,
    /// Code 8: inland waterway.
    InlandWaterway,
    /// Code 9 or unknown: own propulsion, not applicable, not known.
    Other,
}

impl TransportMode {
    /// Returns the mode for a UN/ECE Recommendation 19 code (`1` sea … `9` other), as EDIFACT, ENS and WCO
    /// messages carry it; codes with two digits (`10`, `40`) use their first digit, as national systems do.
    pub fn from_rec19(code: &str) -> Option<TransportMode> {
        match code.trim().chars().next()? {
            '1' => Some(TransportMode::Sea),
            '2' => Some(TransportMode::Rail),
            '3' => Some(TransportMode::Road),
            '4' => Some(TransportMode::Air),
            '5' => Some(TransportMode::Postal),
            '7' => Some(TransportMode::FixedInstallation),
            '8' => Some(TransportMode::InlandWaterway),
            '6' | '9' | '0' => Some(TransportMode::Other),
            _ => None,
        }
    }
}

/// A reference to a supporting or earlier document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentReference {
    /// The document type code or name in the source's terms (e.g. `N740`, `invoice`).
    pub kind: Text,
    /// The document's reference number.
    pub reference: Text,
}

impl Consignment {
    /// Returns an empty consignment with only its key facts, for formats to fill in.
    pub fn new(reference: Reference, direction: Direction) -> Consignment {
        Consignment {
            reference,
            document_kind: None,
            master_reference: None,
            air_waybill: None,
            direction,
            mode_of_transport: None,
            lodged_on: None,
            customs_office: None,
            parties: Vec::new(),
            itinerary: Itinerary::default(),
            transport: None,
            equipment: Vec::new(),
            goods: Vec::new(),
            total_packages: None,
            total_gross_mass_kg: None,
            documents: Vec::new(),
            attributes: BTreeMap::new(),
        }
    }

    /// Returns the first party with a role.
    pub fn party(&self, role: PartyRole) -> Option<&Party> {
        self.parties.iter().find(|p| p.role == role)
    }

    /// Returns the total number of packages: the declared total, or else the sum over goods items when every
    /// item states its count.
    pub fn packages(&self) -> Option<u32> {
        self.total_packages.or_else(|| {
            self.goods.iter().map(|g| g.packages.as_ref().and_then(|p| p.count)).sum::<Option<u32>>().filter(|n| *n > 0)
        })
    }

    /// Returns the total gross mass in kilograms: the declared total, or else the sum over goods items when every
    /// item states its mass.
    pub fn gross_mass_kg(&self) -> Option<Decimal> {
        self.total_gross_mass_kg.or_else(|| {
            if self.goods.is_empty() {
                return None;
            }
            self.goods.iter().map(|g| g.gross_mass_kg).sum::<Option<Decimal>>()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::HsCode;

    fn minimal_json() -> &'static str {
        r#"{"reference": "MAEU123456789", "direction": "import"}"#
    }

    #[test]
    fn minimal_consignment_round_trips_through_json() {
        let consignment: Consignment = serde_json::from_str(minimal_json()).expect("valid");
        assert_eq!(consignment.reference.as_str(), "MAEU123456789");
        let again: Consignment =
            serde_json::from_str(&serde_json::to_string(&consignment).expect("serialises")).expect("parses");
        assert_eq!(consignment, again);
    }

    #[test]
    fn json_with_an_invalid_code_cannot_build_a_consignment() {
        let json = r#"{"reference": "X1", "direction": "import", "goods": [{"sequence": 1, "hs_code": "85A1"}]}"#;
        let error = serde_json::from_str::<Consignment>(json).expect_err("invalid HS code");
        assert!(error.to_string().contains("invalid HS code"), "{error}");
    }

    #[test]
    fn json_with_an_unknown_field_is_rejected() {
        let json = r#"{"reference": "X1", "direction": "import", "consignor": "ACME"}"#;
        let error = serde_json::from_str::<Consignment>(json).expect_err("unknown field");
        assert!(error.to_string().contains("unknown field `consignor`"), "{error}");
    }

    #[test]
    fn totals_fall_back_to_the_sum_over_goods_items() {
        let mut consignment: Consignment = serde_json::from_str(minimal_json()).expect("valid");
        for (count, mass) in [(3, "10.5"), (2, "4.5")] {
            let mut item = GoodsItem::new(consignment.goods.len() as u32 + 1);
            item.hs_code = Some(HsCode::parse("854141").expect("valid"));
            item.packages = Some(Packages { count: Some(count), kind: None, marks: None });
            item.gross_mass_kg = Some(mass.parse().expect("decimal"));
            consignment.goods.push(item);
        }
        assert_eq!(consignment.packages(), Some(5));
        assert_eq!(consignment.gross_mass_kg(), Some("15.0".parse().expect("decimal")));
    }

    #[test]
    fn rec19_codes_map_to_transport_modes() {
        assert_eq!(TransportMode::from_rec19("1"), Some(TransportMode::Sea));
        assert_eq!(TransportMode::from_rec19("40"), Some(TransportMode::Air));
        assert_eq!(TransportMode::from_rec19("x"), None);
    }
}

#[cfg(test)]
mod schema_tests {
    use super::Consignment;

    /// The JSON Schema in `docs/consignment.schema.json` is generated from the types; this test fails when the
    /// committed file is stale. `UPDATE_EXPECT=1 cargo test -p aduana-core` rewrites it.
    #[test]
    fn committed_json_schema_matches_the_types() {
        let schema = schemars::schema_for!(Consignment);
        let generated = serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/consignment.schema.json");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, &generated).expect("writing the schema");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/consignment.schema.json is stale: run UPDATE_EXPECT=1 cargo test -p aduana-core"
        );
    }
}
