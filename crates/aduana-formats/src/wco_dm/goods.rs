//! The `GoodsShipment` of a WCO DM declaration: parties, countries, consignment (transport, location,
//! containers), previous documents and the `GovernmentAgencyGoodsItem`s.

use aduana_core::{Consignment, CurrencyCode, Duty, GoodsItem, Packages, PartyRole, Text};

use super::{equipment, party, place, push_document, transport_means};
use crate::xml::ElementId;
use crate::xml::fields::{Fields, append};

/// Reads a `GoodsShipment` into the consignment.
pub(super) fn shipment(f: &mut Fields<'_>, g: ElementId, c: &mut Consignment, currency: Option<&CurrencyCode>) {
    for (element, role) in [
        ("Importer", PartyRole::Importer),
        ("Consignee", PartyRole::Consignee),
        ("Consignor", PartyRole::Consignor),
        ("Buyer", PartyRole::Buyer),
        ("Seller", PartyRole::Seller),
    ] {
        for id in f.all(g, element) {
            if let Some(party) = party(f, id, role) {
                c.parties.push(party);
            }
        }
    }
    for (element, key) in [
        ("DomesticDutyTaxParty", "domestic_duty_tax_parties"),
        ("AEOMutualRecognitionParty", "aeo_mutual_recognition_parties"),
    ] {
        for id in f.all(g, element) {
            let role = f.text(id, &["RoleCode"]).unwrap_or_default();
            let value = f.text(id, &["ID"]).unwrap_or_default();
            append(c, key, format!("{role} {value}").trim());
        }
    }
    c.itinerary.country_of_destination = f.country_at(g, &["Destination", "CountryCode"]);
    c.itinerary.country_of_dispatch = f.country_at(g, &["ExportCountry", "ID"]);
    for (path, key) in [
        (&["TransactionNatureCode"][..], "transaction_nature"),
        (&["UCR", "TraderAssignedReferenceID"][..], "ucr"),
        (&["Warehouse", "ID"][..], "warehouse"),
        (&["CustomsValuation", "FreightChargeAmount"][..], "freight_charge_amount"),
    ] {
        if let Some(value) = f.text(g, path) {
            c.attributes.insert(key.into(), value);
        }
    }
    if let Some(terms) = f.find(g, &["TradeTerms"]) {
        let condition = f.text(terms, &["ConditionCode"]).unwrap_or_default();
        let location = f.text(terms, &["LocationID"]).unwrap_or_default();
        c.attributes.insert("trade_terms".into(), format!("{condition} {location}").trim().into());
    }
    if let Some(consignment) = f.find(g, &["Consignment"]) {
        let containerised = f.text(consignment, &["ContainerCode"]).as_deref() == Some("1");
        if let Some(code) = f.text(consignment, &["ContainerCode"]) {
            c.attributes.insert("container_indicator".into(), code);
        }
        if let Some(arrival) = f.find(consignment, &["ArrivalTransportMeans"]) {
            let means = transport_means(f, arrival, "arrival_transport_means", c);
            let described = [means.name, means.conveyance_reference, means.vehicle_registration]
                .into_iter()
                .flatten()
                .chain(means.imo.map(|i| Text::from(i.as_str())))
                .collect::<Vec<_>>()
                .join(" ");
            if !described.is_empty() {
                c.attributes.insert("arrival_transport_means".into(), described.into());
            }
            if let Some(mode) = f.text(arrival, &["ModeCode"]) {
                c.attributes.insert("inland_mode_of_transport".into(), mode);
            }
        }
        if let Some(departure) = f.find(consignment, &["DepartureTransportMeans"]) {
            let means = transport_means(f, departure, "departure_transport_means", c);
            if c.transport.is_none() && means != aduana_core::TransportMeans::default() {
                c.transport = Some(means);
            }
        }
        if let Some(location) = f.find(consignment, &["GoodsLocation"]) {
            let name = f.text(location, &["Name"]).or_else(|| f.text(location, &["ID"])).unwrap_or_default();
            let kind = f.text(location, &["TypeCode"]).unwrap_or_default();
            c.attributes.insert("goods_location".into(), format!("{name} {kind}").trim().into());
            if c.direction == aduana_core::Direction::Import {
                c.itinerary.place_of_delivery = place(f, location, &["Name"], &["Address", "CountryCode"]);
            } else {
                c.itinerary.place_of_loading = place(f, location, &["Name"], &["Address", "CountryCode"]);
            }
        }
        if let Some(loading) = f.find(consignment, &["LoadingLocation"]) {
            c.itinerary.place_of_loading = place(f, loading, &["ID"], &["CountryCode"]);
        }
        for id in f.all(consignment, "TransportEquipment") {
            equipment(f, id, containerised, c);
        }
    }
    for document in f.all(g, "PreviousDocument") {
        push_document(f, document, c);
    }
    for (index, item) in f.all(g, "GovernmentAgencyGoodsItem").into_iter().enumerate() {
        let goods = goods_item(f, item, index, c, currency);
        c.goods.push(goods);
    }
}

/// Reads a `GovernmentAgencyGoodsItem`.
fn goods_item(
    f: &mut Fields<'_>,
    id: ElementId,
    index: usize,
    c: &mut Consignment,
    currency: Option<&CurrencyCode>,
) -> GoodsItem {
    let sequence = f.find(id, &["SequenceNumeric"]).and_then(|at| f.count(at)).unwrap_or(index as u32 + 1);
    let mut item = GoodsItem::new(sequence);
    let prefix = format!("goods.{sequence}");
    if let Some(commodity) = f.find(id, &["Commodity"]) {
        item.description = f.text(commodity, &["Description"]);
        commodity_code(f, commodity, &mut item, c, &prefix);
        if let Some(measure) = f.find(commodity, &["GoodsMeasure"]) {
            item.gross_mass_kg = f.find(measure, &["GrossMassMeasure"]).and_then(|at| f.mass_kg(at, Some("KGM")));
            item.net_mass_kg = f.find(measure, &["NetNetWeightMeasure"]).and_then(|at| f.mass_kg(at, Some("KGM")));
            if let Some(quantity) = f.text(measure, &["TariffQuantity"]) {
                c.attributes.insert(format!("{prefix}.supplementary_units").into(), quantity);
            }
        }
        if let Some(at) = f.find(commodity, &["InvoiceLine", "ItemChargeAmount"]) {
            item.value = f.money(at, currency);
            if item.value.is_none() {
                if let Some(text) = f.text_of(at) {
                    c.attributes.insert(format!("{prefix}.item_charge_amount").into(), text);
                }
            }
        }
        for fee in f.all(commodity, "DutyTaxFee") {
            if let Some(regime) = f.text(fee, &["DutyRegimeCode"]) {
                item.duty.get_or_insert(Duty { rate_percent: None, tariff_type: Some(regime) });
            }
            if let Some(tax) = f.text(fee, &["TypeCode"]) {
                let method = f.text(fee, &["Payment", "MethodCode"]).unwrap_or_default();
                append(c, &format!("{prefix}.tax_types"), format!("{tax} {method}").trim());
            }
        }
        for equipment in f.all(commodity, "TransportEquipment") {
            if let Some(number) = f.text(equipment, &["ID"]) {
                item.equipment_ids.push(number);
            }
        }
    } else {
        // Amendments (function code 13) carry only what changes, so a missing commodity is not an error.
        f.warning(
            "missing_element",
            "expected a <Commodity> (DE 6/8, 6/14) in the goods item, found none".to_owned(),
            id,
        );
    }
    // The customs value (DE 4/?) where declared takes precedence over the item price.
    if let Some(at) = f.find(id, &["CustomsValueAmount"]) {
        if let Some(money) = f.money(at, currency) {
            item.value = Some(money);
        }
    }
    if let Some(at) = f.find(id, &["StatisticalValueAmount"]) {
        if let Some(text) = f.text_of(at) {
            c.attributes.insert(format!("{prefix}.statistical_value").into(), text);
        }
    }
    let origins = f.all(id, "Origin");
    for origin in origins {
        let preferential = f.text(origin, &["TypeCode"]).as_deref() == Some("2");
        let country = f.country_at(origin, &["CountryCode"]);
        match (preferential, country) {
            (false, Some(country)) => item.origin_country = Some(country),
            (true, Some(country)) => {
                c.attributes.insert(format!("{prefix}.preferential_origin").into(), country.to_string().into());
                item.origin_country.get_or_insert(country);
            }
            _ => {}
        }
    }
    let mut count: Option<u32> = None;
    let mut kinds = Vec::new();
    let mut marks = Vec::new();
    for packaging in f.all(id, "Packaging") {
        if let Some(n) = f.find(packaging, &["QuantityQuantity"]).and_then(|at| f.count(at)) {
            count = Some(count.unwrap_or(0).saturating_add(n));
        }
        kinds.extend(f.text(packaging, &["TypeCode"]));
        marks.extend(f.text(packaging, &["MarksNumbersID"]));
    }
    if count.is_some() || !kinds.is_empty() || !marks.is_empty() {
        let join = |v: Vec<Text>| (!v.is_empty()).then(|| v.join("; ").into());
        item.packages = Some(Packages { count, kind: join(kinds), marks: join(marks) });
    }
    let procedures: Vec<String> = f
        .all(id, "GovernmentProcedure")
        .into_iter()
        .map(|p| {
            format!(
                "{}{}",
                f.text(p, &["CurrentCode"]).unwrap_or_default(),
                f.text(p, &["PreviousCode"]).unwrap_or_default()
            )
        })
        .collect();
    if !procedures.is_empty() {
        c.attributes.insert(format!("{prefix}.procedures").into(), procedures.join(" ").into());
    }
    for info in f.all(id, "AdditionalInformation") {
        if let Some(code) = f.text(info, &["StatementCode"]) {
            append(c, &format!("{prefix}.additional_information"), &code);
        }
    }
    if let Some(method) = f.text(id, &["CustomsValuation", "MethodCode"]) {
        c.attributes.insert(format!("{prefix}.valuation_method").into(), method);
    }
    for document in f.all(id, "AdditionalDocument").into_iter().chain(f.all(id, "PreviousDocument")) {
        push_document(f, document, c);
    }
    item
}

/// Builds the commodity code from the `Classification`s: the combined nomenclature (`TSP`, `CN`, or `HS`, 8
/// digits) followed by the TARIC code (`TRC`, 2 digits) gives 10 digits; additional codes (`TRA`, `GN`) go to
/// `attributes`.
fn commodity_code(f: &mut Fields<'_>, commodity: ElementId, item: &mut GoodsItem, c: &mut Consignment, prefix: &str) {
    let mut base: Option<(ElementId, Text)> = None;
    let mut taric: Option<Text> = None;
    for classification in f.all(commodity, "Classification") {
        let Some((at, code)) = f.located(classification, &["ID"]) else { continue };
        match f.text(classification, &["IdentificationTypeCode"]).as_deref() {
            Some("TSP" | "CN" | "HS" | "TSC") => base = Some((at, code)),
            Some("TRC") => taric = Some(code),
            Some(other) => append(c, &format!("{prefix}.additional_codes"), &format!("{other} {code}")),
            None => append(c, &format!("{prefix}.additional_codes"), &code),
        }
    }
    let Some((at, base)) = base else {
        if taric.is_some() {
            f.warning(
                "missing_element",
                "expected a commodity code (TSP/CN) beside the TARIC code, found none".to_owned(),
                commodity,
            );
        }
        return;
    };
    let digits_only = |s: &str| s.chars().all(|ch| ch.is_ascii_digit());
    let code = match taric {
        Some(taric) if base.len() == 8 && taric.len() == 2 && digits_only(&base) && digits_only(&taric) => {
            format!("{base}{taric}")
        }
        _ => base.to_string(),
    };
    item.hs_code = f.hs_code(&code, at);
    if item.hs_code.is_none() {
        c.attributes.insert(format!("{prefix}.commodity_code").into(), code.into());
    }
}
