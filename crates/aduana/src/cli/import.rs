//! `aduana import seizures FILE`: loads historical seizure cases from CSV (layout in `docs/enforcement.md`) into
//! the store. All rows or none: every problem is listed with its line and column, and nothing is stored unless the
//! whole file reads.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::EXIT_FOUND_WANTING;
use crate::database::{self, Missing};

/// Import records into the store.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    Seizures(SeizuresArgs),
}

/// Import historical seizure cases from a CSV file (all rows or none).
#[derive(Debug, clap::Args)]
#[command(after_help = "The columns are listed in docs/enforcement.md; date, office, commodity_area, commodity and
detection_method are required. Exit status 1 when the file has problems (each is printed, nothing is stored).

Examples:
  aduana import seizures seizures-2019.csv --data-dir aduana-data
  aduana import seizures old.csv --database postgres://aduana@db/aduana")]
pub(crate) struct SeizuresArgs {
    /// The CSV file.
    file: PathBuf,
    #[command(flatten)]
    store: database::Location,
}

/// Runs an `import` subcommand.
pub(crate) fn run(command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Seizures(args) => seizures(args),
    }
}

fn seizures(args: &SeizuresArgs) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    let source = args.file.display().to_string();
    let cases = match aduana_enforcement::read_seizures(std::io::BufReader::new(file), &source) {
        Ok(cases) => cases,
        Err(errors) => {
            let mut err = std::io::stderr().lock();
            for error in &errors {
                writeln!(err, "error: {error}")?;
            }
            writeln!(err, "{} problem(s); nothing imported", errors.len())?;
            return Ok(ExitCode::from(EXIT_FOUND_WANTING));
        }
    };
    let count = database::runtime()?.block_on(async {
        let store = args.store.open(Missing::Create).await?;
        let stored = store.create_cases(&cases, "cli", "case.import").await.context("storing the cases")?;
        anyhow::Ok(stored.len())
    })?;
    writeln!(std::io::stdout().lock(), "imported {count} case(s) from {source} into {}", args.store.describe())?;
    Ok(ExitCode::SUCCESS)
}
