//! `aduana train` and `aduana evaluate` on a slice of the KCS synthetic declarations: every 15th training row
//! (2,492 rows over 2020) and every 16th validation row (500 rows, early 2021). On so little history the model
//! is weak (AUC about 0.6); the full data gives about 0.89.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use crate::helpers::{json_lines, repo_path, run, setup};

fn train(dir: &std::path::Path) -> Output {
    let mut aduana = std::process::Command::new(env!("CARGO_BIN_EXE_aduana"));
    aduana.current_dir(dir);
    run(aduana
        .arg("train")
        .arg("--train")
        .arg(repo_path("crates/aduana/tests/data/kcs/train_2500.csv"))
        .arg("--valid")
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv"))
        .args(["--out", "model.json", "--rounds", "80"]))
}

#[test]
fn train_then_evaluate_prints_one_json_line_of_ranking_metrics() {
    let (dir, mut aduana) = setup();
    let trained = train(dir.path());
    assert_eq!(trained.status.code(), Some(0), "{}", String::from_utf8_lossy(&trained.stderr));
    assert!(String::from_utf8_lossy(&trained.stdout).contains("valid: 500 rows, AUC"));
    let output = run(aduana
        .args(["evaluate", "--model", "model.json", "--json", "--data"])
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv")));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1);
    let report = &lines[0];
    assert_eq!(report["rows"], 500);
    for key in ["precision_at", "recall_at", "revenue_at"] {
        for n in ["1", "2", "5", "10"] {
            let value = report[key][n].as_f64().unwrap_or(-1.0);
            assert!((0.0..=100.0).contains(&value), "{key}@{n} = {value}");
        }
    }
    let auc = report["auc"].as_f64().unwrap_or(0.0);
    assert!(auc > 0.55, "a model trained on 2,492 rows still ranks better than chance: AUC {auc}");

    let (_, mut again) = setup();
    let frozen = run(again
        .current_dir(dir.path())
        .args(["evaluate", "--model", "model.json", "--json", "--frozen-history", "--data"])
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv")));
    assert_eq!(frozen.status.code(), Some(0));
    let frozen = &json_lines(&frozen)[0];
    assert_eq!(frozen["rows"], 500);
    assert_ne!(frozen["auc"], report["auc"], "without the day-by-day outcomes the scores differ");
}

#[test]
fn evaluate_refuses_a_model_of_another_format_version() {
    let (dir, mut aduana) = setup();
    assert_eq!(train(dir.path()).status.code(), Some(0));
    let path = dir.path().join("model.json");
    let text = std::fs::read_to_string(&path).expect("model written");
    std::fs::write(&path, text.replacen("\"format_version\":1", "\"format_version\":99", 1)).expect("write");
    let output = run(aduana
        .args(["evaluate", "--model", "model.json", "--data"])
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv")));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("format version 99, this build reads version 1"), "{stderr}");
}

#[test]
fn evaluate_refuses_a_model_with_another_feature_schema() {
    let (dir, mut aduana) = setup();
    assert_eq!(train(dir.path()).status.code(), Some(0));
    let path = dir.path().join("model.json");
    let text = std::fs::read_to_string(&path).expect("model written");
    std::fs::write(&path, text.replacen("\"log_value\"", "\"log_price\"", 1)).expect("write");
    let output = run(aduana
        .args(["evaluate", "--model", "model.json", "--data"])
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv")));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("feature 1 is `log_price` in the file, `log_value` here"), "{stderr}");
}

#[test]
fn train_stops_with_the_located_errors_of_a_bad_file() {
    let (dir, mut aduana) = setup();
    let output = run(aduana
        .arg("train")
        .arg("--train")
        .arg(repo_path("crates/aduana-formats/test_data/kcs_csv/err/bad_date.csv"))
        .arg("--valid")
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv"))
        .args(["--out", "model.json"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad_date.csv:2: field Date: error[bad_date]"), "{stderr}");
    assert!(!dir.path().join("model.json").exists());
}

#[test]
fn assess_with_a_trained_model_adds_explained_model_hits_and_records_the_model_version() {
    // See: issue 5, "The model is an indicator in the risk engine". The slice above is too small for a model that
    // is ever confident, so this trains on the full public training year.
    let data = repo_path("../shared/data/customs-synthetic");
    if !data.join("df_syn_train_eng.csv").exists() {
        #[allow(clippy::print_stderr, reason = "a skipped test must say so in the test output")]
        {
            eprintln!("!!!!! SKIPPED: {} is absent; the model-indicator test did not run !!!!!", data.display());
        }
        return;
    }
    let (dir, mut trainer) = setup();
    let trained = run(trainer
        .arg("train")
        .arg("--train")
        .arg(data.join("df_syn_train_eng.csv"))
        .arg("--valid")
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv"))
        .args(["--out", "model.json"]));
    assert_eq!(trained.status.code(), Some(0), "{}", String::from_utf8_lossy(&trained.stderr));
    let (_dir, mut aduana) = setup();
    let output = run(aduana
        .current_dir(dir.path())
        .args(["assess", "--model", "model.json", "--as-of", "2021-04-01", "--json"])
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv")));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let assessments = json_lines(&output);
    assert_eq!(assessments.len(), 500);
    let model_hits: Vec<&serde_json::Value> = assessments
        .iter()
        .flat_map(|a| a["hits"].as_array().into_iter().flatten())
        .filter(|h| h["indicator"] == "model")
        .collect();
    assert!(!model_hits.is_empty(), "a model trained on 2020 flags some of 500 early-2021 declarations");
    for hit in &model_hits {
        assert!(
            hit["reason"].as_str().is_some_and(|r| r.starts_with("The learned model puts the probability")),
            "{hit}"
        );
        assert!(!hit["evidence"].as_array().expect("evidence").is_empty(), "{hit}");
        assert!(["yellow", "red"].contains(&hit["lane"].as_str().unwrap_or_default()), "{hit}");
    }
    assert!(assessments[0]["versions"]["model"].as_str().is_some_and(|v| v.starts_with("v1:")), "{}", assessments[0]);
}

/// Submits the KCS training slice to a running server, has an officer examine every declaration and record what the
/// data says was found, then trains from the store: the model learns from recorded examination results.
#[test]
fn train_from_store_learns_from_the_examination_results_officers_recorded() {
    use crate::serve::{Server, add_user, bearer, http};

    let (dir, mut aduana) = setup();
    let data_dir = dir.path().join("data").display().to_string();
    let store_args = ["--data-dir", data_dir.as_str()];
    let (_, carrier) = add_user("carrier", "submitter", &store_args);
    let (_, officer) = add_user("officer1", "officer", &store_args);

    let before = run(Command::new(env!("CARGO_BIN_EXE_aduana"))
        .current_dir(dir.path())
        .args(["train", "--from-store", "--out", "model.json"])
        .args(store_args));
    assert_eq!(before.status.code(), Some(1), "no examination results yet");
    assert!(String::from_utf8_lossy(&before.stderr).contains("record more examination results"));

    let csv = std::fs::read_to_string(repo_path("crates/aduana/tests/data/kcs/train_2500.csv")).expect("slice");
    let fraud: BTreeMap<&str, bool> = csv
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            Some((*cells.first()?, *cells.get(20)? == "1"))
        })
        .collect();
    let server = Server::start(&store_args);
    let auth = bearer(&carrier);
    let answer = http(
        &server.address,
        "POST",
        "/api/consignments?format=kcs-csv",
        &[("Authorization", &auth), ("Content-Type", "text/csv")],
        &csv,
    )
    .expect("submit");
    assert_eq!(answer.status, 201, "{}", answer.body);
    let submissions = answer.json()["submissions"].as_array().expect("submissions").clone();
    assert_eq!(submissions.len(), fraud.len());

    let auth = bearer(&officer);
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    for submission in &submissions {
        let id = submission["consignment_id"].as_i64().expect("id");
        let reference = submission["reference"].as_str().expect("reference");
        let order = http(
            &server.address,
            "POST",
            &format!("/api/consignments/{id}/examinations"),
            &headers,
            r#"{"instructions": "document check and physical examination"}"#,
        )
        .expect("order");
        assert_eq!(order.status, 201, "{}", order.body);
        let order_id = order.json()["id"].as_i64().expect("order id");
        let outcome = if fraud[reference] { "found" } else { "not_found" };
        let body = serde_json::json!({"outcome": outcome, "findings": "as declared or not"}).to_string();
        let result = http(&server.address, "POST", &format!("/api/examinations/{order_id}/result"), &headers, &body)
            .expect("result");
        assert_eq!(result.status, 201, "{}", result.body);
    }
    server.kill();

    let trained = run(aduana.args(["train", "--from-store", "--out", "model.json", "--rounds", "80"]).args(store_args));
    assert_eq!(trained.status.code(), Some(0), "{}", String::from_utf8_lossy(&trained.stderr));
    let stderr = String::from_utf8_lossy(&trained.stderr);
    let frauds = fraud.values().filter(|f| **f).count();
    let counts: Vec<usize> = stderr
        .lines()
        .find(|l| l.contains("examined consignments for training"))
        .unwrap_or_else(|| panic!("no counts in {stderr}"))
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let [train_rows, train_finds, valid_rows, valid_finds] = counts[counts.len() - 4..] else { unreachable!() };
    assert_eq!(train_rows + valid_rows, fraud.len(), "{stderr}");
    assert_eq!(train_finds + valid_finds, frauds, "every recorded find is a fraudulent label: {stderr}");
    assert!((0.15..0.25).contains(&(valid_rows as f64 / fraud.len() as f64)), "the latest fifth validates: {stderr}");
    let (_, mut evaluate) = setup();
    let output = run(evaluate
        .current_dir(dir.path())
        .args(["evaluate", "--model", "model.json", "--json", "--data"])
        .arg(repo_path("crates/aduana/tests/data/kcs/valid_500.csv")));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let auc = json_lines(&output)[0]["auc"].as_f64().unwrap_or(0.0);
    assert!(auc > 0.55, "a model trained on 2,492 recorded examinations ranks better than chance: AUC {auc}");
}
