//! WCO Data Model 3.6 goods declarations (DEC-DMS, `urn:wco:datamodel:WCO:DEC-DMS:2`), bare or wrapped in the
//! `DocumentMetaData-DMS:2` `MetaData` envelope as HMRC CDS takes them, each read into one [`Consignment`]:
//! parties with EORIs, goods items with commodity codes, valuation, transport, documents and origin. The mapping
//! is in `docs/formats/wco-dm.md`; facts without a field in the model are kept in `attributes`.

mod goods;
#[cfg(test)]
mod tests;

use std::io::BufRead;

use aduana_core::{
    Address, Consignment, CurrencyCode, Direction, DocumentKind, DocumentReference, Equipment, EquipmentKind,
    ImoNumber, Party, PartyIdentifier, PartyRole, Place, Reference, TransportMeans, TransportMode,
};

use crate::xml::ElementId;
use crate::xml::fields::{Fields, append, within_limits};
use crate::{Limits, ReadError, Sink};

/// Reads one WCO DM declaration document.
pub(crate) fn read(
    input: &mut dyn BufRead,
    source: &str,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<(), ReadError> {
    let Some(doc) = crate::xml::read_document(input, source, limits, sink)? else { return Ok(()) };
    let mut f = Fields::new(&doc);
    let root = doc.root();
    let declaration = match doc.element(root).local_name() {
        "Declaration" => Some(root),
        "MetaData" => {
            let found = f.find(root, &["Declaration"]);
            if found.is_none() {
                let message = "expected a <Declaration> (DEC-DMS) in the <MetaData> envelope, found none".to_owned();
                f.error("wrong_root", message, root);
            }
            found
        }
        // HMRC's submission API wraps the MetaData envelope in a <submitDeclarationRequest>.
        "submitDeclarationRequest" => {
            // The envelope sits under the request's detail element: take the first Declaration in a MetaData.
            let found = doc.elements().map(|(id, _)| id).find(|&id| {
                let element = doc.element(id);
                element.local_name() == "Declaration"
                    && element.parent.is_some_and(|p| doc.element(p).local_name() == "MetaData")
            });
            if found.is_none() {
                let message =
                    "expected <MetaData><Declaration> (DEC-DMS) in the <submitDeclarationRequest>, found none"
                        .to_owned();
                f.error("wrong_root", message, root);
            }
            found
        }
        other => {
            let message = format!(
                "expected a WCO DM <Declaration>, a <MetaData> envelope or HMRC's <submitDeclarationRequest>, found <{other}>"
            );
            f.error("wrong_root", message, root);
            None
        }
    };
    let consignment = declaration.and_then(|d| map(&mut f, root, d));
    let consignment = consignment.filter(|c| !f.has_errors() && within_limits(&mut f, c, limits, root));
    for diagnostic in f.diagnostics {
        sink.diagnostic(diagnostic);
    }
    if let Some(consignment) = consignment {
        sink.consignment(consignment);
    }
    Ok(())
}

/// Maps a `Declaration` element.
fn map(f: &mut Fields<'_>, root: ElementId, d: ElementId) -> Option<Consignment> {
    // DE 2/5 LRN (the trader's reference) is the key; a declaration without one falls back to its MRN (DE 2/?).
    let reference = f.located(d, &["FunctionalReferenceID"]).or_else(|| f.located(d, &["ID"]));
    let Some((reference_at, reference)) = reference else {
        f.error(
            "missing_element",
            "expected a local reference number in <FunctionalReferenceID> (DE 2/5), found none".to_owned(),
            d,
        );
        return None;
    };
    let reference = match Reference::parse(&reference) {
        Ok(reference) => reference,
        Err(error) => {
            f.error("invalid_reference", error.to_string(), reference_at);
            return None;
        }
    };
    let type_code = f.require(d, &["TypeCode"], "the declaration type (DE 1/1 + 1/2)");
    let goods_shipment = f.find(d, &["GoodsShipment"]);
    let direction = match type_code.as_ref().map(|(_, t)| t.get(..2).unwrap_or(t).to_ascii_uppercase()).as_deref() {
        Some("EX") => Direction::Export,
        Some("IM") | None => Direction::Import,
        // CO (GB <-> NI, special fiscal territories) and others: the requested procedure says which way.
        Some(_) => match goods_shipment
            .and_then(|g| f.text(g, &["GovernmentAgencyGoodsItem", "GovernmentProcedure", "CurrentCode"]))
        {
            Some(code) if code.starts_with('1') || code.starts_with("2") || code.starts_with("3") => Direction::Export,
            _ => Direction::Import,
        },
    };
    let mut c = Consignment::new(reference, direction);
    c.document_kind = Some(DocumentKind::GoodsDeclaration);
    if let Some((_, type_code)) = type_code {
        c.attributes.insert("declaration_type".into(), type_code);
    }
    for (path, key) in [
        (&["ID"][..], "mrn"),
        (&["FunctionCode"][..], "function_code"),
        (&["GoodsItemQuantity"][..], "goods_item_quantity"),
        (&["AcceptanceDateTime", "DateTimeString"][..], "acceptance_date_time"),
        (&["ExitOffice", "ID"][..], "exit_office"),
        (&["SupervisingOffice", "ID"][..], "supervising_office"),
        (&["Agent", "FunctionCode"][..], "representative_status"),
        (&["InvoiceAmount"][..], "invoice_amount"),
    ] {
        if let Some(value) = f.text(d, path) {
            c.attributes.insert(key.into(), value);
        }
    }
    if root != d {
        for (element, key) in
            [("WCODataModelVersionCode", "wco_data_model_version"), ("ResponsibleCountryCode", "responsible_country")]
        {
            if let Some(value) = f.text(root, &[element]) {
                c.attributes.insert(key.into(), value);
            }
        }
    }
    c.customs_office = f.text(d, &["DeclarationOfficeID"]).or_else(|| match direction {
        Direction::Export => f.text(d, &["ExitOffice", "ID"]),
        _ => f.text(d, &["SupervisingOffice", "ID"]),
    });
    if let Some((at, text)) = f.located(d, &["IssueDateTime", "DateTimeString"]) {
        c.lodged_on = date_304(f, &text, at);
    }
    c.total_packages = f.find(d, &["TotalPackageQuantity"]).and_then(|at| f.count(at));
    // The invoice currency (DE 4/10) applies to item prices without their own; CDS assumes GBP when none is given.
    let invoice_currency = f
        .find(d, &["InvoiceAmount"])
        .and_then(|at| f.doc.element(at).attribute("currencyID"))
        .and_then(|code| CurrencyCode::parse(code.trim()).ok())
        .or_else(|| {
            let gb = root != d && f.text(root, &["ResponsibleCountryCode"]).as_deref() == Some("GB");
            gb.then(|| CurrencyCode::parse("GBP").expect("GBP is a currency"))
        });
    // Parties at declaration level.
    for (element, role) in [
        ("Declarant", PartyRole::Declarant),
        ("Exporter", PartyRole::Exporter),
        ("Agent", PartyRole::Representative),
        ("Submitter", PartyRole::Other),
    ] {
        for id in f.all(d, element) {
            if let Some(party) = party(f, id, role) {
                c.parties.push(party);
            }
        }
    }
    for holder in f.all(d, "AuthorisationHolder") {
        let category = f.text(holder, &["CategoryCode"]).unwrap_or_default();
        let id = f.text(holder, &["ID"]).unwrap_or_default();
        append(&mut c, "authorisation_holders", format!("{category} {id}").trim());
    }
    for document in f.all(d, "AdditionalDocument") {
        push_document(f, document, &mut c);
    }
    for guarantee in f.all(d, "ObligationGuarantee") {
        let code = f.text(guarantee, &["SecurityDetailsCode"]).unwrap_or_default();
        let id = f.text(guarantee, &["ID"]).or_else(|| f.text(guarantee, &["ReferenceID"])).unwrap_or_default();
        append(&mut c, "guarantees", format!("{code} {id}").trim());
    }
    if let Some(btm) = f.find(d, &["BorderTransportMeans"]) {
        if let Some((at, mode)) = f.located(btm, &["ModeCode"]) {
            c.mode_of_transport = TransportMode::from_rec19(&mode);
            if c.mode_of_transport.is_none() {
                f.error(
                    "invalid_code",
                    format!("expected a UN/ECE Rec. 19 mode of transport code, found {mode:?}"),
                    at,
                );
            }
        }
        let mut means = transport_means(f, btm, "border_transport_means", &mut c);
        means.nationality = f.country_at(btm, &["RegistrationNationalityCode"]);
        if means != TransportMeans::default() {
            c.transport = Some(means);
        }
    }
    // Declaration-level consignment (exports: carrier, itinerary, consignor).
    if let Some(consignment) = f.find(d, &["Consignment"]) {
        for (element, role) in [("Carrier", PartyRole::Carrier), ("Consignor", PartyRole::Consignor)] {
            for id in f.all(consignment, element) {
                if let Some(party) = party(f, id, role) {
                    c.parties.push(party);
                }
            }
        }
        let mut stops: Vec<(u32, ElementId)> = Vec::new();
        for stop in f.all(consignment, "Itinerary") {
            let sequence = f.find(stop, &["SequenceNumeric"]).and_then(|at| f.count(at)).unwrap_or(u32::MAX);
            stops.push((sequence, stop));
        }
        stops.sort_by_key(|(sequence, _)| *sequence);
        for (_, stop) in stops {
            if let Some(country) = f.country_at(stop, &["RoutingCountryCode"]) {
                c.itinerary.routing_countries.push(country);
            }
        }
        if let Some(freight) = f.text(consignment, &["Freight", "PaymentMethodCode"]) {
            c.attributes.insert("freight_payment_method".into(), freight);
        }
    }
    if let Some(g) = goods_shipment {
        goods::shipment(f, g, &mut c, invoice_currency.as_ref());
    } else {
        f.warning("missing_element", "expected a <GoodsShipment>, found none".to_owned(), d);
    }
    if let Some((at, stated)) = f.located(d, &["GoodsItemQuantity"]) {
        if stated.parse::<usize>().ok() != Some(c.goods.len()) {
            let message = format!(
                "expected the total number of items {stated} (DE 1/9) to equal the goods items, found {}",
                c.goods.len()
            );
            f.warning("item_count_mismatch", message, at);
        }
    }
    c.documents.dedup();
    Some(c)
}

/// Reads a party (`Exporter`, `Importer`, `Declarant`…): name, address, and its `ID` as an identifier — scheme
/// `eori` when it has the EORI shape (a country code and up to 15 letters or digits), else `id`.
fn party(f: &mut Fields<'_>, id: ElementId, role: PartyRole) -> Option<Party> {
    let address = f.find(id, &["Address"]).map(|a| Address {
        street: f.text(a, &["Line"]),
        city: f.text(a, &["CityName"]),
        postcode: f.text(a, &["PostcodeID"]),
        subdivision: f.text(a, &["CountrySubDivisionCode"]),
        country: f.country_at(a, &["CountryCode"]),
    });
    let identifiers: Vec<PartyIdentifier> = f
        .text(id, &["ID"])
        .map(|value| {
            let scheme = if is_eori(&value) { "eori" } else { "id" };
            PartyIdentifier { scheme: scheme.into(), value }
        })
        .into_iter()
        .collect();
    let name = f.text(id, &["Name"]);
    if name.is_none() && address.is_none() && identifiers.is_empty() {
        return None;
    }
    Some(Party { role, name, address, identifiers, contact: None })
}

/// Returns whether a value has the shape of an EORI number: an ISO country code (or `XI`) and 1 to 15 letters or
/// digits.
fn is_eori(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() >= 3
        && bytes.len() <= 17
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && aduana_core::CountryCode::parse(&value[..2]).is_ok()
        && bytes[2..].iter().all(u8::is_ascii_alphanumeric)
}

/// Reads a transport means' `ID` by its `IdentificationTypeCode` (WCO DM code list 7/7-7/9): `10` IMO number,
/// `11` vessel name, `40` flight number, `41` aircraft registration, `30`/`31` road vehicle registration.
fn transport_means(f: &mut Fields<'_>, id: ElementId, key: &str, c: &mut Consignment) -> TransportMeans {
    let mut means = TransportMeans::default();
    let Some(value) = f.text(id, &["ID"]) else { return means };
    match f.text(id, &["IdentificationTypeCode"]).as_deref() {
        Some("10") => match ImoNumber::parse(&value) {
            Ok(imo) => means.imo = Some(imo),
            Err(_) => {
                // Not a valid IMO number (the samples use `12345`): kept as declared.
                c.attributes.insert(format!("{key}_id").into(), value);
            }
        },
        Some("11") => means.name = Some(value),
        Some("40") => means.conveyance_reference = Some(value),
        Some("41" | "30" | "31" | "20" | "21") => means.vehicle_registration = Some(value),
        _ => means.conveyance_reference = Some(value),
    }
    means
}

/// Adds an `AdditionalDocument` or `PreviousDocument` (kind = category code + type code, e.g. `N935`, `Z355`).
fn push_document(f: &mut Fields<'_>, id: ElementId, c: &mut Consignment) {
    let kind = format!(
        "{}{}",
        f.text(id, &["CategoryCode"]).unwrap_or_default(),
        f.text(id, &["TypeCode"]).unwrap_or_default()
    );
    let reference = f.text(id, &["ID"]).or_else(|| {
        f.text(id, &["LPCOExemptionCode"]).map(|code| format!("exempt {code}").into()).or_else(|| f.text(id, &["Name"]))
    });
    if let Some(reference) = reference {
        let document = DocumentReference { kind: kind.into(), reference };
        if !c.documents.contains(&document) {
            c.documents.push(document);
        }
    }
}

/// Reads the date of a WCO `DateTimeString` in format 304 (`20240425090243+01`, `20240425090243Z`) or 102
/// (`20240425`).
fn date_304(f: &mut Fields<'_>, text: &str, at: ElementId) -> Option<chrono::NaiveDate> {
    match text.get(..8).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y%m%d").ok()) {
        Some(date) => Some(date),
        None => {
            f.error(
                "invalid_date",
                format!("expected a date-time like 20240425090243Z (format 304), found {text:?}"),
                at,
            );
            None
        }
    }
}

/// Returns a place from a name (a location code) and the country at a path.
fn place(f: &mut Fields<'_>, id: ElementId, name_path: &[&str], country_path: &[&str]) -> Option<Place> {
    let place = Place { locode: None, name: f.text(id, name_path), country: f.country_at(id, country_path) };
    place.is_known().then_some(place)
}

/// Adds a container (`TransportEquipment`) with its seals.
fn equipment(f: &mut Fields<'_>, id: ElementId, containerised: bool, c: &mut Consignment) {
    let Some(number) = f.text(id, &["ID"]) else { return };
    let seals = f.all(id, "Seal").into_iter().filter_map(|s| f.text(s, &["ID"])).collect();
    if c.equipment.iter().any(|e| e.id == number) {
        return;
    }
    let kind = if containerised { EquipmentKind::Container } else { EquipmentKind::Other };
    c.equipment.push(Equipment { id: number, kind, size_type: None, seals, full: None });
}
