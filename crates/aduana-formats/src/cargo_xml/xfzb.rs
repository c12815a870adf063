//! XFZB: the house waybill (`HouseWaybill`, message type 703). The house waybill number is the reference (the
//! "+1" of PLACI 7+1); the master air waybill number in `TransportContractDocument/ID` is the master reference and
//! the validated `air_waybill`. Parties, totals and goods come from the `IncludedHouseConsignment`.

use aduana_core::{AirWaybillNumber, Consignment, Direction, DocumentKind, Reference};

use super::{check_totals, customs_notes, customs_value, goods_item, header, parties, route, totals_and_handling};
use crate::xml::ElementId;
use crate::xml::fields::Fields;

/// Maps a `HouseWaybill` document; `None` when a mandatory element is missing or invalid.
pub(super) fn map(f: &mut Fields<'_>, root: ElementId) -> Option<Consignment> {
    let Some(master) = f.find(root, &["MasterConsignment"]) else {
        f.error("missing_element", "expected <MasterConsignment>, found none".to_owned(), root);
        return None;
    };
    let house = f.find(master, &["IncludedHouseConsignment"]);
    if house.is_none() {
        f.error("missing_element", "expected <IncludedHouseConsignment>, found none".to_owned(), master);
    }
    let awb = f.require(master, &["TransportContractDocument", "ID"], "the master air waybill number");
    let air_waybill = awb.and_then(|(at, text)| match AirWaybillNumber::parse(&text) {
        Ok(awb) => Some(awb),
        Err(error) => {
            f.error(error.error_code(), error.to_string(), at);
            None
        }
    });
    let house = house?;
    let house_number = f
        .located(house, &["ID"])
        .or_else(|| f.located(root, &["BusinessHeaderDocument", "ID"]))
        .or_else(|| f.require(house, &["ID"], "the house waybill number"));
    let (number_at, number) = house_number?;
    let reference = match Reference::parse(&number) {
        Ok(reference) => reference,
        Err(error) => {
            f.error("invalid_reference", error.to_string(), number_at);
            return None;
        }
    };
    let air_waybill = air_waybill?;
    let mut c = Consignment::new(reference, Direction::Import);
    c.document_kind = Some(DocumentKind::HouseAirWaybill);
    c.master_reference = Some(air_waybill.as_str().into());
    c.air_waybill = Some(air_waybill);
    header(f, root, &mut c);
    c.parties = parties(f, house);
    customs_notes(f, house, &mut c);
    route(f, house, &mut c);
    if c.itinerary.place_of_loading.is_none() || c.itinerary.place_of_discharge.is_none() {
        let mut master_route = Consignment::new(c.reference.clone(), Direction::Import);
        route(f, master, &mut master_route);
        c.itinerary.place_of_loading = c.itinerary.place_of_loading.take().or(master_route.itinerary.place_of_loading);
        c.itinerary.place_of_discharge =
            c.itinerary.place_of_discharge.take().or(master_route.itinerary.place_of_discharge);
    }
    totals_and_handling(f, house, &mut c);
    if let Some(description) = f.text(house, &["SummaryDescription"]) {
        c.attributes.insert("summary_description".into(), description);
    }
    if let Some(at) = f.find(master, &["IncludedTareGrossWeightMeasure"]) {
        if let Some(kg) = f.mass_kg(at, None) {
            c.attributes.insert("master_gross_weight_kg".into(), kg.to_string().into());
        }
    }
    if let Some(pieces) = f.text(master, &["TotalPieceQuantity"]) {
        c.attributes.insert("master_total_pieces".into(), pieces);
    }
    for (index, item) in f.all(house, "IncludedHouseConsignmentItem").into_iter().enumerate() {
        let mut goods = goods_item(f, item, index, &mut c);
        if goods.description.is_none() && index == 0 {
            goods.description = c.attributes.get("summary_description").cloned();
        }
        c.goods.push(goods);
    }
    customs_value(f, house, &mut c);
    check_totals(f, house, &c);
    Some(c)
}
