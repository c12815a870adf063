//! The cash endpoints: recording, validation errors, structuring over HTTP, the FIU report, sharing, and the
//! OpenAPI document listing them.

use aduana_store::Role::{Analyst, Officer};
use axum::http::{Method, StatusCode};

use crate::tests::{Harness, error_code, settings};

/// A declaration as the API takes it: EUR 9,500 by the holder of passport `doc`, on `day` of March 2025.
pub(crate) fn declaration_by(reference: &str, doc: &str, day: u32, eur: &str) -> serde_json::Value {
    serde_json::json!({
        "reference": reference,
        "at": format!("2025-03-{day:02}T10:00:00Z"),
        "office": "Madrid-Barajas",
        "direction": "entering",
        "movement": "accompanied",
        "declarant": {
            "name": "Ana Ruiz", "date_of_birth": "1980-01-02", "nationality": "ES", "document_type": "passport",
            "document_number": doc, "address": null, "phone": null
        },
        "owner": null,
        "recipient": null,
        "route": {"mode": "air", "conveyance": format!("IB{day}"), "from_country": "MX", "to_country": "ES"},
        "amounts": [{"instrument": "currency", "currency": "EUR", "value": eur}],
        "provenance": "savings",
        "intended_use": "business",
        "suspicion": false,
        "detection": null
    })
}

/// A declaration of EUR 9,500.
pub(crate) fn declaration(reference: &str) -> serde_json::Value {
    declaration_by(reference, "PA123456", 3, "9500")
}

async fn post(harness: &Harness, path: &str, body: &serde_json::Value) -> crate::tests::Answer {
    harness.call(Method::POST, path, Some(harness.token(Officer)), Some("application/json"), body.to_string()).await
}

#[tokio::test]
async fn cash_declarations_are_recorded_listed_and_scanned_for_structuring_over_http() {
    let harness = Harness::new(settings()).await;
    let first = post(&harness, "/api/cash", &declaration_by("CD-1", "PA123456", 3, "9500")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    assert_eq!(first.json["total_eur"], "9500.00");
    assert_eq!(first.json["at_or_above_threshold"], false);
    assert_eq!(first.json["sharing_status"], "not_required");
    for (reference, doc, day, eur) in
        [("CD-2", "PA 123 456", 15, "9800"), ("CD-3", "ZZ999999", 16, "9700"), ("CD-4", "ZZ888888", 17, "12000")]
    {
        let answer = post(&harness, "/api/cash", &declaration_by(reference, doc, day, eur)).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
    }
    let again = post(&harness, "/api/cash", &declaration("CD-1")).await;
    assert_eq!((again.status, error_code(&again).as_str()), (StatusCode::CONFLICT, "conflict"));

    let analyst = Some(harness.token(Analyst));
    let alerts = harness.call(Method::GET, "/api/cash/structuring", analyst, None, "").await;
    assert_eq!(alerts.status, StatusCode::OK, "{alerts:?}");
    assert_eq!(alerts.json["records"], 4);
    let found = alerts.json["alerts"].as_array().expect("alerts");
    assert_eq!(found.len(), 1, "{found:#?}");
    let refs: Vec<&str> =
        found[0]["records"].as_array().expect("records").iter().filter_map(|r| r["reference"].as_str()).collect();
    // CD-3 has the same name and date of birth: linked although its passport differs.
    assert_eq!(refs, ["CD-1", "CD-2", "CD-3"]);
    assert_eq!(found[0]["total_eur"], "29000.00");

    let list = harness.call(Method::GET, "/api/cash?from=2025-03-15&to=2025-03-16", analyst, None, "").await;
    let listed: Vec<&str> =
        list.json["cash"].as_array().expect("list").iter().filter_map(|c| c["record"]["reference"].as_str()).collect();
    assert_eq!(listed, ["CD-2", "CD-3"]);
}

#[tokio::test]
async fn a_detection_is_due_for_sharing_and_the_fiu_report_downloads_as_csv() {
    let harness = Harness::new(settings()).await;
    let mut detection = declaration("DT-1");
    detection["detection"] = serde_json::json!({"finding": "undeclared", "detained": true});
    detection["at"] = serde_json::json!("2025-03-21T06:15:00Z");
    let stored = post(&harness, "/api/cash", &detection).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{stored:?}");
    let id = stored.json["id"].as_i64().expect("id");
    assert_eq!(stored.json["sharing_due"], "2025-04-11");

    let analyst = Some(harness.token(Analyst));
    let path = "/api/cash/report?from=2025-03-01&to=2025-03-31&today=2025-04-14&holidays=2025-04-01&format=csv";
    let csv = harness.call(Method::GET, path, analyst, None, "").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers.get("content-type").map(|v| v.as_bytes()), Some(&b"text/csv; charset=utf-8"[..]));
    let row = csv.text.lines().nth(1).expect("a row");
    assert!(row.contains(",detection,undeclared,") && row.contains(",due,2025-04-14,"), "{row}");

    let shared = post(&harness, &format!("/api/cash/{id}/share"), &serde_json::json!({"with": "FR customs"})).await;
    assert_eq!(shared.status, StatusCode::CREATED, "{shared:?}");
    let json = harness
        .call(Method::GET, "/api/cash/report?from=2025-03-01&to=2025-03-31&today=2025-05-01", analyst, None, "")
        .await;
    assert_eq!(json.json["rows"][0]["sharing_status"], "shared");
    assert_eq!(json.json["rows"][0]["shared_with"], "FR customs");
}

#[tokio::test]
async fn bad_cash_bodies_and_queries_are_located_errors() {
    let harness = Harness::new(settings()).await;
    let mut no_rate = declaration("CD-9");
    no_rate["amounts"][0]["currency"] = serde_json::json!("NGN");
    let answer = post(&harness, "/api/cash", &no_rate).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:?}");
    assert_eq!(answer.json["error"]["location"]["path"]["pointer"], "/amounts/0/currency", "{}", answer.text);
    assert!(answer.json["error"]["message"].as_str().expect("message").contains("no exchange rate for NGN"));

    let mut bad_currency = declaration("CD-9");
    bad_currency["amounts"][0]["currency"] = serde_json::json!("EURO");
    let answer = post(&harness, "/api/cash", &bad_currency).await;
    assert_eq!(error_code(&answer), "invalid_body", "{}", answer.text);

    let analyst = Some(harness.token(Analyst));
    let answer = harness.call(Method::GET, "/api/cash/structuring?band_low=90&band_high=80", analyst, None, "").await;
    assert_eq!(error_code(&answer), "invalid_query", "{}", answer.text);
    let answer = harness.call(Method::GET, "/api/cash/report?from=2025-03-01", analyst, None, "").await;
    assert_eq!(error_code(&answer), "invalid_query", "{}", answer.text);
}

#[tokio::test]
async fn openapi_lists_the_cash_declaration_endpoints() {
    let harness = Harness::new(settings()).await;
    let doc = harness.call(Method::GET, "/openapi.json", None, None, "").await;
    for path in ["/api/cash", "/api/cash/{id}", "/api/cash/{id}/share", "/api/cash/structuring", "/api/cash/report"] {
        assert!(doc.json["paths"][path].is_object(), "{path} missing from /openapi.json");
    }
    assert!(doc.json["components"]["schemas"]["CashRecord"]["properties"]["amounts"].is_object());
}

#[tokio::test]
async fn the_cash_form_records_only_for_officers_with_the_sessions_csrf_token() {
    use crate::tests::workbench::{page, sessions};
    use crate::workbench::csrf_token;
    let harness = Harness::new(settings()).await;
    let sessions = sessions(&harness).await;
    let fields = "reference=WB-C1&record=declaration&at=2025-03-03+10%3A00&office=Madrid&direction=entering&\
                  movement=accompanied&declarant_name=Ana+Ruiz&transport_mode=air&amounts=currency+EUR+9500&\
                  finding=&detained=no&suspicion=no";
    let officer = &sessions.iter().find(|(r, _)| *r == Officer).expect("an officer").1;
    let analyst = &sessions.iter().find(|(r, _)| *r == Analyst).expect("an analyst").1;
    let stolen = page(
        &harness,
        Method::POST,
        "/workbench/cash",
        Some(officer),
        Some(format!("_csrf={}&{fields}", csrf_token(analyst))),
    )
    .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);
    let analyst_post = page(
        &harness,
        Method::POST,
        "/workbench/cash",
        Some(analyst),
        Some(format!("_csrf={}&{fields}", csrf_token(analyst))),
    )
    .await;
    assert_eq!(analyst_post.status, StatusCode::FORBIDDEN);
    use aduana_store::CashStore as _;
    assert!(harness.store.cash_records(&aduana_store::CashFilter::default()).await.expect("list").is_empty());
    let ok = page(
        &harness,
        Method::POST,
        "/workbench/cash",
        Some(officer),
        Some(format!("_csrf={}&{fields}", csrf_token(officer))),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let stored = harness.store.cash_records(&aduana_store::CashFilter::default()).await.expect("list");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].recorded_by, "officer");
}
