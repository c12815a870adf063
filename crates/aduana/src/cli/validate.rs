//! `aduana validate FILE...`: reads each file in its format (detected from content unless given) and reports
//! every error and every missing SAFE/PLACI data element, as text or as one JSON object per file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aduana_core::{Consignment, Diagnostic, Location, completeness};
use aduana_formats::{Format, Sink};
use anyhow::Context;
use serde::Serialize;

use crate::cli::{EXIT_FOUND_WANTING, EXIT_USAGE_OR_IO};

/// Check files of advance cargo information: syntax, codes, structure and the SAFE / PLACI data elements.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 every file valid, 1 some file invalid, 2 usage or I/O error.

Examples:
  aduana validate examples/consignment.json
  aduana validate --json manifests/*.edi
  aduana validate --format jsonl --strict big.jsonl")]
pub(crate) struct Args {
    /// The files to check; `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The format: `auto` detects it from the content; otherwise json, jsonl, edifact, cargo-xml, wco-dm, ens,
    /// kcs-csv, csv (or an alias such as `edi`, `ndjson`, `xfwb`).
    #[arg(long, default_value = "auto", value_parser = format_name)]
    format: String,
    /// Print one JSON object per file, each on its own line.
    #[arg(long)]
    json: bool,
    /// Count missing SAFE / PLACI data elements as errors rather than warnings.
    #[arg(long)]
    strict: bool,
}

/// Accepts `auto` or any name or alias `Format::from_name` knows.
fn format_name(value: &str) -> Result<String, String> {
    if value == "auto" || Format::from_name(value).is_some() {
        return Ok(value.to_owned());
    }
    let names: Vec<&str> = std::iter::once("auto").chain(Format::ALL.iter().map(|f| f.name())).collect();
    Err(format!("expected one of {}, found `{value}`", names.join(", ")))
}

/// The report on one file, as `--json` prints it.
#[derive(Debug, Serialize)]
struct FileReport {
    file: String,
    format: Option<&'static str>,
    valid: bool,
    consignments: u64,
    errors: Vec<ReportedDiagnostic>,
    warnings: Vec<ReportedDiagnostic>,
}

/// One diagnostic as `--json` prints it: the location in its short form.
#[derive(Debug, Serialize)]
struct ReportedDiagnostic {
    code: String,
    message: String,
    location: String,
    rule: Option<String>,
}

/// Counts consignments and keeps diagnostics, adding completeness findings for each consignment. Keeps at most
/// `max_diagnostics` so that memory stays bounded on huge inputs, counting the rest.
struct Tally {
    consignments: u64,
    diagnostics: Vec<Diagnostic>,
    dropped_warnings: u64,
    dropped_errors: u64,
    max_diagnostics: usize,
    strict: bool,
    source: String,
}

impl Tally {
    fn keep(&mut self, diagnostic: Diagnostic) {
        if self.diagnostics.len() < self.max_diagnostics {
            self.diagnostics.push(diagnostic);
        } else if diagnostic.is_error() {
            self.dropped_errors += 1;
        } else {
            self.dropped_warnings += 1;
        }
    }
}

impl Sink for Tally {
    fn consignment(&mut self, consignment: Consignment) {
        self.consignments += 1;
        for mut finding in completeness::check(&consignment) {
            finding.location.file = Some(self.source.clone());
            finding.message = format!("{} (consignment {})", finding.message, consignment.reference).into();
            if self.strict {
                finding.severity = aduana_core::Severity::Error;
            }
            self.keep(finding);
        }
    }
    fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.keep(diagnostic);
    }
}

/// Checks every file and prints the reports; the exit status says whether all were valid.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut any_invalid = false;
    let mut any_io_error = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &args.files {
        match check_file(path, args) {
            Ok(report) => {
                any_invalid |= !report.valid;
                print_report(&mut out, &report, args.json)?;
            }
            Err(error) => {
                any_io_error = true;
                eprintln!("error: {error:#}");
            }
        }
    }
    Ok(ExitCode::from(if any_io_error {
        EXIT_USAGE_OR_IO
    } else if any_invalid {
        EXIT_FOUND_WANTING
    } else {
        0
    }))
}

fn check_file(path: &std::path::Path, args: &Args) -> anyhow::Result<FileReport> {
    let name = path.display().to_string();
    let (mut input, format) = crate::input::open(path, Format::from_name(&args.format))?;
    let limits = crate::limits::default_limits();
    let mut tally = Tally {
        consignments: 0,
        diagnostics: Vec::new(),
        dropped_warnings: 0,
        dropped_errors: 0,
        max_diagnostics: limits.max_diagnostics as usize,
        strict: args.strict,
        source: name.clone(),
    };
    match format {
        Some(format) => {
            aduana_formats::read(format, &mut input, &name, &limits, &mut tally)
                .with_context(|| format!("reading {name}"))?;
        }
        None => tally.diagnostics.push(crate::input::unknown_format(&name)),
    }
    let more = |dropped: u64| format!("{dropped} more were not listed (at most {} are kept)", tally.max_diagnostics);
    let mut overflow = Vec::new();
    if tally.dropped_errors > 0 {
        overflow.push(Diagnostic::error("too_many_diagnostics", more(tally.dropped_errors), Location::file(&name)));
    }
    if tally.dropped_warnings > 0 {
        overflow.push(Diagnostic::warning("too_many_diagnostics", more(tally.dropped_warnings), Location::file(&name)));
    }
    tally.diagnostics.extend(overflow);
    if tally.consignments == 0 && !tally.diagnostics.iter().any(Diagnostic::is_error) {
        let message = "expected at least one consignment, found none";
        tally.diagnostics.push(Diagnostic::error("no_consignment", message, Location::file(&name)));
    }
    let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) =
        tally.diagnostics.into_iter().partition(Diagnostic::is_error);
    let report = |d: &Diagnostic| ReportedDiagnostic {
        code: d.code.to_string(),
        message: d.message.to_string(),
        location: d.location.short(),
        rule: d.rule.as_deref().map(str::to_owned),
    };
    Ok(FileReport {
        file: name,
        format: format.map(Format::name),
        valid: errors.is_empty(),
        consignments: tally.consignments,
        errors: errors.iter().map(report).collect(),
        warnings: warnings.iter().map(report).collect(),
    })
}

fn print_report(out: &mut dyn Write, report: &FileReport, json: bool) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, report).context("writing report")?;
        writeln!(out).context("writing report")?;
        return Ok(());
    }
    let verdict = if report.valid { "valid" } else { "INVALID" };
    let format = report.format.unwrap_or("unknown format");
    writeln!(
        out,
        "{}: {verdict} ({format}, {} consignment{}, {} error{}, {} warning{})",
        report.file,
        report.consignments,
        plural(report.consignments as usize),
        report.errors.len(),
        plural(report.errors.len()),
        report.warnings.len(),
        plural(report.warnings.len()),
    )
    .context("writing report")?;
    for (severity, list) in [("error", &report.errors), ("warning", &report.warnings)] {
        for d in list {
            let rule = d.rule.as_deref().map(|r| format!(" (rule {r})")).unwrap_or_default();
            let at = if d.location.is_empty() { String::new() } else { format!(" at {}", d.location) };
            writeln!(out, "  {severity}[{}]{at}: {}{rule}", d.code, d.message).context("writing report")?;
        }
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
