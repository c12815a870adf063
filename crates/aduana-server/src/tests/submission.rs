//! Submission in each way a client sends it, and the errors, sessions, audit, limits and service endpoints
//! around it.

use aduana_store::Role::{Auditor, Officer, Submitter};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::RatePolicy;
use crate::tests::{Harness, consignment, error_code, settings};

#[tokio::test]
async fn the_shipped_example_is_assessed_and_stored() {
    let harness = Harness::new(settings()).await;
    let example = include_str!("../../../../examples/consignment.json");
    let token = Some(harness.token(Submitter));
    let answer = harness.call(Method::POST, "/api/consignments", token, Some("application/json"), example).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
    let submission = &answer.json["submissions"][0];
    assert_eq!(submission["outcome"], "created");
    assert_eq!(submission["reference"], "MAEU240918734");
    assert_eq!(submission["assessment"]["lane"], "green");
    let list = harness.call(Method::GET, "/api/consignments?reference=MAEU240918734", token, None, "").await;
    assert_eq!(list.json["consignments"][0]["consignment"]["reference"], "MAEU240918734");
}

#[tokio::test]
async fn resubmission_is_idempotent_and_changed_content_is_an_amendment() {
    let harness = Harness::new(settings()).await;
    let first = harness.submit(Submitter, &consignment("IDEM1", "tiles")).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = harness.submit(Submitter, &consignment("IDEM1", "tiles")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["submissions"][0]["outcome"], "unchanged");
    assert_eq!(again.json["submissions"][0]["consignment_id"], first.json["submissions"][0]["consignment_id"]);
    let amended = harness.submit(Submitter, &consignment("IDEM1", "weapon parts")).await;
    assert_eq!(amended.status, StatusCode::CREATED);
    assert_eq!(amended.json["submissions"][0]["outcome"], "amended");
    assert_eq!(amended.json["submissions"][0]["version"], 2);
    assert_eq!(amended.json["submissions"][0]["assessment"]["lane"], "red");
}

#[tokio::test]
async fn arrays_and_json_lines_are_accepted_by_content_type_or_format_parameter() {
    let harness = Harness::new(settings()).await;
    let token = Some(harness.token(Submitter));
    let array = serde_json::json!([consignment("ARR1", "a"), consignment("ARR2", "weapon")]).to_string();
    let answer = harness.call(Method::POST, "/api/consignments", token, Some("application/json"), array).await;
    assert_eq!(answer.json["submissions"].as_array().map(Vec::len), Some(2), "{answer:?}");
    assert_eq!(answer.json["submissions"][1]["assessment"]["lane"], "red");

    let lines = format!("{}\n{}\n", consignment("JL1", "a"), consignment("JL2", "b"));
    let answer =
        harness.call(Method::POST, "/api/consignments", token, Some("application/x-ndjson"), lines.clone()).await;
    assert_eq!(answer.json["submissions"].as_array().map(Vec::len), Some(2), "{answer:?}");
    let lines = format!("{}\n{}\n", consignment("JL3", "a"), consignment("JL4", "b"));
    let answer = harness.call(Method::POST, "/api/consignments?format=jsonl", token, Some("text/plain"), lines).await;
    assert_eq!(answer.json["submissions"].as_array().map(Vec::len), Some(2), "{answer:?}");

    let unknown = harness.call(Method::POST, "/api/consignments?format=telex", token, None, "x").await;
    assert_eq!(
        (unknown.status, error_code(&unknown).as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_format")
    );
    let undetectable = harness.call(Method::POST, "/api/consignments", token, Some("text/plain"), "hello").await;
    assert_eq!(error_code(&undetectable), "unsupported_format");
}

#[tokio::test]
async fn invalid_consignments_are_rejected_whole_with_located_diagnostics() {
    let harness = Harness::new(settings()).await;
    let token = Some(harness.token(Submitter));
    let mut bad = consignment("BAD2", "a");
    bad["goods"][0]["hs_code"] = serde_json::json!("85A1");
    let body = serde_json::json!([consignment("GOOD1", "a"), bad]).to_string();
    let answer = harness.call(Method::POST, "/api/consignments", token, Some("application/json"), body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:?}");
    assert_eq!(error_code(&answer), "invalid_consignment");
    assert_eq!(answer.json["error"]["location"]["path"]["pointer"], "/1/goods/0/hs_code", "{answer:?}");
    assert_eq!(answer.json["error"]["diagnostics"].as_array().map(Vec::len), Some(1));
    let list = harness.call(Method::GET, "/api/consignments?reference=GOOD1", token, None, "").await;
    assert_eq!(list.json["consignments"].as_array().map(Vec::len), Some(0), "nothing stored from a rejected batch");

    let syntax =
        harness.call(Method::POST, "/api/consignments", token, Some("application/json"), "{\n  \"reference\": ").await;
    assert_eq!(error_code(&syntax), "invalid_consignment");
    assert_eq!(syntax.json["error"]["location"]["line"], 2, "{syntax:?}");

    let empty = harness.call(Method::POST, "/api/consignments", token, Some("application/json"), "[]").await;
    assert_eq!((empty.status, error_code(&empty).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "no_consignment"));
}

#[tokio::test]
async fn too_many_items_and_too_large_bodies_are_refused() {
    let mut limited = settings();
    limited.max_body_bytes = 4096;
    let harness = Harness::new(limited).await;
    let token = Some(harness.token(Submitter));
    let mut many = consignment("MANY1", "a");
    many["goods"] = (1..=51).map(|i| serde_json::json!({"sequence": i})).collect();
    let answer =
        harness.call(Method::POST, "/api/consignments", token, Some("application/json"), many.to_string()).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:?}");
    assert_eq!(answer.json["error"]["diagnostics"][0]["code"], "too_many_items");
    let big = "x".repeat(5000);
    let answer = harness.call(Method::POST, "/api/consignments", token, Some("application/json"), big).await;
    assert_eq!((answer.status, error_code(&answer).as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
}

#[tokio::test]
async fn a_caller_over_its_rate_is_told_when_to_retry() {
    let mut slow = settings();
    slow.rate = RatePolicy { per_second: 0.5, burst: 2.0 };
    let harness = Harness::new(slow).await;
    let token = Some(harness.token(Officer));
    for _ in 0..2 {
        assert_eq!(harness.call(Method::GET, "/api/me", token, None, "").await.status, StatusCode::OK);
    }
    let refused = harness.call(Method::GET, "/api/me", token, None, "").await;
    assert_eq!((refused.status, error_code(&refused).as_str()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    assert_eq!(refused.headers.get(header::RETRY_AFTER).map(|v| v.as_bytes()), Some(&b"2"[..]));
    let other = harness.call(Method::GET, "/api/me", Some(harness.token(Auditor)), None, "").await;
    assert_eq!(other.status, StatusCode::OK, "another caller has its own bucket");
}

#[tokio::test]
async fn a_login_sets_a_session_cookie_that_authenticates_until_logout() {
    let harness = Harness::new(settings()).await;
    let login = |password: &str| serde_json::json!({"name": "officer", "password": password}).to_string();
    let wrong = harness.call(Method::POST, "/api/login", None, Some("application/json"), login("nope")).await;
    assert_eq!((wrong.status, error_code(&wrong).as_str()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let unknown = harness
        .call(Method::POST, "/api/login", None, Some("application/json"), r#"{"name": "ghost", "password": "x"}"#)
        .await;
    assert_eq!(error_code(&unknown), "invalid_credentials");
    let ok = harness.call(Method::POST, "/api/login", None, Some("application/json"), login("officer-password")).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    let cookie = ok.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("a cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().expect("name=value").to_owned();
    let with_cookie = |method: Method, uri: &str| {
        Request::builder().method(method).uri(uri).header(header::COOKIE, &pair).body(Body::empty()).expect("request")
    };
    let me = harness.send(with_cookie(Method::GET, "/api/me")).await;
    assert_eq!((me.status, me.json["role"].as_str()), (StatusCode::OK, Some("officer")));
    let out = harness.send(with_cookie(Method::POST, "/api/logout")).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = harness.send(with_cookie(Method::GET, "/api/me")).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_login_attempts_for_one_name_are_slowed_down() {
    let harness = Harness::new(settings()).await;
    let attempt = |name: &str| serde_json::json!({"name": name, "password": "guess"}).to_string();
    for _ in 0..5 {
        let answer = harness.call(Method::POST, "/api/login", None, Some("application/json"), attempt("officer")).await;
        assert_eq!(error_code(&answer), "invalid_credentials");
    }
    let braked = harness.call(Method::POST, "/api/login", None, Some("application/json"), attempt("officer")).await;
    assert_eq!((braked.status, error_code(&braked).as_str()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    assert!(braked.headers.contains_key(header::RETRY_AFTER));
    let other = harness.call(Method::POST, "/api/login", None, Some("application/json"), attempt("analyst")).await;
    assert_eq!(error_code(&other), "invalid_credentials", "another name has its own budget");
    let auditor = Some(harness.token(Auditor));
    let export = harness.call(Method::GET, "/api/audit", auditor, None, "").await;
    let failures = export.text.lines().filter(|l| l.contains("login.failure")).count();
    assert_eq!(failures, 6, "every refused attempt that was checked is audited");
}

#[tokio::test]
async fn decisions_need_a_justification_and_are_audited_in_the_chain() {
    let harness = Harness::new(settings()).await;
    let submitted = harness.submit(Submitter, &consignment("DEC1", "weapon")).await;
    let id = submitted.json["submissions"][0]["consignment_id"].as_i64().expect("id");
    let officer = Some(harness.token(Officer));
    let uri = format!("/api/consignments/{id}/decisions");
    let json = Some("application/json");
    let blank = serde_json::json!({"kind": "examine", "justification": "  "}).to_string();
    let answer = harness.call(Method::POST, &uri, officer, json, blank).await;
    assert_eq!((answer.status, error_code(&answer).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"));
    let unknown_kind = serde_json::json!({"kind": "shrug", "justification": "x"}).to_string();
    let answer = harness.call(Method::POST, &uri, officer, json, unknown_kind).await;
    assert_eq!(error_code(&answer), "invalid_body");
    assert_eq!(answer.json["error"]["location"]["path"]["pointer"], "/kind", "{answer:?}");
    let syntax = harness.call(Method::POST, &uri, officer, json, "{\"kind\": ").await;
    assert_eq!((syntax.status, error_code(&syntax).as_str()), (StatusCode::BAD_REQUEST, "invalid_json"));
    let missing = harness
        .call(
            Method::POST,
            "/api/consignments/999999/decisions",
            officer,
            json,
            serde_json::json!({"kind": "release", "justification": "fine"}).to_string(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let good = serde_json::json!({"kind": "examine", "justification": "weapon parts declared as tiles"}).to_string();
    let answer = harness.call(Method::POST, &uri, officer, json, good).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
    assert_eq!(answer.json["officer"], "officer");

    let auditor = Some(harness.token(Auditor));
    let export = harness.call(Method::GET, "/api/audit", auditor, None, "").await;
    assert_eq!(export.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/x-ndjson"[..]));
    let entries: Vec<serde_json::Value> =
        export.text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let actions: Vec<&str> = entries.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["decision.record", "audit.export"]);
    assert_eq!(entries[0]["details"]["justification"], "weapon parts declared as tiles");
    let verify = harness.call(Method::GET, "/api/audit/verify", auditor, None, "").await;
    assert_eq!(verify.json["status"], "intact");
    use aduana_store::Store as _;
    assert!(matches!(harness.store.verify_audit().await, Ok(aduana_store::ChainStatus::Intact { entries: 2 })));
}

#[tokio::test]
async fn assessments_are_filtered_by_query_and_bad_queries_are_located() {
    let harness = Harness::new(settings()).await;
    harness.submit(Submitter, &consignment("Q1", "weapon")).await;
    harness.submit(Submitter, &consignment("Q2", "tiles")).await;
    let officer = Some(harness.token(Officer));
    let red = harness.call(Method::GET, "/api/assessments?lane=red", officer, None, "").await;
    let refs: Vec<&str> =
        red.json["assessments"].as_array().expect("list").iter().filter_map(|a| a["reference"].as_str()).collect();
    assert_eq!(refs, ["Q1"]);
    let scored =
        harness.call(Method::GET, "/api/assessments?min_score=10&from=2000-01-01T00:00:00Z", officer, None, "").await;
    assert_eq!(scored.json["assessments"].as_array().map(Vec::len), Some(1));
    let first = harness.call(Method::GET, "/api/assessments?limit=1", officer, None, "").await;
    let cursor = first.json["assessments"][0]["id"].as_i64().expect("an id");
    let next =
        harness.call(Method::GET, &format!("/api/assessments?limit=1&before_id={cursor}"), officer, None, "").await;
    let pages = [&first, &next].map(|a| a.json["assessments"][0]["reference"].as_str().unwrap_or_default().to_owned());
    assert_eq!(pages, ["Q2", "Q1"], "newest first, then the page before the cursor");
    let bad = harness.call(Method::GET, "/api/assessments?lane=purple", officer, None, "").await;
    assert_eq!((bad.status, error_code(&bad).as_str()), (StatusCode::BAD_REQUEST, "invalid_query"));
}

#[tokio::test]
async fn service_endpoints_answer_without_credentials() {
    let harness = Harness::new(settings()).await;
    let health = harness.call(Method::GET, "/health", None, None, "").await;
    assert_eq!((health.status, health.json["status"].as_str()), (axum::http::StatusCode::OK, Some("ok")));
    let openapi = harness.call(Method::GET, "/openapi.json", None, None, "").await;
    assert!(openapi.json["paths"]["/api/consignments"]["post"].is_object());
    assert!(openapi.json["components"]["schemas"]["Consignment"]["properties"]["reference"].is_object());
    harness.submit(Submitter, &consignment("M1", "a")).await;
    let metrics = harness.call(Method::GET, "/metrics", None, None, "").await;
    assert!(metrics.text.contains("aduana_consignments_submitted_total{outcome=\"created\"} 1"), "{}", metrics.text);
    let nowhere = harness.call(Method::GET, "/api/nowhere", None, None, "").await;
    assert_eq!((nowhere.status, error_code(&nowhere).as_str()), (StatusCode::NOT_FOUND, "no_route"));
    let wrong_method = harness.call(Method::DELETE, "/api/consignments", None, None, "").await;
    assert_eq!(error_code(&wrong_method), "no_route");
}
