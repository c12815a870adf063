//! The role matrix: every endpoint × every role, plus unauthenticated calls. The expected table is written out
//! here independently of `auth::access`, so a handler that forgets its check, or checks the wrong list, fails.

use aduana_store::Role::{self, Administrator, Analyst, Auditor, Officer, Partner, Submitter};
use axum::http::{Method, StatusCode};

use crate::tests::{Harness, consignment, error_code, settings};

struct Case {
    method: Method,
    path: String,
    body: Option<serde_json::Value>,
    allowed: &'static [Role],
}

#[tokio::test]
async fn every_endpoint_admits_exactly_its_roles() {
    let harness = Harness::new(settings()).await;
    // A consignment of the submitter's and an examination order to act on.
    let submitted = harness.submit(Submitter, &consignment("ROLE1", "tiles")).await;
    assert_eq!(submitted.status, StatusCode::CREATED, "{submitted:?}");
    let id = submitted.json["submissions"][0]["consignment_id"].as_i64().expect("an id");
    let order = harness
        .call(
            Method::POST,
            &format!("/api/consignments/{id}/examinations"),
            Some(harness.token(Officer)),
            Some("application/json"),
            serde_json::json!({"instructions": "open and count"}).to_string(),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{order:?}");
    let order_id = order.json["id"].as_i64().expect("an order id");
    // An enforcement case with an investigation to act on.
    let case = harness
        .call(Method::POST, "/api/cases", Some(harness.token(Officer)), Some("application/json"), seizure().to_string())
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{case:?}");
    let case_id = case.json["id"].as_i64().expect("a case id");
    let assigned = harness
        .call(
            Method::POST,
            &format!("/api/cases/{case_id}/assignment"),
            Some(harness.token(Officer)),
            Some("application/json"),
            serde_json::json!({"officer": "officer"}).to_string(),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{assigned:?}");

    let cases = vec![
        Case {
            method: Method::POST,
            path: "/api/consignments".to_owned(),
            body: Some(consignment("ROLE2", "tiles")),
            allowed: &[Administrator, Submitter, Partner],
        },
        Case {
            method: Method::GET,
            path: "/api/consignments?reference=ROLE1".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor, Submitter],
        },
        Case {
            method: Method::GET,
            path: format!("/api/consignments/{id}"),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor, Submitter],
        },
        Case {
            method: Method::GET,
            path: "/api/assessments?lane=green".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::POST,
            path: format!("/api/consignments/{id}/decisions"),
            body: Some(serde_json::json!({"kind": "release", "justification": "documents in order"})),
            allowed: &[Officer],
        },
        Case {
            method: Method::GET,
            path: format!("/api/consignments/{id}/decisions"),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::POST,
            path: format!("/api/consignments/{id}/examinations"),
            body: Some(serde_json::json!({"instructions": "x-ray"})),
            allowed: &[Officer],
        },
        Case {
            method: Method::GET,
            path: format!("/api/consignments/{id}/examinations"),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: format!("/api/examinations/{order_id}"),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        // Only the first allowed call can record the result; a second is a conflict, which still proves admission.
        Case {
            method: Method::POST,
            path: format!("/api/examinations/{order_id}/result"),
            body: Some(serde_json::json!({"outcome": "not_found", "findings": "as declared"})),
            allowed: &[Officer],
        },
        Case {
            method: Method::POST,
            path: "/api/cases".to_owned(),
            body: Some(seizure()),
            allowed: &[Analyst, Officer],
        },
        Case {
            method: Method::GET,
            path: "/api/cases?q=cocaine&commodity_area=drugs".to_owned(),
            body: None,
            allowed: &[Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: format!("/api/cases/{case_id}"),
            body: None,
            allowed: &[Analyst, Officer, Auditor],
        },
        Case {
            method: Method::PUT,
            path: format!("/api/cases/{case_id}"),
            body: Some(serde_json::json!({"case": seizure()})),
            allowed: &[Analyst, Officer],
        },
        Case {
            method: Method::POST,
            path: format!("/api/cases/{case_id}/assignment"),
            body: Some(serde_json::json!({"officer": "officer"})),
            allowed: &[Analyst, Officer],
        },
        Case {
            method: Method::POST,
            path: format!("/api/cases/{case_id}/notes"),
            body: Some(serde_json::json!({"text": "lab result awaited"})),
            allowed: &[Analyst, Officer],
        },
        Case {
            method: Method::GET,
            path: "/api/enforcement/links?kind=person&value=Jan%20de%20Vries".to_owned(),
            body: None,
            allowed: &[Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: "/api/enforcement/entities?kind=person&q=vries".to_owned(),
            body: None,
            allowed: &[Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: "/api/enforcement/statistics?period=year".to_owned(),
            body: None,
            allowed: &[Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: "/api/enforcement/export?format=csv".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Auditor],
        },
        // A JSON string body is sent as it is, as CSV.
        Case {
            method: Method::POST,
            path: "/api/enforcement/import".to_owned(),
            body: Some(serde_json::Value::String(
                "date,office,commodity_area,commodity,detection_method\n2019-05-02,Antwerp,drugs,cocaine,x_ray\n"
                    .to_owned(),
            )),
            allowed: &[Administrator, Analyst],
        },
        Case { method: Method::GET, path: "/api/audit".to_owned(), body: None, allowed: &[Auditor] },
        Case { method: Method::GET, path: "/api/audit/verify".to_owned(), body: None, allowed: &[Auditor] },
        Case {
            method: Method::POST,
            path: "/api/users".to_owned(),
            body: Some(serde_json::json!({"name": "new-user", "role": "analyst"})),
            allowed: &[Administrator],
        },
        Case { method: Method::GET, path: "/api/me".to_owned(), body: None, allowed: Role::ALL },
    ];

    let mut failures = Vec::new();
    for case in &cases {
        let body = match &case.body {
            Some(serde_json::Value::String(raw)) => raw.clone(),
            Some(json) => json.to_string(),
            None => String::new(),
        };
        let content_type = match &case.body {
            Some(serde_json::Value::String(_)) => Some("text/csv"),
            Some(_) => Some("application/json"),
            None => None,
        };
        let anonymous = harness.call(case.method.clone(), &case.path, None, content_type, body.clone()).await;
        if anonymous.status != StatusCode::UNAUTHORIZED || error_code(&anonymous) != "unauthenticated" {
            failures.push(format!("{} {} without credentials: {}", case.method, case.path, anonymous.status));
        }
        for role in Role::ALL {
            let answer = harness
                .call(case.method.clone(), &case.path, Some(harness.token(*role)), content_type, body.clone())
                .await;
            let admitted = answer.status.is_success() || answer.status == StatusCode::CONFLICT;
            let expected = case.allowed.contains(role);
            if expected && !admitted {
                failures.push(format!(
                    "{} {} as {role}: expected success, got {} {}",
                    case.method, case.path, answer.status, answer.text
                ));
            }
            if !expected && (answer.status != StatusCode::FORBIDDEN || error_code(&answer) != "forbidden") {
                failures.push(format!(
                    "{} {} as {role}: expected 403 forbidden, got {}",
                    case.method, case.path, answer.status
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A small valid seizure case.
fn seizure() -> serde_json::Value {
    serde_json::json!({
        "date": "2025-03-14", "office": "Rotterdam", "detection_method": "x_ray", "commodity_area": "drugs",
        "commodity": "cocaine", "concealment": "mixed_with_cargo",
        "persons": [{"name": "Jan de Vries"}],
    })
}

#[tokio::test]
async fn a_submitter_sees_only_its_own_consignments() {
    let harness = Harness::new(settings()).await;
    let mine = harness.submit(Submitter, &consignment("OWN1", "tiles")).await;
    let theirs = harness.submit(Partner, &consignment("OTHER1", "tiles")).await;
    let their_id = theirs.json["submissions"][0]["consignment_id"].as_i64().expect("id");
    let my_id = mine.json["submissions"][0]["consignment_id"].as_i64().expect("id");
    let token = Some(harness.token(Submitter));
    let list = harness.call(Method::GET, "/api/consignments", token, None, "").await;
    let refs: Vec<&str> =
        list.json["consignments"].as_array().expect("a list").iter().filter_map(|c| c["reference"].as_str()).collect();
    assert_eq!(refs, ["OWN1"]);
    let other = harness.call(Method::GET, &format!("/api/consignments/{their_id}"), token, None, "").await;
    assert_eq!((other.status, error_code(&other).as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let own = harness.call(Method::GET, &format!("/api/consignments/{my_id}"), token, None, "").await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.json["assessment"]["lane"], "green");
    // An officer sees both.
    let all = harness.call(Method::GET, "/api/consignments", Some(harness.token(Officer)), None, "").await;
    assert_eq!(all.json["consignments"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_wrong_or_malformed_token_is_unauthenticated() {
    let harness = Harness::new(settings()).await;
    for token in ["adu_0000", ""] {
        let answer = harness.call(Method::GET, "/api/me", Some(token), None, "").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(answer.headers.get("www-authenticate").map(|v| v.as_bytes()), Some(&b"Bearer"[..]));
    }
}
