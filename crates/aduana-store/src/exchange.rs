//! Messages of the secure exchange between administrations ([`ExchangeStore`]): what this node sent and what it
//! received from partner nodes (already verified and decrypted by `aduana-exchange`), each stored with its audit
//! entry in one transaction and deduplicated by message id.

use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::audit::NewAuditEntry;
use crate::records::Timestamp;

/// Whether a message was sent by this node or received from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeDirection {
    /// Sealed and queued by this node.
    Sent,
    /// Accepted from a partner node.
    Received,
}

impl ExchangeDirection {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeDirection::Sent => "sent",
            ExchangeDirection::Received => "received",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sent" => Some(ExchangeDirection::Sent),
            "received" => Some(ExchangeDirection::Received),
            _ => None,
        }
    }
}

/// A message to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExchangeMessage {
    pub direction: ExchangeDirection,
    /// The envelope's message id (32 hex digits).
    pub message_id: String,
    pub group_id: String,
    pub group_name: String,
    /// The sending node's id.
    pub sender: String,
    pub sender_name: String,
    /// The content type (`alert`, `seizure_notice`, `free_text`, …).
    pub kind: String,
    /// A one-line summary for lists.
    pub summary: String,
    /// When the sender sealed it.
    pub created_at: Timestamp,
    /// The decrypted content (JSON).
    pub content: serde_json::Value,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeMessage {
    pub id: i64,
    pub message: NewExchangeMessage,
    /// When this node stored it.
    pub recorded_at: Timestamp,
}

/// Persistence of exchange messages; every backend implements it (a supertrait of [`crate::Store`]).
#[async_trait::async_trait]
pub trait ExchangeStore: Send + Sync {
    /// Stores a message with its audit entry in one transaction. Returns `None`, storing nothing, when a message
    /// with this id is already stored in this direction.
    async fn record_exchange_message(
        &self,
        message: &NewExchangeMessage,
        audit: &NewAuditEntry,
    ) -> Result<Option<ExchangeMessage>, StoreError>;
    /// Returns up to `limit` messages of one direction (0: 100, at most 1000), newest first.
    async fn exchange_messages(
        &self,
        direction: ExchangeDirection,
        limit: u32,
    ) -> Result<Vec<ExchangeMessage>, StoreError>;
    /// Returns one message by its message id and direction.
    async fn exchange_message(
        &self,
        direction: ExchangeDirection,
        message_id: &str,
    ) -> Result<Option<ExchangeMessage>, StoreError>;
}

/// Implements [`ExchangeStore`] for a backend; expanded in the backend's module after `impl_sql_store!`, whose
/// `begin_write`, `append_audit_in` and `DbRow` it uses.
macro_rules! impl_exchange_store {
    ($store:ty) => {
        const EXCHANGE_COLUMNS: &str = "id, direction, message_id, group_id, group_name, sender, sender_name, kind, \
             summary, created_at, recorded_at, content FROM exchange_messages";

        fn exchange_row(row: &DbRow) -> Result<crate::exchange::ExchangeMessage, StoreError> {
            let id: i64 = row.try_get("id")?;
            let corrupt = |reason: String| StoreError::Corrupt { what: "exchange message", id: id.to_string(), reason };
            let direction: String = row.try_get("direction")?;
            let direction = crate::exchange::ExchangeDirection::parse(&direction)
                .ok_or_else(|| corrupt(format!("unknown direction `{direction}`")))?;
            let content: String = row.try_get("content")?;
            let content = serde_json::from_str(&content).map_err(|error| corrupt(error.to_string()))?;
            let created_at: String = row.try_get("created_at")?;
            let recorded_at: String = row.try_get("recorded_at")?;
            Ok(crate::exchange::ExchangeMessage {
                id,
                message: crate::exchange::NewExchangeMessage {
                    direction,
                    message_id: row.try_get("message_id")?,
                    group_id: row.try_get("group_id")?,
                    group_name: row.try_get("group_name")?,
                    sender: row.try_get("sender")?,
                    sender_name: row.try_get("sender_name")?,
                    kind: row.try_get("kind")?,
                    summary: row.try_get("summary")?,
                    created_at: parse_timestamp("exchange message", &id.to_string(), &created_at)?,
                    content,
                },
                recorded_at: parse_timestamp("exchange message", &id.to_string(), &recorded_at)?,
            })
        }

        #[async_trait::async_trait]
        impl crate::exchange::ExchangeStore for $store {
            async fn record_exchange_message(
                &self,
                message: &crate::exchange::NewExchangeMessage,
                audit: &NewAuditEntry,
            ) -> Result<Option<crate::exchange::ExchangeMessage>, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                let exists = sqlx::query("SELECT id FROM exchange_messages WHERE direction = $1 AND message_id = $2")
                    .bind(message.direction.as_str())
                    .bind(&message.message_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_some() {
                    return Ok(None);
                }
                let now = timestamp_text(ChronoUtc::now());
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO exchange_messages (direction, message_id, group_id, group_name, sender, \
                     sender_name, kind, summary, created_at, recorded_at, content) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(message.direction.as_str())
                .bind(&message.message_id)
                .bind(&message.group_id)
                .bind(&message.group_name)
                .bind(&message.sender)
                .bind(&message.sender_name)
                .bind(&message.kind)
                .bind(&message.summary)
                .bind(timestamp_text(message.created_at))
                .bind(&now)
                .bind(message.content.to_string())
                .fetch_one(&mut *tx)
                .await?;
                append_audit_in(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(Some(crate::exchange::ExchangeMessage {
                    id,
                    message: message.clone(),
                    recorded_at: parse_timestamp("exchange message", &id.to_string(), &now)?,
                }))
            }

            async fn exchange_messages(
                &self,
                direction: crate::exchange::ExchangeDirection,
                limit: u32,
            ) -> Result<Vec<crate::exchange::ExchangeMessage>, StoreError> {
                let sql = format!("SELECT {EXCHANGE_COLUMNS} WHERE direction = $1 ORDER BY id DESC LIMIT $2");
                let rows = sqlx::query(&sql)
                    .bind(direction.as_str())
                    .bind(effective_limit(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(exchange_row).collect()
            }

            async fn exchange_message(
                &self,
                direction: crate::exchange::ExchangeDirection,
                message_id: &str,
            ) -> Result<Option<crate::exchange::ExchangeMessage>, StoreError> {
                let sql = format!("SELECT {EXCHANGE_COLUMNS} WHERE direction = $1 AND message_id = $2");
                let row =
                    sqlx::query(&sql).bind(direction.as_str()).bind(message_id).fetch_optional(&self.pool).await?;
                row.as_ref().map(exchange_row).transpose()
            }
        }
    };
}

pub(crate) use impl_exchange_store;
