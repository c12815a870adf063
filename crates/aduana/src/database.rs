//! Opening the store the command line names: PostgreSQL with `--database postgres://…`, otherwise the embedded
//! SQLite file `aduana.db` in `--data-dir` (default `./aduana-data`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aduana_store::{PostgresStore, SqliteDurability, SqliteStore, Store};
use anyhow::Context;

/// The file name of the SQLite database inside the data directory.
pub(crate) const SQLITE_FILE: &str = "aduana.db";

/// Where the store is, as the command line says.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Location {
    /// The data directory holding the embedded SQLite database (`aduana.db`); created if missing.
    #[arg(long, default_value = "aduana-data")]
    pub(crate) data_dir: PathBuf,
    /// A PostgreSQL URL (`postgres://user@host:5432/db`); when given, the data directory is not used.
    #[arg(long)]
    pub(crate) database: Option<String>,
    /// When the embedded SQLite database fsyncs: `full` (the default) fsyncs every commit before it is
    /// acknowledged, so acknowledged submissions survive a power loss; `normal` does not fsync commits (only
    /// checkpoints), which is faster: acknowledged submissions survive a killed process (`kill -9`) but the last
    /// moments' can be lost if the machine or OS crashes. Not used with --database.
    #[arg(long, value_enum, default_value_t = SqliteSynchronous::Full)]
    pub(crate) sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's `synchronous` setting, as the command line names it (see [`SqliteDurability`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SqliteSynchronous {
    /// Every commit is fsynced: acknowledged writes survive a power loss.
    Full,
    /// Commits are not fsynced: acknowledged writes survive a killed process, not a power loss.
    Normal,
}

/// Whether a missing SQLite database may be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// Create the data directory and database.
    Create,
    /// Fail: there is nothing to read.
    Fail,
}

impl Location {
    /// Opens the store, bringing its schema up to date.
    pub(crate) async fn open(&self, missing: Missing) -> anyhow::Result<Arc<dyn Store>> {
        if let Some(url) = &self.database {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                anyhow::bail!("expected a postgres:// URL for --database, found `{url}`");
            }
            let store = PostgresStore::connect(url).await.context("connecting to PostgreSQL")?;
            return Ok(Arc::new(store));
        }
        let path = self.sqlite_path();
        if !path.exists() {
            if missing == Missing::Fail {
                anyhow::bail!("no database at {} (is --data-dir right?)", path.display());
            }
            create_dir(&self.data_dir)?;
        }
        let durability = match self.sqlite_synchronous {
            SqliteSynchronous::Full => SqliteDurability::PowerLoss,
            SqliteSynchronous::Normal => SqliteDurability::ProcessCrash,
        };
        let store = SqliteStore::open_with_durability(&path, durability)
            .await
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(Arc::new(store))
    }

    /// Returns the SQLite database file.
    pub(crate) fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join(SQLITE_FILE)
    }

    /// Describes the store for messages.
    pub(crate) fn describe(&self) -> String {
        match &self.database {
            Some(url) => redact(url),
            None => self.sqlite_path().display().to_string(),
        }
    }
}

fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating data directory {}", dir.display()))
}

/// Hides a password in a URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Returns a tokio runtime for a command that talks to the store or serves.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}
