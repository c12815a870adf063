//! `aduana cash`: cash declarations and detections (Regulation (EU) 2018/1672). `import` loads a CSV file of
//! records into the store, `report` writes the financial intelligence unit's report for a period (CSV or JSON),
//! `structuring` lists structuring alerts, `share` records that a record was shared with a partner administration.
//! The defaults (EUR 10,000 threshold, band 80–100 %, 30-day window, 15 working days) are set here, once, also
//! for `aduana serve` ([`ServeArgs`]).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use aduana_core::Decimal;
use aduana_enforcement::cash::report::{ReportContext, ReportEntry};
use aduana_enforcement::cash::{
    FiuReport, RateTable, SharingCalendar, StructuringConfig, Threshold, detect_structuring, parse_csv,
};
use aduana_store::{CashFilter, Store, StoredCashRecord};
use anyhow::Context;
use chrono::{NaiveDate, Utc};

use crate::cli::EXIT_FOUND_WANTING;
use crate::database::{self, Missing};

/// The declaration threshold in euro (Regulation (EU) 2018/1672, Art. 3).
const DEFAULT_THRESHOLD_EUR: &str = "10000";

/// The working days within which a record must be shared (Art. 10).
const DEFAULT_DEADLINE_DAYS: u32 = 15;

/// Cash declarations: import, FIU report, structuring alerts, sharing.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    Import(ImportArgs),
    Report(ReportArgs),
    Structuring(StructuringArgs),
    Share(ShareArgs),
}

/// Import cash declarations and detections from a CSV file (layout in docs/cash.md); all or nothing.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 imported, 1 the file has errors (each listed with line and column), 2 usage or \
I/O error.

Examples:
  aduana cash import declarations.csv
  aduana cash import --data-dir /var/lib/aduana march.csv"
)]
pub(crate) struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    #[command(flatten)]
    store: database::Location,
    #[command(flatten)]
    money: MoneyArgs,
}

/// Write the report for the financial intelligence unit over a period (CSV by default, or JSON).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  aduana cash report --from 2025-03-01 --to 2025-03-31 > fiu-2025-03.csv
  aduana cash report --from 2025-03-01 --to 2025-03-31 --json --holiday 2025-03-19")]
pub(crate) struct ReportArgs {
    /// The first day of the period (YYYY-MM-DD, UTC).
    #[arg(long)]
    from: NaiveDate,
    /// The last day of the period, included (YYYY-MM-DD, UTC).
    #[arg(long)]
    to: NaiveDate,
    /// Write JSON instead of CSV.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: database::Location,
    #[command(flatten)]
    money: MoneyArgs,
    #[command(flatten)]
    sharing: SharingArgs,
}

/// List structuring alerts: linked persons declaring just below the threshold, companions splitting a movement.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 no alert, 1 alerts found, 2 usage or I/O error.

Examples:
  aduana cash structuring
  aduana cash structuring --from 2025-01-01 --to 2025-03-31 --band-low 85 --window-days 60 --json")]
pub(crate) struct StructuringArgs {
    /// Only records on or after this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Only records on or before this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    to: Option<NaiveDate>,
    /// The lower end of the band below the threshold, in percent of it (inclusive).
    #[arg(long, default_value = "80")]
    band_low: Decimal,
    /// The upper end of the band, in percent of the threshold (exclusive).
    #[arg(long, default_value = "100")]
    band_high: Decimal,
    /// How many days a repeated pattern may span.
    #[arg(long, default_value_t = 30)]
    window_days: u32,
    /// How many records in the band make a repeated pattern.
    #[arg(long, default_value_t = 2)]
    min_records: usize,
    /// The smallest share of the threshold, in percent, that a companion on the same conveyance must carry.
    #[arg(long, default_value = "25")]
    companion_floor: Decimal,
    /// Print one JSON object per alert.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: database::Location,
    #[command(flatten)]
    money: MoneyArgs,
}

/// Record that a cash record was shared with a partner administration.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  aduana cash share 12 --with \"FIU-ES\"")]
pub(crate) struct ShareArgs {
    /// The record's id (as in the report).
    id: i64,
    /// The partner administration it was shared with.
    #[arg(long = "with")]
    partner: String,
    #[command(flatten)]
    store: database::Location,
}

/// The threshold and the exchange rates.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct MoneyArgs {
    /// The declaration threshold in euro.
    #[arg(long, default_value = DEFAULT_THRESHOLD_EUR)]
    threshold: Decimal,
    /// A rate file (`currency,units_per_eur,date`); default: the ECB reference rates in data/cash.
    #[arg(long)]
    rates: Option<PathBuf>,
}

/// The sharing deadline.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SharingArgs {
    /// Working days after a record within which it must be shared.
    #[arg(long, default_value_t = DEFAULT_DEADLINE_DAYS)]
    deadline_days: u32,
    /// A public holiday (not a working day); repeat for several.
    #[arg(long = "holiday")]
    holidays: Vec<NaiveDate>,
    /// The day statuses are computed for (default: today, UTC).
    #[arg(long)]
    today: Option<NaiveDate>,
}

impl MoneyArgs {
    fn threshold(&self) -> anyhow::Result<Threshold> {
        threshold(self.threshold, "--threshold")
    }

    fn rates(&self) -> anyhow::Result<RateTable> {
        rates(self.rates.as_deref())
    }
}

/// The cash rules of `aduana serve` and `aduana demo`: the same settings as the `aduana cash` flags, prefixed
/// with `cash-`, with the same defaults.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ServeArgs {
    /// The cash declaration threshold in euro.
    #[arg(long = "cash-threshold", value_name = "EUR", default_value = DEFAULT_THRESHOLD_EUR)]
    threshold: Decimal,
    /// A rate file for cash amounts (`currency,units_per_eur,date`); default: the ECB reference rates in data/cash.
    #[arg(long = "cash-rates", value_name = "FILE")]
    rates: Option<PathBuf>,
    /// Working days after a cash record within which it must be shared.
    #[arg(long = "cash-deadline-days", value_name = "DAYS", default_value_t = DEFAULT_DEADLINE_DAYS)]
    deadline_days: u32,
    /// A public holiday not counted for the sharing deadline; repeat for several.
    #[arg(long = "cash-holiday", value_name = "DAY")]
    holidays: Vec<NaiveDate>,
}

impl ServeArgs {
    /// Returns the server's cash settings: the threshold checked, the rate file read and parsed.
    pub(crate) fn settings(&self) -> anyhow::Result<aduana_server::CashSettings> {
        Ok(aduana_server::CashSettings {
            threshold: threshold(self.threshold, "--cash-threshold")?,
            rates: std::sync::Arc::new(rates(self.rates.as_deref())?),
            calendar: SharingCalendar {
                deadline_working_days: self.deadline_days,
                holidays: self.holidays.iter().copied().collect(),
            },
        })
    }

    /// Returns these settings as `aduana serve` flags, the defaults left out (for the demo, which starts `serve`
    /// with flags and prints them).
    pub(crate) fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if self.threshold.to_string() != DEFAULT_THRESHOLD_EUR {
            flags.extend(["--cash-threshold".to_owned(), self.threshold.to_string()]);
        }
        if self.deadline_days != DEFAULT_DEADLINE_DAYS {
            flags.extend(["--cash-deadline-days".to_owned(), self.deadline_days.to_string()]);
        }
        if let Some(path) = &self.rates {
            flags.extend(["--cash-rates".to_owned(), path.display().to_string()]);
        }
        for day in &self.holidays {
            flags.extend(["--cash-holiday".to_owned(), day.to_string()]);
        }
        flags
    }
}

/// Returns the threshold of a flag's value, which must be positive.
fn threshold(eur: Decimal, flag: &str) -> anyhow::Result<Threshold> {
    Threshold::new(eur).ok_or_else(|| anyhow::format_err!("expected a positive {flag}, found {eur}"))
}

/// Returns the rates of a rate file, or the ECB reference rates shipped with the binary.
fn rates(path: Option<&std::path::Path>) -> anyhow::Result<RateTable> {
    let Some(path) = path else { return Ok(RateTable::builtin()) };
    let bytes = std::fs::read(path).with_context(|| format!("reading rate file {}", path.display()))?;
    Ok(RateTable::parse(&bytes, &path.display().to_string())?)
}

/// Runs a `cash` subcommand.
pub(crate) fn run(command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import(args) => database::runtime()?.block_on(import(args)),
        Command::Report(args) => database::runtime()?.block_on(report(args)),
        Command::Structuring(args) => database::runtime()?.block_on(structuring(args)),
        Command::Share(args) => database::runtime()?.block_on(share(args)),
    }
}

async fn import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let records = match parse_csv(&bytes, &args.file.display().to_string()) {
        Ok(records) => records,
        Err(error) => {
            #[allow(clippy::print_stderr, reason = "the binary reports input errors on standard error")]
            {
                eprintln!("{error}");
                eprintln!("{} problem(s); nothing was imported", error.problems.len());
            }
            return Ok(ExitCode::from(EXIT_FOUND_WANTING));
        }
    };
    // Convert before storing, so that a currency without a rate is refused now rather than in every report.
    let rates = args.money.rates()?;
    let threshold = args.money.threshold()?;
    let mut at_or_above = 0;
    for record in &records {
        let total = rates.total_eur(&record.amounts).with_context(|| format!("record {}", record.reference))?;
        if threshold.is_reached_by(total) {
            at_or_above += 1;
        }
    }
    let store = args.store.open(Missing::Create).await?;
    let stored = store.add_cash_records(&records, "cli").await.context("storing the records")?;
    let detections = stored.iter().filter(|s| s.record.detection.is_some()).count();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "imported {} cash record(s) ({} declaration(s), {} detection(s); {at_or_above} at or above EUR {}) into {}",
        stored.len(),
        stored.len() - detections,
        detections,
        threshold.eur(),
        args.store.describe()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The records of a period of days (both included).
async fn records_between(
    store: &dyn Store,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> anyhow::Result<Vec<StoredCashRecord>> {
    let filter = CashFilter {
        from: from.map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
        to: to.and_then(|d| d.succ_opt()).map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
        limit: 0,
    };
    Ok(store.cash_records(&filter).await?)
}

async fn report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    if args.to < args.from {
        anyhow::bail!("expected --to on or after --from, found {} before {}", args.to, args.from);
    }
    let rates = args.money.rates()?;
    let threshold = args.money.threshold()?;
    let calendar = SharingCalendar {
        deadline_working_days: args.sharing.deadline_days,
        holidays: args.sharing.holidays.iter().copied().collect::<BTreeSet<_>>(),
    };
    let today = args.sharing.today.unwrap_or_else(|| Utc::now().date_naive());
    let store = args.store.open(Missing::Fail).await?;
    let stored = records_between(store.as_ref(), Some(args.from), Some(args.to)).await?;
    let entries: Vec<ReportEntry<'_>> =
        stored.iter().map(|s| ReportEntry { id: s.id, record: &s.record, shared: s.shared.as_ref() }).collect();
    let context = ReportContext { rates: &rates, threshold, calendar: &calendar, today };
    let report = FiuReport::build(args.from, args.to, &entries, &context)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        out.write_all(report.to_csv().as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn structuring(args: &StructuringArgs) -> anyhow::Result<ExitCode> {
    if args.band_low >= args.band_high || args.band_low < Decimal::ZERO || args.band_high > Decimal::ONE_HUNDRED {
        anyhow::bail!("expected 0 <= --band-low < --band-high <= 100, found {} and {}", args.band_low, args.band_high);
    }
    let config = StructuringConfig {
        threshold: args.money.threshold()?,
        band_low_percent: args.band_low,
        band_high_percent: args.band_high,
        window_days: args.window_days,
        min_records: args.min_records,
        companion_floor_percent: args.companion_floor,
    };
    let rates = args.money.rates()?;
    let store = args.store.open(Missing::Fail).await?;
    let stored = records_between(store.as_ref(), args.from, args.to).await?;
    let records: Vec<_> = stored.into_iter().map(|s| s.record).collect();
    let alerts = detect_structuring(&records, &rates, &config)?;
    let mut out = std::io::stdout().lock();
    for alert in &alerts {
        if args.json {
            serde_json::to_writer(&mut out, alert)?;
            writeln!(out)?;
        } else {
            let refs: Vec<&str> = alert.records.iter().map(|r| r.reference.as_str()).collect();
            writeln!(out, "ALERT {:?} [{}]: {}", alert.kind, refs.join(", "), alert.explanation)?;
        }
    }
    if !args.json {
        writeln!(out, "{} structuring alert(s) in {} record(s)", alerts.len(), records.len())?;
    }
    Ok(if alerts.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FOUND_WANTING) })
}

async fn share(args: &ShareArgs) -> anyhow::Result<ExitCode> {
    let partner = args.partner.trim();
    if partner.is_empty() {
        anyhow::bail!("expected a partner administration in --with, found empty");
    }
    let store = args.store.open(Missing::Fail).await?;
    let stored = store.mark_cash_shared(args.id, partner, Utc::now(), "cli").await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "cash record {} ({}) shared with {partner}", stored.id, stored.record.reference)?;
    Ok(ExitCode::SUCCESS)
}
