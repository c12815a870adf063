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
    let cash = harness
        .call(
            Method::POST,
            "/api/cash",
            Some(harness.token(Officer)),
            Some("application/json"),
            crate::tests::cash::declaration("ROLE-CASH-1").to_string(),
        )
        .await;
    assert_eq!(cash.status, StatusCode::CREATED, "{cash:?}");
    let cash_id = cash.json["id"].as_i64().expect("a cash id");
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
        // Cash declarations: a second recording of one reference, or a second sharing, is a conflict.
        Case {
            method: Method::POST,
            path: "/api/cash".to_owned(),
            body: Some(crate::tests::cash::declaration("ROLE-CASH-2")),
            allowed: &[Officer],
        },
        Case {
            method: Method::GET,
            path: "/api/cash?from=2025-03-01&to=2025-03-31".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: format!("/api/cash/{cash_id}"),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::POST,
            path: format!("/api/cash/{cash_id}/share"),
            body: Some(serde_json::json!({"with": "FIU-ES"})),
            allowed: &[Officer],
        },
        Case {
            method: Method::GET,
            path: "/api/cash/structuring".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
        Case {
            method: Method::GET,
            path: "/api/cash/report?from=2025-03-01&to=2025-03-31&format=csv".to_owned(),
            body: None,
            allowed: &[Administrator, Analyst, Officer, Auditor],
        },
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

/// A method, a path, an optional (content type, body) and the roles admitted.
type RawCase<'a> = (Method, &'a str, Option<(&'a str, String)>, &'a [Role]);

/// The profile, list and AEO endpoints (bodies that are not JSON included): who may read, who may write.
#[tokio::test]
async fn profile_list_and_aeo_endpoints_admit_exactly_their_roles() {
    let harness = Harness::new(settings()).await;
    let source = "profile R-1 {\n  title: \"t\"\n  rationale: \"r\"\n  owner: \"o\"\n  valid: 2026-01-01 to open\n  \
                  version: 1\n  weight: 10\n  severity: low\n  lane: yellow\n  when: goods.hs_code prefix 9503\n}\n";
    let created = harness
        .call(
            Method::POST,
            "/api/profiles",
            Some(harness.token(Analyst)),
            Some("application/json"),
            serde_json::json!({"name": "roles", "source": source}).to_string(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let list = "id,name\nR1,Blackwater Shipping Trading LLC\nR2,Kassim Yusuf Al-Rashidi\n".to_owned();
    let register = "identifier,name,programme,status,valid_from,valid_to,recognised_under\n\
                    GB1,Operator,GB-AEOF,valid,2024-01-01,,national\n"
        .to_owned();
    let json = |value: serde_json::Value| Some(("application/json", value.to_string()));
    let readers: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    let cases: Vec<RawCase<'_>> = vec![
        (Method::GET, "/api/profiles", None, readers),
        (Method::POST, "/api/profiles", json(serde_json::json!({"name": "roles-new", "source": source})), &[Analyst]),
        (Method::GET, "/api/profiles/roles", None, readers),
        (
            Method::PUT,
            "/api/profiles/roles",
            json(serde_json::json!({"source": source, "comment": "again"})),
            &[Analyst],
        ),
        (Method::GET, "/api/profiles/roles/versions", None, readers),
        (Method::POST, "/api/profiles/roles/activate", None, &[Analyst]),
        (Method::POST, "/api/profiles/roles/backtest", json(serde_json::json!({"days": 1})), &[Analyst]),
        (Method::POST, "/api/profiles/roles/deactivate", None, &[Analyst]),
        (Method::PUT, "/api/lists/roles", Some(("text/csv", list)), &[Administrator]),
        (Method::GET, "/api/lists", None, readers),
        (Method::GET, "/api/lists/roles", None, readers),
        (Method::PUT, "/api/aeo", Some(("text/csv", register)), &[Administrator]),
        (Method::GET, "/api/aeo", None, readers),
        (Method::GET, "/api/aeo/GB1", None, readers),
    ];
    let mut failures = Vec::new();
    for (method, path, body, allowed) in &cases {
        let (content_type, body) = match body {
            Some((content_type, body)) => (Some(*content_type), body.clone()),
            None => (None, String::new()),
        };
        let anonymous = harness.call(method.clone(), path, None, content_type, body.clone()).await;
        if anonymous.status != StatusCode::UNAUTHORIZED || error_code(&anonymous) != "unauthenticated" {
            failures.push(format!("{method} {path} without credentials: {}", anonymous.status));
        }
        for role in Role::ALL {
            let answer =
                harness.call(method.clone(), path, Some(harness.token(*role)), content_type, body.clone()).await;
            let admitted = answer.status.is_success() || answer.status == StatusCode::CONFLICT;
            match (allowed.contains(role), admitted) {
                (true, false) => {
                    failures.push(format!(
                        "{method} {path} as {role}: expected success, got {} {}",
                        answer.status, answer.text
                    ));
                }
                (false, _) if answer.status != StatusCode::FORBIDDEN || error_code(&answer) != "forbidden" => {
                    failures.push(format!("{method} {path} as {role}: expected 403 forbidden, got {}", answer.status));
                }
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
