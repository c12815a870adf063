//! The enforcement part of the store test suite (instantiated for both backends by `store_test_suite!`).

use aduana_enforcement::{Case, CommodityArea, EntityKind, Restriction, two_hops};

use crate::{CaseQuery, Store, StoreError, Viewer};

pub(crate) fn case(commodity: &str, area: &str, person: &str, container: &str, year: i32) -> Case {
    serde_json::from_value(serde_json::json!({
        "date": format!("{year}-03-14"),
        "office": "Rotterdam Maasvlakte",
        "locode": "NLRTM",
        "detection_method": "x_ray",
        "commodity_area": area,
        "commodity": commodity,
        "quantities": [{"amount": 12.5, "unit": "kg"}],
        "concealment": "container_structure",
        "conveyance": {"containers": [container]},
        "route": {"departure": "EC", "transit": ["PA"], "destination": "NL"},
        "persons": [{"name": person, "phones": ["+31 6 1234 5678"]}],
    }))
    .expect("a valid case")
}

fn officer() -> Viewer {
    Viewer { user: "olga".to_owned(), role: "officer".to_owned() }
}

pub(crate) async fn cases_are_found_by_text_and_facets<S: Store>(store: S) {
    let cases = vec![
        case("cocaine in banana boxes", "drugs", "Jan de Vries", "CSQU3054383", 2024),
        case("cigarettes", "tobacco", "Piet Jansen", "MSCU1234566", 2024),
        case("heroin", "drugs", "Ana Ruiz", "TGHU9876542", 2025),
    ];
    let stored = store.create_cases(&cases, "olga", "case.import").await.expect("stored");
    assert_eq!(stored.iter().map(|c| c.version).collect::<Vec<_>>(), [1, 1, 1]);

    let by_name = CaseQuery { text: Some("VRIES jan".to_owned()), ..CaseQuery::default() };
    let found = store.search_cases(&by_name, &officer()).await.expect("search");
    assert_eq!((found.total, found.cases[0].id), (1, stored[0].id));
    let by_container = CaseQuery { text: Some("msCU1234566".to_owned()), ..CaseQuery::default() };
    assert_eq!(store.search_cases(&by_container, &officer()).await.expect("search").total, 1);

    let drugs = CaseQuery { commodity_area: Some(CommodityArea::Drugs), ..CaseQuery::default() };
    let found = store.search_cases(&drugs, &officer()).await.expect("search");
    assert_eq!(found.total, 2);
    // Newest first.
    assert_eq!(found.cases[0].id, stored[2].id);
    let years: Vec<(String, i64)> = found.facets.year.iter().map(|f| (f.value.clone(), f.count)).collect();
    assert_eq!(years, [("2024".to_owned(), 1), ("2025".to_owned(), 1)]);

    let all = store.search_cases(&CaseQuery::default(), &officer()).await.expect("search");
    let areas: Vec<(String, i64)> = all.facets.commodity_area.iter().map(|f| (f.value.clone(), f.count)).collect();
    assert_eq!(areas, [("drugs".to_owned(), 2), ("tobacco".to_owned(), 1)]);
    let countries: Vec<&str> = all.facets.country.iter().map(|f| f.value.as_str()).collect();
    assert_eq!(countries, ["EC", "NL", "PA"]);
    let in_pa = CaseQuery { country: Some("PA".to_owned()), year: Some(2025), ..CaseQuery::default() };
    assert_eq!(store.search_cases(&in_pa, &officer()).await.expect("search").total, 1);
    let nothing = CaseQuery { text: Some("tulips".to_owned()), ..CaseQuery::default() };
    assert_eq!(store.search_cases(&nothing, &officer()).await.expect("search").total, 0);
    // Punctuation that means something to a full-text query language is only a separator here.
    let odd = CaseQuery { text: Some("\"cocaine\" OR (NEAR* -banana".to_owned()), ..CaseQuery::default() };
    store.search_cases(&odd, &officer()).await.expect("a query with operators is not an error");

    let matching = store.cases_matching(&drugs, &officer()).await.expect("all matching");
    assert_eq!(matching.len(), 2);
    let audit = store.audit_entries(0, 10).await.expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "case.import");
}

pub(crate) async fn restricted_cases_are_visible_only_to_their_principals<S: Store>(store: S) {
    let mut secret = case("cocaine", "drugs", "Informant X", "CSQU3054383", 2025);
    secret.restriction =
        Restriction { restricted: true, users: vec!["alice".to_owned()], roles: vec!["analyst".to_owned()] };
    store.create_cases(&[secret], "alice", "case.create").await.expect("stored");
    let query = CaseQuery { text: Some("informant".to_owned()), ..CaseQuery::default() };
    let count = |user: &str, role: &str| {
        let viewer = Viewer { user: user.to_owned(), role: role.to_owned() };
        let store = &store;
        let query = &query;
        async move { store.search_cases(query, &viewer).await.expect("search").total }
    };
    assert_eq!(count("alice", "officer").await, 1);
    assert_eq!(count("bob", "analyst").await, 1);
    assert_eq!(count("bob", "officer").await, 0);
    let key = EntityKind::Person.key("informant x").expect("a key");
    let hidden = store.mentions_around(EntityKind::Person, &key, &officer()).await.expect("links");
    assert!(hidden.is_empty(), "{hidden:?}");
    let seen = store
        .mentions_around(EntityKind::Person, &key, &Viewer { user: "alice".to_owned(), role: "officer".to_owned() })
        .await
        .expect("links");
    assert!(!seen.is_empty());
}

pub(crate) async fn case_updates_are_versioned_and_audited<S: Store>(store: S) {
    let stored = store
        .create_cases(&[case("cocaine", "drugs", "Jan de Vries", "CSQU3054383", 2025)], "olga", "case.create")
        .await
        .expect("stored");
    let id = stored[0].id;
    let mut changed = stored[0].case.clone();
    changed.assign("bob", "olga", "2025-03-15T08:00:00Z").expect("assigned");
    changed.persons[0].name = "Johannes de Vries".to_owned();
    let updated = store.update_case(id, &changed, Some(1), "olga", "case.assign").await.expect("updated");
    assert_eq!(updated.version, 2);
    let stale = store.update_case(id, &changed, Some(1), "olga", "case.update").await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let missing = store.update_case(id + 100, &changed, None, "olga", "case.update").await;
    assert!(matches!(missing, Err(StoreError::NotFound { .. })), "{missing:?}");
    let stamp = store.case_stamp().await.expect("stamp");
    assert!(stamp.starts_with("cases:1:"), "{stamp}");
    let read = store.case(id).await.expect("read").expect("a case");
    assert_eq!(store.all_cases().await.expect("all").len(), 1);
    assert_eq!(read.case, changed);
    // The search index follows the change.
    let old = CaseQuery { text: Some("jan".to_owned()), ..CaseQuery::default() };
    assert_eq!(store.search_cases(&old, &officer()).await.expect("search").total, 0);
    let new = CaseQuery { text: Some("johannes".to_owned()), ..CaseQuery::default() };
    assert_eq!(store.search_cases(&new, &officer()).await.expect("search").total, 1);
    let actions: Vec<String> = store
        .audit_entries(0, 10)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.subject))
        .collect();
    assert_eq!(actions, [format!("case.create case/{id}"), format!("case.assign case/{id}")]);
    assert_eq!(store.verify_audit().await.expect("verify"), crate::ChainStatus::Intact { entries: 2 });
}

pub(crate) async fn links_reach_consignments_and_cases_within_two_hops<S: Store>(store: S) {
    // A consignment carried in the container of the first case, by a consignee whose phone is in the second.
    let consignment: aduana_core::Consignment = serde_json::from_value(serde_json::json!({
        "reference": "LINK1", "direction": "import",
        "parties": [{"role": "consignee", "name": "Tropical Fruit BV", "contact": {"phone": "0031 20 555 1234"}}],
        "equipment": [{"id": "CSQU3054383", "kind": "container"}],
        "goods": [{"sequence": 1, "hs_code": "080390", "description": "bananas"}],
    }))
    .expect("a consignment");
    let assessment = aduana_core::Assessment {
        reference: consignment.reference.clone(),
        score: 0.0,
        lane: aduana_core::Lane::Green,
        referrals: Vec::new(),
        hits: Vec::new(),
        findings: Vec::new(),
        versions: std::collections::BTreeMap::new(),
    };
    let submitted = store.submit("carrier", vec![(consignment, assessment)]).await.expect("submitted");
    let consignment_id = submitted[0].assessment.consignment_id;
    let first = case("cocaine", "drugs", "Jan de Vries", "CSQU3054383", 2025);
    let mut second = case("heroin", "drugs", "Ana Ruiz", "MSCU1234566", 2025);
    second.persons[0].phones = vec!["+31 20 555 1234".to_owned()];
    let stored = store.create_cases(&[first, second], "olga", "case.create").await.expect("stored");

    let key = EntityKind::Person.key("Jan de Vries").expect("a key");
    let mentions = store.mentions_around(EntityKind::Person, &key, &officer()).await.expect("links");
    let start = aduana_enforcement::EntityRef::new(EntityKind::Person, "Jan de Vries").expect("an entity");
    let links = two_hops(&start, &mentions);
    let found: Vec<(String, i64, u8)> =
        links.records.iter().map(|r| (r.record.kind.as_str().to_owned(), r.record.id, r.hop)).collect();
    // Jan's case (1 hop); the consignment in the same container (2 hops). Ana's case shares only the consignee's
    // phone with the consignment: three hops, so not here.
    assert_eq!(found, [("case".to_owned(), stored[0].id, 1), ("consignment".to_owned(), consignment_id, 2)]);

    let phone = EntityKind::Phone.key("+31 20 555 1234").expect("a key");
    let mentions = store.mentions_around(EntityKind::Phone, &phone, &officer()).await.expect("links");
    let start = aduana_enforcement::EntityRef::new(EntityKind::Phone, "+31 20 555 1234").expect("an entity");
    let found: Vec<i64> =
        two_hops(&start, &mentions).records.iter().filter(|r| r.hop == 1).map(|r| r.record.id).collect();
    assert_eq!(found.len(), 2, "the consignment and Ana's case both carry the phone: {found:?}");

    let companies = store.entities(EntityKind::Company, "tropical", 10).await.expect("entities");
    assert_eq!(companies.len(), 1);
    assert_eq!(companies[0].label, "Tropical Fruit BV");
}
