//! Persistence of cash declarations and detections ([`CashStore`]), with the record that one was shared with a
//! partner administration. The record is stored as its JSON; reference, kind and time are columns for lookups.
//! Implemented for both backends by `impl_cash_store!`, in the same way as `sql.rs` implements [`crate::Store`].

use aduana_enforcement::cash::{CashRecord, SharingRecord};

use crate::StoreError;
use crate::audit::NewAuditEntry;
use crate::records::Timestamp;

/// A stored cash record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCashRecord {
    /// The store's id.
    pub id: i64,
    /// The declaration or detection.
    pub record: CashRecord,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// When and with whom it was shared, once it was.
    pub shared: Option<SharingRecord>,
}

/// Which cash records to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CashFilter {
    /// Made at or after this time.
    pub from: Option<Timestamp>,
    /// Made before this time.
    pub to: Option<Timestamp>,
    /// At most this many, newest first (0: all).
    pub limit: u32,
}

/// Cash declarations and detections; a supertrait of [`crate::Store`].
#[async_trait::async_trait]
pub trait CashStore: Send + Sync {
    /// Stores records (all or none, in one transaction) with one audit entry each (`cash.record`, by `actor`);
    /// fails with `Conflict` naming the first reference already stored.
    async fn add_cash_records(&self, records: &[CashRecord], actor: &str) -> Result<Vec<StoredCashRecord>, StoreError>;
    /// Returns one cash record by id.
    async fn cash_record(&self, id: i64) -> Result<Option<StoredCashRecord>, StoreError>;
    /// Returns cash records matching a filter, by time (oldest first).
    async fn cash_records(&self, filter: &CashFilter) -> Result<Vec<StoredCashRecord>, StoreError>;
    /// Records that a cash record was shared with a partner, with an audit entry (`cash.share`); fails with
    /// `NotFound` for an unknown id and `Conflict` when it was already shared.
    async fn mark_cash_shared(
        &self,
        id: i64,
        with: &str,
        at: Timestamp,
        actor: &str,
    ) -> Result<StoredCashRecord, StoreError>;
}

/// The audit entry of a stored record.
pub(crate) fn record_audit(actor: &str, id: i64, record: &CashRecord) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.to_owned(),
        action: "cash.record".to_owned(),
        subject: format!("cash/{id}"),
        details: serde_json::json!({"reference": record.reference, "kind": record.kind()}),
    }
}

/// The audit entry of a sharing.
pub(crate) fn share_audit(actor: &str, id: i64, with: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.to_owned(),
        action: "cash.share".to_owned(),
        subject: format!("cash/{id}"),
        details: serde_json::json!({"with": with}),
    }
}

/// Parses a stored cash record body.
pub(crate) fn parse_record(id: i64, body: &str) -> Result<CashRecord, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        what: "cash record",
        id: id.to_string(),
        reason: e.to_string(),
    })
}

/// Implements [`CashStore`] for a backend store type; expanded after `impl_sql_store!` in the same module, whose
/// helpers (`append_audit_in`, `begin_write`) it uses.
macro_rules! impl_cash_store {
    ($store:ty) => {
        const CASH_COLUMNS: &str = "id, reference, body, recorded_by, recorded_at, shared_with, shared_at, shared_by \
             FROM cash_records";

        fn cash_row(row: &DbRow) -> Result<crate::cash::StoredCashRecord, StoreError> {
            let id: i64 = row.try_get("id")?;
            let body: String = row.try_get("body")?;
            let recorded_at: String = row.try_get("recorded_at")?;
            let shared_with: Option<String> = row.try_get("shared_with")?;
            let shared_at: Option<String> = row.try_get("shared_at")?;
            let shared_by: Option<String> = row.try_get("shared_by")?;
            let shared = match (shared_with, shared_at, shared_by) {
                (Some(with), Some(at), Some(by)) => Some(aduana_enforcement::cash::SharingRecord { with, at, by }),
                _ => None,
            };
            Ok(crate::cash::StoredCashRecord {
                id,
                record: crate::cash::parse_record(id, &body)?,
                recorded_by: row.try_get("recorded_by")?,
                recorded_at: parse_timestamp("cash record", &id.to_string(), &recorded_at)?,
                shared,
            })
        }

        #[async_trait::async_trait]
        impl crate::cash::CashStore for $store {
            async fn add_cash_records(
                &self,
                records: &[aduana_enforcement::cash::CashRecord],
                actor: &str,
            ) -> Result<Vec<crate::cash::StoredCashRecord>, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                let now = timestamp_text(ChronoUtc::now());
                let mut ids = Vec::with_capacity(records.len());
                for record in records {
                    let body = crate::sql::to_json("cash record", record)?;
                    let occurred_at = timestamp_text(record.at);
                    let inserted = sqlx::query(
                        "INSERT INTO cash_records (reference, kind, occurred_at, body, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(&record.reference)
                    .bind(record.kind())
                    .bind(&occurred_at)
                    .bind(&body)
                    .bind(actor)
                    .bind(&now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::from);
                    let id: i64 = match inserted {
                        Ok(row) => row.try_get("id")?,
                        Err(error) if is_unique_violation(&error) => {
                            return Err(StoreError::Conflict(format!(
                                "cash record {} already exists",
                                record.reference
                            )));
                        }
                        Err(error) => return Err(error),
                    };
                    append_audit_in(&mut tx, &crate::cash::record_audit(actor, id, record)).await?;
                    ids.push(id);
                }
                let mut stored = Vec::with_capacity(ids.len());
                for id in ids {
                    let sql = format!("SELECT {CASH_COLUMNS} WHERE id = $1");
                    let row = sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await?;
                    stored.push(cash_row(&row)?);
                }
                tx.commit().await?;
                Ok(stored)
            }

            async fn cash_record(&self, id: i64) -> Result<Option<crate::cash::StoredCashRecord>, StoreError> {
                let sql = format!("SELECT {CASH_COLUMNS} WHERE id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(cash_row).transpose()
            }

            async fn cash_records(
                &self,
                filter: &crate::cash::CashFilter,
            ) -> Result<Vec<crate::cash::StoredCashRecord>, StoreError> {
                let from = filter.from.map(timestamp_text).unwrap_or_default();
                let to = filter.to.map_or_else(|| "9999".to_owned(), timestamp_text);
                let limit = if filter.limit == 0 { i64::MAX } else { i64::from(filter.limit) };
                let sql = format!(
                    "SELECT {CASH_COLUMNS} WHERE occurred_at >= $1 AND occurred_at < $2 \
                     ORDER BY occurred_at, id LIMIT $3"
                );
                let rows = sqlx::query(&sql).bind(from).bind(to).bind(limit).fetch_all(&self.pool).await?;
                rows.iter().map(cash_row).collect()
            }

            async fn mark_cash_shared(
                &self,
                id: i64,
                with: &str,
                at: rec::Timestamp,
                actor: &str,
            ) -> Result<crate::cash::StoredCashRecord, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                let sql = format!("SELECT {CASH_COLUMNS} WHERE id = $1");
                let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? else {
                    return Err(StoreError::NotFound { what: "cash record", id: id.to_string() });
                };
                if let Some(shared) = cash_row(&row)?.shared {
                    return Err(StoreError::Conflict(format!(
                        "cash record {id} was already shared with {} at {}",
                        shared.with, shared.at
                    )));
                }
                sqlx::query(
                    "UPDATE cash_records SET shared_with = $1, shared_at = $2, shared_by = $3 \
                     WHERE id = $4 AND shared_at IS NULL",
                )
                .bind(with)
                .bind(timestamp_text(at))
                .bind(actor)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                append_audit_in(&mut tx, &crate::cash::share_audit(actor, id, with)).await?;
                let row = sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await?;
                let stored = cash_row(&row)?;
                tx.commit().await?;
                Ok(stored)
            }
        }
    };
}

pub(crate) use impl_cash_store;
