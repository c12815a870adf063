//! Photos and X-ray images of cases through the router: upload, list, fetch and thumbnail over the API, the errors
//! (not an image, a broken one, too large, the wrong role, a restricted case), and the case page's upload form.

use aduana_store::Role::{self, Analyst, Auditor, Officer, Submitter};
use aduana_store::{CaseImageStore, Store};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::tests::workbench::{page, sessions};
use crate::tests::{Answer, Harness, error_code, settings};
use crate::workbench::csrf_token;

/// An image of `width` × `height` pixels, encoded as PNG or JPEG.
fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([u8::try_from(x % 256).unwrap_or(0), u8::try_from(y % 256).unwrap_or(0), 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    pixels.write_to(&mut out, format).expect("encoding");
    out.into_inner()
}

/// Creates a case over the API (as the analyst), restricted to `restricted_to` users when that is not empty.
async fn create_case(harness: &Harness, restricted_to: &[&str]) -> i64 {
    let case = serde_json::json!({
        "date": "2025-03-14",
        "office": "Rotterdam Maasvlakte",
        "detection_method": "x_ray",
        "commodity_area": "drugs",
        "commodity": "cocaine in banana boxes",
        "concealment": "container_structure",
        "restriction": {"restricted": !restricted_to.is_empty(), "users": restricted_to},
    });
    let answer = harness
        .call(Method::POST, "/api/cases", Some(harness.token(Analyst)), Some("application/json"), case.to_string())
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.json["id"].as_i64().expect("a case id")
}

async fn upload(harness: &Harness, role: Role, case: i64, query: &str, content_type: &str, bytes: Vec<u8>) -> Answer {
    let uri = format!("/api/cases/{case}/images{query}");
    harness.call(Method::POST, &uri, Some(harness.token(role)), Some(content_type), bytes).await
}

fn content_type(answer: &Answer) -> &str {
    answer.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn get(harness: &Harness, role: Role, uri: &str) -> Answer {
    harness.call(Method::GET, uri, Some(harness.token(role)), None, Body::empty()).await
}

/// The files under the harness's photo directory for case images, thumbnails included.
fn stored_files(harness: &Harness) -> Vec<String> {
    let dir = harness.photos_dir().join("cases");
    let mut names: Vec<String> = walk(&dir).into_iter().collect();
    names.sort();
    names
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

#[tokio::test]
async fn case_images_are_uploaded_listed_fetched_and_thumbnailed_over_the_api() {
    // Arrange
    let harness = Harness::new(settings()).await;
    let case = create_case(&harness, &[]).await;
    let other = create_case(&harness, &[]).await;
    let scan = picture(640, 320, image::ImageFormat::Png);
    let photo = picture(200, 400, image::ImageFormat::Jpeg);

    // Act
    let query = "?kind=x_ray&file_name=reefer%20scan.png&caption=dense%20mass%20behind%20the%20cooling%20unit";
    let first = upload(&harness, Officer, case, query, "image/png", scan.clone()).await;
    let second = upload(&harness, Analyst, case, "", "image/jpeg", photo.clone()).await;

    // Assert: recorded as described, listed in order, the file as uploaded, a thumbnail, an audit entry each.
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    let image = &first.json;
    assert_eq!(image["case_id"], case);
    assert_eq!((image["kind"].as_str(), image["file_name"].as_str()), (Some("x_ray"), Some("reefer scan.png")));
    assert_eq!(image["caption"], "dense mass behind the cooling unit");
    assert_eq!((image["width"].as_u64(), image["height"].as_u64()), (Some(640), Some(320)));
    assert_eq!(
        (image["content_type"].as_str(), image["size_bytes"].as_u64()),
        (Some("image/png"), Some(scan.len() as u64))
    );
    assert_eq!(image["uploaded_by"], "officer");
    assert_eq!(image["sha256"].as_str().map(str::len), Some(64));
    assert_eq!((second.json["kind"].as_str(), second.json["file_name"].as_str()), (Some("photo"), Some("image.jpg")));

    let list = get(&harness, Auditor, &format!("/api/cases/{case}/images")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let ids: Vec<&serde_json::Value> =
        list.json["images"].as_array().expect("images").iter().map(|i| &i["id"]).collect();
    assert_eq!(ids, [&first.json["id"], &second.json["id"]]);
    assert_eq!(
        get(&harness, Auditor, &format!("/api/cases/{other}/images")).await.json["images"],
        serde_json::json!([])
    );

    let href = image["href"].as_str().expect("href");
    let file = get(&harness, Auditor, href).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, scan, "the file as uploaded");
    assert_eq!(file.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(file.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let thumb = get(&harness, Auditor, image["thumbnail_href"].as_str().expect("thumbnail")).await;
    assert_eq!((thumb.status, content_type(&thumb)), (StatusCode::OK, "image/png"));
    let small = image::load_from_memory_with_format(&thumb.bytes, image::ImageFormat::Png).expect("a PNG");
    assert_eq!((small.width(), small.height()), (240, 120));
    let jpeg = get(&harness, Analyst, second.json["href"].as_str().expect("href")).await;
    assert_eq!((jpeg.bytes == photo, content_type(&jpeg)), (true, "image/jpeg"));

    // Stored under the data directory: two files and two thumbnails.
    assert_eq!(stored_files(&harness).len(), 4, "{:?}", stored_files(&harness));
    // A thumbnail lost since the upload is made again from the file.
    let thumbnails = harness.photos_dir().join("cases/thumbnails");
    for entry in std::fs::read_dir(&thumbnails).expect("thumbnails").flatten() {
        std::fs::remove_file(entry.path()).expect("removing a thumbnail");
    }
    let again = get(&harness, Auditor, image["thumbnail_href"].as_str().expect("thumbnail")).await;
    assert_eq!((again.status, again.bytes == thumb.bytes), (StatusCode::OK, true));
    // An image is only found under its own case.
    let elsewhere = get(&harness, Auditor, &format!("/api/cases/{other}/images/{}", image["id"])).await;
    assert_eq!((elsewhere.status, error_code(&elsewhere).as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let entries = harness.store.audit_entries(0, 1000).await.expect("audit");
    let added: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.action == "case.image.add")
        .map(|e| (e.actor.as_str(), e.details["kind"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(added, [("officer", "x_ray"), ("analyst", "photo")]);
    let sha = entries.iter().find(|e| e.action == "case.image.add").map(|e| e.details["sha256"].clone());
    assert_eq!(sha.as_ref(), Some(&image["sha256"]));

    // The OpenAPI document lists the endpoints.
    let doc = get(&harness, Auditor, "/openapi.json").await;
    for path in ["/api/cases/{id}/images", "/api/cases/{id}/images/{image}", "/api/cases/{id}/images/{image}/thumbnail"]
    {
        assert!(doc.json["paths"][path].is_object(), "{path}");
    }
}

/// An upload that must be refused, and how.
struct Refusal {
    what: &'static str,
    query: &'static str,
    content_type: &'static str,
    bytes: Vec<u8>,
    status: StatusCode,
    code: &'static str,
    /// A part of the error message.
    message: &'static str,
}

#[tokio::test]
async fn bad_oversized_and_mistyped_images_are_refused_with_their_codes_and_nothing_is_kept() {
    let harness = Harness::new(settings()).await;
    let case = create_case(&harness, &[]).await;
    let png = picture(64, 64, image::ImageFormat::Png);
    let jpeg = picture(64, 64, image::ImageFormat::Jpeg);
    let mut broken = png.clone();
    broken.truncate(png.len() / 2);
    // Noise does not compress: a 160 × 160 PNG of it is above the harness's 64 KiB.
    let noise = image::RgbImage::from_fn(160, 160, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(2_246_822_519);
        image::Rgb([(n >> 24) as u8, (n >> 16) as u8, (n >> 8) as u8])
    });
    let mut big = std::io::Cursor::new(Vec::new());
    noise.write_to(&mut big, image::ImageFormat::Png).expect("encoding");
    let big = big.into_inner();
    assert!(big.len() > 64 << 10, "{}", big.len());

    let refusals = [
        Refusal {
            what: "a text body",
            query: "",
            content_type: "text/plain",
            bytes: b"not an image".to_vec(),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_format",
            message: "expected Content-Type image/png or image/jpeg, found `text/plain`",
        },
        Refusal {
            what: "a GIF said to be PNG",
            query: "",
            content_type: "image/png",
            bytes: b"GIF89a\x01\0\x01\0".to_vec(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_image",
            message: "expected a PNG or JPEG image, found other bytes",
        },
        Refusal {
            what: "a JPEG said to be PNG",
            query: "",
            content_type: "image/png",
            bytes: jpeg,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_image",
            message: "the body is image/jpeg, not the image/png its Content-Type says",
        },
        Refusal {
            what: "a truncated PNG",
            query: "",
            content_type: "image/png",
            bytes: broken,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_image",
            message: "the PNG image cannot be read: ",
        },
        Refusal {
            what: "too large",
            query: "",
            content_type: "image/png",
            bytes: big,
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload_too_large",
            message: "the image is larger than the 65536 bytes the server accepts",
        },
        Refusal {
            what: "an unknown kind",
            query: "?kind=infrared",
            content_type: "image/png",
            bytes: png.clone(),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_query",
            message: "expected `photo` or `x_ray`, found `infrared`",
        },
        Refusal {
            what: "an unknown parameter",
            query: "?colour=red",
            content_type: "image/png",
            bytes: png.clone(),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_query",
            message: "colour",
        },
    ];
    for r in refusals {
        let answer = upload(&harness, Officer, case, r.query, r.content_type, r.bytes).await;
        assert_eq!((answer.status, error_code(&answer).as_str()), (r.status, r.code), "{}: {}", r.what, answer.text);
        let said = answer.json["error"]["message"].as_str().unwrap_or("");
        assert!(said.contains(r.message), "{}: {said}", r.what);
    }
    let long = format!("?caption={}", "x".repeat(1001));
    let answer = upload(&harness, Officer, case, &long, "image/png", png.clone()).await;
    assert_eq!((answer.status, error_code(&answer).as_str()), (StatusCode::BAD_REQUEST, "invalid_query"));
    assert_eq!(answer.json["error"]["message"], "expected a caption of at most 1000 characters, found 1001");
    let missing = upload(&harness, Officer, case + 99, "", "image/png", png).await;
    assert_eq!((missing.status, error_code(&missing).as_str()), (StatusCode::NOT_FOUND, "not_found"));

    let list = get(&harness, Officer, &format!("/api/cases/{case}/images")).await;
    assert_eq!(list.json["images"], serde_json::json!([]), "nothing recorded");
    assert!(stored_files(&harness).is_empty(), "nothing kept: {:?}", stored_files(&harness));
}

#[tokio::test]
async fn only_case_writers_add_images_and_a_restricted_case_shows_its_images_only_to_those_it_names() {
    let harness = Harness::new(settings()).await;
    let open = create_case(&harness, &[]).await;
    let png = picture(32, 32, image::ImageFormat::Png);
    for role in [Auditor, Submitter, Role::Administrator] {
        let refused = upload(&harness, role, open, "", "image/png", png.clone()).await;
        assert_eq!((refused.status, error_code(&refused).as_str()), (StatusCode::FORBIDDEN, "forbidden"), "{role}");
    }
    let no_reading = get(&harness, Submitter, &format!("/api/cases/{open}/images")).await;
    assert_eq!(no_reading.status, StatusCode::FORBIDDEN);

    // A case restricted to the user `officer`: the analyst cannot see it, so cannot add to it or list it.
    let restricted = create_case(&harness, &["officer"]).await;
    let hidden = upload(&harness, Analyst, restricted, "", "image/png", png.clone()).await;
    assert_eq!((hidden.status, error_code(&hidden).as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let added = upload(&harness, Officer, restricted, "", "image/png", png).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let href = added.json["href"].as_str().expect("href");
    for uri in [format!("/api/cases/{restricted}/images"), href.to_owned(), format!("{href}/thumbnail")] {
        assert_eq!(get(&harness, Analyst, &uri).await.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(get(&harness, Officer, &uri).await.status, StatusCode::OK, "{uri}");
    }
    // Every read by the officer is audited (the listing, the file, the thumbnail), besides the upload's own check.
    let entries = harness.store.audit_entries(0, 1000).await.expect("audit");
    let reads = entries
        .iter()
        .filter(|e| e.action == "case.read" && e.actor == "officer" && e.subject == format!("case/{restricted}"))
        .count();
    assert_eq!(reads, 4);
}

/// Posts the case page's image form as a session: the CSRF token (unless `csrf` is false), then the fields and
/// the file.
async fn post_image_form(harness: &Harness, session: &str, case: i64, csrf: bool, kind: &str, file: &[u8]) -> Answer {
    let boundary = "----aduana-image-boundary";
    let mut body: Vec<u8> = Vec::new();
    let token = csrf_token(session);
    let mut fields = vec![("kind", kind), ("caption", "the false floor, opened")];
    if csrf {
        fields.insert(0, ("_csrf", token.as_str()));
    }
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"floor.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/workbench/cases/{case}/images"))
        .header(header::COOKIE, format!("aduana_session={session}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .expect("a request");
    harness.send(request).await
}

#[tokio::test]
async fn an_image_added_on_the_case_page_shows_there_as_a_thumbnail() {
    let harness = Harness::new(settings()).await;
    let case = create_case(&harness, &[]).await;
    let sessions = sessions(&harness).await;
    let session = |role: Role| sessions.iter().find(|(r, _)| *r == role).expect("a session").1.clone();
    let officer = session(Officer);
    let png = picture(480, 240, image::ImageFormat::Png);

    // Without the CSRF token nothing is stored; a file that is no image is refused with a message.
    let forged = post_image_form(&harness, &officer, case, false, "x_ray", &png).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let bad = post_image_form(&harness, &officer, case, true, "x_ray", b"\x89PNG\r\n\x1a\nbroken").await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    assert!(harness.store.case_images(case).await.expect("list").is_empty());

    let added = post_image_form(&harness, &officer, case, true, "x_ray", &png).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let images = harness.store.case_images(case).await.expect("list");
    assert_eq!(images.len(), 1);
    let image = &images[0];
    assert_eq!(
        (image.kind, image.file_name.as_str(), image.uploaded_by.as_str()),
        (aduana_store::CaseImageKind::XRay, "floor.png", "officer")
    );

    let case_page = page(&harness, Method::GET, &format!("/workbench/cases/{case}"), Some(&officer), None).await;
    assert_eq!(case_page.status, StatusCode::OK);
    let thumbnail = format!("/api/cases/{case}/images/{}/thumbnail", image.id);
    for expected in [thumbnail.as_str(), "the false floor, opened", "id=\"add-case-image\"", "X-ray image"] {
        assert!(case_page.text.contains(expected), "{expected}: {}", case_page.text);
    }
    // The page's thumbnail answers to the session cookie.
    let shown = page(&harness, Method::GET, &thumbnail, Some(&officer), None).await;
    assert_eq!((shown.status, content_type(&shown)), (StatusCode::OK, "image/png"));
    // An auditor sees the image but no form.
    let audit_page =
        page(&harness, Method::GET, &format!("/workbench/cases/{case}"), Some(&session(Auditor)), None).await;
    assert!(audit_page.text.contains(&thumbnail) && !audit_page.text.contains("add-case-image"), "{}", audit_page.text);
}
