//! Enforcement cases through the workbench: a found examination result recorded on the workbench's form opens a
//! seizure case, as the API's result endpoint does.

use aduana_store::Role::{Officer, Submitter};
use aduana_store::{CaseQuery, EnforcementStore, Store, Viewer, WorkbenchStore};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::tests::workbench::sessions;
use crate::tests::{Harness, consignment, settings};
use crate::workbench::csrf_token;

/// Posts the workbench's multipart result form for an examination as a session.
pub(crate) async fn post_result(harness: &Harness, session: &str, exam: i64, fields: &[(&str, &str)]) -> StatusCode {
    let boundary = "----aduana-test-boundary";
    let mut body = String::new();
    let token = csrf_token(session);
    for (name, value) in std::iter::once(&("_csrf", token.as_str())).chain(fields) {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/workbench/examinations/{exam}/result"))
        .header(header::COOKIE, format!("aduana_session={session}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .expect("a request");
    harness.send(request).await.status
}

/// Orders an examination of a consignment over the API; returns its id.
pub(crate) async fn order_examination(harness: &Harness, consignment: i64) -> i64 {
    let answer = harness
        .call(
            Method::POST,
            &format!("/api/consignments/{consignment}/examinations"),
            Some(harness.token(Officer)),
            Some("application/json"),
            r#"{"instructions": "open the container"}"#,
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.json["id"].as_i64().expect("an examination id")
}

#[tokio::test]
async fn a_found_result_recorded_on_the_workbench_opens_a_seizure_case_and_nothing_found_opens_none() {
    let harness = Harness::new(settings()).await;
    let mut json = consignment("WB-CASE1", "frozen fish");
    json["parties"] = serde_json::json!([{"role": "consignee", "name": "Mar Azul Trading SA"}]);
    let submitted = harness.submit(Submitter, &json).await;
    let id = submitted.json["submissions"][0]["consignment_id"].as_i64().expect("an id");
    harness.store.sync_workbench().await.expect("sync");
    let officer = sessions(&harness).await.into_iter().find(|(r, _)| *r == Officer).expect("an officer").1;
    let everyone = Viewer { user: "admin".to_owned(), role: "administrator".to_owned() };
    let all = CaseQuery::default();

    let nothing = order_examination(&harness, id).await;
    let status = post_result(&harness, &officer, nothing, &[("outcome", "not_found"), ("findings", "fish only")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(harness.store.search_cases(&all, &everyone).await.expect("search").total, 0);

    // An unknown commodity area is refused before anything is recorded.
    let found = order_examination(&harness, id).await;
    let fields = [("outcome", "found"), ("findings", "12 kg cocaine under the fish"), ("commodity_area", "cheese")];
    assert_eq!(post_result(&harness, &officer, found, &fields).await, StatusCode::SEE_OTHER);
    assert!(harness.store.examination(found).await.expect("read").expect("the order").result.is_none());

    let fields = [
        ("outcome", "found"),
        ("findings", "12 kg cocaine under the fish"),
        ("commodity_area", "drugs"),
        ("concealment_method", "mixed_with_cargo"),
        ("concealment", "under the ice glaze"),
        ("quantity", "12 kg"),
    ];
    assert_eq!(post_result(&harness, &officer, found, &fields).await, StatusCode::SEE_OTHER);
    let cases = harness.store.search_cases(&all, &everyone).await.expect("search");
    assert_eq!(cases.total, 1, "{cases:?}");
    let case = &cases.cases[0];
    assert_eq!(case.case.examination_ids, [found]);
    assert_eq!(case.case.consignment_ids, [id]);
    assert_eq!(case.case.commodity_area, aduana_enforcement::CommodityArea::Drugs);
    assert_eq!(case.case.commodity, "12 kg cocaine under the fish");
    assert_eq!(case.created_by, "officer");
    assert_eq!(case.case.concealment_details, "under the ice glaze");
    assert!(case.case.narrative.ends_with("; quantity reported: 12 kg"), "{}", case.case.narrative);

    // The workbench pages: the search finds it, facet links narrow, the case page shows it, the consignment page
    // lists it, the link analysis draws it and the statistics count it.
    let get = |path: String| {
        let (harness, officer) = (&harness, officer.clone());
        async move { crate::tests::workbench::page(harness, Method::GET, &path, Some(&officer), None).await }
    };
    let found_page = get("/workbench/cases?q=cocaine".to_owned()).await;
    assert_eq!(found_page.status, StatusCode::OK, "{}", found_page.text);
    assert!(found_page.text.contains(&format!("href=\"/workbench/cases/{}\"", case.id)), "{}", found_page.text);
    assert!(found_page.text.contains("commodity_area=drugs"), "a facet link: {}", found_page.text);
    let missing = get("/workbench/cases?q=heroin".to_owned()).await;
    assert!(missing.text.contains("No case matches."), "{}", missing.text);
    let narrowed = get("/workbench/cases?commodity_area=weapons".to_owned()).await;
    assert!(narrowed.text.contains("No case matches."), "{}", narrowed.text);
    assert_eq!(get("/workbench/cases?year=last".to_owned()).await.status, StatusCode::BAD_REQUEST);
    let case_page = get(format!("/workbench/cases/{}", case.id)).await;
    assert_eq!(case_page.status, StatusCode::OK);
    for expected in ["12 kg cocaine under the fish", "Mar Azul Trading SA", &format!("/workbench/examinations/{found}")]
    {
        assert!(case_page.text.contains(expected), "{expected}: {}", case_page.text);
    }
    assert_eq!(get("/workbench/cases/999999".to_owned()).await.status, StatusCode::NOT_FOUND);
    let consignment_page = get(format!("/workbench/consignments/{id}")).await;
    assert!(consignment_page.text.contains("this consignment"), "{}", consignment_page.text);
    let links = get("/workbench/cases/links?kind=company&value=Mar+Azul+Trading+SA".to_owned()).await;
    assert_eq!(links.status, StatusCode::OK, "{}", links.text);
    assert!(links.text.contains("<svg id=\"link-graph\""), "{}", links.text);
    assert!(links.text.contains(&format!("/workbench/cases/{}", case.id)), "{}", links.text);
    let stats = get("/workbench/cases/statistics".to_owned()).await;
    assert!(stats.text.contains("<svg id=\"chart-area\""), "{}", stats.text);
    assert!(stats.text.contains("id=\"case-total\">1<"), "{}", stats.text);
}
