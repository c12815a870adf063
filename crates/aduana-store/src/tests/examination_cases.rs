//! The examination-to-case write of the store test suite: a found result and the seizure case it opens are one
//! transaction (instantiated for both backends by `store_test_suite!`).

use crate::tests::enforcement::case;
use crate::tests::{RawSql, audit, pair};
use crate::workbench::NewPhoto;
use crate::{ExaminationOutcome, NewExaminationOrder, NewExaminationResult, ResultDetails, Store, StoreError, Viewer};

fn photo(order_id: i64, file_name: &str) -> NewPhoto {
    NewPhoto {
        order_id,
        file_name: file_name.to_owned(),
        stored_name: format!("{order_id}-{file_name}"),
        content_type: "image/jpeg".to_owned(),
        uploaded_by: "olga".to_owned(),
    }
}

fn found() -> NewExaminationResult {
    NewExaminationResult {
        outcome: ExaminationOutcome::Found,
        findings: "12 kg cocaine behind the cooling unit".to_owned(),
        recorded_by: "olga".to_owned(),
    }
}

/// How many audit entries, cases and results the store holds: what a failed write must leave unchanged.
async fn footprint<S: Store>(store: &S, order_id: i64) -> (usize, usize, bool) {
    let audit = store.audit_entries(0, 1000).await.expect("audit").len();
    let cases = store.all_cases().await.expect("cases").len();
    let result = store.examination(order_id).await.expect("read").expect("the order").result.is_some();
    (audit, cases, result)
}

pub(crate) async fn a_found_result_and_its_case_are_stored_together_or_not_at_all<S: Store + RawSql>(store: S) {
    // Arrange: a consignment with an examination order.
    let submitted = store.submit("trader", vec![pair("EXC1", "bananas", 80.0, aduana_core::Lane::Red)]).await;
    let consignment_id = submitted.expect("submit")[0].assessment.consignment_id;
    let order = NewExaminationOrder {
        consignment_id,
        ordered_by: "olga".to_owned(),
        instructions: "x-ray the reefer".to_owned(),
    };
    let order = store.order_examination(&order, &audit("examination.order", "c")).await.expect("order");
    let mut seizure = case("cocaine", "drugs", "Jan de Vries", "CSQU3054383", 2025);
    seizure.consignment_ids = vec![consignment_id];
    let before = footprint(&store, order.id).await;
    assert_eq!(before, (1, 0, false));

    // A case that does not name the examination is refused before anything is written.
    let unlinked = store
        .record_examination_result_with_case(
            order.id,
            &found(),
            &audit("examination.result", "e"),
            Some(&seizure),
            &Default::default(),
        )
        .await;
    assert!(matches!(unlinked, Err(StoreError::InvalidArgument(_))), "{unlinked:?}");
    assert_eq!(footprint(&store, order.id).await, before);

    // The case's derived rows cannot be written: the result, written first, must not stay behind.
    // So must the workbench's details and photo records written with it.
    seizure.examination_ids = vec![order.id];
    let photos = [photo(order.id, "reefer.jpg"), photo(order.id, "bricks.png")];
    let details =
        ResultDetails { quantity: Some("12 kg"), concealment: Some("behind the cooling unit"), photos: &photos };
    store.raw("ALTER TABLE enforcement_case_countries RENAME TO enforcement_case_countries_away").await;
    let failed = store
        .record_examination_result_with_case(
            order.id,
            &found(),
            &audit("examination.result", "e"),
            Some(&seizure),
            &details,
        )
        .await;
    assert!(matches!(failed, Err(StoreError::Database(_))), "{failed:?}");
    assert_eq!(footprint(&store, order.id).await, before, "a failed write leaves nothing");
    assert_eq!(store.photos(order.id).await.expect("photos"), []);
    assert_eq!(store.examination_details(order.id).await.expect("details").quantity, None);
    store.raw("ALTER TABLE enforcement_case_countries_away RENAME TO enforcement_case_countries").await;

    // A photo of another examination is refused before anything is written.
    let stray = [photo(order.id + 1, "other.jpg")];
    let refused = store
        .record_examination_result_with_case(
            order.id,
            &found(),
            &audit("examination.result", "e"),
            Some(&seizure),
            &ResultDetails { photos: &stray, ..details.clone() },
        )
        .await;
    assert!(matches!(refused, Err(StoreError::InvalidArgument(_))), "{refused:?}");
    assert_eq!(footprint(&store, order.id).await, before);

    // Act: the same write with the table back.
    let (recorded, opened) = store
        .record_examination_result_with_case(
            order.id,
            &found(),
            &audit("examination.result", "e"),
            Some(&seizure),
            &details,
        )
        .await
        .expect("result and case");
    let stored_photos = store.photos(order.id).await.expect("photos");
    let names: Vec<&str> = stored_photos.iter().map(|p| p.file_name.as_str()).collect();
    assert_eq!(names, ["reefer.jpg", "bricks.png"]);
    let stored_details = store.examination_details(order.id).await.expect("details");
    assert_eq!(
        (stored_details.quantity.as_deref(), stored_details.concealment.as_deref()),
        (Some("12 kg"), Some("behind the cooling unit"))
    );

    // Assert: both stored, each with its audit entry, the case findable like any other.
    assert_eq!(recorded.result.as_ref().map(|r| r.outcome), Some(ExaminationOutcome::Found));
    let opened = opened.expect("a case");
    assert_eq!((opened.version, opened.created_by.as_str()), (1, "olga"));
    assert_eq!(opened.case.examination_ids, [order.id]);
    assert_eq!(store.case(opened.id).await.expect("read"), Some(opened.clone()));
    let entries = store.audit_entries(0, 1000).await.expect("audit");
    let actions: Vec<(&str, &str)> = entries.iter().map(|e| (e.action.as_str(), e.subject.as_str())).collect();
    let case_subject = format!("case/{}", opened.id);
    assert_eq!(actions[1..], [("examination.result", "e"), ("case.create", case_subject.as_str())]);
    let viewer = Viewer { user: "olga".to_owned(), role: "officer".to_owned() };
    let query = crate::CaseQuery { text: Some("vries".to_owned()), ..crate::CaseQuery::default() };
    assert_eq!(store.search_cases(&query, &viewer).await.expect("search").total, 1);

    // A second result is refused and opens no second case.
    let again = store
        .record_examination_result_with_case(
            order.id,
            &found(),
            &audit("examination.result", "e"),
            Some(&seizure),
            &Default::default(),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(footprint(&store, order.id).await, (3, 1, true));
    let missing = store
        .record_examination_result_with_case(
            order.id + 99,
            &found(),
            &audit("examination.result", "e"),
            None,
            &Default::default(),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound { .. })), "{missing:?}");
}

pub(crate) async fn a_result_without_a_case_is_recorded_alone<S: Store>(store: S) {
    let submitted = store.submit("trader", vec![pair("EXC2", "pears", 10.0, aduana_core::Lane::Yellow)]).await;
    let consignment_id = submitted.expect("submit")[0].assessment.consignment_id;
    let order = NewExaminationOrder {
        consignment_id,
        ordered_by: "olga".to_owned(),
        instructions: "open two boxes".to_owned(),
    };
    let order = store.order_examination(&order, &audit("examination.order", "c")).await.expect("order");
    let nothing = NewExaminationResult {
        outcome: ExaminationOutcome::NotFound,
        findings: "pears only".to_owned(),
        recorded_by: "olga".to_owned(),
    };
    let (recorded, opened) = store
        .record_examination_result_with_case(
            order.id,
            &nothing,
            &audit("examination.result", "e"),
            None,
            &Default::default(),
        )
        .await
        .expect("result");
    assert_eq!(opened, None);
    assert_eq!(store.examination(order.id).await.expect("read"), Some(recorded));
    assert_eq!(footprint(&store, order.id).await, (2, 0, true));
}
