//! Intake from NATS JetStream: for volumes beyond what HTTP clients send, submitters (or a gateway) publish
//! documents to `<prefix>.submit.<submitter>`; a durable pull consumer shared by every worker of every server
//! process hands each message to one worker at a time. A worker takes a batch, reads and assesses it on a blocking
//! thread, stores it (one transaction per submitter), and only then acknowledges the messages. A crash before the
//! commit leaves them unacknowledged, so JetStream delivers them again; a crash between commit and acknowledgement
//! delivers them again too, and the store's idempotent submission (same reference, submitter and content →
//! `unchanged`) keeps them from being stored or assessed twice. Nothing is lost and nothing is doubled.
//!
//! A message whose submitter is unknown (or may not submit) or whose content is invalid is acknowledged — sending
//! it again would not make it valid — and a rejection report (the API's error shape, JSON) is published to
//! `<prefix>.rejected.<submitter>`. Optional header `Aduana-Format` names the format; otherwise it is detected.

use std::collections::BTreeMap;
use std::time::Duration;

use aduana_core::{Assessment, Consignment};
use aduana_formats::Format;
use async_nats::jetstream::{self, AckKind, consumer::pull};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::auth::access;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::submission;

/// Where and how to consume submissions.
#[derive(Debug, Clone)]
pub struct IntakeSettings {
    /// The NATS server (`nats://127.0.0.1:4222`).
    pub url: String,
    /// The JetStream stream (created if missing).
    pub stream: String,
    /// The subject prefix: submissions on `<prefix>.submit.<submitter>`, rejections on `<prefix>.rejected.<submitter>`.
    pub subject_prefix: String,
    /// The durable consumer's name, shared by every worker of every process.
    pub durable: String,
    /// Workers in this process.
    pub workers: usize,
    /// The most messages a worker takes at once.
    pub batch: usize,
    /// How long JetStream waits for an acknowledgement before delivering a message again (to another worker):
    /// longer than a batch takes, short enough that a crashed worker's messages are soon taken over.
    pub ack_wait: Duration,
}

/// Why the intake could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IntakeError {
    /// Connecting to NATS failed.
    #[error("connecting to NATS at {url}: {message}")]
    Connect {
        /// The URL.
        url: String,
        /// The client's message.
        message: String,
    },
    /// Setting up the stream or consumer failed.
    #[error("setting up JetStream stream {stream}: {message}")]
    Setup {
        /// The stream.
        stream: String,
        /// The client's message.
        message: String,
    },
}

/// A connected intake: the stream and the durable consumer exist, so submissions published from now on are kept
/// until a worker takes them.
pub struct Intake {
    settings: IntakeSettings,
    client: async_nats::Client,
    consumer: Consumer,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake")
            .field("stream", &self.settings.stream)
            .field("durable", &self.settings.durable)
            .finish()
    }
}

/// Connects and creates the stream and durable consumer if missing. The server calls it before it announces that
/// it is listening, so that "listening" means submissions published to the stream are kept.
pub async fn connect_intake(settings: IntakeSettings) -> Result<Intake, IntakeError> {
    let client = async_nats::connect(&settings.url)
        .await
        .map_err(|e| IntakeError::Connect { url: settings.url.clone(), message: e.to_string() })?;
    let context = jetstream::new(client.clone());
    let setup =
        |e: &dyn std::fmt::Display| IntakeError::Setup { stream: settings.stream.clone(), message: e.to_string() };
    let stream = context
        .get_or_create_stream(jetstream::stream::Config {
            name: settings.stream.clone(),
            subjects: vec![format!("{}.submit.>", settings.subject_prefix)],
            storage: jetstream::stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(|e| setup(&e))?;
    let consumer = stream
        .get_or_create_consumer(
            &settings.durable,
            pull::Config {
                durable_name: Some(settings.durable.clone()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: settings.ack_wait,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| setup(&e))?;
    Ok(Intake { settings, client, consumer })
}

impl Intake {
    /// Runs the workers until `shutdown` turns true; each worker finishes (and acknowledges) the batch it holds
    /// before it stops.
    pub async fn run(self, state: AppState, shutdown: watch::Receiver<bool>) -> Result<(), IntakeError> {
        let Intake { settings, client, consumer } = self;
        let mut workers = Vec::new();
        for _ in 0..settings.workers.max(1) {
            let (state, settings, consumer, client, shutdown) =
                (state.clone(), settings.clone(), consumer.clone(), client.clone(), shutdown.clone());
            workers.push(tokio::spawn(async move { worker(state, settings, consumer, client, shutdown).await }));
        }
        for worker in workers {
            let _ = worker.await;
        }
        Ok(())
    }
}

type Consumer = jetstream::consumer::Consumer<pull::Config>;

async fn worker(
    state: AppState,
    settings: IntakeSettings,
    consumer: Consumer,
    client: async_nats::Client,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        let batch = consumer.batch().max_messages(settings.batch.max(1)).expires(Duration::from_millis(500)).messages();
        let mut messages = Vec::new();
        match batch.await {
            Ok(mut stream) => loop {
                tokio::select! {
                    next = stream.next() => match next {
                        Some(Ok(message)) => messages.push(message),
                        Some(Err(error)) => { log(&format!("intake: fetching: {error}")); break; }
                        None => break,
                    },
                    _ = shutdown.changed() => break,
                }
            },
            Err(error) => {
                log(&format!("intake: requesting a batch: {error}"));
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        }
        if !messages.is_empty() {
            process(&state, &settings, &client, messages).await;
        }
    }
}

/// The accepted messages of one submitter in a batch (by index) and what they hold.
type Accepted = (Vec<usize>, Vec<(Consignment, Assessment)>);

/// One message's fate after reading and assessment.
enum Verdict {
    Accepted { submitter: String, pairs: Vec<(Consignment, Assessment)> },
    Rejected { submitter: String, error: ApiError },
}

async fn process(
    state: &AppState,
    settings: &IntakeSettings,
    client: &async_nats::Client,
    messages: Vec<jetstream::Message>,
) {
    let prefix = format!("{}.submit.", settings.subject_prefix);
    // Who may submit is checked against the store once per submitter in the batch.
    let mut allowed: BTreeMap<String, bool> = BTreeMap::new();
    let mut inputs = Vec::with_capacity(messages.len());
    for message in &messages {
        let submitter = message.subject.as_str().strip_prefix(&prefix).unwrap_or_default().to_owned();
        if !allowed.contains_key(&submitter) {
            let ok = match state.store().user_by_name(&submitter).await {
                Ok(Some((user, _))) => access::SUBMIT.contains(&user.role),
                Ok(None) => false,
                Err(error) => {
                    log(&format!("intake: looking up submitter {submitter}: {error}"));
                    nak_all(&messages).await;
                    return;
                }
            };
            allowed.insert(submitter.clone(), ok);
        }
        let format = message
            .headers
            .as_ref()
            .and_then(|h| h.get("Aduana-Format"))
            .map(|v| Format::from_name(v.as_str()).ok_or_else(|| v.as_str().to_owned()));
        inputs.push((submitter.clone(), allowed[&submitter], format, message.payload.clone()));
    }
    if let Err(error) = state.refresh_risk_config().await {
        #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
        {
            eprintln!("error: reading the risk configuration failed; the batch will be delivered again: {error}");
        }
        nak_all(&messages).await;
        return;
    }
    let limits = state.inner.settings.limits.clone();
    let assessor = state.inner.assessor.clone();
    let verdicts = tokio::task::spawn_blocking(move || {
        inputs
            .into_iter()
            .map(|(submitter, allowed, format, payload)| {
                if !allowed {
                    let error = ApiError::new(
                        ErrorCode::Forbidden,
                        format!("`{submitter}` is not a user that may submit consignments"),
                    );
                    return Verdict::Rejected { submitter, error };
                }
                let format = match format {
                    Some(Ok(format)) => Some(format),
                    Some(Err(name)) => {
                        let error = ApiError::new(ErrorCode::UnsupportedFormat, format!("unknown format `{name}`"));
                        return Verdict::Rejected { submitter, error };
                    }
                    None => submission::detect(&payload),
                };
                let Some(format) = format else {
                    let error =
                        ApiError::new(ErrorCode::UnsupportedFormat, "the content is in no format the server reads");
                    return Verdict::Rejected { submitter, error };
                };
                let result = submission::read_document(format, &payload, "<message>", &limits)
                    .and_then(|consignments| submission::assess(&*assessor, consignments));
                match result {
                    Ok(pairs) => Verdict::Accepted { submitter, pairs },
                    Err(error) => Verdict::Rejected { submitter, error },
                }
            })
            .collect::<Vec<_>>()
    })
    .await;
    let Ok(verdicts) = verdicts else {
        nak_all(&messages).await;
        return;
    };
    // One transaction per submitter; a failed one leaves its messages to be delivered again.
    let mut by_submitter: BTreeMap<String, Accepted> = BTreeMap::new();
    let mut rejected = Vec::new();
    for (index, verdict) in verdicts.into_iter().enumerate() {
        match verdict {
            Verdict::Accepted { submitter, pairs } => {
                let entry = by_submitter.entry(submitter).or_default();
                entry.0.push(index);
                entry.1.extend(pairs);
            }
            Verdict::Rejected { submitter, error } => rejected.push((index, submitter, error)),
        }
    }
    for (submitter, (indexes, pairs)) in by_submitter {
        let count = pairs.len();
        match state.store().submit(&submitter, pairs).await {
            Ok(submitted) => {
                for s in &submitted {
                    state.inner.metrics.submitted(s.outcome);
                }
                for index in indexes {
                    ack(&messages[index]).await;
                }
            }
            Err(error) => {
                log(&format!("intake: storing {count} consignments of {submitter}: {error}"));
                for index in indexes {
                    let _ = messages[index].ack_with(AckKind::Nak(Some(Duration::from_secs(1)))).await;
                }
            }
        }
    }
    for (index, submitter, error) in rejected {
        state.inner.metrics.rejected_submission();
        let message = &messages[index];
        let sequence = message.info().map(|i| i.stream_sequence).unwrap_or_default();
        let report = serde_json::json!({
            "subject": message.subject.as_str(),
            "stream_sequence": sequence,
            "error": {
                "code": error.code,
                "message": error.message,
                "location": error.location,
                "diagnostics": error.diagnostics,
            },
        });
        let subject =
            format!("{}.rejected.{}", settings.subject_prefix, if submitter.is_empty() { "_" } else { &submitter });
        if let Err(e) = client.publish(subject, report.to_string().into()).await {
            log(&format!("intake: publishing a rejection: {e}"));
        }
        ack(message).await;
    }
    let _ = client.flush().await;
}

async fn ack(message: &jetstream::Message) {
    if let Err(error) = message.ack().await {
        // The message will be delivered again; idempotent submission makes that harmless.
        log(&format!("intake: acknowledging: {error}"));
    }
}

async fn nak_all(messages: &[jetstream::Message]) {
    for message in messages {
        let _ = message.ack_with(AckKind::Nak(Some(Duration::from_secs(1)))).await;
    }
}

#[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
fn log(line: &str) {
    eprintln!("{line}");
}
