//! The cash pages in headless Chromium: an officer records two declarations just below the threshold by one
//! traveller and a detection, the structuring page shows the alert with its explanation, the detection is marked
//! shared, and the FIU report downloads as CSV.

use fantoccini::Locator;

use crate::browser::{Workbench, runtime};

async fn record(b: &Workbench, fields: &[(&str, &str)], selects: &[(&str, &str)]) {
    b.goto("/workbench/cash").await;
    for (id, text) in fields {
        b.fill(&format!("#record-cash #{id}"), text).await;
    }
    for (id, value) in selects {
        b.click(&format!("#record-cash select#{id} option[value='{value}']")).await;
    }
    b.submit("#record-cash button[type=submit]").await;
}

#[test]
fn browser_cash_declarations_structuring_alert_sharing_and_fiu_report() {
    runtime().block_on(async {
        let Some(b) = Workbench::start().await else { return };
        b.login("officer1").await;
        let traveller = [
            ("declarant_name", "Mehmet Yilmaz"),
            ("declarant_document_number", "U12345678"),
            ("office", "Madrid-Barajas"),
        ];
        let mut first = vec![("reference", "CD-B1"), ("at", "2025-03-03 11:45"), ("amounts", "currency EUR 9500")];
        first.extend(traveller);
        record(&b, &first, &[]).await;
        assert_eq!(b.text(".flash").await, "Recorded declaration CD-B1.");
        let mut second = vec![("reference", "CD-B2"), ("at", "2025-03-17 10:00"), ("amounts", "currency USD 10500")];
        second.extend(traveller);
        record(&b, &second, &[]).await;
        assert_eq!(b.text(".flash").await, "Recorded declaration CD-B2.");
        // A malformed amount is refused with the column and what was expected.
        let mut bad = vec![("reference", "CD-B3"), ("at", "2025-03-18 10:00"), ("amounts", "cash EUR 10")];
        bad.extend(traveller);
        record(&b, &bad, &[]).await;
        let flash = b.text(".flash").await;
        assert!(flash.starts_with("Not recorded — amounts: expected `instrument CURRENCY value`"), "{flash}");
        let detection = [
            ("reference", "DT-B1"),
            ("at", "2025-03-21 06:15"),
            ("amounts", "currency EUR 48000"),
            ("declarant_name", "Omar Haddad"),
            ("office", "Algeciras"),
        ];
        record(
            &b,
            &detection,
            &[
                ("record", "detection"),
                ("finding", "undeclared"),
                ("detained", "yes"),
                ("direction", "leaving"),
                ("transport_mode", "road"),
            ],
        )
        .await;
        assert_eq!(b.text(".flash").await, "Recorded detection DT-B1.");
        let table = b.text("#cash-records").await;
        assert!(table.contains("DT-B1") && table.contains("detained") && table.contains("overdue"), "{table}");
        b.screenshot("cash-list").await;

        b.goto("/workbench/cash/structuring").await;
        assert_eq!(b.text("#alert-count").await, "1 alert(s) in 3 record(s).");
        let explanation = b.text(".structuring-alert .explanation").await;
        assert!(explanation.contains("CD-B1 EUR 9500.00, CD-B2 EUR 9808.50; together EUR 19308.50"), "{explanation}");
        assert!(explanation.contains("same document U12345678"), "{explanation}");
        b.screenshot("cash-structuring").await;

        b.goto("/workbench/cash").await;
        b.fill("#cash-records input[name=with]", "FR customs").await;
        b.submit("#cash-records form button[type=submit]").await;
        assert_eq!(b.text(".flash").await, "Marked DT-B1 as shared with FR customs.");
        assert!(b.text("#cash-records").await.contains("shared with FR customs"));

        // The report link downloads through the session cookie.
        b.goto("/workbench/cash?from=2025-03-01&to=2025-03-31").await;
        let href = b.find("#report-csv").await.attr("href").await.expect("href").expect("an href");
        assert_eq!(href, "/api/cash/report?format=csv&from=2025-03-01&to=2025-03-31");
        let csv: String = b
            .client
            .execute(
                "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text());",
                vec![serde_json::Value::String(href)],
            )
            .await
            .expect("fetching the report")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(csv.lines().count(), 4, "{csv}");
        assert!(csv.contains(",DT-B1,detection,undeclared,") && csv.contains(",shared,"), "{csv}");
        let _ = b.client.find(Locator::Css("#report-json")).await.expect("a JSON link");
        b.finish().await;
    });
}
