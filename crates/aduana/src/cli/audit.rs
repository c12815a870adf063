//! `aduana audit verify` (walk the hash chain; exit 1 naming the first broken entry) and `aduana audit export`
//! (the log as JSON Lines), straight from the store, with or without a server running.

use std::io::Write;
use std::process::ExitCode;

use aduana_store::ChainStatus;

use crate::cli::EXIT_FOUND_WANTING;
use crate::database::{self, Missing};

/// Check or export the hash-chained audit log.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    Verify(VerifyArgs),
    Export(ExportArgs),
}

/// Verify the audit log's hash chain; exit 1 with the first broken entry.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 intact, 1 broken, 2 usage or I/O error.

Examples:
  aduana audit verify --data-dir /var/lib/aduana
  aduana audit verify --json --database postgres://aduana@db/aduana")]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    store: database::Location,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Export the audit log as JSON Lines, in chain order.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  aduana audit export --data-dir /var/lib/aduana > audit.jsonl
  aduana audit export --after 1000")]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    store: database::Location,
    /// Only entries after this sequence number.
    #[arg(long, default_value_t = 0)]
    after: i64,
}

/// Runs an `audit` subcommand.
pub(crate) fn run(command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Verify(args) => database::runtime()?.block_on(verify(args)),
        Command::Export(args) => database::runtime()?.block_on(export(args)),
    }
}

async fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open(Missing::Fail).await?;
    let status = store.verify_audit().await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &status)?;
        writeln!(out)?;
    } else {
        match &status {
            ChainStatus::Intact { entries } => writeln!(out, "audit log intact: {entries} entries")?,
            ChainStatus::Broken { seq, reason } => writeln!(out, "audit log BROKEN at entry {seq}: {reason}")?,
        }
    }
    Ok(match status {
        ChainStatus::Intact { .. } => ExitCode::SUCCESS,
        ChainStatus::Broken { .. } => ExitCode::from(EXIT_FOUND_WANTING),
    })
}

async fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.open(Missing::Fail).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut after = args.after;
    loop {
        let page = store.audit_entries(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for entry in &page {
            serde_json::to_writer(&mut out, entry)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
