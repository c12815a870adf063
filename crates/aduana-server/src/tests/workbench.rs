//! The workbench's pages through the router: which roles see each page, the login redirect, and CSRF on forms.
//! Sessions are created in the store directly (one per role), as a login would.

use aduana_store::Role::{self, Administrator, Analyst, Auditor, Officer, Partner, Submitter};
use aduana_store::audit::sha256_hex;
use aduana_store::{Store, WorkbenchStore};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::tests::{Answer, Harness, consignment, settings};
use crate::workbench::csrf_token;

pub(crate) async fn sessions(harness: &Harness) -> Vec<(Role, String)> {
    let mut out = Vec::new();
    for role in Role::ALL {
        let (user, _) = harness.store.user_by_name(role.as_str()).await.expect("read").expect("the role's user");
        let session = format!("session-of-{role}");
        let expires = chrono::Utc::now() + chrono::Duration::hours(1);
        harness.store.create_session(&sha256_hex(session.as_bytes()), user.id, expires).await.expect("session");
        out.push((*role, session));
    }
    out
}

pub(crate) async fn page(
    harness: &Harness,
    method: Method,
    path: &str,
    session: Option<&str>,
    form: Option<String>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(session) = session {
        request = request.header(header::COOKIE, format!("aduana_session={session}"));
    }
    if form.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    harness.send(request.body(Body::from(form.unwrap_or_default())).expect("a request")).await
}

#[tokio::test]
async fn every_workbench_page_admits_exactly_its_roles_and_sends_strangers_to_the_login_form() {
    let harness = Harness::new(settings()).await;
    let submitted = harness.submit(Submitter, &consignment("WB-ROLE1", "weapon parts")).await;
    let id = submitted.json["submissions"][0]["consignment_id"].as_i64().expect("an id");
    harness.store.sync_workbench().await.expect("sync");
    let sessions = sessions(&harness).await;
    let readers: &[Role] = &[Administrator, Analyst, Officer, Auditor];
    let case_readers: &[Role] = &[Analyst, Officer, Auditor];
    let cases: Vec<(String, &[Role])> = vec![
        ("/workbench/queue".to_owned(), readers),
        (format!("/workbench/consignments/{id}"), readers),
        ("/workbench/examinations".to_owned(), readers),
        ("/workbench/dashboard".to_owned(), readers),
        ("/workbench/notifications".to_owned(), readers),
        ("/workbench/screening".to_owned(), &[Administrator, Analyst, Officer]),
        ("/workbench/cases".to_owned(), case_readers),
        ("/workbench/cases/statistics".to_owned(), case_readers),
        ("/workbench/cases/links?kind=company&value=x".to_owned(), case_readers),
        ("/workbench/cash".to_owned(), readers),
        ("/workbench/cash/structuring".to_owned(), readers),
    ];
    for (path, allowed) in &cases {
        let anonymous = page(&harness, Method::GET, path, None, None).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{path} without a session");
        let location = anonymous.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(location.starts_with("/workbench/login?next="), "{path}: {location}");
        for (role, session) in &sessions {
            let answer = page(&harness, Method::GET, path, Some(session), None).await;
            let expected = if allowed.contains(role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(answer.status, expected, "{path} as {role}: {}", answer.text);
            let csp = answer.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok());
            assert!(csp.is_some_and(|c| c.starts_with("default-src 'none'")), "{path} as {role}: no CSP");
        }
    }
    // Only officers may claim; everyone else is refused even with a valid token.
    for (role, session) in &sessions {
        let form = format!("_csrf={}", csrf_token(session));
        let answer =
            page(&harness, Method::POST, &format!("/workbench/consignments/{id}/claim"), Some(session), Some(form))
                .await;
        let expected = if *role == Officer { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN };
        assert_eq!(answer.status, expected, "claim as {role}: {}", answer.text);
    }
    let _ = (Partner, Submitter);
}

#[tokio::test]
async fn a_form_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing() {
    let harness = Harness::new(settings()).await;
    let submitted = harness.submit(Submitter, &consignment("WB-CSRF1", "weapon parts")).await;
    let id = submitted.json["submissions"][0]["consignment_id"].as_i64().expect("an id");
    harness.store.sync_workbench().await.expect("sync");
    let sessions = sessions(&harness).await;
    let officer = &sessions.iter().find(|(r, _)| *r == Officer).expect("an officer").1;
    let other = &sessions.iter().find(|(r, _)| *r == Analyst).expect("another session").1;
    let path = format!("/workbench/consignments/{id}/decide");
    for form in [
        "kind=release&justification=ok".to_owned(),
        "_csrf=&kind=release&justification=ok".to_owned(),
        format!("_csrf={}&kind=release&justification=ok", csrf_token(other)),
    ] {
        let answer = page(&harness, Method::POST, &path, Some(officer), Some(form.clone())).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{form}");
        assert!(answer.text.contains("security token"), "{}", answer.text);
    }
    assert!(harness.store.decisions(id).await.expect("read").is_empty());
    // With the token the decision is recorded, and an empty justification is refused with a message.
    let token = csrf_token(officer);
    let empty =
        page(&harness, Method::POST, &path, Some(officer), Some(format!("_csrf={token}&kind=release&justification=+")))
            .await;
    assert_eq!(empty.status, StatusCode::SEE_OTHER);
    assert!(harness.store.decisions(id).await.expect("read").is_empty());
    let ok = format!("_csrf={token}&kind=do_not_load&justification=intelligence+report");
    let answer = page(&harness, Method::POST, &path, Some(officer), Some(ok)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text);
    assert_eq!(harness.store.decisions(id).await.expect("read").len(), 1);
    // The do-not-load decision raised a notification, and the consignment left the open queue.
    let notes = harness.store.notifications(10).await.expect("notifications");
    assert!(notes.iter().any(|n| n.kind == "do-not-load" && n.consignment_id == id), "{notes:?}");
    // A login form posted from another site is refused by its Origin.
    let login = Request::builder()
        .method(Method::POST)
        .uri("/workbench/login")
        .header(header::HOST, "aduana.example")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("name=officer&password=officer-password"))
        .expect("a request");
    assert_eq!(harness.send(login).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_consignment_claimed_by_one_officer_cannot_be_claimed_or_decided_by_another() {
    let harness = Harness::new(settings()).await;
    let submitted = harness.submit(Submitter, &consignment("WB-CLAIM1", "weapon parts")).await;
    let id = submitted.json["submissions"][0]["consignment_id"].as_i64().expect("an id");
    harness.store.sync_workbench().await.expect("sync");
    let first = sessions(&harness).await.into_iter().find(|(r, _)| *r == Officer).expect("an officer").1;
    let user = aduana_store::NewUser { name: "officer2".to_owned(), role: Officer, password_hash: None };
    let second_user = harness.store.add_user(&user).await.expect("a second officer");
    let second = "session-of-officer2".to_owned();
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    harness.store.create_session(&sha256_hex(second.as_bytes()), second_user.id, expires).await.expect("session");
    let post = |session: String, path: String, form: String| {
        let harness = &harness;
        async move { page(harness, Method::POST, &path, Some(&session), Some(form)).await }
    };
    let claim = format!("/workbench/consignments/{id}/claim");
    let answer = post(first.clone(), claim.clone(), format!("_csrf={}", csrf_token(&first))).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    // The second officer's claim, decision and examination order are all refused with a message.
    let answer = post(second.clone(), claim, format!("_csrf={}", csrf_token(&second))).await;
    let flash = answer.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(flash.starts_with("aduana_flash=e"), "an error flash: {flash}");
    let decide = format!("_csrf={}&kind=release&justification=mine+now", csrf_token(&second));
    post(second.clone(), format!("/workbench/consignments/{id}/decide"), decide).await;
    let examine = format!("_csrf={}&instructions=open+it", csrf_token(&second));
    post(second.clone(), format!("/workbench/consignments/{id}/examine"), examine).await;
    assert!(harness.store.decisions(id).await.expect("read").is_empty());
    assert!(harness.store.examinations(id).await.expect("read").is_empty());
    let entry = harness.store.queue_entry(id).await.expect("read").expect("on the queue");
    assert_eq!(entry.claimed_by.as_deref(), Some("officer"));
    // Released, the second officer may take it.
    let release = format!("/workbench/consignments/{id}/release");
    post(first.clone(), release, format!("_csrf={}", csrf_token(&first))).await;
    let decide = format!("_csrf={}&kind=release&justification=documents+in+order", csrf_token(&second));
    post(second.clone(), format!("/workbench/consignments/{id}/decide"), decide).await;
    assert_eq!(harness.store.decisions(id).await.expect("read").len(), 1);
    let entry = harness.store.queue_entry(id).await.expect("read").expect("on the queue");
    assert_eq!(entry.claimed_by.as_deref(), Some("officer2"), "deciding claimed it");
}
