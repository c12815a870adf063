//! CUSCAR (customs cargo report) to [`Consignment`]: one consignment per consignment group (CNI). What the message
//! says before the first CNI — the document, conveyance (TDT), route (LOC), parties (NAD) and equipment (EQD) — is
//! shared by every consignment in it. Segments are read by tag and qualifier rather than by a strict segment table,
//! because customs administrations' implementation guides reorder and extend the UN message (the CBP ACE truck
//! manifest does). Unknown qualifiers are kept as attributes or documents and reported as warnings.

use aduana_core::{
    Address, ContainerNumber, CountryCode, CurrencyCode, Decimal, Diagnostic, DocumentKind, DocumentReference,
    Equipment, EquipmentKind, GoodsItem, HsCode, ImoNumber, LoCode, Location, Money, Packages, Party, PartyIdentifier,
    PartyRole, Place, Reference, TransportMeans, TransportMode, UnNumber,
};
use aduana_core::{Consignment, Contact, Direction, Text};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::interchange::Message;
use super::segment::{Segment, trim};
use crate::{Limits, Sink};

/// What a part of the message (the header, or one consignment group) has gathered.
struct Part {
    consignment: Consignment,
    /// Candidate transport document references: (priority, value, kind, where).
    references: Vec<(u8, Text, Option<DocumentKind>, Spot)>,
    transport_stage: Option<String>,
    /// The CNI segment that opened the group.
    location: Option<Spot>,
}

/// A place in the message that a diagnostic may point at later: kept as indices and turned into a [`Location`]
/// only when a diagnostic is raised, because most messages raise none.
#[derive(Debug, Clone, Copy)]
struct Spot {
    /// The 0-based index of the segment in the message buffer.
    segment: usize,
    /// Data element, component and directory tag, where the spot is inside the segment.
    element: Option<(u32, u32, &'static str)>,
}

impl Part {
    fn new() -> Part {
        let placeholder = Reference::parse("-").expect("a one-character reference is valid");
        Part {
            consignment: Consignment::new(placeholder, Direction::Import),
            references: Vec::new(),
            transport_stage: None,
            location: None,
        }
    }
}

/// Where the mapper is in the message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Plain,
    /// After EQD: SEL, MEA and LOC describe the equipment.
    Equipment,
    /// After GID: PAC, FTX, MEA, PCI, DGS, SGP, MOA, CST and LOC describe the goods item.
    Goods,
}

struct Mapper<'m, 's> {
    message: &'m Message<'m>,
    sink: &'s mut dyn Sink,
    limits: &'m Limits,
    header: Part,
    groups: Vec<Part>,
    context: Context,
    seen_bgm: bool,
    too_many: bool,
}

/// Maps one CUSCAR message, pushing consignments into `out` and diagnostics into `sink`.
pub(crate) fn map(message: &Message<'_>, limits: &Limits, sink: &mut dyn Sink, out: &mut Vec<Consignment>) {
    let mut mapper = Mapper {
        message,
        sink,
        limits,
        header: Part::new(),
        groups: Vec::new(),
        context: Context::Plain,
        seen_bgm: false,
        too_many: false,
    };
    for segment in message.buf.segments() {
        mapper.segment(&segment);
    }
    mapper.finish(out);
}

fn text_of(segment: &Segment<'_>, element: usize, message: &Message<'_>) -> Option<Text> {
    joined_text(segment, element..=element, message)
}

/// Returns the non-blank components of a run of data elements, trimmed and joined with single spaces; `None`
/// when all are blank. One pass: a single component (the usual case) is copied once, and short text stays inline.
fn joined_text(
    segment: &Segment<'_>,
    elements: std::ops::RangeInclusive<usize>,
    message: &Message<'_>,
) -> Option<Text> {
    let mut joined: Option<Text> = None;
    for element in elements {
        for component in 1..=segment.component_count(element) {
            let Some(text) = segment.text(element, component, message.charset) else { continue };
            let text = trim(&text);
            match joined.as_mut() {
                None => joined = Some(Text::from(text)),
                Some(joined) => {
                    joined.push(' ');
                    joined.push_str(text);
                }
            }
        }
    }
    joined
}

/// Returns an attribute key: the parts lower-cased and joined with `_`, built in one allocation.
fn key(parts: &[&str]) -> Text {
    let mut key = Text::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            key.push('_');
        }
        if part.is_ascii() {
            key.extend(part.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            key.push_str(&part.to_lowercase());
        }
    }
    key
}

/// Returns the code list and agency of a coded element joined with `/`, skipping empty ones (`139/6`).
fn scheme(list: &str, agency: &str) -> Text {
    match (list.is_empty(), agency.is_empty()) {
        (true, true) => Text::default(),
        (false, true) => Text::from(list),
        (true, false) => Text::from(agency),
        (false, false) => concat(&[list, "/", agency]),
    }
}

/// Concatenates string slices in one allocation, where `format!` would run the formatting machinery.
fn concat(parts: &[&str]) -> Text {
    let mut out = Text::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

fn decimal(raw: &str) -> Option<Decimal> {
    let raw = raw.trim();
    if raw.contains(',') { raw.replace(',', ".").parse().ok() } else { raw.parse().ok() }
}

impl Mapper<'_, '_> {
    fn part(&mut self) -> &mut Part {
        self.groups.last_mut().unwrap_or(&mut self.header)
    }

    fn at(&self, segment: &Segment<'_>, element: u32, component: u32, data_element: &str) -> Location {
        self.message.at(segment, Some(element), Some(component), Some(data_element))
    }

    /// Returns the location of a spot remembered earlier in the message.
    fn locate(&self, spot: Spot) -> Location {
        let segment = self.message.buf.segment(spot.segment);
        match spot.element {
            Some((element, component, data_element)) => self.at(&segment, element, component, data_element),
            None => self.message.at(&segment, None, None, None),
        }
    }

    fn warn(&mut self, code: &str, text: String, location: Location) {
        self.sink.diagnostic(Diagnostic::warning(code, text, location));
    }

    fn error(&mut self, code: &str, text: String, location: Location) {
        self.sink.diagnostic(Diagnostic::error(code, text, location));
    }

    fn text(&self, segment: &Segment<'_>, element: usize, component: usize) -> Option<Text> {
        segment.trimmed(element, component, self.message.charset)
    }

    fn unknown_qualifier(&mut self, segment: &Segment<'_>, data_element: &str, qualifier: &str, kept: &str) {
        let tag = segment.tag_str();
        let parts = ["qualifier `", qualifier, "` of ", &tag, " is not one Aduana maps; ", kept];
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        parts.iter().for_each(|part| text.push_str(part));
        let location = self.at(segment, 1, 1, data_element);
        self.warn("unknown_qualifier", text, location);
    }

    fn attribute(&mut self, key: Text, value: Text) {
        let attributes = &mut self.part().consignment.attributes;
        attributes
            .entry(key)
            .and_modify(|v| {
                v.push_str("; ");
                v.push_str(&value);
            })
            .or_insert(value);
    }

    fn segment(&mut self, segment: &Segment<'_>) {
        let tag = segment.tag();
        match tag {
            b"UNH" | b"UNT" => {}
            b"BGM" => self.bgm(segment),
            b"DTM" => self.dtm(segment),
            b"LOC" => self.loc(segment),
            b"NAD" => {
                self.context = Context::Plain;
                self.nad(segment);
            }
            b"CTA" | b"COM" => self.contact(segment),
            b"RFF" => self.rff(segment),
            b"TDT" => {
                self.context = Context::Plain;
                self.tdt(segment);
            }
            b"EQD" => self.eqd(segment),
            b"SEL" => self.sel(segment),
            b"CNI" => self.cni(segment),
            b"DOC" => self.doc(segment),
            b"CNT" => self.cnt(segment),
            b"GID" => self.gid(segment),
            b"PAC" => self.pac(segment),
            b"FTX" => self.ftx(segment),
            b"MEA" => self.mea(segment),
            b"PCI" => self.pci(segment),
            b"DGS" => self.dgs(segment),
            b"SGP" => self.sgp(segment),
            b"MOA" => self.moa(segment),
            b"CST" => self.cst(segment),
            b"QTY" | b"GEI" | b"TSR" | b"HAN" | b"TMD" => {
                let key = key(&[&segment.tag_str(), segment.code(1, 1)]);
                let value = joined_text(segment, 2..=segment.element_count().max(2), self.message)
                    .unwrap_or_else(|| Text::from(segment.code(1, 1)));
                self.attribute(key, value);
            }
            _ => {
                let text =
                    format!("segment {} is not part of the CUSCAR mapping; its content is not used", segment.tag_str());
                let location = self.message.at(segment, None, None, None);
                self.warn("unmapped_segment", text, location);
            }
        }
    }

    fn bgm(&mut self, segment: &Segment<'_>) {
        self.seen_bgm = true;
        if let Some(code) = self.text(segment, 1, 1) {
            self.header.consignment.attributes.insert("message_document_code".into(), code);
        }
        match self.text(segment, 2, 1) {
            Some(number) => {
                self.header.consignment.attributes.insert("message_number".into(), number);
            }
            None => {
                let location = self.at(segment, 2, 1, "1004");
                self.error(
                    "missing_element",
                    "expected the document number of the cargo report, found nothing".into(),
                    location,
                );
            }
        }
        if let Some(function) = self.text(segment, 3, 1) {
            self.header.consignment.attributes.insert("message_function".into(), function);
        }
    }

    fn dtm(&mut self, segment: &Segment<'_>) {
        let qualifier = segment.code(1, 1);
        let raw = segment.code(1, 2);
        let format = segment.code(1, 3);
        if raw.is_empty() {
            return;
        }
        let Some(parsed) = parse_datetime(raw, format) else {
            let known = matches!(format, "" | "101" | "102" | "201" | "203" | "204" | "205");
            let location = self.at(segment, 1, if known { 2 } else { 3 }, if known { "2380" } else { "2379" });
            if known {
                let text = format!(
                    "expected a date/time in format {} , found `{raw}`",
                    if format.is_empty() { "102 or 203" } else { format }
                );
                self.error("invalid_date", text, location);
            } else {
                let text = format!("date/time format `{format}` is not one Aduana reads; kept as text");
                self.warn("unknown_qualifier", text, location);
                self.attribute(concat(&["dtm_", qualifier]), Text::from(raw));
            }
            return;
        };
        let part = self.part();
        match qualifier {
            "132" | "232" | "178" | "17" | "2" => part.consignment.itinerary.arrival = Some(parsed),
            "133" | "189" | "186" | "136" | "5" => part.consignment.itinerary.departure = Some(parsed),
            "137" | "9" => part.consignment.lodged_on = Some(parsed.date()),
            "95" | "3" | "11" | "35" | "329" | "7" => {
                self.attribute(concat(&["dtm_", qualifier]), Text::from(parsed.to_string()));
            }
            _ => {
                self.unknown_qualifier(segment, "2005", qualifier, "kept as an attribute");
                self.attribute(concat(&["dtm_", qualifier]), Text::from(parsed.to_string()));
            }
        }
    }

    fn place(&mut self, segment: &Segment<'_>, role: &str) -> Option<Place> {
        let code = segment.code(2, 1);
        let list = segment.code(2, 2);
        let agency = segment.code(2, 3);
        let name = self.text(segment, 2, 4);
        if code.is_empty() {
            return name.map(|name| Place { name: Some(name), ..Place::default() });
        }
        let declared_locode = list == "139" || agency == "6";
        if declared_locode || (list.is_empty() && agency.is_empty() && code.len() == 5) {
            match LoCode::parse(code) {
                Ok(locode) => return Some(Place { name, ..Place::locode(locode) }),
                Err(error) if declared_locode => {
                    let location = self.at(segment, 2, 1, "3225");
                    self.error("invalid_locode", format!("{error}"), location);
                    return None;
                }
                Err(_) => {}
            }
        }
        let scheme = scheme(list, agency);
        let value = if scheme.is_empty() { Text::from(code) } else { concat(&[code, " (code list ", &scheme, ")"]) };
        self.attribute(concat(&[role, "_code"]), value);
        Some(Place { name: Some(name.unwrap_or_else(|| Text::from(code))), ..Place::default() })
    }

    fn country(
        &mut self,
        segment: &Segment<'_>,
        element: usize,
        component: usize,
        data_element: &str,
    ) -> Option<CountryCode> {
        let code = segment.code(element, component);
        if code.is_empty() {
            return None;
        }
        match CountryCode::parse(code) {
            Ok(country) => Some(country),
            Err(error) => {
                let location = self.at(segment, element as u32, component as u32, data_element);
                self.error("invalid_country_code", format!("{error}"), location);
                None
            }
        }
    }

    fn loc(&mut self, segment: &Segment<'_>) {
        let qualifier = segment.code(1, 1);
        if self.context == Context::Goods && qualifier == "27" {
            let country = self.country(segment, 2, 1, "3225");
            if let Some(item) = self.part().consignment.goods.last_mut() {
                item.origin_country = country;
            }
            return;
        }
        if self.context == Context::Equipment
            && !matches!(qualifier, "9" | "11" | "12" | "60" | "24" | "7" | "8" | "88")
        {
            let value = Text::from(segment.code(2, 1));
            let equipment = &self.part().consignment.equipment;
            let key = concat(&["equipment_", equipment.last().map_or("", |e| &e.id), "_loc_", qualifier]);
            self.attribute(key, value);
            return;
        }
        let role = match qualifier {
            "9" | "76" | "5" | "178" => "place_of_loading",
            "11" | "12" => "place_of_discharge",
            "24" | "60" => "first_place_of_entry",
            "7" | "8" | "20" => "place_of_delivery",
            "88" | "84" | "176" => "place_of_acceptance",
            "13" | "92" | "94" | "30" => "routing",
            "22" | "42" => "customs_office",
            "28" | "35" => "country",
            "89" | "91" | "147" => "other",
            _ => {
                self.unknown_qualifier(segment, "3227", qualifier, "kept as an attribute");
                "other"
            }
        };
        match role {
            "country" => {
                let country = self.country(segment, 2, 1, "3225");
                let itinerary = &mut self.part().consignment.itinerary;
                if qualifier == "28" {
                    itinerary.country_of_destination = country;
                } else {
                    itinerary.country_of_dispatch = country;
                }
            }
            "customs_office" => {
                let code = Text::from(segment.code(2, 1));
                if !code.is_empty() {
                    self.part().consignment.customs_office = Some(code);
                }
            }
            "other" => {
                let value = Text::from(segment.code(2, 1));
                self.attribute(concat(&["loc_", qualifier]), value);
            }
            _ => {
                let Some(place) = self.place(segment, role) else { return };
                let itinerary = &mut self.part().consignment.itinerary;
                match role {
                    "place_of_loading" => itinerary.place_of_loading = Some(place),
                    "place_of_discharge" => itinerary.place_of_discharge = Some(place),
                    "first_place_of_entry" => itinerary.first_place_of_entry = Some(place),
                    "place_of_delivery" => itinerary.place_of_delivery = Some(place),
                    "place_of_acceptance" => itinerary.place_of_acceptance = Some(place),
                    _ => {
                        if let Some(country) = place.country {
                            if !itinerary.routing_countries.contains(&country) {
                                itinerary.routing_countries.push(country);
                            }
                        }
                    }
                }
            }
        }
    }

    fn nad(&mut self, segment: &Segment<'_>) {
        let qualifier = segment.code(1, 1);
        let role = match qualifier {
            "CZ" | "OS" | "SH" | "CS" => PartyRole::Consignor,
            "CN" | "UC" => PartyRole::Consignee,
            "N1" | "N2" | "NI" => PartyRole::NotifyParty,
            "CA" => PartyRole::Carrier,
            "IM" => PartyRole::Importer,
            "EX" => PartyRole::Exporter,
            "FW" => PartyRole::FreightForwarder,
            "CB" | "AE" | "AF" => PartyRole::Representative,
            "DT" | "FR" => PartyRole::Declarant,
            "SE" => PartyRole::Seller,
            "BY" => PartyRole::Buyer,
            "MF" => PartyRole::Manufacturer,
            "VW" | "GO" | "ST" | "MS" | "MR" | "DP" | "PW" => PartyRole::Other,
            _ => {
                self.unknown_qualifier(segment, "3035", qualifier, "the party is kept with role other");
                PartyRole::Other
            }
        };
        let mut party = Party { role, name: None, address: None, identifiers: Vec::new(), contact: None };
        if let Some(id) = self.text(segment, 2, 1) {
            let scheme = scheme(segment.code(2, 2), segment.code(2, 3));
            let scheme = if scheme.is_empty() { concat(&["nad_", qualifier]) } else { scheme };
            party.identifiers.push(PartyIdentifier { scheme, value: id });
        }
        let name_and_address = text_of(segment, 3, self.message);
        party.name = text_of(segment, 4, self.message);
        let mut street = text_of(segment, 5, self.message);
        if party.name.is_none() {
            party.name = self.text(segment, 3, 1);
        } else if street.is_none() {
            street = name_and_address;
        }
        if role == PartyRole::Other && !matches!(qualifier, "") {
            party
                .identifiers
                .push(PartyIdentifier { scheme: "edifact_party_qualifier".into(), value: Text::from(qualifier) });
        }
        let address = Address {
            street,
            city: self.text(segment, 6, 1),
            subdivision: self.text(segment, 7, 1),
            postcode: self.text(segment, 8, 1),
            country: self.country(segment, 9, 1, "3207"),
        };
        if address != Address::default() {
            party.address = Some(address);
        }
        self.part().consignment.parties.push(party);
    }

    fn contact(&mut self, segment: &Segment<'_>) {
        let charset = self.message.charset;
        let Some(party) = self.part().consignment.parties.last_mut() else { return };
        let contact = party.contact.get_or_insert_with(Contact::default);
        if segment.tag() == b"COM" {
            let number = segment.trimmed(1, 1, charset);
            match segment.code(1, 2) {
                "TE" | "FX" | "AL" => contact.phone = contact.phone.take().or(number),
                "EM" => contact.email = contact.email.take().or(number),
                qualifier => {
                    let qualifier = qualifier.to_owned();
                    let location = self.at(segment, 1, 2, "3155");
                    let text =
                        format!("communication channel `{qualifier}` is not one Aduana maps; the number is not used");
                    self.warn("unknown_qualifier", text, location);
                }
            }
        }
    }

    fn rff(&mut self, segment: &Segment<'_>) {
        let qualifier = segment.code(1, 1);
        let Some(value) = self.text(segment, 1, 2) else { return };
        if self.context == Context::Goods {
            self.context = Context::Plain;
        }
        let spot = Spot { segment: segment.index, element: Some((1, 2, "1154")) };
        let in_group = !self.groups.is_empty();
        let part = self.part();
        match qualifier {
            "BH" | "HWB" if in_group => part.references.push((1, value, Some(DocumentKind::HouseBill), spot)),
            "BM" if in_group => part.references.push((2, value, Some(DocumentKind::MasterBill), spot)),
            "AWB" if in_group => part.references.push((3, value, Some(DocumentKind::AirWaybill), spot)),
            "AAM" if in_group => part.references.push((4, value, None, spot)),
            "MB" | "MWB" => part.consignment.master_reference = Some(value),
            "BM" => part.consignment.master_reference = Some(value),
            "ABZ" => {
                part.consignment.transport.get_or_insert_with(TransportMeans::default).vehicle_registration =
                    Some(value)
            }
            "VON" => {
                let transport = part.consignment.transport.get_or_insert_with(TransportMeans::default);
                transport.conveyance_reference = transport.conveyance_reference.take().or(Some(value));
            }
            "ABO" | "AWM" | "BN" | "CN" | "AFB" | "ABT" | "XC" | "ACD" | "SQ" | "AAQ" | "ZZZ" | "AAE" | "FF" | "BH"
            | "HWB" | "AWB" | "AAM" | "ACW" | "AEG" | "BLS" | "DM" | "ENT" | "IV" | "ON" | "SS" | "CU" | "UCN"
            | "AIF" => {
                part.consignment.documents.push(DocumentReference { kind: Text::from(qualifier), reference: value });
            }
            _ => {
                part.consignment.documents.push(DocumentReference { kind: Text::from(qualifier), reference: value });
                self.unknown_qualifier(segment, "1153", qualifier, "kept as a document reference");
            }
        }
    }

    fn tdt(&mut self, segment: &Segment<'_>) {
        let stage = segment.code(1, 1).to_owned();
        let mode_code = segment.code(3, 1);
        let mode = if mode_code.is_empty() {
            None
        } else {
            let trimmed = mode_code.trim_start_matches('0');
            let mode = TransportMode::from_rec19(if trimmed.is_empty() { "0" } else { trimmed });
            if mode.is_none() {
                let location = self.at(segment, 3, 1, "8067");
                self.error(
                    "invalid_code",
                    format!("expected a transport mode code (UN/ECE Recommendation 19), found `{mode_code}`"),
                    location,
                );
            }
            mode
        };
        let mut means = TransportMeans { conveyance_reference: self.text(segment, 2, 1), ..TransportMeans::default() };
        let id = segment.code(8, 1);
        if !id.is_empty() {
            let list = segment.code(8, 2);
            let agency = segment.code(8, 3);
            let looks_imo =
                mode == Some(TransportMode::Sea) || list == "146" || agency == "11" || id.starts_with("IMO");
            match ImoNumber::parse(id) {
                Ok(imo) if looks_imo => means.imo = Some(imo),
                Err(error) if list == "146" || agency == "11" => {
                    let location = self.at(segment, 8, 1, "8213");
                    self.warn("invalid_imo_number", format!("{error}; kept as the vehicle identification"), location);
                    means.vehicle_registration = Some(Text::from(id));
                }
                _ => means.vehicle_registration = Some(Text::from(id)),
            }
        }
        means.name = self.text(segment, 8, 4);
        means.nationality = self.country(segment, 8, 5, "8453");
        let carrier_id = self.text(segment, 5, 1);
        let carrier_name = self.text(segment, 5, 4);
        let part = self.part();
        let has_carrier = part.consignment.parties.iter().any(|p| p.role == PartyRole::Carrier);
        if !has_carrier && (carrier_id.is_some() || carrier_name.is_some()) {
            let mut party = Party {
                role: PartyRole::Carrier,
                name: carrier_name,
                address: None,
                identifiers: Vec::new(),
                contact: None,
            };
            if let Some(id) = carrier_id {
                party.identifiers.push(PartyIdentifier { scheme: "carrier".into(), value: id });
            }
            part.consignment.parties.push(party);
        }
        let main = matches!(stage.as_str(), "11" | "20" | "");
        let replace = part.transport_stage.is_none()
            || (main && !matches!(part.transport_stage.as_deref(), Some("11" | "20" | "")));
        if !replace {
            return;
        }
        part.transport_stage = Some(stage);
        if mode.is_some() {
            part.consignment.mode_of_transport = mode;
        }
        let existing = part.consignment.transport.take().unwrap_or_default();
        means.vehicle_registration = means.vehicle_registration.or(existing.vehicle_registration);
        means.conveyance_reference = means.conveyance_reference.or(existing.conveyance_reference);
        if means != TransportMeans::default() {
            part.consignment.transport = Some(means);
        }
    }

    fn eqd(&mut self, segment: &Segment<'_>) {
        self.context = Context::Equipment;
        let qualifier = segment.code(1, 1);
        let kind = match qualifier {
            "CN" => EquipmentKind::Container,
            "TE" | "TL" | "TR" | "TRL" => EquipmentKind::Trailer,
            "UL" | "ULD" | "AA" => EquipmentKind::UnitLoadDevice,
            "RR" | "BX" | "CH" | "SW" | "PA" | "EFP" | "AG" | "RF" | "BL" | "TN" => EquipmentKind::Other,
            _ => {
                self.unknown_qualifier(segment, "8053", qualifier, "the equipment is kept with kind other");
                EquipmentKind::Other
            }
        };
        let Some(id) = self.text(segment, 2, 1) else {
            let location = self.at(segment, 2, 1, "8260");
            self.error(
                "missing_element",
                "expected an equipment identification number, found nothing".into(),
                location,
            );
            return;
        };
        if kind == EquipmentKind::Container {
            if let Err(error) = ContainerNumber::parse(&id) {
                let location = self.at(segment, 2, 1, "8260");
                self.warn(
                    "invalid_container_number",
                    format!("container `{id}`: {error} (ISO 6346); kept as declared"),
                    location,
                );
            }
        }
        let full = match segment.code(5, 1) {
            "5" => Some(true),
            "4" => Some(false),
            _ => None,
        };
        let equipment = Equipment { id, kind, size_type: self.text(segment, 3, 1), seals: Vec::new(), full };
        self.part().consignment.equipment.push(equipment);
    }

    fn sel(&mut self, segment: &Segment<'_>) {
        let Some(seal) = self.text(segment, 1, 1) else { return };
        match self.part().consignment.equipment.last_mut() {
            Some(equipment) => equipment.seals.push(seal),
            None => {
                let location = self.at(segment, 1, 1, "9308");
                self.warn(
                    "unexpected_segment",
                    "seal SEL comes before any equipment EQD; kept as an attribute".into(),
                    location,
                );
                self.attribute("seal".into(), seal);
            }
        }
    }

    fn cni(&mut self, segment: &Segment<'_>) {
        self.context = Context::Plain;
        if self.groups.len() >= self.limits.max_items as usize {
            if !self.too_many {
                self.too_many = true;
                let location = self.message.at(segment, None, None, None);
                let text = format!("expected at most {} consignments in one message", self.limits.max_items);
                self.error("too_many_items", text, location);
            }
            return;
        }
        let mut part = Part::new();
        part.location = Some(Spot { segment: segment.index, element: None });
        if let Some(number) = self.text(segment, 2, 1) {
            part.references.push((6, number, None, Spot { segment: segment.index, element: Some((2, 1, "1004")) }));
        }
        if let Some(sequence) = self.text(segment, 1, 1) {
            part.consignment.attributes.insert("consolidation_item_number".into(), sequence);
        }
        self.groups.push(part);
    }

    fn doc(&mut self, segment: &Segment<'_>) {
        let code = Text::from(segment.code(1, 1));
        let Some(number) = self.text(segment, 2, 1) else { return };
        let kind = match code.as_str() {
            "714" | "703" => Some(DocumentKind::HouseBill),
            "705" | "704" | "706" | "707" => Some(DocumentKind::MasterBill),
            "740" | "741" => Some(DocumentKind::AirWaybill),
            _ => None,
        };
        let spot = Spot { segment: segment.index, element: Some((2, 1, "1004")) };
        let in_group = !self.groups.is_empty();
        let part = self.part();
        match kind {
            Some(kind) if in_group => part.references.push((0, number, Some(kind), spot)),
            _ => part.consignment.documents.push(DocumentReference { kind: code, reference: number }),
        }
    }

    fn cnt(&mut self, segment: &Segment<'_>) {
        let qualifier = segment.code(1, 1);
        let raw = segment.code(1, 2);
        let Some(value) = decimal(raw) else {
            let location = self.at(segment, 1, 2, "6066");
            self.error("invalid_number", format!("expected a control total, found `{raw}`"), location);
            return;
        };
        let unit = segment.code(1, 3);
        match qualifier {
            "7" => match kilograms(value, unit) {
                Some(kg) => self.part().consignment.total_gross_mass_kg = Some(kg),
                None => self.unknown_unit(segment, 1, 3, unit),
            },
            "11" => match u32::try_from(value) {
                Ok(n) => self.part().consignment.total_packages = Some(n),
                Err(_) => {
                    let location = self.at(segment, 1, 2, "6066");
                    self.error(
                        "invalid_number",
                        format!("expected a whole number of packages, found `{raw}`"),
                        location,
                    );
                }
            },
            "16" | "29" | "5" | "6" | "39" | "1" | "2" | "15" => {
                self.attribute(concat(&["cnt_", qualifier]), Text::from(raw))
            }
            _ => {
                let qualifier = qualifier.to_owned();
                self.unknown_qualifier(segment, "6069", &qualifier, "kept as an attribute");
                self.attribute(concat(&["cnt_", &qualifier]), Text::from(raw));
            }
        }
    }

    fn unknown_unit(&mut self, segment: &Segment<'_>, element: u32, component: u32, unit: &str) {
        let location = self.at(segment, element, component, "6411");
        self.warn(
            "unknown_unit",
            format!("weight unit `{unit}` is not one Aduana converts; the weight is not used"),
            location,
        );
    }

    fn gid(&mut self, segment: &Segment<'_>) {
        if self.groups.is_empty() {
            let location = self.message.at(segment, None, None, None);
            self.error("unexpected_segment", "goods item GID comes before any consignment group CNI".into(), location);
            return;
        }
        self.context = Context::Goods;
        let max = self.limits.max_items as usize;
        let count = self.part().consignment.goods.len();
        if count >= max {
            let location = self.message.at(segment, None, None, None);
            self.error("too_many_items", format!("expected at most {max} goods items in one consignment"), location);
            self.context = Context::Plain;
            return;
        }
        let sequence = segment.code(1, 1).parse().unwrap_or(count as u32 + 1);
        let mut item = GoodsItem::new(sequence);
        let packages = segment.code(2, 1);
        if !packages.is_empty() {
            item.packages = Some(Packages {
                count: self.whole(segment, 2, 1, "7224"),
                kind: self.text(segment, 2, 2),
                marks: None,
            });
        }
        self.part().consignment.goods.push(item);
    }

    fn whole(&mut self, segment: &Segment<'_>, element: u32, component: u32, data_element: &str) -> Option<u32> {
        let raw = segment.code(element as usize, component as usize);
        match raw.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                let location = self.at(segment, element, component, data_element);
                self.error("invalid_number", format!("expected a whole number, found `{raw}`"), location);
                None
            }
        }
    }

    fn item(&mut self) -> Option<&mut GoodsItem> {
        if self.context != Context::Goods {
            return None;
        }
        self.part().consignment.goods.last_mut()
    }

    fn pac(&mut self, segment: &Segment<'_>) {
        let count = if segment.code(1, 1).is_empty() { None } else { self.whole(segment, 1, 1, "7224") };
        let kind = self.text(segment, 3, 1);
        match self.item() {
            Some(item) => {
                let packages = item.packages.get_or_insert_with(Packages::default);
                packages.count = packages.count.or(count);
                packages.kind = packages.kind.take().or(kind);
            }
            None => {
                if let Some(count) = count {
                    let part = self.part();
                    part.consignment.total_packages = part.consignment.total_packages.or(Some(count));
                }
            }
        }
    }

    fn ftx(&mut self, segment: &Segment<'_>) {
        let qualifier = segment.code(1, 1).to_owned();
        let Some(text) = text_of(segment, 4, self.message) else { return };
        if qualifier == "AAA" {
            if let Some(item) = self.item() {
                item.description = Some(match item.description.take() {
                    Some(before) => concat(&[&before, " ", &text]),
                    None => text,
                });
                return;
            }
        }
        let known = matches!(
            qualifier.as_str(),
            "AAA"
                | "AAI"
                | "ACB"
                | "AEA"
                | "AAS"
                | "INS"
                | "CUS"
                | "DCL"
                | "HAN"
                | "SIN"
                | "PRD"
                | "BLC"
                | "ABL"
                | "AAB"
                | "OSI"
                | "DIN"
                | "ZZZ"
                | "AAH"
                | "REG"
                | "TRA"
        );
        if !known {
            self.unknown_qualifier(segment, "4451", &qualifier, "the text is kept as an attribute");
        }
        self.attribute(key(&["ftx", &qualifier]), text);
    }

    fn mea(&mut self, segment: &Segment<'_>) {
        let purpose = segment.code(1, 1).to_owned();
        let property = segment.code(2, 1);
        let unit = segment.code(3, 1).to_owned();
        let raw = segment.code(3, 2).to_owned();
        if raw.is_empty() {
            return;
        }
        if self.context == Context::Equipment {
            let id = self.part().consignment.equipment.last().map(|e| e.id.clone()).unwrap_or_default();
            let key = concat(&["equipment_", &id, "_", &key(&["mea", &purpose])]);
            self.attribute(key, concat(&[&raw, " ", &unit]));
            return;
        }
        let weight = matches!(purpose.as_str(), "AAI" | "WT" | "AAE" | "AAF" | "CT");
        let gross = matches!(property, "" | "G" | "AAB" | "AAD" | "ADX");
        let net = matches!(property, "N" | "AAA" | "AAC" | "AAL");
        let is_weight_unit = kilograms(Decimal::ONE, &unit).is_some();
        if !weight || !(gross || net) || !is_weight_unit {
            if !(weight || matches!(purpose.as_str(), "VOL" | "AAW" | "ABJ" | "LN" | "WD" | "HT")) {
                self.unknown_qualifier(segment, "6311", &purpose, "the measurement is kept as an attribute");
            } else if weight && (gross || net) {
                self.unknown_unit(segment, 3, 1, &unit);
            }
            self.attribute(key(&["mea", &purpose, property]), concat(&[&raw, " ", &unit]));
            return;
        }
        let Some(kg) = decimal(&raw).and_then(|v| kilograms(v, &unit)) else {
            let location = self.at(segment, 3, 2, "6314");
            self.error("invalid_number", format!("expected a measurement value, found `{raw}`"), location);
            return;
        };
        match self.item() {
            Some(item) if net => item.net_mass_kg = Some(kg),
            Some(item) => item.gross_mass_kg = Some(kg),
            None if gross => self.part().consignment.total_gross_mass_kg = Some(kg),
            None => self.attribute("net_mass_kg".into(), Text::from(kg.to_string())),
        }
    }

    fn pci(&mut self, segment: &Segment<'_>) {
        let Some(marks) = text_of(segment, 2, self.message) else { return };
        match self.item() {
            Some(item) => item.packages.get_or_insert_with(Packages::default).marks = Some(marks),
            None => self.attribute("marks".into(), marks),
        }
    }

    fn dgs(&mut self, segment: &Segment<'_>) {
        let raw = segment.code(3, 1);
        if raw.is_empty() {
            return;
        }
        match UnNumber::parse(raw) {
            Ok(number) => match self.item() {
                Some(item) => item.un_number = Some(number),
                None => self.attribute("un_number".into(), Text::from(number.as_str())),
            },
            Err(error) => {
                let location = self.at(segment, 3, 1, "7124");
                self.error("invalid_un_number", format!("{error}"), location);
            }
        }
    }

    fn sgp(&mut self, segment: &Segment<'_>) {
        let Some(id) = self.text(segment, 1, 1) else { return };
        match self.item() {
            Some(item) => item.equipment_ids.push(id),
            None => self.attribute("split_goods_equipment".into(), id),
        }
    }

    fn moa(&mut self, segment: &Segment<'_>) {
        let kind = segment.code(1, 1).to_owned();
        let raw = segment.code(1, 2).to_owned();
        let currency = segment.code(1, 3);
        let amount = decimal(&raw);
        let currency = if currency.is_empty() { None } else { CurrencyCode::parse(currency).ok() };
        match (amount, currency, self.context == Context::Goods) {
            (Some(amount), Some(currency), true) => {
                if let Some(item) = self.item() {
                    item.value = Some(Money { amount, currency });
                }
            }
            _ => self.attribute(concat(&["moa_", &kind]), Text::from(concat(&[&raw, " ", segment.code(1, 3)]).trim())),
        }
    }

    fn cst(&mut self, segment: &Segment<'_>) {
        let raw = segment.code(2, 1);
        if raw.is_empty() {
            return;
        }
        match HsCode::parse(raw) {
            Ok(code) => {
                if let Some(item) = self.item() {
                    item.hs_code = Some(code);
                }
            }
            Err(error) => {
                let location = self.at(segment, 2, 1, "7361");
                self.error("invalid_hs_code", format!("{error}"), location);
            }
        }
    }

    fn finish(mut self, out: &mut Vec<Consignment>) {
        let unh = self.message.buf.segment(0);
        if !self.seen_bgm {
            let location = self.message.at(&unh, None, None, None);
            self.error("missing_segment", "expected the beginning of message BGM, found none".into(), location);
        }
        if self.groups.is_empty() {
            let location = self.message.at(&unh, None, None, None);
            self.error(
                "missing_segment",
                "expected at least one consignment group CNI, found none: the message reports no consignment".into(),
                location,
            );
            return;
        }
        let single = self.groups.len() == 1;
        let groups = std::mem::take(&mut self.groups);
        let last = groups.len() - 1;
        for (index, mut group) in groups.into_iter().enumerate() {
            group.references.sort_by_key(|r| r.0);
            let mut references = group.references.into_iter();
            let Some(chosen) = references.next() else {
                let location = group.location.map(|spot| self.locate(spot)).unwrap_or_default();
                self.error(
                    "missing_reference",
                    "expected a transport document reference (DOC bill of lading, RFF BH/BM/AWB/AAM or CNI document number), found none".into(),
                    location,
                );
                continue;
            };
            let reference = match Reference::parse(&chosen.1) {
                Ok(reference) => reference,
                Err(error) => {
                    let location = self.locate(chosen.3);
                    self.error("invalid_reference", format!("{error}"), location);
                    continue;
                }
            };
            // The header is moved into the last consignment rather than cloned: in the common one-bill message
            // nothing is copied.
            let mut consignment = merge(&mut self.header.consignment, index == last, group.consignment, single);
            consignment.reference = reference;
            consignment.document_kind = chosen.2;
            for (_, value, kind, _) in references {
                if value != chosen.1 {
                    let kind = match kind {
                        Some(DocumentKind::HouseBill) => "house_bill",
                        Some(DocumentKind::MasterBill) => "master_bill",
                        Some(DocumentKind::AirWaybill) => "air_waybill",
                        _ => "transport_document",
                    };
                    consignment.documents.push(DocumentReference { kind: kind.into(), reference: value });
                }
            }
            out.push(consignment);
        }
    }
}

/// Combines the message header with one consignment group; the group's own facts win. The header's values are
/// cloned, or moved out when `last` says no other group needs them.
fn merge(header: &mut Consignment, last: bool, group: Consignment, single: bool) -> Consignment {
    fn share<T: Clone + Default>(value: &mut T, last: bool) -> T {
        if last { std::mem::take(value) } else { value.clone() }
    }
    let h = header;
    let mut c = group;
    c.mode_of_transport = c.mode_of_transport.or(h.mode_of_transport);
    c.lodged_on = c.lodged_on.or(h.lodged_on);
    c.customs_office = c.customs_office.take().or_else(|| share(&mut h.customs_office, last));
    c.master_reference = c.master_reference.take().or_else(|| share(&mut h.master_reference, last));
    let mut parties = share(&mut h.parties, last);
    parties.append(&mut c.parties);
    c.parties = parties;
    let it = &mut c.itinerary;
    let hi = &mut h.itinerary;
    it.place_of_acceptance = it.place_of_acceptance.take().or_else(|| share(&mut hi.place_of_acceptance, last));
    it.place_of_loading = it.place_of_loading.take().or_else(|| share(&mut hi.place_of_loading, last));
    it.first_place_of_entry = it.first_place_of_entry.take().or_else(|| share(&mut hi.first_place_of_entry, last));
    it.place_of_discharge = it.place_of_discharge.take().or_else(|| share(&mut hi.place_of_discharge, last));
    it.place_of_delivery = it.place_of_delivery.take().or_else(|| share(&mut hi.place_of_delivery, last));
    it.country_of_dispatch = it.country_of_dispatch.take().or_else(|| share(&mut hi.country_of_dispatch, last));
    it.country_of_destination =
        it.country_of_destination.take().or_else(|| share(&mut hi.country_of_destination, last));
    for country in &hi.routing_countries {
        if !it.routing_countries.contains(country) {
            it.routing_countries.insert(0, country.clone());
        }
    }
    it.departure = it.departure.or(hi.departure);
    it.arrival = it.arrival.or(hi.arrival);
    c.transport = match (c.transport.take(), &mut h.transport) {
        (Some(mut own), Some(shared)) => {
            own.name = own.name.or_else(|| share(&mut shared.name, last));
            own.imo = own.imo.or_else(|| share(&mut shared.imo, last));
            own.conveyance_reference =
                own.conveyance_reference.or_else(|| share(&mut shared.conveyance_reference, last));
            own.vehicle_registration =
                own.vehicle_registration.or_else(|| share(&mut shared.vehicle_registration, last));
            own.nationality = own.nationality.or_else(|| share(&mut shared.nationality, last));
            Some(own)
        }
        (own, shared) => own.or_else(|| share(shared, last)),
    };
    let mut equipment = share(&mut h.equipment, last);
    equipment.append(&mut c.equipment);
    c.equipment = equipment;
    let mut documents = share(&mut h.documents, last);
    documents.append(&mut c.documents);
    c.documents = documents;
    if last {
        // The group's own attributes win over the header's.
        let own = std::mem::replace(&mut c.attributes, std::mem::take(&mut h.attributes));
        c.attributes.extend(own);
    } else {
        for (key, value) in &h.attributes {
            if !c.attributes.contains_key(key) {
                c.attributes.insert(key.clone(), value.clone());
            }
        }
    }
    if single {
        c.total_packages = c.total_packages.or(h.total_packages);
        c.total_gross_mass_kg = c.total_gross_mass_kg.or(h.total_gross_mass_kg);
    }
    c
}

/// Converts a weight to kilograms; `None` for units that are not weights Aduana knows.
fn kilograms(value: Decimal, unit: &str) -> Option<Decimal> {
    let factor = match unit {
        "KGM" | "KG" | "K" | "" => Decimal::ONE,
        "TNE" | "T" => Decimal::from(1000),
        "GRM" | "G" => Decimal::new(1, 3),
        "LBR" | "LB" | "L" => Decimal::new(45_359_237, 8),
        _ => return None,
    };
    Some((value * factor).normalize())
}

/// Parses a DTM value in a format (data element 2379); an empty format is guessed from the length.
fn parse_datetime(raw: &str, format: &str) -> Option<NaiveDateTime> {
    if !raw.bytes().all(|b| b.is_ascii_digit() || b == b'+' || b == b'-' || b == b'Z') {
        return None;
    }
    let format = match (format, raw.len()) {
        ("", 8) => "102",
        ("", 12) => "203",
        ("", 14) => "204",
        ("", 6) => "101",
        (format, _) => format,
    };
    if let Some(parsed) = digits_datetime(raw, format) {
        return Some(parsed);
    }
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    let midnight = NaiveTime::MIN;
    match format {
        "102" if raw.len() == 8 => date(raw).map(|d| d.and_time(midnight)),
        "101" if raw.len() == 6 => NaiveDate::parse_from_str(raw, "%y%m%d").ok().map(|d| d.and_time(midnight)),
        "203" if raw.len() == 12 => NaiveDateTime::parse_from_str(raw, "%Y%m%d%H%M").ok(),
        "201" if raw.len() == 10 => NaiveDateTime::parse_from_str(raw, "%y%m%d%H%M").ok(),
        "204" if raw.len() == 14 => NaiveDateTime::parse_from_str(raw, "%Y%m%d%H%M%S").ok(),
        "205" if raw.len() >= 12 => NaiveDateTime::parse_from_str(raw.get(..12)?, "%Y%m%d%H%M").ok(),
        _ => None,
    }
}

/// Reads the usual DTM values — formats 102 (`CCYYMMDD`), 203 (`CCYYMMDDHHMM`) and 204 (`CCYYMMDDHHMMSS`), all
/// digits, every field in its ordinary range — without chrono's general format parser, which dominates a message's
/// date handling. Anything else (`None`) goes to chrono, which gives the same answer for what this reads.
pub(crate) fn digits_datetime(raw: &str, format: &str) -> Option<NaiveDateTime> {
    let digits = raw.as_bytes();
    if !matches!((format, digits.len()), ("102", 8) | ("203", 12) | ("204", 14)) {
        return None;
    }
    let number = |at: usize, len: usize| {
        digits[at..at + len].iter().try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(number(0, 4)?).ok()?, number(4, 2)?, number(6, 2)?)?;
    let (hour, minute, second) = match digits.len() {
        8 => (0, 0, 0),
        12 => (number(8, 2)?, number(10, 2)?, 0),
        _ => (number(8, 2)?, number(10, 2)?, number(12, 2)?),
    };
    // A leap second (60) is left to chrono.
    (second < 60).then(|| date.and_hms_opt(hour, minute, second)).flatten()
}
