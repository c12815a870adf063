//! The architecture invariants of ARCHITECTURE.md, checked mechanically: which workspace crates may depend on
//! which, and which external crates the pure crates must never use.

use std::collections::BTreeMap;
use std::process::Command;

/// Allowed workspace edges: crate → the workspace crates it may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("aduana-core", &[]),
    ("aduana-formats", &["aduana-core"]),
    ("aduana-screening", &["aduana-core"]),
    ("aduana-learn", &["aduana-core"]),
    ("aduana-enforcement", &["aduana-core"]),
    ("aduana-risk", &["aduana-core", "aduana-screening", "aduana-learn", "aduana-enforcement"]),
    ("aduana-store", &["aduana-core", "aduana-enforcement"]),
    ("aduana-exchange", &["aduana-core", "aduana-enforcement"]),
    (
        "aduana-server",
        &[
            "aduana-core",
            "aduana-formats",
            "aduana-risk",
            "aduana-store",
            "aduana-exchange",
            "aduana-screening",
            "aduana-learn",
            "aduana-enforcement",
        ],
    ),
    (
        "aduana",
        &[
            "aduana-core",
            "aduana-formats",
            "aduana-screening",
            "aduana-learn",
            "aduana-risk",
            "aduana-store",
            "aduana-exchange",
            "aduana-server",
            "aduana-enforcement",
        ],
    ),
];

/// The crates that do no I/O and must not pull in a runtime, a database, HTTP or messaging.
const PURE: &[&str] =
    &["aduana-core", "aduana-formats", "aduana-screening", "aduana-learn", "aduana-risk", "aduana-enforcement"];
const FORBIDDEN_IN_PURE: &[&str] = &["tokio", "sqlx", "axum", "reqwest", "hyper", "async-nats", "anyhow"];

#[test]
fn workspace_crates_depend_only_along_allowed_edges() {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut violations = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("name");
        for dependency in package["dependencies"].as_array().expect("dependencies") {
            let dep = dependency["name"].as_str().expect("dependency name");
            let normal = dependency["kind"].is_null();
            if !normal {
                continue;
            }
            if dep.starts_with("aduana") {
                match allowed.get(name) {
                    Some(ok) if ok.contains(&dep) => {}
                    Some(_) => violations.push(format!("{name} → {dep} is not an allowed edge")),
                    None => violations.push(format!("{name} is not listed in ALLOWED (add it with its edges)")),
                }
            }
            if PURE.contains(&name) && FORBIDDEN_IN_PURE.contains(&dep) {
                violations.push(format!("pure crate {name} depends on {dep}"));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}
