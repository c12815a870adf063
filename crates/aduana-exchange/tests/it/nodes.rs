//! A small network for tests: an owner, a member and an outsider, each knowing the others' public keys.

use aduana_exchange::{
    Content, Directory, ExchangeRng, FreeText, GroupId, NodeIdentity, NodeState, ReceiveConfig, ReceivedMessage,
    Rejection, SealedEnvelope, receive, seal,
};
use chrono::{DateTime, TimeDelta, TimeZone as _, Utc};

/// The time every test starts at.
pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).single().expect("valid date")
}

pub(crate) fn config() -> ReceiveConfig {
    ReceiveConfig { max_age: TimeDelta::hours(24), max_clock_skew: TimeDelta::minutes(5), max_envelope_bytes: 1 << 20 }
}

/// Nodes that all know each other's public keys.
pub(crate) fn nodes(names: &[&str], rng: &mut ExchangeRng) -> Vec<NodeState> {
    let identities: Vec<NodeIdentity> =
        names.iter().map(|n| NodeIdentity::generate(n, rng).expect("valid name")).collect();
    identities
        .iter()
        .map(|identity| {
            let mut directory = Directory::new();
            for other in &identities {
                if other.id() != identity.id() {
                    directory.add_peer(identity, other.public().clone()).expect("distinct peers");
                }
            }
            NodeState { identity: identity.clone(), directory }
        })
        .collect()
}

/// Creates a group owned by `owner` with `members` admitted, and has each member receive the membership change.
pub(crate) fn group_with(
    owner: &mut NodeState,
    members: &mut [&mut NodeState],
    nominal_data_allowed: bool,
    rng: &mut ExchangeRng,
) -> GroupId {
    let created = owner.create_group("cocaine-routes", nominal_data_allowed, t0(), rng).expect("group created");
    let group = created.record.group.clone();
    let admitted: Vec<_> = members.iter().map(|m| m.identity.public().clone()).collect();
    let change = owner.change_membership(&group, &admitted, &[], t0()).expect("owner changes membership");
    let sealed = seal(owner, &group, &Content::MembershipChange(change), t0(), rng).expect("sealed");
    for member in members.iter_mut() {
        let accepted = receive(member, &sealed.bytes, t0(), &config()).expect("member accepts the membership");
        assert_eq!(accepted.content.kind(), "membership_change");
    }
    group
}

pub(crate) fn free_text(text: &str) -> Content {
    Content::FreeText(FreeText { subject: "heads up".to_owned(), text: text.to_owned(), attachments: vec![] })
}

pub(crate) fn send(from: &NodeState, group: &GroupId, content: &Content, rng: &mut ExchangeRng) -> SealedEnvelope {
    seal(from, group, content, t0(), rng).expect("sealed")
}

pub(crate) fn deliver(to: &mut NodeState, envelope: &[u8]) -> Result<ReceivedMessage, Rejection> {
    receive(to, envelope, t0() + TimeDelta::seconds(30), &config())
}
