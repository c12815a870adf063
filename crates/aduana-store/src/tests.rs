//! The store test suite: every test here runs against every backend through `store_test_suite!`, which each
//! backend module instantiates with a function opening a fresh, empty store (SQLite in a temporary directory,
//! PostgreSQL in a fresh schema).

mod case_images;
mod enforcement;
mod examination_cases;

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
            examined_consignments_come_with_their_results_in_order,
            // A found result and its seizure case in one transaction (tests/examination_cases.rs).
            a_found_result_and_its_case_are_stored_together_or_not_at_all,
            a_result_without_a_case_is_recorded_alone,
            // Photos and X-ray images of cases (tests/case_images.rs).
            case_images_are_recorded_with_their_audit_entry_and_listed_per_case,
            audit_chain_verifies_and_reports_the_first_altered_entry,
            concurrent_submissions_of_one_reference_store_one_version,
            concurrent_audit_appends_keep_the_chain_intact,
            concurrent_submissions_are_each_answered_with_their_own_results,
            a_reference_repeated_inside_one_batch_is_stored_once_per_content,
            a_large_batch_spanning_several_statements_is_stored_whole,
            profiles_are_versioned_activated_and_audited,
            lists_and_aeo_registers_keep_every_upload_and_bump_the_generation,
            examined_consignments_carry_their_outcome,
            exchange_messages_are_stored_once_per_direction_with_their_audit_entry,
            workbench_queue_claims_history_stats_and_notifications,
            one_workbench_round_indexes_like_one_assessment_at_a_time,
            // Cash declarations (tests/cash.rs).
            cash_records_round_trip_and_are_listed_by_period,
            a_repeated_cash_reference_is_refused_and_nothing_of_the_batch_is_stored,
            a_cash_record_is_marked_shared_once,
            cases_are_found_by_text_and_facets,
            restricted_cases_are_visible_only_to_their_principals,
            case_updates_are_versioned_and_audited,
            links_reach_consignments_and_cases_within_two_hops,
            search_counts_equal_a_count_of_every_visible_matching_case,
            search_of_a_word_in_nearly_every_case_equals_a_count_of_every_visible_matching_case,
            search_of_a_word_that_only_looks_common_equals_a_count_of_every_visible_matching_case
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

mod cash;
pub(crate) use case_images::case_images_are_recorded_with_their_audit_entry_and_listed_per_case;
pub(crate) use cash::{
    a_cash_record_is_marked_shared_once, a_repeated_cash_reference_is_refused_and_nothing_of_the_batch_is_stored,
    cash_records_round_trip_and_are_listed_by_period,
};
pub(crate) use enforcement::{
    case_updates_are_versioned_and_audited, cases_are_found_by_text_and_facets,
    links_reach_consignments_and_cases_within_two_hops, restricted_cases_are_visible_only_to_their_principals,
    search_counts_equal_a_count_of_every_visible_matching_case,
    search_of_a_word_in_nearly_every_case_equals_a_count_of_every_visible_matching_case,
    search_of_a_word_that_only_looks_common_equals_a_count_of_every_visible_matching_case,
};
pub(crate) use examination_cases::{
    a_found_result_and_its_case_are_stored_together_or_not_at_all, a_result_without_a_case_is_recorded_alone,
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
        versions: BTreeMap::from([("profiles".into(), "test".into())]),
    }
}

pub(crate) fn pair(reference: &str, description: &str, score: f64, lane: Lane) -> (Consignment, Assessment) {
    let c = consignment(reference, description);
    let a = assessment(&c, score, lane, Vec::new());
    (c, a)
}

pub(crate) fn audit(action: &str, subject: &str) -> NewAuditEntry {
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

pub(crate) async fn examined_consignments_come_with_their_results_in_order<S: Store>(store: S) {
    let batch =
        vec![pair("L1", "a", 50.0, Lane::Red), pair("L2", "b", 60.0, Lane::Red), pair("L3", "c", 5.0, Lane::Green)];
    let submitted = store.submit("trader", batch).await.expect("submit");
    let mut orders = Vec::new();
    for s in &submitted {
        let order = NewExaminationOrder {
            consignment_id: s.assessment.consignment_id,
            ordered_by: "officer1".to_owned(),
            instructions: "open and count".to_owned(),
        };
        orders.push(store.order_examination(&order, &audit("examination.order", "c")).await.expect("order"));
    }
    let outcomes = [ExaminationOutcome::NotFound, ExaminationOutcome::Found];
    for (order, outcome) in orders.iter().zip(outcomes) {
        let result =
            NewExaminationResult { outcome, findings: "checked".to_owned(), recorded_by: "officer2".to_owned() };
        store.record_examination_result(order.id, &result, &audit("examination.result", "e")).await.expect("result");
    }
    let examined = store.examined(0, 100).await.expect("examined");
    let seen: Vec<(&str, Option<ExaminationOutcome>)> =
        examined.iter().map(|(o, c)| (c.reference.as_str(), o.result.as_ref().map(|r| r.outcome))).collect();
    assert_eq!(
        seen,
        [("L1", Some(ExaminationOutcome::NotFound)), ("L2", Some(ExaminationOutcome::Found))],
        "the order without a result is left out"
    );
    assert_eq!(examined[1].1.consignment.goods[0].description.as_deref(), Some("b"));
    let rest = store.examined(examined[0].0.id, 100).await.expect("next page");
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].1.reference, "L2");
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

fn profile(name: &str, source: &str, comment: &str) -> crate::NewProfileVersion {
    crate::NewProfileVersion {
        name: name.to_owned(),
        source: source.to_owned(),
        author: "analyst1".to_owned(),
        comment: comment.to_owned(),
    }
}

pub(crate) async fn profiles_are_versioned_activated_and_audited<S: Store>(store: S) {
    let first = store.create_profile(&profile("valuation", "v1 text", "first"), &audit("profile.create", "p")).await;
    let first = first.expect("create");
    assert_eq!((first.version, first.author.as_str()), (1, "analyst1"));
    let taken = store.create_profile(&profile("valuation", "x", "again"), &audit("profile.create", "p")).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    let edit = profile("valuation", "v2 text", "tighter");
    let second = store.add_profile_version(&edit, &audit("profile.edit", "p")).await.expect("edit");
    assert_eq!(second.version, 2);
    let missing = store.add_profile_version(&profile("nope", "x", "y"), &audit("profile.edit", "p")).await;
    assert!(matches!(missing, Err(StoreError::NotFound { .. })), "{missing:?}");

    let stored = store.profile("valuation").await.expect("read").expect("present");
    assert_eq!((stored.latest_version, stored.active_version), (2, None));
    let versions = store.profile_versions("valuation").await.expect("versions");
    let listed: Vec<(i64, &str, &str)> =
        versions.iter().map(|v| (v.version, v.source.as_str(), v.comment.as_str())).collect();
    assert_eq!(listed, [(2, "v2 text", "tighter"), (1, "v1 text", "first")]);
    assert_eq!(store.profile_version("valuation", 1).await.expect("read"), Some(first.clone()));

    let generation = store.risk_generation().await.expect("generation");
    assert!(store.risk_config().await.expect("config").profiles.is_empty(), "nothing is active yet");
    let active = store.set_active_version("valuation", Some(1), &audit("profile.activate", "p")).await;
    assert_eq!(active.expect("activate").active_version, Some(1));
    assert!(store.risk_generation().await.expect("generation") > generation);
    let config = store.risk_config().await.expect("config");
    assert_eq!(config.profiles, vec![first]);
    let unknown = store.set_active_version("valuation", Some(9), &audit("profile.activate", "p")).await;
    assert!(matches!(unknown, Err(StoreError::NotFound { .. })), "{unknown:?}");
    let off = store.set_active_version("valuation", None, &audit("profile.deactivate", "p")).await;
    assert_eq!(off.expect("deactivate").active_version, None);
    assert!(store.risk_config().await.expect("config").profiles.is_empty());
    assert_eq!(store.profiles().await.expect("list").len(), 1);

    let actions: Vec<String> =
        store.audit_entries(0, 100).await.expect("audit").into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["profile.create", "profile.edit", "profile.activate", "profile.deactivate"]);
    assert!(matches!(store.verify_audit().await.expect("verify"), ChainStatus::Intact { entries: 4 }));
}

pub(crate) async fn lists_and_aeo_registers_keep_every_upload_and_bump_the_generation<S: Store>(store: S) {
    let list = |version: &str, body: &str| crate::NewWatchList {
        name: "national".to_owned(),
        list_version: version.to_owned(),
        format: "csv".to_owned(),
        entries: 2,
        body: body.to_owned(),
        report: serde_json::json!({"added": ["A1"], "removed": [], "changed": []}),
        loaded_by: "admin".to_owned(),
    };
    let generation = store.risk_generation().await.expect("generation");
    let first = store.store_watch_list(&list("v1", "id,name\n"), &audit("list.upload", "l")).await.expect("list");
    let second = store.store_watch_list(&list("v2", "id,name\nA1,x\n"), &audit("list.upload", "l")).await;
    let second = second.expect("list");
    assert_eq!((first.upload, second.upload), (1, 2));
    assert_eq!(second.report["added"][0], "A1");
    assert_eq!(store.watch_lists().await.expect("lists"), vec![second.clone()]);
    assert_eq!(store.watch_list_uploads("national").await.expect("uploads"), vec![second.clone(), first]);
    let (latest, body) = store.watch_list("national").await.expect("read").expect("present");
    assert_eq!((latest, body.as_str()), (second, "id,name\nA1,x\n"));
    assert!(store.watch_list("other").await.expect("read").is_none());

    assert!(store.aeo_register().await.expect("aeo").is_none());
    let register = crate::NewAeoRegister {
        version: "1:abc".to_owned(),
        operators: 1,
        body: "identifier,name\n".to_owned(),
        loaded_by: "admin".to_owned(),
    };
    let stored = store.store_aeo_register(&register, &audit("aeo.upload", "aeo")).await.expect("aeo");
    let again = store.store_aeo_register(&register, &audit("aeo.upload", "aeo")).await.expect("aeo");
    assert_eq!((stored.upload, again.upload), (1, 2));
    let config = store.risk_config().await.expect("config");
    assert_eq!(config.lists.len(), 1);
    assert_eq!(config.aeo.map(|(r, body)| (r.upload, body)), Some((2, "identifier,name\n".to_owned())));
    assert_eq!(config.generation, generation + 4);
    assert_eq!(store.audit_entries(0, 100).await.expect("audit").len(), 4);
}

pub(crate) async fn examined_consignments_carry_their_outcome<S: Store>(store: S) {
    let batch =
        vec![pair("EX1", "a", 1.0, Lane::Red), pair("EX2", "b", 1.0, Lane::Red), pair("EX3", "c", 0.0, Lane::Green)];
    let submitted = store.submit("trader", batch).await.expect("submit");
    let ids: Vec<i64> = submitted.iter().map(|s| s.assessment.consignment_id).collect();
    for (id, outcome) in [(ids[0], ExaminationOutcome::Found), (ids[1], ExaminationOutcome::NotFound)] {
        let order =
            NewExaminationOrder { consignment_id: id, ordered_by: "o".to_owned(), instructions: "x".to_owned() };
        let order = store.order_examination(&order, &audit("examination.order", "c")).await.expect("order");
        let result = NewExaminationResult { outcome, findings: "f".to_owned(), recorded_by: "o".to_owned() };
        store.record_examination_result(order.id, &result, &audit("examination.result", "c")).await.expect("result");
    }
    let since = Utc::now() - chrono::Duration::days(1);
    let found = store.examined_consignments(since, 100).await.expect("history");
    let outcomes: Vec<(&str, Option<ExaminationOutcome>)> =
        found.iter().map(|e| (e.consignment.reference.as_str(), e.outcome)).collect();
    assert_eq!(
        outcomes,
        [("EX3", None), ("EX2", Some(ExaminationOutcome::NotFound)), ("EX1", Some(ExaminationOutcome::Found))]
    );
    let later = store.examined_consignments(Utc::now() + chrono::Duration::days(1), 100).await.expect("history");
    assert!(later.is_empty());
}

pub(crate) async fn exchange_messages_are_stored_once_per_direction_with_their_audit_entry<S: Store>(store: S) {
    use crate::{ExchangeDirection, NewExchangeMessage};
    let message = |direction, id: &str| NewExchangeMessage {
        direction,
        message_id: id.to_owned(),
        group_id: "0123456789abcdef0123456789abcdef".to_owned(),
        group_name: "atlantic".to_owned(),
        sender: "a".repeat(64),
        sender_name: "customs-es".to_owned(),
        kind: "free_text".to_owned(),
        summary: "reefer".to_owned(),
        created_at: Utc::now(),
        content: serde_json::json!({"type": "free_text", "subject": "reefer", "text": "inspect"}),
    };
    let audit = |action: &str| NewAuditEntry {
        actor: "exchange".to_owned(),
        action: action.to_owned(),
        subject: "m1".to_owned(),
        details: serde_json::json!({}),
    };
    let received = message(ExchangeDirection::Received, "m1");
    let stored = store.record_exchange_message(&received, &audit("exchange.receive")).await.expect("stored");
    assert_eq!(stored.as_ref().map(|s| &s.message), Some(&received));
    let again = store.record_exchange_message(&received, &audit("exchange.receive")).await.expect("answered");
    assert_eq!(again, None, "a message id is stored once per direction");
    let sent = message(ExchangeDirection::Sent, "m1");
    assert!(store.record_exchange_message(&sent, &audit("exchange.send")).await.expect("stored").is_some());
    store
        .record_exchange_message(&message(ExchangeDirection::Received, "m2"), &audit("exchange.receive"))
        .await
        .expect("stored");

    let inbox = store.exchange_messages(ExchangeDirection::Received, 0).await.expect("listed");
    let ids: Vec<&str> = inbox.iter().map(|m| m.message.message_id.as_str()).collect();
    assert_eq!(ids, ["m2", "m1"], "newest first, received only");
    assert_eq!(inbox[1].message.content, received.content);
    let one = store.exchange_message(ExchangeDirection::Sent, "m1").await.expect("read");
    assert_eq!(one.map(|m| m.message.direction), Some(ExchangeDirection::Sent));
    assert_eq!(store.exchange_message(ExchangeDirection::Sent, "m2").await.expect("read"), None);
    let audit = store.audit_entries(0, 100).await.expect("audit");
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["exchange.receive", "exchange.send", "exchange.receive"], "one entry per stored message");
    assert!(matches!(store.verify_audit().await.expect("verified"), ChainStatus::Intact { .. }));
}

pub(crate) async fn workbench_queue_claims_history_stats_and_notifications<S: Store>(store: S) {
    use crate::workbench::{NewPhoto, QueueFilter};
    let with_party = |reference: &str, party: &str, score: f64, lane: Lane, referrals: Vec<Referral>| {
        let mut c = consignment(reference, "parts");
        c.parties.push(aduana_core::Party::named(aduana_core::PartyRole::Consignee, party));
        let mut a = assessment(&c, score, lane, referrals);
        a.hits.push(
            serde_json::from_value(serde_json::json!({"indicator": "profile", "id": "P-DRUGS", "version": "1",
            "weight": score, "lane": "red", "referrals": [], "hard": false, "evidence": [], "reason": "test"}))
            .expect("a hit"),
        );
        (c, a)
    };
    let batch = vec![
        with_party("WB1", "ACME Trading Ltd.", 80.0, Lane::Red, vec![]),
        with_party("WB2", "acme trading ltd", 20.0, Lane::Yellow, vec![Referral::DoNotLoad]),
        with_party("WB3", "Other Co", 5.0, Lane::Green, vec![]),
    ];
    let submitted = store.submit("trader", batch).await.expect("submit");
    assert_eq!(store.sync_workbench().await.expect("sync"), 3);
    assert_eq!(store.sync_workbench().await.expect("sync again"), 0, "incremental");
    let queue = store.queue(&QueueFilter::default()).await.expect("queue");
    let refs: Vec<&str> = queue.iter().map(|e| e.reference.as_str()).collect();
    assert_eq!(refs, ["WB1", "WB2"], "red and referred, by score; not the green one");
    let referred = QueueFilter { referral: Some(Referral::DoNotLoad), ..QueueFilter::default() };
    assert_eq!(store.queue(&referred).await.expect("queue")[0].reference, "WB2");
    let by_profile = |p: &str| QueueFilter { profile: Some(p.to_owned()), ..QueueFilter::default() };
    assert_eq!(store.queue(&by_profile("P-DRUGS")).await.expect("queue").len(), 2);
    assert!(store.queue(&by_profile("P_DRUGS")).await.expect("queue").is_empty(), "`_` is not a wildcard");
    assert!(store.queue(&by_profile("P-DRUG")).await.expect("queue").is_empty(), "whole ids only");
    let id1 = submitted[0].assessment.consignment_id;
    store.claim(id1, "officer1").await.expect("claim");
    store.claim(id1, "officer1").await.expect("claiming again is fine");
    assert!(matches!(store.claim(id1, "officer2").await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.release_claim(id1, "officer2").await, Err(StoreError::Conflict(_))));
    store.release_claim(id1, "officer1").await.expect("release");
    store.claim(id1, "officer2").await.expect("now free");
    // The history links WB1 and WB2 through the normalised party name.
    let history = store.party_history(id1, 10).await.expect("history");
    assert_eq!(history.iter().map(|h| h.reference.as_str()).collect::<Vec<_>>(), ["WB2"]);
    // A decision takes the consignment off the open queue; an examination with a find counts in the stats.
    let decision = NewDecision {
        consignment_id: id1,
        kind: DecisionKind::Examine,
        justification: "profile hit".to_owned(),
        officer: "officer2".to_owned(),
    };
    store.record_decision(&decision, &audit("decision", "c/1")).await.expect("decide");
    assert_eq!(store.queue(&QueueFilter::default()).await.expect("queue").len(), 1);
    let order =
        NewExaminationOrder { consignment_id: id1, ordered_by: "officer2".to_owned(), instructions: "x".to_owned() };
    let order = store.order_examination(&order, &audit("exam", "c/1")).await.expect("order");
    store.assign_examination(order.id, "officer1").await.expect("assign");
    assert_eq!(store.open_examinations(Some("officer1")).await.expect("open").len(), 1);
    let result = NewExaminationResult {
        outcome: ExaminationOutcome::Found,
        findings: "cocaine".to_owned(),
        recorded_by: "officer1".to_owned(),
    };
    store.record_examination_result(order.id, &result, &audit("result", "e/1")).await.expect("result");
    store.record_examination_details(order.id, Some("2 kg"), Some("false floor")).await.expect("details");
    let details = store.examination_details(order.id).await.expect("details");
    assert_eq!(
        (details.assigned_to.as_deref(), details.quantity.as_deref(), details.concealment.as_deref()),
        (Some("officer1"), Some("2 kg"), Some("false floor"))
    );
    let photo = NewPhoto {
        order_id: order.id,
        file_name: "a.png".to_owned(),
        stored_name: "1.png".to_owned(),
        content_type: "image/png".to_owned(),
        uploaded_by: "officer1".to_owned(),
    };
    let photo = store.add_photo(&photo).await.expect("photo");
    assert_eq!(store.photos(order.id).await.expect("photos"), [photo]);
    let stats = store.selection_stats("2000-01-01").await.expect("stats");
    let drugs = stats.iter().find(|s| s.hit_id == "P-DRUGS").expect("the profile's figures");
    assert_eq!((drugs.selections, drugs.examinations, drugs.finds), (3, 1, 1));
    let lanes: i64 = store.lane_counts("2000-01-01").await.expect("lanes").iter().map(|l| l.count).sum();
    assert_eq!(lanes, 3);
    assert_eq!(store.selection_series("2000-01-01").await.expect("series").len(), 1);
    // The do-not-load referral raised a notification; delivering it marks it.
    let pending = store.undelivered_notifications(10).await.expect("pending");
    assert_eq!(pending.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(), ["do-not-load"]);
    store.mark_notification(pending[0].id, Some("refused")).await.expect("mark failure");
    assert_eq!(store.undelivered_notifications(10).await.expect("pending")[0].attempts, 1);
    store.mark_notification(pending[0].id, None).await.expect("mark delivered");
    assert!(store.undelivered_notifications(10).await.expect("pending").is_empty());
    assert_eq!(store.notifications(10).await.expect("all").len(), 1);
    // An amendment replaces the earlier version on the queue.
    let amended =
        store.submit("trader", vec![with_party("WB2", "acme", 1.0, Lane::Green, vec![])]).await.expect("amend");
    assert_eq!(amended[0].outcome, SubmissionOutcome::Amended);
    store.sync_workbench().await.expect("sync");
    assert!(
        store
            .queue(&QueueFilter { include_decided: true, ..QueueFilter::default() })
            .await
            .expect("q")
            .iter()
            .all(|e| e.reference != "WB2")
    );
}

/// `sync_workbench` writes a whole round with a few multi-row statements; the result must be what indexing each
/// assessment in turn gave: a later version replaces earlier ones on the queue (stored before the round or in it),
/// counters add up per assessment, notifications are kept.
pub(crate) async fn one_workbench_round_indexes_like_one_assessment_at_a_time<S: Store>(store: S) {
    use crate::workbench::QueueFilter;
    // Arrange: every assessment has one hit of profile P-X and names one party.
    let make = |reference: &str, text: &str, lane: Lane, referrals: Vec<Referral>| {
        let mut c = consignment(reference, text);
        c.parties.push(aduana_core::Party::named(aduana_core::PartyRole::Consignee, "ACME Trading"));
        let mut a = assessment(&c, 50.0, lane, referrals);
        a.hits.push(
            serde_json::from_value(serde_json::json!({"indicator": "profile", "id": "P-X", "version": "1",
            "weight": 50.0, "lane": "red", "referrals": [], "hard": false, "evidence": [], "reason": "test"}))
            .expect("a hit"),
        );
        (c, a)
    };
    let first = vec![make("A", "a1", Lane::Red, vec![]), make("B", "b1", Lane::Red, vec![])];
    store.submit("trader", first).await.expect("first batch");
    assert_eq!(store.sync_workbench().await.expect("first round"), 2);
    // One submission per consignment, so that each is its own assessment, all indexed in the next round.
    let round = [
        ("trader", make("A", "a2", Lane::Red, vec![])),
        ("trader", make("A", "a3", Lane::Green, vec![])),
        ("trader", make("C", "c1", Lane::Red, vec![])),
        ("trader", make("C", "c2", Lane::Yellow, vec![Referral::DoNotLoad])),
        ("other", make("B", "b1", Lane::Red, vec![])),
    ];
    let mut ids = BTreeMap::new();
    for (submitter, pair) in round {
        let key = format!("{submitter}/{}", pair.0.reference);
        let submitted = store.submit(submitter, vec![pair]).await.expect("submit");
        ids.insert(key, submitted[0].assessment.consignment_id);
    }

    // Act
    let indexed = store.sync_workbench().await.expect("second round");

    // Assert
    assert_eq!(indexed, 5);
    assert_eq!(store.sync_workbench().await.expect("third round"), 0, "incremental");
    let all = QueueFilter { include_decided: true, ..QueueFilter::default() };
    let mut queue: Vec<(String, String, i64, String)> = store
        .queue(&all)
        .await
        .expect("queue")
        .into_iter()
        .map(|e| (e.submitter, e.reference, e.consignment_id, e.lane))
        .collect();
    queue.sort();
    let b_trader = queue.iter().find(|e| e.0 == "trader" && e.1 == "B").map(|e| e.2).expect("B of trader");
    assert_eq!(
        queue,
        [
            ("other".to_owned(), "B".to_owned(), ids["other/B"], "red".to_owned()),
            ("trader".to_owned(), "B".to_owned(), b_trader, "red".to_owned()),
            ("trader".to_owned(), "C".to_owned(), ids["trader/C"], "yellow".to_owned()),
        ],
        "A's green third version took A off the queue; C's second version replaced its first"
    );
    let stats = store.selection_stats("2000-01-01").await.expect("stats");
    let px = stats.iter().find(|s| s.hit_id == "P-X").expect("the profile's figures");
    assert_eq!(px.selections, 7, "one selection per assessment");
    let mut lanes: Vec<(String, i64)> =
        store.lane_counts("2000-01-01").await.expect("lanes").into_iter().map(|l| (l.lane, l.count)).collect();
    lanes.sort();
    assert_eq!(lanes, [("green".to_owned(), 1), ("red".to_owned(), 5), ("yellow".to_owned(), 1)]);
    let notifications = store.notifications(10).await.expect("notifications");
    assert_eq!(notifications.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(), ["do-not-load"]);
    let history = store.party_history(ids["trader/C"], 10).await.expect("history");
    assert_eq!(history.len(), 6, "every other consignment version names the same party: {history:?}");
}
