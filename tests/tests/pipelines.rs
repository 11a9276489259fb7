//! Pipelines end to end: execute across sections (image → image-to-pdf → compress-pdf,
//! checked with qpdf), up-front validation naming the step, save/list/delete with
//! ownership, the tool list, a saved pipeline by id, and a pipeline batch (ZIP read by
//! Python's zipfile).

use std::process::Command;

use lathe_tests::{fixtures, multipart_body, shared, Lathe, Reply};
use serde_json::{json, Value};

fn post_pipeline(
    lathe: &Lathe,
    path: &str,
    token: &str,
    parts: &[(&str, &str, Vec<u8>)],
    pipeline: &str,
) -> Reply {
    let (ct, mut body) = multipart_body(parts, None);
    // Insert the `pipeline` field before the closing boundary.
    let boundary = ct.split("boundary=").nth(1).unwrap().to_string();
    let end = format!("--{boundary}--\r\n");
    body.truncate(body.len() - end.len());
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"pipeline\"\r\n\r\n{pipeline}\r\n{end}"
        )
        .as_bytes(),
    );
    lathe.post_raw(path, Some(token), &ct, body)
}

/// qpdf's own check of a PDF, and its page count.
fn qpdf_pages(pdf: &[u8]) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.pdf");
    std::fs::write(&path, pdf).unwrap();
    let check = Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let pages = Command::new("qpdf")
        .arg("--show-npages")
        .arg(&path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&pages.stdout)
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_pipeline_runs_across_sections() {
    let lathe = shared();
    let token = lathe.new_user("piper");
    let pipeline = json!({"steps": [
        {"toolId": "resize", "settings": {"width": 200}},
        {"toolId": "image-to-pdf", "settings": {}},
        {"toolId": "compress-pdf"},
    ]});
    let r = post_pipeline(
        lathe,
        "/api/v1/pipeline/execute",
        &token,
        &[("file", "photo.png", fixtures::png_rgba(400, 300))],
        &pipeline.to_string(),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["steps"], 3);
    let d = lathe.get(body["downloadUrl"].as_str().unwrap(), Some(&token));
    assert_eq!(d.status, 200);
    assert!(d.body.starts_with(b"%PDF"));
    assert_eq!(qpdf_pages(&d.body), 1);
    assert_eq!(body["processedSize"].as_u64(), Some(d.body.len() as u64));
    let record = lathe
        .get(
            &format!("/api/v1/jobs/{}", body["jobId"].as_str().unwrap()),
            Some(&token),
        )
        .json();
    assert_eq!(record["tool"], "pipeline");
    assert_eq!(record["status"], "completed");
}

#[test]
fn every_step_is_checked_before_anything_runs() {
    let lathe = shared();
    let token = lathe.new_user("pipecheck");
    let png = || vec![("file", "a.png", fixtures::png_rgba(20, 20))];
    let cases: &[(&str, &str, Option<u64>)] = &[
        (
            r#"{"steps":[{"toolId":"resize","settings":{"width":10}},{"toolId":"no-such-tool"}]}"#,
            "UNKNOWN_TOOL",
            Some(2),
        ),
        (
            r#"{"steps":[{"toolId":"resize","settings":{"width":0}}]}"#,
            "INVALID_SETTINGS",
            Some(1),
        ),
        (
            r#"{"steps":[{"toolId":"resize","settings":{"fit":"sideways"}}]}"#,
            "INVALID_SETTINGS",
            Some(1),
        ),
        (
            r#"{"steps":[{"toolId":"resize"},{"toolId":"merge-pdf"}]}"#,
            "NOT_PIPEABLE",
            Some(2),
        ),
        (
            r#"{"steps":[{"settings":{}}]}"#,
            "INVALID_PIPELINE",
            Some(1),
        ),
        (r#"{"steps":[]}"#, "INVALID_PIPELINE", None),
        (r#"{"steps": "#, "INVALID_PIPELINE", None),
        (
            r#"{"steps":[{"toolId":"compress-pdf"}]}"#,
            "UNSUPPORTED_FILE_TYPE",
            Some(1),
        ),
    ];
    for (pipeline, code, step) in cases {
        let r = post_pipeline(lathe, "/api/v1/pipeline/execute", &token, &png(), pipeline);
        assert_eq!(r.assert_client_error(400), *code, "{pipeline}");
        assert_eq!(r.json()["step"].as_u64(), *step, "{pipeline}");
    }
    let many: Vec<Value> = (0..21).map(|_| json!({"toolId": "resize"})).collect();
    let r = post_pipeline(
        lathe,
        "/api/v1/pipeline/execute",
        &token,
        &png(),
        &json!({"steps": many}).to_string(),
    );
    assert_eq!(r.assert_client_error(400), "TOO_MANY_STEPS");
    // No pipeline field, no file.
    let r = lathe.post_multipart("/api/v1/pipeline/execute", Some(&token), &png(), None);
    assert_eq!(r.assert_client_error(400), "INVALID_PIPELINE");
    let r = post_pipeline(
        lathe,
        "/api/v1/pipeline/execute",
        &token,
        &[],
        r#"{"steps":[{"toolId":"resize"}]}"#,
    );
    assert_eq!(r.assert_client_error(400), "NO_FILE");
    // Nothing ran: no job was made.
    assert!(lathe.get("/api/v1/jobs", Some(&token)).json()["jobs"]
        .as_array()
        .unwrap()
        .is_empty());
    // A step that cannot take what the step before writes is refused up front, naming
    // it: the catalog says what each tool writes (a format setting included).
    let incompatible = [
        (
            r#"{"steps":[{"toolId":"resize","settings":{"width":10}},{"toolId":"compress-pdf"}]}"#,
            2,
        ),
        (
            r#"{"steps":[{"toolId":"resize","settings":{"width":10}},{"toolId":"image-to-pdf"},{"toolId":"resize","settings":{"width":10}}]}"#,
            3,
        ),
        (
            r#"{"steps":[{"toolId":"convert","settings":{"format":"png"}},{"toolId":"image/info"},{"toolId":"resize"}]}"#,
            3,
        ),
        (
            r#"{"steps":[{"toolId":"image-to-pdf"},{"toolId":"pdf-to-image","settings":{"format":"png"}},{"toolId":"compress-pdf"}]}"#,
            3,
        ),
    ];
    for (pipeline, step) in incompatible {
        let r = post_pipeline(lathe, "/api/v1/pipeline/execute", &token, &png(), pipeline);
        assert_eq!(
            r.assert_client_error(400),
            "INCOMPATIBLE_STEPS",
            "{pipeline}"
        );
        assert_eq!(r.json()["step"].as_u64(), Some(step), "{pipeline}");
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(message.contains(&format!("Step {step}")), "{message}");
    }
    // A saved pipeline is checked the same way, without a file.
    let r = lathe.post_json(
        "/api/v1/pipeline/save",
        Some(&token),
        &json!({"name": "bad", "steps": [
            {"toolId": "image-to-pdf"},
            {"toolId": "resize", "settings": {"width": 10}}
        ]}),
    );
    assert_eq!(r.assert_client_error(400), "INCOMPATIBLE_STEPS");
    // Still nothing ran.
    assert!(lathe.get("/api/v1/jobs", Some(&token)).json()["jobs"]
        .as_array()
        .unwrap()
        .is_empty());
    // What each tool writes is in the catalog.
    let tools = lathe.get("/api/v1/tools", Some(&token)).json();
    let find = |id: &str| {
        tools["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(find("image-to-pdf")["produces"], json!(["pdf", "zip"]));
    assert_eq!(find("info")["produces"], json!([]));
    assert_eq!(find("convert")["producesSetting"], "format");
    lathe.assert_healthy();
}

#[test]
fn saved_pipelines_belong_to_their_owner() {
    let lathe = shared();
    let owner = lathe.new_user("pipeowner");
    let other = lathe.new_user("pipeother");
    let steps =
        json!([{"toolId": "resize", "settings": {"width": 50}}, {"toolId": "image-to-pdf"}]);
    let r = lathe.post_json(
        "/api/v1/pipeline/save",
        Some(&owner),
        &json!({"name": "thumb pdf", "description": "50 px in a PDF", "steps": steps}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let bad = lathe.post_json(
        "/api/v1/pipeline/save",
        Some(&owner),
        &json!({"name": "bad", "steps": [{"toolId": "nope"}]}),
    );
    assert_eq!(bad.assert_client_error(400), "UNKNOWN_TOOL");
    let mine = lathe.get("/api/v1/pipeline/list", Some(&owner)).json();
    assert_eq!(mine["pipelines"].as_array().unwrap().len(), 1);
    assert_eq!(mine["pipelines"][0]["name"], "thumb pdf");
    assert!(
        lathe.get("/api/v1/pipeline/list", Some(&other)).json()["pipelines"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let all = lathe
        .get("/api/v1/pipeline/list", Some(&lathe.admin_token()))
        .json();
    assert!(all["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == id.as_str()));

    // Run it by id; another user cannot.
    let by_id = json!({"pipelineId": id}).to_string();
    let r = post_pipeline(
        lathe,
        "/api/v1/pipeline/execute",
        &owner,
        &[("file", "a.png", fixtures::png_rgba(100, 100))],
        &by_id,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let pdf = lathe
        .get(r.json()["downloadUrl"].as_str().unwrap(), Some(&owner))
        .body;
    assert_eq!(qpdf_pages(&pdf), 1);
    let r = post_pipeline(
        lathe,
        "/api/v1/pipeline/execute",
        &other,
        &[("file", "a.png", fixtures::png_rgba(100, 100))],
        &by_id,
    );
    assert_eq!(r.assert_client_error(404), "NOT_FOUND");
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/pipeline/{id}"), Some(&other))
            .assert_client_error(404),
        "NOT_FOUND"
    );
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/pipeline/{id}"), Some(&owner))
            .status,
        200
    );
    assert!(
        lathe.get("/api/v1/pipeline/list", Some(&owner)).json()["pipelines"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let tools = lathe.get("/api/v1/pipeline/tools", Some(&owner)).json();
    let ids: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["toolId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"resize") && ids.contains(&"compress-pdf") && ids.contains(&"extract-audio")
    );
    assert!(
        !ids.contains(&"merge-pdf"),
        "multi-file tools are not steps"
    );
}

#[test]
fn a_pipeline_batch_answers_one_zip() {
    let lathe = shared();
    let token = lathe.new_user("pipebatch");
    let r = post_pipeline(
        lathe,
        "/api/v1/pipeline/batch",
        &token,
        &[
            ("files", "a.png", fixtures::png_rgba(120, 80)),
            ("files", "b.jpg", fixtures::jpeg(90, 90)),
        ],
        r#"{"steps":[{"toolId":"resize","settings":{"width":40}},{"toolId":"image-to-pdf"}]}"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.header("x-job-id").is_some());
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("p.zip");
    std::fs::write(&zip, &r.body).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nm=json.loads(z.read('manifest.json'))\nprint(json.dumps({'m':m,'heads':{n:z.read(n)[:4].decode('latin-1') for n in z.namelist()}}))",
        ])
        .arg(&zip)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["m"]["succeeded"], 2, "{v}");
    let pdfs = v["heads"]
        .as_object()
        .unwrap()
        .values()
        .filter(|h| *h == "%PDF")
        .count();
    assert_eq!(pdfs, 2, "{v}");
}
