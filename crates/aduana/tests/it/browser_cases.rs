//! Enforcement cases in headless Chromium (issue #8): an officer records a found examination result on the
//! workbench, the seizure case it opens is listed on the consignment page, found by the case search box and
//! opened; then the link analysis and the statistics draw it.

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
        b.screenshot("case").await;
        b.assert_same_origin().await;
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
