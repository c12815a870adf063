//! The exchange in the workbench (headless Chromium): an officer shares a consignment as an alert from its page;
//! the partner node receives and decrypts it; the outbox and groups pages show it.

use crate::browser::{Workbench, runtime};
use crate::exchange_https::{Network, wait_for};

#[test]
fn browser_exchange_share_a_consignment_as_an_alert_that_the_partner_node_receives() {
    let network = Network::new();
    let fr = network.start("fr");
    let es = network.node("es");
    let (dir, listen) = (es.exchange.display().to_string(), format!("127.0.0.1:{}", es.port));
    let args = [
        "--exchange",
        dir.as_str(),
        "--exchange-listen",
        listen.as_str(),
        "--exchange-retry-secs",
        "1",
        "--exchange-poll-ms",
        "100",
    ];
    runtime().block_on(async {
        let Some(b) = Workbench::start_with(&args).await else { return };
        let id = b.submit_consignment(&crate::serve::consignment("SHARE-1"));
        b.login("officer1").await;
        b.goto(&format!("/workbench/consignments/{id}")).await;
        b.submit("#share-alert").await;
        b.wait_for_path("/workbench/exchange/share").await;
        b.fill("#description", "Undeclared cigarettes behind the tiles; same shipper as last month.").await;
        b.screenshot("exchange-share").await;
        b.submit("#send-alert").await;
        let flash = b.text(".flash").await;
        assert!(flash.contains("queued for 1 members"), "{flash}");
        assert!(b.text("#exchange-sent").await.contains("alert"));

        let fr_node = network.node("fr");
        wait_for(&fr, &fr_node.officer, "/api/exchange/inbox", "the alert at fr", |json| {
            json["messages"].as_array().is_some_and(|m| {
                m.iter().any(|m| {
                    m["kind"] == "alert"
                        && m["content"]["reference"] == "SHARE-1"
                        && m["content"]["description"].as_str().is_some_and(|d| d.contains("cigarettes"))
                })
            })
        });
        b.goto("/workbench/exchange/groups").await;
        let groups = b.text("main").await;
        assert!(groups.contains("atlantic") && groups.contains("customs-fr"), "{groups}");
        b.goto("/workbench/exchange/outbox").await;
        b.screenshot("exchange-outbox").await;
        b.goto("/workbench/exchange/inbox").await;
        b.finish().await;
    });
}
