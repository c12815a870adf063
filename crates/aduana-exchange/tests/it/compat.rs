//! Envelopes written by an earlier build still load: `test_data/compat/envelope/v1.json` was sealed once by format
//! version 1 (with the test-only keys beside it) and must keep verifying, decrypting and reading as
//! `v1.expected.json`. To write a fixture for a new version, run this module with `ADUANA_WRITE_COMPAT=1` after
//! bumping the version: it writes only files that do not exist, never overwriting an old version.

use std::path::{Path, PathBuf};

use aduana_exchange::{
    Alert, AlertSubject, Attachment, Content, Directory, NodeIdentity, NodeState, PublicIdentity, SignedMembership,
    receive, rng_from_seed, seal,
};
use chrono::{DateTime, Utc};

use crate::nodes::{config, t0};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/compat/envelope")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|error| panic!("reading {name}: {error}"))
}

#[test]
fn exchange_envelope_v1_fixture_still_verifies_decrypts_and_reads_the_same() {
    if std::env::var_os("ADUANA_WRITE_COMPAT").is_some() {
        write_fixture_if_missing();
    }
    let identity = NodeIdentity::from_secret_json(&read("recipient.key.json")).expect("recipient key file");
    let sender = PublicIdentity::from_json(&read("sender.pub.json")).expect("sender public identity file");
    let membership: SignedMembership = serde_json::from_slice(&read("membership.json")).expect("membership file");
    let mut directory = Directory::new();
    directory.add_peer(&identity, sender).expect("peer");
    directory.accept_membership(&identity, membership).expect("owner-signed membership");
    let mut node = NodeState { identity, directory };
    let envelope = read("v1.json");
    let created_at: DateTime<Utc> =
        serde_json::from_slice::<serde_json::Value>(&envelope).expect("json")["signed"]["created_at"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("created_at");

    let received = receive(&mut node, envelope.trim_ascii_end(), created_at, &config()).expect("v1 envelope accepted");

    let expected: serde_json::Value = serde_json::from_slice(&read("v1.expected.json")).expect("expected json");
    assert_eq!(serde_json::to_value(&received).expect("serialises"), expected);
}

fn write_fixture_if_missing() {
    let mut rng = rng_from_seed([42; 32]);
    let sender = NodeIdentity::generate("customs-es", &mut rng).expect("name");
    let recipient = NodeIdentity::generate("customs-fr", &mut rng).expect("name");
    let mut directory = Directory::new();
    directory.add_peer(&sender, recipient.public().clone()).expect("peer");
    let mut owner = NodeState { identity: sender, directory };
    let group = owner.create_group("atlantic-route", false, t0(), &mut rng).expect("group").record.group;
    let membership = owner.change_membership(&group, &[recipient.public().clone()], &[], t0()).expect("membership");
    let content = Content::Alert(Alert {
        subject: AlertSubject::Route,
        title: "reefers via Panama with false floors".to_owned(),
        description: "Three seizures this month on EC-PA-ES; inspect floor height.".to_owned(),
        reference: Some("MSCU1234565".to_owned()),
        route: vec!["EC".parse().expect("cc"), "PA".parse().expect("cc"), "ES".parse().expect("cc")],
        attachments: vec![Attachment {
            name: "floor.txt".to_owned(),
            media_type: "text/plain".to_owned(),
            data: b"floor 12 cm higher than specification\n".to_vec(),
        }],
    });
    let sealed = seal(&owner, &group, &content, t0(), &mut rng).expect("sealed");
    let mut node = NodeState { identity: recipient.clone(), directory: Directory::new() };
    node.directory.add_peer(&recipient, owner.identity.public().clone()).expect("peer");
    node.directory.accept_membership(&recipient, membership.clone()).expect("membership");
    let received = receive(&mut node, &sealed.bytes, t0(), &config()).expect("accepted");
    let files: [(&str, Vec<u8>); 5] = [
        ("recipient.key.json", recipient.to_secret_json()),
        ("sender.pub.json", owner.identity.public().to_json()),
        ("membership.json", serde_json::to_vec_pretty(&membership).expect("json")),
        ("v1.json", [sealed.bytes.as_slice(), b"\n"].concat()),
        ("v1.expected.json", serde_json::to_vec_pretty(&received).expect("json")),
    ];
    for (name, bytes) in files {
        let path = dir().join(name);
        if !path.exists() {
            std::fs::write(&path, bytes).expect("writing the fixture");
        }
    }
}
