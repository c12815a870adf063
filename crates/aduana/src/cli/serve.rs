//! `aduana serve`: runs the HTTP API on a socket until Ctrl-C (or SIGTERM), then stops accepting connections and
//! lets requests in flight finish. Prints `listening on http://ADDR` once the socket is bound, so that scripts
//! (and the end-to-end tests) can use `--listen 127.0.0.1:0` and read the port.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use aduana_server::{AppState, IntakeSettings, RatePolicy, RiskSeed, ServerSettings, WorkbenchSettings};
use anyhow::Context;

use crate::cli::risk_inputs::{model_indicator, read_profile_dir};
use crate::database::{self, Missing};
use crate::risk_assessor::RiskAssessor;
use crate::watch_lists::WatchLists;

/// Serve the HTTP API: submission, assessments, decisions, examinations, audit; OpenAPI at /openapi.json.
#[derive(Debug, clap::Args)]
#[command(after_help = "The embedded SQLite database is created in --data-dir on first use. Create users with
`aduana users add`. The workbench (web UI) is at http://ADDR/ (docs/workbench.md). Stop with Ctrl-C.

Examples:
  aduana serve
  aduana serve --data-dir /var/lib/aduana --listen 0.0.0.0:8080
  aduana serve --profiles data/profiles --list un-sc.xml --webhook http://alerts.internal/aduana
  aduana serve --cash-threshold 15000 --cash-rates rates.csv --cash-holiday 2025-12-25
  aduana serve --database postgres://aduana@db.internal/aduana --listen 127.0.0.1:0")]
pub(crate) struct Args {
    #[command(flatten)]
    store: database::Location,
    /// The risk profiles directory (`*.profile`, `*.list`, `norms.csv`), e.g. `data/profiles`. Profile files seed
    /// the store (each file a profile document named after its stem, created and activated if the store has no
    /// document of that name); afterwards the store is the source of truth (`/api/profiles`).
    #[arg(long)]
    profiles: Option<std::path::PathBuf>,
    /// The AEO register (CSV), e.g. `data/aeo/register.csv`; seeds the store when it has none (`PUT /api/aeo`).
    #[arg(long)]
    aeo: Option<std::path::PathBuf>,
    /// A sanctions or watch list to screen every party against; repeat for several. Strategic goods and UN arms
    /// embargoes are always checked. Each seeds the store when it has no list of that file name (`/api/lists`).
    #[arg(long = "list", value_name = "FILE")]
    lists: Vec<std::path::PathBuf>,
    /// A learned model written by `aduana train`, used as an indicator.
    #[arg(long)]
    model: Option<std::path::PathBuf>,
    /// The address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = 64 << 20)]
    max_body_bytes: usize,
    /// The largest photo or X-ray image of a case accepted, in bytes (PNG or JPEG).
    #[arg(long, default_value_t = 20 << 20)]
    max_image_bytes: usize,
    /// Requests per second each caller may send, sustained.
    #[arg(long, default_value_t = 500.0)]
    rate_per_second: f64,
    /// Requests each caller may send in a burst.
    #[arg(long, default_value_t = 1000.0)]
    rate_burst: f64,
    /// How long a browser login lasts, in hours.
    #[arg(long, default_value_t = 12)]
    session_hours: u64,
    /// Mark session cookies `Secure` (set this when clients reach the server over HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// POST each workbench notification (sanctions match, do-not-load) as JSON to this `http://` URL.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// Also consume submissions from NATS JetStream at this URL (`nats://127.0.0.1:4222`): documents published to
    /// `<intake-subject>.submit.<submitter>` are assessed and stored, then acknowledged.
    #[arg(long)]
    intake: Option<String>,
    /// The JetStream stream the intake reads (created if missing).
    #[arg(long, default_value = "ADUANA_INTAKE")]
    intake_stream: String,
    /// The intake's subject prefix.
    #[arg(long, default_value = "aduana.intake")]
    intake_subject: String,
    /// The durable consumer shared by every intake worker of every server process.
    #[arg(long, default_value = "aduana-assessors")]
    intake_consumer: String,
    /// Intake workers in this process.
    #[arg(long, default_value_t = 2)]
    intake_workers: usize,
    /// The most messages an intake worker takes at once.
    #[arg(long, default_value_t = 256)]
    intake_batch: usize,
    /// Seconds before an unacknowledged intake message is delivered again (to any worker); set when the consumer
    /// is first created.
    #[arg(long, default_value_t = 30)]
    intake_ack_wait_secs: u64,
    /// Be a node of the exchange between administrations, with this node's data directory (`aduana exchange
    /// init`): receive envelopes over TLS on --exchange-listen, deliver the outbox, serve /api/exchange/….
    #[arg(long, value_name = "DIR", requires = "exchange_listen")]
    exchange: Option<std::path::PathBuf>,
    /// Where partner nodes deliver (TLS with the node's self-signed certificate); the port of the endpoint given
    /// to `aduana exchange init --endpoint`.
    #[arg(long, value_name = "ADDR", requires = "exchange")]
    exchange_listen: Option<SocketAddr>,
    /// Refuse received envelopes older than this many hours.
    #[arg(long, default_value_t = 72)]
    exchange_max_age_hours: i64,
    /// The first retry delay of an undelivered envelope, in seconds (doubling, jittered, at most an hour).
    #[arg(long, default_value_t = 30)]
    exchange_retry_secs: u64,
    /// How often the outbox is looked at, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    exchange_poll_ms: u64,
    #[command(flatten)]
    cash: crate::cli::cash::ServeArgs,
}

/// Serves until interrupted.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if !(args.rate_per_second > 0.0 && args.rate_burst >= 1.0) {
        anyhow::bail!("expected --rate-per-second > 0 and --rate-burst >= 1");
    }
    let settings = ServerSettings {
        limits: crate::limits::default_limits(),
        max_body_bytes: args.max_body_bytes,
        rate: RatePolicy { per_second: args.rate_per_second, burst: args.rate_burst },
        // Ten attempts at once per user name, then one every six seconds: a person mistyping is not slowed, a
        // guesser is.
        login_rate: RatePolicy { per_second: 1.0 / 6.0, burst: 10.0 },
        session_ttl: Duration::from_secs(args.session_hours.saturating_mul(3600)),
        secure_cookies: args.secure_cookies,
        cash: args.cash.settings()?,
    };
    // The --list files are parsed and indexed once, for the assessor and the screening page; a reload finds them
    // indexed already when the store holds the same texts (as it does after seeding them).
    let watch_lists = Arc::new(WatchLists::new());
    let indexed = watch_lists.indexed_files(&args.lists)?;
    let mut ctx =
        match crate::cli::assess::context_with(args.profiles.as_ref(), args.aeo.as_ref(), &indexed, None, None)? {
            Ok(ctx) => ctx,
            Err(errors) => {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow::bail!("the profiles cannot be compiled:\n  {}", lines.join("\n  "));
            }
        };
    let model = args.model.as_ref().map(|path| model_indicator(path, &ctx.policy)).transpose()?;
    ctx.indicators.extend(model.clone());
    // The risk engine's enforcement history: filled from the store's cases before serving and kept in step.
    let history = Arc::new(aduana_risk::EnforcementHistoryIndicator::new(
        aduana_risk::EnforcementHistory::default(),
        HISTORY_WEIGHTS,
    ));
    ctx.indicators.push(history.clone());
    let mut kept: Vec<Arc<dyn aduana_risk::Indicator>> = model.into_iter().collect();
    kept.push(history.clone());
    let assessor: Arc<dyn aduana_server::Assessor> = Arc::new(RiskAssessor::new(ctx, kept, Arc::clone(&watch_lists)));
    let seed = risk_seed(args)?;
    if let Some(url) = &args.webhook {
        if !url.starts_with("http://") {
            anyhow::bail!("--webhook: expected an http:// URL, found `{url}`");
        }
    }
    // The screening page starts with the --list files and follows the store's lists from the first refresh on.
    let screener: Option<Arc<dyn aduana_server::Screener>> =
        Some(Arc::new(crate::list_screener::ListScreener::new(indexed, watch_lists)));
    let workbench = WorkbenchSettings {
        photos_dir: Some(args.store.data_dir.join("photos")),
        max_image_bytes: args.max_image_bytes,
        webhook: args.webhook.clone(),
        sync_interval: Duration::from_millis(500),
    };
    database::runtime()?.block_on(serve(args, settings, assessor, seed, workbench, screener, history))?;
    Ok(ExitCode::SUCCESS)
}

/// Reads what `--profiles`, `--list` and `--aeo` name, to seed the store with: profile documents are named after
/// their file stem (`data/profiles/valuation.profile` → `valuation`), lists after their file name.
fn risk_seed(args: &Args) -> anyhow::Result<RiskSeed> {
    let mut profiles = Vec::new();
    if let Some(dir) = &args.profiles {
        for (path, text) in read_profile_dir(dir)?.profiles {
            let stem = Path::new(&path).file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            profiles.push((stem, text));
        }
    }
    let mut lists = Vec::new();
    for path in &args.lists {
        let bytes = std::fs::read(path).with_context(|| format!("reading list {}", path.display()))?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        lists.push((name, bytes));
    }
    let aeo = match &args.aeo {
        Some(path) => Some(std::fs::read(path).with_context(|| format!("reading AEO register {}", path.display()))?),
        None => None,
    };
    Ok(RiskSeed { profiles, lists, aeo, actor: "aduana-serve".to_owned() })
}

/// What links to earlier seizures add to a consignment's score: a party or a container/conveyance seen in a
/// seizure weighs like a profile hit; a route or cover goods alone only nudges.
const HISTORY_WEIGHTS: aduana_risk::HistoryWeights =
    aduana_risk::HistoryWeights { party: 40.0, equipment: 40.0, route: 10.0, cover_goods: 10.0 };

/// How often the server checks whether cases changed (in this or another process) to reload the history.
const HISTORY_REFRESH: Duration = Duration::from_secs(2);

/// Reloads the enforcement history when the store's cases changed since `stamp`.
async fn refresh_history(
    store: &dyn aduana_store::Store,
    history: &aduana_risk::EnforcementHistoryIndicator,
    stamp: &mut String,
) -> anyhow::Result<()> {
    let now = store.case_stamp().await?;
    if now == *stamp {
        return Ok(());
    }
    let cases = store.all_cases().await?;
    let version = now.clone();
    let built = tokio::task::spawn_blocking(move || {
        aduana_risk::EnforcementHistory::new(version, cases.iter().map(|c| (c.id, &c.case)))
    })
    .await?;
    history.replace(built);
    *stamp = now;
    Ok(())
}

async fn serve(
    args: &Args,
    settings: ServerSettings,
    assessor: Arc<dyn aduana_server::Assessor>,
    seed: RiskSeed,
    workbench: WorkbenchSettings,
    screener: Option<Arc<dyn aduana_server::Screener>>,
    history: Arc<aduana_risk::EnforcementHistoryIndicator>,
) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let store = args.store.open(Missing::Create).await?;
    // The risk engine's enforcement history: loaded before serving, then kept in step with the cases.
    let mut stamp = String::new();
    refresh_history(&*store, &history, &mut stamp).await.context("loading the enforcement history")?;
    let history_store = store.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(HISTORY_REFRESH).await;
            if let Err(error) = refresh_history(&*history_store, &history, &mut stamp).await {
                #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
                {
                    eprintln!("enforcement history refresh failed: {error:#}");
                }
            }
        }
    });
    let exchange = match &args.exchange {
        Some(dir) => Some(exchange_node(args, dir)?),
        None => None,
    };
    let mut state = AppState::new(store, assessor, settings).with_workbench(workbench, screener);
    if let Some((node, _)) = &exchange {
        state = state.with_exchange(node.clone());
    }
    // The store is the source of truth for profiles, lists and the AEO register: the files seed what it lacks,
    // then whatever it holds is loaded.
    let seeded = aduana_server::seed_risk_config(&state, &seed).await.map_err(|error| {
        let location = error.location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default();
        anyhow::format_err!("seeding the store's risk configuration{location}: {}", error.message)
    })?;
    if !(seeded.profiles.is_empty() && seeded.lists.is_empty() && !seeded.aeo) {
        eprintln!(
            "seeded the store: profiles [{}], lists [{}], AEO register: {}",
            seeded.profiles.join(", "),
            seeded.lists.join(", "),
            if seeded.aeo { "yes" } else { "no" }
        );
    }
    // The intake's stream and consumer are set up before the listening line, which promises readiness.
    let connected_intake = match &args.intake {
        Some(url) => {
            let settings = IntakeSettings {
                url: url.clone(),
                stream: args.intake_stream.clone(),
                subject_prefix: args.intake_subject.clone(),
                durable: args.intake_consumer.clone(),
                workers: args.intake_workers,
                batch: args.intake_batch,
                ack_wait: Duration::from_secs(args.intake_ack_wait_secs.max(1)),
            };
            Some(aduana_server::connect_intake(settings).await.context("starting the NATS intake")?)
        }
        None => None,
    };
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let exchange_listener = match (&exchange, args.exchange_listen) {
        (Some(_), Some(addr)) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("listening on {addr} for the exchange"))?,
        ),
        _ => None,
    };
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{address}").context("writing to standard output")?;
        writeln!(out, "store: {}", args.store.describe()).context("writing to standard output")?;
        if let Some(listener) = &exchange_listener {
            let at = listener.local_addr().context("reading the bound address")?;
            writeln!(out, "exchange inbox on https://{at}").context("writing to standard output")?;
        }
        out.flush().context("writing to standard output")?;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    if let (Some((_, tls)), Some(listener)) = (exchange, exchange_listener) {
        let mut exchange_stopped = stopped.clone();
        tokio::spawn(aduana_server::exchange::serve_exchange(listener, state.clone(), tls, async move {
            let _ = exchange_stopped.wait_for(|stop| *stop).await;
        }));
        tokio::spawn(aduana_server::exchange::run_outbox(state.clone(), stopped.clone()));
    }
    let intake = connected_intake.map(|intake| tokio::spawn(intake.run(state.clone(), stopped.clone())));
    let mut http_stopped = stopped.clone();
    let http = tokio::spawn(aduana_server::serve(listener, state, async move {
        let _ = http_stopped.wait_for(|stop| *stop).await;
    }));
    let Some(mut intake) = intake else {
        shutdown.await;
        let _ = stop.send(true);
        http.await.context("serving HTTP")?.context("serving HTTP")?;
        eprintln!("stopped");
        return Ok(());
    };
    let ended_first = tokio::select! {
        () = shutdown => None,
        result = &mut intake => Some(result),
    };
    // Stop both; the intake's workers finish and acknowledge the batches they hold.
    let _ = stop.send(true);
    http.await.context("serving HTTP")?.context("serving HTTP")?;
    match ended_first {
        // The intake ends by itself only when it cannot start or run: the server stops with its error.
        Some(result) => {
            result.context("running the NATS intake")?.context("running the NATS intake")?;
            anyhow::bail!("the NATS intake stopped");
        }
        None => intake.await.context("running the NATS intake")?.context("running the NATS intake")?,
    }
    eprintln!("stopped");
    Ok(())
}

/// Loads the exchange node of `--exchange DIR` and its TLS configuration.
fn exchange_node(
    args: &Args,
    dir: &std::path::Path,
) -> anyhow::Result<(Arc<aduana_server::exchange::ExchangeNode>, Arc<rustls::ServerConfig>)> {
    use crate::cli::exchange::data_dir::DataDir;
    let data = DataDir::new(dir);
    let node = data.load().with_context(|| format!("--exchange {}", dir.display()))?;
    let tls = data.load_tls().with_context(|| format!("--exchange {}", dir.display()))?;
    let config = aduana_server::exchange::server_tls_config(&tls).map_err(|error| anyhow::format_err!("{error}"))?;
    let settings = aduana_server::exchange::ExchangeSettings {
        receive: aduana_exchange::ReceiveConfig {
            max_age: chrono::TimeDelta::try_hours(args.exchange_max_age_hours)
                .context("--exchange-max-age-hours is too large")?,
            max_clock_skew: crate::cli::exchange::MAX_CLOCK_SKEW,
            max_envelope_bytes: crate::cli::exchange::MAX_ENVELOPE_BYTES,
        },
        retry: aduana_exchange::RetryPolicy {
            base_delay: chrono::TimeDelta::seconds(i64::try_from(args.exchange_retry_secs.max(1)).unwrap_or(30)),
            max_delay: chrono::TimeDelta::hours(1),
            max_attempts: 20,
        },
        poll_interval: Duration::from_millis(args.exchange_poll_ms.max(10)),
        delivery_timeout: Duration::from_secs(20),
    };
    let files: Arc<dyn aduana_server::exchange::ExchangeFiles> = Arc::new(data);
    Ok((Arc::new(aduana_server::exchange::ExchangeNode::new(node, files, settings)), config))
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called, not when it is first
/// awaited, so a signal that arrives right after the listening line is printed still stops the server cleanly.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        let mut terminate = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
