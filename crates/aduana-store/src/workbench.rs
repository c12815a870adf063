//! What the targeting workbench keeps: the queue (red-lane and referred consignments, with who has claimed each),
//! the indexes behind the effectiveness dashboard and the parties' history, examination assignments and result
//! details, photos of examinations, and notifications of severe hits. The derived tables are filled from new
//! assessments by [`WorkbenchStore::sync_workbench`] (incremental: it remembers the last assessment indexed), so
//! that submission stays as fast as it was and the workbench's queries read small indexed tables.

use std::collections::{BTreeMap, HashMap, HashSet};

use aduana_core::{Lane, Referral};
use serde::Serialize;

use crate::StoreError;
use crate::records::Timestamp;

/// Which queue entries to list.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only this lane.
    pub lane: Option<Lane>,
    /// Only those with this referral.
    pub referral: Option<Referral>,
    /// Only this mode of transport (`sea`, `air`…; `` for none given).
    pub mode: Option<String>,
    /// Only this customs office.
    pub office: Option<String>,
    /// Only those hit by this profile (or other hit id).
    pub profile: Option<String>,
    /// Also those with a decision already recorded.
    pub include_decided: bool,
    /// Skip this many.
    pub offset: u32,
    /// At most this many (capped at 1,000; 0 means 100).
    pub limit: u32,
}

/// One consignment on the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueEntry {
    /// The consignment version.
    pub consignment_id: i64,
    /// Its reference.
    pub reference: String,
    /// Its submitter.
    pub submitter: String,
    /// The lane.
    pub lane: String,
    /// The score.
    pub score: f64,
    /// The referrals, space-separated.
    pub referrals: String,
    /// Import, export, transit…
    pub direction: String,
    /// The mode of transport (empty when not given).
    pub mode: String,
    /// The customs office (empty when not given).
    pub office: String,
    /// The ids of its hits, each between two [`HIT_ID_SEPARATOR`]s.
    pub hit_ids: String,
    /// When it was assessed.
    pub assessed_at: Timestamp,
    /// The officer working it, if any.
    pub claimed_by: Option<String>,
    /// The latest decision recorded on it, if any.
    pub decision: Option<String>,
}

/// Figures of one profile or indicator over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectionStats {
    /// The indicator (`profile`, `screening`…).
    pub indicator: String,
    /// The hit id (the profile id, list entry…); for per-indicator figures, the indicator again.
    pub hit_id: String,
    /// The week (Monday, `YYYY-MM-DD`) for series; empty for totals.
    pub week: String,
    /// Consignments it selected (hit).
    pub selections: i64,
    /// Of those, examinations ordered.
    pub examinations: i64,
    /// Of those, examinations that found something.
    pub finds: i64,
}

/// Lane counts of one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaneCount {
    /// The week (Monday, `YYYY-MM-DD`).
    pub week: String,
    /// The lane.
    pub lane: String,
    /// Assessments routed to it.
    pub count: i64,
}

/// An earlier consignment of a party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyHistoryEntry {
    /// The consignment version.
    pub consignment_id: i64,
    /// Its reference.
    pub reference: String,
    /// When it was received.
    pub received_at: String,
    /// The lane it was assessed to.
    pub lane: Option<String>,
    /// The score.
    pub score: Option<f64>,
    /// The latest decision, if any.
    pub decision: Option<String>,
    /// The latest examination outcome, if any.
    pub outcome: Option<String>,
}

/// The workbench's details of an examination order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExaminationDetails {
    /// The officer assigned to carry it out.
    pub assigned_to: Option<String>,
    /// The quantity found.
    pub quantity: Option<String>,
    /// Where it was concealed.
    pub concealment: Option<String>,
}

/// A photo of an examination (the file lives under the server's data directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Photo {
    /// Its id.
    pub id: i64,
    /// The examination order.
    pub order_id: i64,
    /// The file name the officer uploaded.
    pub file_name: String,
    /// The server's file name for it.
    pub stored_name: String,
    /// Its media type.
    pub content_type: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: String,
}

/// A photo to record.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    /// The examination order.
    pub order_id: i64,
    /// The uploaded file name.
    pub file_name: String,
    /// The server's file name.
    pub stored_name: String,
    /// Its media type.
    pub content_type: String,
    /// Who uploaded it.
    pub uploaded_by: String,
}

/// What the workbench records with an examination result besides the result itself: the quantity and concealment
/// of a find and the photos already saved under the data directory. Written in the result's transaction
/// (`EnforcementStore::record_examination_result_with_case`), so a result never stands without them.
#[derive(Debug, Clone, Default)]
pub struct ResultDetails<'a> {
    /// The quantity found (free text), when given.
    pub quantity: Option<&'a str>,
    /// Where and how the goods were concealed (free text), when given.
    pub concealment: Option<&'a str>,
    /// Photos of the examination; each must name the result's order.
    pub photos: &'a [NewPhoto],
}

/// A notification of a severe hit or decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Its id.
    pub id: i64,
    /// The consignment version.
    pub consignment_id: i64,
    /// Its reference.
    pub reference: String,
    /// `sanctions-match`, `do-not-load`…
    pub kind: String,
    /// What happened, for people.
    pub message: String,
    /// When.
    pub created_at: String,
    /// When the webhook accepted it.
    pub delivered_at: Option<String>,
    /// Webhook attempts so far.
    pub attempts: i64,
    /// The last webhook failure.
    pub last_error: Option<String>,
}

/// The workbench's persistence; a supertrait of [`crate::Store`].
#[async_trait::async_trait]
pub trait WorkbenchStore: Send + Sync {
    /// Indexes the assessments stored since the last call (queue, hits, parties, lane counts, notifications of
    /// severe hits); returns how many it indexed. Safe to call concurrently and from several processes.
    async fn sync_workbench(&self) -> Result<u64, StoreError>;
    /// Returns queue entries, highest score first.
    async fn queue(&self, filter: &QueueFilter) -> Result<Vec<QueueEntry>, StoreError>;
    /// Returns the queue entry of a consignment version, if it is on the queue.
    async fn queue_entry(&self, consignment_id: i64) -> Result<Option<QueueEntry>, StoreError>;
    /// Returns the distinct modes and offices on the queue (for the filters).
    async fn queue_facets(&self) -> Result<(Vec<String>, Vec<String>), StoreError>;
    /// Claims a queue entry for an officer; `Conflict` when another officer holds it.
    async fn claim(&self, consignment_id: i64, officer: &str) -> Result<(), StoreError>;
    /// Releases an officer's claim; `Conflict` when the officer does not hold it.
    async fn release_claim(&self, consignment_id: i64, officer: &str) -> Result<(), StoreError>;
    /// Figures per hit id (profile, list entry…) and per indicator, over the assessments since `from_week`.
    async fn selection_stats(&self, from_week: &str) -> Result<Vec<SelectionStats>, StoreError>;
    /// Weekly figures per indicator since `from_week`.
    async fn selection_series(&self, from_week: &str) -> Result<Vec<SelectionStats>, StoreError>;
    /// Lane counts per week since `from_week`.
    async fn lane_counts(&self, from_week: &str) -> Result<Vec<LaneCount>, StoreError>;
    /// Other consignments of parties of this one (by normalised name), newest first.
    async fn party_history(&self, consignment_id: i64, limit: u32) -> Result<Vec<PartyHistoryEntry>, StoreError>;
    /// Returns the workbench's details of an examination order.
    async fn examination_details(&self, order_id: i64) -> Result<ExaminationDetails, StoreError>;
    /// Assigns an examination to an officer.
    async fn assign_examination(&self, order_id: i64, officer: &str) -> Result<(), StoreError>;
    /// Stores the quantity and concealment of a found result.
    async fn record_examination_details(
        &self,
        order_id: i64,
        quantity: Option<&str>,
        concealment: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Examination orders assigned to an officer (or all when `None`) without a result, oldest first.
    async fn open_examinations(&self, officer: Option<&str>) -> Result<Vec<(i64, i64, Option<String>)>, StoreError>;
    /// Records a photo.
    async fn add_photo(&self, photo: &NewPhoto) -> Result<Photo, StoreError>;
    /// The photos of an examination.
    async fn photos(&self, order_id: i64) -> Result<Vec<Photo>, StoreError>;
    /// One photo.
    async fn photo(&self, id: i64) -> Result<Option<Photo>, StoreError>;
    /// Adds a notification.
    async fn add_notification(
        &self,
        consignment_id: i64,
        reference: &str,
        kind: &str,
        message: &str,
    ) -> Result<(), StoreError>;
    /// The newest notifications.
    async fn notifications(&self, limit: u32) -> Result<Vec<Notification>, StoreError>;
    /// Notifications not yet delivered to the webhook, oldest first.
    async fn undelivered_notifications(&self, limit: u32) -> Result<Vec<Notification>, StoreError>;
    /// Records a webhook attempt: delivered, or the error.
    async fn mark_notification(&self, id: i64, error: Option<&str>) -> Result<(), StoreError>;
}

/// The Monday of the week of a time, `YYYY-MM-DD`.
pub fn week_of(at: Timestamp) -> String {
    use chrono::Datelike;
    let date = at.date_naive();
    let monday = date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()));
    monday.format("%Y-%m-%d").to_string()
}

/// A party name as the history matches it: letters and digits, lower case, single spaces.
pub fn party_key(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// The notifications an assessment raises: (kind, message).
fn severe_hits(consignment: &IndexedConsignment, assessment: &IndexedAssessment) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if assessment.referrals.contains(&Referral::DoNotLoad) {
        out.push((
            "do-not-load".to_owned(),
            format!("{} was referred do-not-load (score {:.2})", consignment.reference, assessment.score),
        ));
    }
    for hit in assessment.hits.iter().filter(|h| h.indicator == "screening") {
        out.push(("sanctions-match".to_owned(), format!("{}: {}", consignment.reference, hit.reason)));
    }
    out
}

/// The fields of a stored consignment body that the indexer reads. Deserialising only these lets serde skip the
/// rest (goods, itinerary, equipment, addresses…) without building it, which was most of a round's parsing. The
/// fields read keep their domain types, so a value of one of them that the full [`aduana_core::Consignment`] would
/// reject is rejected here too; the fields not read are not checked (the body was validated when it was submitted,
/// and every reader of the whole record still parses all of it).
#[derive(serde::Deserialize)]
pub(crate) struct IndexedConsignment {
    reference: aduana_core::Reference,
    direction: aduana_core::Direction,
    #[serde(default)]
    mode_of_transport: Option<aduana_core::TransportMode>,
    #[serde(default)]
    customs_office: Option<aduana_core::Text>,
    #[serde(default)]
    parties: Vec<IndexedParty>,
}

/// The part of a stored party the indexer reads: its name.
#[derive(serde::Deserialize)]
struct IndexedParty {
    #[serde(default)]
    name: Option<aduana_core::Text>,
}

/// The fields of a stored assessment body that the indexer reads (see [`IndexedConsignment`]).
#[derive(serde::Deserialize)]
pub(crate) struct IndexedAssessment {
    score: f64,
    lane: Lane,
    referrals: Vec<Referral>,
    hits: Vec<IndexedHit>,
}

/// The part of a stored hit the indexer reads.
#[derive(serde::Deserialize)]
struct IndexedHit {
    indicator: String,
    id: String,
    reason: String,
}

/// Separates the hit ids in [`QueueEntry::hit_ids`] (ids may contain spaces: `KP/S/RES/1718 (2006)`).
pub const HIT_ID_SEPARATOR: &str = "\u{1f}";

/// Returns a `LIKE` pattern matching a whole hit id inside `hit_ids` (with `ESCAPE '\'`).
pub(crate) fn hit_id_pattern(id: &str) -> String {
    let escaped = id.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{HIT_ID_SEPARATOR}{escaped}{HIT_ID_SEPARATOR}%")
}

/// Everything `sync_workbench` derives from one assessment.
pub(crate) struct Derived {
    pub(crate) queue: Option<[String; 5]>,
    pub(crate) hits: Vec<(String, String)>,
    pub(crate) parties: Vec<String>,
    pub(crate) week: String,
    pub(crate) notifications: Vec<(String, String)>,
}

pub(crate) fn derive(
    consignment: &IndexedConsignment,
    assessment: &IndexedAssessment,
    assessed_at: Timestamp,
) -> Derived {
    let on_queue = assessment.lane == Lane::Red || !assessment.referrals.is_empty();
    let queue = on_queue.then(|| {
        let referrals: Vec<&str> = assessment.referrals.iter().map(|r| r.as_str()).collect();
        let mut hit_ids = String::from(HIT_ID_SEPARATOR);
        for hit in &assessment.hits {
            hit_ids.push_str(&hit.id);
            hit_ids.push_str(HIT_ID_SEPARATOR);
        }
        let json = |v: &dyn erased::AsJsonStr| v.json_str();
        [
            format!(" {} ", referrals.join(" ")),
            json(&consignment.direction),
            consignment.mode_of_transport.as_ref().map(|m| json(m)).unwrap_or_default(),
            consignment.customs_office.as_deref().unwrap_or_default().to_owned(),
            hit_ids,
        ]
    });
    let mut parties: Vec<String> =
        consignment.parties.iter().filter_map(|p| p.name.as_deref()).map(party_key).filter(|k| !k.is_empty()).collect();
    parties.sort();
    parties.dedup();
    Derived {
        queue,
        hits: assessment.hits.iter().map(|h| (h.indicator.to_string(), h.id.to_string())).collect(),
        parties,
        week: week_of(assessed_at),
        notifications: severe_hits(consignment, assessment),
    }
}

/// One stored assessment as `sync_workbench` indexes it: read and derived before its write transaction begins.
pub(crate) struct Indexed {
    pub(crate) assessment_id: i64,
    pub(crate) consignment_id: i64,
    pub(crate) reference: String,
    pub(crate) submitter: String,
    pub(crate) lane: Lane,
    pub(crate) score: f64,
    pub(crate) assessed_at: String,
    pub(crate) derived: Derived,
}

/// Parses one stored assessment and its consignment (the columns of `sync_workbench`'s read) and derives what is
/// indexed.
pub(crate) fn index_row(
    (assessment_id, consignment_id, reference, submitter, assessed_at, assessment, consignment): StoredPair,
) -> Result<Indexed, StoreError> {
    let at = crate::sql::parse_timestamp("assessment", &assessment_id.to_string(), &assessed_at)?;
    let assessment: IndexedAssessment = crate::sql::parse_body("assessment", assessment_id, &assessment)?;
    let consignment: IndexedConsignment = crate::sql::parse_body("consignment", consignment_id, &consignment)?;
    let derived = derive(&consignment, &assessment, at);
    Ok(Indexed {
        assessment_id,
        consignment_id,
        reference,
        submitter,
        lane: assessment.lane,
        score: assessment.score,
        assessed_at,
        derived,
    })
}

/// The columns `sync_workbench` reads per assessment: ids, reference, submitter, `assessed_at` and the two bodies.
pub(crate) type StoredPair = (i64, i64, String, String, String, String, String);

/// What one round of `sync_workbench` writes, planned in memory so that each table takes a few multi-row statements
/// instead of one statement per assessment. The result is the same as indexing the assessments one by one in order
/// (`assessment_id`): each deleted the queue entries of earlier versions of its reference and submitter, then
/// upserted its own, and bumped the counters by one.
pub(crate) struct IndexPlan<'a> {
    /// Per reference and submitter, the highest consignment id indexed: stored queue entries below it go.
    pub(crate) replaced_below: HashMap<(&'a str, &'a str), i64>,
    /// The entries whose queue row is written: those not replaced by a later version in the same round (for a
    /// consignment indexed twice, the later one).
    pub(crate) queued: Vec<(&'a Indexed, &'a [String; 5])>,
    /// `(week, kind, indicator, hit_id)` → selections to add (each counted once per assessment).
    pub(crate) selections: BTreeMap<(&'a str, &'a str, &'a str, &'a str), i64>,
    /// `(week, lane)` → assessments to add.
    pub(crate) lanes: BTreeMap<(&'a str, &'a str), i64>,
}

pub(crate) fn plan_index(entries: &[Indexed]) -> IndexPlan<'_> {
    let mut replaced_below: HashMap<(&str, &str), i64> = HashMap::new();
    let mut queued = Vec::new();
    let mut queued_ids = HashSet::new();
    // Backwards: an entry's queue row survives unless a later entry of its key deletes it (a higher consignment id)
    // or overwrites it (the same consignment id, queued again).
    for entry in entries.iter().rev() {
        let key = (entry.reference.as_str(), entry.submitter.as_str());
        let later = replaced_below.get(&key).copied();
        let deleted_later = later.is_some_and(|later| later > entry.consignment_id);
        if let Some(queue) = &entry.derived.queue {
            if !deleted_later && queued_ids.insert(entry.consignment_id) {
                queued.push((entry, queue));
            }
        }
        if later.is_none_or(|later| entry.consignment_id > later) {
            replaced_below.insert(key, entry.consignment_id);
        }
    }
    queued.reverse();
    let mut selections = BTreeMap::new();
    let mut lanes = BTreeMap::new();
    for entry in entries {
        let week = entry.derived.week.as_str();
        let mut counted: Vec<(&str, &str, &str)> = Vec::new();
        for (indicator, hit_id) in &entry.derived.hits {
            for key in
                [("hit", indicator.as_str(), hit_id.as_str()), ("indicator", indicator.as_str(), indicator.as_str())]
            {
                if !counted.contains(&key) {
                    counted.push(key);
                }
            }
        }
        for (kind, indicator, hit_id) in counted {
            *selections.entry((week, kind, indicator, hit_id)).or_insert(0) += 1;
        }
        *lanes.entry((week, entry.lane.as_str())).or_insert(0) += 1;
    }
    IndexPlan { replaced_below, queued, selections, lanes }
}

/// The string form of a unit enum through its serde name.
mod erased {
    pub(crate) trait AsJsonStr {
        fn json_str(&self) -> String;
    }
    impl<T: serde::Serialize> AsJsonStr for T {
        fn json_str(&self) -> String {
            match serde_json::to_value(self) {
                Ok(serde_json::Value::String(s)) => s,
                Ok(other) => other.to_string(),
                Err(_) => String::new(),
            }
        }
    }
}

/// Implements [`WorkbenchStore`] for a backend; expanded inside the backend's module (after `impl_sql_store!`).
macro_rules! impl_workbench_store {
    ($store:ty, $db:ty) => {
        mod workbench_impl {
            use super::*;
            use crate::records::timestamp_text;
            use crate::sql::{effective_limit, parse_timestamp};
            use crate::workbench::{
                ExaminationDetails, LaneCount, NewPhoto, Notification, PartyHistoryEntry, Photo, QueueEntry,
                QueueFilter, SelectionStats,
            };

            type DbRow = <$db as sqlx::Database>::Row;

            /// Stores the quantity and concealment of a found result (see `record_examination_details`); also used
            /// inside the result's transaction.
            pub(super) async fn write_details(
                conn: &mut <$db as sqlx::Database>::Connection,
                order_id: i64,
                quantity: Option<&str>,
                concealment: Option<&str>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO workbench_examinations (order_id, quantity, concealment) VALUES ($1, $2, $3) \
                     ON CONFLICT (order_id) DO UPDATE SET quantity = excluded.quantity, \
                     concealment = excluded.concealment",
                )
                .bind(order_id)
                .bind(quantity)
                .bind(concealment)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// Records a photo (see `add_photo`); also used inside the result's transaction.
            pub(super) async fn insert_photo(
                conn: &mut <$db as sqlx::Database>::Connection,
                photo: &NewPhoto,
            ) -> Result<Photo, StoreError> {
                let row = sqlx::query(
                    "INSERT INTO workbench_photos (order_id, file_name, stored_name, content_type, uploaded_by, \
                     uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, order_id, file_name, \
                     stored_name, content_type, uploaded_by, uploaded_at",
                )
                .bind(photo.order_id)
                .bind(&photo.file_name)
                .bind(&photo.stored_name)
                .bind(&photo.content_type)
                .bind(&photo.uploaded_by)
                .bind(timestamp_text(chrono::Utc::now()))
                .fetch_one(&mut *conn)
                .await?;
                photo_row(&row)
            }

            const QUEUE_COLUMNS: &str = "q.consignment_id, q.reference, q.submitter, q.lane, q.score, q.referrals, \
                q.direction, q.mode, q.office, q.hit_ids, q.assessed_at, q.claimed_by, \
                (SELECT d.kind FROM decisions d WHERE d.consignment_id = q.consignment_id ORDER BY d.id DESC LIMIT 1) \
                AS decision FROM workbench_queue q";

            fn queue_row(row: &DbRow) -> Result<QueueEntry, StoreError> {
                let id: i64 = row.try_get("consignment_id")?;
                let at: String = row.try_get("assessed_at")?;
                Ok(QueueEntry {
                    consignment_id: id,
                    reference: row.try_get("reference")?,
                    submitter: row.try_get("submitter")?,
                    lane: row.try_get("lane")?,
                    score: row.try_get("score")?,
                    referrals: row.try_get("referrals")?,
                    direction: row.try_get("direction")?,
                    mode: row.try_get("mode")?,
                    office: row.try_get("office")?,
                    hit_ids: row.try_get("hit_ids")?,
                    assessed_at: parse_timestamp("queue entry", &id.to_string(), &at)?,
                    claimed_by: row.try_get("claimed_by")?,
                    decision: row.try_get("decision")?,
                })
            }

            /// Joins selection counts and examination counts by (week, kind, indicator, hit id); a per-indicator
            /// row has `hit_id == indicator`. Sorted by selections, most first (series: by week, then indicator).
            fn merge_stats(selected: &[DbRow], examined: &[DbRow], weekly: bool) -> Result<Vec<SelectionStats>, StoreError> {
                let mut merged: std::collections::BTreeMap<(String, String, String, String), SelectionStats> =
                    std::collections::BTreeMap::new();
                let week = |row: &DbRow| -> Result<String, StoreError> {
                    if weekly { Ok(row.try_get("week")?) } else { Ok(String::new()) }
                };
                for row in selected {
                    let key = (week(row)?, row.try_get("kind")?, row.try_get("indicator")?, row.try_get("hit_id")?);
                    let selections: i64 = row.try_get("selections")?;
                    let entry = merged.entry(key.clone()).or_insert_with(|| SelectionStats {
                        indicator: key.2.clone(),
                        hit_id: key.3.clone(),
                        week: key.0.clone(),
                        selections: 0,
                        examinations: 0,
                        finds: 0,
                    });
                    entry.selections += selections;
                }
                for row in examined {
                    let key = (week(row)?, row.try_get("kind")?, row.try_get("indicator")?, row.try_get("hit_id")?);
                    let entry = merged.entry(key.clone()).or_insert_with(|| SelectionStats {
                        indicator: key.2.clone(),
                        hit_id: key.3.clone(),
                        week: key.0.clone(),
                        selections: 0,
                        examinations: 0,
                        finds: 0,
                    });
                    entry.examinations += row.try_get::<i64, _>("examinations")?;
                    entry.finds += row.try_get::<i64, _>("finds")?;
                }
                let mut out: Vec<SelectionStats> = merged
                    .into_iter()
                    .filter(|((_, kind, indicator, hit_id), _)| kind == "hit" || indicator == hit_id)
                    .map(|(_, v)| v)
                    .collect();
                if !weekly {
                    out.sort_by(|a, b| b.selections.cmp(&a.selections).then_with(|| a.hit_id.cmp(&b.hit_id)));
                }
                Ok(out)
            }

            fn photo_row(row: &DbRow) -> Result<Photo, StoreError> {
                Ok(Photo {
                    id: row.try_get("id")?,
                    order_id: row.try_get("order_id")?,
                    file_name: row.try_get("file_name")?,
                    stored_name: row.try_get("stored_name")?,
                    content_type: row.try_get("content_type")?,
                    uploaded_by: row.try_get("uploaded_by")?,
                    uploaded_at: row.try_get("uploaded_at")?,
                })
            }

            fn notification_row(row: &DbRow) -> Result<Notification, StoreError> {
                Ok(Notification {
                    id: row.try_get("id")?,
                    consignment_id: row.try_get("consignment_id")?,
                    reference: row.try_get("reference")?,
                    kind: row.try_get("kind")?,
                    message: row.try_get("message")?,
                    created_at: row.try_get("created_at")?,
                    delivered_at: row.try_get("delivered_at")?,
                    attempts: row.try_get("attempts")?,
                    last_error: row.try_get("last_error")?,
                })
            }

            /// Writes what one round of `sync_workbench` derived (`crate::workbench::plan_index`), a few multi-row
            /// statements per table.
            async fn write_index(
                tx: &mut sqlx::Transaction<'static, $db>,
                entries: &[crate::workbench::Indexed],
            ) -> Result<(), StoreError> {
                use crate::sql::CHUNK;
                let plan = crate::workbench::plan_index(entries);
                let now = timestamp_text(chrono::Utc::now());
                // An amendment replaces the earlier versions on the queue: find the stored entries of these
                // references and delete those below the newest version indexed now.
                let mut references: Vec<&str> = plan.replaced_below.keys().map(|(reference, _)| *reference).collect();
                references.sort_unstable();
                references.dedup();
                let mut replaced = Vec::new();
                for chunk in references.chunks(CHUNK) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "SELECT consignment_id, reference, submitter FROM workbench_queue WHERE reference IN (",
                    );
                    let mut list = query.separated(", ");
                    for reference in chunk {
                        list.push_bind(*reference);
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&mut **tx).await? {
                        let id: i64 = row.try_get("consignment_id")?;
                        let reference: String = row.try_get("reference")?;
                        let submitter: String = row.try_get("submitter")?;
                        let below = plan.replaced_below.get(&(reference.as_str(), submitter.as_str()));
                        if below.is_some_and(|below| id < *below) {
                            replaced.push(id);
                        }
                    }
                }
                for chunk in replaced.chunks(CHUNK) {
                    let mut query =
                        sqlx::QueryBuilder::<$db>::new("DELETE FROM workbench_queue WHERE consignment_id IN (");
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    query.push(")");
                    query.build().execute(&mut **tx).await?;
                }
                for chunk in plan.queued.chunks(CHUNK) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO workbench_queue (consignment_id, reference, submitter, lane, score, referrals, \
                         direction, mode, office, hit_ids, assessed_at) ",
                    );
                    query.push_values(chunk, |mut row, (entry, [referrals, direction, mode, office, hit_ids])| {
                        row.push_bind(entry.consignment_id)
                            .push_bind(entry.reference.as_str())
                            .push_bind(entry.submitter.as_str())
                            .push_bind(entry.lane.as_str())
                            .push_bind(entry.score)
                            .push_bind(referrals.as_str())
                            .push_bind(direction.as_str())
                            .push_bind(mode.as_str())
                            .push_bind(office.as_str())
                            .push_bind(hit_ids.as_str())
                            .push_bind(entry.assessed_at.as_str());
                    });
                    query.push(
                        " ON CONFLICT (consignment_id) DO UPDATE SET lane = excluded.lane, score = excluded.score, \
                         referrals = excluded.referrals, hit_ids = excluded.hit_ids, assessed_at = excluded.assessed_at",
                    );
                    query.build().execute(&mut **tx).await?;
                }
                let hits: Vec<(&crate::workbench::Indexed, usize, &(String, String))> = entries
                    .iter()
                    .flat_map(|entry| entry.derived.hits.iter().enumerate().map(move |(seq, hit)| (entry, seq, hit)))
                    .collect();
                for chunk in hits.chunks(CHUNK) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO workbench_hits (assessment_id, seq, consignment_id, indicator, hit_id, week) ",
                    );
                    query.push_values(chunk, |mut row, (entry, seq, (indicator, hit_id))| {
                        row.push_bind(entry.assessment_id)
                            .push_bind(*seq as i64)
                            .push_bind(entry.consignment_id)
                            .push_bind(indicator.as_str())
                            .push_bind(hit_id.as_str())
                            .push_bind(entry.derived.week.as_str());
                    });
                    query.push(" ON CONFLICT DO NOTHING");
                    query.build().execute(&mut **tx).await?;
                }
                let parties: Vec<(i64, &str)> = entries
                    .iter()
                    .flat_map(|entry| entry.derived.parties.iter().map(|key| (entry.consignment_id, key.as_str())))
                    .collect();
                for chunk in parties.chunks(CHUNK) {
                    let mut query =
                        sqlx::QueryBuilder::<$db>::new("INSERT INTO workbench_parties (consignment_id, name_key) ");
                    query.push_values(chunk, |mut row, (consignment_id, key)| {
                        row.push_bind(*consignment_id).push_bind(*key);
                    });
                    query.push(" ON CONFLICT DO NOTHING");
                    query.build().execute(&mut **tx).await?;
                }
                let selections: Vec<_> = plan.selections.iter().collect();
                for chunk in selections.chunks(CHUNK) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO workbench_selections (week, kind, indicator, hit_id, count) ",
                    );
                    query.push_values(chunk, |mut row, ((week, kind, indicator, hit_id), count)| {
                        row.push_bind(*week).push_bind(*kind).push_bind(*indicator).push_bind(*hit_id).push_bind(**count);
                    });
                    query.push(
                        " ON CONFLICT (week, kind, indicator, hit_id) \
                         DO UPDATE SET count = workbench_selections.count + excluded.count",
                    );
                    query.build().execute(&mut **tx).await?;
                }
                let lanes: Vec<_> = plan.lanes.iter().collect();
                for chunk in lanes.chunks(CHUNK) {
                    let mut query = sqlx::QueryBuilder::<$db>::new("INSERT INTO workbench_lanes (week, lane, count) ");
                    query.push_values(chunk, |mut row, ((week, lane), count)| {
                        row.push_bind(*week).push_bind(*lane).push_bind(**count);
                    });
                    query.push(
                        " ON CONFLICT (week, lane) DO UPDATE SET count = workbench_lanes.count + excluded.count",
                    );
                    query.build().execute(&mut **tx).await?;
                }
                let notifications: Vec<(&crate::workbench::Indexed, &(String, String))> = entries
                    .iter()
                    .flat_map(|entry| entry.derived.notifications.iter().map(move |n| (entry, n)))
                    .collect();
                for chunk in notifications.chunks(CHUNK) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO workbench_notifications (consignment_id, reference, kind, message, created_at) ",
                    );
                    query.push_values(chunk, |mut row, (entry, (kind, message))| {
                        row.push_bind(entry.consignment_id)
                            .push_bind(entry.reference.as_str())
                            .push_bind(kind.as_str())
                            .push_bind(message.as_str())
                            .push_bind(now.as_str());
                    });
                    query.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            #[async_trait::async_trait]
            impl crate::workbench::WorkbenchStore for $store {
                async fn sync_workbench(&self) -> Result<u64, StoreError> {
                    let mut total = 0u64;
                    loop {
                        // Read and derive before the write transaction: with SQLite, every submission waits while
                        // a writer holds the lock, so it is held only for the few statements that write.
                        let last: Option<i64> =
                            sqlx::query_scalar("SELECT last_id FROM workbench_sync WHERE name = 'assessments'")
                                .fetch_optional(&self.pool)
                                .await?;
                        let last = last.unwrap_or(0);
                        let rows = sqlx::query(
                            "SELECT a.id, a.consignment_id, a.body AS abody, a.assessed_at, \
                             c.reference, c.submitter, c.body AS cbody FROM assessments a \
                             JOIN consignments c ON c.id = a.consignment_id WHERE a.id > $1 ORDER BY a.id LIMIT 2000",
                        )
                        .bind(last)
                        .fetch_all(&self.pool)
                        .await?;
                        let Some(last_row) = rows.last() else { return Ok(total) };
                        let new_last: i64 = last_row.try_get("id")?;
                        let mut stored = Vec::with_capacity(rows.len());
                        for row in &rows {
                            stored.push((
                                row.try_get("id")?,
                                row.try_get("consignment_id")?,
                                row.try_get("reference")?,
                                row.try_get("submitter")?,
                                row.try_get("assessed_at")?,
                                row.try_get("abody")?,
                                row.try_get("cbody")?,
                            ));
                        }
                        drop(rows);
                        // Parsing thousands of bodies takes milliseconds: not on the async runtime's threads.
                        let entries = tokio::task::spawn_blocking(move || {
                            stored.into_iter().map(crate::workbench::index_row).collect::<Result<Vec<_>, _>>()
                        })
                        .await
                        .map_err(|_| StoreError::Closed)??;
                        let (_gate, mut tx) = self.begin_write().await?;
                        // Two processes syncing at once: only the one that advances from `last` commits.
                        let advanced = sqlx::query(
                            "UPDATE workbench_sync SET last_id = $1 WHERE name = 'assessments' AND last_id = $2",
                        )
                        .bind(new_last)
                        .bind(last)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if advanced == 0 {
                            let inserted = sqlx::query(
                                "INSERT INTO workbench_sync (name, last_id) VALUES ('assessments', $1) \
                                 ON CONFLICT (name) DO NOTHING",
                            )
                            .bind(new_last)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                            if inserted == 0 || last != 0 {
                                tx.rollback().await?;
                                continue;
                            }
                        }
                        write_index(&mut tx, &entries).await?;
                        tx.commit().await?;
                        total += entries.len() as u64;
                    }
                }

                async fn queue(&self, filter: &QueueFilter) -> Result<Vec<QueueEntry>, StoreError> {
                    let mut query = sqlx::QueryBuilder::<$db>::new(format!("SELECT {QUEUE_COLUMNS} WHERE 1 = 1"));
                    if let Some(lane) = filter.lane {
                        query.push(" AND q.lane = ").push_bind(lane.as_str());
                    }
                    if let Some(referral) = filter.referral {
                        query.push(" AND q.referrals LIKE ").push_bind(format!("% {} %", referral.as_str()));
                    }
                    if let Some(mode) = &filter.mode {
                        query.push(" AND q.mode = ").push_bind(mode.clone());
                    }
                    if let Some(office) = &filter.office {
                        query.push(" AND q.office = ").push_bind(office.clone());
                    }
                    if let Some(profile) = &filter.profile {
                        query.push(" AND q.hit_ids LIKE ").push_bind(crate::workbench::hit_id_pattern(profile));
                        query.push(" ESCAPE '\\'");
                    }
                    if !filter.include_decided {
                        query.push(
                            " AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.consignment_id = q.consignment_id)",
                        );
                    }
                    query.push(" ORDER BY q.score DESC, q.consignment_id DESC LIMIT ");
                    query.push_bind(effective_limit(filter.limit));
                    query.push(" OFFSET ").push_bind(i64::from(filter.offset));
                    let rows = query.build().fetch_all(&self.pool).await?;
                    rows.iter().map(queue_row).collect()
                }

                async fn queue_entry(&self, consignment_id: i64) -> Result<Option<QueueEntry>, StoreError> {
                    let sql = format!("SELECT {QUEUE_COLUMNS} WHERE q.consignment_id = $1");
                    let row = sqlx::query(&sql).bind(consignment_id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(queue_row).transpose()
                }

                async fn queue_facets(&self) -> Result<(Vec<String>, Vec<String>), StoreError> {
                    let modes = sqlx::query_scalar("SELECT DISTINCT mode FROM workbench_queue ORDER BY mode")
                        .fetch_all(&self.pool)
                        .await?;
                    let offices = sqlx::query_scalar("SELECT DISTINCT office FROM workbench_queue ORDER BY office")
                        .fetch_all(&self.pool)
                        .await?;
                    Ok((modes, offices))
                }

                async fn claim(&self, consignment_id: i64, officer: &str) -> Result<(), StoreError> {
                    let changed = sqlx::query(
                        "UPDATE workbench_queue SET claimed_by = $1, claimed_at = $2 WHERE consignment_id = $3 \
                         AND (claimed_by IS NULL OR claimed_by = $1)",
                    )
                    .bind(officer)
                    .bind(timestamp_text(chrono::Utc::now()))
                    .bind(consignment_id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    if changed == 1 {
                        return Ok(());
                    }
                    match self.queue_entry(consignment_id).await? {
                        None => Err(StoreError::NotFound { what: "queue entry", id: consignment_id.to_string() }),
                        Some(entry) => Err(StoreError::Conflict(format!(
                            "consignment {} is being worked by {}",
                            entry.reference,
                            entry.claimed_by.unwrap_or_default()
                        ))),
                    }
                }

                async fn release_claim(&self, consignment_id: i64, officer: &str) -> Result<(), StoreError> {
                    let changed = sqlx::query(
                        "UPDATE workbench_queue SET claimed_by = NULL, claimed_at = NULL \
                         WHERE consignment_id = $1 AND claimed_by = $2",
                    )
                    .bind(consignment_id)
                    .bind(officer)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    if changed == 1 {
                        Ok(())
                    } else {
                        Err(StoreError::Conflict(format!("{officer} does not hold consignment {consignment_id}")))
                    }
                }

                async fn selection_stats(&self, from_week: &str) -> Result<Vec<SelectionStats>, StoreError> {
                    // Selections come from the weekly counters; examinations and finds from the (few) orders,
                    // joined to the hits of the consignments they examine. `CROSS JOIN` keeps SQLite's planner
                    // from starting at the (many) hits of the period; PostgreSQL plans it like any join.
                    let selected = sqlx::query(
                        "SELECT kind, indicator, hit_id, CAST(SUM(count) AS BIGINT) AS selections FROM workbench_selections \
                         WHERE week >= $1 GROUP BY kind, indicator, hit_id",
                    )
                    .bind(from_week)
                    .fetch_all(&self.pool)
                    .await?;
                    let examined = sqlx::query(
                        "SELECT 'hit' AS kind, h.indicator, h.hit_id, COUNT(DISTINCT e.id) AS examinations, \
                         COUNT(DISTINCT CASE WHEN e.outcome = 'found' THEN e.id END) AS finds \
                         FROM examination_orders e CROSS JOIN workbench_hits h \
                         WHERE h.consignment_id = e.consignment_id AND h.week >= $1 GROUP BY h.indicator, h.hit_id \
                         UNION ALL SELECT 'indicator' AS kind, h.indicator, h.indicator AS hit_id, \
                         COUNT(DISTINCT e.id) AS examinations, \
                         COUNT(DISTINCT CASE WHEN e.outcome = 'found' THEN e.id END) AS finds \
                         FROM examination_orders e CROSS JOIN workbench_hits h \
                         WHERE h.consignment_id = e.consignment_id AND h.week >= $2 GROUP BY h.indicator",
                    )
                    .bind(from_week)
                    .bind(from_week)
                    .fetch_all(&self.pool)
                    .await?;
                    merge_stats(&selected, &examined, false)
                }

                async fn selection_series(&self, from_week: &str) -> Result<Vec<SelectionStats>, StoreError> {
                    let selected = sqlx::query(
                        "SELECT week, kind, indicator, hit_id, count AS selections FROM workbench_selections \
                         WHERE week >= $1 AND kind = 'indicator'",
                    )
                    .bind(from_week)
                    .fetch_all(&self.pool)
                    .await?;
                    let examined = sqlx::query(
                        "SELECT h.week, 'indicator' AS kind, h.indicator, h.indicator AS hit_id, \
                         COUNT(DISTINCT e.id) AS examinations, \
                         COUNT(DISTINCT CASE WHEN e.outcome = 'found' THEN e.id END) AS finds \
                         FROM examination_orders e CROSS JOIN workbench_hits h \
                         WHERE h.consignment_id = e.consignment_id AND h.week >= $1 GROUP BY h.week, h.indicator",
                    )
                    .bind(from_week)
                    .fetch_all(&self.pool)
                    .await?;
                    merge_stats(&selected, &examined, true)
                }

                async fn lane_counts(&self, from_week: &str) -> Result<Vec<LaneCount>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT week, lane, count FROM workbench_lanes WHERE week >= $1 ORDER BY week, lane",
                    )
                    .bind(from_week)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(LaneCount { week: r.try_get("week")?, lane: r.try_get("lane")?, count: r.try_get("count")? })
                        })
                        .collect()
                }

                async fn party_history(
                    &self,
                    consignment_id: i64,
                    limit: u32,
                ) -> Result<Vec<PartyHistoryEntry>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT c.id, c.reference, c.received_at, \
                         (SELECT a.lane FROM assessments a WHERE a.consignment_id = c.id ORDER BY a.id DESC LIMIT 1) AS lane, \
                         (SELECT a.score FROM assessments a WHERE a.consignment_id = c.id ORDER BY a.id DESC LIMIT 1) AS score, \
                         (SELECT d.kind FROM decisions d WHERE d.consignment_id = c.id ORDER BY d.id DESC LIMIT 1) AS decision, \
                         (SELECT e.outcome FROM examination_orders e WHERE e.consignment_id = c.id ORDER BY e.id DESC LIMIT 1) AS outcome \
                         FROM consignments c WHERE c.id IN (SELECT p.consignment_id FROM workbench_parties p \
                         WHERE p.name_key IN (SELECT name_key FROM workbench_parties WHERE consignment_id = $1) \
                         AND p.consignment_id <> $1) ORDER BY c.id DESC LIMIT $2",
                    )
                    .bind(consignment_id)
                    .bind(effective_limit(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(PartyHistoryEntry {
                                consignment_id: r.try_get("id")?,
                                reference: r.try_get("reference")?,
                                received_at: r.try_get("received_at")?,
                                lane: r.try_get("lane")?,
                                score: r.try_get("score")?,
                                decision: r.try_get("decision")?,
                                outcome: r.try_get("outcome")?,
                            })
                        })
                        .collect()
                }

                async fn examination_details(&self, order_id: i64) -> Result<ExaminationDetails, StoreError> {
                    let row = sqlx::query(
                        "SELECT assigned_to, quantity, concealment FROM workbench_examinations WHERE order_id = $1",
                    )
                    .bind(order_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    match row {
                        None => Ok(ExaminationDetails::default()),
                        Some(r) => Ok(ExaminationDetails {
                            assigned_to: r.try_get("assigned_to")?,
                            quantity: r.try_get("quantity")?,
                            concealment: r.try_get("concealment")?,
                        }),
                    }
                }

                async fn assign_examination(&self, order_id: i64, officer: &str) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO workbench_examinations (order_id, assigned_to) VALUES ($1, $2) \
                         ON CONFLICT (order_id) DO UPDATE SET assigned_to = excluded.assigned_to",
                    )
                    .bind(order_id)
                    .bind(officer)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn record_examination_details(
                    &self,
                    order_id: i64,
                    quantity: Option<&str>,
                    concealment: Option<&str>,
                ) -> Result<(), StoreError> {
                    let mut conn = self.pool.acquire().await?;
                    write_details(&mut *conn, order_id, quantity, concealment).await
                }

                async fn open_examinations(
                    &self,
                    officer: Option<&str>,
                ) -> Result<Vec<(i64, i64, Option<String>)>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT e.id, e.consignment_id, w.assigned_to FROM examination_orders e \
                         LEFT JOIN workbench_examinations w ON w.order_id = e.id \
                         WHERE e.outcome IS NULL AND ($1 IS NULL OR w.assigned_to = $1) ORDER BY e.id LIMIT 500",
                    )
                    .bind(officer)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| Ok((r.try_get("id")?, r.try_get("consignment_id")?, r.try_get("assigned_to")?)))
                        .collect()
                }

                async fn add_photo(&self, photo: &NewPhoto) -> Result<Photo, StoreError> {
                    let mut conn = self.pool.acquire().await?;
                    insert_photo(&mut *conn, photo).await
                }

                async fn photos(&self, order_id: i64) -> Result<Vec<Photo>, StoreError> {
                    let rows = sqlx::query("SELECT * FROM workbench_photos WHERE order_id = $1 ORDER BY id")
                        .bind(order_id)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(photo_row).collect()
                }

                async fn photo(&self, id: i64) -> Result<Option<Photo>, StoreError> {
                    let row = sqlx::query("SELECT * FROM workbench_photos WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(photo_row).transpose()
                }

                async fn add_notification(
                    &self,
                    consignment_id: i64,
                    reference: &str,
                    kind: &str,
                    message: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(
                        "INSERT INTO workbench_notifications (consignment_id, reference, kind, message, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(consignment_id)
                    .bind(reference)
                    .bind(kind)
                    .bind(message)
                    .bind(timestamp_text(chrono::Utc::now()))
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn notifications(&self, limit: u32) -> Result<Vec<Notification>, StoreError> {
                    let rows = sqlx::query("SELECT * FROM workbench_notifications ORDER BY id DESC LIMIT $1")
                        .bind(effective_limit(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(notification_row).collect()
                }

                async fn undelivered_notifications(&self, limit: u32) -> Result<Vec<Notification>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT * FROM workbench_notifications WHERE delivered_at IS NULL ORDER BY id LIMIT $1",
                    )
                    .bind(effective_limit(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(notification_row).collect()
                }

                async fn mark_notification(&self, id: i64, error: Option<&str>) -> Result<(), StoreError> {
                    let delivered = error.is_none().then(|| timestamp_text(chrono::Utc::now()));
                    sqlx::query(
                        "UPDATE workbench_notifications SET attempts = attempts + 1, delivered_at = $1, \
                         last_error = $2 WHERE id = $3",
                    )
                    .bind(delivered)
                    .bind(error)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }
            }
        }
    };
}
pub(crate) use impl_workbench_store;

#[cfg(test)]
mod tests {
    use aduana_core::Lane;

    use super::{Derived, Indexed, plan_index};

    fn entry(consignment_id: i64, reference: &str, queued: bool, lane: Lane) -> Indexed {
        let queue =
            queued.then(|| [" ".to_owned(), "import".to_owned(), String::new(), String::new(), "\u{1f}".to_owned()]);
        Indexed {
            assessment_id: consignment_id * 10,
            consignment_id,
            reference: reference.to_owned(),
            submitter: "trader".to_owned(),
            lane,
            score: 0.0,
            assessed_at: "2026-11-30T00:00:00Z".to_owned(),
            derived: Derived {
                queue,
                hits: vec![("profile".to_owned(), "P".to_owned()), ("profile".to_owned(), "P".to_owned())],
                parties: Vec::new(),
                week: "2026-11-30".to_owned(),
                notifications: Vec::new(),
            },
        }
    }

    #[test]
    fn a_later_version_or_a_later_assessment_of_the_same_version_decides_the_queue_row() {
        let entries = [
            entry(5, "A", true, Lane::Red),
            entry(6, "A", true, Lane::Red),
            // An older version assessed after a newer one stays queued (its own delete removes only older rows).
            entry(4, "A", true, Lane::Red),
            // The same consignment assessed twice: a later assessment that is not queued deletes only older
            // versions, so the earlier row stays; a later queued one overwrites it.
            entry(7, "B", true, Lane::Red),
            entry(7, "B", false, Lane::Green),
            entry(8, "C", false, Lane::Green),
            entry(8, "C", true, Lane::Red),
        ];

        let plan = plan_index(&entries);

        let queued: Vec<(i64, usize)> = plan
            .queued
            .iter()
            .map(|(e, _)| (e.consignment_id, entries.iter().position(|x| std::ptr::eq(x, *e)).unwrap_or(99)))
            .collect();
        assert_eq!(queued, [(6, 1), (4, 2), (7, 3), (8, 6)]);
        assert_eq!(plan.replaced_below.get(&("A", "trader")), Some(&6));
        assert_eq!(plan.replaced_below.get(&("B", "trader")), Some(&7));
        // A hit id counted once per assessment however often it hits, and once more per indicator.
        assert_eq!(plan.selections.get(&("2026-11-30", "hit", "profile", "P")), Some(&7));
        assert_eq!(plan.selections.get(&("2026-11-30", "indicator", "profile", "profile")), Some(&7));
        assert_eq!(plan.lanes.get(&("2026-11-30", "red")), Some(&5));
        assert_eq!(plan.lanes.get(&("2026-11-30", "green")), Some(&2));
    }

    /// A stored consignment with every field the indexer reads, and several it skips.
    fn stored_pair() -> (aduana_core::Consignment, aduana_core::Assessment) {
        let consignment: aduana_core::Consignment = serde_json::from_value(serde_json::json!({
            "reference": "NARROW1",
            "direction": "export",
            "mode_of_transport": "sea",
            "customs_office": "ESVLC001",
            "parties": [
                {"role": "consignor", "name": "Acme  Trading, S.L.", "address": {"city": "Valencia"}},
                {"role": "consignee", "name": "ACME trading s.l."},
                {"role": "carrier"},
                {"role": "notify_party", "name": "Ünïcode Ñame Ltd"},
            ],
            "itinerary": {"country_of_dispatch": "ES", "country_of_destination": "NL"},
            "goods": [
                {"sequence": 1, "hs_code": "854141", "description": "solar panels \"mono\"\n"},
                {"sequence": 2, "hs_code": "930100", "description": "parts"},
            ],
        }))
        .expect("a valid consignment");
        let hit = |indicator: &str, id: &str, reason: &str| aduana_core::Hit {
            indicator: indicator.into(),
            id: id.into(),
            version: "v1".into(),
            weight: 10.0,
            lane: Some(Lane::Red),
            referrals: vec![aduana_core::Referral::DoNotLoad],
            hard: true,
            evidence: vec![aduana_core::Evidence { field: "parties[0].name".into(), value: "Acme".into() }],
            reason: reason.into(),
        };
        let assessment = aduana_core::Assessment {
            reference: consignment.reference.clone(),
            score: 87.125,
            lane: Lane::Red,
            referrals: vec![aduana_core::Referral::DoNotLoad, aduana_core::Referral::HighRiskScreening],
            hits: vec![
                hit("profile", "KP/S/RES/1718 (2006)", "a profile"),
                hit("screening", "UN/QDi.001", "consignor \"Acme\" matches a listed name"),
                hit("screening", "EU/2580", "consignee matches"),
            ],
            findings: Vec::new(),
            versions: std::collections::BTreeMap::from([("profiles".into(), "7".into())]),
        };
        (consignment, assessment)
    }

    fn index(assessment: String, consignment: String) -> Result<Indexed, crate::StoreError> {
        super::index_row((
            11,
            7,
            "NARROW1".to_owned(),
            "trader".to_owned(),
            "2026-12-02T10:00:00Z".to_owned(),
            assessment,
            consignment,
        ))
    }

    /// The indexer reads only some fields of the stored bodies: what it derives must be what the whole domain
    /// values give.
    #[test]
    fn indexing_reads_from_the_stored_bodies_what_the_whole_values_give() {
        let (consignment, assessment) = stored_pair();
        let bodies = (serde_json::to_string(&assessment), serde_json::to_string(&consignment));
        let (Ok(abody), Ok(cbody)) = bodies else { panic!("serialising the pair") };

        let indexed = index(abody, cbody).expect("indexing");

        assert_eq!((indexed.lane, indexed.score), (assessment.lane, assessment.score));
        let mut hit_ids = String::from(super::HIT_ID_SEPARATOR);
        for hit in &assessment.hits {
            hit_ids.push_str(&hit.id);
            hit_ids.push_str(super::HIT_ID_SEPARATOR);
        }
        let queue = [
            " do-not-load high-risk-screening ".to_owned(),
            "export".to_owned(),
            "sea".to_owned(),
            "ESVLC001".to_owned(),
            hit_ids,
        ];
        assert_eq!(indexed.derived.queue, Some(queue));
        let hits: Vec<(String, String)> =
            assessment.hits.iter().map(|h| (h.indicator.to_string(), h.id.to_string())).collect();
        assert_eq!(indexed.derived.hits, hits);
        assert_eq!(indexed.derived.parties, ["acme trading s l", "ünïcode ñame ltd"]);
        assert_eq!(indexed.derived.week, "2026-11-30");
        let notifications = [
            ("do-not-load", "NARROW1 was referred do-not-load (score 87.12)"),
            ("sanctions-match", "NARROW1: consignor \"Acme\" matches a listed name"),
            ("sanctions-match", "NARROW1: consignee matches"),
        ]
        .map(|(kind, message)| (kind.to_owned(), message.to_owned()));
        assert_eq!(indexed.derived.notifications, notifications);

        // A green consignment with no mode, office or parties: not queued, nothing to notify.
        let green: aduana_core::Consignment = serde_json::from_value(serde_json::json!({
            "reference": "NARROW1", "direction": "import", "goods": [{"sequence": 1, "description": "tiles"}],
        }))
        .expect("a valid consignment");
        let calm = aduana_core::Assessment {
            lane: Lane::Green,
            referrals: Vec::new(),
            hits: Vec::new(),
            score: 0.0,
            ..assessment
        };
        let bodies = (serde_json::to_string(&calm), serde_json::to_string(&green));
        let (Ok(abody), Ok(cbody)) = bodies else { panic!("serialising the pair") };
        let indexed = index(abody, cbody).expect("indexing");
        assert!(indexed.derived.queue.is_none());
        assert!(indexed.derived.parties.is_empty() && indexed.derived.notifications.is_empty());
    }

    /// A stored body that is not what was stored (edited by hand, truncated) stops the round with `Corrupt` naming
    /// the row, as parsing the whole value did, when a field the indexer reads is missing or invalid.
    #[test]
    fn a_corrupt_stored_body_is_reported_with_its_row() {
        let (consignment, assessment) = stored_pair();
        let bodies = (serde_json::to_value(&assessment), serde_json::to_value(&consignment));
        let (Ok(abody), Ok(cbody)) = bodies else { panic!("serialising the pair") };
        let edited = |body: &serde_json::Value, pointer: &str, value: Option<serde_json::Value>| {
            let mut body = body.clone();
            let (parent, field) = pointer.rsplit_once('/').expect("a pointer");
            let object = body.pointer_mut(parent).and_then(|p| p.as_object_mut()).expect("an object");
            match value {
                Some(value) => object.insert(field.to_owned(), value),
                None => object.remove(field),
            };
            body.to_string()
        };
        let text = |body: &serde_json::Value| body.to_string();
        let cases = [
            ("consignment", "7", text(&abody), edited(&cbody, "/direction", Some("sideways".into()))),
            ("consignment", "7", text(&abody), edited(&cbody, "/direction", None)),
            ("consignment", "7", text(&abody), edited(&cbody, "/mode_of_transport", Some(5.into()))),
            ("consignment", "7", text(&abody), edited(&cbody, "/parties/0/name", Some(5.into()))),
            ("consignment", "7", text(&abody), edited(&cbody, "/reference", Some("".into()))),
            ("consignment", "7", text(&abody), text(&cbody)[..40].to_owned()),
            ("assessment", "11", edited(&abody, "/lane", Some("purple".into())), text(&cbody)),
            ("assessment", "11", edited(&abody, "/referrals", Some(serde_json::json!(["later"]))), text(&cbody)),
            ("assessment", "11", edited(&abody, "/hits/1/reason", None), text(&cbody)),
            ("assessment", "11", edited(&abody, "/score", Some("high".into())), text(&cbody)),
            ("assessment", "11", "not json".to_owned(), text(&cbody)),
        ];
        for (expected_what, expected_id, abody, cbody) in cases {
            match index(abody.clone(), cbody.clone()) {
                Err(crate::StoreError::Corrupt { what, id, .. }) => {
                    assert_eq!((what, id.as_str()), (expected_what, expected_id), "{abody}\n{cbody}");
                }
                Err(other) => panic!("{other} for\n{abody}\n{cbody}"),
                Ok(_) => panic!("indexed\n{abody}\n{cbody}"),
            }
        }
    }
}
