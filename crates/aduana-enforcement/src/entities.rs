//! The things cases and consignments are linked through: persons, companies, addresses, phones, containers,
//! vehicles, vessels, flights and identity documents. Each gets a normalised key (so "Jan  de Vries" and
//! "JAN DE VRIES" are one person, "+31 6-1234 5678" and "0031612345678" one phone), which the store indexes for
//! link analysis; `case_entities` and `consignment_entities` say which entities a record mentions.

use aduana_core::Consignment;
use serde::{Deserialize, Serialize};

use crate::case::Case;

/// The kinds of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A natural person.
    Person,
    /// A company (or a consignment party, which may be either).
    Company,
    /// A postal address.
    Address,
    /// A phone number.
    Phone,
    /// A container (ISO 6346 number or declared equipment id).
    Container,
    /// A road vehicle, by plate.
    Vehicle,
    /// A vessel, by IMO number.
    Vessel,
    /// A flight or voyage number.
    Flight,
    /// An identity document, by kind and number.
    Document,
}

impl EntityKind {
    /// Every kind.
    pub const ALL: &'static [EntityKind] = &[
        EntityKind::Person,
        EntityKind::Company,
        EntityKind::Address,
        EntityKind::Phone,
        EntityKind::Container,
        EntityKind::Vehicle,
        EntityKind::Vessel,
        EntityKind::Flight,
        EntityKind::Document,
    ];

    /// Returns the stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Company => "company",
            EntityKind::Address => "address",
            EntityKind::Phone => "phone",
            EntityKind::Container => "container",
            EntityKind::Vehicle => "vehicle",
            EntityKind::Vessel => "vessel",
            EntityKind::Flight => "flight",
            EntityKind::Document => "document",
        }
    }

    /// Parses a stable name.
    ///
    /// # Errors
    /// The accepted names when the input is none of them.
    pub fn parse(input: &str) -> Result<EntityKind, String> {
        EntityKind::ALL.iter().copied().find(|k| k.as_str() == input).ok_or_else(|| {
            let names: Vec<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("expected an entity kind ({}), found `{input}`", names.join(", "))
        })
    }

    /// Returns the normalised key of a value of this kind, or `None` when nothing identifying is left.
    pub fn key(self, value: &str) -> Option<String> {
        let key = match self {
            EntityKind::Phone => {
                let digits: String = value.chars().filter(char::is_ascii_digit).collect();
                // International prefix written as 00 or +: the same number.
                digits.strip_prefix("00").map_or(digits.clone(), str::to_owned)
            }
            EntityKind::Container | EntityKind::Vehicle | EntityKind::Vessel | EntityKind::Flight => {
                value.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
            }
            EntityKind::Person | EntityKind::Company | EntityKind::Address | EntityKind::Document => {
                words(value).join(" ")
            }
        };
        (!key.is_empty()).then_some(key)
    }
}

/// One entity a record mentions: its kind, normalised key, and a label as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    /// The kind.
    pub kind: EntityKind,
    /// The normalised key.
    pub key: String,
    /// The value as first written.
    pub label: String,
}

impl EntityRef {
    /// Returns the reference for a value, or `None` when it normalises to nothing.
    pub fn new(kind: EntityKind, value: &str) -> Option<EntityRef> {
        let key = kind.key(value)?;
        Some(EntityRef { kind, key, label: value.trim().to_owned() })
    }
}

/// Returns the lower-case alphanumeric words of a text (the tokens of names and of full-text search).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn push(out: &mut Vec<EntityRef>, kind: EntityKind, value: &str) {
    if let Some(entity) = EntityRef::new(kind, value) {
        if !out.iter().any(|e| e.kind == entity.kind && e.key == entity.key) {
            out.push(entity);
        }
    }
}

/// Returns every entity a case mentions, without repeats.
pub fn case_entities(case: &Case) -> Vec<EntityRef> {
    let mut out = Vec::new();
    for person in &case.persons {
        push(&mut out, EntityKind::Person, &person.name);
        for address in &person.addresses {
            push(&mut out, EntityKind::Address, address);
        }
        for phone in &person.phones {
            push(&mut out, EntityKind::Phone, phone);
        }
        for document in &person.documents {
            push(&mut out, EntityKind::Document, &format!("{} {}", document.kind, document.number));
        }
    }
    for company in &case.companies {
        push(&mut out, EntityKind::Company, &company.name);
        for address in &company.addresses {
            push(&mut out, EntityKind::Address, address);
        }
        for phone in &company.phones {
            push(&mut out, EntityKind::Phone, phone);
        }
    }
    let conveyance = &case.conveyance;
    for container in &conveyance.containers {
        push(&mut out, EntityKind::Container, container.as_str());
    }
    if let Some(imo) = &conveyance.vessel_imo {
        push(&mut out, EntityKind::Vessel, imo.as_str());
    }
    if let Some(flight) = &conveyance.flight {
        push(&mut out, EntityKind::Flight, flight);
    }
    if let Some(plate) = &conveyance.vehicle_plate {
        push(&mut out, EntityKind::Vehicle, plate);
    }
    out
}

/// Returns every entity a consignment mentions: its parties (as companies, with their addresses and phones), its
/// containers and its conveyance.
pub fn consignment_entities(consignment: &Consignment) -> Vec<EntityRef> {
    let mut out = Vec::new();
    for party in &consignment.parties {
        if let Some(name) = &party.name {
            push(&mut out, EntityKind::Company, name);
        }
        if let Some(address) = &party.address {
            let line: Vec<&str> =
                [&address.street, &address.postcode, &address.city].into_iter().filter_map(|p| p.as_deref()).collect();
            if address.street.is_some() {
                push(&mut out, EntityKind::Address, &line.join(", "));
            }
        }
        if let Some(phone) = party.contact.as_ref().and_then(|c| c.phone.as_deref()) {
            push(&mut out, EntityKind::Phone, phone);
        }
    }
    for equipment in &consignment.equipment {
        push(&mut out, EntityKind::Container, &equipment.id);
    }
    if let Some(transport) = &consignment.transport {
        if let Some(imo) = &transport.imo {
            push(&mut out, EntityKind::Vessel, imo.as_str());
        }
        if let Some(plate) = &transport.vehicle_registration {
            push(&mut out, EntityKind::Vehicle, plate);
        }
        if let Some(reference) = &transport.conveyance_reference {
            push(&mut out, EntityKind::Flight, reference);
        }
    }
    out
}

/// Returns the text a case is found by in full-text search: everything a person would type to find it (commodity,
/// office, place, names, documents, conveyance, route, details and narrative), as lower-case words.
pub fn search_text(case: &Case) -> String {
    let mut parts: Vec<String> = vec![
        case.commodity.clone(),
        case.commodity_area.as_str().to_owned(),
        case.commodity_area.label().to_owned(),
        case.detection_method.as_str().to_owned(),
        case.concealment.as_str().to_owned(),
        case.office.clone(),
        case.concealment_details.clone(),
        case.narrative.clone(),
    ];
    parts.extend(case.locode.as_ref().map(|l| l.as_str().to_owned()));
    parts.extend(case.hs_code.as_ref().map(|h| h.as_str().to_owned()));
    parts.extend(case.route.countries().into_iter().map(|c| c.as_str().to_owned()));
    parts.extend(case.conveyance.vessel_name.clone());
    parts.extend(case_entities(case).into_iter().flat_map(|e| [e.label, e.key]));
    words(&parts.join(" ")).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::sample;

    #[test]
    fn keys_normalise_the_ways_people_write_the_same_thing() {
        assert_eq!(EntityKind::Phone.key("+31 6-1234 5678"), EntityKind::Phone.key("0031612345678"));
        assert_eq!(EntityKind::Person.key("Jan  de VRIES"), Some("jan de vries".to_owned()));
        assert_eq!(EntityKind::Vehicle.key("ab-12 cd"), Some("AB12CD".to_owned()));
        assert_eq!(EntityKind::Person.key(" -- "), None);
    }

    #[test]
    fn a_case_mentions_its_persons_companies_contacts_and_conveyance() {
        let entities = case_entities(&sample());
        let kinds: Vec<(&str, &str)> = entities.iter().map(|e| (e.kind.as_str(), e.key.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("person", "jan de vries"),
                ("address", "kade 1 rotterdam"),
                ("phone", "31612345678"),
                ("document", "passport nx12345"),
                ("company", "tropical fruit bv"),
                ("container", "CSQU3054383"),
                ("vessel", "9074729"),
            ]
        );
    }

    #[test]
    fn the_search_text_holds_names_and_commodity() {
        let text = search_text(&sample());
        for word in ["cocaine", "jan", "vries", "tropical", "csqu3054383", "banana", "nlrtm", "ec"] {
            assert!(text.split(' ').any(|w| w == word), "{word} missing from {text}");
        }
    }
}
