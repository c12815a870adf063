//! Link analysis: everything connected to an entity (person, company, address, phone, container, vehicle, …)
//! within two hops, across seizure cases and consignments. A hop is a record: the records that mention the entity
//! are one hop away, the records sharing any entity with those are two hops away. The store fetches the mentions
//! (`Mention`: a record and an entity it names); [`two_hops`] walks them and returns the result as a list of
//! records and as a graph of nodes and edges for the API and the page.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::entities::{EntityKind, EntityRef};

/// The kind of a linked record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A seizure or offence case.
    Case,
    /// A stored consignment version.
    Consignment,
}

impl RecordKind {
    /// Returns the stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Case => "case",
            RecordKind::Consignment => "consignment",
        }
    }

    /// Parses a stable name.
    pub fn parse(input: &str) -> Option<RecordKind> {
        match input {
            "case" => Some(RecordKind::Case),
            "consignment" => Some(RecordKind::Consignment),
            _ => None,
        }
    }
}

/// A case or consignment, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    /// Case or consignment.
    pub kind: RecordKind,
    /// Its id.
    pub id: i64,
}

/// A record mentions an entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mention {
    /// The record.
    pub record: RecordRef,
    /// The entity it names.
    pub entity: EntityRef,
}

/// A record found by link analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedRecord {
    /// The record.
    #[serde(flatten)]
    pub record: RecordRef,
    /// 1 when it mentions the start entity, 2 when it shares an entity with such a record.
    pub hop: u8,
    /// The entities through which it is linked (the start entity, or those it shares with a one-hop record).
    pub via: Vec<EntityRef>,
}

/// A node of the link graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// A stable id: `case:12`, `consignment:7`, `person:jan de vries`.
    pub id: String,
    /// `case`, `consignment` or an entity kind.
    pub kind: String,
    /// What to show.
    pub label: String,
    /// Distance from the start: 0 for the start entity, 1 and 2 for records, entities take their record's hop.
    pub hop: u8,
}

/// An edge of the link graph: a record mentions an entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    /// The record's node id.
    pub from: String,
    /// The entity's node id.
    pub to: String,
}

/// The result of link analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Links {
    /// The entity analysed.
    pub start: EntityRef,
    /// The linked records, one hop first, then by kind and id.
    pub records: Vec<LinkedRecord>,
    /// The same as a graph.
    pub nodes: Vec<Node>,
    /// Its edges, sorted.
    pub edges: Vec<Edge>,
}

/// Returns the node id of an entity.
pub fn entity_node_id(kind: EntityKind, key: &str) -> String {
    format!("{}:{key}", kind.as_str())
}

fn record_node_id(record: RecordRef) -> String {
    format!("{}:{}", record.kind.as_str(), record.id)
}

/// Walks the mentions two hops out from `start`. `mentions` must hold every mention of the start entity, every
/// mention made by a one-hop record, and every mention of those records' entities (the store fetches exactly
/// these); anything further is ignored.
pub fn two_hops(start: &EntityRef, mentions: &[Mention]) -> Links {
    let same = |a: &EntityRef, b: &EntityRef| a.kind == b.kind && a.key == b.key;
    let hop1: BTreeSet<RecordRef> = mentions.iter().filter(|m| same(&m.entity, start)).map(|m| m.record).collect();
    // The entities of one-hop records (other than the start), by key, with the label first seen.
    let mut shared: BTreeMap<(EntityKind, String), EntityRef> = BTreeMap::new();
    for m in mentions.iter().filter(|m| hop1.contains(&m.record) && !same(&m.entity, start)) {
        shared.entry((m.entity.kind, m.entity.key.clone())).or_insert_with(|| m.entity.clone());
    }
    let mut hop2: BTreeMap<RecordRef, Vec<EntityRef>> = BTreeMap::new();
    for m in mentions {
        if hop1.contains(&m.record) || same(&m.entity, start) {
            continue;
        }
        if let Some(entity) = shared.get(&(m.entity.kind, m.entity.key.clone())) {
            let via = hop2.entry(m.record).or_default();
            if !via.contains(entity) {
                via.push(entity.clone());
            }
        }
    }

    let mut records: Vec<LinkedRecord> =
        hop1.iter().map(|r| LinkedRecord { record: *r, hop: 1, via: vec![start.clone()] }).collect();
    records.extend(hop2.iter().map(|(r, via)| LinkedRecord { record: *r, hop: 2, via: via.clone() }));

    let mut nodes = vec![Node {
        id: entity_node_id(start.kind, &start.key),
        kind: start.kind.as_str().to_owned(),
        label: start.label.clone(),
        hop: 0,
    }];
    let mut edges = BTreeSet::new();
    for linked in &records {
        nodes.push(Node {
            id: record_node_id(linked.record),
            kind: linked.record.kind.as_str().to_owned(),
            label: format!("{} {}", linked.record.kind.as_str(), linked.record.id),
            hop: linked.hop,
        });
    }
    for entity in shared.values() {
        nodes.push(Node {
            id: entity_node_id(entity.kind, &entity.key),
            kind: entity.kind.as_str().to_owned(),
            label: entity.label.clone(),
            hop: 1,
        });
    }
    for record in &hop1 {
        edges.insert(Edge { from: record_node_id(*record), to: entity_node_id(start.kind, &start.key) });
    }
    for m in mentions.iter().filter(|m| hop1.contains(&m.record) && !same(&m.entity, start)) {
        edges.insert(Edge { from: record_node_id(m.record), to: entity_node_id(m.entity.kind, &m.entity.key) });
    }
    for (record, via) in &hop2 {
        for entity in via {
            edges.insert(Edge { from: record_node_id(*record), to: entity_node_id(entity.kind, &entity.key) });
        }
    }
    Links { start: start.clone(), records, nodes, edges: edges.into_iter().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(kind: RecordKind, id: i64, entity: EntityKind, value: &str) -> Mention {
        Mention { record: RecordRef { kind, id }, entity: EntityRef::new(entity, value).expect("an entity") }
    }

    #[test]
    fn a_phone_links_a_case_to_a_consignment_and_through_its_container_to_another_case() {
        use EntityKind::{Container, Person, Phone};
        use RecordKind::{Case, Consignment};
        let mentions = vec![
            mention(Case, 1, Person, "Jan de Vries"),
            mention(Case, 1, Phone, "+31 6 1234 5678"),
            mention(Consignment, 7, Phone, "0031 612345678"),
            mention(Consignment, 7, Container, "CSQU3054383"),
            mention(Case, 2, Container, "CSQU 305438 3"),
            mention(Case, 3, Person, "Someone Else"),
        ];
        let start = EntityRef::new(Person, "JAN DE VRIES").expect("an entity");
        let links = two_hops(&start, &mentions);
        let found: Vec<(String, u8)> = links.records.iter().map(|r| (record_node_id(r.record), r.hop)).collect();
        // The phone, shared with case 1, puts the consignment two hops away.
        assert_eq!(found, [("case:1".to_owned(), 1), ("consignment:7".to_owned(), 2)]);

        let phone = EntityRef::new(Phone, "+31612345678").expect("an entity");
        let links = two_hops(&phone, &mentions);
        let found: Vec<(String, u8)> = links.records.iter().map(|r| (record_node_id(r.record), r.hop)).collect();
        assert_eq!(found, [("case:1".to_owned(), 1), ("consignment:7".to_owned(), 1), ("case:2".to_owned(), 2)]);
        assert_eq!(links.records[2].via[0].key, "CSQU3054383");
        assert!(links.edges.contains(&Edge { from: "case:2".to_owned(), to: "container:CSQU3054383".to_owned() }));
        assert!(!links.nodes.iter().any(|n| n.id == "case:3" || n.id == "person:someone else"));
        // Every edge joins two nodes of the graph.
        for edge in &links.edges {
            assert!(links.nodes.iter().any(|n| n.id == edge.from), "{edge:?}");
            assert!(links.nodes.iter().any(|n| n.id == edge.to), "{edge:?}");
        }
    }
}
