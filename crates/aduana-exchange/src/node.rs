//! A node's state: its identity and its directory of peers, groups and already-accepted message ids. The binary
//! persists the directory (JSON) and the identity (private key file); the server will hold a `NodeState` in memory.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::group::{self, GroupId, GroupState, MembershipError, SignedMembership};
use crate::identity::{NodeId, NodeIdentity, PublicIdentity};
use crate::message::MessageId;

/// The version of the directory file format.
pub const DIRECTORY_VERSION: u32 = 1;

/// What a node knows: peers it imported, groups it is in, and message ids it has accepted (with their timestamps,
/// pruned once they are too old to be accepted anyway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    pub version: u32,
    #[serde(default)]
    pub peers: BTreeMap<NodeId, PublicIdentity>,
    #[serde(default)]
    pub groups: BTreeMap<GroupId, GroupState>,
    #[serde(default)]
    pub seen: BTreeMap<MessageId, DateTime<Utc>>,
}

/// A peer could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// Another peer already has this name with different keys.
    #[error("a different peer is already named {name} (fingerprint {existing})")]
    NameTaken { name: String, existing: String },
    /// The file is this node's own identity.
    #[error("this is the node's own identity")]
    OwnIdentity,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Self { version: DIRECTORY_VERSION, peers: BTreeMap::new(), groups: BTreeMap::new(), seen: BTreeMap::new() }
    }

    /// Adds a peer; returns whether it was new.
    pub fn add_peer(&mut self, own: &NodeIdentity, peer: PublicIdentity) -> Result<bool, PeerError> {
        if peer.id() == own.id() {
            return Err(PeerError::OwnIdentity);
        }
        if let Some(existing) = self.peers.values().find(|p| p.name() == peer.name() && p.id() != peer.id()) {
            return Err(PeerError::NameTaken { name: peer.name().to_owned(), existing: existing.id().fingerprint() });
        }
        Ok(self.peers.insert(peer.id().clone(), peer).is_none())
    }

    /// Finds a peer by name or node id.
    pub fn find_peer(&self, name_or_id: &str) -> Option<&PublicIdentity> {
        self.peers.values().find(|p| p.name() == name_or_id || p.id().as_str() == name_or_id)
    }

    /// Finds a group by id or, when unique, by name.
    pub fn find_group(&self, name_or_id: &str) -> Option<&GroupState> {
        if let Some(state) = self.groups.values().find(|g| g.record().group.as_str() == name_or_id) {
            return Some(state);
        }
        let mut named = self.groups.values().filter(|g| g.record().name == name_or_id);
        match (named.next(), named.next()) {
            (Some(state), None) => Some(state),
            _ => None,
        }
    }

    /// The public identity of `node`: this node, an imported peer, a member vouched for by a group owner, or a
    /// removed member of a group.
    pub(crate) fn key_of<'a>(&'a self, own: &'a NodeIdentity, node: &NodeId) -> Option<&'a PublicIdentity> {
        if own.id() == node {
            return Some(own.public());
        }
        self.peers
            .get(node)
            .or_else(|| self.groups.values().find_map(|g| g.record().members.get(node).or_else(|| g.removed.get(node))))
    }

    /// Accepts a membership record: signed by the group's owner (a peer, this node, or the known owner of the
    /// group), for a new group or newer than the record this node has.
    pub fn accept_membership(&mut self, own: &NodeIdentity, signed: SignedMembership) -> Result<(), MembershipError> {
        let owner_id = &signed.record.owner;
        let existing = self.groups.get(&signed.record.group);
        if let Some(state) = existing {
            if &state.record().owner != owner_id {
                return Err(MembershipError::OwnerChanged {
                    known: state.record().owner.clone(),
                    claimed: owner_id.clone(),
                });
            }
        }
        let owner = if own.id() == owner_id {
            Some(own.public())
        } else {
            self.peers.get(owner_id).or_else(|| existing.and_then(|s| s.record().members.get(owner_id)))
        };
        let owner = owner.ok_or_else(|| MembershipError::UnknownOwner(owner_id.clone()))?;
        signed.verify(owner)?;
        match self.groups.get_mut(&signed.record.group) {
            Some(state) => state.advance(signed),
            None => {
                let group = signed.record.group.clone();
                self.groups.insert(group, GroupState { current: signed, removed: BTreeMap::new() });
                Ok(())
            }
        }
    }
}

impl Default for Directory {
    fn default() -> Self {
        Self::new()
    }
}

/// A node: its identity and directory. `receive` and `seal` work on it.
#[derive(Debug, Clone)]
pub struct NodeState {
    pub identity: NodeIdentity,
    pub directory: Directory,
}

impl NodeState {
    /// The public identity of `node` as this node knows it (itself, a peer, a group member or a removed member),
    /// e.g. to find where to deliver to it.
    pub fn public_identity_of(&self, node: &NodeId) -> Option<&PublicIdentity> {
        self.directory.key_of(&self.identity, node)
    }

    /// Creates a group owned by this node and records it; returns its first membership record.
    pub fn create_group(
        &mut self,
        name: &str,
        nominal_data_allowed: bool,
        now: DateTime<Utc>,
        rng: &mut impl CryptoRng,
    ) -> Result<SignedMembership, MembershipError> {
        let signed = group::create(&self.identity, GroupId::random(rng), name, nominal_data_allowed, now)?;
        self.directory.accept_membership(&self.identity, signed.clone())?;
        Ok(signed)
    }

    /// Admits and removes members of a group this node owns, records the new membership and returns it (to be
    /// sent to the members as a `Content::MembershipChange`).
    pub fn change_membership(
        &mut self,
        group: &GroupId,
        add: &[PublicIdentity],
        remove: &[NodeId],
        now: DateTime<Utc>,
    ) -> Result<SignedMembership, MembershipError> {
        let state = self.directory.groups.get(group).ok_or_else(|| MembershipError::UnknownGroup(group.clone()))?;
        let signed = group::change(&self.identity, state.record(), add, remove, now)?;
        self.directory.accept_membership(&self.identity, signed.clone())?;
        Ok(signed)
    }
}
