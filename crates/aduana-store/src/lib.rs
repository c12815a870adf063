//! Persistence for Aduana. One trait, [`Store`], with two backends side by side: [`SqliteStore`] (the embedded
//! default: one WAL-mode file under the data directory, zero set-up) and [`PostgresStore`] (shared by several server
//! processes). Both run the same SQL through one implementation (`sql.rs`) and pass the same test suite
//! (`store_test_suite!` in `tests.rs`).
//!
//! What is stored: consignments (canonical JSON, versioned per reference and submitter) with their assessments,
//! users with Argon2id password hashes and hashed API tokens, server-side sessions, officers' decisions,
//! examination orders and results, the append-only, hash-chained audit log, (through [`ProfileStore`]) the risk
//! configuration: versioned profiles, watch lists and the AEO register, cash declarations ([`CashStore`]), and the
//! messages of the secure exchange between administrations ([`ExchangeStore`]); enforcement cases (nCEN) through
//! [`EnforcementStore`] (`enforcement.rs`) with their photos and X-ray images ([`CaseImageStore`]).

pub mod audit;
pub mod case_images;
pub mod cash;
mod enforcement;
mod exchange;
mod postgres;
mod profiles;
mod records;
mod sql;
mod sqlite;
#[cfg(test)]
mod tests;
pub mod workbench;

use aduana_core::{Assessment, Consignment};

pub use audit::{AuditEntry, ChainStatus, NewAuditEntry};
pub use case_images::{CaseImage, CaseImageKind, CaseImageStore, NewCaseImage};
pub use cash::{CashFilter, CashStore, StoredCashRecord};
pub use enforcement::{
    CaseQuery, CaseSearch, EnforcementStore, EntityCount, FacetCount, Facets, MAX_LINK_MENTIONS, StoredCase, Viewer,
};
pub use exchange::{ExchangeDirection, ExchangeMessage, ExchangeStore, NewExchangeMessage};
pub use postgres::PostgresStore;
pub use profiles::{
    ExaminedConsignment, MAX_BACKTEST_CONSIGNMENTS, NewAeoRegister, NewProfileVersion, NewWatchList, ProfileStore,
    ProfileVersion, RiskConfig, StoredAeoRegister, StoredProfile, StoredWatchList,
};
pub use records::{
    AssessmentFilter, ConsignmentFilter, Decision, DecisionKind, ExaminationOrder, ExaminationOutcome,
    ExaminationResult, NewDecision, NewExaminationOrder, NewExaminationResult, NewUser, Role, StoredAssessment,
    StoredConsignment, SubmissionOutcome, Submitted, Timestamp, User,
};
pub use sqlite::{SqliteDurability, SqliteStore};
pub use workbench::{ResultDetails, WorkbenchStore};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error (connection, constraint, I/O).
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row could not be read back (corrupt JSON, an unknown enum value).
    #[error("stored {what} {id} is unreadable: {reason}")]
    Corrupt {
        /// The kind of record.
        what: &'static str,
        /// Its id.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A record that the operation refers to does not exist.
    #[error("{what} {id} does not exist")]
    NotFound {
        /// The kind of record.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The operation conflicts with what is stored (a user name already taken, a result already recorded).
    #[error("{0}")]
    Conflict(String),
    /// An argument is unusable (e.g. a schema name with characters that cannot be quoted safely).
    #[error("{0}")]
    InvalidArgument(String),
    /// The store's writer task has stopped (the runtime is shutting down).
    #[error("the store is shutting down")]
    Closed,
}

/// Every backend implements this one trait; the server holds an `Arc<dyn Store>`.
#[async_trait::async_trait]
pub trait Store:
    CaseImageStore
    + CashStore
    + EnforcementStore
    + ExchangeStore
    + ProfileStore
    + WorkbenchStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// Stores each consignment with its assessment, each pair in one transaction (the whole batch shares one, and
    /// a backend may commit concurrent batches together). Resubmitting a reference with identical content is
    /// idempotent and returns the stored assessment; different content is an amendment, stored as the next version
    /// with the new assessment. Returns when the batch is durably committed.
    async fn submit(
        &self,
        submitter: &str,
        batch: Vec<(Consignment, Assessment)>,
    ) -> Result<Vec<Submitted>, StoreError>;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Returns one stored consignment version by id.
    async fn consignment(&self, id: i64) -> Result<Option<StoredConsignment>, StoreError>;
    /// Returns stored consignment versions matching a filter, newest first.
    async fn consignments(&self, filter: &ConsignmentFilter) -> Result<Vec<StoredConsignment>, StoreError>;
    /// Returns the assessment of one consignment version.
    async fn assessment_of(&self, consignment_id: i64) -> Result<Option<StoredAssessment>, StoreError>;
    /// Returns assessments matching a filter, newest first.
    async fn assessments(&self, filter: &AssessmentFilter) -> Result<Vec<StoredAssessment>, StoreError>;

    /// Creates a user; fails with `Conflict` when the name is taken.
    async fn add_user(&self, user: &NewUser) -> Result<User, StoreError>;
    /// Returns a user and its password hash by name.
    async fn user_by_name(&self, name: &str) -> Result<Option<(User, Option<String>)>, StoreError>;
    /// Returns every user, by name.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Stores the SHA-256 hash of a new API token for a user.
    async fn add_token(&self, user_id: i64, token_hash: &str) -> Result<(), StoreError>;
    /// Returns the user an API token (by its hash) belongs to.
    async fn user_by_token(&self, token_hash: &str) -> Result<Option<User>, StoreError>;
    /// Stores a session (by the hash of its id) that expires at a time.
    async fn create_session(&self, session_hash: &str, user_id: i64, expires_at: Timestamp) -> Result<(), StoreError>;
    /// Returns the user of a session that has not expired at `now`.
    async fn user_by_session(&self, session_hash: &str, now: Timestamp) -> Result<Option<User>, StoreError>;
    /// Deletes a session.
    async fn delete_session(&self, session_hash: &str) -> Result<(), StoreError>;
    /// Deletes every session that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError>;

    /// Records an officer's decision and its audit entry in one transaction.
    async fn record_decision(&self, decision: &NewDecision, audit: &NewAuditEntry) -> Result<Decision, StoreError>;
    /// Returns the decisions on one consignment version, oldest first.
    async fn decisions(&self, consignment_id: i64) -> Result<Vec<Decision>, StoreError>;
    /// Orders an examination, with its audit entry, in one transaction.
    async fn order_examination(
        &self,
        order: &NewExaminationOrder,
        audit: &NewAuditEntry,
    ) -> Result<ExaminationOrder, StoreError>;
    /// Records the result of an examination, with its audit entry; fails with `Conflict` when one is recorded.
    async fn record_examination_result(
        &self,
        order_id: i64,
        result: &NewExaminationResult,
        audit: &NewAuditEntry,
    ) -> Result<ExaminationOrder, StoreError>;
    /// Returns one examination order with its result, if any.
    async fn examination(&self, order_id: i64) -> Result<Option<ExaminationOrder>, StoreError>;
    /// Returns the examination orders of one consignment version, oldest first.
    async fn examinations(&self, consignment_id: i64) -> Result<Vec<ExaminationOrder>, StoreError>;
    /// Returns up to `limit` examination orders that have a result, with the consignment version examined, in
    /// order of order id above `after_order_id`: the outcomes the learned model is trained on.
    async fn examined(
        &self,
        after_order_id: i64,
        limit: u32,
    ) -> Result<Vec<(ExaminationOrder, StoredConsignment)>, StoreError>;

    /// Appends an entry to the hash-chained audit log.
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError>;
    /// Returns up to `limit` audit entries with a sequence number above `after_seq`, in order.
    async fn audit_entries(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
    /// Walks the whole audit chain and reports the first broken link, if any.
    async fn verify_audit(&self) -> Result<ChainStatus, StoreError> {
        let mut checker = audit::ChainChecker::new();
        let mut after = 0;
        loop {
            let page = self.audit_entries(after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for entry in &page {
                if let Some(broken) = checker.check(entry) {
                    return Ok(broken);
                }
            }
        }
        Ok(checker.finish())
    }
}
