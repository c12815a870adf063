//! The images of cases in the store test suite (instantiated for both backends by `store_test_suite!`).

use crate::tests::enforcement::case;
use crate::{CaseImageKind, NewCaseImage, Store, StoreError};

fn image(case_id: i64, stored_name: &str, kind: CaseImageKind) -> NewCaseImage {
    NewCaseImage {
        case_id,
        kind,
        file_name: "scan 1.png".to_owned(),
        stored_name: stored_name.to_owned(),
        content_type: "image/png".to_owned(),
        size_bytes: 2048,
        width: 640,
        height: 480,
        sha256: "ab".repeat(32),
        caption: "cocaine bricks behind the cooling unit".to_owned(),
        uploaded_by: "olga".to_owned(),
    }
}

pub(crate) async fn case_images_are_recorded_with_their_audit_entry_and_listed_per_case<S: Store>(store: S) {
    // Arrange: two cases.
    let cases = vec![
        case("cocaine", "drugs", "Jan de Vries", "CSQU3054383", 2025),
        case("cigarettes", "tobacco", "Piet Jansen", "MSCU1234566", 2025),
    ];
    let stored = store.create_cases(&cases, "olga", "case.import").await.expect("cases");
    let (first, second) = (stored[0].id, stored[1].id);

    // Act
    let scan = store.add_case_image(&image(first, "a.png", CaseImageKind::XRay)).await.expect("added");
    let photo = store.add_case_image(&image(first, "b.png", CaseImageKind::Photo)).await.expect("added");
    let other = store.add_case_image(&image(second, "c.png", CaseImageKind::Photo)).await.expect("added");

    // Assert: read back as written, per case, oldest first, each with its audit entry.
    assert_eq!((scan.case_id, scan.kind, scan.width, scan.height), (first, CaseImageKind::XRay, 640, 480));
    assert_eq!((scan.stored_name.as_str(), scan.sha256.len(), scan.uploaded_by.as_str()), ("a.png", 64, "olga"));
    assert_eq!(store.case_images(first).await.expect("list"), [scan.clone(), photo.clone()]);
    assert_eq!(store.case_images(second).await.expect("list"), std::slice::from_ref(&other));
    assert_eq!(store.case_image(photo.id).await.expect("read"), Some(photo.clone()));
    assert_eq!(store.case_image(other.id + 99).await.expect("read"), None);
    let audit = store.audit_entries(0, 100).await.expect("audit");
    let added: Vec<(&str, &str, &str, &serde_json::Value)> = audit
        .iter()
        .filter(|e| e.action == "case.image.add")
        .map(|e| (e.actor.as_str(), e.subject.as_str(), e.details["kind"].as_str().unwrap_or(""), &e.details["image"]))
        .collect();
    let (s1, s2) = (format!("case/{first}"), format!("case/{second}"));
    assert_eq!(
        added,
        [
            ("olga", s1.as_str(), "x_ray", &serde_json::json!(scan.id)),
            ("olga", s1.as_str(), "photo", &serde_json::json!(photo.id)),
            ("olga", s2.as_str(), "photo", &serde_json::json!(other.id)),
        ]
    );

    // An image of a case that does not exist is refused, and leaves no row and no audit entry.
    let missing = store.add_case_image(&image(second + 99, "d.png", CaseImageKind::Photo)).await;
    assert!(matches!(missing, Err(StoreError::NotFound { what: "case", .. })), "{missing:?}");
    assert_eq!(store.audit_entries(0, 100).await.expect("audit").len(), audit.len());
    // A stored name is used once.
    let twice = store.add_case_image(&image(second, "c.png", CaseImageKind::Photo)).await;
    assert!(matches!(twice, Err(StoreError::Database(_))), "{twice:?}");
    assert_eq!(store.case_images(second).await.expect("list").len(), 1);
}
