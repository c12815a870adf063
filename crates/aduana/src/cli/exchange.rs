//! `aduana exchange …`: the secure exchange between customs administrations from the command line. Node
//! identity, peers, closed user groups, sending (outbox + file-drop delivery) and the inbox. The protocol is in
//! `aduana-exchange`; this module reads and writes the data directory and reads the clock and the system's
//! randomness.

pub(crate) mod data_dir;
mod file_drop;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aduana_exchange::{
    Attachment, Content, DeliveryReport, ExchangeRng, FreeText, NodeState, Outbox, PublicIdentity, ReceiveConfig,
    RetryPolicy, deliver_due, receive, seal,
};
use anyhow::Context as _;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::cli::EXIT_FOUND_WANTING;
use data_dir::DataDir;
use file_drop::FileDrop;

/// How long an envelope may travel before receivers refuse it as stale, by default (air-gapped exchanges are slow).
const DEFAULT_MAX_AGE_HOURS: i64 = 72;
/// The clock skew tolerated between nodes.
pub(crate) const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);
/// The largest envelope a node reads (attachments included).
pub(crate) const MAX_ENVELOPE_BYTES: usize = 16 << 20;
/// Outbox retries: 30 s, doubling with jitter, at most an hour apart, given up after 20 attempts.
const RETRY_POLICY: RetryPolicy =
    RetryPolicy { base_delay: TimeDelta::seconds(30), max_delay: TimeDelta::hours(1), max_attempts: 20 };

/// Exchange signed, encrypted alerts, seizure notices and requests with other customs administrations.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  aduana exchange init --data-dir es --name customs-es
  aduana exchange identity export --data-dir es --output customs-es.pub.json
  aduana exchange peers add --data-dir es customs-fr.pub.json --expect-fingerprint '789f 0222 …'
  aduana exchange groups create --data-dir es atlantic
  aduana exchange groups add-member --data-dir es atlantic customs-fr --deliver-to fr
  aduana exchange send --data-dir es --group atlantic --subject 'reefer' --text 'check MSCU1234565' --deliver-to fr
  aduana exchange inbox --data-dir fr")]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create this node's identity (signing and encryption keys) in a new data directory.
    Init(InitArgs),
    /// This node's public identity.
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// The nodes this node knows.
    #[command(subcommand)]
    Peers(PeersCommand),
    /// Closed user groups: create them, admit and remove members.
    #[command(subcommand)]
    Groups(GroupsCommand),
    /// Send a message to a group: sealed, queued in the outbox, delivered to `--deliver-to` folders.
    Send(SendArgs),
    /// Retry the outbox: deliver pending envelopes whose retry time has come.
    Deliver(DeliverArgs),
    /// Read the envelopes in DIR/inbox: accept and print good ones, refuse bad ones with the reason (exit 1).
    Inbox(InboxArgs),
}

#[derive(Debug, clap::Args)]
struct DataDirArg {
    /// The node's data directory.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
}

#[derive(Debug, clap::Args)]
struct DeliverTo {
    /// Deliver to this folder: a peer's data directory (its inbox) or a drop folder for every recipient.
    #[arg(long, value_name = "DIR")]
    deliver_to: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    #[command(flatten)]
    dir: DataDirArg,
    /// The node's name (letters, digits, '.', '_', '-'), e.g. customs-es.
    #[arg(long)]
    name: String,
    /// Where partner nodes reach this node's inbox over HTTPS (`aduana serve --exchange DIR --exchange-listen
    /// ADDR`), e.g. https://exchange.customs.example:8443. Announced, signed, in the public identity together with
    /// the SHA-256 of the node's self-signed TLS certificate, which senders pin.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum IdentityCommand {
    /// Write the public identity file (to give to peers) to standard output or a file.
    Export {
        #[command(flatten)]
        dir: DataDirArg,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Subcommand)]
enum PeersCommand {
    /// Import a peer's public identity file; compare the printed fingerprint with the peer's over another channel.
    Add {
        #[command(flatten)]
        dir: DataDirArg,
        /// The file `aduana exchange identity export` wrote on the peer.
        file: PathBuf,
        /// Refuse the file unless its fingerprint is this one (as read out by the peer; spaces are ignored).
        #[arg(long, value_name = "FINGERPRINT")]
        expect_fingerprint: Option<String>,
    },
    /// List the known peers with their fingerprints.
    List {
        #[command(flatten)]
        dir: DataDirArg,
    },
}

#[derive(Debug, clap::Subcommand)]
enum GroupsCommand {
    /// Create a group owned by this node.
    Create {
        #[command(flatten)]
        dir: DataDirArg,
        /// The group's name.
        name: String,
        /// Allow nominal data (names of persons and companies) in seizure notices.
        #[arg(long)]
        allow_nominal_data: bool,
    },
    /// Admit a peer to a group this node owns and send the new membership to the members.
    AddMember(MemberArgs),
    /// Remove a member from a group this node owns and send the new membership to the remaining members.
    RemoveMember(MemberArgs),
    /// List the groups this node is in, with their members.
    List {
        #[command(flatten)]
        dir: DataDirArg,
    },
}

#[derive(Debug, clap::Args)]
struct MemberArgs {
    #[command(flatten)]
    dir: DataDirArg,
    /// The group, by name or id.
    group: String,
    /// The peer, by name or node id.
    peer: String,
    #[command(flatten)]
    deliver_to: DeliverTo,
}

#[derive(Debug, clap::Args)]
struct SendArgs {
    #[command(flatten)]
    dir: DataDirArg,
    /// The group, by name or id.
    #[arg(long)]
    group: String,
    /// A JSON file with the message content: {"type": "alert" | "seizure_notice" | "information_request" |
    /// "information_reply" | "free_text", …} (see docs/exchange.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["subject", "text"])]
    content: Option<PathBuf>,
    /// The subject of a free-text message.
    #[arg(long, requires = "text")]
    subject: Option<String>,
    /// The text of a free-text message.
    #[arg(long)]
    text: Option<String>,
    /// Attach a file (repeatable).
    #[arg(long, value_name = "FILE")]
    attach: Vec<PathBuf>,
    #[command(flatten)]
    deliver_to: DeliverTo,
}

#[derive(Debug, clap::Args)]
struct DeliverArgs {
    #[command(flatten)]
    dir: DataDirArg,
    #[command(flatten)]
    deliver_to: DeliverTo,
    /// Attempt every pending envelope now, whatever its retry time.
    #[arg(long)]
    now: bool,
}

#[derive(Debug, clap::Args)]
struct InboxArgs {
    #[command(flatten)]
    dir: DataDirArg,
    /// Print one JSON object per envelope.
    #[arg(long)]
    json: bool,
    /// Refuse envelopes older than this many hours.
    #[arg(long, default_value_t = DEFAULT_MAX_AGE_HOURS)]
    max_age_hours: i64,
    /// Check timestamps against this time (RFC 3339) instead of the clock, e.g. to re-read an archive.
    #[arg(long, value_name = "TIME")]
    at: Option<DateTime<Utc>>,
}

/// Runs an exchange subcommand.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Command::Init(init) => run_init(init),
        Command::Identity(IdentityCommand::Export { dir, output }) => run_export(dir, output.as_deref()),
        Command::Peers(PeersCommand::Add { dir, file, expect_fingerprint }) => {
            run_peers_add(dir, file, expect_fingerprint.as_deref())
        }
        Command::Peers(PeersCommand::List { dir }) => run_peers_list(dir),
        Command::Groups(GroupsCommand::Create { dir, name, allow_nominal_data }) => {
            run_groups_create(dir, name, *allow_nominal_data)
        }
        Command::Groups(GroupsCommand::AddMember(member)) => run_membership(member, true),
        Command::Groups(GroupsCommand::RemoveMember(member)) => run_membership(member, false),
        Command::Groups(GroupsCommand::List { dir }) => run_groups_list(dir),
        Command::Send(send) => run_send(send),
        Command::Deliver(deliver) => run_deliver(deliver),
        Command::Inbox(inbox) => run_inbox(inbox),
    }
}

/// A CSPRNG seeded from the operating system.
fn system_rng() -> anyhow::Result<ExchangeRng> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| anyhow::format_err!("reading system randomness: {error}"))?;
    Ok(aduana_exchange::rng_from_seed(seed))
}

fn run_init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let mut rng = system_rng()?;
    let mut identity = aduana_exchange::NodeIdentity::generate(&args.name, &mut rng)?;
    let tls = data_dir::generate_tls_identity(&args.name)?;
    if let Some(url) = &args.endpoint {
        identity
            .set_endpoint(url, &aduana_exchange::sha256_hex(&tls.certificate_der))
            .with_context(|| format!("--endpoint {url}"))?;
    }
    let dir = DataDir::new(&args.dir.data_dir);
    dir.initialise(&identity, &tls)?;
    println!("initialised node {} in {}", identity.public().name(), dir.root().display());
    println!("fingerprint: {}", identity.id().fingerprint());
    if let Some(endpoint) = identity.public().endpoint() {
        println!("endpoint: {} (TLS certificate SHA-256 {})", endpoint.url, endpoint.tls_certificate_sha256);
    }
    println!("public identity: {}", dir.path("identity.pub.json").display());
    Ok(ExitCode::SUCCESS)
}

fn run_export(dir: &DataDirArg, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let node = DataDir::new(&dir.data_dir).load()?;
    let bytes = node.identity.public().to_json();
    match output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} (fingerprint {})", path.display(), node.identity.id().fingerprint());
        }
        None => print!("{}", String::from_utf8_lossy(&bytes)),
    }
    Ok(ExitCode::SUCCESS)
}

fn run_peers_add(dir: &DataDirArg, file: &Path, expected: Option<&str>) -> anyhow::Result<ExitCode> {
    let data = DataDir::new(&dir.data_dir);
    let mut node = data.load()?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let peer = PublicIdentity::from_json(&bytes).with_context(|| format!("reading {}", file.display()))?;
    if let Some(expected) = expected {
        let expected: String = expected.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        if expected != peer.id().as_str() {
            eprintln!(
                "error: {}: fingerprint {} is not the expected {expected}; not added",
                file.display(),
                peer.id().fingerprint()
            );
            return Ok(ExitCode::from(EXIT_FOUND_WANTING));
        }
    }
    let (name, fingerprint) = (peer.name().to_owned(), peer.id().fingerprint());
    let added = node.directory.add_peer(&node.identity, peer).with_context(|| format!("adding {}", file.display()))?;
    data.save_directory(&node.directory)?;
    let verb = if added { "added" } else { "already known:" };
    println!("{verb} peer {name}\nfingerprint: {fingerprint}");
    Ok(ExitCode::SUCCESS)
}

fn run_peers_list(dir: &DataDirArg) -> anyhow::Result<ExitCode> {
    let node = DataDir::new(&dir.data_dir).load()?;
    for peer in node.directory.peers.values() {
        println!("{}\t{}", peer.name(), peer.id().fingerprint());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_groups_create(dir: &DataDirArg, name: &str, allow_nominal_data: bool) -> anyhow::Result<ExitCode> {
    let data = DataDir::new(&dir.data_dir);
    let mut node = data.load()?;
    anyhow::ensure!(node.directory.find_group(name).is_none(), "a group named {name} already exists");
    let mut rng = system_rng()?;
    let created = node.create_group(name, allow_nominal_data, clock_now(), &mut rng)?;
    data.save_directory(&node.directory)?;
    println!("created group {} ({})", created.record.name, created.record.group);
    Ok(ExitCode::SUCCESS)
}

fn run_membership(args: &MemberArgs, admit: bool) -> anyhow::Result<ExitCode> {
    let data = DataDir::new(&args.dir.data_dir);
    let mut node = data.load()?;
    let group = node
        .directory
        .find_group(&args.group)
        .with_context(|| format!("no group {} on this node", args.group))?
        .record()
        .group
        .clone();
    let now = clock_now();
    let change = if admit {
        let peer =
            node.directory.find_peer(&args.peer).cloned().with_context(|| {
                format!("no peer {} (import its identity with `aduana exchange peers add`)", args.peer)
            })?;
        node.change_membership(&group, &[peer], &[], now)?
    } else {
        let record = node.directory.groups[&group].record();
        let member = record
            .members
            .values()
            .find(|m| m.name() == args.peer || m.id().as_str() == args.peer)
            .with_context(|| format!("{} is not a member of {}", args.peer, record.name))?
            .id()
            .clone();
        node.change_membership(&group, &[], &[member], now)?
    };
    let record = change.record.clone();
    let mut rng = system_rng()?;
    let sealed = if record.members.len() > 1 {
        Some(seal(&node, &group, &Content::MembershipChange(change), now, &mut rng)?)
    } else {
        None
    };
    data.save_directory(&node.directory)?;
    println!(
        "group {} at serial {}: {} members ({})",
        record.name,
        record.serial,
        record.members.len(),
        record.members.values().map(PublicIdentity::name).collect::<Vec<_>>().join(", ")
    );
    if let Some(sealed) = sealed {
        queue_and_deliver(&data, &sealed, &args.deliver_to.deliver_to, now, &mut rng)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_groups_list(dir: &DataDirArg) -> anyhow::Result<ExitCode> {
    let node = DataDir::new(&dir.data_dir).load()?;
    for state in node.directory.groups.values() {
        let record = state.record();
        let owner = record.members.get(&record.owner).map_or("?", PublicIdentity::name);
        let members: Vec<&str> = record.members.values().map(PublicIdentity::name).collect();
        println!(
            "{}\t{}\towner {owner}\tserial {}\tnominal data {}\tmembers {}",
            record.name,
            record.group,
            record.serial,
            if record.nominal_data_allowed { "allowed" } else { "not allowed" },
            members.join(",")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_send(args: &SendArgs) -> anyhow::Result<ExitCode> {
    let data = DataDir::new(&args.dir.data_dir);
    let node = data.load()?;
    let group = node
        .directory
        .find_group(&args.group)
        .with_context(|| format!("no group {} on this node", args.group))?
        .record()
        .group
        .clone();
    let mut content = match (&args.content, &args.subject, &args.text) {
        (Some(path), _, _) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_slice::<Content>(&bytes)
                .with_context(|| format!("{}: expected message content", path.display()))?
        }
        (None, subject, Some(text)) => Content::FreeText(FreeText {
            subject: subject.clone().unwrap_or_default(),
            text: text.clone(),
            attachments: vec![],
        }),
        (None, _, None) => anyhow::bail!("give the message with --content FILE or --text TEXT"),
    };
    anyhow::ensure!(
        !matches!(content, Content::MembershipChange(_)),
        "membership changes are sent by `aduana exchange groups add-member` and `remove-member`"
    );
    for path in &args.attach {
        let data = std::fs::read(path).with_context(|| format!("reading attachment {}", path.display()))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let attachments = content.attachments_mut().context("this message kind takes no attachments")?;
        attachments.push(Attachment { media_type: media_type(&name).to_owned(), name, data });
    }
    let now = clock_now();
    let mut rng = system_rng()?;
    let sealed = match seal(&node, &group, &content, now, &mut rng) {
        Ok(sealed) => sealed,
        Err(error @ aduana_exchange::SendError::NominalDataNotAllowed(_)) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(EXIT_FOUND_WANTING));
        }
        Err(error) => return Err(error.into()),
    };
    anyhow::ensure!(
        sealed.bytes.len() <= MAX_ENVELOPE_BYTES,
        "the envelope is {} bytes, more than receivers accept ({MAX_ENVELOPE_BYTES})",
        sealed.bytes.len()
    );
    println!("sent {} ({}) to {} members", sealed.id, content.kind(), sealed.recipients.len());
    queue_and_deliver(&data, &sealed, &args.deliver_to.deliver_to, now, &mut rng)?;
    Ok(ExitCode::SUCCESS)
}

fn media_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "edi" => "application/edifact",
        _ => "application/octet-stream",
    }
}

/// Queues the envelope in the outbox and delivers what can be delivered now.
fn queue_and_deliver(
    data: &DataDir,
    sealed: &aduana_exchange::SealedEnvelope,
    targets: &[PathBuf],
    now: DateTime<Utc>,
    rng: &mut ExchangeRng,
) -> anyhow::Result<()> {
    let mut outbox = data.load_outbox()?;
    outbox.enqueue(sealed, now);
    data.save_outbox(&outbox)?;
    if targets.is_empty() {
        println!("queued for {} recipients in {}", sealed.recipients.len(), data.path("outbox.json").display());
        return Ok(());
    }
    deliver_and_report(data, &mut outbox, targets, now, rng)
}

fn deliver_and_report(
    data: &DataDir,
    outbox: &mut Outbox,
    targets: &[PathBuf],
    now: DateTime<Utc>,
    rng: &mut ExchangeRng,
) -> anyhow::Result<()> {
    let drop = FileDrop::new(targets)?;
    let node = data.load()?;
    let routes = outbox
        .entries
        .iter()
        .filter(|e| !drop.routes(&e.recipient))
        .filter_map(|e| {
            node.public_identity_of(&e.recipient).and_then(|p| p.endpoint()).map(|p| (e.recipient.clone(), p.clone()))
        })
        .collect::<std::collections::BTreeMap<_, _>>();
    // HTTPS for the recipients that announce an endpoint and have no --deliver-to folder.
    let runtime = crate::database::runtime()?;
    let https = aduana_server::exchange::HttpsTransport::new(routes, runtime.handle().clone(), HTTPS_TIMEOUT);
    let transport = Routed { drop, https };
    let report: DeliveryReport = deliver_due(outbox, &transport, now, &RETRY_POLICY, rng);
    outbox.prune_delivered();
    data.save_outbox(outbox)?;
    for (id, node) in &report.delivered {
        println!("delivered {id} to {}", node.short());
    }
    for (id, node, at, error) in &report.retrying {
        println!("pending {id} to {}: {error}; next attempt at {}", node.short(), at.to_rfc3339());
    }
    for (id, node, error) in &report.failed {
        eprintln!("error: gave up delivering {id} to {}: {error}", node.short());
    }
    Ok(())
}

/// How long one HTTPS delivery may take.
const HTTPS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The CLI's transport: `--deliver-to` folders where given, HTTPS to the peer's signed endpoint otherwise.
struct Routed {
    drop: FileDrop,
    https: aduana_server::exchange::HttpsTransport,
}

impl aduana_exchange::Transport for Routed {
    fn deliver(
        &self,
        recipient: &aduana_exchange::NodeId,
        envelope: &[u8],
    ) -> Result<(), aduana_exchange::TransportError> {
        if self.drop.routes(recipient) {
            self.drop.deliver(recipient, envelope)
        } else {
            self.https.deliver(recipient, envelope)
        }
    }
}

fn run_deliver(args: &DeliverArgs) -> anyhow::Result<ExitCode> {
    let data = DataDir::new(&args.dir.data_dir);
    let mut outbox = data.load_outbox()?;
    let now = clock_now();
    if args.now {
        for entry in &mut outbox.entries {
            entry.next_attempt_at = entry.next_attempt_at.min(now);
        }
    }
    let mut rng = system_rng()?;
    deliver_and_report(&data, &mut outbox, &args.deliver_to.deliver_to, now, &mut rng)?;
    println!("{} pending", outbox.pending());
    Ok(ExitCode::SUCCESS)
}

/// One envelope's outcome, as `inbox --json` prints it.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum InboxLine<'a> {
    Accepted { file: String, message: &'a aduana_exchange::ReceivedMessage },
    Rejected { file: String, reason: &'static str, detail: String, message_id: Option<String> },
}

fn run_inbox(args: &InboxArgs) -> anyhow::Result<ExitCode> {
    let data = DataDir::new(&args.dir.data_dir);
    let mut node = data.load()?;
    let config = ReceiveConfig {
        max_age: TimeDelta::try_hours(args.max_age_hours).context("--max-age-hours is too large")?,
        max_clock_skew: MAX_CLOCK_SKEW,
        max_envelope_bytes: MAX_ENVELOPE_BYTES,
    };
    let now = args.at.unwrap_or_else(clock_now);
    let mut envelopes = read_inbox(&data.inbox(), config.max_envelope_bytes)?;
    // Oldest first, so that a membership change is applied before the messages that rely on it.
    envelopes.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
    let mut rejected = 0usize;
    for (path, bytes, _) in envelopes {
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match receive(&mut node, &bytes, now, &config) {
            Ok(message) => {
                // Record the id before removing the envelope, so that a crash cannot let it be accepted twice.
                data.save_directory(&node.directory)?;
                let stored = data.path("received").join(format!("{}.json", message.id));
                let json = serde_json::to_vec_pretty(&message).context("serialising a received message")?;
                data_dir::write_atomic(&stored, &json)?;
                std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
                print_accepted(&node, &file, &message, args.json)?;
            }
            Err(rejection) => {
                rejected += 1;
                let target = data.path("rejected").join(&file);
                std::fs::rename(&path, &target)
                    .with_context(|| format!("moving {} to {}", path.display(), target.display()))?;
                if args.json {
                    let line = InboxLine::Rejected {
                        file: file.clone(),
                        reason: rejection.reason.code(),
                        detail: rejection.detail.clone(),
                        message_id: rejection.message_id.as_ref().map(ToString::to_string),
                    };
                    println!("{}", serde_json::to_string(&line)?);
                } else {
                    println!("rejected {file}: {}: {}", rejection.reason.code(), rejection.detail);
                }
                eprintln!("warning: rejected envelope {file}: {}", rejection.reason.code());
            }
        }
    }
    Ok(if rejected > 0 { ExitCode::from(EXIT_FOUND_WANTING) } else { ExitCode::SUCCESS })
}

/// An envelope file of the inbox: its path, its bytes and the timestamp it claims (unverified, for ordering only).
type InboxFile = (PathBuf, Vec<u8>, DateTime<Utc>);

/// Reads every `*.json` file of the inbox.
fn read_inbox(inbox: &Path, max_bytes: usize) -> anyhow::Result<Vec<InboxFile>> {
    let mut envelopes = Vec::new();
    let entries = std::fs::read_dir(inbox).with_context(|| format!("reading {}", inbox.display()))?;
    for entry in entries {
        let path = entry.with_context(|| format!("reading {}", inbox.display()))?.path();
        if !path.is_file() || path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let size = std::fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?.len();
        // An oversized file is read only up to the limit plus one byte, which receive() refuses as malformed.
        let bytes = if usize::try_from(size).is_ok_and(|s| s > max_bytes) {
            use std::io::Read as _;
            let mut head = Vec::new();
            std::fs::File::open(&path)
                .and_then(|f| f.take(max_bytes as u64 + 1).read_to_end(&mut head))
                .with_context(|| format!("reading {}", path.display()))?;
            head
        } else {
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?
        };
        let claimed = aduana_exchange::envelope::peek(&bytes).map_or(DateTime::<Utc>::MIN_UTC, |(_, at)| at);
        envelopes.push((path, bytes, claimed));
    }
    Ok(envelopes)
}

fn print_accepted(
    node: &NodeState,
    file: &str,
    message: &aduana_exchange::ReceivedMessage,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(&InboxLine::Accepted { file: file.to_owned(), message })?);
        return Ok(());
    }
    println!(
        "accepted {} from {} in {} at {}: {}: {}",
        message.id,
        message.sender_name,
        message.group_name,
        message.created_at.to_rfc3339(),
        message.content.kind(),
        message.content.summary()
    );
    match &message.content {
        Content::FreeText(text) => println!("  {}", text.text),
        Content::MembershipChange(change) => {
            let me = change.record.is_member(node.identity.id());
            println!("  this node is {}a member", if me { "" } else { "no longer " });
        }
        other => println!("  {}", serde_json::to_string(other)?),
    }
    Ok(())
}

/// The system clock (the one place the exchange commands read it).
fn clock_now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}
