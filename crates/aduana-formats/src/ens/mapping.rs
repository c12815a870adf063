//! Mapping of a structurally valid IE315 into one [`Consignment`]: the header (reference, mode at border, totals,
//! places of loading and unloading), the parties (consignor, consignee, notify party, carrier, person lodging,
//! representative; item-level consignors, consignees and notify parties when they differ), the itinerary
//! (countries of routing, first place of entry with its office and expected arrival), the means of transport
//! crossing the border, seals, and the goods items (commodity code, description, packages, gross mass, containers,
//! UN dangerous-goods code, documents). Codes that do not parse are warnings and are left out, never guessed.

use std::str::FromStr;

use aduana_core::{
    Address, Consignment, CountryCode, Decimal, Diagnostic, Direction, DocumentKind, DocumentReference, Equipment,
    EquipmentKind, GoodsItem, HsCode, Packages, Party, PartyIdentifier, PartyRole, Place, Reference, Text,
    TransportMeans, TransportMode, UnNumber,
};
use chrono::NaiveDateTime;

use crate::Limits;
use crate::xml::{ElementId, XmlDocument};

/// A party element and the names of its fields: name, street, postcode, city, country, TIN.
struct PartyShape {
    element: &'static str,
    role: PartyRole,
    fields: [&'static str; 6],
}

const HEADER_PARTIES: &[PartyShape] = &[
    PartyShape {
        element: "TRACONCO1",
        role: PartyRole::Consignor,
        fields: ["NamCO17", "StrAndNumCO122", "PosCodCO123", "CitCO124", "CouCO125", "TINCO159"],
    },
    PartyShape {
        element: "TRACONCE1",
        role: PartyRole::Consignee,
        fields: ["NamCE17", "StrAndNumCE122", "PosCodCE123", "CitCE124", "CouCE125", "TINCE159"],
    },
    PartyShape {
        element: "NOTPAR670",
        role: PartyRole::NotifyParty,
        fields: [
            "NamNOTPAR672",
            "StrNumNOTPAR673",
            "PosCodNOTPAR676",
            "CitNOTPAR674",
            "CouCodNOTPAR675",
            "TINNOTPAR671",
        ],
    },
    PartyShape {
        element: "TRACARENT601",
        role: PartyRole::Carrier,
        fields: [
            "NamTRACARENT604",
            "StrNumTRACARENT607",
            "PstCodTRACARENT606",
            "CtyTRACARENT603",
            "CouCodTRACARENT605",
            "TINTRACARENT602",
        ],
    },
    PartyShape {
        element: "PERLODSUMDEC",
        role: PartyRole::Declarant,
        fields: ["NamPLD1", "StrAndNumPLD1", "PosCodPLD1", "CitPLD1", "CouCodPLD1", "TINPLD1"],
    },
    PartyShape {
        element: "TRAREP",
        role: PartyRole::Representative,
        fields: ["NamTRE1", "StrAndNumTRE1", "PosCodTRE1", "CitTRE1", "CouCodTRE1", "TINTRE1"],
    },
];

const ITEM_PARTIES: &[PartyShape] = &[
    PartyShape {
        element: "TRACONCO2",
        role: PartyRole::Consignor,
        fields: ["NamCO27", "StrAndNumCO222", "PosCodCO223", "CitCO224", "CouCO225", "TINCO259"],
    },
    PartyShape {
        element: "TRACONCE2",
        role: PartyRole::Consignee,
        fields: ["NamCE27", "StrAndNumCE222", "PosCodCE223", "CitCE224", "CouCE225", "TINCE259"],
    },
    PartyShape {
        element: "PRTNOT640",
        role: PartyRole::NotifyParty,
        fields: [
            "NamPRTNOT642",
            "StrNumPRTNOT646",
            "PstCodPRTNOT644",
            "CtyPRTNOT643",
            "CouCodGINOT647",
            "TINPRTNOT641",
        ],
    },
];

/// Maps the document; `None` (with an error) when it has no usable reference.
pub(crate) fn map(doc: &XmlDocument, limits: &Limits, diagnostics: &mut Vec<Diagnostic>) -> Option<Consignment> {
    let root = doc.root();
    let header = doc.child(root, "HEAHEA")?;
    let reference_text = doc.text_at(header, &["RefNumHEA4"]).unwrap_or("");
    let reference = match Reference::parse(reference_text) {
        Ok(reference) => reference,
        Err(error) => {
            let at = doc.child(header, "RefNumHEA4").unwrap_or(header);
            diagnostics.push(Diagnostic::error(
                "ens_reference",
                format!("expected a reference: {error}"),
                doc.location(at),
            ));
            return None;
        }
    };
    let mut c = Consignment::new(reference, Direction::Import);
    c.document_kind = Some(DocumentKind::EntrySummary);
    c.mode_of_transport = doc.text_at(header, &["TraModAtBorHEA76"]).and_then(TransportMode::from_rec19);
    c.total_packages = doc.text_at(header, &["TotNumOfPacHEA306"]).and_then(|t| t.parse().ok());
    c.total_gross_mass_kg = doc.text_at(header, &["TotGroMasHEA307"]).and_then(|t| Decimal::from_str(t).ok());
    c.lodged_on = doc.text_at(header, &["DecDatTimHEA114"]).and_then(date_time).map(|d| d.date());
    for (key, path) in [
        ("ens.commercial_reference", "ComRefNumHEA"),
        ("ens.conveyance_reference", "ConRefNumHEA"),
        ("ens.specific_circumstance", "SpeCirIndHEA1"),
        ("ens.transport_charges_payment", "TraChaMetOfPayHEA1"),
        ("ens.declaration_place", "DecPlaHEA394"),
    ] {
        if let Some(value) = doc.text_at(header, &[path]) {
            c.attributes.insert(key.into(), value.into());
        }
    }
    if let Some(sender) = doc.text_at(root, &["MesSenMES3"]) {
        c.attributes.insert("ens.message_sender".into(), sender.into());
    }
    for shape in HEADER_PARTIES {
        if let Some(id) = doc.child(root, shape.element) {
            c.parties.push(party(doc, id, shape, diagnostics));
        }
    }
    c.itinerary.place_of_loading = doc.text_at(header, &["PlaLoaGOOITE334"]).map(named_place);
    c.itinerary.place_of_discharge = doc.text_at(header, &["PlaUnlGOOITE334"]).map(named_place);
    for iti in doc.children_named(root, "ITI") {
        if let Some(country) = country(doc, iti, "CouOfRouCodITI1", diagnostics) {
            c.itinerary.routing_countries.push(country);
        }
    }
    if let Some(entry) = doc.child(root, "CUSOFFFENT730") {
        let office = doc.text_at(entry, &["RefNumCUSOFFFENT731"]);
        c.customs_office = office.map(Text::from);
        c.itinerary.first_place_of_entry = office.map(|o| Place {
            name: Some(o.into()),
            country: CountryCode::parse(&o[..o.len().min(2)]).ok(),
            ..Place::default()
        });
        c.itinerary.arrival = doc.text_at(entry, &["ExpDatOfArrFIRENT733"]).and_then(date_time);
    }
    if let Some(office) = doc.text_at(root, &["CUSOFFLON", "RefNumCOL1"]) {
        c.attributes.insert("ens.office_of_lodgement".into(), office.into());
    }
    let border_id = doc.text_at(header, &["IdeOfMeaOfTraCroHEA85"]);
    let border_nationality = doc
        .child(header, "NatOfMeaOfTraCroHEA87")
        .and_then(|_| country(doc, header, "NatOfMeaOfTraCroHEA87", diagnostics));
    if border_id.is_some() || border_nationality.is_some() {
        c.transport = Some(TransportMeans {
            conveyance_reference: doc.text_at(header, &["ConRefNumHEA"]).map(Text::from),
            vehicle_registration: border_id.map(Text::from),
            nationality: border_nationality,
            ..TransportMeans::default()
        });
    }
    let seals: Vec<Text> = doc
        .children_named(root, "SEAID529")
        .filter_map(|s| doc.text_at(s, &["SeaIdSEAID530"]))
        .map(Text::from)
        .collect();
    for (index, item) in doc.children_named(root, "GOOITEGDS").enumerate() {
        if index >= limits.max_items as usize {
            diagnostics.push(Diagnostic::error(
                "too_many_items",
                format!("expected at most {} goods items", limits.max_items),
                doc.location(item),
            ));
            break;
        }
        let goods = goods_item(doc, item, index, &mut c, diagnostics);
        c.goods.push(goods);
    }
    if !seals.is_empty() {
        match c.equipment.first_mut() {
            Some(first) => first.seals.extend(seals),
            None => {
                c.attributes.insert("ens.seals".into(), seals.join(" ").into());
            }
        }
    }
    Some(c)
}

fn goods_item(
    doc: &XmlDocument,
    item: ElementId,
    index: usize,
    c: &mut Consignment,
    diagnostics: &mut Vec<Diagnostic>,
) -> GoodsItem {
    let sequence = doc.text_at(item, &["IteNumGDS7"]).and_then(|t| t.parse().ok()).unwrap_or(index as u32 + 1);
    let mut goods = GoodsItem::new(sequence);
    goods.description = doc.text_at(item, &["GooDesGDS23"]).map(Text::from);
    goods.gross_mass_kg = doc.text_at(item, &["GroMasGDS46"]).and_then(|t| Decimal::from_str(t).ok());
    if let Some(code) = doc.text_at(item, &["COMCODGODITM", "ComNomCMD1"]) {
        match HsCode::parse(code) {
            Ok(hs) => goods.hs_code = Some(hs),
            Err(error) => warn(
                doc,
                doc.child(item, "COMCODGODITM").unwrap_or(item),
                diagnostics,
                format!("commodity code left out: {error}"),
            ),
        }
    }
    if let Some(code) = doc.text_at(item, &["UNDanGooCodGDI1"]) {
        match UnNumber::parse(code) {
            Ok(un) => goods.un_number = Some(un),
            Err(error) => warn(doc, item, diagnostics, format!("UN dangerous-goods code left out: {error}")),
        }
    }
    let mut count = 0u32;
    let mut any_count = false;
    let mut kind = None;
    let mut marks = Vec::new();
    for pack in doc.children_named(item, "PACGS2") {
        for path in ["NumOfPacGS24", "NumOfPieGS25"] {
            if let Some(n) = doc.text_at(pack, &[path]).and_then(|t| t.parse::<u32>().ok()) {
                count = count.saturating_add(n);
                any_count = true;
            }
        }
        kind = kind.or_else(|| doc.text_at(pack, &["KinOfPacGS23"]).map(Text::from));
        marks.extend(doc.text_at(pack, &["MarNumOfPacGSL21"]).map(str::to_owned));
    }
    if any_count || kind.is_some() || !marks.is_empty() {
        goods.packages = Some(Packages {
            count: any_count.then_some(count),
            kind,
            marks: (!marks.is_empty()).then(|| marks.join("; ").into()),
        });
    }
    for container in doc.children_named(item, "CONNR2") {
        if let Some(id) = doc.text_at(container, &["ConNumNR21"]) {
            goods.equipment_ids.push(id.into());
            if !c.equipment.iter().any(|e| e.id == id) {
                c.equipment.push(Equipment {
                    id: id.into(),
                    kind: EquipmentKind::Container,
                    size_type: None,
                    seals: Vec::new(),
                    full: None,
                });
            }
        }
    }
    for document in doc.children_named(item, "PRODOCDC2") {
        if let (Some(kind), Some(reference)) =
            (doc.text_at(document, &["DocTypDC21"]), doc.text_at(document, &["DocRefDC23"]))
        {
            c.documents.push(DocumentReference { kind: kind.into(), reference: reference.into() });
        }
    }
    for shape in ITEM_PARTIES {
        for id in doc.children_named(item, shape.element) {
            let p = party(doc, id, shape, diagnostics);
            if !c.parties.contains(&p) {
                c.parties.push(p);
            }
        }
    }
    if let Some(place) = doc.text_at(item, &["PlaLoaGOOITE333"]) {
        c.itinerary.place_of_loading.get_or_insert_with(|| named_place(place));
    }
    if let Some(place) = doc.text_at(item, &["PlaUnlGOOITE333"]) {
        c.itinerary.place_of_discharge.get_or_insert_with(|| named_place(place));
    }
    goods
}

fn party(doc: &XmlDocument, id: ElementId, shape: &PartyShape, diagnostics: &mut Vec<Diagnostic>) -> Party {
    let [name, street, postcode, city, country_field, tin] = shape.fields;
    let text = |field: &str| doc.text_at(id, &[field]).map(Text::from);
    let address = Address {
        street: text(street),
        city: text(city),
        postcode: text(postcode),
        subdivision: None,
        country: doc.child(id, country_field).and_then(|_| country(doc, id, country_field, diagnostics)),
    };
    let has_address =
        address.street.is_some() || address.city.is_some() || address.postcode.is_some() || address.country.is_some();
    Party {
        role: shape.role,
        name: text(name),
        address: has_address.then_some(address),
        identifiers: text(tin).map(|value| vec![PartyIdentifier { scheme: "tin".into(), value }]).unwrap_or_default(),
        contact: None,
    }
}

fn country(
    doc: &XmlDocument,
    parent: ElementId,
    field: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<CountryCode> {
    let code = doc.text_at(parent, &[field])?;
    match CountryCode::parse(code) {
        Ok(country) => Some(country),
        Err(error) => {
            warn(doc, doc.child(parent, field).unwrap_or(parent), diagnostics, format!("country left out: {error}"));
            None
        }
    }
}

fn named_place(name: &str) -> Place {
    Place { name: Some(name.into()), ..Place::default() }
}

fn warn(doc: &XmlDocument, id: ElementId, diagnostics: &mut Vec<Diagnostic>, message: String) {
    diagnostics.push(Diagnostic::warning("ens_code", message, doc.location(id)));
}

/// Reads `YYYYMMDDHHMM`.
fn date_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M").ok()
}
