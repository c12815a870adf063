//! `aduana train`: trains the learned risk model on labelled KCS declaration CSV files and writes the model file.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use aduana_core::{Consignment, Diagnostic};
use aduana_formats::{Collected, Format};
use aduana_learn::{BoosterConfig, RATES, Ranking};
use anyhow::Context;

use crate::cli::EXIT_FOUND_WANTING;

/// Train the learned risk model on labelled declarations (KCS CSV with the `Fraud` column).
#[derive(Debug, clap::Args)]
#[command(after_help = "Features of each row are computed from earlier days only; the number of trees is chosen on
the validation file (best AUC). Exit status: 0 trained, 1 a data file has bad rows, 2 usage or I/O error.

Examples:
  aduana train --train df_syn_train_eng.csv --valid df_syn_valid_eng.csv --out model.json
  aduana train --train t.csv --valid v.csv --out model.json --export-features features/")]
pub(crate) struct Args {
    /// The training declarations (KCS CSV, labelled).
    #[arg(long)]
    train: PathBuf,
    /// The validation declarations (KCS CSV, labelled), later in time than the training ones.
    #[arg(long)]
    valid: PathBuf,
    /// Where to write the model file.
    #[arg(long)]
    out: PathBuf,
    /// The most boosting rounds.
    #[arg(long, default_value_t = 600)]
    rounds: u32,
    /// Shrinkage of each tree.
    #[arg(long, default_value_t = 0.05)]
    learning_rate: f64,
    /// Leaves per tree.
    #[arg(long, default_value_t = 31)]
    leaves: u32,
    /// Also write the feature matrices (`train.csv`, `valid.csv`, last column `label`) into this directory, to
    /// compare other learners on the same features.
    #[arg(long)]
    export_features: Option<PathBuf>,
}

/// The booster settings the command line does not expose.
fn config(args: &Args) -> BoosterConfig {
    BoosterConfig {
        rounds: args.rounds,
        patience: 60,
        learning_rate: args.learning_rate,
        max_leaves: args.leaves,
        min_leaf_rows: 20,
        lambda: 1.0,
        bins: 255,
    }
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let Some(train) = load_kcs(&args.train)? else { return Ok(ExitCode::from(EXIT_FOUND_WANTING)) };
    let Some(valid) = load_kcs(&args.valid)? else { return Ok(ExitCode::from(EXIT_FOUND_WANTING)) };
    eprintln!("read {} training and {} validation rows in {:.2?}", train.len(), valid.len(), started.elapsed());
    let started = Instant::now();
    let mut progress = |round: u32, auc: f64| {
        if round % 50 == 0 {
            eprintln!("round {round}: valid AUC {auc:.4}");
        }
    };
    let (model, report) = aduana_learn::train(&train, &valid, &config(args), &mut progress)?;
    let seconds = started.elapsed().as_secs_f64();
    std::fs::write(&args.out, model.to_bytes()?).with_context(|| format!("writing {}", args.out.display()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "trained {} trees in {seconds:.2} s; wrote {}", report.trees, args.out.display())?;
    writeln!(out, "valid: {}", summary(&report.valid))?;
    if let Some(dir) = &args.export_features {
        export(dir, &model, &train, &valid)?;
        writeln!(out, "features written to {}", dir.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of metrics for people.
pub(crate) fn summary(r: &Ranking) -> String {
    let at = |v: &[f64; 4]| RATES.iter().zip(v).map(|(n, v)| format!("@{n}% {v:.1}")).collect::<Vec<_>>().join(" ");
    format!(
        "{} rows, AUC {:.4}; precision {}; recall {}; revenue {}",
        r.rows,
        r.auc,
        at(&r.precision_at),
        at(&r.recall_at),
        at(&r.revenue_at)
    )
}

/// Reads a KCS CSV file; prints its errors and returns `None` when any row is bad.
pub(crate) fn load_kcs(path: &Path) -> anyhow::Result<Option<Vec<Consignment>>> {
    let name = path.display().to_string();
    let file = File::open(path).with_context(|| format!("opening {name}"))?;
    let mut input = BufReader::with_capacity(1 << 16, file);
    let mut collected = Collected::default();
    let mut limits = crate::limits::default_limits();
    limits.max_diagnostics = 20;
    aduana_formats::read(Format::KcsCsv, &mut input, &name, &limits, &mut collected)
        .with_context(|| format!("reading {name}"))?;
    let errors: Vec<&Diagnostic> = collected.diagnostics.iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        for error in errors {
            eprintln!("{error}");
        }
        return Ok(None);
    }
    Ok(Some(collected.consignments))
}

fn export(dir: &Path, model: &aduana_learn::Model, train: &[Consignment], valid: &[Consignment]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let width = model.feature_names().len();
    for ((x, y), file) in model.export_features(train, valid)?.into_iter().zip(["train.csv", "valid.csv"]) {
        let path = dir.join(file);
        let mut out =
            std::io::BufWriter::new(File::create(&path).with_context(|| format!("creating {}", path.display()))?);
        writeln!(out, "{},label", model.feature_names().join(","))?;
        for (row, label) in x.chunks_exact(width).zip(y) {
            let cells: Vec<String> =
                row.iter().map(|v| if v.is_nan() { String::new() } else { v.to_string() }).collect();
            writeln!(out, "{},{}", cells.join(","), u8::from(label))?;
        }
        out.flush()?;
    }
    Ok(())
}
