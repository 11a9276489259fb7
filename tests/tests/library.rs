//! The file library end to end: upload, list with search and signed cursors, version
//! chains grown by `fileId` tool calls and `save-result`, identical downloads, bulk delete,
//! and that no other user can see or touch a file (404).

use lathe_tests::{fixtures, shared, Lathe, Reply};
use serde_json::{json, Value};

fn upload(lathe: &Lathe, token: &str, parts: &[(&str, &str, Vec<u8>)]) -> Reply {
    lathe.post_multipart("/api/v1/files/upload", Some(token), parts, None)
}

fn delete_json(lathe: &Lathe, token: &str, body: &Value) -> Reply {
    let req = ureq::delete(&format!("{}/api/v1/files", lathe.base))
        .set("Authorization", &format!("Bearer {token}"))
        .set("Content-Type", "application/json");
    let resp = match req.send_string(&body.to_string()) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = resp.status();
    let content_type = resp.content_type().to_string();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    Reply {
        status,
        content_type,
        headers: Vec::new(),
        body: bytes,
    }
}

#[test]
fn uploads_list_search_and_download_the_same_bytes() {
    let lathe = shared();
    let token = lathe.new_user("librarian");
    let png = fixtures::png_rgba(64, 48);
    let csv = b"a,b\n1,2\n".to_vec();
    let r = upload(
        lathe,
        &token,
        &[
            ("files", "holiday.png", png.clone()),
            ("files", "Report.csv", csv.clone()),
        ],
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let files = r.json()["files"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["version"], 1);
    for (f, bytes) in files.iter().zip([&png, &csv]) {
        let d = lathe.get(f["downloadUrl"].as_str().unwrap(), Some(&token));
        assert_eq!(d.status, 200);
        assert_eq!(&d.body, bytes, "identical bytes");
    }
    let all = lathe.get("/api/v1/files", Some(&token)).json();
    assert_eq!(all["total"], 2);
    let found = lathe
        .get("/api/v1/files?search=report", Some(&token))
        .json();
    assert_eq!(found["files"].as_array().unwrap().len(), 1);
    assert_eq!(found["files"][0]["name"], "Report.csv");

    let page = lathe.get("/api/v1/files?limit=1", Some(&token)).json();
    assert_eq!(page["files"].as_array().unwrap().len(), 1);
    let cursor = page["nextCursor"].as_str().unwrap();
    let page2 = lathe
        .get(
            &format!("/api/v1/files?limit=1&cursor={cursor}"),
            Some(&token),
        )
        .json();
    assert_eq!(page2["files"].as_array().unwrap().len(), 1);
    assert_ne!(page2["files"][0]["id"], page["files"][0]["id"]);
    assert_eq!(
        lathe
            .get("/api/v1/files?cursor=1.deadbeef", Some(&token))
            .assert_client_error(400),
        "INVALID_CURSOR"
    );
    assert_eq!(
        upload(lathe, &token, &[]).assert_client_error(400),
        "NO_FILE"
    );
    assert_eq!(
        upload(lathe, &token, &[("files", "empty.png", Vec::new())]).assert_client_error(400),
        "EMPTY_FILE"
    );
}

#[test]
fn tool_calls_and_saved_results_grow_a_version_chain() {
    let lathe = shared();
    let token = lathe.new_user("versioner");
    let r = upload(
        lathe,
        &token,
        &[("files", "photo.png", fixtures::png_rgba(200, 100))],
    );
    let original = r.json()["files"][0].clone();
    let id = original["id"].as_str().unwrap().to_string();

    // `fileId` and no upload: the library file is the input and receives the result.
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&token),
        &[],
        Some(&json!({"width": 50, "fileId": id}).to_string()),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let saved = r.json()["savedFile"].clone();
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["rootId"], id.as_str());
    assert_eq!(saved["previousId"], id.as_str());
    let v2 = lathe.get(saved["downloadUrl"].as_str().unwrap(), Some(&token));
    let img = fixtures::decode(&v2.body);
    assert_eq!((img.width(), img.height()), (50, 25));

    // A plain run, then its result saved as version 3 of the same chain.
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&token),
        &[("file", "other.png", fixtures::png_rgba(40, 40))],
        Some(r#"{"width":20}"#),
    );
    let job = r.json()["jobId"].as_str().unwrap().to_string();
    let r = lathe.post_json(
        "/api/v1/files/save-result",
        Some(&token),
        &json!({"jobId": job, "fileId": id}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["file"]["version"], 3);
    // Without fileId the result starts a chain of its own.
    let r = lathe.post_json(
        "/api/v1/files/save-result",
        Some(&token),
        &json!({"jobId": job}),
    );
    assert_eq!(r.json()["file"]["version"], 1);

    let chain = lathe
        .get(&format!("/api/v1/files/{id}"), Some(&token))
        .json();
    let versions: Vec<u64> = chain["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3]);
    // The list shows each chain once, at its latest version.
    let list = lathe.get("/api/v1/files", Some(&token)).json();
    assert_eq!(list["total"], 2);
    assert!(list["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["version"] == 3));
    // The original version is untouched.
    let v1 = lathe.get(original["downloadUrl"].as_str().unwrap(), Some(&token));
    assert_eq!(fixtures::decode(&v1.body).width(), 200);

    assert_eq!(
        lathe
            .post_json("/api/v1/files/save-result", Some(&token), &json!({}))
            .assert_client_error(400),
        "VALIDATION_ERROR"
    );
}

#[test]
fn files_are_private_and_delete_removes_whole_chains() {
    let lathe = shared();
    let owner = lathe.new_user("fileowner");
    let other = lathe.new_user("fileother");
    let r = upload(
        lathe,
        &owner,
        &[("files", "secret.png", fixtures::png_rgba(30, 30))],
    );
    let file = r.json()["files"][0].clone();
    let id = file["id"].as_str().unwrap().to_string();
    let url = file["downloadUrl"].as_str().unwrap().to_string();
    assert_eq!(
        lathe
            .get(&format!("/api/v1/files/{id}"), Some(&other))
            .status,
        404
    );
    assert_eq!(lathe.get(&url, Some(&other)).status, 404);
    assert_eq!(lathe.get("/api/v1/files", Some(&other)).json()["total"], 0);
    assert_eq!(
        lathe.get("/api/v1/files?all=true", Some(&other)).status,
        403
    );
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&other),
        &[],
        Some(&json!({"width": 10, "fileId": id}).to_string()),
    );
    assert_eq!(r.assert_client_error(404), "FILE_NOT_FOUND");
    let r = delete_json(lathe, &other, &json!({"ids": [id]}));
    assert_eq!(r.json()["notFound"], json!([id]));
    // Still there for its owner, and for an admin.
    assert_eq!(lathe.get(&url, Some(&owner)).status, 200);
    assert_eq!(lathe.get(&url, Some(&lathe.admin_token())).status, 200);

    // A second version, then delete the chain by its first version's id.
    lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&owner),
        &[],
        Some(&json!({"width": 10, "fileId": id}).to_string()),
    );
    let r = delete_json(lathe, &owner, &json!({"ids": [id, "not-an-id"]}));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["deletedVersions"], 2);
    assert_eq!(r.json()["notFound"], json!(["not-an-id"]));
    assert_eq!(
        lathe
            .get(&format!("/api/v1/files/{id}"), Some(&owner))
            .status,
        404
    );
    assert_eq!(lathe.get(&url, Some(&owner)).status, 404);
    assert_eq!(lathe.get("/api/v1/files", Some(&owner)).json()["total"], 0);
    assert_eq!(
        delete_json(lathe, &owner, &json!({"ids": []})).assert_client_error(400),
        "VALIDATION_ERROR"
    );
}

/// A request with no credential (presigned and shared URLs carry their own signature).
fn unauthenticated(lathe: &Lathe, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
    let req = ureq::request(method, &format!("{}{path}", lathe.base));
    let result = match body {
        Some(b) => req.set("Content-Type", "image/png").send_bytes(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = resp.status();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    (status, bytes)
}

fn code_of(bytes: &[u8]) -> String {
    let v: Value = serde_json::from_slice(bytes).expect("JSON error");
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()));
    v["code"].as_str().unwrap().to_string()
}

#[test]
fn presigned_uploads_and_shared_downloads() {
    let lathe = shared();
    let token = lathe.new_user("presigner");
    let png = fixtures::png_rgba(120, 90);
    let r = lathe.post_json(
        "/api/v1/files/presign",
        Some(&token),
        &json!({"name": "up.png", "mime_type": "image/png", "size_bytes": png.len()}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let grant = r.json();
    assert_eq!(grant["method"], "PUT");
    let url = grant["upload_url"].as_str().unwrap().to_string();
    let file_id = grant["file_id"].as_str().unwrap().to_string();

    // Tampering with any part of the URL breaks it.
    let bigger = url.replace(
        &format!("size={}", png.len()),
        &format!("size={}", png.len() + 10),
    );
    let (status, body) = unauthenticated(lathe, "PUT", &bigger, Some(&png));
    assert_eq!(
        (status, code_of(&body).as_str()),
        (403, "INVALID_SIGNATURE")
    );
    let mut forged = url.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    let (status, body) = unauthenticated(lathe, "PUT", &forged, Some(&png));
    assert_eq!(
        (status, code_of(&body).as_str()),
        (403, "INVALID_SIGNATURE")
    );

    // The real PUT needs no Authorization header.
    let (status, body) = unauthenticated(lathe, "PUT", &url, Some(&png));
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let (status, body) = unauthenticated(lathe, "PUT", &url, Some(&png));
    assert_eq!((status, code_of(&body).as_str()), (409, "ALREADY_UPLOADED"));
    let d = lathe.get(&format!("/api/v1/files/{file_id}/download"), Some(&token));
    assert_eq!(d.body, png, "identical bytes");
    // A tool call names it instead of uploading.
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&token),
        &[],
        Some(&json!({"width": 60, "fileId": file_id}).to_string()),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["savedFile"]["version"], 2);

    // More bytes than declared are refused and nothing is stored.
    let r = lathe.post_json(
        "/api/v1/files/presign",
        Some(&token),
        &json!({"name": "small.bin", "size_bytes": 10}),
    );
    let small = r.json();
    let (status, body) = unauthenticated(
        lathe,
        "PUT",
        small["upload_url"].as_str().unwrap(),
        Some(&[7u8; 11]),
    );
    assert_eq!((status, code_of(&body).as_str()), (413, "UPLOAD_TOO_LARGE"));
    let small_id = small["file_id"].as_str().unwrap();
    assert_eq!(
        lathe
            .get(&format!("/api/v1/files/{small_id}"), Some(&token))
            .status,
        404
    );

    // An expired URL.
    let r = lathe.post_json(
        "/api/v1/files/presign",
        Some(&token),
        &json!({"name": "late.png", "size_bytes": png.len(), "expires_in": 1}),
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (status, body) = unauthenticated(
        lathe,
        "PUT",
        r.json()["upload_url"].as_str().unwrap(),
        Some(&png),
    );
    assert_eq!((status, code_of(&body).as_str()), (403, "URL_EXPIRED"));
    for bad in [
        json!({"size_bytes": 5}),
        json!({"name": "x", "size_bytes": 0}),
        json!({"name": "x", "size_bytes": 5, "expires_in": 0}),
    ] {
        let r = lathe.post_json("/api/v1/files/presign", Some(&token), &bad);
        assert_eq!(r.assert_client_error(400), "VALIDATION_ERROR", "{bad}");
    }

    // A shared download link works without a token, for that file only.
    let r = lathe.post_json(
        &format!("/api/v1/files/{file_id}/share"),
        Some(&token),
        &json!({"expires_in": 60}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let link = r.json()["download_url"].as_str().unwrap().to_string();
    let (status, body) = unauthenticated(lathe, "GET", &link, None);
    assert_eq!(status, 200);
    assert_eq!(body, png);
    let other = link.replace(&file_id, small_id);
    let (status, _) = unauthenticated(lathe, "GET", &other, None);
    assert_eq!(status, 403);
    let stranger = lathe.new_user("presignstranger");
    let r = lathe.post_json(
        &format!("/api/v1/files/{file_id}/share"),
        Some(&stranger),
        &json!({}),
    );
    assert_eq!(r.assert_client_error(404), "FILE_NOT_FOUND");
}

#[test]
fn thumbnails_and_previews() {
    let lathe = shared();
    let token = lathe.new_user("thumber");
    let r = upload(
        lathe,
        &token,
        &[
            ("files", "big.png", fixtures::png_rgba(800, 600)),
            ("files", "notes.csv", b"a,b\n1,2\n".to_vec()),
        ],
    );
    let files = r.json()["files"].as_array().unwrap().clone();
    let (image, csv) = (
        files[0]["id"].as_str().unwrap(),
        files[1]["id"].as_str().unwrap(),
    );
    let t = lathe.get(&format!("/api/v1/files/{image}/thumbnail"), Some(&token));
    assert_eq!(t.status, 200, "{}", String::from_utf8_lossy(&t.body));
    assert_eq!(fixtures::format_of(&t.body), image::ImageFormat::Jpeg);
    let thumb = fixtures::decode(&t.body);
    assert_eq!((thumb.width(), thumb.height()), (300, 225));
    let again = lathe.get(&format!("/api/v1/files/{image}/thumbnail"), Some(&token));
    assert_eq!(again.body, t.body, "made once, then served");
    // Not an image: a clear client error, not a crash.
    let r = lathe.get(&format!("/api/v1/files/{csv}/thumbnail"), Some(&token));
    assert!((400..500).contains(&r.status), "{}", r.status);
    r.assert_client_error(r.status);
    let stranger = lathe.new_user("thumbstranger");
    assert_eq!(
        lathe
            .get(&format!("/api/v1/files/{image}/thumbnail"), Some(&stranger))
            .status,
        404
    );

    let p = lathe.post_multipart(
        "/api/v1/preview",
        Some(&token),
        &[("file", "shot.png", fixtures::png_rgba(64, 40))],
        None,
    );
    assert_eq!(p.status, 200, "{}", String::from_utf8_lossy(&p.body));
    assert_eq!(fixtures::format_of(&p.body), image::ImageFormat::WebP);
    let img = fixtures::decode(&p.body);
    assert_eq!((img.width(), img.height()), (64, 40));
    // seed 001's reason for previews: a HEIC photo becomes a WebP a browser shows.
    let heic = lathe_tests::pillow::pillow_write(90, 60, "HEIF", false);
    let p = lathe.post_multipart(
        "/api/v1/preview",
        Some(&token),
        &[("file", "IMG_0042.HEIC", heic)],
        None,
    );
    assert_eq!(p.status, 200, "{}", String::from_utf8_lossy(&p.body));
    let read = lathe_tests::pillow::pillow_read(&p.body);
    assert_eq!(read["format"], "WEBP", "{read}");
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(90), Some(60))
    );
    let r = lathe.post_multipart("/api/v1/preview", Some(&token), &[], None);
    assert_eq!(r.assert_client_error(400), "NO_FILE");
    // An iPhone photo in the library gets a thumbnail too (converted before it is resized).
    let heic = lathe_tests::pillow::pillow_write(600, 400, "HEIF", false);
    let r = upload(lathe, &token, &[("files", "IMG_0043.HEIC", heic)]);
    let heic_id = r.json()["files"][0]["id"].as_str().unwrap().to_string();
    let t = lathe.get(&format!("/api/v1/files/{heic_id}/thumbnail"), Some(&token));
    assert_eq!(t.status, 200, "{}", String::from_utf8_lossy(&t.body));
    let read = lathe_tests::pillow::pillow_read(&t.body);
    assert_eq!(read["format"], "JPEG", "{read}");
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(300), Some(200))
    );
    lathe.assert_healthy();
}

#[test]
fn workspace_uploads_are_temporary_job_files() {
    let lathe = shared();
    let token = lathe.new_user("workspacer");
    let a = fixtures::png_rgba(10, 10);
    let r = lathe.post_multipart(
        "/api/v1/upload",
        Some(&token),
        &[
            ("files", "a.png", a.clone()),
            ("files", "b.txt", b"hello".to_vec()),
        ],
        None,
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    let files = body["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let d = lathe.get(files[0]["downloadUrl"].as_str().unwrap(), Some(&token));
    assert_eq!(d.body, a);
    let d = lathe.get(files[1]["downloadUrl"].as_str().unwrap(), Some(&token));
    assert_eq!(d.body, b"hello");
    let stranger = lathe.new_user("workspacestranger");
    assert_eq!(
        lathe
            .get(files[0]["downloadUrl"].as_str().unwrap(), Some(&stranger))
            .status,
        404
    );
    let job = lathe
        .get(
            &format!("/api/v1/jobs/{}", body["jobId"].as_str().unwrap()),
            Some(&token),
        )
        .json();
    assert_eq!(job["tool"], "workspace/upload");
    assert_eq!(
        lathe
            .post_multipart("/api/v1/upload", Some(&token), &[], None)
            .assert_client_error(400),
        "NO_FILE"
    );
}

#[test]
fn a_multi_chunk_upload_streams_and_downloads_identically() {
    let lathe = shared();
    let token = lathe.new_user("bigfiler");
    // 3.5 MiB of varied bytes: four stored chunks.
    let data: Vec<u8> = (0..(3 * 1024 * 1024 + 512 * 1024))
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let r = upload(lathe, &token, &[("files", "big.bin", data.clone())]);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let file = &r.json()["files"][0];
    assert_eq!(file["size"].as_u64(), Some(data.len() as u64));
    let d = lathe.get(file["downloadUrl"].as_str().unwrap(), Some(&token));
    assert_eq!(d.body.len(), data.len());
    assert!(d.body == data, "identical bytes");
}

#[test]
fn jobs_the_worker_runs_save_to_the_library_too() {
    let lathe = shared();
    let token = lathe.new_user("asyncsaver");
    let r = upload(
        lathe,
        &token,
        &[("files", "pic.png", fixtures::png_rgba(80, 80))],
    );
    let id = r.json()["files"][0]["id"].as_str().unwrap().to_string();
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize?async=true",
        Some(&token),
        &[],
        Some(&json!({"width": 20, "fileId": id}).to_string()),
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let record = lathe.wait_job(&token, r.json()["jobId"].as_str().unwrap());
    assert_eq!(record["status"], "completed", "{record}");
    assert_eq!(record["savedFile"]["version"], 2, "{record}");
    let v2 = lathe.get(
        record["savedFile"]["downloadUrl"].as_str().unwrap(),
        Some(&token),
    );
    assert_eq!(fixtures::decode(&v2.body).width(), 20);

    // A native tool, answered within sync_wait_ms: the worker saved it.
    let r = upload(
        lathe,
        &token,
        &[("files", "clip.mp4", fixtures::video_with_audio(1))],
    );
    let clip = r.json()["files"][0]["id"].as_str().unwrap().to_string();
    let r = lathe.post_multipart(
        "/api/v1/tools/video/extract-audio",
        Some(&token),
        &[],
        Some(&json!({"format": "wav", "fileId": clip}).to_string()),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let saved = r.json()["savedFile"].clone();
    assert_eq!(saved["version"], 2);
    let wav = lathe
        .get(saved["downloadUrl"].as_str().unwrap(), Some(&token))
        .body;
    assert_eq!(&wav[..4], b"RIFF");
    let chain = lathe
        .get(&format!("/api/v1/files/{clip}"), Some(&token))
        .json();
    assert_eq!(chain["versions"].as_array().unwrap().len(), 2);
}
