//! The store test suite: every test here runs against every backend through `store_test_suite!`, which each
//! backend module instantiates with a function opening a fresh, empty store (SQLite in a temporary directory,
//! PostgreSQL in a fresh schema).

mod enforcement;

use std::collections::BTreeMap;

use aduana_core::{Assessment, Consignment, Lane, Referral};
use chrono::Utc;

use crate::{
    AssessmentFilter, ChainStatus, ConsignmentFilter, DecisionKind, ExaminationOutcome, NewAuditEntry, NewDecision,
    NewExaminationOrder, NewExaminationResult, NewUser, PostgresStore, Role, SqliteStore, Store, StoreError,
    SubmissionOutcome,
};

/// Lets the suite tamper with stored rows, as an attacker with access to the database file would.
pub(crate) trait RawSql {
    async fn raw(&self, sql: &str);
}

impl RawSql for SqliteStore {
    async fn raw(&self, sql: &str) {
        self.execute_raw(sql).await.expect("raw SQL");
    }
}

impl RawSql for PostgresStore {
    async fn raw(&self, sql: &str) {
        self.execute_raw(sql).await.expect("raw SQL");
    }
}

/// Instantiates every test of the suite for a backend; `$open` returns `Option<(store, guard)>`, `None` to skip.
macro_rules! store_test_suite {
    ($open:path) => {
        crate::tests::store_test_suite!(@tests $open;
            submitted_consignment_is_stored_with_its_assessment,
            identical_resubmission_is_idempotent,
            changed_content_is_stored_as_an_amendment,
            one_reference_from_two_submitters_is_two_consignments,
            consignments_are_found_by_reference_and_submitter,
            assessments_are_filtered_by_lane_referral_score_and_time,
            users_tokens_and_sessions_round_trip,
            decisions_are_recorded_with_an_audit_entry,
            examination_results_are_recorded_once,
            audit_chain_verifies_and_reports_the_first_altered_entry,
            concurrent_submissions_of_one_reference_store_one_version,
            concurrent_audit_appends_keep_the_chain_intact,
            concurrent_submissions_are_each_answered_with_their_own_results,
            a_reference_repeated_inside_one_batch_is_stored_once_per_content,
            a_large_batch_spanning_several_statements_is_stored_whole,
            cases_are_found_by_text_and_facets,
            restricted_cases_are_visible_only_to_their_principals,
            case_updates_are_versioned_and_audited,
            links_reach_consignments_and_cases_within_two_hops
        );
    };
    (@tests $open:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some((store, _guard)) = $open().await {
                    crate::tests::$name(store).await;
                }
            }
        )*
    };
}

pub(crate) use store_test_suite;

pub(crate) use enforcement::{
    case_updates_are_versioned_and_audited, cases_are_found_by_text_and_facets,
    links_reach_consignments_and_cases_within_two_hops, restricted_cases_are_visible_only_to_their_principals,
};

fn consignment(reference: &str, description: &str) -> Consignment {
    let json = serde_json::json!({
        "reference": reference,
        "direction": "import",
        "goods": [{"sequence": 1, "hs_code": "854141", "description": description}],
    });
    serde_json::from_value(json).expect("a valid consignment")
}

fn assessment(consignment: &Consignment, score: f64, lane: Lane, referrals: Vec<Referral>) -> Assessment {
    Assessment {
        reference: consignment.reference.clone(),
        score,
        lane,
        referrals,
        hits: Vec::new(),
        findings: Vec::new(),
        versions: BTreeMap::from([("profiles".to_owned(), "test".to_owned())]),
    }
}

fn pair(reference: &str, description: &str, score: f64, lane: Lane) -> (Consignment, Assessment) {
    let c = consignment(reference, description);
    let a = assessment(&c, score, lane, Vec::new());
    (c, a)
}

fn audit(action: &str, subject: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: "officer1".to_owned(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        details: serde_json::json!({"note": "test", "n": 1}),
    }
}

pub(crate) async fn submitted_consignment_is_stored_with_its_assessment<S: Store>(store: S) {
    let batch = vec![pair("MAEU1", "solar panels", 12.5, Lane::Yellow)];
    let submitted = store.submit("trader", batch.clone()).await.expect("submit");
    assert_eq!(submitted.len(), 1);
    assert_eq!(submitted[0].outcome, SubmissionOutcome::Created);
    let stored = &submitted[0].assessment;
    assert_eq!((stored.reference.as_str(), stored.submitter.as_str(), stored.version), ("MAEU1", "trader", 1));
    let consignment = store.consignment(stored.consignment_id).await.expect("read").expect("present");
    assert_eq!(consignment.consignment, batch[0].0);
    let assessment = store.assessment_of(stored.consignment_id).await.expect("read").expect("present");
    assert_eq!(assessment.assessment, batch[0].1);
    assert!(store.consignment(stored.consignment_id + 1000).await.expect("read").is_none());
}

pub(crate) async fn identical_resubmission_is_idempotent<S: Store>(store: S) {
    let first = store.submit("trader", vec![pair("MAEU2", "tiles", 1.0, Lane::Green)]).await.expect("submit");
    // Re-assessed with another score, but the content is the same: the stored assessment is returned.
    let again = store.submit("trader", vec![pair("MAEU2", "tiles", 99.0, Lane::Red)]).await.expect("resubmit");
    assert_eq!(again[0].outcome, SubmissionOutcome::Unchanged);
    assert_eq!(again[0].assessment, first[0].assessment);
    let all = store
        .consignments(&ConsignmentFilter { reference: Some("MAEU2".to_owned()), ..ConsignmentFilter::default() })
        .await
        .expect("list");
    assert_eq!(all.len(), 1);
}

pub(crate) async fn changed_content_is_stored_as_an_amendment<S: Store>(store: S) {
    store.submit("trader", vec![pair("MAEU3", "tiles", 1.0, Lane::Green)]).await.expect("submit");
    let amended = store.submit("trader", vec![pair("MAEU3", "ceramic tiles", 30.0, Lane::Red)]).await.expect("amend");
    assert_eq!(amended[0].outcome, SubmissionOutcome::Amended);
    assert_eq!(amended[0].assessment.version, 2);
    assert_eq!(amended[0].assessment.assessment.lane, Lane::Red);
    let versions = store
        .consignments(&ConsignmentFilter { reference: Some("MAEU3".to_owned()), ..ConsignmentFilter::default() })
        .await
        .expect("list");
    assert_eq!(versions.iter().map(|c| c.version).collect::<Vec<_>>(), vec![2, 1], "newest first");
}

pub(crate) async fn one_reference_from_two_submitters_is_two_consignments<S: Store>(store: S) {
    let a = store.submit("trader-a", vec![pair("SHARED1", "tiles", 1.0, Lane::Green)]).await.expect("submit");
    let b = store.submit("trader-b", vec![pair("SHARED1", "tiles", 1.0, Lane::Green)]).await.expect("submit");
    assert_eq!(a[0].outcome, SubmissionOutcome::Created);
    assert_eq!(b[0].outcome, SubmissionOutcome::Created);
    assert_ne!(a[0].assessment.consignment_id, b[0].assessment.consignment_id);
}

pub(crate) async fn consignments_are_found_by_reference_and_submitter<S: Store>(store: S) {
    let batch: Vec<_> = (0..5).map(|i| pair(&format!("REF{i}"), "goods", 0.0, Lane::Green)).collect();
    let submitted = store.submit("trader", batch.clone()).await.expect("submit");
    assert_eq!(submitted.len(), 5);
    assert!(submitted.iter().all(|s| s.outcome == SubmissionOutcome::Created));
    store.submit("other", vec![pair("REF9", "goods", 0.0, Lane::Green)]).await.expect("submit");
    let mine = store
        .consignments(&ConsignmentFilter { submitter: Some("trader".to_owned()), ..ConsignmentFilter::default() })
        .await
        .expect("list");
    assert_eq!(mine.len(), 5);
    let one = store
        .consignments(&ConsignmentFilter { reference: Some("REF3".to_owned()), ..ConsignmentFilter::default() })
        .await
        .expect("list");
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].consignment.reference.as_str(), "REF3");
    let limited =
        store.consignments(&ConsignmentFilter { limit: 2, ..ConsignmentFilter::default() }).await.expect("list");
    assert_eq!(limited.len(), 2);
}

pub(crate) async fn assessments_are_filtered_by_lane_referral_score_and_time<S: Store>(store: S) {
    let before = Utc::now() - chrono::Duration::seconds(1);
    let c = consignment("DNL1", "batteries");
    let dnl = assessment(&c, 80.0, Lane::Red, vec![Referral::DoNotLoad, Referral::RequestInformation]);
    let batch = vec![
        pair("G1", "a", 0.0, Lane::Green),
        pair("Y1", "b", 20.0, Lane::Yellow),
        (c, dnl),
        pair("R1", "c", 60.0, Lane::Red),
    ];
    store.submit("trader", batch.clone()).await.expect("submit");
    let list = |filter: AssessmentFilter| {
        let store = &store;
        async move {
            let mut refs: Vec<String> =
                store.assessments(&filter).await.expect("list").into_iter().map(|a| a.reference).collect();
            refs.sort();
            refs
        }
    };
    assert_eq!(list(AssessmentFilter { lane: Some(Lane::Red), ..AssessmentFilter::default() }).await, ["DNL1", "R1"]);
    assert_eq!(
        list(AssessmentFilter { referral: Some(Referral::DoNotLoad), ..AssessmentFilter::default() }).await,
        ["DNL1"]
    );
    assert_eq!(
        list(AssessmentFilter { referral: Some(Referral::RequestInformation), ..AssessmentFilter::default() }).await,
        ["DNL1"]
    );
    assert_eq!(
        list(AssessmentFilter { min_score: Some(20.0), ..AssessmentFilter::default() }).await,
        ["DNL1", "R1", "Y1"]
    );
    assert_eq!(list(AssessmentFilter { from: Some(before), ..AssessmentFilter::default() }).await.len(), 4);
    assert!(list(AssessmentFilter { to: Some(before), ..AssessmentFilter::default() }).await.is_empty());
    assert!(
        list(AssessmentFilter { submitter: Some("nobody".to_owned()), ..AssessmentFilter::default() }).await.is_empty()
    );
}

pub(crate) async fn users_tokens_and_sessions_round_trip<S: Store>(store: S) {
    let alice = store
        .add_user(&NewUser {
            name: "alice".to_owned(),
            role: Role::Officer,
            password_hash: Some("$argon2id$x".to_owned()),
        })
        .await
        .expect("add");
    let duplicate =
        store.add_user(&NewUser { name: "alice".to_owned(), role: Role::Auditor, password_hash: None }).await;
    assert!(matches!(duplicate, Err(StoreError::Conflict(_))), "{duplicate:?}");
    let (found, hash) = store.user_by_name("alice").await.expect("read").expect("present");
    assert_eq!((found.id, found.role, hash.as_deref()), (alice.id, Role::Officer, Some("$argon2id$x")));
    assert_eq!(store.users().await.expect("list").len(), 1);

    store.add_token(alice.id, "tokenhash").await.expect("token");
    assert_eq!(store.user_by_token("tokenhash").await.expect("read").map(|u| u.name), Some("alice".to_owned()));
    assert!(store.user_by_token("other").await.expect("read").is_none());

    let now = Utc::now();
    store.create_session("live", alice.id, now + chrono::Duration::hours(1)).await.expect("session");
    store.create_session("expired", alice.id, now - chrono::Duration::seconds(1)).await.expect("session");
    assert!(store.user_by_session("live", now).await.expect("read").is_some());
    assert!(store.user_by_session("expired", now).await.expect("read").is_none());
    store.delete_session("live").await.expect("delete");
    assert!(store.user_by_session("live", now).await.expect("read").is_none());
    assert_eq!(store.delete_expired_sessions(now).await.expect("purge"), 1, "only the expired one was left");
}

pub(crate) async fn decisions_are_recorded_with_an_audit_entry<S: Store>(store: S) {
    let submitted = store.submit("trader", vec![pair("DEC1", "a", 50.0, Lane::Red)]).await.expect("submit");
    let id = submitted[0].assessment.consignment_id;
    let decision = NewDecision {
        consignment_id: id,
        kind: DecisionKind::Examine,
        justification: "undervalued against the declared origin".to_owned(),
        officer: "officer1".to_owned(),
    };
    let recorded = store.record_decision(&decision, &audit("decision.record", &format!("consignment/{id}"))).await;
    let recorded = recorded.expect("decision");
    assert_eq!(store.decisions(id).await.expect("list"), vec![recorded]);
    let entries = store.audit_entries(0, 10).await.expect("audit");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "decision.record");
    let missing = NewDecision { consignment_id: id + 1000, ..decision };
    let error = store.record_decision(&missing, &audit("decision.record", "x")).await.expect_err("no consignment");
    assert!(matches!(error, StoreError::NotFound { .. }), "{error:?}");
    assert_eq!(store.audit_entries(0, 10).await.expect("audit").len(), 1, "a failed decision leaves no audit entry");
}

pub(crate) async fn examination_results_are_recorded_once<S: Store>(store: S) {
    let submitted = store.submit("trader", vec![pair("EX1", "a", 50.0, Lane::Red)]).await.expect("submit");
    let id = submitted[0].assessment.consignment_id;
    let order = NewExaminationOrder {
        consignment_id: id,
        ordered_by: "officer1".to_owned(),
        instructions: "x-ray container".to_owned(),
    };
    let order = store.order_examination(&order, &audit("examination.order", "c")).await.expect("order");
    assert!(order.result.is_none());
    let result = NewExaminationResult {
        outcome: ExaminationOutcome::Found,
        findings: "undeclared cigarettes behind pallets".to_owned(),
        recorded_by: "officer2".to_owned(),
    };
    let done = store.record_examination_result(order.id, &result, &audit("examination.result", "e")).await;
    let done = done.expect("result");
    assert_eq!(done.result.as_ref().map(|r| r.outcome), Some(ExaminationOutcome::Found));
    let again = store.record_examination_result(order.id, &result, &audit("examination.result", "e")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let missing = store.record_examination_result(order.id + 99, &result, &audit("examination.result", "e")).await;
    assert!(matches!(missing, Err(StoreError::NotFound { .. })), "{missing:?}");
    assert_eq!(store.examinations(id).await.expect("list"), vec![done.clone()]);
    assert_eq!(store.examination(order.id).await.expect("read"), Some(done));
}

pub(crate) async fn audit_chain_verifies_and_reports_the_first_altered_entry<S: Store + RawSql>(store: S) {
    assert_eq!(store.verify_audit().await.expect("verify"), ChainStatus::Intact { entries: 0 });
    for i in 0..5 {
        store.append_audit(&audit("login.success", &format!("user/{i}"))).await.expect("append");
    }
    assert_eq!(store.verify_audit().await.expect("verify"), ChainStatus::Intact { entries: 5 });
    store.raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").await;
    match store.verify_audit().await.expect("verify") {
        ChainStatus::Broken { seq, reason } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("changed"), "{reason}");
        }
        status => panic!("expected a broken chain, found {status:?}"),
    }
    store.raw("UPDATE audit_log SET actor = 'officer1' WHERE seq = 3").await;
    store.raw("DELETE FROM audit_log WHERE seq = 2").await;
    assert!(matches!(store.verify_audit().await.expect("verify"), ChainStatus::Broken { seq: 3, .. }));
}

pub(crate) async fn concurrent_submissions_of_one_reference_store_one_version<S: Store + Clone + 'static>(store: S) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.submit("trader", vec![pair("RACE1", "same", 1.0, Lane::Green)]).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task").expect("submit")[0].outcome);
    }
    assert_eq!(outcomes.iter().filter(|o| **o == SubmissionOutcome::Created).count(), 1, "{outcomes:?}");
    let stored = store
        .consignments(&ConsignmentFilter { reference: Some("RACE1".to_owned()), ..ConsignmentFilter::default() })
        .await
        .expect("list");
    assert_eq!(stored.len(), 1);
}

pub(crate) async fn concurrent_audit_appends_keep_the_chain_intact<S: Store + Clone + 'static>(store: S) {
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.append_audit(&audit("read", &format!("record/{i}"))).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("append");
    }
    assert_eq!(store.verify_audit().await.expect("verify"), ChainStatus::Intact { entries: 16 });
}

pub(crate) async fn concurrent_submissions_are_each_answered_with_their_own_results<S: Store + Clone + 'static>(
    store: S,
) {
    // Backends may commit concurrent submissions together; each caller must still get its own results.
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let batch = (0..(i % 3 + 1)).map(|j| pair(&format!("GRP{i}-{j}"), "goods", 0.0, Lane::Green)).collect();
                (i, store.submit(&format!("trader{}", i % 4), batch).await)
            })
        })
        .collect();
    for task in tasks {
        let (i, result) = task.await.expect("task");
        let submitted = result.expect("submit");
        let refs: Vec<String> = submitted.iter().map(|s| s.assessment.reference.clone()).collect();
        let expected: Vec<String> = (0..(i % 3 + 1)).map(|j| format!("GRP{i}-{j}")).collect();
        assert_eq!(refs, expected);
        assert!(submitted.iter().all(|s| s.assessment.submitter == format!("trader{}", i % 4)));
    }
    let all =
        store.consignments(&ConsignmentFilter { limit: 1000, ..ConsignmentFilter::default() }).await.expect("list");
    assert_eq!(all.len(), (0..40).map(|i| i % 3 + 1).sum::<usize>());
}

pub(crate) async fn a_reference_repeated_inside_one_batch_is_stored_once_per_content<S: Store>(store: S) {
    store.submit("trader", vec![pair("OLD1", "a", 0.0, Lane::Green)]).await.expect("submit");
    let batch = vec![
        pair("DUP1", "a", 0.0, Lane::Green),
        pair("DUP1", "a", 5.0, Lane::Yellow),
        pair("DUP1", "b", 9.0, Lane::Red),
        pair("OLD1", "a", 3.0, Lane::Red),
        pair("OLD1", "c", 3.0, Lane::Red),
    ];
    let submitted = store.submit("trader", batch).await.expect("submit");
    let outcomes: Vec<(SubmissionOutcome, i64, Lane)> =
        submitted.iter().map(|s| (s.outcome, s.assessment.version, s.assessment.assessment.lane)).collect();
    assert_eq!(
        outcomes,
        vec![
            (SubmissionOutcome::Created, 1, Lane::Green),
            (SubmissionOutcome::Unchanged, 1, Lane::Green),
            (SubmissionOutcome::Amended, 2, Lane::Red),
            (SubmissionOutcome::Unchanged, 1, Lane::Green),
            (SubmissionOutcome::Amended, 2, Lane::Red),
        ]
    );
    assert_eq!(submitted[1].assessment, submitted[0].assessment);
}

pub(crate) async fn a_large_batch_spanning_several_statements_is_stored_whole<S: Store>(store: S) {
    let batch: Vec<_> = (0..1234).map(|i| pair(&format!("BIG{i}"), "goods", f64::from(i), Lane::Green)).collect();
    let submitted = store.submit("trader", batch).await.expect("submit");
    assert_eq!(submitted.len(), 1234);
    for (i, s) in submitted.iter().enumerate() {
        assert_eq!(s.assessment.reference, format!("BIG{i}"));
        assert_eq!(s.assessment.assessment.score, i as f64);
        let stored = store.assessment_of(s.assessment.consignment_id).await.expect("read").expect("present");
        assert_eq!(stored.assessment.score, i as f64, "assessment {i} belongs to its consignment");
    }
    let again: Vec<_> = (0..1234).map(|i| pair(&format!("BIG{i}"), "goods", 0.0, Lane::Red)).collect();
    let resubmitted = store.submit("trader", again).await.expect("resubmit");
    assert!(resubmitted.iter().all(|s| s.outcome == SubmissionOutcome::Unchanged));
    assert_eq!(resubmitted[1000].assessment, submitted[1000].assessment);
}
