//! The fields a profile can test, by name, and the kind of value each one holds.

use aduana_core::PartyRole;

/// A consignment field a profile can test. Goods fields (`goods.*`) are tested per goods item: a profile matches
/// when its whole condition holds for one item (so `goods.hs_code` and `goods.origin` in one profile name the same
/// item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `reference`
    Reference,
    /// `direction`: import, export, transit.
    Direction,
    /// `mode`: the mode of transport (sea, air, road…).
    Mode,
    /// `customs_office`
    CustomsOffice,
    /// `goods.hs_code`
    HsCode,
    /// `goods.origin`: the country of origin.
    Origin,
    /// `goods.description`
    Description,
    /// `goods.value`: the declared value's amount.
    Value,
    /// `goods.currency`
    Currency,
    /// `goods.net_mass`: kilograms.
    NetMass,
    /// `goods.gross_mass`: kilograms.
    GrossMass,
    /// `goods.value_per_kg`
    ValuePerKg,
    /// `goods.unit_price_ratio`: value per kilogram divided by the norm for the HS code (reference data).
    UnitPriceRatio,
    /// `goods.un_number`: the dangerous-goods UN number.
    UnNumber,
    /// `goods.duty_rate`: percent.
    DutyRate,
    /// `dispatch`: the country of dispatch.
    Dispatch,
    /// `destination`: the country of destination.
    Destination,
    /// `route`: every country on the itinerary (dispatch, places, routing countries, destination).
    Route,
    /// `loading`: the place of loading's LOCODE.
    Loading,
    /// `discharge`: the place of discharge's LOCODE.
    Discharge,
    /// `entry`: the first place of entry's LOCODE.
    Entry,
    /// `delivery`: the place of delivery's LOCODE.
    Delivery,
    /// `hours_to_arrival`: hours from `as_of` to the declared arrival.
    HoursToArrival,
    /// `<role>.id`: any identifier of a party with that role.
    PartyId(PartyRole),
    /// `<role>.country`
    PartyCountry(PartyRole),
    /// `<role>.name`
    PartyName(PartyRole),
    /// `<role>.days_since_last`: days since the party's previous consignment (history summary); infinite when it
    /// has none.
    PartyDaysSinceLast(PartyRole),
    /// `attributes.<name>`
    Attribute(String),
}

/// What kind of value a field holds, which decides the operators that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    /// Codes and words: `=`, `!=`, `in`, `not in`, `prefix`, `in list`, `exists`, `contains`, `matches`.
    Text,
    /// Numbers: `<`, `<=`, `>`, `>=`, `=`, `exists`.
    Number,
}

const ROLES: &[PartyRole] = &[
    PartyRole::Consignor,
    PartyRole::Consignee,
    PartyRole::NotifyParty,
    PartyRole::Carrier,
    PartyRole::Declarant,
    PartyRole::Importer,
    PartyRole::Exporter,
    PartyRole::Seller,
    PartyRole::Buyer,
    PartyRole::FreightForwarder,
    PartyRole::Representative,
    PartyRole::Courier,
    PartyRole::Manufacturer,
];

/// The names of every field other than party and attribute fields (those are `<role>.id`, `<role>.country`,
/// `<role>.name`, `<role>.days_since_last` and `attributes.<name>`).
pub const FIELD_NAMES: &[&str] = &[
    "reference",
    "direction",
    "mode",
    "customs_office",
    "goods.hs_code",
    "goods.origin",
    "goods.description",
    "goods.value",
    "goods.currency",
    "goods.net_mass",
    "goods.gross_mass",
    "goods.value_per_kg",
    "goods.unit_price_ratio",
    "goods.un_number",
    "goods.duty_rate",
    "dispatch",
    "destination",
    "route",
    "loading",
    "discharge",
    "entry",
    "delivery",
    "hours_to_arrival",
];

const PARTY_FIELDS: &[&str] = &["id", "country", "name", "days_since_last"];

impl Field {
    /// Parses a field name.
    pub fn parse(name: &str) -> Option<Field> {
        let simple = match name {
            "reference" => Field::Reference,
            "direction" => Field::Direction,
            "mode" => Field::Mode,
            "customs_office" => Field::CustomsOffice,
            "goods.hs_code" => Field::HsCode,
            "goods.origin" => Field::Origin,
            "goods.description" => Field::Description,
            "goods.value" => Field::Value,
            "goods.currency" => Field::Currency,
            "goods.net_mass" => Field::NetMass,
            "goods.gross_mass" => Field::GrossMass,
            "goods.value_per_kg" => Field::ValuePerKg,
            "goods.unit_price_ratio" => Field::UnitPriceRatio,
            "goods.un_number" => Field::UnNumber,
            "goods.duty_rate" => Field::DutyRate,
            "dispatch" => Field::Dispatch,
            "destination" => Field::Destination,
            "route" => Field::Route,
            "loading" => Field::Loading,
            "discharge" => Field::Discharge,
            "entry" => Field::Entry,
            "delivery" => Field::Delivery,
            "hours_to_arrival" => Field::HoursToArrival,
            _ => {
                if let Some(attribute) = name.strip_prefix("attributes.") {
                    return (!attribute.is_empty()).then(|| Field::Attribute(attribute.to_owned()));
                }
                let (role, part) = name.split_once('.')?;
                let role = *ROLES.iter().find(|r| r.as_str() == role)?;
                return match part {
                    "id" => Some(Field::PartyId(role)),
                    "country" => Some(Field::PartyCountry(role)),
                    "name" => Some(Field::PartyName(role)),
                    "days_since_last" => Some(Field::PartyDaysSinceLast(role)),
                    _ => None,
                };
            }
        };
        Some(simple)
    }

    /// Returns every field name, for suggestions.
    pub(crate) fn all_names() -> Vec<String> {
        let mut names: Vec<String> = FIELD_NAMES.iter().map(|s| (*s).to_owned()).collect();
        for role in ROLES {
            for part in PARTY_FIELDS {
                names.push(format!("{}.{part}", role.as_str()));
            }
        }
        names
    }

    pub(crate) fn kind(&self) -> FieldKind {
        match self {
            Field::Value
            | Field::NetMass
            | Field::GrossMass
            | Field::ValuePerKg
            | Field::UnitPriceRatio
            | Field::DutyRate
            | Field::HoursToArrival
            | Field::PartyDaysSinceLast(_) => FieldKind::Number,
            _ => FieldKind::Text,
        }
    }

    /// Returns whether the field is per goods item.
    pub(crate) fn is_goods(&self) -> bool {
        matches!(
            self,
            Field::HsCode
                | Field::Origin
                | Field::Description
                | Field::Value
                | Field::Currency
                | Field::NetMass
                | Field::GrossMass
                | Field::ValuePerKg
                | Field::UnitPriceRatio
                | Field::UnNumber
                | Field::DutyRate
        )
    }
}
