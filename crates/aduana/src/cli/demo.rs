//! `aduana demo`: the whole system on one machine with nothing to install. Creates a fresh data directory, writes
//! the reference data compiled into the binary into it (risk profiles, the AEO register, the 2018 UN sanctions list;
//! the HS nomenclature, strategic-goods correlation and UN arms embargoes are built in), creates one user per role,
//! assesses a few thousand demo declarations (the KCS synthetic quarter and every example file), plays back past
//! examinations so that hit rates have history, then serves the API and workbench like `aduana serve`.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use aduana_core::{Assessment, Consignment, Lane};
use aduana_server::Assessor;
use aduana_store::{
    ExaminationOutcome, NewAuditEntry, NewExaminationOrder, NewExaminationResult, NewUser, Role, Store,
};
use anyhow::Context;
use clap::Parser;

use crate::database::{self, Missing};
use crate::risk_assessor::RiskAssessor;
use crate::watch_lists::WatchLists;

/// Run the demo: a fresh data directory with reference data, users and assessed consignments, then the server.
#[derive(Debug, clap::Args)]
#[command(after_help = "The data directory is created fresh; a previous demo's directory is replaced, any other
non-empty directory is refused. The credentials of one user per role are printed before the server starts; the
server's address follows (`listening on http://…`). Stop with Ctrl-C.

Examples:
  aduana demo
  aduana demo --data-dir /tmp/aduana-demo --listen 127.0.0.1:0
  aduana demo --no-serve")]
pub(crate) struct Args {
    /// The demo's data directory.
    #[arg(long, default_value = "aduana-demo")]
    data_dir: PathBuf,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Prepare the data directory and print the credentials, but do not start the server (start it later with the
    /// `aduana serve` command printed at the end).
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    cash: crate::cli::cash::ServeArgs,
}

/// The file that marks a directory as made by `aduana demo`, so that a later demo may replace it.
const MARKER: &str = ".aduana-demo";

/// Reference data compiled into the binary, written under `<data-dir>/reference/`.
const REFERENCE: &[(&str, &[u8])] = &[
    ("profiles/kcs-hs-origin.profile", include_bytes!("../../../../data/profiles/kcs-hs-origin.profile")),
    ("profiles/norms.csv", include_bytes!("../../../../data/profiles/norms.csv")),
    ("profiles/precursor_destinations.list", include_bytes!("../../../../data/profiles/precursor_destinations.list")),
    ("profiles/precursors.profile", include_bytes!("../../../../data/profiles/precursors.profile")),
    ("profiles/routing.profile", include_bytes!("../../../../data/profiles/routing.profile")),
    ("profiles/safety.profile", include_bytes!("../../../../data/profiles/safety.profile")),
    ("profiles/transshipment_hubs.list", include_bytes!("../../../../data/profiles/transshipment_hubs.list")),
    ("profiles/valuation.profile", include_bytes!("../../../../data/profiles/valuation.profile")),
    ("profiles/watch_parties.list", include_bytes!("../../../../data/profiles/watch_parties.list")),
    ("aeo/register.csv", include_bytes!("../../../../data/aeo/register.csv")),
    ("lists/un-sc-consolidated-2018.xml", include_bytes!("../../../../data/watch-lists/un-sc-consolidated-2018.xml")),
    ("lists/README.md", include_bytes!("../../../../data/watch-lists/README.md")),
    ("lists/LICENSE", include_bytes!("../../../../data/watch-lists/LICENSE")),
];

/// Demo declarations compiled into the binary, written under `<data-dir>/samples/` and assessed.
const SAMPLES: &[(&str, &[u8])] = &[
    ("kcs-2021q1.csv", include_bytes!("../../../../data/demo/kcs-2021q1.csv")),
    ("kcs-LICENSE", include_bytes!("../../../../data/demo/LICENSE")),
    ("README.md", include_bytes!("../../../../data/demo/README.md")),
    ("examples/consignment.json", include_bytes!("../../../../examples/consignment.json")),
    ("examples/consignments.jsonl", include_bytes!("../../../../examples/consignments.jsonl")),
    ("examples/consignment.csv", include_bytes!("../../../../examples/consignment.csv")),
    ("examples/cuscar.edi", include_bytes!("../../../../examples/cuscar.edi")),
    ("examples/ens-ie315.xml", include_bytes!("../../../../examples/ens-ie315.xml")),
    ("examples/kcs-declarations.csv", include_bytes!("../../../../examples/kcs-declarations.csv")),
    ("examples/wco-dm-declaration.xml", include_bytes!("../../../../examples/wco-dm-declaration.xml")),
    ("examples/xfwb.xml", include_bytes!("../../../../examples/xfwb.xml")),
    ("examples/xfzb.xml", include_bytes!("../../../../examples/xfzb.xml")),
    ("examples/README.md", include_bytes!("../../../../examples/README.md")),
    ("examples/assess/aeo-aerosols.json", include_bytes!("../../../../examples/assess/aeo-aerosols.json")),
    (
        "examples/assess/circumvention-solar.json",
        include_bytes!("../../../../examples/assess/circumvention-solar.json"),
    ),
    ("examples/assess/garlic-from-china.json", include_bytes!("../../../../examples/assess/garlic-from-china.json")),
    ("examples/assess/lithium-by-air.json", include_bytes!("../../../../examples/assess/lithium-by-air.json")),
    ("examples/assess/precursor-export.json", include_bytes!("../../../../examples/assess/precursor-export.json")),
    (
        "examples/assess/sanctioned-consignee-cwc-chemical.json",
        include_bytes!("../../../../examples/assess/sanctioned-consignee-cwc-chemical.json"),
    ),
    ("examples/assess/undervalued-solar.json", include_bytes!("../../../../examples/assess/undervalued-solar.json")),
    (
        "examples/assess/watch-listed-consignee.json",
        include_bytes!("../../../../examples/assess/watch-listed-consignee.json"),
    ),
];

/// One demo user per role: (name, role).
const USERS: &[(&str, Role)] = &[
    ("admin", Role::Administrator),
    ("analyst", Role::Analyst),
    ("officer", Role::Officer),
    ("auditor", Role::Auditor),
    ("carrier", Role::Submitter),
    ("partner", Role::Partner),
];

/// The submitter the demo declarations are stored under.
const SUBMITTER: &str = "carrier";

/// Wraps `serve`'s arguments so that the demo starts the server exactly as `aduana serve` would.
#[derive(Debug, Parser)]
struct ServeCommand {
    #[command(flatten)]
    args: crate::cli::serve::Args,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // Refuse bad cash settings before any work, as `serve` would.
    args.cash.settings()?;
    fresh_directory(&args.data_dir)?;
    let reference = args.data_dir.join("reference");
    write_files(&reference, REFERENCE)?;
    let samples = args.data_dir.join("samples");
    write_files(&samples, SAMPLES)?;

    let profiles = reference.join("profiles");
    let aeo = reference.join("aeo/register.csv");
    let list = reference.join("lists/un-sc-consolidated-2018.xml");
    let ctx = match crate::cli::assess::context(Some(&profiles), Some(&aeo), std::slice::from_ref(&list), None, None)? {
        Ok(ctx) => ctx,
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::bail!("the shipped profiles do not compile:\n  {}", lines.join("\n  "));
        }
    };
    let assessor = RiskAssessor::new(ctx, Vec::new(), Arc::new(WatchLists::new()));
    let consignments = read_samples(&samples)?;
    let location = database::Location {
        data_dir: args.data_dir.clone(),
        database: None,
        sqlite_synchronous: database::SqliteSynchronous::Full,
    };
    let (credentials, summary) = database::runtime()?.block_on(load(&location, &assessor, consignments))?;
    // The server started below builds its own, from the files it is given.
    drop(assessor);

    let mut out = std::io::stdout().lock();
    writeln!(out, "Aduana demo in {}", args.data_dir.display())?;
    writeln!(out, "  {summary}")?;
    writeln!(out, "  reference data: {}", reference.display())?;
    writeln!(out, "Log in at the server's address (below) with one of these users; the token is for the API")?;
    writeln!(out, "(`Authorization: Bearer <token>`).")?;
    writeln!(out, "  {:<10} {:<14} {:<26} token", "user", "role", "password")?;
    for (name, role, password, token) in &credentials {
        writeln!(out, "  {name:<10} {:<14} {password:<26} {token}", role.as_str())?;
    }
    let mut serve = vec![
        "--data-dir".to_owned(),
        args.data_dir.display().to_string(),
        "--listen".to_owned(),
        args.listen.to_string(),
        "--profiles".to_owned(),
        profiles.display().to_string(),
        "--aeo".to_owned(),
        aeo.display().to_string(),
        "--list".to_owned(),
        list.display().to_string(),
    ];
    serve.extend(args.cash.flags());
    if args.no_serve {
        writeln!(out, "Start the server with:\n  aduana serve {}", serve.join(" "))?;
        return Ok(ExitCode::SUCCESS);
    }
    out.flush()?;
    drop(out);
    // The server re-reads the reference data from the data directory, as `aduana serve` would.
    serve.insert(0, "aduana".to_owned());
    let command = ServeCommand::try_parse_from(&serve).context("starting the server")?;
    crate::cli::serve::run(&command.args)
}

/// Makes `dir` an empty directory marked as the demo's: creates it, or replaces a previous demo's; refuses a
/// non-empty directory that the demo did not make.
fn fresh_directory(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?.next().is_none();
        if !empty {
            if !dir.join(MARKER).exists() {
                anyhow::bail!(
                    "{} is not empty and was not made by `aduana demo`; choose another --data-dir",
                    dir.display()
                );
            }
            std::fs::remove_dir_all(dir).with_context(|| format!("removing the previous demo in {}", dir.display()))?;
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join(MARKER), "made by `aduana demo`; a later demo replaces this directory\n")
        .with_context(|| format!("writing {}", dir.join(MARKER).display()))?;
    Ok(())
}

fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> anyhow::Result<()> {
    for (name, bytes) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Reads every sample declaration; the shipped samples are valid, so any error is a bug worth stopping for.
fn read_samples(dir: &Path) -> anyhow::Result<Vec<Consignment>> {
    let mut consignments = Vec::new();
    for (name, _) in SAMPLES {
        if name.ends_with(".md") || name.ends_with("LICENSE") {
            continue;
        }
        let read = crate::cli::risk_inputs::read_for_assessment(&dir.join(name))?;
        if let Some(error) = read.diagnostics.iter().find(|d| d.is_error()) {
            anyhow::bail!("the demo sample {name} cannot be read: {error}");
        }
        consignments.extend(read.consignments);
    }
    Ok(consignments)
}

/// Creates the users, assesses and stores the consignments, and plays back past examinations. Returns the
/// credentials (name, role, password, token) and a one-line summary.
async fn load(
    location: &database::Location,
    assessor: &RiskAssessor,
    consignments: Vec<Consignment>,
) -> anyhow::Result<(Vec<(String, Role, String, String)>, String)> {
    let store = location.open(Missing::Create).await?;
    let mut credentials = Vec::new();
    for (name, role) in USERS {
        let password = aduana_server::auth::new_secret("").context("generating a password")?[..24].to_owned();
        let hash = aduana_server::auth::hash_password(password.clone()).await?;
        let user =
            store.add_user(&NewUser { name: (*name).to_owned(), role: *role, password_hash: Some(hash) }).await?;
        let token = aduana_server::auth::issue_token(&*store, user.id).await?;
        audit(&*store, "demo", "user.create", format!("user/{name}"), serde_json::json!({"role": role.as_str()}))
            .await?;
        credentials.push(((*name).to_owned(), *role, password, token));
    }

    let mut lanes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut referred = 0;
    let mut stored = Vec::new();
    for chunk in consignments.chunks(500) {
        let assessments = assessor.assess_batch(chunk);
        for assessment in &assessments {
            *lanes.entry(lane_name(assessment)).or_default() += 1;
            referred += usize::from(!assessment.referrals.is_empty());
        }
        let pairs: Vec<(Consignment, Assessment)> = chunk.iter().cloned().zip(assessments).collect();
        let submitted = store.submit(SUBMITTER, pairs).await.context("storing the demo consignments")?;
        stored.extend(chunk.iter().zip(submitted).map(|(c, s)| (c.clone(), s.assessment)));
    }

    let (mut examined, mut found) = (0, 0);
    for (consignment, assessment) in &stored {
        let Some(label) = consignment.attributes.get("fraud") else { continue };
        let red = assessment.assessment.lane == Lane::Red;
        if !(red || one_in_ten(consignment.reference.as_str())) {
            continue;
        }
        let outcome = if label == "1" { ExaminationOutcome::Found } else { ExaminationOutcome::NotFound };
        let order = NewExaminationOrder {
            consignment_id: assessment.consignment_id,
            ordered_by: "officer".to_owned(),
            instructions: if red { "red lane: physical examination" } else { "random selection for compliance" }
                .to_owned(),
        };
        let subject = format!("consignment/{}", assessment.consignment_id);
        let entry = audit_entry("officer", "examination.order", subject.clone(), serde_json::json!({"demo": true}));
        let order = store.order_examination(&order, &entry).await?;
        let findings = match outcome {
            ExaminationOutcome::Found => "goods or value not as declared (played back from the KCS label)",
            ExaminationOutcome::NotFound => "as declared",
        };
        let result = NewExaminationResult { outcome, findings: findings.to_owned(), recorded_by: "officer".to_owned() };
        let entry = audit_entry("officer", "examination.result", subject, serde_json::json!({"demo": true}));
        store.record_examination_result(order.id, &result, &entry).await?;
        examined += 1;
        found += usize::from(outcome == ExaminationOutcome::Found);
    }
    let lanes: Vec<String> = lanes.iter().map(|(lane, n)| format!("{n} {lane}")).collect();
    let summary = format!(
        "{} consignments assessed ({}; {referred} with referrals); {examined} past examinations played back, \
         {found} with finds",
        stored.len(),
        lanes.join(", ")
    );
    Ok((credentials, summary))
}

fn lane_name(assessment: &Assessment) -> &'static str {
    match assessment.lane {
        Lane::Green => "green",
        Lane::Yellow => "yellow",
        Lane::Red => "red",
    }
}

/// A fixed tenth of references (FNV-1a), so that every demo plays back the same random examinations.
fn one_in_ten(reference: &str) -> bool {
    let hash =
        reference.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    hash % 10 == 0
}

fn audit_entry(actor: &str, action: &str, subject: String, details: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry { actor: actor.to_owned(), action: action.to_owned(), subject, details }
}

async fn audit(
    store: &dyn Store,
    actor: &str,
    action: &str,
    subject: String,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    store.append_audit(&audit_entry(actor, action, subject, details)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of the shipped profiles and examples is compiled in: a new one cannot be left out of the demo.
    #[test]
    fn the_demo_embeds_every_shipped_profile_and_example() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let embedded: Vec<&str> = REFERENCE.iter().chain(SAMPLES).map(|(name, _)| *name).collect();
        for (dir, prefix) in
            [("data/profiles", "profiles/"), ("examples", "examples/"), ("examples/assess", "examples/assess/")]
        {
            for entry in std::fs::read_dir(root.join(dir)).expect("reading the directory") {
                let path = entry.expect("an entry").path();
                if path.is_file() {
                    let name = format!("{prefix}{}", path.file_name().expect("a name").to_string_lossy());
                    assert!(embedded.contains(&name.as_str()), "{name} is not embedded in the demo");
                }
            }
        }
    }

    #[test]
    fn a_directory_the_demo_did_not_make_is_never_removed() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("precious.txt"), "keep me").expect("write");
        let error = fresh_directory(dir.path()).expect_err("refused");
        assert!(error.to_string().contains("was not made by `aduana demo`"), "{error}");
        assert!(dir.path().join("precious.txt").exists());

        let demo = dir.path().join("demo");
        fresh_directory(&demo).expect("created");
        std::fs::write(demo.join("aduana.db"), "old").expect("write");
        fresh_directory(&demo).expect("replaced");
        assert!(!demo.join("aduana.db").exists());
        assert!(demo.join(MARKER).exists());
    }
}
