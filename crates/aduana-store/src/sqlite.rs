//! The SQLite backend: the embedded default, one WAL-mode file under the data directory.
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so every commit fsyncs the write-ahead
//! log before it returns; a write the server has acknowledged survives a crash of the process *and* of the machine.
//! (`NORMAL` would survive a killed process but could lose the last commits on power loss.)
//!
//! Concurrency: SQLite has one writer at a time. Inside a process, writes queue on an async mutex (the write gate)
//! instead of SQLite's busy handler, which polls with sleeps of up to 100 ms and made tail latency seconds long
//! under load. Submissions go through a queue to one writer task that commits everything waiting in one
//! transaction (group commit: one fsync for many submissions, each answered only after that commit). Write
//! transactions start with `BEGIN IMMEDIATE`, so a second process on the same file waits on the busy timeout
//! instead of failing on a lock upgrade.

use std::path::Path;
use std::time::Duration;

use std::sync::Arc;

use aduana_core::{Assessment, Consignment};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::Submitted;

/// The most consignments committed in one group.
const MAX_GROUP_CONSIGNMENTS: usize = 20_000;

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    gate: Arc<Mutex<()>>,
    queue: mpsc::Sender<Pending>,
}

/// A submission waiting for the writer task.
#[derive(Debug)]
struct Pending {
    submitter: String,
    batch: Vec<(Consignment, Assessment)>,
    bodies: Vec<crate::sql::Encoded>,
    reply: oneshot::Sender<Result<Vec<Submitted>, StoreError>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            // Checkpoint every ~40 MB of WAL rather than every 4 MB: a batch of 1,000 consignments writes ~5 MB,
            // and checkpointing after nearly every batch doubled the bytes written and fsynced.
            .pragma("wal_autocheckpoint", "10000")
            // 64 MB of page cache per connection instead of 2 MB, temporary b-trees (the `IN (...)` lists) in memory,
            // and reads through a memory map: less copying and fewer system calls on the writer's path. None of these
            // touches durability, which `synchronous = FULL` keeps.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            .pragma("mmap_size", "268435456");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        let (queue, pending) = mpsc::channel(1024);
        let store = SqliteStore { pool, gate: Arc::new(Mutex::new(())), queue };
        tokio::spawn(store.clone().write_submissions(pending));
        Ok(store)
    }

    /// The writer task: takes every submission waiting, commits them together, answers each.
    async fn write_submissions(self, mut pending: mpsc::Receiver<Pending>) {
        while let Some(first) = pending.recv().await {
            let mut count = first.batch.len();
            let mut group = vec![first];
            while count < MAX_GROUP_CONSIGNMENTS {
                match pending.try_recv() {
                    Ok(next) => {
                        count += next.batch.len();
                        group.push(next);
                    }
                    Err(_) => break,
                }
            }
            let (submissions, replies): (Vec<_>, Vec<_>) =
                group.into_iter().map(|p| ((p.submitter, p.batch, p.bodies), p.reply)).unzip();
            match self.submit_groups(&submissions).await {
                Ok(results) => {
                    for (reply, result) in replies.into_iter().zip(results) {
                        let _ = reply.send(Ok(result));
                    }
                }
                // One bad submission must not fail the others: commit each on its own.
                Err(_) if submissions.len() > 1 => {
                    for (submission, reply) in submissions.into_iter().zip(replies) {
                        let result = self.submit_groups(std::slice::from_ref(&submission)).await;
                        let _ = reply.send(result.map(|mut r| r.pop().unwrap_or_default()));
                    }
                }
                Err(error) => {
                    if let Some(reply) = replies.into_iter().next() {
                        let _ = reply.send(Err(error));
                    }
                }
            }
        }
    }

    async fn submit_queued(
        &self,
        submitter: &str,
        batch: Vec<(Consignment, Assessment)>,
    ) -> Result<Vec<Submitted>, StoreError> {
        // Serialise and hash here, in the submitting task, not in the one writer; a large batch on a blocking
        // thread (a few milliseconds per thousand consignments), not on the runtime's.
        let (batch, bodies) = if batch.len() <= 64 {
            let bodies = crate::sql::encode(&batch);
            (batch, bodies)
        } else {
            tokio::task::spawn_blocking(move || {
                let bodies = crate::sql::encode(&batch);
                (batch, bodies)
            })
            .await
            .map_err(|_| StoreError::Closed)?
        };
        let bodies = bodies?;
        let (reply, answer) = oneshot::channel();
        let pending = Pending { submitter: submitter.to_owned(), batch, bodies, reply };
        self.queue.send(pending).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn write_gate(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        Some(self.gate.clone().lock_owned().await)
    }

    /// Closes the connections, checkpointing the write-ahead log.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Executes raw SQL, for tests that tamper with stored rows.
    #[cfg(test)]
    pub(crate) async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }
}

crate::sql::impl_sql_store!(SqliteStore, sqlx::Sqlite, begin_write = "BEGIN IMMEDIATE", lock_audit = "");
crate::case_images::impl_case_image_store!(SqliteStore);
crate::cash::impl_cash_store!(SqliteStore);
crate::exchange::impl_exchange_store!(SqliteStore);
crate::workbench::impl_workbench_store!(SqliteStore, sqlx::Sqlite);

crate::profiles::impl_profile_store!(super::SqliteStore, sqlx::Sqlite);
crate::enforcement::impl_enforcement_store!(
    SqliteStore,
    sqlx::Sqlite,
    fts_delete = "DELETE FROM enforcement_case_text WHERE rowid = $1",
    fts_write = "INSERT INTO enforcement_case_text (rowid, text) VALUES ($1, $2)",
    fts_match = ("{id} IN (SELECT rowid FROM enforcement_case_text WHERE enforcement_case_text MATCH ", ")"),
    fts_count = "SELECT (SELECT COUNT(*) FROM enforcement_case_text WHERE enforcement_case_text MATCH $1) AS matches, \
                 (SELECT COALESCE(MAX(id), 0) FROM enforcement_cases) AS cases",
    // A unary plus keeps SQLite from using an index for the column it precedes.
    probe = "+",
    find = "instr",
    concat = "group_concat",
    fts_quote = "\"",
    fts_and = " AND "
);

#[cfg(test)]
mod tests {
    use super::SqliteStore;

    /// Opens a fresh store in a temporary directory, which lives as long as the returned guard.
    async fn open() -> Option<(SqliteStore, tempfile::TempDir)> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(&dir.path().join("aduana.db")).await.expect("opening the store");
        Some((store, dir))
    }

    crate::tests::store_test_suite!(open);
}
