//! Delivery: an outbox of (envelope, recipient) entries retried with exponential backoff and jitter, and the
//! [`Transport`] seam with an in-process implementation for tests. The schedule is a pure function of the attempt
//! number and a seeded random number generator; the caller (binary or server) drives the loop with its clock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use rand_core::Rng;
use serde::{Deserialize, Serialize};

use crate::envelope::SealedEnvelope;
use crate::identity::NodeId;
use crate::message::MessageId;

/// The version of the outbox file format.
pub const OUTBOX_VERSION: u32 = 1;

/// Delivers an envelope to one node. Implementations: [`InProcessNetwork`] (tests), a file drop (binary), HTTPS
/// (later).
pub trait Transport {
    /// Hands `envelope` to `recipient`; an error means it was not delivered and will be retried.
    fn deliver(&self, recipient: &NodeId, envelope: &[u8]) -> Result<(), TransportError>;
}

/// A delivery that did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The recipient cannot be reached now (offline, no route); retry later.
    #[error("recipient unreachable: {0}")]
    Unreachable(String),
    /// The transport failed while delivering (I/O, protocol).
    #[error("delivery failed: {0}")]
    Failed(String),
    /// The recipient received the envelope and refused it (tampered, not a member, stale…): retrying cannot help.
    #[error("refused by the recipient: {0}")]
    Refused(String),
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The delay before the second attempt (before jitter).
    pub base_delay: TimeDelta,
    /// The largest delay between attempts (before jitter).
    pub max_delay: TimeDelta,
    /// After this many failed attempts an entry is marked failed.
    pub max_attempts: u32,
}

/// The delay after `attempt` failed attempts (1 for the first failure): `min(max, base × 2^(attempt-1))`, of which
/// the first half is fixed and the second half drawn uniformly from `rng` ("equal jitter").
pub fn backoff_delay(policy: &RetryPolicy, attempt: u32, rng: &mut impl Rng) -> TimeDelta {
    let base = policy.base_delay.num_milliseconds().max(1);
    let cap = policy.max_delay.num_milliseconds().max(base);
    let exponent = attempt.saturating_sub(1).min(62);
    let ceiling = base.checked_mul(1i64 << exponent).map_or(cap, |d| d.min(cap));
    let half = ceiling / 2;
    let span = u64::try_from(ceiling - half).unwrap_or(0);
    let jitter = i64::try_from(rng.next_u64() % (span + 1)).unwrap_or(0);
    TimeDelta::milliseconds(half + jitter)
}

/// Where an outbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Gave up after `max_attempts`.
    Failed,
}

/// One envelope to one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxEntry {
    pub message_id: MessageId,
    pub recipient: NodeId,
    /// The envelope (JSON text).
    pub envelope: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// The envelopes waiting to be delivered (and those delivered or given up, until pruned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outbox {
    pub version: u32,
    #[serde(default)]
    pub entries: Vec<OutboxEntry>,
}

/// What one delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: Vec<(MessageId, NodeId)>,
    /// Failed this round, to be retried at the given time.
    pub retrying: Vec<(MessageId, NodeId, DateTime<Utc>, TransportError)>,
    /// Failed for the last time.
    pub failed: Vec<(MessageId, NodeId, TransportError)>,
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Self { version: OUTBOX_VERSION, entries: Vec::new() }
    }

    /// Queues an envelope for each of its recipients, due now.
    pub fn enqueue(&mut self, sealed: &SealedEnvelope, now: DateTime<Utc>) {
        let text = String::from_utf8_lossy(&sealed.bytes).into_owned();
        for recipient in &sealed.recipients {
            self.entries.push(OutboxEntry {
                message_id: sealed.id.clone(),
                recipient: recipient.clone(),
                envelope: text.clone(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: now,
                last_error: None,
            });
        }
    }

    /// How many entries are still pending.
    pub fn pending(&self) -> usize {
        self.entries.iter().filter(|e| e.status == DeliveryStatus::Pending).count()
    }

    /// Drops delivered entries.
    pub fn prune_delivered(&mut self) {
        self.entries.retain(|e| e.status != DeliveryStatus::Delivered);
    }
}

impl Default for Outbox {
    fn default() -> Self {
        Self::new()
    }
}

/// Attempts every pending entry due at `now` through `transport`; reschedules failures with [`backoff_delay`]; an
/// envelope the recipient refused ([`TransportError::Refused`]) is marked failed at once. Envelopes to one
/// recipient are delivered in the order they were queued: while an earlier one is pending, later ones wait (so a
/// membership change always arrives before the messages that rely on it).
pub fn deliver_due(
    outbox: &mut Outbox,
    transport: &dyn Transport,
    now: DateTime<Utc>,
    policy: &RetryPolicy,
    rng: &mut impl Rng,
) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    let mut waiting: BTreeSet<NodeId> = BTreeSet::new();
    for entry in &mut outbox.entries {
        if entry.status != DeliveryStatus::Pending || waiting.contains(&entry.recipient) {
            continue;
        }
        if entry.next_attempt_at > now {
            waiting.insert(entry.recipient.clone());
            continue;
        }
        entry.attempts += 1;
        match transport.deliver(&entry.recipient, entry.envelope.as_bytes()) {
            Ok(()) => {
                entry.status = DeliveryStatus::Delivered;
                entry.last_error = None;
                report.delivered.push((entry.message_id.clone(), entry.recipient.clone()));
            }
            Err(error) => {
                entry.last_error = Some(error.to_string());
                if matches!(error, TransportError::Refused(_)) || entry.attempts >= policy.max_attempts {
                    entry.status = DeliveryStatus::Failed;
                    report.failed.push((entry.message_id.clone(), entry.recipient.clone(), error));
                } else {
                    waiting.insert(entry.recipient.clone());
                    entry.next_attempt_at = now + backoff_delay(policy, entry.attempts, rng);
                    report.retrying.push((
                        entry.message_id.clone(),
                        entry.recipient.clone(),
                        entry.next_attempt_at,
                        error,
                    ));
                }
            }
        }
    }
    report
}

/// Several nodes in one process: a mailbox per node, and a switch to take a node offline.
#[derive(Debug, Default)]
pub struct InProcessNetwork {
    inner: Mutex<Network>,
}

#[derive(Debug, Default)]
struct Network {
    mailboxes: BTreeMap<NodeId, Vec<Vec<u8>>>,
    offline: BTreeSet<NodeId>,
}

impl InProcessNetwork {
    /// An empty network where every node is online.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes `node` offline (deliveries to it fail) or back online.
    pub fn set_online(&self, node: &NodeId, online: bool) {
        let mut network = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if online {
            network.offline.remove(node);
        } else {
            network.offline.insert(node.clone());
        }
    }

    /// Removes and returns every envelope delivered to `node`, oldest first.
    pub fn take(&self, node: &NodeId) -> Vec<Vec<u8>> {
        let mut network = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        network.mailboxes.remove(node).unwrap_or_default()
    }
}

impl Transport for InProcessNetwork {
    fn deliver(&self, recipient: &NodeId, envelope: &[u8]) -> Result<(), TransportError> {
        let mut network = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if network.offline.contains(recipient) {
            return Err(TransportError::Unreachable(format!("node {} is offline", recipient.short())));
        }
        network.mailboxes.entry(recipient.clone()).or_default().push(envelope.to_vec());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy { base_delay: TimeDelta::seconds(10), max_delay: TimeDelta::seconds(3600), max_attempts: 8 }
    }

    #[test]
    fn exchange_backoff_grows_exponentially_within_jitter_bounds_and_is_capped() {
        let mut rng = crate::rng_from_seed([1; 32]);
        for attempt in 1..=12u32 {
            let ceiling = (10_000i64 << (attempt - 1)).min(3_600_000);
            let delay = backoff_delay(&policy(), attempt, &mut rng).num_milliseconds();
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "attempt {attempt}: {delay} not in [{}, {ceiling}]",
                ceiling / 2
            );
        }
    }

    #[test]
    fn exchange_backoff_schedule_is_a_pure_function_of_attempt_and_seed() {
        let schedule = |seed| {
            let mut rng = crate::rng_from_seed(seed);
            (1..=6).map(|a| backoff_delay(&policy(), a, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(schedule([3; 32]), schedule([3; 32]));
        assert_ne!(schedule([3; 32]), schedule([4; 32]));
    }
}
