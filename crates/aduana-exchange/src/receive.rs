//! Receiving an envelope: verify the signature against the sender's known key, check the sender is a current
//! member of the group, check the envelope is addressed to this node, decrypt, refuse a message id already
//! accepted, refuse a timestamp outside the window, then accept. Every refusal names its [`RejectReason`].

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::envelope::{self, EnvelopeKind, ParseFailure};
use crate::group::GroupId;
use crate::identity::NodeId;
use crate::message::{Content, MessageId};
use crate::node::NodeState;

/// Bounds on what a node accepts. The binary (or the server's settings) owns the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveConfig {
    /// How old a message may be when it arrives.
    pub max_age: TimeDelta,
    /// How far in the future a timestamp may be (clock skew between nodes).
    pub max_clock_skew: TimeDelta,
    /// The largest envelope read, in bytes.
    pub max_envelope_bytes: usize,
}

/// Why an envelope was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectReason {
    /// Not an envelope of a version this build reads, or too large, or its content is not valid once decrypted.
    Malformed,
    /// The sender is neither an imported peer nor a member vouched for by a group owner.
    UnknownSender,
    /// The signature does not verify: the envelope was altered or not written by its sender.
    Tampered,
    /// The envelope is not encrypted to this node.
    NotAddressedToUs,
    /// The sender is not a member of the group (or the group is unknown to this node).
    NotAMember,
    /// The sender was a member of the group and has been removed.
    RemovedMember,
    /// Signed by the sender, but the content key or the content does not decrypt for this node.
    Undecryptable,
    /// A message with this id was already accepted.
    Replay,
    /// The timestamp is outside the accepted window.
    Stale,
    /// A seizure notice carries nominal data in a group that does not allow it.
    NominalDataNotAllowed,
    /// A membership change is not signed by the owner or not newer than the one this node has.
    MembershipRejected,
}

impl RejectReason {
    /// The stable snake_case code (for logs, `--json` and the server's error table).
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::Malformed => "malformed",
            RejectReason::UnknownSender => "unknown_sender",
            RejectReason::Tampered => "tampered",
            RejectReason::NotAddressedToUs => "not_addressed_to_us",
            RejectReason::NotAMember => "not_a_member",
            RejectReason::RemovedMember => "removed_member",
            RejectReason::Undecryptable => "undecryptable",
            RejectReason::Replay => "replay",
            RejectReason::Stale => "stale",
            RejectReason::NominalDataNotAllowed => "nominal_data_not_allowed",
            RejectReason::MembershipRejected => "membership_rejected",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused envelope: the reason, a message for the log, and what could be read of the envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct Rejection {
    pub reason: RejectReason,
    pub detail: String,
    pub message_id: Option<MessageId>,
    pub sender: Option<NodeId>,
}

/// An accepted message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceivedMessage {
    pub id: MessageId,
    pub sender: NodeId,
    pub sender_name: String,
    pub group: GroupId,
    pub group_name: String,
    pub created_at: DateTime<Utc>,
    pub content: Content,
}

/// Verifies, checks and decrypts an envelope for `state`'s node. On acceptance the message id is recorded (so a
/// replay is refused) and a membership change is applied to the directory; on refusal `state` is unchanged.
pub fn receive(
    state: &mut NodeState,
    bytes: &[u8],
    now: DateTime<Utc>,
    config: &ReceiveConfig,
) -> Result<ReceivedMessage, Rejection> {
    let reject = |reason, detail: String| Rejection { reason, detail, message_id: None, sender: None };
    if bytes.len() > config.max_envelope_bytes {
        return Err(reject(
            RejectReason::Malformed,
            format!("envelope of {} bytes exceeds the limit of {}", bytes.len(), config.max_envelope_bytes),
        ));
    }
    let parsed = envelope::parse(bytes).map_err(|failure| match failure {
        ParseFailure::Json(error) => reject(RejectReason::Malformed, format!("expected an envelope: {error}")),
        ParseFailure::Version(found) => reject(
            RejectReason::Malformed,
            format!("unsupported envelope version {found}, expected {}", envelope::ENVELOPE_VERSION),
        ),
    })?;
    let part = &parsed.part;
    let reject = |reason, detail: String| Rejection {
        reason,
        detail,
        message_id: Some(part.id.clone()),
        sender: Some(part.sender.clone()),
    };
    let own = &state.identity;
    let directory = &state.directory;

    // 1. The signature, against the sender's known key.
    let sender = directory
        .key_of(own, &part.sender)
        .ok_or_else(|| reject(RejectReason::UnknownSender, format!("no key known for sender {}", part.sender)))?;
    if !parsed.signature_is_valid(sender) {
        return Err(reject(RejectReason::Tampered, format!("the signature of {} does not verify", sender.name())));
    }
    let sender_name = sender.name().to_owned();

    // 2. Addressed to this node.
    if !part.recipients.iter().any(|r| &r.node == own.id()) {
        return Err(reject(RejectReason::NotAddressedToUs, "the envelope is not encrypted to this node".to_owned()));
    }

    // 3. The sender's membership, per the latest record this node has.
    let group = directory.groups.get(&part.group);
    match (part.kind, group) {
        (EnvelopeKind::Message, None) => {
            return Err(reject(RejectReason::NotAMember, format!("group {} is unknown to this node", part.group)));
        }
        (EnvelopeKind::Message, Some(group)) if !group.record().is_member(&part.sender) => {
            let (reason, what) = if group.removed.contains_key(&part.sender) {
                (RejectReason::RemovedMember, "was removed from")
            } else {
                (RejectReason::NotAMember, "is not a member of")
            };
            return Err(reject(reason, format!("{sender_name} {what} group {}", group.record().name)));
        }
        (EnvelopeKind::Membership, Some(group)) if group.record().owner != part.sender => {
            return Err(reject(
                RejectReason::NotAMember,
                format!("{sender_name} is not the owner of group {} and cannot change it", group.record().name),
            ));
        }
        _ => {}
    }

    // 4. Decrypt.
    let plaintext = parsed
        .decrypt(own)
        .ok_or_else(|| reject(RejectReason::Undecryptable, "the content does not decrypt for this node".to_owned()))?;
    let content: Content = serde_json::from_slice(&plaintext)
        .map_err(|error| reject(RejectReason::Malformed, format!("expected message content: {error}")))?;
    let is_membership = matches!(content, Content::MembershipChange(_));
    if is_membership != (part.kind == EnvelopeKind::Membership) {
        return Err(reject(RejectReason::Malformed, format!("a {:?} envelope carries {}", part.kind, content.kind())));
    }

    // 5. Deduplicate, 6. freshness.
    if directory.seen.contains_key(&part.id) {
        return Err(reject(RejectReason::Replay, format!("message {} was already accepted", part.id)));
    }
    if part.created_at < now - config.max_age || part.created_at > now + config.max_clock_skew {
        return Err(reject(
            RejectReason::Stale,
            format!("timestamp {} is outside the accepted window around {now}", part.created_at.to_rfc3339()),
        ));
    }

    // Content rules.
    if content.has_nominal_data() && group.is_some_and(|g| !g.record().nominal_data_allowed) {
        return Err(reject(RejectReason::NominalDataNotAllowed, "the group does not allow nominal data".to_owned()));
    }
    let (id, sender_id, group_id, created_at) =
        (part.id.clone(), part.sender.clone(), part.group.clone(), part.created_at);
    if let Content::MembershipChange(change) = &content {
        if change.record.group != group_id || change.record.owner != sender_id {
            return Err(reject(
                RejectReason::MembershipRejected,
                "the membership record is for another group or owner than the envelope".to_owned(),
            ));
        }
        state
            .directory
            .accept_membership(&state.identity, change.clone())
            .map_err(|error| reject(RejectReason::MembershipRejected, error.to_string()))?;
    }

    // Accept.
    let directory = &mut state.directory;
    directory.seen.insert(id.clone(), created_at);
    let horizon = now - config.max_age;
    directory.seen.retain(|_, at| *at >= horizon);
    let group_name = directory.groups.get(&group_id).map(|g| g.record().name.clone()).unwrap_or_default();
    Ok(ReceivedMessage { id, sender: sender_id, sender_name, group: group_id, group_name, created_at, content })
}
