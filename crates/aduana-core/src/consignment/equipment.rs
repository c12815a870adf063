//! `Equipment`: a container, unit load device or trailer, with its seals.

use serde::{Deserialize, Serialize};

use crate::codes::ContainerNumber;
use crate::consignment::Text;

/// A piece of transport equipment. Its identifier is kept as declared, because real traffic carries unit load
/// devices and national trailer numbers as well as ISO 6346 container numbers; [`Equipment::container_number`]
/// gives the validated number where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Equipment {
    /// The identifier as declared (container number, ULD id, trailer plate).
    pub id: Text,
    /// What kind of equipment it is.
    pub kind: EquipmentKind,
    /// The ISO 6346 size and type code (`45G1`) or the source's equivalent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_type: Option<Text>,
    /// Seal numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seals: Vec<Text>,
    /// Whether the equipment is loaded (`true`) or empty (`false`), where declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<bool>,
}

/// What kind of equipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EquipmentKind {
    /// A freight container (ISO 6346).
    Container,
    /// An air unit load device.
    UnitLoadDevice,
    /// A trailer or semi-trailer.
    Trailer,
    /// Anything else.
    Other,
}

impl Equipment {
    /// Returns the validated ISO 6346 number when the equipment is a container and its id passes the check digit.
    pub fn container_number(&self) -> Option<ContainerNumber> {
        (self.kind == EquipmentKind::Container).then(|| ContainerNumber::parse(&self.id).ok()).flatten()
    }
}
