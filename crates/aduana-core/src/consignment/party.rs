//! `Party`: a person or organisation involved in a consignment, with its role.

use serde::{Deserialize, Serialize};

use crate::codes::CountryCode;
use crate::consignment::Text;

/// A person or organisation involved in a consignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// What the party does in this consignment.
    pub role: PartyRole,
    /// The name as declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// The address as declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Identifiers such as EORI, TIN, DUNS or a national trader number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<PartyIdentifier>,
    /// Telephone and e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// The role a party plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PartyRole {
    /// Ships the goods (shipper).
    Consignor,
    /// Receives the goods.
    Consignee,
    /// To be told when the goods arrive.
    NotifyParty,
    /// Operates the means of transport.
    Carrier,
    /// Lodges the declaration (broker, agent).
    Declarant,
    /// Imports the goods (importer of record).
    Importer,
    /// Exports the goods.
    Exporter,
    /// Sells the goods (overseas supplier).
    Seller,
    /// Buys the goods.
    Buyer,
    /// Arranges the transport (forwarder, consolidator).
    FreightForwarder,
    /// Acts for another party before customs.
    Representative,
    /// Carries express or postal consignments.
    Courier,
    /// Manufactures the goods.
    Manufacturer,
    /// Any other role.
    Other,
}

impl PartyRole {
    /// Returns the role's snake_case name, as used in JSON and field paths.
    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::Consignor => "consignor",
            PartyRole::Consignee => "consignee",
            PartyRole::NotifyParty => "notify_party",
            PartyRole::Carrier => "carrier",
            PartyRole::Declarant => "declarant",
            PartyRole::Importer => "importer",
            PartyRole::Exporter => "exporter",
            PartyRole::Seller => "seller",
            PartyRole::Buyer => "buyer",
            PartyRole::FreightForwarder => "freight_forwarder",
            PartyRole::Representative => "representative",
            PartyRole::Courier => "courier",
            PartyRole::Manufacturer => "manufacturer",
            PartyRole::Other => "other",
        }
    }
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number, possibly several lines joined with `, `.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<Text>,
    /// City or town.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<Text>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<Text>,
    /// State, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<Text>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
}

impl Address {
    /// Returns whether the address says anything beyond the country (a street or a city).
    pub fn has_street_or_city(&self) -> bool {
        self.street.as_deref().is_some_and(|s| !s.trim().is_empty())
            || self.city.as_deref().is_some_and(|s| !s.trim().is_empty())
    }
}

/// An identifier of a party under some scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyIdentifier {
    /// The scheme: `eori`, `tin`, `duns`, `scac`, `iata`, or a national scheme name.
    pub scheme: Text,
    /// The identifier as issued.
    pub value: Text,
}

/// How to reach a party.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Telephone number as declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Text>,
    /// E-mail address as declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Text>,
}

impl Party {
    /// Returns a party with a role and a name and nothing else.
    pub fn named(role: PartyRole, name: impl Into<Text>) -> Party {
        Party { role, name: Some(name.into()), address: None, identifiers: Vec::new(), contact: None }
    }

    /// Returns the party's country: its address's country.
    pub fn country(&self) -> Option<&CountryCode> {
        self.address.as_ref().and_then(|a| a.country.as_ref())
    }

    /// Returns the first identifier under a scheme.
    pub fn identifier(&self, scheme: &str) -> Option<&str> {
        self.identifiers.iter().find(|i| i.scheme == scheme).map(|i| i.value.as_str())
    }
}
