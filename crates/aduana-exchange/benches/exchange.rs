//! Sealing and receiving envelopes: `cargo bench -p aduana-exchange --bench exchange`. Prints one line per case
//! with the time per envelope. Bounded: a few hundred envelopes per case.

// A benchmark reports on stdout.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use aduana_exchange::{
    Content, Directory, FreeText, NodeIdentity, NodeState, ReceiveConfig, receive, rng_from_seed, seal,
};
use chrono::{TimeDelta, TimeZone as _, Utc};

fn main() {
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).single().expect("valid date");
    let config = ReceiveConfig {
        max_age: TimeDelta::hours(24),
        max_clock_skew: TimeDelta::minutes(5),
        max_envelope_bytes: 64 << 20,
    };
    for (members, body_bytes, rounds) in
        [(2usize, 1024usize, 500u32), (10, 1024, 300), (50, 1024, 100), (2, 1 << 20, 20)]
    {
        let mut rng = rng_from_seed([members as u8; 32]);
        let identities: Vec<NodeIdentity> =
            (0..members).map(|i| NodeIdentity::generate(&format!("node-{i}"), &mut rng).expect("name")).collect();
        let mut owner = NodeState { identity: identities[0].clone(), directory: Directory::new() };
        let group = owner.create_group("bench", false, now, &mut rng).expect("group").record.group;
        let others: Vec<_> = identities[1..].iter().map(|i| i.public().clone()).collect();
        let change = owner.change_membership(&group, &others, &[], now).expect("membership");
        let mut reader = NodeState { identity: identities[1].clone(), directory: Directory::new() };
        reader.directory.add_peer(&identities[1], identities[0].public().clone()).expect("peer");
        reader.directory.accept_membership(&identities[1], change).expect("membership");
        let content = Content::FreeText(FreeText {
            subject: "bench".to_owned(),
            text: "x".repeat(body_bytes),
            attachments: vec![],
        });

        let start = Instant::now();
        let sealed: Vec<_> =
            (0..rounds).map(|_| seal(&owner, &group, &content, now, &mut rng).expect("sealed")).collect();
        let seal_time = start.elapsed() / rounds;
        let start = Instant::now();
        for envelope in &sealed {
            receive(&mut reader, &envelope.bytes, now, &config).expect("accepted");
        }
        let receive_time = start.elapsed() / rounds;
        println!(
            "members {members:>3}  body {body_bytes:>8} B  envelope {:>8} B  seal {seal_time:>10.1?}  receive {receive_time:>10.1?}",
            sealed[0].bytes.len()
        );
    }
}
