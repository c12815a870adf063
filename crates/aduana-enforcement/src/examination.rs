//! A positive examination result opens a seizure case: the case starts from what the consignment declares (the
//! office, the route, the containers and conveyance, the parties as companies) and links the consignment and the
//! examination; the officer completes the rest on the case.

use aduana_core::{Consignment, ContainerNumber};
use chrono::NaiveDate;

use crate::case::{Case, CaseStatus, Company, Conveyance, Restriction, Route};
use crate::taxonomy::{CommodityArea, Concealment, DetectionMethod};

/// What the officer says about the find when recording the result.
#[derive(Debug, Clone, PartialEq)]
pub struct Find {
    /// The day of the examination.
    pub date: NaiveDate,
    /// What was found (the examination's findings).
    pub findings: String,
    /// The commodity area, when the officer gave one.
    pub commodity_area: CommodityArea,
    /// The concealment method, when the officer gave one.
    pub concealment: Concealment,
}

/// Returns the case a positive examination of a stored consignment version opens.
pub fn case_from_examination(consignment: &Consignment, consignment_id: i64, examination_id: i64, find: &Find) -> Case {
    let itinerary = &consignment.itinerary;
    let transport = consignment.transport.as_ref();
    let locode = [&itinerary.place_of_discharge, &itinerary.first_place_of_entry, &itinerary.place_of_delivery]
        .into_iter()
        .find_map(|p| p.as_ref().and_then(|p| p.locode.clone()));
    let containers: Vec<ContainerNumber> =
        consignment.equipment.iter().filter_map(aduana_core::Equipment::container_number).collect();
    let companies = consignment
        .parties
        .iter()
        .filter_map(|p| {
            let name = p.name.as_deref()?.to_owned();
            let address = p.address.as_ref().and_then(|a| {
                let parts: Vec<&str> =
                    [&a.street, &a.postcode, &a.city].into_iter().filter_map(|x| x.as_deref()).collect();
                a.street.is_some().then(|| parts.join(", "))
            });
            Some(Company {
                name,
                identifier: p.identifiers.first().map(|i| i.value.to_string()),
                country: p.country().cloned(),
                addresses: address.into_iter().collect(),
                phones: p.contact.as_ref().and_then(|c| c.phone.as_deref().map(str::to_owned)).into_iter().collect(),
            })
        })
        .collect();
    let goods: Vec<&str> = consignment.goods.iter().filter_map(|g| g.description.as_deref()).collect();
    Case {
        date: find.date,
        office: consignment.customs_office.as_deref().unwrap_or("not recorded").to_owned(),
        locode,
        detection_method: DetectionMethod::PhysicalExamination,
        commodity_area: find.commodity_area,
        commodity: find.findings.clone(),
        hs_code: consignment.goods.iter().find_map(|g| g.hs_code.clone()),
        quantities: Vec::new(),
        concealment: find.concealment,
        concealment_details: String::new(),
        conveyance: Conveyance {
            vessel_imo: transport.and_then(|t| t.imo.clone()),
            vessel_name: transport.and_then(|t| t.name.as_deref().map(str::to_owned)),
            flight: transport.and_then(|t| t.conveyance_reference.as_deref().map(str::to_owned)),
            vehicle_plate: transport.and_then(|t| t.vehicle_registration.as_deref().map(str::to_owned)),
            containers,
        },
        route: Route {
            departure: itinerary.country_of_dispatch.clone(),
            transit: itinerary.routing_countries.clone(),
            destination: itinerary.country_of_destination.clone(),
        },
        persons: Vec::new(),
        companies,
        consignment_ids: vec![consignment_id],
        examination_ids: vec![examination_id],
        status: CaseStatus::Open,
        restriction: Restriction::default(),
        narrative: format!(
            "Opened from examination {examination_id} of consignment {} (declared: {})",
            consignment.reference.as_str(),
            goods.join("; ")
        ),
        investigation: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_case_takes_route_containers_and_parties_from_the_consignment() {
        let consignment: Consignment = serde_json::from_value(serde_json::json!({
            "reference": "EX1", "direction": "import", "customs_office": "NL000396",
            "parties": [{"role": "consignee", "name": "Tropical Fruit BV", "contact": {"phone": "+31 20 555 1234"}}],
            "itinerary": {"country_of_dispatch": "EC", "country_of_destination": "NL",
                          "place_of_discharge": {"locode": "NLRTM"}},
            "equipment": [{"id": "CSQU3054383", "kind": "container"}],
            "goods": [{"sequence": 1, "hs_code": "080390", "description": "bananas"}],
        }))
        .expect("a consignment");
        let find = Find {
            date: NaiveDate::from_ymd_opt(2025, 3, 14).expect("a date"),
            findings: "40 kg cocaine in the reefer unit".to_owned(),
            commodity_area: CommodityArea::Drugs,
            concealment: Concealment::ContainerStructure,
        };
        let case = case_from_examination(&consignment, 7, 3, &find);
        assert!(case.problems().is_empty(), "{:?}", case.problems());
        assert_eq!(case.route.label().as_deref(), Some("EC>NL"));
        assert_eq!(case.locode.as_ref().map(|l| l.as_str()), Some("NLRTM"));
        assert_eq!(case.conveyance.containers[0].as_str(), "CSQU3054383");
        assert_eq!(case.companies[0].phones, ["+31 20 555 1234"]);
        assert_eq!((case.consignment_ids.as_slice(), case.examination_ids.as_slice()), (&[7][..], &[3][..]));
    }
}
