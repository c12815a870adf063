//! The SQLite backend: the embedded default, one WAL-mode file under the data directory.
//!
//! Durability ([`SqliteDurability`]): by default the database runs in WAL mode with `synchronous = FULL`, so every
//! commit fsyncs the write-ahead log before it returns; a write the server has acknowledged survives a crash of the
//! process *and* of the machine. An operator may choose `synchronous = NORMAL` instead
//! ([`SqliteDurability::ProcessCrash`]): commits are not fsynced (the log is fsynced at checkpoints), so an
//! acknowledged write survives a killed process but the last commits can be lost on power loss or an OS crash.
//!
//! Concurrency: SQLite has one writer at a time. Inside a process, writes queue on an async mutex (the write gate)
//! instead of SQLite's busy handler, which polls with sleeps of up to 100 ms and made tail latency seconds long
//! under load. Submissions go through a queue to one writer task that commits everything waiting in one
//! transaction (group commit: one fsync for many submissions, each answered only after that commit). Write
//! transactions start with `BEGIN IMMEDIATE`, so a second process on the same file waits on the busy timeout
//! instead of failing on a lock upgrade.
//!
//! Checkpoints (copying the write-ahead log into the database file) run on a background task every
//! [`CHECKPOINT_INTERVAL`], not in the committing writer: a checkpoint after a commit was an eighth of a batch's
//! CPU time and delayed every submission queued behind it. The writer's own automatic checkpoint stays as the
//! bound on the log's size; it then finds little left to copy and lets the log restart.

use std::path::Path;
use std::time::Duration;

use std::sync::Arc;

use aduana_core::{Assessment, Consignment};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::Submitted;

/// The most consignments committed in one group.
const MAX_GROUP_CONSIGNMENTS: usize = 20_000;

/// How often the background task checkpoints the write-ahead log.
pub(crate) const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

/// The page size of a new database file. SQLite's default of 4 KB holds only one 2.5 KB consignment body, or one
/// 2 KB assessment, per page; 8 KB pages hold three of either, which cut the CPU time of storing a batch by a
/// fifth. 16 KB pages cut it a little more but made every small commit write and fsync twice the bytes, and single
/// submissions slower (`docs/benchmarks.md`, "Server"). An existing file keeps the page size it was created with.
const PAGE_SIZE: u32 = 8192;

/// What an acknowledged SQLite commit survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqliteDurability {
    /// `synchronous = FULL`, the default: every commit fsyncs the write-ahead log before it is acknowledged, so an
    /// acknowledged write survives a killed process, an OS crash and a power loss.
    PowerLoss,
    /// `synchronous = NORMAL`: commits are written to the write-ahead log without an fsync (the log is fsynced at
    /// each checkpoint), so an acknowledged write survives a killed process (`kill -9`) but the commits of the last
    /// moments before an OS crash or power loss can be lost. Chosen explicitly by the operator for lower latency.
    ProcessCrash,
}

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
    /// Opens (creating if missing) the database file and brings its schema up to date, with the default
    /// durability ([`SqliteDurability::PowerLoss`]).
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with_durability(path, SqliteDurability::PowerLoss).await
    }

    /// Opens (creating if missing) the database file and brings its schema up to date; commits survive what
    /// `durability` says.
    pub async fn open_with_durability(path: &Path, durability: SqliteDurability) -> Result<SqliteStore, StoreError> {
        let synchronous = match durability {
            SqliteDurability::PowerLoss => SqliteSynchronous::Full,
            SqliteDurability::ProcessCrash => SqliteSynchronous::Normal,
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // Applied before anything else on the connection; a no-op on an existing file.
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            // The background task checkpoints every `CHECKPOINT_INTERVAL`; the committing connection checkpoints
            // itself only once the log passes ~40 MB (5,000 pages of 8 KB; 20 MB in an older file of 4 KB pages).
            // That bounds the log under sustained load, which the background task alone cannot: a log written to
            // all the time never becomes fully checkpointed, so it never restarts.
            .pragma("wal_autocheckpoint", "5000")
            // 64 MB of page cache per connection instead of 2 MB, temporary b-trees (the `IN (...)` lists) in memory,
            // and reads through a memory map: less copying and fewer system calls on the writer's path. None of these
            // touches durability, which `synchronous` decides.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            .pragma("mmap_size", "268435456");
        // No ping before each acquire (sqlx's default): a ping is a round trip to the connection's worker thread, and
        // a SQLite connection is a handle to a local file that cannot go stale the way a network connection can. sqlx
        // still pings each connection when it comes back to the pool, which completes the rollback of a
        // transaction dropped midway and closes a connection that fails, so an acquired connection has already
        // been checked once since its last use.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .after_release(|connection, _| Box::pin(released_outside_any_transaction(connection)))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        let (queue, pending) = mpsc::channel(1024);
        let store = SqliteStore { pool, gate: Arc::new(Mutex::new(())), queue };
        tokio::spawn(store.clone().write_submissions(pending));
        tokio::spawn(checkpoint_in_background(store.pool.clone()));
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
        // Serialise and hash here, in the submitting task, not in the one writer.
        let (batch, bodies) = crate::sql::encode_submission(batch).await?;
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

/// Whether a connection coming back to the pool may be used again: only if it is outside any transaction.
///
/// sqlx 0.8 begins a transaction with a custom statement (our `BEGIN IMMEDIATE`) in two steps, running the statement
/// and then checking that SQLite is inside a transaction. A task cancelled between the two (the server aborting its
/// workbench task on shutdown, a client going away) has no `Transaction` to roll back, so the connection would go
/// back to the pool holding SQLite's write lock: every other writer would wait out the busy timeout and fail with
/// "database is locked", and the connection could never begin a transaction again. A transaction dropped the
/// ordinary way has queued its rollback, which the ping flushes; a connection still inside a transaction after it
/// is closed, and closing it rolls the transaction back.
async fn released_outside_any_transaction(connection: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection as _;
    if !connection.is_in_transaction() {
        return Ok(true);
    }
    connection.ping().await?;
    Ok(!connection.is_in_transaction())
}

/// Copies the write-ahead log into the database file every [`CHECKPOINT_INTERVAL`], beside the writer (a `PASSIVE`
/// checkpoint takes no write lock), until the pool closes. Failures (a busy checkpoint lock, a full disk) are left
/// to the next round and to the writer's automatic checkpoint.
async fn checkpoint_in_background(pool: SqlitePool) {
    let mut ticks = tokio::time::interval(CHECKPOINT_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if pool.is_closed() {
            return;
        }
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await;
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
    // The largest id stands for the number of cases (cases are never deleted) and is the plan's `last`.
    fts_count = "SELECT (SELECT COUNT(*) FROM enforcement_case_text WHERE enforcement_case_text MATCH $1) AS matches, \
                 m.last AS cases, m.last AS last FROM (SELECT COALESCE(MAX(id), 0) AS last FROM enforcement_cases) m",
    // The FTS5 rowids up to `last` in one text (each row out of SQLite's worker costs a wake-up): the ids from 1 to
    // `last` that are not among them are the cases without the words.
    fts_missing = (
        "SELECT group_concat(rowid) AS ids FROM enforcement_case_text \
         WHERE enforcement_case_text MATCH $1 AND rowid <= $2",
        true
    ),
    id_list = ("{id} IN (SELECT value FROM json_each(", "))"),
    ids = crate::enforcement::ids_json,
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

    use super::{PAGE_SIZE, SqliteDurability};
    use crate::Store as _;

    async fn pragma(store: &SqliteStore, name: &str) -> i64 {
        sqlx::query_scalar(&format!("PRAGMA {name}")).fetch_one(&store.pool).await.expect("reading a pragma")
    }

    #[tokio::test]
    async fn durability_chooses_synchronous_and_new_files_get_the_larger_page_size() {
        for (durability, synchronous) in [(SqliteDurability::PowerLoss, 2), (SqliteDurability::ProcessCrash, 1)] {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let store = SqliteStore::open_with_durability(&dir.path().join("aduana.db"), durability)
                .await
                .expect("opening the store");
            assert_eq!(pragma(&store, "synchronous").await, synchronous, "{durability:?}");
            assert_eq!(pragma(&store, "page_size").await, i64::from(PAGE_SIZE), "{durability:?}");
            store.close().await;
        }
    }

    #[tokio::test]
    async fn an_existing_file_keeps_its_page_size_and_still_stores_submissions() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("aduana.db");
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .page_size(4096)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let pool = sqlx::SqlitePool::connect_with(options).await.expect("creating an old-style file");
        sqlx::query("CREATE TABLE older (id INTEGER PRIMARY KEY)").execute(&pool).await.expect("a first table");
        pool.close().await;

        let store = SqliteStore::open(&path).await.expect("opening the store");
        assert_eq!(pragma(&store, "page_size").await, 4096);
        let (consignment, assessment) = crate::tests::pair("OLD1", "solar panels", 1.0, aduana_core::Lane::Green);
        let submitted = store.submit("trader", vec![(consignment, assessment)]).await.expect("submitting");
        assert_eq!(submitted[0].outcome, crate::SubmissionOutcome::Created);
    }

    #[tokio::test]
    async fn the_background_task_checkpoints_the_log_into_the_database_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("aduana.db");
        let store = SqliteStore::open(&path).await.expect("opening the store");
        let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
        let before = size();
        // ~200 pages: far below the committing connection's own checkpoint threshold, so only the background
        // task can move them into the database file.
        let batch: Vec<_> = (0..300)
            .map(|i| {
                crate::tests::pair(&format!("CKPT{i}"), &"solar panels ".repeat(20), 1.0, aduana_core::Lane::Green)
            })
            .collect();
        store.submit("trader", batch).await.expect("submitting");
        let deadline = std::time::Instant::now() + super::CHECKPOINT_INTERVAL * 25;
        while size() < before + 300 * 200 && std::time::Instant::now() < deadline {
            tokio::time::sleep(super::CHECKPOINT_INTERVAL / 2).await;
        }
        assert!(size() >= before + 300 * 200, "the database file stayed at {} bytes (was {before})", size());
    }

    /// A task cancelled while it begins a write transaction, between SQLite running `BEGIN IMMEDIATE` and sqlx
    /// handing back the transaction, must not leave its connection in the pool inside that transaction: it would
    /// hold the write lock, and every other writer would wait out the busy timeout and fail with "database is
    /// locked". The cancellation lands at a different moment in each round, from before the statement is sent to
    /// after the transaction exists.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_transaction_cancelled_while_it_begins_leaves_no_connection_inside_it() {
        use sqlx::Connection as _;
        use std::time::Duration;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(&dir.path().join("aduana.db")).await.expect("opening the store");
        for micros in 0..400u64 {
            let pool = store.pool.clone();
            let task = tokio::spawn(async move {
                let tx = pool.begin_with("BEGIN IMMEDIATE").await;
                tokio::time::sleep(Duration::from_secs(5)).await;
                drop(tx);
            });
            let until = std::time::Instant::now() + Duration::from_nanos(micros * 500);
            while std::time::Instant::now() < until {
                std::hint::spin_loop();
            }
            task.abort();
            let _ = task.await;
            // Every connection of the pool at once, so the one the cancelled task held is among them.
            let mut held = Vec::new();
            for _ in 0..store.pool.options().get_max_connections() {
                held.push(store.pool.acquire().await.expect("a connection"));
            }
            for connection in &held {
                assert!(
                    !connection.is_in_transaction(),
                    "a connection came back inside a transaction after a cancellation {} µs in",
                    micros as f64 / 2.0
                );
            }
        }
        let (consignment, assessment) = crate::tests::pair("CANCEL1", "solar panels", 1.0, aduana_core::Lane::Green);
        store.submit("trader", vec![(consignment, assessment)]).await.expect("submitting after the cancellations");
    }

    /// The server aborts its workbench task on shutdown, possibly in the middle of a round's transaction: the
    /// connection it held must come back usable, or a later write on it would fail.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_workbench_round_aborted_midway_leaves_every_connection_writable() {
        use crate::workbench::WorkbenchStore as _;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(&dir.path().join("aduana.db")).await.expect("opening the store");
        // Aborted at different points: reading, parsing, or inside the write transaction.
        for (round, delay) in [2u64, 10, 30, 80].into_iter().enumerate() {
            let batch: Vec<_> = (0..1500)
                .map(|i| crate::tests::pair(&format!("AB{round}-{i}"), "solar panels", 1.0, aduana_core::Lane::Red))
                .collect();
            store.submit("trader", batch).await.expect("submitting");
            let syncing = store.clone();
            let task = tokio::spawn(async move { syncing.sync_workbench().await });
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            task.abort();
            let _ = task.await;
            // More writes than the pool has connections, so that the one the aborted round held is used again.
            for j in 0..20 {
                let pair = crate::tests::pair(&format!("AFTER{round}-{j}"), "parts", 1.0, aduana_core::Lane::Green);
                store.submit("trader", vec![pair]).await.expect("submitting after the abort");
                store.sync_workbench().await.expect("indexing after the abort");
            }
        }
        let queued = store.queue(&crate::workbench::QueueFilter::default()).await.expect("the queue");
        assert_eq!(queued.len(), 100, "the queue's default page, filled from 6,000 red consignments");
    }
}
