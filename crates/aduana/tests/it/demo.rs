//! `aduana demo` end to end: the real binary prepares a fresh data directory, prints one user per role and serves;
//! the printed credentials work and the assessed demo consignments are there.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::{run, stdout};
use crate::serve::{bearer, http};

/// Kills the demo server when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn demo_serves_assessed_consignments_and_prints_working_credentials_for_every_role() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_aduana"))
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting aduana demo");
    let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
    let _child = Killed(child);
    let mut printed = Vec::new();
    let address = loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).expect("reading the demo's output") > 0, "ended early: {printed:?}");
        if let Some(address) = line.trim().strip_prefix("listening on http://") {
            break address.to_owned();
        }
        printed.push(line);
    };
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let text = printed.concat();

    let summary = printed.iter().find(|l| l.contains("consignments assessed")).expect("a summary line");
    let assessed: usize = summary.split_whitespace().next().and_then(|n| n.parse().ok()).expect("a count");
    assert!(assessed >= 2000, "a few thousand demo consignments: {summary}");
    let user = |name: &str| -> (String, String) {
        let line = printed
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no credentials for {name} in {text}"));
        let cells: Vec<&str> = line.split_whitespace().collect();
        (cells[2].to_owned(), cells[3].to_owned())
    };
    for role in ["admin", "analyst", "officer", "auditor", "carrier", "partner"] {
        let (password, token) = user(role);
        assert_eq!(password.len(), 24, "{role}");
        assert!(token.starts_with("adu_"), "{role}: {token}");
    }

    let (password, token) = user("officer");
    let login = serde_json::json!({"name": "officer", "password": password}).to_string();
    let answer = http(&address, "POST", "/api/login", &[("Content-Type", "application/json")], &login).expect("login");
    assert_eq!(answer.status, 200, "the printed password logs in: {}", answer.body);

    let auth = bearer(&token);
    let red = http(&address, "GET", "/api/assessments?lane=red", &[("Authorization", &auth)], "").expect("list");
    assert_eq!(red.status, 200, "{}", red.body);
    let red = red.json();
    let red = red["assessments"].as_array().expect("assessments");
    assert!(!red.is_empty(), "the queue has red consignments");
    // The example consignee on the UN list is red with a screening hit.
    let path = "/api/consignments?reference=MAEU240918899";
    let sanctioned = http(&address, "GET", path, &[("Authorization", &auth)], "").expect("find");
    assert_eq!(sanctioned.status, 200, "{}", sanctioned.body);
    let id = sanctioned.json()["consignments"][0]["id"].as_i64().expect("an id");
    let sanctioned = http(&address, "GET", &format!("/api/consignments/{id}"), &[("Authorization", &auth)], "")
        .expect("read")
        .json();
    let assessment = &sanctioned["assessment"];
    assert_eq!(assessment["lane"], "red", "{sanctioned}");
    assert!(assessment["hits"].to_string().contains("screening"), "{assessment}");

    // A second demo replaces the first one's directory; a directory it did not make is refused.
    let other = dir.path().join("precious");
    std::fs::create_dir(&other).expect("mkdir");
    std::fs::write(other.join("notes.txt"), "keep").expect("write");
    let refused =
        run(Command::new(env!("CARGO_BIN_EXE_aduana")).args(["demo", "--no-serve", "--data-dir"]).arg(&other));
    assert_eq!(refused.status.code(), Some(2), "{}", stdout(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("was not made by `aduana demo`"));
    assert!(other.join("notes.txt").exists());
}
