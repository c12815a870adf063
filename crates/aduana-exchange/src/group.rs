//! Closed user groups: the owner-signed, versioned membership record, and the rules a member applies to a change
//! (signed by the owner, newer than the record it has).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::base64_field;
use crate::identity::{NodeId, NodeIdentity, PublicIdentity, check_name};

/// The version of the signed membership format.
pub const MEMBERSHIP_VERSION: u32 = 1;

/// Domain separation for membership signatures (never valid as an envelope signature, and the reverse).
const MEMBERSHIP_CONTEXT: &[u8] = b"aduana-exchange membership v1\0";

/// A group's id: 128 random bits as 32 lowercase hex digits, chosen by the owner at creation.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GroupId(String);

impl GroupId {
    /// A fresh random group id.
    pub fn random(rng: &mut impl CryptoRng) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        Self(hex(&bytes))
    }

    /// Parses 32 lowercase hex digits.
    pub fn parse(text: &str) -> Result<Self, MembershipError> {
        if is_lower_hex(text, 32) {
            Ok(Self(text.to_owned()))
        } else {
            Err(MembershipError::InvalidGroupId(text.to_owned()))
        }
    }

    /// The id as 32 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TryFrom<String> for GroupId {
    type Error = MembershipError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<GroupId> for String {
    fn from(id: GroupId) -> Self {
        id.0
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupId({})", self.0)
    }
}

/// Who is in a group at one serial number. The owner vouches for each member's public keys, so members learn each
/// other's keys from the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipRecord {
    pub group: GroupId,
    /// The group's name, for people.
    pub name: String,
    /// The node that created the group; only it signs membership changes. Always a member.
    pub owner: NodeId,
    /// Increases by one with every change; a member keeps the highest it has seen.
    pub serial: u64,
    /// Whether seizure notices in this group may carry nominal data (names of persons and companies).
    pub nominal_data_allowed: bool,
    /// The current members with the public keys the owner vouches for.
    pub members: BTreeMap<NodeId, PublicIdentity>,
    pub issued_at: DateTime<Utc>,
}

impl MembershipRecord {
    /// Whether `node` is a member at this serial.
    pub fn is_member(&self, node: &NodeId) -> bool {
        self.members.contains_key(node)
    }

    fn signed_bytes(&self) -> Vec<u8> {
        let mut bytes = MEMBERSHIP_CONTEXT.to_vec();
        serde_json::to_writer(&mut bytes, self).expect("a membership record always serialises");
        bytes
    }
}

/// A membership record with the owner's signature over its canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedMembership {
    pub version: u32,
    pub record: MembershipRecord,
    #[serde(with = "base64_field")]
    pub signature: Vec<u8>,
}

/// Why a group operation or a membership change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MembershipError {
    /// A group id is not 32 lowercase hex digits.
    #[error("invalid group id {0:?}: expected 32 lowercase hexadecimal digits")]
    InvalidGroupId(String),
    /// A group name has characters other than letters, digits, `.`, `_` and `-`, or is empty or too long.
    #[error("invalid group name {0:?}: expected 1 to 64 letters, digits, '.', '_' or '-'")]
    InvalidName(String),
    /// This node knows no group with this id.
    #[error("unknown group {0}")]
    UnknownGroup(GroupId),
    /// Only the owner may change a group's membership.
    #[error("only the group owner may change its membership")]
    NotOwner,
    /// The owner cannot be removed from its own group.
    #[error("the owner cannot be removed from its group")]
    CannotRemoveOwner,
    /// The record has a `version` this build does not know.
    #[error("unsupported membership version {0}, expected {MEMBERSHIP_VERSION}")]
    UnsupportedVersion(u32),
    /// The record does not list its owner as a member, or lists a member under the wrong id.
    #[error("inconsistent membership record: {0}")]
    Inconsistent(String),
    /// The owner's key is not known to this node.
    #[error("the group owner {0} is not a known peer")]
    UnknownOwner(NodeId),
    /// The record names a different owner than the one this node knows for the group.
    #[error("the record names owner {claimed}, but the group is owned by {known}")]
    OwnerChanged { known: NodeId, claimed: NodeId },
    /// The signature is not the owner's.
    #[error("the membership record is not signed by the group owner")]
    BadSignature,
    /// The record is not newer than the one this node has.
    #[error("membership serial {received} is not newer than the current serial {current}")]
    Outdated { current: u64, received: u64 },
}

/// Creates a group owned by `owner` with the owner as its only member (serial 1).
pub fn create(
    owner: &NodeIdentity,
    group: GroupId,
    name: &str,
    nominal_data_allowed: bool,
    now: DateTime<Utc>,
) -> Result<SignedMembership, MembershipError> {
    if !check_name(name) {
        return Err(MembershipError::InvalidName(name.to_owned()));
    }
    let record = MembershipRecord {
        group,
        name: name.to_owned(),
        owner: owner.id().clone(),
        serial: 1,
        nominal_data_allowed,
        members: BTreeMap::from([(owner.id().clone(), owner.public().clone())]),
        issued_at: now,
    };
    Ok(sign(owner, record))
}

/// The next membership record after `current`, with `add` admitted and `remove` removed, signed by `owner`.
pub fn change(
    owner: &NodeIdentity,
    current: &MembershipRecord,
    add: &[PublicIdentity],
    remove: &[NodeId],
    now: DateTime<Utc>,
) -> Result<SignedMembership, MembershipError> {
    if &current.owner != owner.id() {
        return Err(MembershipError::NotOwner);
    }
    if remove.contains(owner.id()) {
        return Err(MembershipError::CannotRemoveOwner);
    }
    let mut record = current.clone();
    record.serial += 1;
    record.issued_at = now;
    for member in add {
        record.members.insert(member.id().clone(), member.clone());
    }
    for member in remove {
        record.members.remove(member);
    }
    Ok(sign(owner, record))
}

fn sign(owner: &NodeIdentity, record: MembershipRecord) -> SignedMembership {
    let signature = owner.sign(&record.signed_bytes());
    SignedMembership { version: MEMBERSHIP_VERSION, record, signature }
}

impl SignedMembership {
    /// Checks the record's shape and the owner's signature, given the owner's public identity.
    pub fn verify(&self, owner: &PublicIdentity) -> Result<(), MembershipError> {
        if self.version != MEMBERSHIP_VERSION {
            return Err(MembershipError::UnsupportedVersion(self.version));
        }
        let record = &self.record;
        if owner.id() != &record.owner {
            return Err(MembershipError::BadSignature);
        }
        if !record.members.contains_key(&record.owner) {
            return Err(MembershipError::Inconsistent("the owner is not a member".to_owned()));
        }
        if let Some((id, _)) = record.members.iter().find(|(id, identity)| identity.id() != *id) {
            return Err(MembershipError::Inconsistent(format!("member {id} is listed with another node's keys")));
        }
        if !check_name(&record.name) {
            return Err(MembershipError::InvalidName(record.name.clone()));
        }
        if owner.verify(&record.signed_bytes(), &self.signature) { Ok(()) } else { Err(MembershipError::BadSignature) }
    }
}

/// What a node knows of one group: the latest membership it accepted and every node removed since it joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupState {
    pub current: SignedMembership,
    /// Nodes that were members in an earlier record this node accepted and are not members now, with the keys
    /// they had (so that their messages are recognised and refused as from a removed member).
    #[serde(default)]
    pub removed: BTreeMap<NodeId, PublicIdentity>,
}

impl GroupState {
    /// The latest membership record.
    pub fn record(&self) -> &MembershipRecord {
        &self.current.record
    }

    /// Applies a newer record that has already been verified; updates the removed set.
    pub(crate) fn advance(&mut self, next: SignedMembership) -> Result<(), MembershipError> {
        let (current, received) = (self.current.record.serial, next.record.serial);
        if received <= current {
            return Err(MembershipError::Outdated { current, received });
        }
        if next.record.owner != self.current.record.owner {
            return Err(MembershipError::OwnerChanged {
                known: self.current.record.owner.clone(),
                claimed: next.record.owner.clone(),
            });
        }
        for (old, identity) in &self.current.record.members {
            if !next.record.members.contains_key(old) {
                self.removed.insert(old.clone(), identity.clone());
            }
        }
        self.removed.retain(|node, _| !next.record.members.contains_key(node));
        self.current = next;
        Ok(())
    }
}
