//! Structuring detection: cash split into amounts that each stay just below the declaration threshold.
//!
//! Two patterns, each alert explaining itself (which records, how they are linked, the amounts and their sum):
//!
//! - **Repeated** — the same or linked persons make several records within a window of days whose totals each lie
//!   in the band just below the threshold (by default 80 % to under 100 %). Persons are linked when their records
//!   share an identity document number, a normalised name with the same date of birth, an address, a telephone
//!   number, or an owner or recipient (by normalised name). Links are followed transitively within the window.
//! - **Companions** — travellers on the same conveyance (flight, vessel, vehicle) in the same direction on the same
//!   day who each carry less than the threshold but a meaningful share of it (by default at least 25 %), and
//!   together carry at least the threshold: one movement split across companions.

use std::collections::{BTreeMap, BTreeSet};

use aduana_core::Decimal;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::cash::declaration::{CashRecord, Movement};
use crate::cash::rates::{RateError, RateTable, Threshold};

/// What counts as structuring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuringConfig {
    /// The declaration threshold.
    pub threshold: Threshold,
    /// The lower end of the band, as a percentage of the threshold (inclusive), e.g. 80.
    pub band_low_percent: Decimal,
    /// The upper end of the band, as a percentage of the threshold (exclusive), e.g. 100.
    pub band_high_percent: Decimal,
    /// How many days (from the first to the last record) a repeated pattern may span.
    pub window_days: u32,
    /// How many records in the band make a repeated pattern (at least 2).
    pub min_records: usize,
    /// The smallest share of the threshold, in percent, a companion must carry to count, e.g. 25.
    pub companion_floor_percent: Decimal,
}

/// The kind of pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Linked persons, several amounts just below the threshold within the window.
    Repeated,
    /// Companions on one conveyance, each below the threshold, together at or above it.
    Companions,
}

/// Why records belong together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Link {
    /// What they share: `same document`, `same name and date of birth`, `same address`, `same phone`,
    /// `same owner or recipient`, `same conveyance`.
    pub kind: &'static str,
    /// The shared value, normalised.
    pub value: String,
    /// The references of the records that share it.
    pub references: Vec<String>,
}

/// One record in an alert, with its total in euro.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRecord {
    /// The record's reference.
    pub reference: String,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The declarant's name.
    pub declarant: String,
    /// Its total in euro.
    pub total_eur: Decimal,
}

/// One structuring alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// The pattern.
    pub kind: AlertKind,
    /// The records, oldest first.
    pub records: Vec<AlertRecord>,
    /// How they are linked.
    pub links: Vec<Link>,
    /// Their sum in euro.
    pub total_eur: Decimal,
    /// The threshold in euro.
    pub threshold_eur: Decimal,
    /// One sentence saying why this is an alert.
    pub explanation: String,
}

/// Finds structuring patterns in records. Deterministic: the same records in any order give the same alerts.
pub fn detect_structuring(
    records: &[CashRecord],
    rates: &RateTable,
    config: &StructuringConfig,
) -> Result<Vec<Alert>, RateError> {
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        items.push(Item { record, total_eur: rates.total_eur(&record.amounts)? });
    }
    items.sort_by(|a, b| (a.record.at, &a.record.reference).cmp(&(b.record.at, &b.record.reference)));
    let mut alerts = repeated(&items, config);
    alerts.extend(companions(&items, config));
    alerts.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    Ok(alerts)
}

/// A record with its total.
#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    record: &'a CashRecord,
    total_eur: Decimal,
}

fn sort_key(alert: &Alert) -> (Option<DateTime<Utc>>, AlertKind, Vec<&str>) {
    (alert.records.first().map(|r| r.at), alert.kind, references(alert))
}

fn references(alert: &Alert) -> Vec<&str> {
    alert.records.iter().map(|r| r.reference.as_str()).collect()
}

fn percent_of(threshold: Threshold, percent: Decimal) -> Decimal {
    threshold.eur() * percent / Decimal::ONE_HUNDRED
}

fn repeated(items: &[Item<'_>], config: &StructuringConfig) -> Vec<Alert> {
    let low = percent_of(config.threshold, config.band_low_percent);
    let high = percent_of(config.threshold, config.band_high_percent);
    let in_band: Vec<Item<'_>> = items.iter().copied().filter(|i| i.total_eur >= low && i.total_eur < high).collect();
    let min_records = config.min_records.max(2);
    let window = chrono::Duration::days(i64::from(config.window_days));
    let mut emitted: Vec<BTreeSet<usize>> = Vec::new();
    let mut alerts = Vec::new();
    for start in 0..in_band.len() {
        let end = in_band[start..].iter().take_while(|i| i.record.at - in_band[start].record.at <= window).count();
        let window_items = &in_band[start..start + end];
        for component in linked_components(window_items) {
            // Only components containing the window's first record: later ones are found from their own start.
            if component.len() < min_records || component[0] != 0 {
                continue;
            }
            let set: BTreeSet<usize> = component.iter().map(|i| i + start).collect();
            if emitted.iter().any(|e| set.is_subset(e)) {
                continue;
            }
            let members: Vec<Item<'_>> = component.iter().map(|i| window_items[*i]).collect();
            emitted.push(set);
            alerts.push(repeated_alert(&members, config, low, high));
        }
    }
    alerts
}

fn repeated_alert(members: &[Item<'_>], config: &StructuringConfig, low: Decimal, high: Decimal) -> Alert {
    let links = shared_keys(members);
    let total_eur: Decimal = members.iter().map(|m| m.total_eur).sum();
    let amounts: Vec<String> =
        members.iter().map(|m| format!("{} EUR {:.2}", m.record.reference, m.total_eur)).collect();
    let link_text: Vec<String> =
        links.iter().map(|l| format!("{} {} ({})", l.kind, l.value, l.references.join(", "))).collect();
    let explanation = format!(
        "{} records within {} days by the same or linked persons, each between EUR {:.2} and EUR {:.2} ({}–{} % of \
         the EUR {} threshold): {}; together EUR {:.2}{}; linked by {}",
        members.len(),
        config.window_days,
        low.round_dp(2),
        high.round_dp(2),
        config.band_low_percent,
        config.band_high_percent,
        config.threshold.eur(),
        amounts.join(", "),
        total_eur,
        if config.threshold.is_reached_by(total_eur) { ", at or above the threshold" } else { "" },
        link_text.join("; "),
    );
    Alert {
        kind: AlertKind::Repeated,
        records: members.iter().map(alert_record).collect(),
        links,
        total_eur,
        threshold_eur: config.threshold.eur(),
        explanation,
    }
}

fn alert_record(item: &Item<'_>) -> AlertRecord {
    AlertRecord {
        reference: item.record.reference.clone(),
        at: item.record.at,
        declarant: item.record.declarant.name.clone(),
        total_eur: item.total_eur,
    }
}

fn companions(items: &[Item<'_>], config: &StructuringConfig) -> Vec<Alert> {
    let floor = percent_of(config.threshold, config.companion_floor_percent);
    let mut groups: BTreeMap<(NaiveDate, &'static str, &'static str, String), Vec<Item<'_>>> = BTreeMap::new();
    for item in items {
        let record = item.record;
        let Some(conveyance) = record.route.conveyance.as_deref().map(normalise_code).filter(|c| !c.is_empty()) else {
            continue;
        };
        if record.movement != Movement::Accompanied
            || config.threshold.is_reached_by(item.total_eur)
            || item.total_eur < floor
        {
            continue;
        }
        let key = (record.at.date_naive(), record.direction.as_str(), record.route.mode.as_str(), conveyance);
        groups.entry(key).or_default().push(*item);
    }
    let mut alerts = Vec::new();
    for ((day, direction, mode, conveyance), members) in groups {
        let persons: BTreeSet<String> = members.iter().map(|m| person_key(m.record)).collect();
        let total_eur: Decimal = members.iter().map(|m| m.total_eur).sum();
        if persons.len() < 2 || !config.threshold.is_reached_by(total_eur) {
            continue;
        }
        let refs: Vec<String> = members.iter().map(|m| m.record.reference.clone()).collect();
        let mut links =
            vec![Link { kind: "same conveyance", value: format!("{mode} {conveyance} {day}"), references: refs }];
        links.extend(shared_keys(&members));
        let amounts: Vec<String> =
            members.iter().map(|m| format!("{} EUR {:.2}", m.record.declarant.name, m.total_eur)).collect();
        let explanation = format!(
            "{} travellers {} on {mode} {conveyance} on {day} each carried less than the EUR {} threshold (and at \
             least {} % of it): {}; together EUR {:.2}, at or above the threshold",
            persons.len(),
            direction,
            config.threshold.eur(),
            config.companion_floor_percent,
            amounts.join(", "),
            total_eur,
        );
        alerts.push(Alert {
            kind: AlertKind::Companions,
            records: members.iter().map(alert_record).collect(),
            links,
            total_eur,
            threshold_eur: config.threshold.eur(),
            explanation,
        });
    }
    alerts
}

/// The keys by which a record links to others: (kind, normalised value).
fn link_keys(record: &CashRecord) -> BTreeSet<(&'static str, String)> {
    let mut keys = BTreeSet::new();
    let person = &record.declarant;
    if let Some(number) = person.document_number.as_deref().map(normalise_code).filter(|n| n.len() >= 4) {
        keys.insert(("same document", number));
    }
    if let Some(dob) = person.date_of_birth {
        let name = normalise_name(&person.name);
        if !name.is_empty() {
            keys.insert(("same name and date of birth", format!("{name} {dob}")));
        }
    }
    if let Some(address) = person.address.as_deref().map(normalise_name).filter(|a| a.len() >= 6) {
        keys.insert(("same address", address));
    }
    if let Some(phone) = person.phone.as_deref().map(normalise_phone).filter(|p| p.len() >= 6) {
        keys.insert(("same phone", phone));
    }
    for party in [&record.owner, &record.recipient].into_iter().flatten() {
        let name = normalise_name(&party.name);
        if !name.is_empty() {
            keys.insert(("same owner or recipient", name));
        }
    }
    keys
}

/// Groups items into sets connected by shared keys; each set lists item indices ascending, sets by first index.
fn linked_components(items: &[Item<'_>]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with_key: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        for key in link_keys(item.record) {
            match first_with_key.get(&key) {
                Some(&other) => {
                    let (a, b) = (find(&mut parent, index), find(&mut parent, other));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_with_key.insert(key, index);
                }
            }
        }
    }
    let mut components: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for index in 0..items.len() {
        let root = find(&mut parent, index);
        components.entry(root).or_default().push(index);
    }
    components.into_values().collect()
}

/// The keys shared by at least two of the items, with the references sharing each.
fn shared_keys(items: &[Item<'_>]) -> Vec<Link> {
    let mut by_key: BTreeMap<(&'static str, String), Vec<String>> = BTreeMap::new();
    for item in items {
        for key in link_keys(item.record) {
            by_key.entry(key).or_default().push(item.record.reference.clone());
        }
    }
    by_key
        .into_iter()
        .filter(|(_, refs)| refs.len() >= 2)
        .map(|((kind, value), references)| Link { kind, value, references })
        .collect()
}

/// Identifies a person across records: the document number if any, else name and date of birth, else the name.
fn person_key(record: &CashRecord) -> String {
    let person = &record.declarant;
    match (person.document_number.as_deref().map(normalise_code), person.date_of_birth) {
        (Some(number), _) if !number.is_empty() => format!("doc {number}"),
        (_, Some(dob)) => format!("name {} {dob}", normalise_name(&person.name)),
        _ => format!("name {}", normalise_name(&person.name)),
    }
}

/// A name or address for comparison: transliterated to ASCII, lower case, words sorted (so that "DOE, John" and
/// "John Doe" compare equal).
pub fn normalise_name(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    let mut words: Vec<&str> = ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.join(" ")
}

/// A document number or conveyance for comparison: ASCII letters and digits, upper case.
pub fn normalise_code(text: &str) -> String {
    deunicode::deunicode(text).chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// A telephone number for comparison: its digits, an international `00` prefix as `+`'s equivalent dropped.
pub fn normalise_phone(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.strip_prefix("00").map(str::to_owned).unwrap_or(digits)
}

#[cfg(test)]
mod tests;
