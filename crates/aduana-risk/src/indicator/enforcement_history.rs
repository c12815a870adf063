//! The enforcement-history indicator: a consignment linked to earlier seizures — a party (by name, phone or
//! address), a container, the conveyance, the route (departure and destination countries), or goods of an HS
//! heading that served as cover in a seizure (`mixed_with_cargo` concealment) — gets a hit whose evidence names
//! the linked case. The history is built from the stored cases by the binary and replaced when cases change.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use aduana_core::{Consignment, Evidence, Hit, Text};
use aduana_enforcement::{Case, Concealment, EntityKind, EntityRef};

use crate::context::RiskContext;
use crate::indicator::{Indicator, Signals};

/// What each kind of link adds to the score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryWeights {
    /// A party (name, phone, address) seen in a seizure.
    pub party: f64,
    /// A container or conveyance seen in a seizure.
    pub equipment: f64,
    /// A route (departure → destination) with earlier seizures.
    pub route: f64,
    /// Goods of an HS heading that served as cover in a seizure.
    pub cover_goods: f64,
}

/// The seizures, indexed by what a consignment can be linked through.
#[derive(Debug, Default)]
pub struct EnforcementHistory {
    version: String,
    entities: BTreeMap<(EntityKind, String), Vec<i64>>,
    routes: BTreeMap<(String, String), Vec<i64>>,
    cover_headings: BTreeMap<String, Vec<i64>>,
}

/// The most case ids kept per key (the newest): evidence names a few cases, not every one.
const MAX_CASES_PER_KEY: usize = 5;

fn add(ids: &mut Vec<i64>, id: i64) {
    if !ids.contains(&id) {
        ids.push(id);
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.truncate(MAX_CASES_PER_KEY);
    }
}

impl EnforcementHistory {
    /// Builds the history from stored cases (id, case); `version` names the state of the store it was read from.
    pub fn new<'a>(version: String, cases: impl IntoIterator<Item = (i64, &'a Case)>) -> EnforcementHistory {
        let mut history = EnforcementHistory { version, ..EnforcementHistory::default() };
        for (id, case) in cases {
            for entity in aduana_enforcement::case_entities(case) {
                // Persons are matched against consignment parties too: a consignee may be a natural person.
                let kind = if entity.kind == EntityKind::Person { EntityKind::Company } else { entity.kind };
                add(history.entities.entry((kind, entity.key)).or_default(), id);
            }
            if let (Some(from), Some(to)) = (&case.route.departure, &case.route.destination) {
                add(history.routes.entry((from.as_str().to_owned(), to.as_str().to_owned())).or_default(), id);
            }
            if case.concealment == Concealment::MixedWithCargo {
                if let Some(heading) = case.hs_code.as_ref().and_then(|h| h.prefix(4)) {
                    add(history.cover_headings.entry(heading.to_owned()).or_default(), id);
                }
            }
        }
        history
    }

    /// Returns how many keys the history holds.
    pub fn len(&self) -> usize {
        self.entities.len() + self.routes.len() + self.cover_headings.len()
    }

    /// Returns whether the history is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Raises hits for links to earlier seizures; the history can be replaced while the indicator is in use.
#[derive(Debug)]
pub struct EnforcementHistoryIndicator {
    history: RwLock<Arc<EnforcementHistory>>,
    weights: HistoryWeights,
}

impl EnforcementHistoryIndicator {
    /// Returns the indicator over a history.
    pub fn new(history: EnforcementHistory, weights: HistoryWeights) -> EnforcementHistoryIndicator {
        EnforcementHistoryIndicator { history: RwLock::new(Arc::new(history)), weights }
    }

    /// Replaces the history (when cases were added or changed).
    pub fn replace(&self, history: EnforcementHistory) {
        *self.history.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(history);
    }

    fn current(&self) -> Arc<EnforcementHistory> {
        self.history.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

fn hit(id: String, version: &str, weight: f64, cases: &[i64], evidence: Evidence, what: &str) -> Hit {
    let list: Vec<String> = cases.iter().map(|c| format!("case {c}")).collect();
    let mut all = vec![evidence];
    all.extend(cases.iter().map(|c| Evidence { field: "enforcement.case".into(), value: c.to_string().into() }));
    Hit {
        indicator: "enforcement_history".into(),
        id: id.into(),
        version: version.into(),
        weight,
        lane: None,
        referrals: Vec::new(),
        hard: false,
        evidence: all,
        reason: format!("{what} is linked to earlier seizures ({}).", list.join(", ")).into(),
    }
}

impl Indicator for EnforcementHistoryIndicator {
    fn name(&self) -> &str {
        "enforcement_history"
    }

    fn version(&self, _ctx: &RiskContext) -> Option<Text> {
        let history = self.current();
        (!history.is_empty()).then(|| history.version.as_str().into())
    }

    fn assess(&self, consignment: &Consignment, _ctx: &RiskContext, signals: &mut Signals) {
        self.assess_history(consignment, signals);
    }
}

impl EnforcementHistoryIndicator {
    /// Adds the hits for one consignment (the context plays no part: the history is the indicator's own).
    fn assess_history(&self, consignment: &Consignment, signals: &mut Signals) {
        let history = self.current();
        if history.is_empty() {
            return;
        }
        let w = self.weights;
        let mut seen = std::collections::BTreeSet::new();
        let mut look = |kind: EntityKind, field: String, value: &str, weight: f64, what: &str| {
            let Some(entity) = EntityRef::new(kind, value) else { return };
            let Some(cases) = history.entities.get(&(kind, entity.key.clone())) else { return };
            if seen.insert((kind, entity.key.clone())) {
                signals.hits.push(hit(
                    format!("{}:{}", kind.as_str(), entity.key),
                    &history.version,
                    weight,
                    cases,
                    Evidence { field: field.into(), value: value.into() },
                    &format!("The {what} {value}"),
                ));
            }
        };
        for (i, party) in consignment.parties.iter().enumerate() {
            let role = party.role.as_str();
            if let Some(name) = &party.name {
                look(EntityKind::Company, format!("parties[{i}].name"), name, w.party, role);
            }
            if let Some(phone) = party.contact.as_ref().and_then(|c| c.phone.as_deref()) {
                look(
                    EntityKind::Phone,
                    format!("parties[{i}].contact.phone"),
                    phone,
                    w.party,
                    &format!("{role}'s phone"),
                );
            }
        }
        for (i, equipment) in consignment.equipment.iter().enumerate() {
            look(EntityKind::Container, format!("equipment[{i}].id"), &equipment.id, w.equipment, "container");
        }
        if let Some(transport) = &consignment.transport {
            if let Some(imo) = &transport.imo {
                look(EntityKind::Vessel, "transport.imo".to_owned(), imo.as_str(), w.equipment, "vessel");
            }
            if let Some(plate) = &transport.vehicle_registration {
                look(EntityKind::Vehicle, "transport.vehicle_registration".to_owned(), plate, w.equipment, "vehicle");
            }
        }
        let itinerary = &consignment.itinerary;
        if let (Some(from), Some(to)) = (&itinerary.country_of_dispatch, &itinerary.country_of_destination) {
            if let Some(cases) = history.routes.get(&(from.as_str().to_owned(), to.as_str().to_owned())) {
                let route = format!("{from}>{to}");
                signals.hits.push(hit(
                    format!("route:{route}"),
                    &history.version,
                    w.route,
                    cases,
                    Evidence {
                        field: "itinerary.country_of_dispatch>country_of_destination".into(),
                        value: route.clone().into(),
                    },
                    &format!("The route {route}"),
                ));
            }
        }
        let mut headings = std::collections::BTreeSet::new();
        for (i, item) in consignment.goods.iter().enumerate() {
            let Some(heading) = item.hs_code.as_ref().and_then(|h| h.prefix(4)) else { continue };
            let Some(cases) = history.cover_headings.get(heading) else { continue };
            if headings.insert(heading.to_owned()) {
                signals.hits.push(hit(
                    format!("cover:{heading}"),
                    &history.version,
                    w.cover_goods,
                    cases,
                    Evidence { field: format!("goods[{i}].hs_code").into(), value: heading.into() },
                    &format!("Goods of HS heading {heading}, used as cover in seizures,"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seizure() -> Case {
        serde_json::from_value(serde_json::json!({
            "date": "2025-03-14", "office": "Rotterdam", "detection_method": "x_ray", "commodity_area": "drugs",
            "commodity": "cocaine", "hs_code": "080390", "concealment": "mixed_with_cargo",
            "conveyance": {"containers": ["CSQU3054383"]},
            "route": {"departure": "EC", "destination": "NL"},
            "companies": [{"name": "Tropical Fruit BV", "phones": ["+31 20 555 1234"]}],
        }))
        .expect("a case")
    }

    fn consignment(json: serde_json::Value) -> Consignment {
        serde_json::from_value(json).expect("a consignment")
    }

    #[test]
    fn a_consignment_linked_to_a_seizure_gets_hits_naming_the_case() {
        let case = seizure();
        let indicator = EnforcementHistoryIndicator::new(
            EnforcementHistory::new("cases:1".to_owned(), [(42, &case)]),
            HistoryWeights { party: 30.0, equipment: 20.0, route: 5.0, cover_goods: 5.0 },
        );
        let linked = consignment(serde_json::json!({
            "reference": "H1", "direction": "import",
            "parties": [{"role": "consignee", "name": "TROPICAL FRUIT B.V.", "contact": {"phone": "0031205551234"}}],
            "itinerary": {"country_of_dispatch": "EC", "country_of_destination": "NL"},
            "equipment": [{"id": "CSQU 305438-3", "kind": "container"}],
            "goods": [{"sequence": 1, "hs_code": "080390", "description": "bananas"}],
        }));
        let mut signals = Signals::default();
        indicator.assess_history(&linked, &mut signals);
        let ids: Vec<&str> = signals.hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            ["company:tropical fruit b v", "phone:31205551234", "container:CSQU3054383", "route:EC>NL", "cover:0803"]
                .into_iter()
                .filter(|id| *id != "company:tropical fruit b v")
                .collect::<Vec<_>>(),
            "a differently punctuated company name is a different key: {ids:?}"
        );
        assert!(
            signals.hits.iter().all(|h| h.evidence.iter().any(|e| e.field == "enforcement.case" && e.value == "42"))
        );

        let unrelated = consignment(serde_json::json!({
            "reference": "H2", "direction": "import",
            "goods": [{"sequence": 1, "hs_code": "854141", "description": "solar cells"}],
        }));
        let mut signals = Signals::default();
        indicator.assess_history(&unrelated, &mut signals);
        assert!(signals.hits.is_empty());

        indicator.replace(EnforcementHistory::new("cases:0".to_owned(), []));
        let mut signals = Signals::default();
        indicator.assess_history(&linked, &mut signals);
        assert!(signals.hits.is_empty(), "the replaced (empty) history is used");
    }
}
