//! Three `aduana serve --exchange` nodes on loopback ports exchanging over HTTPS with pinned self-signed
//! certificates: `es` owns group `atlantic` with member `fr`; `xx` knows everyone's keys but is not in the group.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aduana_exchange::{Content, Directory, FreeText, NodeIdentity, NodeState, PublicIdentity, TransportError};
use aduana_server::exchange::{Posted, post_envelope};

use crate::helpers::{run, stdout};
use crate::serve::{Answer, Server, add_user, bearer, http};

const NODES: [(&str, &str); 3] = [("es", "customs-es"), ("fr", "customs-fr"), ("xx", "customs-xx")];

/// One node: its exchange directory, its database directory, its exchange port and its users' tokens.
pub(crate) struct Node {
    pub(crate) exchange: PathBuf,
    data: PathBuf,
    pub(crate) port: u16,
    pub(crate) officer: String,
    auditor: String,
    admin: String,
}

pub(crate) struct Network {
    dir: tempfile::TempDir,
    nodes: Vec<Node>,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    listener.local_addr().expect("an address").port()
}

fn cli(dir: &Path, args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aduana"));
    command.current_dir(dir).arg("exchange").args(args);
    let output = run(&mut command);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

impl Network {
    /// Initialises the three nodes with HTTPS endpoints, exchanges their public identities, creates `atlantic` on
    /// `es` and admits `fr` (the membership change is queued in `es`'s outbox, delivered once `es` serves).
    pub(crate) fn new() -> Network {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut nodes = Vec::new();
        for (name, node_name) in NODES {
            let port = free_port();
            let endpoint = format!("https://127.0.0.1:{port}");
            let out = cli(dir.path(), &["init", "--data-dir", name, "--name", node_name, "--endpoint", &endpoint]);
            assert!(out.contains(&format!("endpoint: {endpoint}")), "{out}");
            cli(dir.path(), &["identity", "export", "--data-dir", name, "--output", &format!("{name}.pub.json")]);
            let data = dir.path().join(format!("{name}-db"));
            let store = ["--data-dir", data.to_str().expect("utf-8")];
            let (_, officer) = add_user("officer", "officer", &store);
            let (_, auditor) = add_user("auditor", "auditor", &store);
            let (_, admin) = add_user("admin", "administrator", &store);
            nodes.push(Node { exchange: dir.path().join(name), data, port, officer, auditor, admin });
        }
        for (name, _) in NODES {
            for (peer, _) in NODES.iter().filter(|(p, _)| *p != name) {
                cli(dir.path(), &["peers", "add", "--data-dir", name, &format!("{peer}.pub.json")]);
            }
        }
        cli(dir.path(), &["groups", "create", "--data-dir", "es", "atlantic"]);
        let out = cli(dir.path(), &["groups", "add-member", "--data-dir", "es", "atlantic", "customs-fr"]);
        assert!(out.contains("queued for 1 recipients"), "{out}");
        Network { dir, nodes }
    }

    pub(crate) fn node(&self, name: &str) -> &Node {
        let index = NODES.iter().position(|(n, _)| *n == name).expect("a node");
        &self.nodes[index]
    }

    pub(crate) fn start(&self, name: &str) -> Server {
        let node = self.node(name);
        let listen = format!("127.0.0.1:{}", node.port);
        Server::start(&[
            "--data-dir",
            node.data.to_str().expect("utf-8"),
            "--exchange",
            node.exchange.to_str().expect("utf-8"),
            "--exchange-listen",
            &listen,
            "--exchange-retry-secs",
            "1",
            "--exchange-poll-ms",
            "100",
        ])
    }

    /// Reads a node's state as its files hold it (to act as that node from the test).
    fn state(&self, name: &str) -> NodeState {
        let dir = &self.node(name).exchange;
        let identity =
            NodeIdentity::from_secret_json(&std::fs::read(dir.join("identity.key")).expect("key")).expect("identity");
        let directory: Directory =
            serde_json::from_slice(&std::fs::read(dir.join("state.json")).expect("state")).expect("directory");
        NodeState { identity, directory }
    }

    fn public(&self, name: &str) -> PublicIdentity {
        PublicIdentity::from_json(&std::fs::read(self.dir.path().join(format!("{name}.pub.json"))).expect("read"))
            .expect("identity")
    }

    /// The envelopes queued in a node's outbox file.
    fn queued(&self, name: &str) -> Vec<String> {
        let outbox: aduana_exchange::Outbox =
            serde_json::from_slice(&std::fs::read(self.node(name).exchange.join("outbox.json")).expect("outbox"))
                .expect("outbox JSON");
        outbox.entries.into_iter().map(|e| e.envelope).collect()
    }
}

fn get(server: &Server, token: &str, path: &str) -> Answer {
    let auth = bearer(token);
    http(&server.address, "GET", path, &[("Authorization", &auth)], "").expect("an answer")
}

fn send_json(server: &Server, token: &str, method: &str, path: &str, body: &serde_json::Value) -> Answer {
    let auth = bearer(token);
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    http(&server.address, method, path, &headers, &body.to_string()).expect("an answer")
}

/// Polls until `check` holds on the answer of `GET path`, or fails after 30 s.
pub(crate) fn wait_for(
    server: &Server,
    token: &str,
    path: &str,
    what: &str,
    check: impl Fn(&serde_json::Value) -> bool,
) {
    let start = Instant::now();
    loop {
        let answer = get(server, token, path);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        let json = answer.json();
        if check(&json) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}: {json:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn inbox_kinds(server: &Server, token: &str) -> Vec<String> {
    let json = get(server, token, "/api/exchange/inbox").json();
    json["messages"].as_array().expect("messages").iter().map(|m| m["kind"].as_str().unwrap_or("").to_owned()).collect()
}

fn audit_reasons(server: &Server, token: &str) -> Vec<String> {
    let answer = get(server, token, "/api/audit");
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
        .body
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .flat_map(|entry| match entry.get("entries") {
            Some(serde_json::Value::Array(entries)) => entries.clone(),
            _ => vec![entry],
        })
        .filter(|entry| entry["action"] == "exchange.reject")
        .map(|entry| entry["details"]["reason"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn endpoint(network: &Network, name: &str) -> aduana_exchange::Endpoint {
    network.public(name).endpoint().expect("an endpoint").clone()
}

fn post(endpoint: &aduana_exchange::Endpoint, envelope: &str) -> Result<Posted, TransportError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(post_envelope(endpoint, envelope.as_bytes().to_vec(), Duration::from_secs(20)))
}

#[test]
fn exchange_three_https_nodes_member_reads_and_the_outsider_can_neither_read_nor_forge() {
    let network = Network::new();
    // A message queued by the CLI before the servers start: its envelope is kept to replay and tamper with.
    cli(network.dir.path(), &["send", "--data-dir", "es", "--group", "atlantic", "--subject", "s1", "--text", "first"]);
    let queued = network.queued("es");
    assert_eq!(queued.len(), 2, "the membership change and the message, for fr");
    let genuine = queued[1].clone();

    let (fr, xx, es) = (network.start("fr"), network.start("xx"), network.start("es"));
    let (es_node, fr_node, xx_node) = (network.node("es"), network.node("fr"), network.node("xx"));
    let alert = serde_json::json!({"group": "atlantic", "content": {
        "type": "alert", "subject": "concealment", "title": "false floor in reefers",
        "description": "cocaine under the floor of 40' reefers from Guayaquil", "reference": "MSCU1234565",
        "attachments": [{"name": "xray.txt", "media_type": "text/plain", "data": "eC1yYXk="}]}});
    let sent = send_json(&es, &es_node.officer, "POST", "/api/exchange/messages", &alert);
    assert_eq!(sent.status, 202, "{}", sent.body);
    let alert_id = sent.json()["message_id"].as_str().expect("an id").to_owned();

    // The member receives and decrypts both messages (after the membership change that admits it).
    wait_for(&fr, &fr_node.officer, "/api/exchange/inbox", "the alert at fr", |json| {
        json["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["message_id"] == alert_id.as_str()))
    });
    let inbox = get(&fr, &fr_node.officer, "/api/exchange/inbox").json();
    let received = inbox["messages"].as_array().expect("messages");
    let alert = received.iter().find(|m| m["message_id"] == alert_id.as_str()).expect("the alert");
    assert_eq!(alert["sender_name"], "customs-es");
    assert_eq!(alert["content"]["title"], "false floor in reefers");
    assert_eq!(alert["content"]["attachments"][0]["data"], "eC1yYXk=");
    assert!(received.iter().any(|m| m["kind"] == "free_text" && m["content"]["text"] == "first"), "{inbox:#}");
    wait_for(&es, &es_node.officer, "/api/exchange/outbox", "an empty outbox at es", |json| json["pending"] == 0);

    // The outsider received nothing, and cannot read the envelope: there is no key for it inside.
    assert!(inbox_kinds(&xx, &xx_node.officer).is_empty());
    let mut outsider = network.state("xx");
    let config = aduana_exchange::ReceiveConfig {
        max_age: chrono::TimeDelta::hours(1),
        max_clock_skew: chrono::TimeDelta::minutes(5),
        max_envelope_bytes: 1 << 20,
    };
    let refused = aduana_exchange::receive(&mut outsider, genuine.as_bytes(), chrono::Utc::now(), &config)
        .expect_err("the outsider cannot read it");
    assert_eq!(refused.reason.code(), "not_addressed_to_us");
    let posted = post(&endpoint(&network, "xx"), &genuine);
    assert!(matches!(&posted, Err(TransportError::Refused(m)) if m.starts_with("not_addressed_to_us")), "{posted:?}");
    assert!(inbox_kinds(&xx, &xx_node.officer).is_empty());

    // Nor forge: a look-alike group with atlantic's id, owned by xx, with fr as member, is refused by fr.
    let es_state = network.state("es");
    let atlantic = es_state.directory.find_group("atlantic").expect("the group").record().group.clone();
    let now = chrono::Utc::now();
    let look_alike =
        aduana_exchange::group::create(&outsider.identity, atlantic.clone(), "atlantic", false, now).expect("a record");
    outsider.directory.accept_membership(&outsider.identity, look_alike.clone()).expect("own record");
    let with_fr =
        aduana_exchange::group::change(&outsider.identity, &look_alike.record, &[network.public("fr")], &[], now)
            .expect("a record");
    outsider.directory.accept_membership(&outsider.identity, with_fr).expect("own record");
    let mut rng = aduana_exchange::rng_from_seed([3; 32]);
    let forged = aduana_exchange::seal(
        &outsider,
        &atlantic,
        &Content::FreeText(FreeText {
            subject: "forged".into(),
            text: "release MSCU1234565".into(),
            attachments: vec![],
        }),
        now,
        &mut rng,
    )
    .expect("sealed");
    let posted = post(&endpoint(&network, "fr"), &String::from_utf8(forged.bytes).expect("utf-8"));
    assert!(matches!(&posted, Err(TransportError::Refused(m)) if m.starts_with("not_a_member")), "{posted:?}");

    // A tampered envelope (one byte of the ciphertext changed) is refused; a replay is recognised and not stored
    // twice.
    let mut envelope: serde_json::Value = serde_json::from_str(&genuine).expect("JSON");
    let ciphertext = envelope["signed"]["ciphertext"].as_str().expect("ciphertext").to_owned();
    let flipped = if ciphertext.starts_with('A') { "B" } else { "A" };
    envelope["signed"]["ciphertext"] = format!("{flipped}{}", &ciphertext[1..]).into();
    let tampered = genuine.replace(&ciphertext, envelope["signed"]["ciphertext"].as_str().expect("text"));
    let posted = post(&endpoint(&network, "fr"), &tampered);
    assert!(matches!(&posted, Err(TransportError::Refused(m)) if m.starts_with("tampered")), "{posted:?}");
    assert_eq!(post(&endpoint(&network, "fr"), &genuine), Ok(Posted::AlreadyReceived));
    let kinds = inbox_kinds(&fr, &fr_node.officer);
    assert_eq!(kinds.iter().filter(|k| *k == "free_text").count(), 1, "{kinds:?}");

    // Every refusal is in the receivers' audit logs with its reason.
    assert_eq!(audit_reasons(&fr, &fr_node.auditor), ["not_a_member", "tampered", "replay"]);
    assert_eq!(audit_reasons(&xx, &xx_node.auditor), ["not_addressed_to_us"]);

    // A removed member: es admits xx, then removes fr; fr (not told) sends to the group and is refused by both.
    let added = send_json(
        &es,
        &es_node.admin,
        "POST",
        "/api/exchange/groups/atlantic/members",
        &serde_json::json!({"peer": "customs-xx"}),
    );
    assert_eq!(added.status, 200, "{}", added.body);
    wait_for(&fr, &fr_node.officer, "/api/exchange/groups", "xx in atlantic at fr", |json| {
        json["groups"][0]["members"].as_array().is_some_and(|m| m.len() == 3)
    });
    let removed = send_json(
        &es,
        &es_node.admin,
        "DELETE",
        "/api/exchange/groups/atlantic/members/customs-fr",
        &serde_json::json!({}),
    );
    assert_eq!(removed.status, 200, "{}", removed.body);
    wait_for(&xx, &xx_node.officer, "/api/exchange/groups", "fr removed at xx", |json| {
        json["groups"][0]["removed"].as_array().is_some_and(|m| m.len() == 1)
    });
    let late = serde_json::json!({"group": "atlantic", "content": {"type": "free_text", "subject": "late", "text": "still here"}});
    let sent = send_json(&fr, &fr_node.officer, "POST", "/api/exchange/messages", &late);
    assert_eq!(sent.status, 202, "{}", sent.body);
    wait_for(&fr, &fr_node.officer, "/api/exchange/outbox", "both refusals at fr", |json| {
        json["entries"].as_array().is_some_and(|entries| {
            entries.len() == 2
                && entries.iter().all(|e| {
                    e["status"] == "failed" && e["last_error"].as_str().is_some_and(|m| m.contains("removed_member"))
                })
        })
    });
    assert!(!inbox_kinds(&es, &es_node.officer).contains(&"free_text".to_owned()));
    assert_eq!(audit_reasons(&es, &es_node.auditor), ["removed_member"]);
    assert_eq!(audit_reasons(&xx, &xx_node.auditor), ["not_addressed_to_us", "removed_member"]);
}

#[test]
fn exchange_node_that_is_down_receives_its_messages_after_restart() {
    let network = Network::new();
    let (es_node, fr_node) = (network.node("es"), network.node("fr"));
    let es = network.start("es");
    let fr = network.start("fr");
    let first = serde_json::json!({"group": "atlantic", "content": {"type": "information_request", "subject": "MSCU1234565", "question": "who is the consignee?"}});
    assert_eq!(send_json(&es, &es_node.officer, "POST", "/api/exchange/messages", &first).status, 202);
    wait_for(&fr, &fr_node.officer, "/api/exchange/inbox", "the request at fr", |json| {
        json["messages"].as_array().is_some_and(|m| m.len() == 2)
    });

    fr.kill();
    let second = serde_json::json!({"group": "atlantic", "content": {"type": "free_text", "subject": "while down", "text": "queued"}});
    assert_eq!(send_json(&es, &es_node.officer, "POST", "/api/exchange/messages", &second).status, 202);
    wait_for(&es, &es_node.officer, "/api/exchange/outbox", "a failed attempt", |json| {
        json["entries"][0]["attempts"].as_u64().is_some_and(|a| a >= 1) && json["entries"][0]["status"] == "pending"
    });

    let fr = network.start("fr");
    wait_for(&fr, &fr_node.officer, "/api/exchange/inbox", "the queued message after restart", |json| {
        json["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["content"]["text"] == "queued"))
    });
    wait_for(&es, &es_node.officer, "/api/exchange/outbox", "an empty outbox", |json| json["pending"] == 0);
    let sent = get(&es, &es_node.officer, "/api/exchange/sent").json();
    assert_eq!(sent["messages"].as_array().map(Vec::len), Some(2), "{sent:#}");
}

#[test]
fn exchange_cli_deliver_posts_the_outbox_over_https_to_a_serving_node() {
    let network = Network::new();
    cli(
        network.dir.path(),
        &["send", "--data-dir", "es", "--group", "atlantic", "--subject", "cli", "--text", "by hand"],
    );
    let fr = network.start("fr");

    let out = cli(network.dir.path(), &["deliver", "--data-dir", "es", "--now"]);

    assert!(out.contains("0 pending"), "{out}");
    assert_eq!(out.matches("delivered ").count(), 2, "the membership change and the message: {out}");
    let fr_node = network.node("fr");
    let inbox = get(&fr, &fr_node.officer, "/api/exchange/inbox").json();
    let texts: Vec<&str> =
        inbox["messages"].as_array().expect("messages").iter().filter_map(|m| m["content"]["text"].as_str()).collect();
    assert_eq!(texts, ["by hand"], "{inbox:#}");
}
