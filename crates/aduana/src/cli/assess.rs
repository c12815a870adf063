//! `aduana assess FILE...`: assesses every consignment with the profiles, the AEO register and the scoring
//! policy, and prints score, lane, referrals and the hits that explain them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aduana_core::{Assessment, Evidence};
use aduana_risk::{AeoRegister, ProfileSet, ReferenceData, RiskContext};
use anyhow::Context;
use serde::Serialize;

use crate::cli::risk_inputs::{
    as_of, default_policy, index_lists, model_indicator, read_aeo, read_consignments, read_for_assessment,
    read_profile_dir, screening_indicators_for,
};
use crate::cli::{EXIT_FOUND_WANTING, EXIT_USAGE_OR_IO};
use crate::watch_lists::IndexedLists;

/// Assess consignments for risk: profiles, AEO status, random selection and validation findings.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 all assessed, 1 some input invalid or profiles with errors, 2 usage or I/O.

Examples:
  aduana assess --profiles data/profiles --aeo data/aeo/register.csv --as-of 2026-11-25 examples/assess/*.json
  aduana assess --profiles data/profiles --json manifests.jsonl")]
pub(crate) struct Args {
    /// The files to assess (any format `aduana validate` reads); `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The profiles directory: `*.profile` files, `*.list` named lists and `norms.csv`.
    #[arg(long)]
    profiles: Option<PathBuf>,
    /// A sanctions or watch list to screen every party against (UN consolidated list XML, FollowTheMoney JSON Lines or
    /// the national CSV); repeat for several. Strategic goods and UN arms embargoes are always checked.
    #[arg(long = "list", value_name = "FILE")]
    lists: Vec<PathBuf>,
    /// The AEO register (CSV).
    #[arg(long)]
    aeo: Option<PathBuf>,
    /// A learned model written by `aduana train`, used as an indicator.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Earlier consignments (any format), summarised per party for derived facts such as `importer.days_since_last`.
    #[arg(long)]
    history: Option<PathBuf>,
    /// The moment of assessment (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS); defaults to now.
    #[arg(long)]
    as_of: Option<String>,
    /// Print one JSON object per consignment, each on its own line.
    #[arg(long)]
    json: bool,
}

/// One assessment as `--json` prints it.
#[derive(Debug, Serialize)]
struct Line<'a> {
    reference: &'a str,
    score: f64,
    lane: &'static str,
    referrals: Vec<&'static str>,
    hits: Vec<HitLine<'a>>,
    findings: usize,
    versions: &'a std::collections::BTreeMap<aduana_core::Text, aduana_core::Text>,
}

#[derive(Debug, Serialize)]
struct HitLine<'a> {
    indicator: &'a str,
    id: &'a str,
    version: &'a str,
    weight: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    lane: Option<&'static str>,
    evidence: &'a [Evidence],
    reason: &'a str,
}

/// Builds the risk context from the command-line options.
pub(crate) fn context(
    profiles: Option<&PathBuf>,
    aeo: Option<&PathBuf>,
    lists: &[PathBuf],
    model: Option<&PathBuf>,
    as_of_text: Option<&str>,
) -> anyhow::Result<Result<RiskContext, Vec<aduana_risk::ProfileError>>> {
    context_with(profiles, aeo, &index_lists(lists)?, model, as_of_text)
}

/// [`context`] with the watch lists already indexed (the server shares their index with its screening page).
pub(crate) fn context_with(
    profiles: Option<&PathBuf>,
    aeo: Option<&PathBuf>,
    lists: &IndexedLists,
    model: Option<&PathBuf>,
    as_of_text: Option<&str>,
) -> anyhow::Result<Result<RiskContext, Vec<aduana_risk::ProfileError>>> {
    let (set, reference) = match profiles {
        Some(dir) => {
            let dir = read_profile_dir(dir)?;
            match dir.compile() {
                Ok(set) => (set, dir.reference),
                Err(errors) => return Ok(Err(errors)),
            }
        }
        None => (ProfileSet::empty(), ReferenceData::default()),
    };
    let aeo = match aeo {
        Some(path) => read_aeo(path)?,
        None => AeoRegister::default(),
    };
    let policy = default_policy();
    let mut indicators = screening_indicators_for(lists, &policy);
    if let Some(path) = model {
        indicators.push(model_indicator(path, &policy)?);
    }
    Ok(Ok(RiskContext { profiles: set, aeo, policy, reference, indicators, as_of: as_of(as_of_text)? }))
}

/// Summarises a history of consignments: the last lodging date of every party identifier.
fn summarise(history: &[aduana_core::Consignment], name: &str) -> aduana_risk::HistorySummary {
    let mut summary = aduana_risk::HistorySummary::default();
    summary.version = format!("{name}:{}", history.len());
    for c in history {
        let Some(date) = c.lodged_on else { continue };
        for party in &c.parties {
            for id in &party.identifiers {
                summary.record(&id.value, date);
            }
        }
    }
    summary
}

/// Assesses every file and prints the assessments.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let ctx = match context(
        args.profiles.as_ref(),
        args.aeo.as_ref(),
        &args.lists,
        args.model.as_ref(),
        args.as_of.as_deref(),
    ) {
        Ok(Ok(mut ctx)) => {
            if let Some(path) = &args.history {
                match read_consignments(path) {
                    Ok((history, _)) => ctx.reference.history = summarise(&history, &path.display().to_string()),
                    Err(error) => {
                        eprintln!("error: {error:#}");
                        return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
                    }
                }
            }
            ctx
        }
        Ok(Err(errors)) => {
            for error in errors {
                eprintln!("error: {error}");
            }
            return Ok(ExitCode::from(EXIT_FOUND_WANTING));
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut any_invalid = false;
    let mut any_io_error = false;
    let mut all = Vec::new();
    for path in &args.files {
        // A file that cannot be read (a directory, a missing file) is reported and the others still assessed, as
        // `aduana validate` does: `aduana assess examples/*` assesses every example beside a README and folders.
        let read = match read_for_assessment(path) {
            Ok(read) => read,
            Err(error) => {
                any_io_error = true;
                eprintln!("error: {error:#}");
                continue;
            }
        };
        for diagnostic in read.diagnostics.iter().filter(|d| d.is_error()) {
            any_invalid = true;
            // A diagnostic located in the file already names it.
            if diagnostic.location.file.is_some() {
                eprintln!("{diagnostic}");
            } else {
                eprintln!("{}: {diagnostic}", path.display());
            }
        }
        // A consignment read with errors (an ENS failing business rules) is still assessed: its findings are
        // reported in its assessment.
        for (consignment, findings) in read.consignments.iter().zip(&read.findings) {
            let assessment = aduana_risk::assess_with_findings(consignment, findings, &ctx);
            print_assessment(&mut out, &assessment, args.json)?;
            all.push(assessment);
        }
    }
    let report = aduana_risk::selection_report(&all, &ctx.policy);
    for share in report.lanes.iter().filter(|s| s.over_capacity) {
        eprintln!(
            "warning: {:.1}% of {} consignments went to the {} lane, above the examination capacity of {}%",
            share.percent,
            report.total,
            share.lane,
            share.capacity_percent.unwrap_or_default()
        );
    }
    if !args.json {
        let summary: Vec<String> =
            report.lanes.iter().map(|s| format!("{} {} ({:.1}%)", s.lane, s.count, s.percent)).collect();
        writeln!(out, "{} consignments: {}", report.total, summary.join(", ")).context("writing output")?;
    }
    Ok(ExitCode::from(if any_io_error {
        EXIT_USAGE_OR_IO
    } else if any_invalid {
        EXIT_FOUND_WANTING
    } else {
        0
    }))
}

fn print_assessment(out: &mut dyn Write, a: &Assessment, json: bool) -> anyhow::Result<()> {
    if json {
        let line = Line {
            reference: a.reference.as_str(),
            score: a.score,
            lane: a.lane.as_str(),
            referrals: a.referrals.iter().map(|r| r.as_str()).collect(),
            hits: a
                .hits
                .iter()
                .map(|h| HitLine {
                    indicator: &h.indicator,
                    id: &h.id,
                    version: &h.version,
                    weight: h.weight,
                    lane: h.lane.map(|l| l.as_str()),
                    evidence: &h.evidence,
                    reason: &h.reason,
                })
                .collect(),
            findings: a.findings.len(),
            versions: &a.versions,
        };
        serde_json::to_writer(&mut *out, &line).context("writing output")?;
        writeln!(out).context("writing output")?;
        return Ok(());
    }
    let referrals = if a.referrals.is_empty() {
        String::new()
    } else {
        format!(", referrals: {}", a.referrals.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "))
    };
    writeln!(out, "{}: {} lane, score {}{referrals}", a.reference, a.lane, a.score).context("writing output")?;
    for h in &a.hits {
        writeln!(out, "  [{} {} v{}] {:+} {}", h.indicator, h.id, h.version, h.weight, h.reason)
            .context("writing output")?;
        for e in &h.evidence {
            writeln!(out, "      {} = {}", e.field, e.value).context("writing output")?;
        }
    }
    Ok(())
}
