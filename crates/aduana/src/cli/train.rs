//! `aduana train`: trains the learned risk model and writes the model file — on labelled KCS declaration CSV files,
//! or on the examination results officers recorded in the store (`--from-store`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use aduana_core::{Consignment, Diagnostic};
use aduana_formats::{Collected, Format};
use aduana_learn::{BoosterConfig, RATES, Ranking};
use aduana_store::ExaminationOutcome;
use anyhow::Context;

use crate::cli::EXIT_FOUND_WANTING;
use crate::database::{self, Missing};

/// Train the learned risk model on labelled declarations (KCS CSV with the `Fraud` column) or on the examination
/// results recorded in the store.
#[derive(Debug, clap::Args)]
#[command(after_help = "Features of each row are computed from earlier days only; the number of trees is chosen on
the validation rows (best AUC). With --from-store, every examined consignment version is a row, labelled
fraudulent when any of its examinations found something; the latest --valid-share of days (by lodging date, else
the day it was received) validate. Exit status: 0 trained, 1 a data file has bad rows or the store too few
examination results, 2 usage or I/O error.

Examples:
  aduana train --train df_syn_train_eng.csv --valid df_syn_valid_eng.csv --out model.json
  aduana train --train t.csv --valid v.csv --out model.json --export-features features/
  aduana train --from-store --data-dir aduana-data --out model.json")]
pub(crate) struct Args {
    /// The training declarations (KCS CSV, labelled).
    #[arg(long, required_unless_present = "from_store", conflicts_with = "from_store")]
    train: Option<PathBuf>,
    /// The validation declarations (KCS CSV, labelled), later in time than the training ones.
    #[arg(long, required_unless_present = "from_store", conflicts_with = "from_store")]
    valid: Option<PathBuf>,
    /// Train on the examination results recorded in the store (`--data-dir` or `--database`).
    #[arg(long)]
    from_store: bool,
    /// With --from-store: the share of the latest days that validate (the rest train).
    #[arg(long, default_value_t = 0.2, requires = "from_store")]
    valid_share: f64,
    #[command(flatten)]
    store: database::Location,
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
    let (train, valid) = match (&args.train, &args.valid) {
        (Some(train), Some(valid)) => {
            let Some(train) = load_kcs(train)? else { return Ok(ExitCode::from(EXIT_FOUND_WANTING)) };
            let Some(valid) = load_kcs(valid)? else { return Ok(ExitCode::from(EXIT_FOUND_WANTING)) };
            (train, valid)
        }
        _ => {
            if !(args.valid_share > 0.0 && args.valid_share < 1.0) {
                anyhow::bail!("--valid-share must be between 0 and 1 (exclusive), found {}", args.valid_share);
            }
            let rows = database::runtime()?.block_on(examined(&args.store))?;
            let (train, valid) = split_by_day(rows, args.valid_share);
            let found = |rows: &[Consignment]| rows.iter().filter(|c| is_fraud(c)).count();
            eprintln!(
                "{}: {} examined consignments for training ({} with finds), {} for validation ({} with finds)",
                args.store.describe(),
                train.len(),
                found(&train),
                valid.len(),
                found(&valid)
            );
            if found(&train) == 0 || found(&train) == train.len() || found(&valid) == 0 || found(&valid) == valid.len()
            {
                eprintln!(
                    "error: training needs examinations with and without finds in both the earlier and the later days; \
                     record more examination results (or change --valid-share)"
                );
                return Ok(ExitCode::from(EXIT_FOUND_WANTING));
            }
            (train, valid)
        }
    };
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

/// Reads every examined consignment version from the store, labelled with attribute `fraud` (`1` when any of its
/// examinations found something) and dated by its lodging date or, lacking one, the day it was received.
async fn examined(location: &database::Location) -> anyhow::Result<Vec<Consignment>> {
    let store = location.open(Missing::Fail).await?;
    let mut rows: BTreeMap<i64, Consignment> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = store.examined(after, 1000).await.context("reading examination results")?;
        let Some((last, _)) = page.last() else { break };
        after = last.id;
        for (order, stored) in page {
            let found = order.result.is_some_and(|r| r.outcome == ExaminationOutcome::Found);
            let row = rows.entry(stored.id).or_insert_with(|| {
                let mut consignment = stored.consignment;
                consignment.lodged_on = consignment.lodged_on.or(Some(stored.received_at.date_naive()));
                consignment.attributes.insert("fraud".into(), "0".into());
                consignment
            });
            if found {
                row.attributes.insert("fraud".into(), "1".into());
            }
        }
    }
    Ok(rows.into_values().collect())
}

fn is_fraud(consignment: &Consignment) -> bool {
    consignment.attributes.get("fraud").is_some_and(|v| v == "1")
}

/// Splits rows in time: the days holding the latest `valid_share` of rows validate, the earlier ones train. A day
/// is never split.
fn split_by_day(mut rows: Vec<Consignment>, valid_share: f64) -> (Vec<Consignment>, Vec<Consignment>) {
    rows.sort_by_key(|c| c.lodged_on);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a share of a count"
    )]
    let valid_rows = ((rows.len() as f64) * valid_share).ceil() as usize;
    let Some(cut) = rows.len().checked_sub(valid_rows).and_then(|i| rows.get(i)).map(|c| c.lodged_on) else {
        return (rows, Vec::new());
    };
    let at = rows.partition_point(|c| c.lodged_on < cut);
    let valid = rows.split_off(at);
    (rows, valid)
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
