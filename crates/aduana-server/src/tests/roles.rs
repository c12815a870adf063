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
        Case { method: Method::GET, path: "/api/audit".to_owned(), body: None, allowed: &[Auditor] },
        Case { method: Method::GET, path: "/api/audit/verify".to_owned(), body: None, allowed: &[Auditor] },
        Case {
            method: Method::POST,
            path: "/api/users".to_owned(),
            body: Some(serde_json::json!({"name": "new-user", "role": "analyst"})),
            allowed: &[Administrator],
        },
        // The exchange: this harness runs no exchange node, so admitted callers get 200 (stored messages) or 409
        // `exchange_not_configured`; the role check comes first either way.
        Case {
            method: Method::GET,
            path: "/api/exchange/node".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: "/api/exchange/groups".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::POST,
            path: "/api/exchange/groups".to_owned(),
            body: Some(serde_json::json!({"name": "atlantic"})),
            allowed: &[Administrator],
        },
        Case {
            method: Method::POST,
            path: "/api/exchange/groups/atlantic/members".to_owned(),
            body: Some(serde_json::json!({"peer": "customs-fr"})),
            allowed: &[Administrator],
        },
        Case {
            method: Method::DELETE,
            path: "/api/exchange/groups/atlantic/members/customs-fr".to_owned(),
            body: None,
            allowed: &[Administrator],
        },
        Case {
            method: Method::POST,
            path: "/api/exchange/messages".to_owned(),
            body: Some(
                serde_json::json!({"group": "atlantic", "content": {"type": "free_text", "subject": "s", "text": "t"}}),
            ),
            allowed: &[Analyst, Officer],
        },
        Case {
            method: Method::GET,
            path: "/api/exchange/inbox".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: "/api/exchange/sent".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: "/api/exchange/outbox".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case { method: Method::GET, path: "/api/me".to_owned(), body: None, allowed: Role::ALL },
    ];

    let mut failures = Vec::new();
    for case in &cases {
        let body = case.body.as_ref().map(|b| b.to_string()).unwrap_or_default();
        let content_type = case.body.as_ref().map(|_| "application/json");
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
