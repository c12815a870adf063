//! The PostgreSQL backend, for several server processes sharing one database. The server keeps no state that the
//! database does not have (sessions included), so any process can answer any request.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to a `postgres://` URL and brings the schema up to date (migrations take an advisory lock, so
    /// several processes may start at once).
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        PostgresStore::connect_with(options).await
    }

    /// Connects to a `postgres://` URL, creating a schema if needed and working inside it: each test gets its own
    /// schema so that tests can run in parallel on one database.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<PostgresStore, StoreError> {
        if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || schema.is_empty() {
            return Err(StoreError::InvalidArgument(format!(
                "expected a schema name of letters, digits and `_`, found `{schema}`"
            )));
        }
        let options = PgConnectOptions::from_str(url)?;
        let admin = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).execute(&admin).await?;
        admin.close().await;
        PostgresStore::connect_with(options.options([("search_path", schema)])).await
    }

    async fn connect_with(options: PgConnectOptions) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new().max_connections(16).connect_with(options).await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// PostgreSQL commits concurrent transactions together by itself (WAL group flush): each submission is its own
    /// transaction.
    async fn submit_queued(
        &self,
        submitter: &str,
        batch: Vec<(aduana_core::Consignment, aduana_core::Assessment)>,
    ) -> Result<Vec<crate::Submitted>, StoreError> {
        let (batch, bodies) = crate::sql::encode_submission(batch).await?;
        let mut results = self.submit_groups(&[(submitter.to_owned(), batch, bodies)]).await?;
        Ok(results.pop().unwrap_or_default())
    }

    /// PostgreSQL needs no in-process write gate: row locks and the advisory lock serialise what must be.
    async fn write_gate(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        None
    }

    /// Executes raw SQL, for tests that tamper with stored rows.
    #[cfg(test)]
    pub(crate) async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(&self.pool).await?;
        Ok(())
    }
}

// The advisory lock serialises audit appends across connections and processes until the transaction ends.
crate::sql::impl_sql_store!(
    PostgresStore,
    sqlx::Postgres,
    begin_write = "BEGIN",
    lock_audit = "SELECT pg_advisory_xact_lock(7236105)"
);
crate::case_images::impl_case_image_store!(PostgresStore);
crate::cash::impl_cash_store!(PostgresStore);
crate::exchange::impl_exchange_store!(PostgresStore);
crate::workbench::impl_workbench_store!(PostgresStore, sqlx::Postgres);

crate::profiles::impl_profile_store!(super::PostgresStore, sqlx::Postgres);
crate::enforcement::impl_enforcement_store!(
    PostgresStore,
    sqlx::Postgres,
    fts_delete = "",
    // The words go to the case row (GIN-indexed, for every query) and, stripped, to the narrow
    // `enforcement_case_words` (read whole when a word is in nearly every case; migration 0011).
    fts_write = "WITH words AS (INSERT INTO enforcement_case_words (case_id, words) \
                 VALUES ($1, strip(to_tsvector('simple', $2))) \
                 ON CONFLICT (case_id) DO UPDATE SET words = EXCLUDED.words) \
                 UPDATE enforcement_cases SET search = to_tsvector('simple', $2) WHERE id = $1",
    fts_match = ("{alias}.search @@ to_tsquery('simple', ", ")"),
    // PostgreSQL's planner weighs the matches itself (no hints); only whether the words are in nearly every case
    // is estimated first, from the first 256 rows of the narrow words table — a count over all of them would read
    // them all. When the estimate says so, `fts_missing` finds the cases without the words exactly.
    fts_count = "SELECT COUNT(*) FILTER (WHERE s.words @@ to_tsquery('simple', $1)) AS matches, COUNT(*) AS cases, \
                 (SELECT COALESCE(MAX(id), 0) FROM enforcement_cases) AS last \
                 FROM (SELECT w.words FROM enforcement_case_words w LIMIT 256) s",
    // The cases up to `last` without the words, at most a sixteenth of them and one more: every row of the narrow
    // table is checked when they are few; when the estimate was wrong the scan stops as soon as it finds more.
    fts_missing = (
        "SELECT string_agg(t.case_id::text, ',') AS ids FROM (SELECT w.case_id FROM enforcement_case_words w \
         WHERE w.case_id <= $2 AND NOT (w.words @@ to_tsquery('simple', $1)) LIMIT $2 / 16 + 1) t",
        false
    ),
    id_list = ("{id} = ANY(", ")"),
    ids = crate::enforcement::ids_array,
    probe = "",
    find = "strpos",
    concat = "string_agg",
    fts_quote = "",
    fts_and = " & "
);

#[cfg(test)]
mod tests {
    use super::PostgresStore;

    /// A schema dropped when the test ends.
    pub(super) struct Schema {
        url: String,
        name: String,
    }

    impl Drop for Schema {
        fn drop(&mut self) {
            // Dropping is best effort: a fresh blocking connection on a helper thread, since `Drop` cannot await.
            let (url, name) = (self.url.clone(), self.name.clone());
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE")).execute(&pool).await;
                        }
                    });
                }
            })
            .join();
        }
    }

    /// Opens a store in a fresh schema of the database at `ADUANA_TEST_POSTGRES_URL`, or says loudly that the
    /// PostgreSQL tests are skipped.
    async fn open() -> Option<(PostgresStore, Schema)> {
        let Ok(url) = std::env::var("ADUANA_TEST_POSTGRES_URL") else {
            #[allow(clippy::print_stderr, reason = "a skipped backend must be visible in the test output")]
            {
                eprintln!("SKIPPED: ADUANA_TEST_POSTGRES_URL not set");
            }
            return None;
        };
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let name = format!("aduana_test_{}_{nanos}_{n}", std::process::id());
        let store = PostgresStore::connect_in_schema(&url, &name).await.expect("connecting to PostgreSQL");
        Some((store, Schema { url, name }))
    }

    crate::tests::store_test_suite!(open);
}
