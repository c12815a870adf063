//! The cash-record part of the store suite.

use aduana_enforcement::cash::parse_csv;
use chrono::{TimeZone, Utc};

use crate::{CashFilter, ChainStatus, Store, StoreError};

fn records() -> Vec<aduana_enforcement::cash::CashRecord> {
    let csv = "reference,record,at,office,direction,movement,declarant_name,declarant_document_number,transport_mode,\
               amounts,finding,detained\n\
               CD-1,declaration,2025-03-01T10:00:00Z,Madrid,entering,accompanied,Ana Ruiz,PA1,air,currency EUR 9500,,\n\
               CD-2,declaration,2025-03-10T10:00:00Z,Madrid,entering,accompanied,Ana Ruiz,PA1,air,currency USD 10000,,\n\
               DT-1,detection,2025-04-02T08:30:00Z,Algeciras,leaving,accompanied,Luis Gil,PB2,sea,currency EUR 30000,undeclared,yes\n";
    parse_csv(csv.as_bytes(), "store-test.csv").expect("a valid file")
}

pub(crate) async fn cash_records_round_trip_and_are_listed_by_period<S: Store>(store: S) {
    let records = records();
    let stored = store.add_cash_records(&records, "officer1").await.expect("store");
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[2].record, records[2]);
    assert_eq!(stored[2].recorded_by, "officer1");
    assert_eq!(stored[2].shared, None);
    let again = store.cash_record(stored[0].id).await.expect("read").expect("present");
    assert_eq!(again.record, records[0]);
    assert_eq!(store.cash_record(stored[2].id + 100).await.expect("read"), None);

    let march = CashFilter {
        from: Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).single(),
        to: Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).single(),
        limit: 0,
    };
    let refs: Vec<String> =
        store.cash_records(&march).await.expect("list").into_iter().map(|r| r.record.reference).collect();
    assert_eq!(refs, ["CD-1", "CD-2"]);
    let all = store.cash_records(&CashFilter::default()).await.expect("list");
    assert_eq!(all.len(), 3);
    let one = store.cash_records(&CashFilter { limit: 1, ..CashFilter::default() }).await.expect("list");
    assert_eq!(one.len(), 1);
    // One audit entry per record, and the chain holds.
    assert_eq!(store.verify_audit().await.expect("verify"), ChainStatus::Intact { entries: 3 });
}

pub(crate) async fn a_repeated_cash_reference_is_refused_and_nothing_of_the_batch_is_stored<S: Store>(store: S) {
    let records = records();
    store.add_cash_records(&records[..1], "officer1").await.expect("store");
    let error = store.add_cash_records(&records, "officer1").await.expect_err("CD-1 again");
    assert!(matches!(&error, StoreError::Conflict(m) if m == "cash record CD-1 already exists"), "{error:?}");
    assert_eq!(store.cash_records(&CashFilter::default()).await.expect("list").len(), 1);
}

pub(crate) async fn a_cash_record_is_marked_shared_once<S: Store>(store: S) {
    let stored = store.add_cash_records(&records(), "officer1").await.expect("store");
    let id = stored[2].id;
    let at = Utc.with_ymd_and_hms(2025, 4, 3, 9, 0, 0).single().expect("a time");
    let shared = store.mark_cash_shared(id, "ES customs", at, "officer2").await.expect("share");
    let sharing = shared.shared.expect("shared");
    assert_eq!((sharing.with.as_str(), sharing.by.as_str()), ("ES customs", "officer2"));
    assert_eq!(sharing.at, "2025-04-03T09:00:00.000000Z");
    let error = store.mark_cash_shared(id, "FR customs", at, "officer2").await.expect_err("twice");
    assert!(
        matches!(&error, StoreError::Conflict(m) if m.starts_with("cash record") && m.contains("ES customs")),
        "{error:?}"
    );
    let error = store.mark_cash_shared(id + 100, "FR customs", at, "officer2").await.expect_err("unknown");
    assert!(matches!(error, StoreError::NotFound { what: "cash record", .. }));
    let entries = store.audit_entries(0, 100).await.expect("audit");
    let last = entries.last().expect("entries");
    assert_eq!((last.action.as_str(), last.subject.as_str()), ("cash.share", format!("cash/{id}").as_str()));
}
