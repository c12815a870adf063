//! The closed vocabularies a case is classified by: commodity areas (the list, after the WCO CEN
//! commodity groups), detection methods, concealment methods and quantity units. Each is an enum with a stable
//! snake_case name (`as_str`, `parse`, serde), so the store can index it and the CEN export can carry it.

use std::fmt;

/// Declares a taxonomy enum with its stable names and a one-line label for people.
macro_rules! taxonomy {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[allow(missing_docs, reason = "each variant is named by its label in `label`")]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            /// Every value, in the order documentation lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Returns the stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// Returns a short label for people.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                }
            }

            /// Parses a stable name (case-insensitive; `-` and spaces read as `_`).
            ///
            /// # Errors
            /// A [`TaxonomyError`] naming the accepted values.
            pub fn parse(input: &str) -> Result<$name, TaxonomyError> {
                let wanted = input.trim().to_ascii_lowercase().replace(['-', ' '], "_");
                $name::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| TaxonomyError {
                    what: $what,
                    found: input.chars().take(64).collect(),
                    expected: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = TaxonomyError;
            fn from_str(s: &str) -> Result<$name, TaxonomyError> {
                $name::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A value outside a taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a {what} ({expected}), found `{found}`")]
pub struct TaxonomyError {
    /// Which taxonomy.
    pub what: &'static str,
    /// The input (at most 64 characters).
    pub found: String,
    /// The accepted names, comma-separated.
    pub expected: String,
}

taxonomy!(
    /// What was seized: the commodity areas of the WCO Customs Enforcement Network.
    CommodityArea, "commodity area" {
        Drugs = "drugs", "Drugs";
        Tobacco = "tobacco", "Tobacco";
        Alcohol = "alcohol", "Alcohol";
        Ipr = "ipr", "IPR / counterfeits";
        Weapons = "weapons", "Weapons and explosives";
        Cites = "cites", "CITES / wildlife";
        CulturalGoods = "cultural_goods", "Cultural goods";
        Currency = "currency", "Currency";
        Precursors = "precursors", "Precursor chemicals";
        StrategicGoods = "strategic_goods", "Strategic goods / WMD-related";
        Environment = "environment", "Environment (waste, ozone-depleting substances)";
        Revenue = "revenue", "Revenue / commercial fraud";
        Other = "other", "Other";
    }
);

taxonomy!(
    /// How the goods were found.
    DetectionMethod, "detection method" {
        RiskProfile = "risk_profile", "Risk profile";
        Random = "random", "Random selection";
        XRay = "x_ray", "X-ray / scanner";
        Dog = "dog", "Detector dog";
        Intelligence = "intelligence", "Intelligence";
        PhysicalExamination = "physical_examination", "Physical examination";
        DocumentCheck = "document_check", "Document check";
        Behaviour = "behaviour", "Behavioural assessment";
        TipOff = "tip_off", "Tip-off";
        Other = "other", "Other";
    }
);

taxonomy!(
    /// Where and how the goods were hidden (the free-text details are in the case).
    Concealment, "concealment method" {
        None = "none", "Not concealed";
        MixedWithCargo = "mixed_with_cargo", "Mixed with legitimate cargo";
        ContainerStructure = "container_structure", "Container structure (walls, floor, reefer unit)";
        FalseCompartment = "false_compartment", "False compartment";
        VehicleStructure = "vehicle_structure", "Vehicle structure";
        Baggage = "baggage", "Baggage";
        OnBody = "on_body", "On the body / clothing";
        InBody = "in_body", "Inside the body (swallowed, inserted)";
        PostalItem = "postal_item", "Postal or express item";
        Machinery = "machinery", "Inside machinery or goods";
        FoodProducts = "food_products", "In food products";
        Misdeclaration = "misdeclaration", "Misdeclared goods";
        Other = "other", "Other";
    }
);

taxonomy!(
    /// The unit of a seized quantity.
    Unit, "quantity unit" {
        Kilograms = "kg", "kilograms";
        Grams = "g", "grams";
        Litres = "l", "litres";
        Pieces = "pieces", "pieces";
        Sticks = "sticks", "cigarette sticks";
        Tablets = "tablets", "tablets";
        Specimens = "specimens", "specimens (wildlife)";
        Eur = "eur", "euros (value)";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_value() {
        for area in CommodityArea::ALL {
            assert_eq!(CommodityArea::parse(area.as_str()), Ok(*area), "{area}");
        }
        for method in DetectionMethod::ALL {
            assert_eq!(DetectionMethod::parse(method.as_str()), Ok(*method), "{method}");
        }
        for concealment in Concealment::ALL {
            assert_eq!(Concealment::parse(concealment.as_str()), Ok(*concealment), "{concealment}");
        }
        for unit in Unit::ALL {
            assert_eq!(Unit::parse(unit.as_str()), Ok(*unit), "{unit}");
        }
    }

    #[test]
    fn names_are_read_leniently_and_unknown_ones_list_the_accepted_values() {
        assert_eq!(DetectionMethod::parse(" X-Ray "), Ok(DetectionMethod::XRay));
        let error = CommodityArea::parse("diamonds").expect_err("not an area");
        assert!(error.to_string().starts_with("expected a commodity area (drugs, tobacco,"), "{error}");
        assert!(error.to_string().ends_with("found `diamonds`"), "{error}");
    }
}
