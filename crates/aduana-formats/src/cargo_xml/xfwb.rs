//! XFWB: the air waybill (`Waybill`; message type 740 direct, 741 master). The air waybill number in
//! `BusinessHeaderDocument/ID` is the reference; the goods are the rating lines' consignment items.

use aduana_core::{AirWaybillNumber, Consignment, Direction, DocumentKind, Reference};

use super::{check_totals, customs_notes, customs_value, goods_item, header, parties, route, totals_and_handling};
use crate::xml::ElementId;
use crate::xml::fields::Fields;

/// Maps a `Waybill` document; `None` when the mandatory air waybill number is missing or invalid.
pub(super) fn map(f: &mut Fields<'_>, root: ElementId) -> Option<Consignment> {
    let awb_text = f.require(root, &["BusinessHeaderDocument", "ID"], "the air waybill number");
    let master = f.find(root, &["MasterConsignment"]);
    if master.is_none() {
        f.error("missing_element", "expected <MasterConsignment>, found none".to_owned(), root);
    }
    let (awb_at, awb_text) = awb_text?;
    let master = master?;
    let air_waybill = match AirWaybillNumber::parse(&awb_text) {
        Ok(awb) => awb,
        Err(error) => {
            f.error(error.error_code(), error.to_string(), awb_at);
            return None;
        }
    };
    let reference = Reference::parse(air_waybill.as_str()).ok()?;
    let mut c = Consignment::new(reference, Direction::Import);
    c.document_kind = Some(DocumentKind::AirWaybill);
    c.air_waybill = Some(air_waybill);
    header(f, root, &mut c);
    c.parties = parties(f, master);
    customs_notes(f, master, &mut c);
    route(f, master, &mut c);
    totals_and_handling(f, master, &mut c);
    let items: Vec<ElementId> = f
        .all(master, "ApplicableRating")
        .into_iter()
        .flat_map(|rating| f.doc.children_named(rating, "IncludedMasterConsignmentItem").collect::<Vec<_>>())
        .collect();
    for (index, item) in items.into_iter().enumerate() {
        let goods = goods_item(f, item, index, &mut c);
        c.goods.push(goods);
    }
    customs_value(f, master, &mut c);
    check_totals(f, master, &c);
    Some(c)
}
