//! `aduana screen`: screens names against sanctions and watch lists (UN XML, FtM JSON Lines, CSV), one name from the
//! command line or a CSV of people, and reports what changed between two versions of a list.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aduana_screening::{BirthDate, NameRules, Query, ScreeningConfig, ScreeningIndex, diff, screen};
use anyhow::{Context, format_err};

use crate::cli::EXIT_FOUND_WANTING;
use crate::cli::risk_inputs::read_list;

/// Screen names against sanctions and watch lists.
///
/// The list format is detected from the content: the UN Security Council consolidated list XML, OpenSanctions
/// FollowTheMoney JSON Lines, or the CSV described in docs/screening.md. Exit status: 0 when nothing matched, 1 when
/// at least one name matched at or above the threshold, 2 on usage or I/O errors (or a list that cannot be read).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  aduana screen --list consolidated.xml 'Abdul Haq Wasiq'
  aduana screen --list consolidated.xml --date-of-birth 1971 --nationality af --json 'WASIQ, Abdul Haq'
  aduana screen --list consolidated.xml --list national.csv --input people.csv --json
  aduana screen --list consolidated-2024.xml --diff-from consolidated-2018.xml")]
pub(crate) struct Args {
    /// A list to screen against (repeat for several).
    #[arg(long = "list", value_name = "FILE", required = true)]
    lists: Vec<PathBuf>,
    /// The name to screen.
    #[arg(conflicts_with = "input", required_unless_present_any = ["input", "diff_from"])]
    name: Option<String>,
    /// A CSV of people to screen: a header with `full_name`, optionally `date_of_birth` and `nationality`.
    #[arg(long, value_name = "CSV")]
    input: Option<PathBuf>,
    /// The date of birth of the name on the command line (YYYY, YYYY-MM-DD).
    #[arg(long, requires = "name")]
    date_of_birth: Option<String>,
    /// The nationality of the name on the command line (ISO code or country name).
    #[arg(long, requires = "name")]
    nationality: Option<String>,
    /// The score (0..1) at or above which a result is a match. Default: 0.80, calibrated in docs/screening.md.
    #[arg(long)]
    threshold: Option<f32>,
    /// Instead of screening, report what was added, changed and removed from this older version of the (single)
    /// list given with --list.
    #[arg(long, value_name = "OLD_FILE", conflicts_with_all = ["name", "input"])]
    diff_from: Option<PathBuf>,
    /// Print one JSON object per query (per input row, in order) instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the screening or the diff.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let lists = args.lists.iter().map(|path| read_list(path)).collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(old) = &args.diff_from {
        let [new] = lists.as_slice() else {
            return Err(format_err!("--diff-from compares one list: give exactly one --list"));
        };
        let changes = diff(&read_list(old)?, new);
        if args.json {
            println!("{}", serde_json::to_string(&changes)?);
        } else {
            println!("{} → {}", changes.from_version, changes.to_version);
            for (label, ids) in
                [("added", &changes.added), ("changed", &changes.changed), ("removed", &changes.removed)]
            {
                println!("{label} ({}): {}", ids.len(), ids.join(", "));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut config = ScreeningConfig::recommended();
    if let Some(threshold) = args.threshold {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(format_err!("--threshold: expected a number from 0 to 1, found {threshold}"));
        }
        config.threshold = threshold;
        config.report_floor = config.report_floor.min(threshold);
    }
    let index = ScreeningIndex::build(&lists, NameRules::builtin());
    let queries = match (&args.name, &args.input) {
        (Some(name), _) => vec![Query {
            name: name.clone(),
            date_of_birth: args
                .date_of_birth
                .as_deref()
                .map(|d| {
                    BirthDate::parse(d)
                        .ok_or_else(|| format_err!("--date-of-birth: expected YYYY or YYYY-MM-DD, found {d:?}"))
                })
                .transpose()?,
            nationality: args.nationality.clone(),
        }],
        (None, Some(path)) => read_people(path)?,
        (None, None) => return Err(format_err!("give a NAME or --input CSV")),
    };
    let mut any_match = false;
    let mut out = std::io::stdout().lock();
    for query in &queries {
        let matches = screen(query, &index, &config);
        any_match |= matches.iter().any(|m| m.matched);
        if args.json {
            let matches: Vec<serde_json::Value> = matches
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "list": m.list,
                        "list_version": m.list_version,
                        "entry_id": m.entry_id,
                        "name": m.name,
                        "score": (f64::from(m.score) * 1000.0).round() / 1000.0,
                        "matched": m.matched,
                        "explanation": m.explanation,
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::json!({"query": query.name, "matches": matches}))?;
        } else {
            writeln!(out, "{}", query.name)?;
            if matches.is_empty() {
                writeln!(out, "  no candidates")?;
            }
            for m in &matches {
                let mark = if m.matched { "MATCH" } else { "     " };
                writeln!(out, "  {mark} {:.3} {} {} {:?}", m.score, m.list, m.entry_id, m.name)?;
                writeln!(out, "        {}", m.explanation)?;
            }
        }
    }
    Ok(if any_match { ExitCode::from(EXIT_FOUND_WANTING) } else { ExitCode::SUCCESS })
}

/// Reads the people CSV: `full_name` required, `date_of_birth` and `nationality` optional.
fn read_people(path: &Path) -> anyhow::Result<Vec<Query>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading input {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes.as_slice());
    let headers = reader.headers().with_context(|| format!("{}:1: reading the CSV header", path.display()))?.clone();
    let column = |key: &str| headers.iter().position(|h| h.trim() == key);
    let name_col = column("full_name")
        .ok_or_else(|| format_err!("{}:1: expected a header with a `full_name` column", path.display()))?;
    let (dob_col, nationality_col) = (column("date_of_birth"), column("nationality"));
    let mut queries = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("reading {}", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |col: Option<usize>| col.and_then(|c| record.get(c)).map(str::trim).filter(|v| !v.is_empty());
        let name = cell(Some(name_col))
            .ok_or_else(|| format_err!("{}:{line}: full_name: expected a name, found empty", path.display()))?;
        let date_of_birth = match cell(dob_col) {
            None => None,
            Some(text) => Some(BirthDate::parse(text).ok_or_else(|| {
                format_err!(
                    "{}:{line}: date_of_birth: expected YYYY, YYYY-MM or YYYY-MM-DD, found {text:?}",
                    path.display()
                )
            })?),
        };
        queries.push(Query {
            name: name.to_owned(),
            date_of_birth,
            nationality: cell(nationality_col).map(str::to_owned),
        });
    }
    Ok(queries)
}
