//! `aduana serve --intake`: two server processes on one data directory consume one JetStream stream through a
//! shared durable consumer; one is killed with SIGKILL mid-stream and restarted. Every valid consignment published
//! must be stored exactly once with one assessment, duplicates must not create versions, and invalid messages must
//! be rejected with a report. Runs when `ADUANA_TEST_NATS_URL` is set.

#![allow(clippy::print_stderr, reason = "a skipped test and its figures must show in the test output")]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::serve::{Server, add_user, consignment};

#[test]
fn intake_workers_in_two_processes_store_every_message_once_across_kill_9() {
    let Ok(url) = std::env::var("ADUANA_TEST_NATS_URL") else {
        eprintln!("SKIPPED: ADUANA_TEST_NATS_URL not set");
        return;
    };
    let unique = format!(
        "{}x{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
    );
    let prefix = format!("aduanatest{unique}");
    let stream = format!("ADUANA_TEST_{unique}");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data").display().to_string();
    add_user("carrier", "submitter", &["--data-dir", &data]);
    let server_args = [
        "--data-dir",
        &data,
        "--intake",
        &url,
        "--intake-stream",
        &stream,
        "--intake-subject",
        &prefix,
        "--intake-workers",
        "2",
        "--intake-batch",
        "50",
        "--intake-ack-wait-secs",
        "3",
    ];
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let client = runtime.block_on(async_nats::connect(&url)).expect("connecting to NATS");
    let mut rejections = runtime.block_on(client.subscribe(format!("{prefix}.rejected.>"))).expect("subscribing");

    let one = Server::start(&server_args);
    let two = Server::start(&server_args);

    // 600 single consignments, 20 arrays of 5, 50 identical resubmissions, one invalid, one from a stranger.
    let submit = format!("{prefix}.submit.carrier");
    let mut expected = BTreeSet::new();
    runtime.block_on(async {
        let mut context = async_nats::jetstream::new(client.clone());
        // Generous: the machine may be busy with other test binaries at the same time.
        context.set_timeout(Duration::from_secs(60));
        let mut acks = Vec::new();
        for i in 0..600 {
            let reference = format!("NATS-{i}");
            expected.insert(reference.clone());
            acks.push(context.publish(submit.clone(), consignment(&reference).into()).await.expect("publish"));
        }
        for batch in 0..20 {
            let items: Vec<serde_json::Value> = (0..5)
                .map(|i| {
                    let reference = format!("NATS-B{batch}-{i}");
                    expected.insert(reference.clone());
                    serde_json::from_str(&consignment(&reference)).expect("json")
                })
                .collect();
            let body = serde_json::Value::Array(items).to_string();
            acks.push(context.publish(submit.clone(), body.into()).await.expect("publish"));
        }
        for i in 0..50 {
            acks.push(
                context.publish(submit.clone(), consignment(&format!("NATS-{i}")).into()).await.expect("publish"),
            );
        }
        let invalid = consignment("NATS-BAD").replace("854141", "85A1");
        acks.push(context.publish(submit.clone(), invalid.into()).await.expect("publish"));
        acks.push(
            context
                .publish(format!("{prefix}.submit.nobody"), consignment("NATS-STRANGER").into())
                .await
                .expect("publish"),
        );
        for ack in acks {
            ack.await.expect("JetStream stored the message");
        }
    });

    let database = format!("sqlite://{}/aduana.db", data);
    let counts = || {
        runtime.block_on(async {
            let pool = sqlx::SqlitePool::connect(&database).await.expect("opening the database");
            let row: (i64, i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM consignments), (SELECT COUNT(DISTINCT reference) FROM consignments), \
                 (SELECT COUNT(*) FROM assessments), (SELECT COALESCE(MAX(version), 0) FROM consignments)",
            )
            .fetch_one(&pool)
            .await
            .expect("counting");
            pool.close().await;
            row
        })
    };
    let wait_for = |at_least: i64| {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let now = counts();
            if now.1 >= at_least || Instant::now() > deadline {
                return now;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let before_kill = wait_for(150);
    one.kill();
    let one = Server::start(&server_args);
    let total = expected.len() as i64;
    let (rows, distinct, assessments, max_version) = wait_for(total);
    // Give redeliveries of anything in flight at the kill time to arrive, then count again.
    std::thread::sleep(Duration::from_secs(2));
    let (rows_after, _, assessments_after, _) = counts();
    eprintln!("intake: {} stored before kill -9; {rows} rows for {distinct} references in the end", before_kill.1);
    assert_eq!(distinct, total, "every valid consignment is stored");
    assert_eq!((rows, rows_after), (total, total), "no consignment is stored twice");
    assert_eq!((assessments, assessments_after), (total, total), "no consignment is assessed and stored twice");
    assert_eq!(max_version, 1, "identical resubmissions are not amendments");

    let codes: BTreeSet<String> = runtime.block_on(async {
        let mut codes = BTreeSet::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while codes.len() < 2 {
            match tokio::time::timeout_at(deadline, rejections.next()).await {
                Ok(Some(message)) => {
                    let report: serde_json::Value = serde_json::from_slice(&message.payload).expect("a JSON report");
                    codes.insert(report["error"]["code"].as_str().unwrap_or_default().to_owned());
                }
                _ => break,
            }
        }
        codes
    });
    assert_eq!(codes, BTreeSet::from(["forbidden".to_owned(), "invalid_consignment".to_owned()]));

    drop(one);
    drop(two);
    runtime.block_on(async {
        let context = async_nats::jetstream::new(client.clone());
        let _ = context.delete_stream(&stream).await;
    });
}
