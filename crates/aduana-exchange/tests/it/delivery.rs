//! The outbox, retries with backoff, and the in-process transport.

use aduana_exchange::{DeliveryStatus, InProcessNetwork, Outbox, RetryPolicy, deliver_due, rng_from_seed};
use chrono::TimeDelta;

use crate::nodes::{deliver, free_text, group_with, nodes, send, t0};

fn policy() -> RetryPolicy {
    RetryPolicy { base_delay: TimeDelta::seconds(30), max_delay: TimeDelta::hours(1), max_attempts: 5 }
}

#[test]
fn exchange_offline_peer_receives_its_messages_after_it_comes_back() {
    let mut rng = rng_from_seed([20; 32]);
    let [mut owner, mut online, mut offline]: [_; 3] =
        nodes(&["es", "fr", "it"], &mut rng).try_into().expect("three nodes");
    let group = group_with(&mut owner, &mut [&mut online, &mut offline], false, &mut rng);
    let network = InProcessNetwork::new();
    network.set_online(offline.identity.id(), false);
    let mut outbox = Outbox::new();
    let sealed = send(&owner, &group, &free_text("for both"), &mut rng);
    outbox.enqueue(&sealed, t0());

    let first = deliver_due(&mut outbox, &network, t0(), &policy(), &mut rng);
    assert_eq!(first.delivered.len(), 1);
    assert_eq!(first.retrying.len(), 1);
    let retry_at = first.retrying[0].2;
    assert!(retry_at >= t0() + TimeDelta::seconds(15) && retry_at <= t0() + TimeDelta::seconds(30), "{retry_at}");

    // Not due yet: nothing is attempted.
    let early = deliver_due(&mut outbox, &network, retry_at - TimeDelta::seconds(1), &policy(), &mut rng);
    assert!(early.delivered.is_empty() && early.retrying.is_empty());
    // Still offline at the retry: the next delay grows.
    let second = deliver_due(&mut outbox, &network, retry_at, &policy(), &mut rng);
    let next_at = second.retrying[0].2;
    assert!(next_at - retry_at >= TimeDelta::seconds(30), "the second delay is at least half of 2 × base");

    network.set_online(offline.identity.id(), true);
    let third = deliver_due(&mut outbox, &network, next_at, &policy(), &mut rng);
    assert_eq!(third.delivered, vec![(sealed.id.clone(), offline.identity.id().clone())]);
    assert_eq!(outbox.pending(), 0);

    for (node, expected) in [(&mut online, 1), (&mut offline, 1)] {
        let envelopes = network.take(node.identity.id());
        assert_eq!(envelopes.len(), expected);
        let received = deliver(node, &envelopes[0]).expect("accepted");
        assert_eq!(received.content, free_text("for both"));
    }
}

#[test]
fn exchange_outbox_gives_up_after_max_attempts() {
    let mut rng = rng_from_seed([21; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let network = InProcessNetwork::new();
    network.set_online(member.identity.id(), false);
    let mut outbox = Outbox::new();
    outbox.enqueue(&send(&owner, &group, &free_text("lost"), &mut rng), t0());

    let mut now = t0();
    for _ in 0..policy().max_attempts {
        deliver_due(&mut outbox, &network, now, &policy(), &mut rng);
        now += TimeDelta::days(1);
    }

    assert_eq!(outbox.entries[0].status, DeliveryStatus::Failed);
    assert_eq!(outbox.entries[0].attempts, policy().max_attempts);
    assert!(outbox.entries[0].last_error.as_deref().is_some_and(|e| e.contains("offline")));
}

/// A recipient that refuses every envelope.
struct Refusing;

impl aduana_exchange::Transport for Refusing {
    fn deliver(&self, _: &aduana_exchange::NodeId, _: &[u8]) -> Result<(), aduana_exchange::TransportError> {
        Err(aduana_exchange::TransportError::Refused("tampered: the signature does not verify".to_owned()))
    }
}

#[test]
fn exchange_refused_envelope_fails_at_once_without_retry() {
    let mut rng = rng_from_seed([22; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let mut outbox = Outbox::new();
    outbox.enqueue(&send(&owner, &group, &free_text("refused"), &mut rng), t0());

    let report = deliver_due(&mut outbox, &Refusing, t0(), &policy(), &mut rng);

    assert_eq!(report.failed.len(), 1);
    assert!(report.retrying.is_empty());
    assert_eq!(outbox.entries[0].status, DeliveryStatus::Failed);
    assert_eq!(outbox.entries[0].attempts, 1);
}

#[test]
fn exchange_envelopes_to_one_recipient_are_delivered_in_queue_order() {
    let mut rng = rng_from_seed([23; 32]);
    let [mut owner, mut member]: [_; 2] = nodes(&["es", "fr"], &mut rng).try_into().expect("two nodes");
    let group = group_with(&mut owner, &mut [&mut member], false, &mut rng);
    let network = InProcessNetwork::new();
    network.set_online(member.identity.id(), false);
    let mut outbox = Outbox::new();
    let first = send(&owner, &group, &free_text("first"), &mut rng);
    let second = send(&owner, &group, &free_text("second"), &mut rng);
    outbox.enqueue(&first, t0());
    outbox.enqueue(&second, t0());

    let round = deliver_due(&mut outbox, &network, t0(), &policy(), &mut rng);
    assert_eq!(round.retrying.len(), 1, "only the first is attempted while it is pending");
    assert_eq!(outbox.entries[1].attempts, 0);
    let retry_at = round.retrying[0].2;
    network.set_online(member.identity.id(), true);
    // The second is due but waits for the first, which is not due yet.
    let early = deliver_due(&mut outbox, &network, retry_at - TimeDelta::seconds(1), &policy(), &mut rng);
    assert!(early.delivered.is_empty());
    let later = deliver_due(&mut outbox, &network, retry_at, &policy(), &mut rng);

    assert_eq!(
        later.delivered,
        vec![(first.id.clone(), member.identity.id().clone()), (second.id, member.identity.id().clone())]
    );
    let envelopes = network.take(member.identity.id());
    assert_eq!(deliver(&mut member, &envelopes[0]).expect("accepted").content, free_text("first"));
}
