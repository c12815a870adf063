//! The profile pages in headless Chromium: an analyst edits a profile, sees a compile error inline with its line
//! and column, fixes it, back-tests the new version against stored consignments (selections and the hit rate of
//! the examined one, next to the active set's) and activates it.

use crate::browser::Workbench;
use crate::serve::{add_user, http};

const TABLEWARE: &str = "profile TW-001 {
  title: \"Porcelain tableware\"
  rationale: \"Porcelain tableware (HS 6911) carries anti-dumping duties; check the origin documents.\"
  owner: \"Origin unit\"
  valid: 2026-01-01 to open
  version: 1
  weight: 35
  severity: high
  lane: yellow
  when: goods.hs_code prefix 6911
}
";

fn call(address: &str, method: &str, path: &str, token: &str, body: &serde_json::Value) -> serde_json::Value {
    let auth = format!("Bearer {token}");
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    let answer = http(address, method, path, &headers, &body.to_string()).expect("an answer");
    assert!((200..300).contains(&answer.status), "{method} {path}: {} {}", answer.status, answer.body);
    answer.json()
}

#[test]
fn browser_edit_a_profile_and_see_its_backtest() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let Some(b) = Workbench::start().await else { return };
        let data = b.dir.path().join("data").display().to_string();
        let (_, carrier) = add_user("carrier", "submitter", &["--data-dir", &data]);
        let address = b.server.address.clone();
        let (analyst, officer) = (b.tokens["analyst1"].clone(), b.tokens["officer1"].clone());

        // A stored, active profile and four stored consignments, three of tableware; one examined, found.
        call(
            &address,
            "POST",
            "/api/profiles",
            &analyst,
            &serde_json::json!({"name": "tableware", "source": TABLEWARE}),
        );
        call(&address, "POST", "/api/profiles/tableware/activate", &analyst, &serde_json::json!({}));
        let mut first = 0;
        for (i, hs) in ["691110", "691110", "691190", "940360"].iter().enumerate() {
            let consignment = serde_json::json!({
                "reference": format!("BT-{i}"), "direction": "import",
                "goods": [{"sequence": 1, "hs_code": hs, "description": "goods"}],
            });
            let answer = call(&address, "POST", "/api/consignments", &carrier, &consignment);
            if i == 0 {
                first = answer["submissions"][0]["consignment_id"].as_i64().expect("an id");
            }
        }
        let order = call(
            &address,
            "POST",
            &format!("/api/consignments/{first}/examinations"),
            &officer,
            &serde_json::json!({"instructions": "open"}),
        );
        let order_id = order["id"].as_i64().expect("an order id");
        call(
            &address,
            "POST",
            &format!("/api/examinations/{order_id}/result"),
            &officer,
            &serde_json::json!({"outcome": "found", "findings": "undervalued"}),
        );

        b.login("analyst1").await;
        b.goto("/workbench/profiles").await;
        assert!(b.text("table").await.contains("active: version 1"));
        b.click("a[href='/workbench/profiles/tableware']").await;
        b.wait_for_path("/workbench/profiles/tableware").await;
        assert!(b.text("#rules-heading").await.contains("version 1"));

        // A typo: the page comes back with the error at its line and column, and the text as typed.
        b.fill("#source", &TABLEWARE.replace("goods.hs_code prefix", "goods.hs_cod prefix")).await;
        b.click("form[action$='/edit'] button[type=submit]").await;
        let errors = b.text("#source-errors").await;
        assert!(errors.contains("line 10, column 9"), "{errors}");
        assert!(errors.contains("did you mean `goods.hs_code`"), "{errors}");
        b.screenshot("profile-edit-error").await;

        // Fixed: stored as version 2 (red lane), not yet active.
        b.fill("#source", &TABLEWARE.replace("lane: yellow", "lane: red")).await;
        b.fill("#comment", "examine tableware").await;
        b.click("form[action$='/edit'] button[type=submit]").await;
        b.wait_for_path("/workbench/profiles/tableware").await;
        assert!(b.text(".flash").await.contains("Version 2 saved"));
        assert!(b.text("#history-heading + table").await.contains("examine tableware"));

        // The back-test of version 2: three tableware consignments selected, the examined one a find.
        b.click("form[action$='/backtest'] button[type=submit]").await;
        b.wait_for_path("/workbench/profiles/tableware/backtest").await;
        let table = b.text("#backtest-table").await;
        assert!(table.contains("tableware version 2 3 1 1 100.0 %"), "{table}");
        assert!(table.contains("Active set as it is 3 1 1 100.0 %"), "{table}");
        assert!(b.text("#backtest-summary").await.contains("4 consignments"));
        b.screenshot("profile-backtest").await;

        b.click("form[action$='/activate'] button[type=submit]").await;
        b.wait_for_path("/workbench/profiles/tableware").await;
        assert!(b.text(".flash").await.contains("Version 2 is active"));
        b.screenshot("profile-view").await;
        b.finish().await;
    });
}
