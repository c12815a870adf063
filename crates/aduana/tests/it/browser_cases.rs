//! Enforcement cases in headless Chromium (issue #8): an officer records a found examination result on the
//! workbench, the seizure case it opens is listed on the consignment page, found by the case search box and
//! opened, an X-ray image is added on the case page; then the link analysis and the statistics draw it.

use crate::browser::{Workbench, runtime};
use crate::helpers::repo_path;

#[test]
fn browser_found_examination_opens_a_case_found_by_the_search_box() {
    runtime().block_on(async {
        let Some(b) = Workbench::start().await else { return };
        let body = std::fs::read_to_string(repo_path("examples/assess/sanctioned-consignee-cwc-chemical.json"))
            .expect("the example");
        let id = b.submit_consignment(&body);
        b.login("officer1").await;
        b.goto_until(&format!("/workbench/consignments/{id}"), "#claim").await;
        b.submit("#claim").await;
        b.fill("#instructions", "Open the container; check the drums.").await;
        b.submit("#order-examination button[type=submit]").await;
        assert!(b.text(".flash").await.contains("ordered"));
        b.click("#outcome-found").await;
        b.fill("#findings", "Undeclared sarin precursor methylphosphonic dichloride in 4 drums").await;
        b.find("#commodity_area option[value='strategic_goods']").await.click().await.expect("choosing the area");
        b.find("#concealment_method option[value='mixed_with_cargo']")
            .await
            .click()
            .await
            .expect("choosing the method");
        // With a photo (a PNG the browser itself makes): the case page shows its thumbnail.
        let photo = b.dir.path().join("drums.png");
        std::fs::write(&photo, b.client.screenshot().await.expect("a PNG")).expect("writing the photo");
        b.find("#photos").await.send_keys(&photo.display().to_string()).await.expect("choosing the photo");
        b.submit("#record-result button[type=submit]").await;
        let flash = b.text(".flash").await;
        assert!(flash.contains("seizure case"), "{flash}");
        // The consignment page lists the case it opened.
        b.goto(&format!("/workbench/consignments/{id}")).await;
        let seizures = b.text("#seizures").await;
        assert!(seizures.contains("this consignment"), "{seizures}");
        // The search box finds it; the result opens the case page.
        b.goto("/workbench").await;
        b.submit("nav a[href='/workbench/cases']").await;
        b.fill("#q", "methylphosphonic").await;
        b.submit("#case-search button[type=submit]").await;
        assert_eq!(b.text("#case-count").await, "1 case(s)");
        assert!(b.text("#facet-commodity_area").await.contains("Strategic"), "a facet for the area");
        b.screenshot("cases-search").await;
        b.assert_same_origin().await;
        b.submit("#case-list a").await;
        assert!(b.text("#case-commodity").await.contains("methylphosphonic dichloride"));
        assert!(b.text("#case-links").await.contains(&format!("Consignment {id}")));
        let thumb = b.find("#case-photos img").await;
        let width = b
            .client
            .execute("return document.querySelector('#case-photos img').naturalWidth;", vec![])
            .await
            .expect("the thumbnail's width");
        assert!(width.as_u64().is_some_and(|w| w > 0 && w <= 240), "a decoded thumbnail of at most 240 px: {width}");
        assert!(thumb.attr("src").await.expect("src").is_some_and(|s| s.ends_with("/thumbnail")));
        // An X-ray image added on the case page itself shows as a thumbnail beside them.
        assert!(b.text("#no-case-images").await.contains("No photos or X-ray images"));
        b.find("#kind option[value='x_ray']").await.click().await.expect("choosing the kind");
        b.fill("#caption", "Drums 3 and 4: denser liquid").await;
        let scan = b.dir.path().join("scan.png");
        std::fs::write(&scan, b.client.screenshot().await.expect("a PNG")).expect("writing the scan");
        b.find("#image").await.send_keys(&scan.display().to_string()).await.expect("choosing the scan");
        b.submit("#add-image").await;
        let flash = b.text(".flash").await;
        assert!(flash.contains("Added x-ray image scan.png"), "{flash}");
        assert!(b.text("#case-images").await.contains("Drums 3 and 4: denser liquid"));
        let width = b
            .client
            .execute("return document.querySelector('#case-images img').naturalWidth;", vec![])
            .await
            .expect("the thumbnail's width");
        assert!(width.as_u64().is_some_and(|w| w > 0 && w <= 240), "a decoded thumbnail of at most 240 px: {width}");
        b.screenshot("case").await;
        b.assert_same_origin().await;
        b.client
            .execute("document.querySelector('#case-images').scrollIntoView();", vec![])
            .await
            .expect("scrolling to the images");
        b.screenshot("case-images").await;
        // A company of the case opens the link analysis with its graph.
        b.submit("#case-companies a").await;
        assert!(b.text("#link-list").await.contains("case"));
        b.find("#link-graph").await;
        b.screenshot("case-links").await;
        b.goto("/workbench/cases/statistics").await;
        assert_eq!(b.text("#case-total").await, "1");
        b.find("#chart-area rect").await;
        b.screenshot("case-statistics").await;
        b.finish().await;
    });
}

/// Records a found result for a fresh consignment in the browser; returns the case page's path.
async fn case_from_found_result(b: &Workbench, body: &str, findings: &str) -> String {
    let id = b.submit_consignment(body);
    b.goto_until(&format!("/workbench/consignments/{id}"), "#claim").await;
    b.submit("#claim").await;
    b.fill("#instructions", "Open the container.").await;
    b.submit("#order-examination button[type=submit]").await;
    b.click("#outcome-found").await;
    b.fill("#findings", findings).await;
    b.find("#commodity_area option[value='drugs']").await.click().await.expect("choosing the area");
    b.submit("#record-result button[type=submit]").await;
    b.goto(&format!("/workbench/consignments/{id}")).await;
    let href = b.find("#seizures a").await.attr("href").await.expect("an attribute").expect("a link to the case");
    assert!(href.starts_with("/workbench/cases/"), "{href}");
    href
}

#[test]
fn browser_case_shared_as_a_non_nominal_seizure_notice_reaches_the_partner_node() {
    let network = crate::exchange_https::Network::new();
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
        // A consignment the queue lists (so that it can be claimed), with named parties.
        let consignment = std::fs::read_to_string(repo_path("examples/assess/sanctioned-consignee-cwc-chemical.json"))
            .expect("the example");
        b.login("officer1").await;
        let case = case_from_found_result(&b, &consignment, "38 kg cocaine behind the drums").await;
        b.goto(&case).await;
        // Non-nominal unless the officer ticks the box.
        assert!(!b.find("#nominal").await.is_selected().await.expect("the checkbox"));
        b.screenshot("case-share").await;
        b.submit("#send-seizure").await;
        let flash = b.text(".flash").await;
        assert!(flash.contains("queued for 1 members") && flash.contains("no names"), "{flash}");
        let fr_node = network.node("fr");
        crate::exchange_https::wait_for(&fr, &fr_node.officer, "/api/exchange/inbox", "the notice at fr", |json| {
            json["messages"].as_array().is_some_and(|m| {
                m.iter().any(|m| {
                    m["kind"] == "seizure_notice"
                        && m["content"]["goods"].as_str().is_some_and(|g| g.contains("38 kg cocaine"))
                        && m["content"]["hs_code"] == "293141"
                        && m["content"].get("nominal").is_none()
                        && !m.to_string().contains("Korea Complex Equipment")
                })
            })
        });
        b.finish().await;
    });
}
