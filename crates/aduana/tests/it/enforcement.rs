//! Enforcement cases end to end through `aduana serve` and `aduana import seizures`: a found examination opens a
//! case that search finds; cases are created, searched with facets, linked to consignments, restricted, exported
//! without nominal data and imported from CSV with located errors; photos and X-ray images are added to a case,
//! stored under the data directory and served back.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::helpers::run;
use crate::serve::{Server, add_user};

/// Sends one request with a bearer token; returns the status and the body.
fn call(address: &str, method: &str, path: &str, token: &str, content_type: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connecting");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a timeout");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("sending");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reading");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status");
    // The server answers small bodies whole, larger ones chunked; undo the chunking.
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { unchunk(body) } else { body.to_owned() };
    (status, body)
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

fn json(status_body: &(u16, String), expected: u16) -> serde_json::Value {
    assert_eq!(status_body.0, expected, "{}", status_body.1);
    serde_json::from_str(&status_body.1).unwrap_or_else(|e| panic!("{e}: {}", status_body.1))
}

fn store_args(dir: &Path) -> Vec<String> {
    vec!["--data-dir".to_owned(), dir.join("data").display().to_string()]
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn a_found_examination_opens_a_case_that_search_links_and_export_handle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let args = store_args(dir.path());
    let args = strs(&args);
    let (_, officer) = add_user("olga", "officer", &args);
    let (_, analyst) = add_user("ana", "analyst", &args);
    let (_, carrier) = add_user("carrier", "submitter", &args);
    let server = Server::start(&args);
    let a = server.address.as_str();

    // A consignment in container CSQU3054383 for a consignee with a phone number.
    let consignment = serde_json::json!({
        "reference": "ENF1", "direction": "import", "customs_office": "NL000396",
        "parties": [{"role": "consignee", "name": "Tropical Fruit BV", "contact": {"phone": "+31 20 555 1234"}}],
        "itinerary": {"country_of_dispatch": "EC", "country_of_destination": "NL", "place_of_discharge": {"locode": "NLRTM"}},
        "equipment": [{"id": "CSQU3054383", "kind": "container"}],
        "goods": [{"sequence": 1, "hs_code": "080390", "description": "bananas"}],
    });
    let submitted =
        json(&call(a, "POST", "/api/consignments", &carrier, "application/json", &consignment.to_string()), 201);
    let consignment_id = submitted["submissions"][0]["consignment_id"].as_i64().expect("an id");

    // Examination → found → a case.
    let order = json(
        &call(
            a,
            "POST",
            &format!("/api/consignments/{consignment_id}/examinations"),
            &officer,
            "application/json",
            r#"{"instructions": "scan the reefer unit"}"#,
        ),
        201,
    );
    let order_id = order["id"].as_i64().expect("an order id");
    let result = json(
        &call(
            a,
            "POST",
            &format!("/api/examinations/{order_id}/result"),
            &officer,
            "application/json",
            r#"{"outcome": "found", "findings": "40 kg cocaine behind the reefer panel", "commodity_area": "drugs", "concealment": "container_structure"}"#,
        ),
        201,
    );
    let case_id = result["case_id"].as_i64().expect("a case opened by the result");
    let case = json(&call(a, "GET", &format!("/api/cases/{case_id}"), &analyst, "application/json", ""), 200);
    assert_eq!(case["case"]["consignment_ids"], serde_json::json!([consignment_id]));
    assert_eq!(case["case"]["examination_ids"], serde_json::json!([order_id]));
    assert_eq!(case["case"]["route"]["departure"], "EC");

    // Search finds it by words of the findings and by the consignee, with facets.
    let found = json(&call(a, "GET", "/api/cases?q=reefer%20cocaine", &analyst, "application/json", ""), 200);
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["cases"][0]["id"], case_id);
    assert_eq!(found["facets"]["commodity_area"][0], serde_json::json!({"value": "drugs", "count": 1}));
    let by_company = json(&call(a, "GET", "/api/cases?q=tropical&country=EC", &analyst, "application/json", ""), 200);
    assert_eq!(by_company["total"], 1);

    // A second case: a courier whose phone is the consignee's.
    let courier = serde_json::json!({
        "date": "2025-04-02", "office": "Schiphol", "locode": "NLAMS", "detection_method": "dog",
        "commodity_area": "drugs", "commodity": "cocaine pellets", "concealment": "in_body",
        "quantities": [{"amount": 1.2, "unit": "kg"}],
        "conveyance": {"flight": "KL0592"}, "route": {"departure": "SR", "destination": "NL"},
        "persons": [{"name": "Ricardo Mendes", "nationality": "PT", "phones": ["0031 20 555 1234"],
                     "documents": [{"kind": "passport", "number": "PT998877"}]}],
        "narrative": "Ricardo Mendes was stopped at the gate",
    });
    let created = json(&call(a, "POST", "/api/cases", &officer, "application/json", &courier.to_string()), 201);
    let courier_id = created["id"].as_i64().expect("an id");

    // Links from the courier: his case (1 hop); the consignment and the case opened on it both carry the
    // consignee's phone, which is his (2 hops).
    let links = json(
        &call(a, "GET", "/api/enforcement/links?kind=person&value=ricardo%20MENDES", &analyst, "application/json", ""),
        200,
    );
    let records: Vec<(String, i64, i64)> = links["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (r["kind"].as_str().unwrap_or("").to_owned(), r["id"].as_i64().unwrap_or(0), r["hop"].as_i64().unwrap_or(0))
        })
        .collect();
    assert_eq!(
        records,
        [
            ("case".to_owned(), courier_id, 1),
            ("case".to_owned(), case_id, 2),
            ("consignment".to_owned(), consignment_id, 2)
        ]
    );
    assert!(links["edges"].as_array().expect("edges").iter().any(|e| e["to"] == "phone:31205551234"), "{links}");
    // From the container: the consignment and the case opened on it (1 hop), the courier's case (2 hops).
    let links = json(
        &call(a, "GET", "/api/enforcement/links?kind=container&value=CSQU3054383", &analyst, "application/json", ""),
        200,
    );
    let hops: Vec<i64> =
        links["records"].as_array().expect("records").iter().map(|r| r["hop"].as_i64().unwrap_or(0)).collect();
    assert_eq!(hops, [1, 1, 2], "{links}");

    // Statistics by year.
    let stats = json(&call(a, "GET", "/api/enforcement/statistics?period=year", &analyst, "application/json", ""), 200);
    assert_eq!(stats["cases"], 2);
    assert_eq!(stats["by_detection_method"].as_array().map(Vec::len), Some(2));

    // The CEN export carries no names, numbers or free text.
    let (status, csv) =
        call(a, "GET", "/api/enforcement/export?format=csv&commodity_area=drugs", &analyst, "text/csv", "");
    assert_eq!(status, 200, "{csv}");
    let export = json(&call(a, "GET", "/api/enforcement/export", &analyst, "application/json", ""), 200);
    assert_eq!(export["records"].as_array().map(Vec::len), Some(2));
    for text in [csv.as_str(), &export.to_string()] {
        for nominal in ["Ricardo", "Mendes", "Tropical", "PT998877", "555", "KL0592", "CSQU3054383", "reefer", "gate"] {
            assert!(!text.contains(nominal), "`{nominal}` leaked into the export: {text}");
        }
    }
    assert!(csv.lines().nth(1).is_some_and(|l| l.contains("drugs")), "{csv}");

    // The officer cannot export.
    assert_eq!(call(a, "GET", "/api/enforcement/export", &officer, "application/json", "").0, 403);

    // Feeds risk: a later consignment in the seized container gets an enforcement-history hit naming the case
    // (the server reloads the history within seconds of a change).
    let mut evidence = serde_json::Value::Null;
    for attempt in 0..20 {
        let later = serde_json::json!({
            "reference": format!("ENF-LATER-{attempt}"), "direction": "import",
            "equipment": [{"id": "CSQU3054383", "kind": "container"}],
            "goods": [{"sequence": 1, "hs_code": "854141", "description": "solar cells"}],
        });
        let answer = json(&call(a, "POST", "/api/consignments", &carrier, "application/json", &later.to_string()), 201);
        let hits = answer["submissions"][0]["assessment"]["hits"].as_array().cloned().unwrap_or_default();
        if let Some(hit) = hits.into_iter().find(|h| h["indicator"] == "enforcement_history") {
            evidence = hit;
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(evidence["id"], "container:CSQU3054383", "no enforcement-history hit: {evidence}");
    let cases: Vec<&str> = evidence["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter(|e| e["field"] == "enforcement.case")
        .filter_map(|e| e["value"].as_str())
        .collect();
    assert_eq!(cases, [case_id.to_string()]);
}

/// Sends one request with a binary body; returns the status, the response's headers and its body as bytes.
fn call_bytes(
    address: &str,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(address).expect("connecting");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a timeout");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("sending");
    // A server may answer (413) before it has read the whole body, and close: that is not a failure here.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reading");
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status");
    (status, head, raw[end + 4..].to_vec())
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 200) as u8, (y % 200) as u8, 60]));
    let mut out = std::io::Cursor::new(Vec::new());
    pixels.write_to(&mut out, image::ImageFormat::Png).expect("encoding");
    out.into_inner()
}

#[test]
fn case_images_are_stored_under_the_data_directory_and_served_back_by_aduana_serve() {
    // Arrange: a server that accepts images of at most 100,000 bytes, and a case.
    let dir = tempfile::tempdir().expect("temp dir");
    let args = store_args(dir.path());
    let mut args = strs(&args);
    let (_, officer) = add_user("olga", "officer", &args);
    let (_, auditor) = add_user("audrey", "auditor", &args);
    args.extend(["--max-image-bytes", "100000"]);
    let server = Server::start(&args);
    let a = server.address.as_str();
    let case = serde_json::json!({
        "date": "2025-05-01", "office": "Antwerp", "detection_method": "x_ray", "commodity_area": "tobacco",
        "commodity": "cigarettes", "concealment": "false_compartment",
    });
    let id = json(&call(a, "POST", "/api/cases", &officer, "application/json", &case.to_string()), 201)["id"]
        .as_i64()
        .expect("an id");
    let scan = png(800, 400);

    // Act
    let path = format!("/api/cases/{id}/images?kind=x_ray&file_name=wall.png&caption=false%20wall");
    let (status, _, body) = call_bytes(a, "POST", &path, &officer, "image/png", &scan);

    // Assert: recorded, the file and its thumbnail under the data directory, both served back.
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let image: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!((image["kind"].as_str(), image["width"].as_u64()), (Some("x_ray"), Some(800)));
    let stored = dir.path().join("data/photos/cases");
    let files: Vec<String> = std::fs::read_dir(&stored)
        .expect("the images directory")
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].starts_with(&format!("{id}-")) && files[0].ends_with(".png"), "{files:?}");
    assert_eq!(std::fs::read(stored.join(&files[0])).expect("the file"), scan);
    assert!(stored.join("thumbnails").join(format!("{}.png", files[0])).is_file());
    let (status, head, file) = call_bytes(a, "GET", image["href"].as_str().expect("href"), &auditor, "image/png", b"");
    assert_eq!((status, file == scan), (200, true), "{head}");
    let (status, _, thumb) =
        call_bytes(a, "GET", image["thumbnail_href"].as_str().expect("thumbnail"), &auditor, "image/png", b"");
    let thumb = image::load_from_memory_with_format(&thumb, image::ImageFormat::Png).expect("a PNG thumbnail");
    assert_eq!((status, thumb.width(), thumb.height()), (200, 240, 120));
    // --max-image-bytes is the limit; the auditor may not add images.
    let big = vec![0x89; 100_001];
    let (status, _, body) = call_bytes(a, "POST", &format!("/api/cases/{id}/images"), &officer, "image/png", &big);
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = call_bytes(a, "POST", &format!("/api/cases/{id}/images"), &auditor, "image/png", &scan);
    assert_eq!(status, 403);
    let listed = json(&call(a, "GET", &format!("/api/cases/{id}/images"), &auditor, "application/json", ""), 200);
    assert_eq!(listed["images"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_restricted_case_is_hidden_from_others_and_its_reads_are_audited() {
    let dir = tempfile::tempdir().expect("temp dir");
    let args = store_args(dir.path());
    let args = strs(&args);
    let (_, officer) = add_user("olga", "officer", &args);
    let (_, analyst) = add_user("ana", "analyst", &args);
    let (_, auditor) = add_user("audrey", "auditor", &args);
    let server = Server::start(&args);
    let a = server.address.as_str();
    let secret = serde_json::json!({
        "date": "2025-05-01", "office": "Antwerp", "detection_method": "intelligence", "commodity_area": "weapons",
        "commodity": "pistols", "concealment": "machinery", "persons": [{"name": "Confidential Source"}],
        "restriction": {"restricted": true, "users": ["ana"]},
    });
    let created = json(&call(a, "POST", "/api/cases", &analyst, "application/json", &secret.to_string()), 201);
    let id = created["id"].as_i64().expect("an id");
    assert_eq!(call(a, "GET", &format!("/api/cases/{id}"), &officer, "application/json", "").0, 404);
    let hidden = json(&call(a, "GET", "/api/cases?q=pistols", &officer, "application/json", ""), 200);
    assert_eq!(hidden["total"], 0);
    json(&call(a, "GET", &format!("/api/cases/{id}"), &analyst, "application/json", ""), 200);
    let audit = call(a, "GET", "/api/audit", &auditor, "application/json", "");
    assert_eq!(audit.0, 200);
    assert!(audit.1.contains("case.read") && audit.1.contains(&format!("case/{id}")), "{}", audit.1);
    // A restricted case nobody may read is refused, located.
    let nobody = serde_json::json!({
        "date": "2025-05-01", "office": "Antwerp", "detection_method": "intelligence", "commodity_area": "weapons",
        "commodity": "pistols", "concealment": "machinery", "restriction": {"restricted": true},
    });
    let refused = json(&call(a, "POST", "/api/cases", &analyst, "application/json", &nobody.to_string()), 422);
    assert_eq!(refused["error"]["location"]["path"]["pointer"], "/restriction", "{refused}");
}

#[test]
fn import_seizures_loads_a_csv_and_reports_every_bad_field_with_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let args = store_args(dir.path());
    let args = strs(&args);
    let good = dir.path().join("seizures.csv");
    std::fs::write(
        &good,
        "date,office,commodity_area,commodity,detection_method,concealment,locode,quantity,unit,departure,transit,destination,containers,persons\n\
         2019-05-02,Antwerp,drugs,cocaine,x_ray,container_structure,BEANR,250,kg,CO,PA,BE,CSQU3054383,Pedro Alvarez\n\
         2019-06-10,Schiphol,tobacco,cigarettes,dog,baggage,NLAMS,12000,sticks,AE,,NL,,\n",
    )
    .expect("writing");
    let output = run(Command::new(env!("CARGO_BIN_EXE_aduana")).args(["import", "seizures"]).arg(&good).args(&args));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("imported 2 case(s)"));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "date,office,commodity_area,commodity,detection_method,containers\n\
         2019-05-02,Antwerp,drugs,cocaine,x_ray,CSQU3054384\n\
         02/05/2019,Antwerp,diamonds,stones,x_ray,\n",
    )
    .expect("writing");
    let output = run(Command::new(env!("CARGO_BIN_EXE_aduana")).args(["import", "seizures"]).arg(&bad).args(&args));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let name = bad.display().to_string();
    for expected in [
        format!("{name}:2: field containers: invalid container number"),
        format!("{name}:3: field date: expected a date as YYYY-MM-DD, found `02/05/2019`"),
        format!("{name}:3: field commodity_area: expected a commodity area"),
        "3 problem(s); nothing imported".to_owned(),
    ] {
        assert!(stderr.contains(&expected), "missing `{expected}` in:\n{stderr}");
    }

    // The imported cases (and only those) are searchable through the server.
    let (_, analyst) = add_user("ana", "analyst", &args);
    let server = Server::start(&args);
    let found =
        json(&call(&server.address, "GET", "/api/cases?q=pedro%20alvarez", &analyst, "application/json", ""), 200);
    assert_eq!(found["total"], 1, "{found}");
    let all = json(&call(&server.address, "GET", "/api/cases", &analyst, "application/json", ""), 200);
    assert_eq!(all["total"], 2);
    // Over HTTP as well: a bad file is refused with the first problem's location.
    let (status, body) =
        call(&server.address, "POST", "/api/enforcement/import", &analyst, "text/csv", "date,office\n");
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("field commodity_area: expected this required column"), "{body}");
}
