//! `aduana exchange`: three nodes with their own data directories exchanging through the file-drop transport.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::helpers::{json_lines, run, stdout};

/// A scratch directory holding the data directories of several nodes.
struct Nodes {
    dir: tempfile::TempDir,
}

impl Nodes {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("creating a temporary directory") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `aduana exchange ARGS…` in the scratch directory.
    fn exchange(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aduana"));
        command.current_dir(self.dir.path()).arg("exchange").args(args);
        run(&mut command)
    }

    /// Runs and asserts success.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.exchange(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}{}",
            stdout(&output),
            String::from_utf8_lossy(&output.stderr)
        );
        stdout(&output)
    }

    fn envelopes(&self, inbox: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(self.path(inbox)).expect("inbox exists").map(|e| e.expect("entry").path()).collect();
        files.sort();
        files
    }
}

/// Three nodes: `es` owns group `atlantic` with member `fr`; `xx` knows everyone's keys but is not in the group.
fn three_nodes_and_a_group_of_two() -> Nodes {
    let nodes = Nodes::new();
    for (dir, name) in [("es", "customs-es"), ("fr", "customs-fr"), ("xx", "customs-xx")] {
        let out = nodes.ok(&["init", "--data-dir", dir, "--name", name]);
        assert!(out.contains("fingerprint: "), "{out}");
        nodes.ok(&["identity", "export", "--data-dir", dir, "--output", &format!("{dir}.pub.json")]);
    }
    for (dir, peers) in [("es", ["fr", "xx"]), ("fr", ["es", "xx"]), ("xx", ["es", "fr"])] {
        for peer in peers {
            nodes.ok(&["peers", "add", "--data-dir", dir, &format!("{peer}.pub.json")]);
        }
    }
    nodes.ok(&["groups", "create", "--data-dir", "es", "atlantic"]);
    let out = nodes.ok(&["groups", "add-member", "--data-dir", "es", "atlantic", "customs-fr", "--deliver-to", "fr"]);
    assert!(out.contains("serial 2: 2 members"), "{out}");
    nodes
}

#[test]
fn exchange_member_reads_a_group_message_and_the_outsider_cannot() {
    let nodes = three_nodes_and_a_group_of_two();
    std::fs::write(nodes.path("manifest.txt"), "MSCU1234565 false floor\n").expect("write");

    let sent = nodes.ok(&[
        "send",
        "--data-dir",
        "es",
        "--group",
        "atlantic",
        "--subject",
        "reefer",
        "--text",
        "inspect MSCU1234565 at Le Havre",
        "--attach",
        "manifest.txt",
        "--deliver-to",
        "fr",
        "--deliver-to",
        "xx",
    ]);
    assert!(sent.contains("to 1 members"), "{sent}");
    assert!(nodes.envelopes("xx/inbox").is_empty(), "nothing is dropped for a non-recipient");
    let envelopes = nodes.envelopes("fr/inbox");
    assert_eq!(envelopes.len(), 2, "the membership change and the message");
    for envelope in &envelopes {
        let text = std::fs::read_to_string(envelope).expect("read");
        assert!(!text.contains("Le Havre") && !text.contains("false floor"), "envelopes are encrypted");
    }
    // Keep a copy for the outsider before the member's inbox consumes them.
    let message = envelopes
        .iter()
        .find(|p| !std::fs::read_to_string(p).expect("read").contains("\"kind\":\"membership\""))
        .expect("the message envelope")
        .clone();
    std::fs::copy(&message, nodes.path("xx/inbox/stolen.json")).expect("copy");

    let output = nodes.exchange(&["inbox", "--data-dir", "fr", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["status"] == "accepted"), "{lines:?}");
    assert_eq!(lines[0]["message"]["content"]["type"], "membership_change");
    let read = &lines[1]["message"];
    assert_eq!(read["sender_name"], "customs-es");
    assert_eq!(read["group_name"], "atlantic");
    assert_eq!(read["content"]["type"], "free_text");
    assert_eq!(read["content"]["text"], "inspect MSCU1234565 at Le Havre");
    assert_eq!(read["content"]["attachments"][0]["name"], "manifest.txt");
    assert_eq!(read["content"]["attachments"][0]["media_type"], "text/plain");
    assert!(nodes.envelopes("fr/inbox").is_empty(), "accepted envelopes leave the inbox");
    assert_eq!(nodes.envelopes("fr/received").len(), 2);

    let output = nodes.exchange(&["inbox", "--data-dir", "xx", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let lines = json_lines(&output);
    assert_eq!(lines[0]["status"], "rejected");
    assert_eq!(lines[0]["reason"], "not_addressed_to_us");
    assert!(!stdout(&output).contains("Le Havre"));
}

#[test]
fn exchange_tampered_envelope_file_is_rejected_with_exit_1() {
    let nodes = three_nodes_and_a_group_of_two();
    nodes.ok(&["inbox", "--data-dir", "fr"]);
    nodes.ok(&["send", "--data-dir", "es", "--group", "atlantic", "--text", "release nothing", "--deliver-to", "fr"]);
    let envelope = nodes.envelopes("fr/inbox").pop().expect("one envelope");
    let mut bytes = std::fs::read(&envelope).expect("read");
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let at = text.find("\"ciphertext\":\"").expect("ciphertext") + 20;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&envelope, &bytes).expect("write");

    let output = nodes.exchange(&["inbox", "--data-dir", "fr"]);

    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.starts_with("rejected ") && out.contains(": tampered: "), "{out}");
    assert!(!out.contains("release nothing"));
    assert_eq!(nodes.envelopes("fr/rejected").len(), 1, "the refused envelope is kept aside");
}

#[test]
fn exchange_replayed_envelope_file_is_rejected_and_a_removed_member_is_refused() {
    let nodes = three_nodes_and_a_group_of_two();
    nodes.ok(&[
        "groups",
        "add-member",
        "--data-dir",
        "es",
        "atlantic",
        "customs-xx",
        "--deliver-to",
        "fr",
        "--deliver-to",
        "xx",
    ]);
    nodes.ok(&["inbox", "--data-dir", "fr"]);
    nodes.ok(&["inbox", "--data-dir", "xx"]);
    nodes.ok(&["send", "--data-dir", "xx", "--group", "atlantic", "--text", "hello", "--deliver-to", "fr"]);
    let envelope = nodes.envelopes("fr/inbox").pop().expect("one envelope");
    let copy = nodes.path("replay.json");
    std::fs::copy(&envelope, &copy).expect("copy");
    nodes.ok(&["inbox", "--data-dir", "fr"]);

    std::fs::copy(&copy, nodes.path("fr/inbox/replay.json")).expect("copy");
    let output = nodes.exchange(&["inbox", "--data-dir", "fr"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains(": replay: "), "{}", stdout(&output));

    nodes.ok(&["groups", "remove-member", "--data-dir", "es", "atlantic", "customs-xx", "--deliver-to", "fr"]);
    nodes.ok(&["inbox", "--data-dir", "fr"]);
    nodes.ok(&["send", "--data-dir", "xx", "--group", "atlantic", "--text", "still here", "--deliver-to", "fr"]);
    let output = nodes.exchange(&["inbox", "--data-dir", "fr"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains(": removed_member: "), "{}", stdout(&output));
}

#[test]
fn exchange_undelivered_envelope_waits_in_the_outbox_until_delivered() {
    let nodes = three_nodes_and_a_group_of_two();
    let out = nodes.ok(&["send", "--data-dir", "es", "--group", "atlantic", "--text", "later"]);
    assert!(out.contains("queued for 1 recipients"), "{out}");
    let out = nodes.ok(&["deliver", "--data-dir", "es", "--deliver-to", "xx"]);
    assert!(out.contains("pending") && out.contains("1 pending"), "{out}");

    let out = nodes.ok(&["deliver", "--data-dir", "es", "--now", "--deliver-to", "fr"]);

    assert!(out.contains("delivered") && out.ends_with("0 pending\n"), "{out}");
    let inbox = nodes.ok(&["inbox", "--data-dir", "fr"]);
    assert!(inbox.contains("later"), "{inbox}");
}

#[test]
fn exchange_private_key_file_is_readable_by_its_owner_only() {
    let nodes = Nodes::new();
    nodes.ok(&["init", "--data-dir", "es", "--name", "customs-es"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(nodes.path("es/identity.key")).expect("key file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = nodes.exchange(&["init", "--data-dir", "es", "--name", "customs-es"]);
    assert_eq!(again.status.code(), Some(2), "init refuses to overwrite an identity");
    assert!(Path::new(&nodes.path("es/identity.pub.json")).exists());
}

#[test]
fn exchange_inbox_json_reports_a_malformed_envelope_with_its_reason() {
    let nodes = Nodes::new();
    nodes.ok(&["init", "--data-dir", "fr", "--name", "customs-fr"]);
    std::fs::write(nodes.path("fr/inbox/junk.json"), "{\"version\": 1,\n  \"signed\": [}\n").expect("write");

    let output = nodes.exchange(&["inbox", "--data-dir", "fr", "--json"]);

    assert_eq!(output.status.code(), Some(1));
    insta::assert_json_snapshot!(json_lines(&output)[0], @r#"
    {
      "detail": "expected an envelope: expected value at line 2 column 14",
      "file": "junk.json",
      "message_id": null,
      "reason": "malformed",
      "status": "rejected"
    }
    "#);
}

#[test]
fn exchange_peers_add_refuses_a_malformed_identity_file_with_exit_2() {
    let nodes = Nodes::new();
    nodes.ok(&["init", "--data-dir", "es", "--name", "customs-es"]);
    std::fs::write(nodes.path("bad.pub.json"), "{\"version\": 1, \"name\": \"x\"}").expect("write");

    let output = nodes.exchange(&["peers", "add", "--data-dir", "es", "bad.pub.json"]);

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("reading bad.pub.json: expected a public identity file: missing field `signing_key`"),
        "{stderr}"
    );
}

#[test]
fn exchange_seizure_notice_sends_its_nominal_part_only_where_the_group_allows_it() {
    let nodes = three_nodes_and_a_group_of_two();
    let notice = r#"{"type": "seizure_notice", "seized_on": "2026-11-20", "place": "Algeciras", "country": "ES",
        "goods": "cocaine", "hs_code": "1211.90", "quantity": "120 kg", "concealment": "false floor",
        "nominal": {"persons": [{"name": "J. Doe", "nationality": "PA"}], "companies": []}}"#;
    std::fs::write(nodes.path("nominal.json"), notice).expect("write");
    let without: serde_json::Value = {
        let mut value: serde_json::Value = serde_json::from_str(notice).expect("json");
        value.as_object_mut().expect("object").remove("nominal");
        value
    };
    std::fs::write(nodes.path("non-nominal.json"), without.to_string()).expect("write");

    let refused = nodes.exchange(&["send", "--data-dir", "es", "--group", "atlantic", "--content", "nominal.json"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not allow nominal data"));

    nodes.ok(&[
        "send",
        "--data-dir",
        "es",
        "--group",
        "atlantic",
        "--content",
        "non-nominal.json",
        "--deliver-to",
        "fr",
    ]);
    let output = nodes.exchange(&["inbox", "--data-dir", "fr", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let lines = json_lines(&output);
    let content = &lines.last().expect("a line")["message"]["content"];
    assert_eq!(content["type"], "seizure_notice");
    assert_eq!(content["hs_code"], "121190");
    assert!(content.get("nominal").is_none());
}

#[test]
fn exchange_peers_add_checks_the_fingerprint_read_out_by_the_peer() {
    let nodes = Nodes::new();
    nodes.ok(&["init", "--data-dir", "es", "--name", "customs-es"]);
    let init = nodes.ok(&["init", "--data-dir", "fr", "--name", "customs-fr"]);
    let fingerprint = init.lines().find_map(|l| l.strip_prefix("fingerprint: ")).expect("fingerprint").to_owned();
    nodes.ok(&["identity", "export", "--data-dir", "fr", "--output", "fr.pub.json"]);
    let wrong = format!("0000{}", &fingerprint[4..]);

    let refused = nodes.exchange(&["peers", "add", "--data-dir", "es", "fr.pub.json", "--expect-fingerprint", &wrong]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(nodes.ok(&["peers", "list", "--data-dir", "es"]).is_empty());

    let added = nodes.ok(&["peers", "add", "--data-dir", "es", "fr.pub.json", "--expect-fingerprint", &fingerprint]);
    assert!(added.contains("added peer customs-fr"), "{added}");
    assert!(nodes.ok(&["peers", "list", "--data-dir", "es"]).contains(&fingerprint));
}
