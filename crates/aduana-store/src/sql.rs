//! The one SQL implementation of [`crate::Store`], expanded for each backend by `impl_sql_store!`.
//!
//! The two schemas (`migrations/{sqlite,postgres}`) have the same tables and columns, and every statement here is
//! written in the SQL both understand (`$1` parameters, `RETURNING`, `LIMIT`), so one text serves both. A macro
//! rather than generics over `sqlx::Database`: the generic version needs a dozen higher-ranked trait bounds on every
//! function, which hide the SQL; the macro keeps the code plain and the backends provably identical. What differs
//! is passed in: how a write transaction begins (SQLite takes the write lock up front with `BEGIN IMMEDIATE`, so
//! that two writers queue on `busy_timeout` instead of failing on a lock upgrade) and how audit appends are
//! serialised (PostgreSQL takes a transaction-scoped advisory lock; SQLite already has a single writer).

use aduana_core::{Assessment, Consignment, Referral};
use chrono::Utc;

use crate::StoreError;
use crate::records::Timestamp;

/// The most rows a list query returns.
pub(crate) const MAX_LIMIT: u32 = 1000;

/// Returns the limit to use for a requested one (0 means the default of 100).
pub(crate) fn effective_limit(requested: u32) -> i64 {
    i64::from(if requested == 0 { 100 } else { requested.min(MAX_LIMIT) })
}

/// Returns the referrals as stored for `LIKE '% name %'` filtering: names separated and surrounded by spaces.
pub(crate) fn referrals_text(referrals: &[Referral]) -> String {
    let mut out = String::from(" ");
    for r in referrals {
        out.push_str(r.as_str());
        out.push(' ');
    }
    out
}

/// Parses a stored timestamp.
pub(crate) fn parse_timestamp(what: &'static str, id: &str, text: &str) -> Result<Timestamp, StoreError> {
    chrono::DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| StoreError::Corrupt {
        what,
        id: id.to_owned(),
        reason: format!("timestamp `{text}`: {e}"),
    })
}

/// Parses a stored consignment body.
pub(crate) fn parse_consignment(id: i64, body: &str) -> Result<Consignment, StoreError> {
    parse_body("consignment", id, body)
}

/// Parses a stored assessment body.
pub(crate) fn parse_assessment(id: i64, body: &str) -> Result<Assessment, StoreError> {
    parse_body("assessment", id, body)
}

/// Parses a stored body (`what` of row `id`) into `T`: the whole domain value, or the fields one reader needs.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(
    what: &'static str,
    id: i64,
    body: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt { what, id: id.to_string(), reason: e.to_string() })
}

/// Serialises a value to JSON; domain values always serialise, but the error is typed all the same.
pub(crate) fn to_json<T: serde::Serialize>(what: &'static str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt { what, id: "-".to_owned(), reason: e.to_string() })
}

/// What is stored for one consignment besides its columns: the canonical body, its SHA-256 (the idempotency key)
/// and the assessment body.
#[derive(Debug)]
pub(crate) struct Encoded {
    pub(crate) body: String,
    pub(crate) hash: String,
    pub(crate) assessment: String,
}

/// Serialises and hashes a batch. Called by the submitting task before the batch queues for the write gate, so that
/// the one SQLite writer spends its time on SQL only and batches encode in parallel.
pub(crate) fn encode(batch: &[(Consignment, Assessment)]) -> Result<Vec<Encoded>, StoreError> {
    batch
        .iter()
        .map(|(consignment, assessment)| {
            let body = to_json("consignment", consignment)?;
            let hash = crate::audit::sha256_hex(body.as_bytes());
            Ok(Encoded { body, hash, assessment: to_json("assessment", assessment)? })
        })
        .collect()
}

/// Serialises and hashes a batch in the submitting task: a small one right here, a large one (a few milliseconds
/// per thousand consignments) on a blocking thread rather than on the async runtime's.
pub(crate) async fn encode_submission(
    batch: Vec<(Consignment, Assessment)>,
) -> Result<(Vec<(Consignment, Assessment)>, Vec<Encoded>), StoreError> {
    if batch.len() <= 64 {
        let bodies = encode(&batch)?;
        return Ok((batch, bodies));
    }
    let (batch, bodies) = tokio::task::spawn_blocking(move || {
        let bodies = encode(&batch);
        (batch, bodies)
    })
    .await
    .map_err(|_| StoreError::Closed)?;
    Ok((batch, bodies?))
}

/// Returns whether an error is a unique-constraint violation.
pub(crate) fn is_unique_violation(error: &StoreError) -> bool {
    matches!(error, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
}

/// The most rows (or list items) per multi-row statement: 500 rows × 6 columns stays far below both backends'
/// limits on bound parameters.
pub(crate) const CHUNK: usize = 500;

/// Where the current version of a reference is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// Stored before this batch, with this consignment id.
    Stored(i64),
    /// Stored by this batch, at this index.
    New(usize),
}

/// What to do with one consignment of a batch.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Plan {
    /// Same content as the current version: return its assessment.
    Unchanged(Target),
    /// Store it as this version.
    Store(i64),
}

/// Implements [`crate::Store`] for a backend store type with a `pool` field.
macro_rules! impl_sql_store {
    ($store:ty, $db:ty, begin_write = $begin:literal, lock_audit = $lock:literal) => {
        use aduana_core::{Assessment as CoreAssessment, Consignment as CoreConsignment};
        use chrono::Utc as ChronoUtc;
        use sqlx::Row as _;

        use crate::StoreError;
        use crate::audit::{self as audit_chain, AuditEntry, NewAuditEntry};
        use crate::records::{self as rec, timestamp_text};
        use crate::sql::{
            effective_limit, is_unique_violation, parse_assessment, parse_consignment, parse_timestamp, referrals_text,
        };

        type Tx = sqlx::Transaction<'static, $db>;
        type WriteGuard = tokio::sync::OwnedMutexGuard<()>;
        /// One submitter's batch, with its stored texts (`crate::sql::encode`).
        type Submission = (String, Vec<(CoreConsignment, CoreAssessment)>, Vec<crate::sql::Encoded>);
        type DbRow = <$db as sqlx::Database>::Row;

        const CONSIGNMENT_COLUMNS: &str = "id, reference, submitter, version, received_at, body FROM consignments";
        const ASSESSMENT_COLUMNS: &str = "a.id, a.consignment_id, c.reference, c.submitter, c.version, \
             a.assessed_at, a.body FROM assessments a JOIN consignments c ON c.id = a.consignment_id";
        const USER_COLUMNS: &str = "u.id, u.name, u.role, u.created_at";
        const ORDER_COLUMNS: &str = "id, consignment_id, ordered_by, instructions, ordered_at, outcome, findings, \
             recorded_by, recorded_at FROM examination_orders";

        fn consignment_row(row: &DbRow) -> Result<rec::StoredConsignment, StoreError> {
            let id: i64 = row.try_get("id")?;
            let received_at: String = row.try_get("received_at")?;
            let body: String = row.try_get("body")?;
            Ok(rec::StoredConsignment {
                id,
                reference: row.try_get("reference")?,
                submitter: row.try_get("submitter")?,
                version: row.try_get("version")?,
                received_at: parse_timestamp("consignment", &id.to_string(), &received_at)?,
                consignment: parse_consignment(id, &body)?,
            })
        }

        fn assessment_row(row: &DbRow) -> Result<rec::StoredAssessment, StoreError> {
            let id: i64 = row.try_get("id")?;
            let assessed_at: String = row.try_get("assessed_at")?;
            let body: String = row.try_get("body")?;
            Ok(rec::StoredAssessment {
                id,
                consignment_id: row.try_get("consignment_id")?,
                reference: row.try_get("reference")?,
                submitter: row.try_get("submitter")?,
                version: row.try_get("version")?,
                assessed_at: parse_timestamp("assessment", &id.to_string(), &assessed_at)?,
                assessment: parse_assessment(id, &body)?,
            })
        }

        fn user_row(row: &DbRow) -> Result<rec::User, StoreError> {
            let id: i64 = row.try_get("id")?;
            let role: String = row.try_get("role")?;
            let created_at: String = row.try_get("created_at")?;
            Ok(rec::User {
                id,
                name: row.try_get("name")?,
                role: role.parse().map_err(|reason| StoreError::Corrupt {
                    what: "user",
                    id: id.to_string(),
                    reason,
                })?,
                created_at: parse_timestamp("user", &id.to_string(), &created_at)?,
            })
        }

        fn decision_row(row: &DbRow) -> Result<rec::Decision, StoreError> {
            let id: i64 = row.try_get("id")?;
            let kind: String = row.try_get("kind")?;
            let decided_at: String = row.try_get("decided_at")?;
            Ok(rec::Decision {
                id,
                consignment_id: row.try_get("consignment_id")?,
                kind: rec::DecisionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                    what: "decision",
                    id: id.to_string(),
                    reason: format!("unknown kind `{kind}`"),
                })?,
                justification: row.try_get("justification")?,
                officer: row.try_get("officer")?,
                decided_at: parse_timestamp("decision", &id.to_string(), &decided_at)?,
            })
        }

        fn order_row(row: &DbRow) -> Result<rec::ExaminationOrder, StoreError> {
            let id: i64 = row.try_get("id")?;
            let sid = id.to_string();
            let ordered_at: String = row.try_get("ordered_at")?;
            let outcome: Option<String> = row.try_get("outcome")?;
            let result = match outcome {
                None => None,
                Some(outcome) => {
                    let recorded_at: Option<String> = row.try_get("recorded_at")?;
                    Some(rec::ExaminationResult {
                        outcome: rec::ExaminationOutcome::parse(&outcome).ok_or_else(|| StoreError::Corrupt {
                            what: "examination",
                            id: sid.clone(),
                            reason: format!("unknown outcome `{outcome}`"),
                        })?,
                        findings: row.try_get::<Option<String>, _>("findings")?.unwrap_or_default(),
                        recorded_by: row.try_get::<Option<String>, _>("recorded_by")?.unwrap_or_default(),
                        recorded_at: parse_timestamp("examination", &sid, recorded_at.as_deref().unwrap_or(""))?,
                    })
                }
            };
            Ok(rec::ExaminationOrder {
                id,
                consignment_id: row.try_get("consignment_id")?,
                ordered_by: row.try_get("ordered_by")?,
                instructions: row.try_get("instructions")?,
                ordered_at: parse_timestamp("examination", &sid, &ordered_at)?,
                result,
            })
        }

        fn audit_row(row: &DbRow) -> Result<AuditEntry, StoreError> {
            let details: String = row.try_get("details")?;
            Ok(AuditEntry {
                seq: row.try_get("seq")?,
                at: row.try_get("at")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                subject: row.try_get("subject")?,
                // Unparseable details (only possible by editing the row) are kept as text so that `verify`
                // reports the broken link instead of failing to read it.
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
                prev_hash: row.try_get("prev_hash")?,
                hash: row.try_get("hash")?,
            })
        }

        async fn consignment_exists(tx: &mut Tx, id: i64) -> Result<(), StoreError> {
            let found =
                sqlx::query("SELECT id FROM consignments WHERE id = $1").bind(id).fetch_optional(&mut **tx).await?;
            match found {
                Some(_) => Ok(()),
                None => Err(StoreError::NotFound { what: "consignment", id: id.to_string() }),
            }
        }

        /// Records the result of an examination order and its audit entry inside a write transaction: `NotFound`
        /// without the order, `Conflict` when it already has a result. Shared by `record_examination_result` and
        /// the enforcement store's result-with-case write, which must not commit in between.
        async fn record_result_in(
            tx: &mut Tx,
            order_id: i64,
            result: &rec::NewExaminationResult,
            audit: &NewAuditEntry,
        ) -> Result<rec::ExaminationOrder, StoreError> {
            let now = timestamp_text(ChronoUtc::now());
            let updated = sqlx::query(
                "UPDATE examination_orders SET outcome = $1, findings = $2, recorded_by = $3, recorded_at = $4 \
                 WHERE id = $5 AND outcome IS NULL",
            )
            .bind(result.outcome.as_str())
            .bind(&result.findings)
            .bind(&result.recorded_by)
            .bind(&now)
            .bind(order_id)
            .execute(&mut **tx)
            .await?;
            let sql = format!("SELECT {ORDER_COLUMNS} WHERE id = $1");
            let row = sqlx::query(&sql).bind(order_id).fetch_optional(&mut **tx).await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound { what: "examination order", id: order_id.to_string() });
            };
            if updated.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("examination order {order_id} already has a result")));
            }
            let order = order_row(&row)?;
            append_audit_in(tx, audit).await?;
            Ok(order)
        }

        async fn append_audit_in(tx: &mut Tx, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
            if !$lock.is_empty() {
                sqlx::query($lock).execute(&mut **tx).await?;
            }
            let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut **tx)
                .await?;
            let (seq, prev_hash) = match last {
                Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get::<String, _>("hash")?),
                None => (1, audit_chain::GENESIS_HASH.to_owned()),
            };
            let at = timestamp_text(ChronoUtc::now());
            // Round-trip the details through text so that the hash covers exactly what is stored.
            let details_text = entry.details.to_string();
            let details: serde_json::Value = serde_json::from_str(&details_text).unwrap_or(serde_json::Value::Null);
            let hash =
                audit_chain::entry_hash(&prev_hash, seq, &at, &entry.actor, &entry.action, &entry.subject, &details);
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(seq)
            .bind(&at)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.subject)
            .bind(&details_text)
            .bind(&prev_hash)
            .bind(&hash)
            .execute(&mut **tx)
            .await?;
            Ok(AuditEntry {
                seq,
                at,
                actor: entry.actor.clone(),
                action: entry.action.clone(),
                subject: entry.subject.clone(),
                details,
                prev_hash,
                hash,
            })
        }

        /// Stores one submitter's batch inside a write transaction, with a handful of multi-row statements per
        /// chunk of consignments rather than three statements per consignment.
        async fn submit_in(
            tx: &mut Tx,
            submitter: &str,
            batch: &[(CoreConsignment, CoreAssessment)],
            bodies: &[crate::sql::Encoded],
            now_text: &str,
        ) -> Result<Vec<rec::Submitted>, StoreError> {
            use crate::sql::{CHUNK, Plan, Target};
            use std::collections::HashMap;

            // The latest stored version of each reference in the batch.
            let mut references: Vec<&str> = batch.iter().map(|(c, _)| c.reference.as_str()).collect();
            references.sort_unstable();
            references.dedup();
            let mut latest: HashMap<String, (i64, Target, String)> = HashMap::new();
            for chunk in references.chunks(CHUNK) {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, reference, version, content_hash FROM consignments WHERE submitter = ",
                );
                query.push_bind(submitter).push(" AND reference IN (");
                let mut list = query.separated(", ");
                for reference in chunk {
                    list.push_bind(*reference);
                }
                query.push(")");
                for row in query.build().fetch_all(&mut **tx).await? {
                    let version: i64 = row.try_get("version")?;
                    let reference: String = row.try_get("reference")?;
                    if latest.get(&reference).is_none_or(|(v, _, _)| *v < version) {
                        let target = Target::Stored(row.try_get("id")?);
                        latest.insert(reference, (version, target, row.try_get("content_hash")?));
                    }
                }
            }
            // What to do with each consignment, in order (a reference may repeat inside the batch).
            let mut plans = Vec::with_capacity(batch.len());
            for (index, (consignment, _)) in batch.iter().enumerate() {
                let hash = &bodies[index].hash;
                let reference = consignment.reference.as_str();
                let plan = match latest.get(reference) {
                    Some((_, target, stored_hash)) if stored_hash == hash => Plan::Unchanged(*target),
                    Some((version, _, _)) => Plan::Store(version + 1),
                    None => Plan::Store(1),
                };
                if let Plan::Store(version) = plan {
                    latest.insert(reference.to_owned(), (version, Target::New(index), hash.clone()));
                }
                plans.push(plan);
            }
            // Insert the new versions, then their assessments.
            let new: Vec<(usize, i64)> = plans
                .iter()
                .enumerate()
                .filter_map(|(i, p)| match p {
                    Plan::Store(v) => Some((i, *v)),
                    Plan::Unchanged(_) => None,
                })
                .collect();
            let mut consignment_ids: HashMap<(String, i64), i64> = HashMap::new();
            for chunk in new.chunks(CHUNK) {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO consignments (reference, submitter, version, content_hash, body, received_at) ",
                );
                query.push_values(chunk, |mut row, (index, version)| {
                    row.push_bind(batch[*index].0.reference.as_str())
                        .push_bind(submitter)
                        .push_bind(*version)
                        .push_bind(bodies[*index].hash.as_str())
                        .push_bind(bodies[*index].body.as_str())
                        .push_bind(now_text);
                });
                query.push(" RETURNING id, reference, version");
                for row in query.build().fetch_all(&mut **tx).await? {
                    consignment_ids.insert((row.try_get("reference")?, row.try_get("version")?), row.try_get("id")?);
                }
            }
            let id_of = |index: usize, version: i64| -> Result<i64, StoreError> {
                let key = (batch[index].0.reference.as_str().to_owned(), version);
                consignment_ids.get(&key).copied().ok_or_else(|| StoreError::Corrupt {
                    what: "consignment",
                    id: key.0.clone(),
                    reason: "the insert returned no id".to_owned(),
                })
            };
            let mut new_ids = Vec::with_capacity(new.len());
            for (index, version) in &new {
                new_ids.push((*index, *version, id_of(*index, *version)?));
            }
            let mut assessment_ids: HashMap<i64, i64> = HashMap::new();
            for chunk in new_ids.chunks(CHUNK) {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO assessments (consignment_id, lane, score, referrals, body, assessed_at) ",
                );
                query.push_values(chunk, |mut row, (index, _, consignment_id)| {
                    let assessment = &batch[*index].1;
                    row.push_bind(*consignment_id)
                        .push_bind(assessment.lane.as_str())
                        .push_bind(assessment.score)
                        .push_bind(referrals_text(&assessment.referrals))
                        .push_bind(bodies[*index].assessment.as_str())
                        .push_bind(now_text);
                });
                query.push(" RETURNING id, consignment_id");
                for row in query.build().fetch_all(&mut **tx).await? {
                    assessment_ids.insert(row.try_get("consignment_id")?, row.try_get("id")?);
                }
            }
            let assessed_at = parse_timestamp("assessment", "-", now_text)?;
            let mut fresh: HashMap<usize, rec::StoredAssessment> = HashMap::new();
            for (index, version, consignment_id) in new_ids {
                let id = assessment_ids.get(&consignment_id).copied().ok_or_else(|| StoreError::Corrupt {
                    what: "assessment",
                    id: consignment_id.to_string(),
                    reason: "the insert returned no id".to_owned(),
                })?;
                fresh.insert(
                    index,
                    rec::StoredAssessment {
                        id,
                        consignment_id,
                        reference: batch[index].0.reference.as_str().to_owned(),
                        submitter: submitter.to_owned(),
                        version,
                        assessed_at,
                        assessment: batch[index].1.clone(),
                    },
                );
            }
            // The stored assessments of unchanged consignments stored before this batch.
            let mut stored_ids: Vec<i64> = plans
                .iter()
                .filter_map(|p| match p {
                    Plan::Unchanged(Target::Stored(id)) => Some(*id),
                    _ => None,
                })
                .collect();
            stored_ids.sort_unstable();
            stored_ids.dedup();
            let mut earlier: HashMap<i64, rec::StoredAssessment> = HashMap::new();
            for chunk in stored_ids.chunks(CHUNK) {
                let mut query =
                    sqlx::QueryBuilder::<$db>::new(format!("SELECT {ASSESSMENT_COLUMNS} WHERE a.consignment_id IN ("));
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(") ORDER BY a.id");
                for row in query.build().fetch_all(&mut **tx).await? {
                    let stored = assessment_row(&row)?;
                    earlier.insert(stored.consignment_id, stored);
                }
            }
            // Backwards, so that each fresh assessment moves into its answer once no later duplicate needs it
            // (an unchanged duplicate always refers to an earlier index).
            let mut out = Vec::with_capacity(batch.len());
            for (index, plan) in plans.iter().enumerate().rev() {
                let submitted = match plan {
                    Plan::Store(version) => rec::Submitted {
                        outcome: if *version == 1 {
                            rec::SubmissionOutcome::Created
                        } else {
                            rec::SubmissionOutcome::Amended
                        },
                        assessment: fresh.remove(&index).ok_or_else(|| StoreError::Corrupt {
                            what: "assessment",
                            id: index.to_string(),
                            reason: "missing after insert".to_owned(),
                        })?,
                    },
                    Plan::Unchanged(target) => {
                        let stored = match target {
                            Target::Stored(id) => earlier.get(id).cloned(),
                            Target::New(earlier_index) => fresh.get(earlier_index).cloned(),
                        };
                        let stored = stored.ok_or_else(|| StoreError::Corrupt {
                            what: "consignment",
                            id: batch[index].0.reference.as_str().to_owned(),
                            reason: "stored without an assessment".to_owned(),
                        })?;
                        rec::Submitted { outcome: rec::SubmissionOutcome::Unchanged, assessment: stored }
                    }
                };
                out.push(submitted);
            }
            out.reverse();
            Ok(out)
        }

        impl $store {
            async fn begin_write(&self) -> Result<(Option<WriteGuard>, Tx), StoreError> {
                let gate = self.write_gate().await;
                Ok((gate, self.pool.begin_with($begin).await?))
            }

            /// Stores several submissions in one transaction (group commit: one fsync for all of them). Two
            /// concurrent first submissions of one reference (from two processes) race for version 1; the loser's
            /// transaction fails on the unique key and, retried, finds the winner's row.
            pub(crate) async fn submit_groups(
                &self,
                groups: &[Submission],
            ) -> Result<Vec<Vec<rec::Submitted>>, StoreError> {
                let mut attempt = 0;
                loop {
                    match self.submit_groups_once(groups).await {
                        Err(error) if attempt < 5 && is_unique_violation(&error) => attempt += 1,
                        result => return result,
                    }
                }
            }

            async fn submit_groups_once(&self, groups: &[Submission]) -> Result<Vec<Vec<rec::Submitted>>, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                let now_text = timestamp_text(ChronoUtc::now());
                let mut out = Vec::with_capacity(groups.len());
                for (submitter, batch, bodies) in groups {
                    out.push(submit_in(&mut tx, submitter, batch, bodies, &now_text).await?);
                }
                tx.commit().await?;
                Ok(out)
            }
        }

        #[async_trait::async_trait]
        impl crate::Store for $store {
            async fn submit(
                &self,
                submitter: &str,
                batch: Vec<(CoreConsignment, CoreAssessment)>,
            ) -> Result<Vec<rec::Submitted>, StoreError> {
                self.submit_queued(submitter, batch).await
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn consignment(&self, id: i64) -> Result<Option<rec::StoredConsignment>, StoreError> {
                let sql = format!("SELECT {CONSIGNMENT_COLUMNS} WHERE id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(consignment_row).transpose()
            }

            async fn consignments(
                &self,
                filter: &rec::ConsignmentFilter,
            ) -> Result<Vec<rec::StoredConsignment>, StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(format!("SELECT {CONSIGNMENT_COLUMNS} WHERE 1 = 1"));
                if let Some(reference) = &filter.reference {
                    query.push(" AND reference = ").push_bind(reference.clone());
                }
                if let Some(submitter) = &filter.submitter {
                    query.push(" AND submitter = ").push_bind(submitter.clone());
                }
                if let Some(before) = filter.before_id {
                    query.push(" AND id < ").push_bind(before);
                }
                query.push(" ORDER BY id DESC LIMIT ").push_bind(effective_limit(filter.limit));
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(consignment_row).collect()
            }

            async fn assessment_of(&self, consignment_id: i64) -> Result<Option<rec::StoredAssessment>, StoreError> {
                let sql = format!("SELECT {ASSESSMENT_COLUMNS} WHERE a.consignment_id = $1 ORDER BY a.id DESC LIMIT 1");
                let row = sqlx::query(&sql).bind(consignment_id).fetch_optional(&self.pool).await?;
                row.as_ref().map(assessment_row).transpose()
            }

            async fn assessments(
                &self,
                filter: &rec::AssessmentFilter,
            ) -> Result<Vec<rec::StoredAssessment>, StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(format!("SELECT {ASSESSMENT_COLUMNS} WHERE 1 = 1"));
                if let Some(lane) = filter.lane {
                    query.push(" AND a.lane = ").push_bind(lane.as_str());
                }
                if let Some(referral) = filter.referral {
                    query.push(" AND a.referrals LIKE ").push_bind(format!("% {} %", referral.as_str()));
                }
                if let Some(min_score) = filter.min_score {
                    query.push(" AND a.score >= ").push_bind(min_score);
                }
                if let Some(from) = filter.from {
                    query.push(" AND a.assessed_at >= ").push_bind(timestamp_text(from));
                }
                if let Some(to) = filter.to {
                    query.push(" AND a.assessed_at < ").push_bind(timestamp_text(to));
                }
                if let Some(submitter) = &filter.submitter {
                    query.push(" AND c.submitter = ").push_bind(submitter.clone());
                }
                if let Some(before) = filter.before_id {
                    query.push(" AND a.id < ").push_bind(before);
                }
                query.push(" ORDER BY a.id DESC LIMIT ").push_bind(effective_limit(filter.limit));
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(assessment_row).collect()
            }

            async fn add_user(&self, user: &rec::NewUser) -> Result<rec::User, StoreError> {
                let now = ChronoUtc::now();
                let result: Result<i64, StoreError> = sqlx::query_scalar(
                    "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&user.name)
                .bind(user.role.as_str())
                .bind(user.password_hash.as_deref())
                .bind(timestamp_text(now))
                .fetch_one(&self.pool)
                .await
                .map_err(StoreError::from);
                match result {
                    Ok(id) => Ok(rec::User {
                        id,
                        name: user.name.clone(),
                        role: user.role,
                        created_at: parse_timestamp("user", "-", &timestamp_text(now))?,
                    }),
                    Err(error) if is_unique_violation(&error) => {
                        Err(StoreError::Conflict(format!("a user named `{}` already exists", user.name)))
                    }
                    Err(error) => Err(error),
                }
            }

            async fn user_by_name(&self, name: &str) -> Result<Option<(rec::User, Option<String>)>, StoreError> {
                let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.name = $1");
                let row = sqlx::query(&sql).bind(name).fetch_optional(&self.pool).await?;
                match row {
                    Some(row) => Ok(Some((user_row(&row)?, row.try_get("password_hash")?))),
                    None => Ok(None),
                }
            }

            async fn users(&self) -> Result<Vec<rec::User>, StoreError> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name");
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                rows.iter().map(user_row).collect()
            }

            async fn add_token(&self, user_id: i64, token_hash: &str) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(user_id)
                    .bind(token_hash)
                    .bind(timestamp_text(ChronoUtc::now()))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn user_by_token(&self, token_hash: &str) -> Result<Option<rec::User>, StoreError> {
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
                );
                let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
                row.as_ref().map(user_row).transpose()
            }

            async fn create_session(
                &self,
                session_hash: &str,
                user_id: i64,
                expires_at: rec::Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO sessions (session_hash, user_id, expires_at) VALUES ($1, $2, $3)")
                    .bind(session_hash)
                    .bind(user_id)
                    .bind(timestamp_text(expires_at))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn user_by_session(
                &self,
                session_hash: &str,
                now: rec::Timestamp,
            ) -> Result<Option<rec::User>, StoreError> {
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.session_hash = $1 AND s.expires_at > $2"
                );
                let row =
                    sqlx::query(&sql).bind(session_hash).bind(timestamp_text(now)).fetch_optional(&self.pool).await?;
                row.as_ref().map(user_row).transpose()
            }

            async fn delete_session(&self, session_hash: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM sessions WHERE session_hash = $1")
                    .bind(session_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_expired_sessions(&self, now: rec::Timestamp) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(timestamp_text(now))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn record_decision(
                &self,
                decision: &rec::NewDecision,
                audit: &NewAuditEntry,
            ) -> Result<rec::Decision, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                consignment_exists(&mut tx, decision.consignment_id).await?;
                let now = timestamp_text(ChronoUtc::now());
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO decisions (consignment_id, kind, justification, officer, decided_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(decision.consignment_id)
                .bind(decision.kind.as_str())
                .bind(&decision.justification)
                .bind(&decision.officer)
                .bind(&now)
                .fetch_one(&mut *tx)
                .await?;
                append_audit_in(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(rec::Decision {
                    id,
                    consignment_id: decision.consignment_id,
                    kind: decision.kind,
                    justification: decision.justification.clone(),
                    officer: decision.officer.clone(),
                    decided_at: parse_timestamp("decision", "-", &now)?,
                })
            }

            async fn decisions(&self, consignment_id: i64) -> Result<Vec<rec::Decision>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, consignment_id, kind, justification, officer, decided_at FROM decisions \
                     WHERE consignment_id = $1 ORDER BY id",
                )
                .bind(consignment_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(decision_row).collect()
            }

            async fn order_examination(
                &self,
                order: &rec::NewExaminationOrder,
                audit: &NewAuditEntry,
            ) -> Result<rec::ExaminationOrder, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                consignment_exists(&mut tx, order.consignment_id).await?;
                let now = timestamp_text(ChronoUtc::now());
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO examination_orders (consignment_id, ordered_by, instructions, ordered_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(order.consignment_id)
                .bind(&order.ordered_by)
                .bind(&order.instructions)
                .bind(&now)
                .fetch_one(&mut *tx)
                .await?;
                append_audit_in(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(rec::ExaminationOrder {
                    id,
                    consignment_id: order.consignment_id,
                    ordered_by: order.ordered_by.clone(),
                    instructions: order.instructions.clone(),
                    ordered_at: parse_timestamp("examination", "-", &now)?,
                    result: None,
                })
            }

            async fn record_examination_result(
                &self,
                order_id: i64,
                result: &rec::NewExaminationResult,
                audit: &NewAuditEntry,
            ) -> Result<rec::ExaminationOrder, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                let order = record_result_in(&mut tx, order_id, result, audit).await?;
                tx.commit().await?;
                Ok(order)
            }

            async fn examination(&self, order_id: i64) -> Result<Option<rec::ExaminationOrder>, StoreError> {
                let sql = format!("SELECT {ORDER_COLUMNS} WHERE id = $1");
                let row = sqlx::query(&sql).bind(order_id).fetch_optional(&self.pool).await?;
                row.as_ref().map(order_row).transpose()
            }

            async fn examinations(&self, consignment_id: i64) -> Result<Vec<rec::ExaminationOrder>, StoreError> {
                let sql = format!("SELECT {ORDER_COLUMNS} WHERE consignment_id = $1 ORDER BY id");
                let rows = sqlx::query(&sql).bind(consignment_id).fetch_all(&self.pool).await?;
                rows.iter().map(order_row).collect()
            }

            async fn examined(
                &self,
                after_order_id: i64,
                limit: u32,
            ) -> Result<Vec<(rec::ExaminationOrder, rec::StoredConsignment)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT e.id, e.consignment_id, e.ordered_by, e.instructions, e.ordered_at, e.outcome, \
                     e.findings, e.recorded_by, e.recorded_at, c.reference, c.submitter, c.version, \
                     c.received_at, c.body FROM examination_orders e JOIN consignments c ON c.id = e.consignment_id \
                     WHERE e.outcome IS NOT NULL AND e.id > $1 ORDER BY e.id LIMIT $2",
                )
                .bind(after_order_id)
                .bind(effective_limit(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        let order = order_row(row)?;
                        let id = order.consignment_id;
                        let received_at: String = row.try_get("received_at")?;
                        let body: String = row.try_get("body")?;
                        let consignment = rec::StoredConsignment {
                            id,
                            reference: row.try_get("reference")?,
                            submitter: row.try_get("submitter")?,
                            version: row.try_get("version")?,
                            received_at: parse_timestamp("consignment", &id.to_string(), &received_at)?,
                            consignment: parse_consignment(id, &body)?,
                        };
                        Ok((order, consignment))
                    })
                    .collect()
            }

            async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                let stored = append_audit_in(&mut tx, entry).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log \
                     WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(i64::from(limit.max(1)))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(audit_row).collect()
            }
        }
    };
}

pub(crate) use impl_sql_store;
