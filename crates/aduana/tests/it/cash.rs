//! `aduana cash`: import of declarations (and malformed files), structuring detection on a planted pattern, the
//! FIU report as CSV and JSON, and sharing.

use crate::helpers::{repo_path, run, setup, stdout};

fn import_example(aduana: &mut std::process::Command) {
    let output = run(aduana.args(["cash", "import"]).arg(repo_path("examples/cash/declarations.csv")));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout(&output).starts_with(
            "imported 14 cash record(s) (13 declaration(s), 1 detection(s); 3 at or above EUR 10000) into aduana-data/aduana.db"
        ),
        "{}",
        stdout(&output)
    );
}

fn aduana_in(dir: &tempfile::TempDir) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_aduana"));
    command.current_dir(dir.path());
    command
}

#[test]
fn cash_structuring_finds_the_planted_patterns_and_not_the_ordinary_declarations() {
    let (dir, mut aduana) = setup();
    import_example(&mut aduana);

    let output = run(aduana_in(&dir).args(["cash", "structuring", "--json"]));
    assert_eq!(output.status.code(), Some(1), "alerts exit 1: {}", String::from_utf8_lossy(&output.stderr));
    let alerts = crate::helpers::json_lines(&output);
    let summary: Vec<(String, Vec<String>)> = alerts
        .iter()
        .map(|a| {
            let refs = a["records"]
                .as_array()
                .expect("records")
                .iter()
                .map(|r| r["reference"].as_str().unwrap_or("").to_owned());
            (a["kind"].as_str().unwrap_or("").to_owned(), refs.collect())
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("repeated".to_owned(), vec!["ES-CD-0002".to_owned(), "ES-CD-0010".to_owned(), "ES-CD-0011".to_owned()]),
            ("companions".to_owned(), vec!["ES-CD-0007".to_owned(), "ES-CD-0008".to_owned(), "ES-CD-0009".to_owned()]),
        ]
    );
    // The explanation names the link and the sum; the ordinary records (Karim Benali twice, 65 days apart; the
    // López couple on IB3166) are in no alert.
    let repeated = &alerts[0];
    assert_eq!(repeated["total_eur"], "29108.50");
    let links: Vec<&str> =
        repeated["links"].as_array().expect("links").iter().filter_map(|l| l["kind"].as_str()).collect();
    assert_eq!(links, ["same address", "same document", "same name and date of birth"]);
    assert!(
        repeated["explanation"].as_str().expect("text").contains("together EUR 29108.50, at or above the threshold")
    );

    // A 99–100 % band holds none of them.
    let output = run(aduana_in(&dir).args(["cash", "structuring", "--band-low", "99"]));
    let text = stdout(&output);
    assert!(!text.contains("Repeated"), "{text}");
    // A longer window joins Karim Benali's two declarations 65 days apart.
    let output = run(aduana_in(&dir).args(["cash", "structuring", "--window-days", "70"]));
    assert!(stdout(&output).contains("ES-CD-0004, ES-CD-0013"), "{}", stdout(&output));
}

#[test]
fn cash_report_lists_the_period_as_csv_and_json_with_sharing_status() {
    let (dir, mut aduana) = setup();
    import_example(&mut aduana);

    let report = |extra: &[&str]| {
        let mut command = aduana_in(&dir);
        command.args(["cash", "report", "--from", "2025-03-01", "--to", "2025-03-31", "--today", "2025-04-15"]);
        let output = run(command.args(extra));
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        stdout(&output)
    };
    let csv = report(&[]);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("id,reference,record,finding,at,office,"), "{}", lines[0]);
    assert_eq!(lines.len(), 1 + 13, "March only: {csv}");
    let detection = lines.iter().find(|l| l.contains("ES-DT-0001")).expect("the detection");
    // Friday 21 March + 15 working days = Friday 11 April; on 15 April it is overdue.
    assert!(detection.contains(",60000.00,true,"), "{detection}");
    assert!(detection.contains(",true,true,overdue,2025-04-11,,"), "{detection}");

    let json: serde_json::Value = serde_json::from_str(&report(&["--json", "--holiday", "2025-04-01"])).expect("JSON");
    assert_eq!(json["version"], 1);
    assert_eq!(json["threshold_eur"], "10000");
    let rows = json["rows"].as_array().expect("rows");
    let detection = rows.iter().find(|r| r["reference"] == "ES-DT-0001").expect("the detection");
    assert_eq!(detection["sharing_due"], "2025-04-14", "one holiday moves the due date one working day");
    assert_eq!(detection["sharing_status"], "overdue");
    let id = detection["id"].as_i64().expect("id").to_string();

    let output = run(aduana_in(&dir).args(["cash", "share", &id, "--with", "FIU-ES"]));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_str(&report(&["--json"])).expect("JSON");
    let detection = json["rows"].as_array().expect("rows").iter().find(|r| r["reference"] == "ES-DT-0001").cloned();
    let detection = detection.expect("the detection");
    assert_eq!(
        (detection["sharing_status"].as_str(), detection["shared_with"].as_str()),
        (Some("shared"), Some("FIU-ES"))
    );
    let output = run(aduana_in(&dir).args(["cash", "share", &id, "--with", "FIU-ES"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("already shared with FIU-ES"));
}

#[test]
fn cash_import_reports_every_malformed_field_with_line_and_column_and_imports_nothing() {
    let (dir, mut aduana) = setup();
    std::fs::write(
        dir.path().join("bad.csv"),
        "reference,record,at,office,direction,movement,declarant_name,transport_mode,amounts\n\
         A-1,declaration,2025-03-01T10:00:00Z,Madrid,entering,accompanied,Ana,air,currency EUR 9500\n\
         A-2,declaration,01/03/2025,Madrid,entering,accompanied,Ana,air,currency EURO 9500\n\
         A-3,declaraton,2025-03-01T10:00:00Z,Madrid,entering,accompanied,,air,currency EUR 5\n",
    )
    .expect("write");
    let output = run(aduana.args(["cash", "import", "bad.csv"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    insta::assert_snapshot!(stderr, @r"
    bad.csv:3: column at: expected a time as RFC 3339 (2025-03-01T10:15:00Z) or `YYYY-MM-DD HH:MM` (UTC), found `01/03/2025`
    bad.csv:3: column amounts: expected an ISO 4217 currency code in `instrument CURRENCY value`, found `currency EURO 9500`
    bad.csv:4: column record: expected one of declaration, detection, found `declaraton`
    bad.csv:4: column declarant_name: expected a value, found empty
    4 problem(s); nothing was imported
    ");
    assert!(!dir.path().join("aduana-data").exists(), "nothing was stored");

    // A currency without a rate is refused by name.
    std::fs::write(
        dir.path().join("ngn.csv"),
        "reference,record,at,office,direction,movement,declarant_name,transport_mode,amounts\n\
         A-1,declaration,2025-03-01T10:00:00Z,Lagos desk,entering,accompanied,Ana,air,currency NGN 9500000\n",
    )
    .expect("write");
    let output = run(aduana_in(&dir).args(["cash", "import", "ngn.csv"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("record A-1: no exchange rate for NGN"), "{stderr}");
}

/// A record as `POST /api/cash` takes it: one amount, made on a day of March 2025 (a detection when `detected`).
fn api_record(reference: &str, day: u32, currency: &str, value: &str, detected: bool) -> String {
    serde_json::json!({
        "reference": reference,
        "at": format!("2025-03-{day:02}T10:00:00Z"),
        "office": "Madrid-Barajas",
        "direction": "entering",
        "movement": "accompanied",
        "declarant": {
            "name": "Ana Ruiz", "date_of_birth": "1980-01-02", "nationality": "ES", "document_type": "passport",
            "document_number": format!("PA{day}"), "address": null, "phone": null
        },
        "owner": null,
        "recipient": null,
        "route": {"mode": "air", "conveyance": "IB6800", "from_country": "MX", "to_country": "ES"},
        "amounts": [{"instrument": "currency", "currency": currency, "value": value}],
        "provenance": "savings",
        "intended_use": "business",
        "suspicion": false,
        "detection": if detected { serde_json::json!({"finding": "undeclared", "detained": false}) } else { serde_json::Value::Null }
    })
    .to_string()
}

#[test]
fn serve_judges_cash_by_its_configured_threshold_rates_and_deadline_over_http() {
    use crate::serve::{Server, add_user, bearer, http};
    // Arrange: a server whose threshold is EUR 5,000, whose only rate is 2 US dollars to the euro, and whose
    // records are due for sharing within 3 working days, 24 March 2025 being a holiday.
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let store = ["--data-dir", data.to_str().expect("utf-8 path")];
    let (_, token) = add_user("olga", "officer", &store);
    let rates = dir.path().join("rates.csv");
    std::fs::write(&rates, "currency,units_per_eur,date\nUSD,2,2025-03-01\n").expect("write");
    let mut args = store.to_vec();
    let rates_arg = rates.to_str().expect("utf-8 path");
    args.extend(["--cash-threshold", "5000", "--cash-rates", rates_arg]);
    args.extend(["--cash-deadline-days", "3", "--cash-holiday", "2025-03-24"]);
    let server = Server::start(&args);
    let auth = bearer(&token);
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];

    // Act: EUR 6,000 (below the EU threshold, above this one), USD 9,000 (EUR 4,500 at this server's rate; above
    // EUR 8,000 at the ECB's) and a detection on Thursday 20 March.
    let post = |body: String| http(&server.address, "POST", "/api/cash", &headers, &body).expect("HTTP");
    let euros = post(api_record("CFG-1", 3, "EUR", "6000", false));
    let dollars = post(api_record("CFG-2", 4, "USD", "9000", false));
    let detection = post(api_record("CFG-3", 20, "EUR", "100", true));

    // Assert
    assert_eq!((euros.status, dollars.status, detection.status), (201, 201, 201), "{}", euros.body);
    let (euros, dollars, detection) = (euros.json(), dollars.json(), detection.json());
    assert_eq!((&euros["total_eur"], &euros["at_or_above_threshold"]), (&"6000.00".into(), &true.into()));
    assert_eq!((&dollars["total_eur"], &dollars["at_or_above_threshold"]), (&"4500.00".into(), &false.into()));
    // Friday 21, (weekend), Monday 24 is the holiday, Tuesday 25, Wednesday 26: due on the 26th.
    assert_eq!(detection["sharing_due"], "2025-03-26");
    let yen = post(api_record("CFG-4", 5, "JPY", "1000000", false));
    assert_eq!(yen.status, 422, "only this server's rates count: {}", yen.body);
    assert!(yen.body.contains("no exchange rate for JPY"), "{}", yen.body);
    let report = http(&server.address, "GET", "/api/cash/report?from=2025-03-01&to=2025-03-31", &headers, "")
        .expect("HTTP")
        .json();
    assert_eq!(report["threshold_eur"], "5000");
    drop(server);

    // A threshold that is not positive stops the server before it listens.
    let output = run(std::process::Command::new(env!("CARGO_BIN_EXE_aduana"))
        .args(["serve", "--listen", "127.0.0.1:0", "--cash-threshold", "0"])
        .args(store));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("expected a positive --cash-threshold, found 0"));
}
