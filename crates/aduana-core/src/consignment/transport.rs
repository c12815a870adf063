//! `TransportMeans`: the vessel, aircraft or vehicle carrying the goods across the border.

use serde::{Deserialize, Serialize};

use crate::codes::{CountryCode, ImoNumber};
use crate::consignment::Text;

/// The active means of transport crossing the border.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransportMeans {
    /// The vessel's, aircraft's or vehicle's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// The vessel's IMO number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imo: Option<ImoNumber>,
    /// The conveyance reference: voyage number, flight number (`KE0907`) or trip number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conveyance_reference: Option<Text>,
    /// A road vehicle's registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_registration: Option<Text>,
    /// The nationality (flag) of the means of transport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<CountryCode>,
}
