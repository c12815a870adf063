//! `GoodsItem`: one line of goods — what it is, how much, what it is worth, where it comes from.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::codes::{CountryCode, CurrencyCode, HsCode, UnNumber};
use crate::consignment::Text;

/// One goods item of a consignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsItem {
    /// The item's number within the document, from 1.
    pub sequence: u32,
    /// The commodity code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<HsCode>,
    /// The description of the goods as declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Packages: how many, of what kind, with which marks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Packages>,
    /// Gross mass in kilograms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub gross_mass_kg: Option<Decimal>,
    /// Net mass in kilograms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub net_mass_kg: Option<Decimal>,
    /// The declared value (customs value where the source says so, else the invoice value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    /// The duty that applies: rate and tariff type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duty: Option<Duty>,
    /// The UN dangerous-goods number, for dangerous goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub un_number: Option<UnNumber>,
    /// The country of origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_country: Option<CountryCode>,
    /// The ids of the equipment (containers) the item is packed in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equipment_ids: Vec<Text>,
}

/// The packages of a goods item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Packages {
    /// The number of packages (pieces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The kind of package, as a UN/ECE Recommendation 21 code (`CT` carton) or the source's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Text>,
    /// Shipping marks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marks: Option<Text>,
}

/// An amount of money in a currency. Amounts are decimals, never floating point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// The amount, as a decimal string in JSON (`"1234.50"`).
    #[schemars(with = "String")]
    pub amount: Decimal,
    /// The currency.
    pub currency: CurrencyCode,
}

/// The duty that applies to a goods item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Duty {
    /// The ad valorem rate in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub rate_percent: Option<Decimal>,
    /// The tariff type (basic rate, a preferential FTA rate…), in the source's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tariff_type: Option<Text>,
}

impl GoodsItem {
    /// Returns an empty goods item with its sequence number.
    pub fn new(sequence: u32) -> GoodsItem {
        GoodsItem {
            sequence,
            hs_code: None,
            description: None,
            packages: None,
            gross_mass_kg: None,
            net_mass_kg: None,
            value: None,
            duty: None,
            un_number: None,
            origin_country: None,
            equipment_ids: Vec::new(),
        }
    }

    /// Returns the value per kilogram of net mass (or gross mass when no net mass is declared), in the value's
    /// currency; `None` when either is missing or the mass is zero.
    pub fn value_per_kg(&self) -> Option<Decimal> {
        let value = self.value.as_ref()?.amount;
        let mass = self.net_mass_kg.or(self.gross_mass_kg).filter(|m| !m.is_zero())?;
        value.checked_div(mass)
    }
}
