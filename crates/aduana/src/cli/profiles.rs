//! `aduana profiles check DIR` and `aduana profiles backtest PROFILE --history FILE`: check profile files for
//! errors, and measure what a profile would have selected in a history of consignments (and how often it would
//! have been right, where outcomes are known), next to the current set.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aduana_core::Consignment;
use aduana_risk::RiskContext;
use anyhow::Context;
use serde::Serialize;

use crate::cli::risk_inputs::read_profile_dir;
use crate::cli::{EXIT_FOUND_WANTING, EXIT_USAGE_OR_IO};

/// Check and backtest risk profiles.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  aduana profiles check data/profiles
  aduana profiles backtest my.profile --history declarations.jsonl --profiles data/profiles")]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Parse and compile every profile in a directory; exit 1 with located errors.
    Check {
        /// The profiles directory (or one profile file).
        dir: PathBuf,
    },
    /// Run profiles over a history of consignments: how many each selects and, where `attributes.fraud` gives the
    /// outcome, its hit rate, compared with the current set.
    Backtest {
        /// The profile file to test (may hold several profiles).
        profile: PathBuf,
        /// The history: consignments in any format Aduana reads.
        #[arg(long)]
        history: PathBuf,
        /// The current profiles directory, for comparison and for its lists and norms.
        #[arg(long)]
        profiles: Option<PathBuf>,
        /// The date to judge validity on when a consignment has no lodging date (YYYY-MM-DD).
        #[arg(long)]
        as_of: Option<String>,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the subcommand.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Command::Check { dir } => check(dir),
        Command::Backtest { profile, history, profiles, as_of, json } => {
            backtest(profile, history, profiles.as_ref(), as_of.as_deref(), *json)
        }
    }
}

fn check(dir: &Path) -> anyhow::Result<ExitCode> {
    let loaded = match read_profile_dir(dir) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    match loaded.compile() {
        Ok(set) => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{}: {} profiles in {} files, {} on the fallback list, {} lists, {} norms",
                dir.display(),
                set.len(),
                loaded.profiles.len(),
                set.fallback_len(),
                loaded.reference.lists.len(),
                loaded.reference.norms.len()
            )
            .context("writing output")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for error in errors {
                eprintln!("error: {error}");
            }
            Ok(ExitCode::from(EXIT_FOUND_WANTING))
        }
    }
}

/// The outcome counts of one selection over the history.
#[derive(Debug, Default, Serialize)]
struct Tally {
    selected: u64,
    selected_with_outcome: u64,
    selected_fraud: u64,
    hit_rate: Option<f64>,
    recall: Option<f64>,
    lift: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Report {
    consignments: u64,
    with_outcome: u64,
    fraud: u64,
    base_rate: Option<f64>,
    profiles: BTreeMap<String, Tally>,
    candidate: Tally,
    current: Option<Tally>,
    union: Option<Tally>,
    only_candidate: u64,
}

fn outcome(c: &Consignment) -> Option<bool> {
    match c.attributes.get("fraud").map(|s| s.trim()) {
        Some("1") | Some("true") => Some(true),
        Some("0") | Some("false") => Some(false),
        _ => None,
    }
}

impl Tally {
    fn add(&mut self, outcome: Option<bool>) {
        self.selected += 1;
        if let Some(fraud) = outcome {
            self.selected_with_outcome += 1;
            self.selected_fraud += u64::from(fraud);
        }
    }

    fn finish(&mut self, fraud: u64, base_rate: Option<f64>) {
        let ratio = |a: u64, b: u64| (b > 0).then(|| round(a as f64 / b as f64));
        self.hit_rate = ratio(self.selected_fraud, self.selected_with_outcome);
        self.recall = ratio(self.selected_fraud, fraud);
        self.lift = match (self.hit_rate, base_rate) {
            (Some(h), Some(b)) if b > 0.0 => Some(round(h / b)),
            _ => None,
        };
    }
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn backtest(
    profile: &Path,
    history: &Path,
    current: Option<&PathBuf>,
    as_of: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let candidate_dir = read_profile_dir(profile)?;
    let current_dir = current.map(|dir| read_profile_dir(dir)).transpose()?;
    let mut errors = Vec::new();
    let candidate_set = candidate_dir.compile().unwrap_or_else(|e| {
        errors.extend(e);
        aduana_risk::ProfileSet::empty()
    });
    let current_set = current_dir.as_ref().map(|d| {
        d.compile().unwrap_or_else(|e| {
            errors.extend(e);
            aduana_risk::ProfileSet::empty()
        })
    });
    if !errors.is_empty() {
        for error in errors {
            eprintln!("error: {error}");
        }
        return Ok(ExitCode::from(EXIT_FOUND_WANTING));
    }
    let candidate_set = candidate_set.timeless();
    let current_set = current_set.as_ref().map(aduana_risk::ProfileSet::timeless);
    let mut reference = current_dir.map(|d| d.reference).unwrap_or_default();
    reference.lists.extend(candidate_dir.reference.lists);
    if !candidate_dir.reference.norms.is_empty() {
        reference.norms = candidate_dir.reference.norms;
    }
    let default_as_of = crate::cli::risk_inputs::as_of(as_of)?;
    let (consignments, diagnostics) = read_consignments_or_fail(history)?;
    for d in diagnostics.iter().filter(|d| d.is_error()).take(20) {
        eprintln!("{}: {d}", history.display());
    }
    let mut ctx = RiskContext {
        profiles: candidate_set.clone(),
        aeo: aduana_risk::AeoRegister::default(),
        policy: crate::cli::risk_inputs::default_policy(),
        reference,
        indicators: Vec::new(),
        as_of: default_as_of,
    };
    let mut report = Report {
        consignments: 0,
        with_outcome: 0,
        fraud: 0,
        base_rate: None,
        profiles: candidate_set.profiles().iter().map(|p| (p.id.clone(), Tally::default())).collect(),
        candidate: Tally::default(),
        current: current_set.as_ref().map(|_| Tally::default()),
        union: current_set.as_ref().map(|_| Tally::default()),
        only_candidate: 0,
    };
    for c in &consignments {
        ctx.as_of = c.lodged_on.map(|d| d.and_time(chrono::NaiveTime::MIN)).unwrap_or(default_as_of);
        let result = outcome(c);
        report.consignments += 1;
        if let Some(fraud) = result {
            report.with_outcome += 1;
            report.fraud += u64::from(fraud);
        }
        ctx.profiles = candidate_set.clone();
        let selecting = aduana_risk::selecting_profiles(c, &ctx);
        for (id, _) in &selecting {
            if let Some(t) = report.profiles.get_mut(id) {
                t.add(result);
            }
        }
        let by_candidate = !selecting.is_empty();
        if by_candidate {
            report.candidate.add(result);
        }
        if let Some(set) = &current_set {
            ctx.profiles = set.clone();
            let by_current = !aduana_risk::selecting_profiles(c, &ctx).is_empty();
            if by_current && let Some(t) = report.current.as_mut() {
                t.add(result);
            }
            if (by_current || by_candidate)
                && let Some(t) = report.union.as_mut()
            {
                t.add(result);
            }
            report.only_candidate += u64::from(by_candidate && !by_current);
        }
    }
    report.base_rate = (report.with_outcome > 0).then(|| round(report.fraud as f64 / report.with_outcome as f64));
    let (fraud, base) = (report.fraud, report.base_rate);
    report.candidate.finish(fraud, base);
    report.profiles.values_mut().for_each(|t| t.finish(fraud, base));
    if let Some(t) = report.current.as_mut() {
        t.finish(fraud, base);
    }
    if let Some(t) = report.union.as_mut() {
        t.finish(fraud, base);
    }
    print_report(&report, json)?;
    Ok(ExitCode::SUCCESS)
}

fn read_consignments_or_fail(path: &Path) -> anyhow::Result<(Vec<Consignment>, Vec<aduana_core::Diagnostic>)> {
    crate::cli::risk_inputs::read_consignments(path)
}

fn print_report(report: &Report, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, report).context("writing output")?;
        writeln!(out).context("writing output")?;
        return Ok(());
    }
    let pct = |x: Option<f64>| x.map_or_else(|| "n/a".to_owned(), |x| format!("{:.1}%", x * 100.0));
    writeln!(
        out,
        "history: {} consignments, {} with a known outcome, {} fraud (base rate {})",
        report.consignments,
        report.with_outcome,
        report.fraud,
        pct(report.base_rate)
    )
    .context("writing output")?;
    let line = |out: &mut dyn Write, name: &str, t: &Tally| {
        writeln!(
            out,
            "{name:<28} selects {:>7}  hit rate {:>6}  recall {:>6}  lift {}",
            t.selected,
            pct(t.hit_rate),
            pct(t.recall),
            t.lift.map_or_else(|| "n/a".to_owned(), |l| format!("{l:.2}"))
        )
        .context("writing output")
    };
    for (id, t) in &report.profiles {
        line(&mut out, id, t)?;
    }
    line(&mut out, "candidate (all of the file)", &report.candidate)?;
    if let (Some(current), Some(union)) = (&report.current, &report.union) {
        line(&mut out, "current set", current)?;
        line(&mut out, "current set + candidate", union)?;
        writeln!(out, "selected by the candidate only: {}", report.only_candidate).context("writing output")?;
    }
    Ok(())
}
