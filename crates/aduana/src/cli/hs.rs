//! `aduana hs CODE`: looks a code up in the Harmonized System nomenclature and prints it with its parents.

use std::process::ExitCode;

use aduana_core::{HsCode, HsEdition, Nomenclature};
use anyhow::Context;

/// Look up a Harmonized System code: its description and its parents (heading, chapter, section).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  aduana hs 854140
  aduana hs --edition 2017 8541.40
  aduana hs --json 0101210010")]
pub(crate) struct Args {
    /// The code: 2, 4, 6, 8 or 10 digits; dots and spaces are ignored.
    code: String,
    /// The edition to look in: 2017 or 2022. Without it, HS 2022, or HS 2017 for codes that HS 2022 no longer has.
    #[arg(long, value_parser = ["2017", "2022"])]
    edition: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Prints the code, its description and its parents; exit 1 when the code is not in the edition.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let code = HsCode::parse(&args.code).with_context(|| format!("reading HS code {:?}", args.code))?;
    let edition = match args.edition.as_deref() {
        Some("2017") => HsEdition::Hs2017,
        Some(_) => HsEdition::Hs2022,
        None if !code.exists_in(HsEdition::Hs2022) && code.exists_in(HsEdition::Hs2017) => HsEdition::Hs2017,
        None => HsEdition::Hs2022,
    };
    let nomenclature = Nomenclature::builtin(edition);
    let lineage = nomenclature.lineage(code.international());
    let exists: Vec<&str> = HsEdition::ALL.iter().filter(|e| code.exists_in(**e)).map(|e| e.name()).collect();
    if args.json {
        let entries: Vec<serde_json::Value> = lineage
            .iter()
            .map(|e| serde_json::json!({"code": e.code, "description": e.description, "section": e.section}))
            .collect();
        let out = serde_json::json!({
            "code": code.as_str(),
            "edition": edition.name(),
            "found": !lineage.is_empty(),
            "exists_in": exists,
            "lineage": entries,
        });
        println!("{out}");
    } else if let Some(entry) = lineage.first() {
        println!("{} — {} ({})", code, entry.description, edition.name());
        if code.level() > 6 {
            println!("  national subdivision of {}", code.international());
        }
        for parent in &lineage[1..] {
            let kind = if parent.code.len() == 4 { "heading" } else { "chapter" };
            println!("  {kind} {} — {}", parent.code, parent.description);
        }
        if let Some(section) = lineage.last().and_then(|c| c.section.as_deref()) {
            println!("  section {section}");
        }
        println!("  in: {}", exists.join(", "));
    } else {
        let elsewhere = if exists.is_empty() {
            String::from("in no edition Aduana knows")
        } else {
            format!("only in {}", exists.join(", "))
        };
        println!("{code} is not in {} ({elsewhere})", edition.name());
    }
    Ok(if lineage.is_empty() { ExitCode::from(crate::cli::EXIT_FOUND_WANTING) } else { ExitCode::SUCCESS })
}
