//! The node side of the secure exchange between administrations: the [`ExchangeNode`] an `aduana serve --exchange
//! DIR` holds (its identity and directory, behind a lock, persisted through [`ExchangeFiles`]), the TLS listener
//! that receives envelopes from partner nodes at `POST /api/exchange/inbox` ([`serve_exchange`]), the outbox loop
//! that delivers queued envelopes with retries and backoff ([`run_outbox`]), and the HTTPS transport that pins
//! each peer's self-signed certificate by the SHA-256 its signed public identity states ([`HttpsTransport`]).
//!
//! Authentication between nodes is the envelope's Ed25519 signature by a known member (checked by
//! [`aduana_exchange::receive`]); TLS protects the metadata in transit and authenticates the receiving node by
//! its pinned certificate. No web PKI is involved.

pub(crate) mod https;
pub(crate) mod inbox;

use std::sync::Arc;
use std::time::Duration;

use aduana_exchange::{Content, Directory, NodeState, Outbox, ReceiveConfig, RetryPolicy, SealedEnvelope, deliver_due};
use aduana_store::{ExchangeDirection, NewAuditEntry, NewExchangeMessage};
use chrono::{DateTime, Utc};

use crate::state::AppState;

pub use https::{HttpsTransport, INBOX_PATH, Posted, TlsIdentity, post_envelope, server_tls_config};
pub use inbox::serve_exchange;

/// The audit actor for what the exchange does by itself (receiving, delivering).
pub(crate) const EXCHANGE_ACTOR: &str = "exchange";

/// Where a node's state lives between runs: the binary implements it over the node's data directory.
pub trait ExchangeFiles: Send + Sync + std::fmt::Debug {
    /// Saves the directory (peers, groups, accepted message ids).
    fn save_directory(&self, directory: &Directory) -> Result<(), String>;
    /// Reads the outbox (re-read before each delivery round, so that envelopes queued by the CLI are picked up).
    fn load_outbox(&self) -> Result<Outbox, String>;
    /// Saves the outbox.
    fn save_outbox(&self, outbox: &Outbox) -> Result<(), String>;
}

/// How the node receives and delivers.
#[derive(Debug, Clone)]
pub struct ExchangeSettings {
    /// Limits and time window for received envelopes.
    pub receive: ReceiveConfig,
    /// Outbox retries.
    pub retry: RetryPolicy,
    /// How often the outbox is looked at.
    pub poll_interval: Duration,
    /// How long one delivery (connect, TLS, request, answer) may take.
    pub delivery_timeout: Duration,
}

/// A node of the exchange inside the server.
#[derive(Debug)]
pub struct ExchangeNode {
    pub(crate) node: tokio::sync::Mutex<NodeState>,
    /// Serialises read-modify-write of the outbox within this process.
    pub(crate) outbox: tokio::sync::Mutex<()>,
    pub(crate) files: Arc<dyn ExchangeFiles>,
    pub(crate) settings: ExchangeSettings,
}

impl ExchangeNode {
    /// Returns a node over its loaded state and its files.
    pub fn new(node: NodeState, files: Arc<dyn ExchangeFiles>, settings: ExchangeSettings) -> Self {
        Self { node: tokio::sync::Mutex::new(node), outbox: tokio::sync::Mutex::new(()), files, settings }
    }

    /// Queues a sealed envelope in the outbox, due now.
    pub(crate) async fn enqueue(&self, sealed: &SealedEnvelope, now: DateTime<Utc>) -> Result<(), String> {
        let _guard = self.outbox.lock().await;
        let mut outbox = self.files.load_outbox()?;
        outbox.enqueue(sealed, now);
        self.files.save_outbox(&outbox)
    }
}

/// A stored-message record for a message this node sent or received.
pub(crate) fn message_record(
    direction: ExchangeDirection,
    id: &str,
    sender: (&str, &str),
    group: (&str, &str),
    created_at: DateTime<Utc>,
    content: &Content,
) -> NewExchangeMessage {
    NewExchangeMessage {
        direction,
        message_id: id.to_owned(),
        group_id: group.0.to_owned(),
        group_name: group.1.to_owned(),
        sender: sender.0.to_owned(),
        sender_name: sender.1.to_owned(),
        kind: content.kind().to_owned(),
        summary: content.summary(),
        created_at,
        content: serde_json::to_value(content).unwrap_or(serde_json::Value::Null),
    }
}

/// Delivers the outbox until `stopped` turns true: every `poll_interval`, the entries that are due are posted to
/// their recipients over HTTPS; failures are retried with backoff, refusals and deliveries audited.
pub async fn run_outbox(state: AppState, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let Some(exchange) = state.inner.exchange.clone() else { return };
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            () = tokio::time::sleep(exchange.settings.poll_interval) => {}
        }
        if let Err(error) = deliver_round(&state, &exchange).await {
            log(&format!("exchange: delivering the outbox: {error}"));
        }
    }
}

async fn deliver_round(state: &AppState, exchange: &Arc<ExchangeNode>) -> Result<(), String> {
    let guard = exchange.outbox.lock().await;
    let mut outbox = exchange.files.load_outbox()?;
    let now = Utc::now();
    if !outbox.entries.iter().any(|e| e.status == aduana_exchange::DeliveryStatus::Pending && e.next_attempt_at <= now)
    {
        return Ok(());
    }
    let routes = {
        let node = exchange.node.lock().await;
        outbox
            .entries
            .iter()
            .filter_map(|e| {
                node.public_identity_of(&e.recipient)
                    .and_then(|p| p.endpoint())
                    .map(|ep| (e.recipient.clone(), ep.clone()))
            })
            .collect()
    };
    let transport = HttpsTransport::new(routes, tokio::runtime::Handle::current(), exchange.settings.delivery_timeout);
    let policy = exchange.settings.retry;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| format!("reading system randomness: {error}"))?;
    let mut round_rng = aduana_exchange::rng_from_seed(seed);
    let (outbox, report) = tokio::task::spawn_blocking(move || {
        let report = deliver_due(&mut outbox, &transport, now, &policy, &mut round_rng);
        (outbox, report)
    })
    .await
    .map_err(|error| format!("the delivery task failed: {error}"))?;
    let mut outbox = outbox;
    outbox.prune_delivered();
    exchange.files.save_outbox(&outbox)?;
    drop(guard);
    for (id, node) in &report.delivered {
        audit(state, "exchange.deliver", id.as_str(), serde_json::json!({"recipient": node.as_str()})).await;
    }
    for (id, node, at, error) in &report.retrying {
        log(&format!("exchange: delivering {id} to {}: {error}; next attempt at {}", node.short(), at.to_rfc3339()));
    }
    for (id, node, error) in &report.failed {
        log(&format!("exchange: gave up delivering {id} to {}: {error}", node.short()));
        audit(
            state,
            "exchange.deliver_failed",
            id.as_str(),
            serde_json::json!({"recipient": node.as_str(), "error": error.to_string()}),
        )
        .await;
    }
    Ok(())
}

/// Appends an audit entry by the exchange itself; a failure is logged (the delivery or refusal already happened).
pub(crate) async fn audit(state: &AppState, action: &str, subject: &str, details: serde_json::Value) {
    let entry = NewAuditEntry {
        actor: EXCHANGE_ACTOR.to_owned(),
        action: action.to_owned(),
        subject: format!("exchange/{subject}"),
        details,
    };
    if let Err(error) = state.store().append_audit(&entry).await {
        log(&format!("exchange: auditing {action} {subject}: {error}"));
    }
}

#[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
pub(crate) fn log(line: &str) {
    eprintln!("{line}");
}
