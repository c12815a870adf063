//! `aduana evaluate`: scores labelled KCS declarations with a trained model and reports the ranking metrics.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aduana_learn::{Model, RATES};
use anyhow::Context;
use serde_json::json;

use crate::cli::EXIT_FOUND_WANTING;

/// Score labelled declarations with a model and report precision, recall and revenue at 1, 2, 5 and 10 %.
#[derive(Debug, clap::Args)]
#[command(after_help = "Rows are scored in date order, each day against the model's training history plus the
outcomes of earlier days in the file (as examination results would arrive). Revenue is the proxy value × duty
rate on fraudulent rows. Exit status: 0 evaluated, 1 the data file has bad rows, 2 usage, I/O or model error.

Examples:
  aduana evaluate --model model.json --data df_syn_valid_eng.csv
  aduana evaluate --model model.json --data df_syn_test_eng.csv --json")]
pub(crate) struct Args {
    /// The model file written by `aduana train`.
    #[arg(long)]
    model: PathBuf,
    /// The labelled declarations (KCS CSV).
    #[arg(long)]
    data: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Score every row against the training history only, without adding the outcomes of earlier days.
    #[arg(long)]
    frozen_history: bool,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.model).with_context(|| format!("reading {}", args.model.display()))?;
    let model = Model::load(&bytes).with_context(|| format!("loading {}", args.model.display()))?;
    let Some(data) = crate::cli::train::load_kcs(&args.data)? else { return Ok(ExitCode::from(EXIT_FOUND_WANTING)) };
    let (_, ranking) = if args.frozen_history { model.evaluate_frozen(&data)? } else { model.evaluate(&data)? };
    let mut out = std::io::stdout().lock();
    if args.json {
        let at = |v: &[f64; 4]| {
            RATES.iter().zip(v).map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()
        };
        let line = json!({
            "rows": ranking.rows,
            "precision_at": at(&ranking.precision_at),
            "recall_at": at(&ranking.recall_at),
            "revenue_at": at(&ranking.revenue_at),
            "auc": ranking.auc,
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(out, "{}", crate::cli::train::summary(&ranking))?;
    }
    Ok(ExitCode::SUCCESS)
}
