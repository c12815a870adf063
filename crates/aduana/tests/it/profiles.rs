//! Profiles, watch lists and the AEO register through the real `aduana serve`: a profile with an error is
//! rejected with its line, column and the nearest field name; an activated profile fires on the next submission
//! without a restart (and the assessment's `versions` say which configuration was used); deactivating it stops it;
//! a back-test counts selections and the hit rate of examined consignments; an uploaded list gives a sanctions
//! hit; an uploaded AEO register turns a yellow lane green; a restart with the seeding flags does not undo API
//! changes; and (with `ADUANA_TEST_POSTGRES_URL`) a change made through one server process is used by another.

#![allow(clippy::print_stderr, reason = "a skipped backend must show in the test output")]

use std::process::Command;

use crate::serve::{Answer, Server, add_user, http};

const TABLEWARE: &str = r#"# Porcelain tableware under anti-dumping duties.
profile TW-001 {
  title: "Porcelain tableware"
  rationale: "Porcelain tableware (HS 6911) carries anti-dumping duties; check the origin documents."
  owner: "Origin unit"
  valid: 2026-01-01 to open
  version: 1
  weight: 35
  severity: high
  lane: yellow
  when: goods.hs_code prefix 6911
}
"#;

struct Client<'a> {
    address: &'a str,
}

impl Client<'_> {
    fn call(&self, method: &str, path: &str, token: &str, content_type: &str, body: &str) -> Answer {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("Authorization", auth.as_str())];
        if !content_type.is_empty() {
            headers.push(("Content-Type", content_type));
        }
        http(self.address, method, path, &headers, body).expect("an answer")
    }

    fn json(&self, method: &str, path: &str, token: &str, body: &serde_json::Value) -> Answer {
        self.call(method, path, token, "application/json", &body.to_string())
    }

    /// Submits one consignment and returns its assessment.
    fn assess(&self, token: &str, consignment: &serde_json::Value) -> serde_json::Value {
        let answer = self.json("POST", "/api/consignments", token, consignment);
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.json()["submissions"][0].clone()
    }
}

fn consignment(reference: &str, hs_code: &str, consignee: &str, eori: &str) -> serde_json::Value {
    serde_json::json!({
        "reference": reference,
        "direction": "import",
        "mode_of_transport": "sea",
        "parties": [
            {"role": "consignee", "name": consignee, "address": {"country": "GB"},
             "identifiers": [{"scheme": "eori", "value": eori}]},
            {"role": "importer", "name": consignee, "address": {"country": "GB"},
             "identifiers": [{"scheme": "eori", "value": eori}]},
        ],
        "goods": [{"sequence": 1, "hs_code": hs_code, "description": "assorted goods"}],
    })
}

/// Logs `user` in to the workbench and returns a function that opens its screening page for a name (URL-encoded).
fn screening_page_of(address: &str, user: &str, password: &str) -> impl Fn(&str) -> String + use<> {
    let login = serde_json::json!({"name": user, "password": password}).to_string();
    let logged_in =
        http(address, "POST", "/api/login", &[("Content-Type", "application/json")], &login).expect("login");
    assert_eq!(logged_in.status, 200, "{}", logged_in.body);
    let cookie = logged_in.header("set-cookie").and_then(|c| c.split(';').next()).expect("a cookie").to_owned();
    let address = address.to_owned();
    move |name: &str| {
        let page = http(&address, "GET", &format!("/workbench/screening?name={name}"), &[("Cookie", &cookie)], "")
            .expect("the screening page");
        assert_eq!(page.status, 200, "{}", page.body);
        page.body
    }
}

fn hit_ids(submission: &serde_json::Value) -> Vec<String> {
    submission["assessment"]["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| format!("{}:{}", h["indicator"].as_str().unwrap_or(""), h["id"].as_str().unwrap_or("")))
        .collect()
}

#[test]
fn profiles_lists_and_the_aeo_register_change_assessments_without_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data").display().to_string();
    let args = ["--data-dir", data.as_str()];
    let (_, analyst) = add_user("ana", "analyst", &args);
    let (_, admin) = add_user("root", "administrator", &args);
    let (olga_password, officer) = add_user("olga", "officer", &args);
    let (_, carrier) = add_user("carrier", "submitter", &args);
    let server = Server::start(&args);
    let client = Client { address: &server.address };
    let screening_page = screening_page_of(&server.address, "olga", &olga_password);
    assert!(screening_page("Redline").contains("No watch lists are loaded"), "no list yet");

    // A typo in a field name: rejected with line, column and the nearest field, nothing stored.
    let typo = TABLEWARE.replace("goods.hs_code prefix", "goods.hs_cod prefix");
    let rejected =
        client.json("POST", "/api/profiles", &analyst, &serde_json::json!({"name": "tableware", "source": typo}));
    assert_eq!(rejected.status, 422, "{}", rejected.body);
    let error = &rejected.json()["error"];
    assert_eq!(error["code"], "invalid_profile");
    assert_eq!((error["location"]["line"].as_u64(), error["location"]["column"].as_u64()), (Some(11), Some(9)));
    assert!(error["message"].as_str().is_some_and(|m| m.contains("did you mean `goods.hs_code`")), "{error}");
    let none = client.call("GET", "/api/profiles", &officer, "", "");
    assert_eq!(none.json()["profiles"].as_array().map(Vec::len), Some(0));

    // Only analysts write profiles.
    let body = serde_json::json!({"name": "tableware", "source": TABLEWARE, "comment": "new"});
    assert_eq!(client.json("POST", "/api/profiles", &officer, &body).status, 403);
    let created = client.json("POST", "/api/profiles", &analyst, &body);
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["version"], 1);

    // Stored but not active: it does not fire.
    let before = client.assess(&carrier, &consignment("TW-1", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert!(!hit_ids(&before).contains(&"profile:TW-001".to_owned()), "{before}");
    assert_eq!(before["assessment"]["lane"], "green");

    let activated = client.call("POST", "/api/profiles/tableware/activate", &analyst, "", "");
    assert_eq!((activated.status, activated.json()["active_version"].as_i64()), (200, Some(1)), "{}", activated.body);
    let after = client.assess(&carrier, &consignment("TW-2", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert!(hit_ids(&after).contains(&"profile:TW-001".to_owned()), "{after}");
    assert_eq!(after["assessment"]["lane"], "yellow", "{after}");
    assert_eq!(after["assessment"]["versions"]["profile_documents"], "tableware@1");
    assert_ne!(after["assessment"]["versions"]["risk_generation"], before["assessment"]["versions"]["risk_generation"]);

    // An edit is a new version; the active one stays until activated, and the history lists both.
    let edited = TABLEWARE.replace("lane: yellow", "lane: red").replace("version: 1", "version: 2");
    let edit = client.json(
        "PUT",
        "/api/profiles/tableware",
        &analyst,
        &serde_json::json!({"source": edited, "comment": "examine"}),
    );
    assert_eq!((edit.status, edit.json()["version"].as_i64()), (201, Some(2)), "{}", edit.body);
    let bad_edit =
        client.json("PUT", "/api/profiles/tableware", &analyst, &serde_json::json!({"source": "profile X {"}));
    assert_eq!(bad_edit.status, 422, "{}", bad_edit.body);
    let versions = client.call("GET", "/api/profiles/tableware/versions", &officer, "", "").json();
    let listed: Vec<(i64, &str)> = versions["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| (v["version"].as_i64().unwrap_or(0), v["author"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(listed, [(2, "ana"), (1, "ana")]);
    let still = client.assess(&carrier, &consignment("TW-3", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert_eq!(still["assessment"]["lane"], "yellow", "the edit is not active yet");

    // An examination finds tableware in FW-2; the back-test of version 2 counts the selections and the hit rate.
    let fw2 = after["consignment_id"].as_i64().expect("an id");
    let order = client.json(
        "POST",
        &format!("/api/consignments/{fw2}/examinations"),
        &officer,
        &serde_json::json!({"instructions": "open"}),
    );
    assert_eq!(order.status, 201, "{}", order.body);
    let order_id = order.json()["id"].as_i64().expect("an order id");
    let result = client.json(
        "POST",
        &format!("/api/examinations/{order_id}/result"),
        &officer,
        &serde_json::json!({"outcome": "found", "findings": "undervalued porcelain"}),
    );
    assert_eq!(result.status, 201, "{}", result.body);
    let backtest = client.json("POST", "/api/profiles/tableware/backtest", &analyst, &serde_json::json!({"days": 7}));
    assert_eq!(backtest.status, 200, "{}", backtest.body);
    let report = backtest.json();
    assert_eq!(report["version"], 2);
    assert_eq!(report["consignments"], 3);
    assert_eq!(report["candidate"]["selected"], 3, "{report}");
    assert_eq!(
        (report["candidate"]["examined"].as_u64(), report["candidate"]["hit_rate"].as_f64()),
        (Some(1), Some(1.0))
    );
    assert_eq!(report["current"]["selected"], 3, "the active version 1 selects the same: {report}");
    assert_eq!(report["by_profile"]["TW-001"]["selected"], 3);

    let activate_two =
        client.json("POST", "/api/profiles/tableware/activate", &analyst, &serde_json::json!({"version": 2}));
    assert_eq!(activate_two.status, 200, "{}", activate_two.body);
    let red = client.assess(&carrier, &consignment("TW-4", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert_eq!(red["assessment"]["lane"], "red");
    assert_eq!(red["assessment"]["versions"]["profile_documents"], "tableware@2");

    // A second document reusing the id TW-001 is stored (it compiles alone) but cannot be activated with it.
    let twin = serde_json::json!({"name": "twin", "source": TABLEWARE});
    assert_eq!(client.json("POST", "/api/profiles", &analyst, &twin).status, 201);
    let clash = client.call("POST", "/api/profiles/twin/activate", &analyst, "", "");
    assert_eq!(clash.status, 422, "{}", clash.body);
    assert!(clash.body.contains("TW-001"), "{}", clash.body);
    let unchanged = client.assess(&carrier, &consignment("TW-5", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert_eq!(unchanged["assessment"]["versions"]["profile_documents"], "tableware@2", "the active set stayed");

    // A watch list upload gives a sanctions hit on the next submission; the answer reports what was added.
    let list = "id,name,kind\nNAT-1,Blackwater Shipping Trading LLC,organisation\nNAT-2,Kassim Yusuf Al-Rashidi,person\n\
                NAT-3,Zhenhua Ocean Freight,organisation\n";
    assert_eq!(client.call("PUT", "/api/lists/national", &analyst, "text/csv", list).status, 403);
    let bad_list = client.call("PUT", "/api/lists/national", &admin, "text/csv", "id,kind\nNAT-1,person\n");
    assert_eq!(bad_list.status, 422, "{}", bad_list.body);
    assert_eq!(bad_list.json()["error"]["code"], "invalid_list");
    let uploaded = client.call("PUT", "/api/lists/national", &admin, "text/csv", list);
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    assert_eq!(uploaded.json()["report"]["added"], serde_json::json!(["NAT-1", "NAT-2", "NAT-3"]));
    let sanctioned =
        client.assess(&carrier, &consignment("SAN-1", "940360", "Blackwater Shipping Trading LLC", "GB000000000002"));
    assert!(hit_ids(&sanctioned).iter().any(|h| h.starts_with("screening:")), "{sanctioned}");
    assert_eq!(sanctioned["assessment"]["lane"], "red");
    let list_two = format!("{list}NAT-4,Redline Logistics,organisation\n");
    let second = client.call("PUT", "/api/lists/national", &admin, "text/csv", &list_two);
    assert_eq!(
        (second.json()["upload"].as_i64(), second.json()["report"]["added"].clone()),
        (Some(2), serde_json::json!(["NAT-4"]))
    );
    let lists = client.call("GET", "/api/lists", &officer, "", "").json();
    assert_eq!(lists["lists"].as_array().map(Vec::len), Some(1));
    // The workbench's screening page searches the uploaded version at once.
    let found = screening_page("Redline+Logistics");
    assert!(found.contains("NAT-4") && found.contains("tag-severe"), "{found}");
    assert!(found.contains("national@"), "the page names the list: {found}");

    // The AEO register turns the yellow lane of version 1 green.
    client.call("POST", "/api/profiles/tableware/activate", &analyst, "application/json", r#"{"version": 1}"#);
    let yellow =
        client.assess(&carrier, &consignment("AEO-1", "691110", "Greenfield Renewables Ltd", "GB123456789000"));
    assert_eq!(yellow["assessment"]["lane"], "yellow", "{yellow}");
    let register =
        std::fs::read_to_string(crate::helpers::repo_path("data/aeo/register.csv")).expect("the sample register");
    let bad_register = client.call(
        "PUT",
        "/api/aeo",
        &admin,
        "text/csv",
        "identifier,name,programme,status,valid_from,valid_to,recognised_under\nX,Y,Z,expired,2020-01-01,,\n",
    );
    assert_eq!(bad_register.status, 422, "{}", bad_register.body);
    assert_eq!(bad_register.json()["error"]["location"]["line"], 2);
    let stored = client.call("PUT", "/api/aeo", &admin, "text/csv", &register);
    assert_eq!(stored.status, 201, "{}", stored.body);
    let green = client.assess(&carrier, &consignment("AEO-2", "691110", "Greenfield Renewables Ltd", "GB123456789000"));
    assert_eq!(green["assessment"]["lane"], "green", "{green}");
    assert_eq!(green["assessment"]["versions"]["aeo"], stored.json()["version"]);
    let lookup = client.call("GET", "/api/aeo/gb123456789000", &officer, "", "");
    assert_eq!(lookup.status, 200, "{}", lookup.body);
    assert_eq!(lookup.json()["operators"][0]["name"], "Greenfield Renewables Ltd");

    // Deactivation stops the profile.
    let off = client.call("POST", "/api/profiles/tableware/deactivate", &analyst, "", "");
    assert_eq!((off.status, off.json()["active_version"].is_null()), (200, true), "{}", off.body);
    let quiet = client.assess(&carrier, &consignment("TW-6", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert!(!hit_ids(&quiet).contains(&"profile:TW-001".to_owned()), "{quiet}");

    // Every change is in the audit log, and the chain verifies.
    drop(server);
    let verify =
        crate::helpers::run(Command::new(env!("CARGO_BIN_EXE_aduana")).args(["audit", "verify", "--json"]).args(args));
    assert_eq!(verify.status.code(), Some(0), "{}", crate::helpers::stdout(&verify));
}

/// The assessor and the workbench's screening page search one index of the watch lists, built once for each set of
/// list texts: at start-up from the `--list` files, not again when the store's seeded copy of the same texts is
/// loaded or when a profile change reloads the configuration, and once more for an upload that changes a list.
#[test]
fn watch_lists_are_indexed_once_per_change_for_assessments_and_the_screening_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data").display().to_string();
    let list_path = dir.path().join("national.csv");
    let list = "id,name\nNAT-1,Blackwater Shipping Trading LLC\nNAT-2,Zhenhua Ocean Freight\n";
    std::fs::write(&list_path, list).expect("writing the list");
    let log = dir.path().join("server.log");
    let list_arg = list_path.display().to_string();
    let args = ["--data-dir", data.as_str()];
    let (_, analyst) = add_user("ana", "analyst", &args);
    let (_, admin) = add_user("root", "administrator", &args);
    let (olga_password, _) = add_user("olga", "officer", &args);
    let (_, carrier) = add_user("carrier", "submitter", &args);
    let server = Server::start_logging(&["--data-dir", data.as_str(), "--list", list_arg.as_str()], &log);
    let client = Client { address: &server.address };
    let screening_page = screening_page_of(&server.address, "olga", &olga_password);
    let indexed = || {
        let text = std::fs::read_to_string(&log).expect("the server's log");
        text.lines().filter(|l| l.starts_with("watch lists indexed: national.csv@")).count()
    };

    // Start-up, the first submission (which loads the store's configuration, seeded with the same list) and the
    // screening page: one index.
    let sanctioned =
        client.assess(&carrier, &consignment("WL-1", "940360", "Blackwater Shipping Trading LLC", "GB000000000002"));
    assert!(hit_ids(&sanctioned).iter().any(|h| h == "screening:national.csv/NAT-1"), "{sanctioned}");
    assert!(screening_page("Zhenhua+Ocean+Freight").contains("NAT-2"));
    assert_eq!(indexed(), 1, "{}", std::fs::read_to_string(&log).unwrap_or_default());

    // A profile activation reloads the configuration; the lists did not change, so they are not indexed again.
    let body = serde_json::json!({"name": "tableware", "source": TABLEWARE});
    assert_eq!(client.json("POST", "/api/profiles", &analyst, &body).status, 201);
    let on = client.json("POST", "/api/profiles/tableware/activate", &analyst, &serde_json::json!({"version": 1}));
    assert_eq!(on.status, 200, "{}", on.body);
    let tableware = client.assess(&carrier, &consignment("WL-2", "691110", "Zhenhua Ocean Freight", "GB000000000003"));
    let hits = hit_ids(&tableware);
    assert!(
        hits.contains(&"profile:TW-001".to_owned()) && hits.contains(&"screening:national.csv/NAT-2".to_owned()),
        "{hits:?}"
    );
    assert_eq!(indexed(), 1, "{}", std::fs::read_to_string(&log).unwrap_or_default());

    // An upload that changes the list is indexed once, for both.
    let changed = format!("{list}NAT-3,Redline Logistics\n");
    let uploaded = client.call("PUT", "/api/lists/national.csv", &admin, "text/csv", &changed);
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let redline = client.assess(&carrier, &consignment("WL-3", "940360", "Redline Logistics", "GB000000000004"));
    assert!(hit_ids(&redline).iter().any(|h| h == "screening:national.csv/NAT-3"), "{redline}");
    assert!(screening_page("Redline+Logistics").contains("NAT-3"));
    assert_eq!(indexed(), 2, "{}", std::fs::read_to_string(&log).unwrap_or_default());
}

#[test]
fn seeding_flags_fill_an_empty_store_and_do_not_undo_changes_made_through_the_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data").display().to_string();
    let profiles = crate::helpers::repo_path("data/profiles").display().to_string();
    let aeo = crate::helpers::repo_path("data/aeo/register.csv").display().to_string();
    let args = ["--data-dir", data.as_str()];
    let (_, analyst) = add_user("ana", "analyst", &args);
    let serve_args = ["--data-dir", data.as_str(), "--profiles", profiles.as_str(), "--aeo", aeo.as_str()];
    let server = Server::start(&serve_args);
    let client = Client { address: &server.address };
    let listed = client.call("GET", "/api/profiles", &analyst, "", "").json();
    let names: Vec<(&str, Option<i64>)> = listed["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .map(|p| (p["name"].as_str().unwrap_or(""), p["active_version"].as_i64()))
        .collect();
    assert!(names.contains(&("valuation", Some(1))), "{names:?}");
    let aeo_now = client.call("GET", "/api/aeo", &analyst, "", "").json();
    assert_eq!(aeo_now["register"]["upload"], 1);
    let off = client.call("POST", "/api/profiles/valuation/deactivate", &analyst, "", "");
    assert_eq!(off.status, 200, "{}", off.body);
    drop(server);

    let server = Server::start(&serve_args);
    let client = Client { address: &server.address };
    let valuation = client.call("GET", "/api/profiles/valuation", &analyst, "", "").json();
    assert!(valuation["active_version"].is_null(), "a restart keeps the deactivation: {valuation}");
    assert!(valuation["rules"].as_array().is_some_and(|r| r.iter().any(|p| p["id"] == "VAL-002")), "{valuation}");
    assert_eq!(client.call("GET", "/api/aeo", &analyst, "", "").json()["register"]["upload"], 1);
}

#[test]
fn a_profile_activated_through_one_server_is_used_by_another_on_the_same_postgres_database() {
    let Ok(base) = std::env::var("ADUANA_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: ADUANA_TEST_POSTGRES_URL not set");
        return;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!("aduana_profiles_{}_{nanos}", std::process::id());
    let (prefix, _) = base.rsplit_once('/').expect("a database URL with a path");
    let url = format!("{prefix}/{name}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let admin_sql = |sql: String| {
        runtime.block_on(async {
            let pool = sqlx::PgPool::connect(&base).await.expect("connecting to PostgreSQL");
            sqlx::query(&sql).execute(&pool).await.expect("admin SQL");
            pool.close().await;
        });
    };
    admin_sql(format!("CREATE DATABASE {name}"));
    let args = ["--database", url.as_str()];
    let (_, analyst) = add_user("ana", "analyst", &args);
    let (_, carrier) = add_user("carrier", "submitter", &args);
    let one = Server::start(&args);
    let two = Server::start(&args);
    let (first, second) = (Client { address: &one.address }, Client { address: &two.address });

    let quiet = second.assess(&carrier, &consignment("PG-TW-1", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert_eq!(quiet["assessment"]["lane"], "green");
    let body = serde_json::json!({"name": "tableware", "source": TABLEWARE});
    assert_eq!(first.json("POST", "/api/profiles", &analyst, &body).status, 201);
    assert_eq!(first.call("POST", "/api/profiles/tableware/activate", &analyst, "", "").status, 200);
    let fired = second.assess(&carrier, &consignment("PG-TW-2", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert!(hit_ids(&fired).contains(&"profile:TW-001".to_owned()), "{fired}");
    assert_eq!(fired["assessment"]["versions"]["profile_documents"], "tableware@1");
    assert_eq!(first.call("POST", "/api/profiles/tableware/deactivate", &analyst, "", "").status, 200);
    let off = second.assess(&carrier, &consignment("PG-TW-3", "691110", "Acme Toys Ltd", "GB000000000001"));
    assert!(!hit_ids(&off).contains(&"profile:TW-001".to_owned()), "{off}");

    drop(one);
    drop(two);
    admin_sql(format!("DROP DATABASE {name} WITH (FORCE)"));
}
