//! The envelope, format version 1: what travels between nodes.
//!
//! ```text
//! {"version":1,"signed":{SIGNED PART},"signature":"<base64 Ed25519 signature>"}
//! SIGNED PART = {"id","kind","sender","group","created_at","recipients":[{"node","encapsulated_key","wrapped_key"}],
//!                "nonce","ciphertext"}
//! ```
//!
//! The signature is the sender's Ed25519 signature over `"aduana-exchange envelope v1\0"` followed by the exact
//! bytes of the signed part as they appear in the envelope (the sender writes them as compact canonical JSON). Any
//! change to any byte of the signed part or the signature makes verification fail.
//!
//! The content (JSON of [`Content`]) is encrypted with ChaCha20-Poly1305 under a random 256-bit content key and a
//! random nonce, with the header (`id`, `kind`, `sender`, `group`, `created_at`) as associated data. The content key
//! is wrapped to each recipient with HPKE base mode (DHKEM X25519-HKDF-SHA256, HKDF-SHA256, ChaCha20-Poly1305),
//! with the header and the recipient's node id as associated data.

use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chrono::{DateTime, Utc};
use hpke::{Deserializable as _, OpModeR, OpModeS, Serializable as _};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::base64_field;
use crate::group::GroupId;
use crate::identity::{Kem, NodeId, NodeIdentity, PublicIdentity};
use crate::message::{Content, MessageId};
use crate::node::NodeState;

/// The envelope format version this build writes and reads.
pub const ENVELOPE_VERSION: u32 = 1;

const SIGNATURE_CONTEXT: &[u8] = b"aduana-exchange envelope v1\0";
const BODY_CONTEXT: &[u8] = b"aduana-exchange body v1\0";
const KEY_WRAP_INFO: &[u8] = b"aduana-exchange content key v1";

type WrapAead = hpke::aead::ChaCha20Poly1305;
type WrapKdf = hpke::kdf::HkdfSha256;

/// What an envelope carries: a message, or a membership change from the group owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeKind {
    Message,
    Membership,
}

/// The cleartext header; it is the associated data of the encrypted content.
#[derive(Debug, Serialize)]
struct Header<'a> {
    id: &'a MessageId,
    kind: EnvelopeKind,
    sender: &'a NodeId,
    group: &'a GroupId,
    created_at: &'a DateTime<Utc>,
}

/// The content key wrapped for one recipient.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Recipient {
    pub(crate) node: NodeId,
    #[serde(with = "base64_field")]
    encapsulated_key: Vec<u8>,
    #[serde(with = "base64_field")]
    wrapped_key: Vec<u8>,
}

/// The signed part of an envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignedPart {
    pub(crate) id: MessageId,
    pub(crate) kind: EnvelopeKind,
    pub(crate) sender: NodeId,
    pub(crate) group: GroupId,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) recipients: Vec<Recipient>,
    #[serde(with = "base64_field")]
    nonce: Vec<u8>,
    #[serde(with = "base64_field")]
    ciphertext: Vec<u8>,
}

impl SignedPart {
    fn header_bytes(&self) -> Vec<u8> {
        let header = Header {
            id: &self.id,
            kind: self.kind,
            sender: &self.sender,
            group: &self.group,
            created_at: &self.created_at,
        };
        let mut bytes = BODY_CONTEXT.to_vec();
        serde_json::to_writer(&mut bytes, &header).expect("a header always serialises");
        bytes
    }
}

#[derive(Serialize)]
struct WireOut<'a> {
    version: u32,
    signed: &'a RawValue,
    signature: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIn<'a> {
    version: u32,
    #[serde(borrow)]
    signed: &'a RawValue,
    #[serde(with = "base64_field")]
    signature: Vec<u8>,
}

/// An envelope ready to deliver, with what the outbox needs to know about it.
#[derive(Debug, Clone)]
pub struct SealedEnvelope {
    pub id: MessageId,
    pub group: GroupId,
    /// The nodes it is encrypted to (the group's current members other than the sender), in id order.
    pub recipients: Vec<NodeId>,
    /// The envelope's bytes (compact JSON).
    pub bytes: Vec<u8>,
}

/// Why a message could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// This node knows no such group.
    #[error("unknown group {0}")]
    UnknownGroup(GroupId),
    /// This node is not a current member of the group.
    #[error("this node is not a member of group {0}")]
    NotAMember(String),
    /// Only the group owner sends membership changes.
    #[error("only the owner of group {0} sends its membership changes")]
    NotOwner(String),
    /// The content has nominal data and the group does not allow it.
    #[error("group {0} does not allow nominal data; send the non-nominal part of the seizure notice")]
    NominalDataNotAllowed(String),
    /// The group has no member other than this node.
    #[error("group {0} has no other member to send to")]
    NoRecipients(String),
    /// The encryption library failed (a recipient key is unusable).
    #[error("encryption failed: {0}")]
    Encryption(String),
}

/// Encrypts `content` to the current members of `group` (other than this node), signs the envelope and returns it.
pub fn seal(
    state: &NodeState,
    group: &GroupId,
    content: &Content,
    now: DateTime<Utc>,
    rng: &mut impl CryptoRng,
) -> Result<SealedEnvelope, SendError> {
    let own = &state.identity;
    let group_state = state.directory.groups.get(group).ok_or_else(|| SendError::UnknownGroup(group.clone()))?;
    let record = group_state.record();
    if !record.is_member(own.id()) {
        return Err(SendError::NotAMember(record.name.clone()));
    }
    let kind = match content {
        Content::MembershipChange(change) => {
            if &record.owner != own.id() || change.record.group != *group {
                return Err(SendError::NotOwner(record.name.clone()));
            }
            EnvelopeKind::Membership
        }
        _ => EnvelopeKind::Message,
    };
    if content.has_nominal_data() && !record.nominal_data_allowed {
        return Err(SendError::NominalDataNotAllowed(record.name.clone()));
    }
    let members: Vec<&PublicIdentity> = record.members.values().filter(|m| m.id() != own.id()).collect();
    if members.is_empty() {
        return Err(SendError::NoRecipients(record.name.clone()));
    }
    let mut part = SignedPart {
        id: MessageId::random(rng),
        kind,
        sender: own.id().clone(),
        group: group.clone(),
        created_at: now,
        recipients: Vec::with_capacity(members.len()),
        nonce: Vec::new(),
        ciphertext: Vec::new(),
    };
    let aad = part.header_bytes();

    let mut content_key = [0u8; 32];
    rng.fill_bytes(&mut content_key);
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut nonce);
    let plaintext = serde_json::to_vec(content).expect("content always serialises");
    let cipher = ChaCha20Poly1305::new(&content_key.into());
    part.ciphertext = cipher
        .encrypt(&nonce.into(), Payload { msg: &plaintext, aad: &aad })
        .map_err(|error| SendError::Encryption(error.to_string()))?;
    part.nonce = nonce.to_vec();

    for member in members {
        let wrap_aad = [aad.as_slice(), member.id().as_str().as_bytes()].concat();
        let (encapsulated, wrapped) = hpke::single_shot_seal_with_rng::<WrapAead, WrapKdf, Kem>(
            &OpModeS::Base,
            &member.encryption_key(),
            KEY_WRAP_INFO,
            &content_key,
            &wrap_aad,
            rng,
        )
        .map_err(|error| SendError::Encryption(error.to_string()))?;
        part.recipients.push(Recipient {
            node: member.id().clone(),
            encapsulated_key: encapsulated.to_bytes().to_vec(),
            wrapped_key: wrapped,
        });
    }
    content_key.fill(0);

    let signed_json = serde_json::to_string(&part).expect("the signed part always serialises");
    let signature = own.sign(&[SIGNATURE_CONTEXT, signed_json.as_bytes()].concat());
    let signed = RawValue::from_string(signed_json).expect("serde_json output is valid JSON");
    let wire = WireOut { version: ENVELOPE_VERSION, signed: &signed, signature: base64_field::encode(&signature) };
    let bytes = serde_json::to_vec(&wire).expect("the envelope always serialises");
    Ok(SealedEnvelope {
        id: part.id,
        group: group.clone(),
        recipients: part.recipients.into_iter().map(|r| r.node).collect(),
        bytes,
    })
}

/// An envelope parsed but not yet verified: the signed part, its exact bytes and the signature.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) part: SignedPart,
    signed_bytes: Vec<u8>,
    signature: Vec<u8>,
}

/// Why an envelope could not be parsed.
#[derive(Debug)]
pub(crate) enum ParseFailure {
    Json(serde_json::Error),
    Version(u32),
}

/// Parses the envelope's outer shape and its signed part.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, ParseFailure> {
    let wire: WireIn<'_> = serde_json::from_slice(bytes).map_err(ParseFailure::Json)?;
    if wire.version != ENVELOPE_VERSION {
        return Err(ParseFailure::Version(wire.version));
    }
    let part: SignedPart = serde_json::from_str(wire.signed.get()).map_err(ParseFailure::Json)?;
    Ok(Parsed { part, signed_bytes: wire.signed.get().as_bytes().to_vec(), signature: wire.signature })
}

impl Parsed {
    /// Whether `sender` signed exactly these bytes.
    pub(crate) fn signature_is_valid(&self, sender: &PublicIdentity) -> bool {
        sender.verify(&[SIGNATURE_CONTEXT, &self.signed_bytes].concat(), &self.signature)
    }

    /// Unwraps the content key for `own` and decrypts the content; `None` when either fails authentication.
    pub(crate) fn decrypt(&self, own: &NodeIdentity) -> Option<Vec<u8>> {
        let part = &self.part;
        let recipient = part.recipients.iter().find(|r| &r.node == own.id())?;
        let aad = part.header_bytes();
        let wrap_aad = [aad.as_slice(), own.id().as_str().as_bytes()].concat();
        let encapsulated = <Kem as hpke::Kem>::EncappedKey::from_bytes(&recipient.encapsulated_key).ok()?;
        let content_key = hpke::single_shot_open::<WrapAead, WrapKdf, Kem>(
            &OpModeR::Base,
            own.encryption_key(),
            &encapsulated,
            KEY_WRAP_INFO,
            &recipient.wrapped_key,
            &wrap_aad,
        )
        .ok()?;
        let content_key: [u8; 32] = content_key.try_into().ok()?;
        let nonce: [u8; 12] = part.nonce.as_slice().try_into().ok()?;
        let cipher = ChaCha20Poly1305::new(&content_key.into());
        cipher.decrypt(&nonce.into(), Payload { msg: &part.ciphertext, aad: &aad }).ok()
    }
}

/// The id and timestamp an envelope claims, read without verifying anything: for naming files and ordering an
/// inbox, never for trusting. `None` when the bytes are not an envelope.
pub fn peek(bytes: &[u8]) -> Option<(MessageId, DateTime<Utc>)> {
    let parsed = parse(bytes).ok()?;
    Some((parsed.part.id, parsed.part.created_at))
}
