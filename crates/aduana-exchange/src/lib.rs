//! Secure exchange between customs administrations (CENcomm-like closed user groups).
//!
//! Each node has an Ed25519 signing key and an X25519 encryption key ([`NodeIdentity`]); its [`NodeId`] is the
//! SHA-256 fingerprint of both public keys. A node owning a group publishes owner-signed, versioned
//! [`SignedMembership`] records; messages ([`Content`]) to a group are encrypted with a random per-message content
//! key (ChaCha20-Poly1305) wrapped to each current member with HPKE (DHKEM X25519-HKDF-SHA256, HKDF-SHA256,
//! ChaCha20-Poly1305), and the whole encrypted envelope is signed by the sender ([`envelope`]).
//! [`receive`] verifies, checks membership, decrypts, deduplicates and checks freshness, returning a
//! [`Rejection`] with a [`RejectReason`] otherwise. [`outbox`] retries deliveries with exponential backoff and
//! jitter through a [`Transport`].
//!
//! The crate does no I/O and reads no clock: keys and state come in and go out as bytes and values, `now` and a
//! random number generator are arguments. The cryptography is composed from reviewed crates (`ed25519-dalek`,
//! `hpke`, `chacha20poly1305`, `sha2`); nothing is home-made.

mod base64_field;
pub mod envelope;
pub mod group;
pub mod identity;
pub mod message;
pub mod node;
pub mod outbox;
pub mod receive;

pub use envelope::{SealedEnvelope, SendError, seal};
pub use group::{GroupId, GroupState, MembershipError, MembershipRecord, SignedMembership};
pub use identity::{Endpoint, IdentityError, NodeId, NodeIdentity, PublicIdentity, sha256_hex};
pub use message::{
    Alert, AlertSubject, Attachment, Content, FreeText, InformationReply, InformationRequest, MessageId, NominalData,
    NominalPerson, SeizureNotice,
};
pub use node::{Directory, NodeState};
pub use outbox::{
    DeliveryReport, DeliveryStatus, InProcessNetwork, Outbox, OutboxEntry, RetryPolicy, Transport, TransportError,
    backoff_delay, deliver_due,
};
pub use receive::{ReceiveConfig, ReceivedMessage, RejectReason, Rejection, receive};

/// The random number generator the exchange uses: a ChaCha20 CSPRNG. The binary seeds it from the operating
/// system; tests seed it with a constant so that runs are reproducible.
pub type ExchangeRng = chacha20::ChaCha20Rng;

/// Returns the exchange's random number generator seeded with `seed` (32 bytes from the operating system in
/// production).
pub fn rng_from_seed(seed: [u8; 32]) -> ExchangeRng {
    use rand_core::SeedableRng as _;
    ExchangeRng::from_seed(seed)
}
