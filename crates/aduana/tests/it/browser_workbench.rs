//! The workbench's own pages in headless Chromium: a red consignment worked from the queue to a recorded
//! examination result (with a photo), the dashboard's charts, the screening page, notifications posted to a
//! local webhook receiver, and every page loading nothing from outside the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::browser::{Workbench, runtime};
use crate::helpers::repo_path;

/// A local webhook receiver: answers 200 to every request and keeps the bodies.
fn webhook_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding the receiver");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).is_ok() {
                kept.lock().expect("lock").push(String::from_utf8_lossy(&body).into_owned());
            }
            let _ = reader.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (url, bodies)
}

#[test]
fn browser_red_consignment_from_the_queue_to_an_examination_result_and_the_dashboard() {
    runtime().block_on(async {
        let (hook, received) = webhook_receiver();
        let profiles = repo_path("data/profiles").display().to_string();
        let list = repo_path("data/watch-lists/un-sc-consolidated-2018.xml").display().to_string();
        let args = ["--profiles", profiles.as_str(), "--list", list.as_str(), "--webhook", hook.as_str()];
        let Some(b) = Workbench::start_with(&args).await else { return };
        let body = std::fs::read_to_string(repo_path("examples/assess/sanctioned-consignee-cwc-chemical.json"))
            .expect("the example");
        let id = b.submit_consignment(&body);
        b.login("officer1").await;
        // The queue lists it (red, with the sanctions referral) once indexed.
        let link = format!("#queue a[href='/workbench/consignments/{id}']");
        b.goto_until("/workbench/queue", &link).await;
        b.screenshot("queue-with-red").await;
        b.assert_same_origin().await;
        b.submit(&link).await;
        b.wait_for_path(&format!("/workbench/consignments/{id}")).await;
        assert_eq!(b.text("#lane").await, "red");
        let hits = b.text("#hits").await;
        assert!(hits.contains("screening") && hits.contains("strategic_goods"), "{hits}");
        b.screenshot("consignment").await;
        b.assert_same_origin().await;
        // Claim it; the page says who works it.
        b.submit("#claim").await;
        assert!(b.text("#claimed-by").await.contains("officer1"));
        // A decision needs a justification (the browser refuses an empty one; the server does too).
        b.fill("#justification", "Consignee on the UN list; chemicals under the CWC.").await;
        b.submit("#decide button[type=submit]").await;
        assert!(b.text(".flash").await.contains("Decision recorded"));
        assert!(b.text("#decisions").await.contains("officer1"));
        // Order an examination: it opens the examination page.
        b.fill("#instructions", "Open the container; sample the drums.").await;
        b.submit("#order-examination button[type=submit]").await;
        assert!(b.text(".flash").await.contains("ordered"));
        b.submit("#assign button[type=submit]").await;
        assert_eq!(b.text("#assigned-to").await, "officer1");
        // Record the result with a photo (a PNG the browser itself makes).
        let png = b.client.screenshot().await.expect("a PNG");
        let photo = b.dir.path().join("drum.png");
        std::fs::write(&photo, png).expect("writing the photo");
        b.click("#outcome-found").await;
        b.fill("#findings", "Undeclared thiodiglycol in 4 drums").await;
        b.fill("#quantity", "4 drums, 800 kg").await;
        b.fill("#concealment", "behind declared detergent").await;
        b.find("#photos").await.send_keys(&photo.display().to_string()).await.expect("choosing the photo");
        b.submit("#record-result button[type=submit]").await;
        assert!(b.text(".flash").await.contains("1 photo"));
        assert_eq!(b.text("#outcome").await, "found");
        let result = b.text("#result").await;
        assert!(result.contains("800 kg") && result.contains("detergent"), "{result}");
        b.find("#photo-list img").await;
        b.screenshot("examination").await;
        b.assert_same_origin().await;
        // The dashboard counts the find and draws its charts.
        b.goto("/workbench/dashboard").await;
        assert!(b.client.find_all(fantoccini::Locator::Css("#lane-chart rect")).await.expect("rects").len() >= 2);
        b.find("#series-chart polyline").await;
        let profiles_table = b.text("#indicators").await;
        assert!(profiles_table.contains("screening"), "{profiles_table}");
        assert!(profiles_table.contains("100 %"), "one examination, one find: {profiles_table}");
        b.screenshot("dashboard").await;
        // The weekly series of one indicator.
        b.goto("/workbench/dashboard?indicator=screening").await;
        assert!(b.text("#series-h").await.ends_with(": screening"));
        b.find("#series-chart rect").await;
        b.assert_same_origin().await;
        // Screening explains candidates from the loaded list.
        b.goto("/workbench/screening").await;
        b.fill("#name", "Korea Complex Equipment Import Corp").await;
        b.submit("form[role=search] button").await;
        b.find("#screening-results").await;
        b.screenshot("screening").await;
        b.assert_same_origin().await;
        // The sanctions match is listed and was posted to the webhook.
        b.goto_until("/workbench/notifications", "#notifications .tag-severe").await;
        b.screenshot("notifications").await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !received.lock().expect("lock").iter().any(|r| r.contains("sanctions-match")) {
            assert!(std::time::Instant::now() < deadline, "no sanctions-match reached the webhook");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        b.finish().await;
    });
}
