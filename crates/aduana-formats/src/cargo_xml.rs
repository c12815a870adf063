//! IATA Cargo-XML: the XFWB air waybill (master or direct, root `Waybill`) and the XFZB house waybill (root
//! `HouseWaybill`), each read into one [`Consignment`] carrying the PLACI 7+1 elements (consignor and consignee
//! name and address, pieces, gross weight, description, air waybill number, house waybill number), the flights,
//! ULDs, HS codes, special handling and customs notes. Elements are matched by local name; the mapping is in
//! `docs/formats/cargo-xml.md`.

#[cfg(test)]
mod tests;
mod xfwb;
mod xfzb;

use std::io::BufRead;

use aduana_core::{
    Address, Consignment, Contact, Decimal, Equipment, EquipmentKind, GoodsItem, Packages, Party, PartyIdentifier,
    PartyRole, Place, Text, UnNumber,
};

use crate::xml::ElementId;
use crate::xml::fields::{Fields, append, within_limits};
use crate::{Limits, ReadError, Sink};

/// Reads one Cargo-XML document (XFWB or XFZB).
pub(crate) fn read(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let Some(doc) = crate::xml::read_document(input, source, limits, sink)? else { return Ok(()) };
    let mut fields = Fields::new(&doc);
    let root = doc.root();
    let consignment = match doc.element(root).local_name() {
        "Waybill" => xfwb::map(&mut fields, root),
        "HouseWaybill" => xfzb::map(&mut fields, root),
        other => {
            let message = format!("expected a Cargo-XML <Waybill> (XFWB) or <HouseWaybill> (XFZB), found <{other}>");
            fields.error("wrong_root", message, root);
            None
        }
    };
    let consignment = consignment.filter(|c| !fields.has_errors() && within_limits(&mut fields, c, limits, root));
    for diagnostic in fields.diagnostics {
        sink.diagnostic(diagnostic);
    }
    if let Some(consignment) = consignment {
        sink.consignment(consignment);
    }
    Ok(())
}

/// Reads a party (`ConsignorParty`, `ConsigneeParty`, `FreightForwarderParty`, …) with its address, contact and
/// account identifiers.
fn party(f: &mut Fields<'_>, id: ElementId, role: PartyRole) -> Party {
    let address_element = f.find(id, &["PostalStructuredAddress"]).or_else(|| f.find(id, &["FreightForwarderAddress"]));
    let address = address_element.map(|a| Address {
        street: f.text(a, &["StreetName"]),
        city: f.text(a, &["CityName"]),
        postcode: f.text(a, &["PostcodeCode"]),
        subdivision: f.text(a, &["CountrySubDivisionName"]).or_else(|| f.text(a, &["CountrySubDivisionID"])),
        country: f.country_at(a, &["CountryID"]),
    });
    let mut identifiers = Vec::new();
    for (element, scheme) in [("AccountID", "account"), ("CargoAgentID", "iata"), ("PrimaryID", "id")] {
        if let Some(value) = f.text(id, &[element]) {
            identifiers.push(PartyIdentifier { scheme: scheme.into(), value });
        }
    }
    let contact_element = f.find(id, &["DefinedTradeContact"]);
    let contact = contact_element
        .map(|c| Contact {
            phone: f.text(c, &["DirectTelephoneCommunication", "CompleteNumber"]),
            email: f.text(c, &["URIEmailCommunication", "URIID"]),
        })
        .filter(|c| c.phone.is_some() || c.email.is_some());
    Party { role, name: f.text(id, &["Name"]), address, identifiers, contact }
}

/// Reads the parties of a (master or house) consignment element.
fn parties(f: &mut Fields<'_>, consignment: ElementId) -> Vec<Party> {
    let mut out = Vec::new();
    for (element, role) in [
        ("ConsignorParty", PartyRole::Consignor),
        ("ConsigneeParty", PartyRole::Consignee),
        ("FreightForwarderParty", PartyRole::FreightForwarder),
        ("AssociatedParty", PartyRole::NotifyParty),
    ] {
        for id in f.all(consignment, element) {
            out.push(party(f, id, role));
        }
    }
    out
}

/// Applies the `IncludedCustomsNote` lines (OCI): a `T` (tax id) note for `SHP`/`CNE` becomes an identifier
/// (scheme `tin`) of the consignor/consignee, `CT` its telephone when none was given; every note is also kept in
/// `attributes` as `customs_note.<subject>.<country>.<code>`.
fn customs_notes(f: &mut Fields<'_>, consignment_element: ElementId, c: &mut Consignment) {
    for note in f.all(consignment_element, "IncludedCustomsNote") {
        let code = f.text(note, &["ContentCode"]).unwrap_or_default();
        let Some(content) = f.text(note, &["Content"]) else { continue };
        let subject = f.text(note, &["SubjectCode"]).unwrap_or_default();
        let country = f.text(note, &["CountryID"]).unwrap_or_default();
        let role = match subject.as_str() {
            "SHP" => Some(PartyRole::Consignor),
            "CNE" => Some(PartyRole::Consignee),
            _ => None,
        };
        if let Some(party) = role.and_then(|r| c.parties.iter_mut().find(|p| p.role == r)) {
            match code.as_str() {
                "T" => party.identifiers.push(PartyIdentifier { scheme: "tin".into(), value: content.clone() }),
                "CT" => {
                    let contact = party.contact.get_or_insert_with(Contact::default);
                    if contact.phone.is_none() {
                        contact.phone = Some(content.clone());
                    }
                }
                _ => {}
            }
        }
        let key = ["customs_note", &subject, &country, &code]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(".");
        append(c, &key, &content);
    }
}

/// Reads an airport location (`OriginLocation`, `OccurrenceDepartureLocation`…): the IATA code in `name`, the
/// country where given.
fn airport(f: &mut Fields<'_>, id: ElementId) -> Option<Place> {
    let place = Place { locode: None, name: f.text(id, &["ID"]).or_else(|| f.text(id, &["Name"])), country: None };
    let country = f.country_at(id, &["CountryID"]);
    let place = Place { country, ..place };
    place.is_known().then_some(place)
}

/// Reads origin and destination and the flights (`SpecifiedLogisticsTransportMovement`) of a consignment element.
fn route(f: &mut Fields<'_>, consignment_element: ElementId, c: &mut Consignment) {
    if let Some(origin) = f.find(consignment_element, &["OriginLocation"]) {
        c.itinerary.place_of_loading = airport(f, origin);
    }
    if let Some(destination) = f.find(consignment_element, &["FinalDestinationLocation"]) {
        c.itinerary.place_of_discharge = airport(f, destination);
    }
    let movements = f.all(consignment_element, "SpecifiedLogisticsTransportMovement");
    let mut legs = Vec::new();
    for (index, movement) in movements.iter().enumerate() {
        let flight = f.text(*movement, &["ID"]);
        let from = f.text(*movement, &["DepartureEvent", "OccurrenceDepartureLocation", "ID"]);
        let to = f.text(*movement, &["ArrivalEvent", "OccurrenceArrivalLocation", "ID"]);
        legs.push(format!(
            "{} {}-{}",
            flight.as_deref().unwrap_or("?"),
            from.as_deref().unwrap_or("?"),
            to.as_deref().unwrap_or("?")
        ));
        if let Some((at, mode)) = f.located(*movement, &["ModeCode"]) {
            match aduana_core::TransportMode::from_rec19(&mode) {
                Some(mode) if c.mode_of_transport.is_none() => c.mode_of_transport = Some(mode),
                Some(_) => {}
                None => f.error(
                    "invalid_code",
                    format!("expected a UN/ECE Rec. 19 transport mode code, found {mode:?}"),
                    at,
                ),
            }
        }
        if index == 0 {
            if let Some((at, text)) = f.located(*movement, &["DepartureEvent", "ScheduledOccurrenceDateTime"]) {
                c.itinerary.departure = date_time(f, &text, at);
            }
        }
        if index + 1 == movements.len() {
            if let Some((at, text)) = f.located(*movement, &["ArrivalEvent", "ScheduledOccurrenceDateTime"]) {
                c.itinerary.arrival = date_time(f, &text, at);
            }
            // The last leg is the flight that arrives at the destination: the means crossing the border.
            let transport = aduana_core::TransportMeans {
                name: f.text(*movement, &["UsedLogisticsTransportMeans", "Name"]),
                conveyance_reference: flight,
                ..aduana_core::TransportMeans::default()
            };
            // Its operating airline (the two-character designator) is the carrier.
            if let Some(airline) = transport.name.clone() {
                if !c.parties.iter().any(|p| p.role == PartyRole::Carrier) {
                    let identifiers = vec![PartyIdentifier { scheme: "iata".into(), value: airline }];
                    c.parties.push(Party {
                        role: PartyRole::Carrier,
                        name: None,
                        address: None,
                        identifiers,
                        contact: None,
                    });
                }
            }
            c.transport = Some(transport).filter(|t| t.name.is_some() || t.conveyance_reference.is_some());
        }
    }
    if !legs.is_empty() {
        c.attributes.insert("flights".into(), legs.join(", ").into());
    }
    // Cargo-XML is air cargo: without a ModeCode (it is optional) the mode is air.
    c.mode_of_transport.get_or_insert(aduana_core::TransportMode::Air);
}

/// Parses an ISO 8601 date-time (`2021-03-10T00:00:00`, with or without a zone offset) as local time.
fn date_time(f: &mut Fields<'_>, text: &str, at: ElementId) -> Option<chrono::NaiveDateTime> {
    let local = text.get(..19).unwrap_or(text);
    match chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S") {
        Ok(value) => Some(value),
        Err(_) => {
            f.error("invalid_date", format!("expected a date-time like 2021-03-10T00:00:00, found {text:?}"), at);
            None
        }
    }
}

/// Reads one consignment item (`IncludedMasterConsignmentItem`, `IncludedHouseConsignmentItem`) into a goods item,
/// adding its ULDs to `equipment`.
fn goods_item(f: &mut Fields<'_>, id: ElementId, index: usize, c: &mut Consignment) -> GoodsItem {
    let sequence = match f.find(id, &["SequenceNumeric"]) {
        Some(at) => f.count(at).unwrap_or(index as u32 + 1),
        None => index as u32 + 1,
    };
    let mut item = GoodsItem::new(sequence);
    if let Some((at, code)) = f.located(id, &["TypeCode"]) {
        item.hs_code = f.hs_code(&code, at);
        if item.hs_code.is_none() {
            c.attributes.insert(format!("goods.{sequence}.type_code").into(), code);
        }
    }
    item.description = f.text(id, &["NatureIdentificationTransportCargo", "Identification"]);
    item.gross_mass_kg = match f.find(id, &["GrossWeightMeasure"]) {
        Some(at) => f.mass_kg(at, None),
        None => None,
    };
    let pieces = f.find(id, &["PieceQuantity"]).and_then(|at| f.count(at));
    if pieces.is_some() {
        item.packages = Some(Packages { count: pieces, kind: None, marks: None });
    }
    if let Some(at) = f.find(id, &["PackageQuantity"]) {
        if let Some(slac) = f.count(at) {
            c.attributes.insert(format!("goods.{sequence}.package_quantity").into(), slac.to_string().into());
        }
    }
    // The pieces stated must equal the pieces in the item's package (dimension) lines, where those are given.
    let lines = f.all(id, "TransportLogisticsPackage");
    if let (Some(pieces), false) = (pieces, lines.is_empty()) {
        let mut sum: u32 = 0;
        for line in &lines {
            if let Some(n) = f.find(*line, &["ItemQuantity"]).and_then(|at| f.count(at)) {
                sum = sum.saturating_add(n);
            }
        }
        if sum != pieces {
            let at = f.find(id, &["PieceQuantity"]).unwrap_or(id);
            let message = format!(
                "expected the piece quantity {pieces} to equal the sum of the package lines' item quantities, found {sum}"
            );
            f.warning("piece_count_mismatch", message, at);
        }
    }
    for uld in f.all(id, "AssociatedUnitLoadTransportEquipment") {
        let kind = f.text(uld, &["CharacteristicCode"]).unwrap_or_default();
        let Some(number) = f.text(uld, &["ID"]) else {
            f.error("missing_element", "expected a ULD serial number in <ID>, found none".to_owned(), uld);
            continue;
        };
        let owner = f.text(uld, &["OperatingParty", "PrimaryID"]).unwrap_or_default();
        let uld_id = Text::from(format!("{kind}{number}{owner}"));
        if !c.equipment.iter().any(|e| e.id == uld_id) {
            c.equipment.push(Equipment {
                id: uld_id.clone(),
                kind: EquipmentKind::UnitLoadDevice,
                size_type: (!kind.is_empty()).then_some(kind),
                seals: Vec::new(),
                full: None,
            });
        }
        item.equipment_ids.push(uld_id);
    }
    // Dangerous goods: a UN number wherever the item declares one.
    let mut stack = f.doc.element(id).children.clone();
    while let Some(child) = stack.pop() {
        let element = f.doc.element(child);
        stack.extend_from_slice(&element.children);
        if element.local_name() == "UNDGIdentificationCode" {
            if let Some(text) = f.text_of(child) {
                match UnNumber::parse(&text) {
                    Ok(un) => item.un_number = Some(un),
                    Err(error) => f.error(error.error_code(), error.to_string(), child),
                }
            }
        }
    }
    item
}

/// Reads totals, handling codes, notes and value facts shared by master and house consignments.
fn totals_and_handling(f: &mut Fields<'_>, consignment_element: ElementId, c: &mut Consignment) {
    c.total_gross_mass_kg = match f.find(consignment_element, &["IncludedTareGrossWeightMeasure"]) {
        Some(at) => f.mass_kg(at, None),
        None => None,
    };
    c.total_packages = f.find(consignment_element, &["TotalPieceQuantity"]).and_then(|at| f.count(at));
    for sph in f.all(consignment_element, "HandlingSPHInstructions") {
        if let Some(code) = f.text(sph, &["DescriptionCode"]) {
            if DANGEROUS_GOODS_SPH.contains(&code.as_str()) {
                append(c, "dangerous_goods", &code);
            }
            append(c, "special_handling", &code);
        }
    }
    for (element, key) in [
        ("HandlingOSIInstructions", "other_service_information"),
        ("HandlingSSRInstructions", "special_service_request"),
    ] {
        for osi in f.all(consignment_element, element) {
            if let Some(text) = f.text(osi, &["Description"]) {
                append(c, key, &text);
            }
        }
    }
    for (element, key) in [
        ("NilCustomsValueIndicator", "nil_customs_value"),
        ("NilCarriageValueIndicator", "nil_carriage_value"),
        ("NilInsuranceValueIndicator", "nil_insurance_value"),
    ] {
        if let Some(value) = f.text(consignment_element, &[element]) {
            c.attributes.insert(key.into(), value);
        }
    }
    for (element, key) in [
        ("DeclaredValueForCustomsAmount", "declared_value_for_customs"),
        ("DeclaredValueForCarriageAmount", "declared_value_for_carriage"),
        ("InsuranceValueAmount", "insurance_value"),
    ] {
        if let Some(at) = f.find(consignment_element, &[element]) {
            if let Some(money) = f.money(at, None) {
                c.attributes.insert(key.into(), format!("{} {}", money.amount, money.currency).into());
            }
        }
    }
    if let Some(text) = f.text(consignment_element, &["GrossVolumeMeasure"]) {
        let unit = f
            .find(consignment_element, &["GrossVolumeMeasure"])
            .and_then(|at| f.doc.element(at).attribute("unitCode").map(str::to_owned))
            .unwrap_or_default();
        c.attributes.insert("gross_volume".into(), format!("{text} {unit}").trim().into());
    }
}

/// Puts the declared value for customs on the goods item when there is exactly one (a per-item value is what the
/// model holds); with several items it stays in the `declared_value_for_customs` attribute only.
fn customs_value(f: &mut Fields<'_>, consignment_element: ElementId, c: &mut Consignment) {
    let Some(at) = f.find(consignment_element, &["DeclaredValueForCustomsAmount"]) else { return };
    if let ([item], Some(money)) = (&mut c.goods[..], f.money(at, None)) {
        item.value.get_or_insert(money);
    }
}

/// IATA special handling codes that announce dangerous goods (IATA DGR appendix and the Cargo Interchange
/// Message Procedures' SPH list).
const DANGEROUS_GOODS_SPH: &[&str] = &[
    "CAO", "DGR", "ELI", "ELM", "ICE", "MAG", "RCL", "RCM", "RCX", "RDS", "REQ", "RFG", "RFL", "RFS", "RGX", "RIS",
    "RLI", "RLM", "RMD", "RNG", "ROP", "ROX", "RPB", "RPG", "RRE", "RRW", "RRY", "RSB", "RSC", "RXB", "RXC", "RXD",
    "RXE", "RXG", "RXS",
];

/// Checks that the declared totals agree with the items: pieces (an error-free warning, since the data is
/// usable) and gross weight.
fn check_totals(f: &mut Fields<'_>, consignment_element: ElementId, c: &Consignment) {
    let item_pieces: Option<u32> =
        c.goods.iter().map(|g| g.packages.as_ref().and_then(|p| p.count)).sum::<Option<u32>>();
    if let (Some(total), Some(sum)) = (c.total_packages, item_pieces) {
        if total != sum && !c.goods.is_empty() {
            let at = f.find(consignment_element, &["TotalPieceQuantity"]).unwrap_or(consignment_element);
            let message =
                format!("expected the total piece quantity {total} to equal the sum over the items, found {sum}");
            f.warning("piece_count_mismatch", message, at);
        }
    }
    let item_mass: Option<Decimal> = c.goods.iter().map(|g| g.gross_mass_kg).sum::<Option<Decimal>>();
    if let (Some(total), Some(sum)) = (c.total_gross_mass_kg, item_mass) {
        if total != sum && !c.goods.is_empty() {
            let at = f.find(consignment_element, &["IncludedTareGrossWeightMeasure"]).unwrap_or(consignment_element);
            let message =
                format!("expected the total gross weight {total} kg to equal the sum over the items, found {sum} kg");
            f.warning("gross_weight_mismatch", message, at);
        }
    }
}

/// Reads the header facts common to XFWB and XFZB into attributes.
fn header(f: &mut Fields<'_>, root: ElementId, c: &mut Consignment) {
    for (path, key) in [
        (&["MessageHeaderDocument", "TypeCode"][..], "message_type_code"),
        (&["MessageHeaderDocument", "IssueDateTime"][..], "issue_date_time"),
        (&["MessageHeaderDocument", "PurposeCode"][..], "purpose_code"),
        (&["MessageHeaderDocument", "VersionID"][..], "version"),
        (&["BusinessHeaderDocument", "SenderAssignedID"][..], "sender_assigned_id"),
    ] {
        if let Some(value) = f.text(root, path) {
            c.attributes.insert(key.into(), value);
        }
    }
}
