//! `aduana serve`: runs the HTTP API on a socket until Ctrl-C (or SIGTERM), then stops accepting connections and
//! lets requests in flight finish. Prints `listening on http://ADDR` once the socket is bound, so that scripts
//! (and the end-to-end tests) can use `--listen 127.0.0.1:0` and read the port.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use aduana_server::{AppState, IntakeSettings, RatePolicy, ServerSettings};
use anyhow::Context;

use crate::database::{self, Missing};
use crate::risk_assessor::RiskAssessor;

/// Serve the HTTP API: submission, assessments, decisions, examinations, audit; OpenAPI at /openapi.json.
#[derive(Debug, clap::Args)]
#[command(after_help = "The embedded SQLite database is created in --data-dir on first use. Create users with
`aduana users add`. Stop with Ctrl-C.

Examples:
  aduana serve
  aduana serve --data-dir /var/lib/aduana --listen 0.0.0.0:8080
  aduana serve --database postgres://aduana@db.internal/aduana --listen 127.0.0.1:0")]
pub(crate) struct Args {
    #[command(flatten)]
    store: database::Location,
    /// The risk profiles directory (`*.profile`, `*.list`, `norms.csv`), e.g. `data/profiles`.
    #[arg(long)]
    profiles: Option<std::path::PathBuf>,
    /// The AEO register (CSV), e.g. `data/aeo/register.csv`.
    #[arg(long)]
    aeo: Option<std::path::PathBuf>,
    /// A sanctions or watch list to screen every party against; repeat for several. Strategic goods and UN arms
    /// embargoes are always checked.
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
    };
    let ctx = match crate::cli::assess::context(
        args.profiles.as_ref(),
        args.aeo.as_ref(),
        &args.lists,
        args.model.as_ref(),
        None,
    )? {
        Ok(ctx) => ctx,
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::bail!("the profiles cannot be compiled:\n  {}", lines.join("\n  "));
        }
    };
    let mut ctx = ctx;
    let history = Arc::new(aduana_risk::EnforcementHistoryIndicator::new(
        aduana_risk::EnforcementHistory::default(),
        HISTORY_WEIGHTS,
    ));
    ctx.indicators.push(history.clone());
    let assessor: Arc<dyn aduana_server::Assessor> = Arc::new(RiskAssessor::new(ctx));
    database::runtime()?.block_on(serve(args, settings, assessor, history))?;
    Ok(ExitCode::SUCCESS)
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
    let state = AppState::new(store, assessor, settings);
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
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{address}").context("writing to standard output")?;
        writeln!(out, "store: {}", args.store.describe()).context("writing to standard output")?;
        out.flush().context("writing to standard output")?;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
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
