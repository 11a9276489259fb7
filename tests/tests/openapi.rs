//! The generated OpenAPI 3.1 document, `/llms.txt`, `/llms-full.txt` and the interactive
//! docs page (issue 10): the spec validates (openapi-spec-validator), its YAML and JSON
//! forms agree (PyYAML), every tool of the catalog is in it with the settings schema the
//! tool describes, and the docs page renders the tools in a real browser (headless
//! Chromium).

use std::process::Command;

use lathe_tests::{shared, Value};

fn python(script: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_spec_is_valid_openapi_31_in_json_and_yaml() {
    let lathe = shared();
    let json = lathe.get("/api/v1/openapi.json", None);
    assert_eq!(json.status, 200);
    assert_eq!(json.json()["openapi"], "3.1.0");
    let yaml = lathe.get("/api/v1/openapi.yaml", None);
    assert_eq!(yaml.status, 200);
    assert!(yaml.content_type.starts_with("application/yaml"));
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("openapi.json");
    let yaml_path = dir.path().join("openapi.yaml");
    std::fs::write(&json_path, &json.body).unwrap();
    std::fs::write(&yaml_path, &yaml.body).unwrap();
    let (ok, out) = python(
        "import json, sys, yaml\n\
         from openapi_spec_validator import validate\n\
         doc = json.load(open(sys.argv[1]))\n\
         validate(doc)\n\
         assert yaml.safe_load(open(sys.argv[2])) == doc, 'YAML and JSON differ'\n\
         print(len(doc['paths']))",
        &[json_path.to_str().unwrap(), yaml_path.to_str().unwrap()],
    );
    assert!(ok, "the spec does not validate: {out}");
    let paths: usize = out.trim().parse().unwrap();
    assert!(paths > 300, "{paths} paths");
}

#[test]
fn every_tool_and_platform_route_is_in_the_spec() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let spec = lathe.get("/api/v1/openapi.json", None).json();
    let paths = &spec["paths"];
    let tools = lathe.get("/api/v1/tools", Some(&admin)).json()["tools"].clone();
    let tools = tools.as_array().unwrap();
    assert!(tools.len() >= 130);
    for tool in tools {
        let path = format!(
            "/api/v1/tools/{}/{}",
            tool["section"].as_str().unwrap(),
            tool["id"].as_str().unwrap()
        );
        let run = &paths[&path]["post"];
        assert!(run.is_object(), "{path} missing");
        let form = &run["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"];
        assert_eq!(
            form["settings"]["contentSchema"], tool["settingsSchema"],
            "{path}: settings schema differs from the tool's"
        );
        assert!(paths[&path]["get"].is_object(), "{path} describe missing");
        for op in tool["operations"].as_array().unwrap() {
            let sub = format!("{path}/{}", op.as_str().unwrap());
            assert!(paths[&sub]["post"].is_object(), "{sub} missing");
        }
    }
    for (method, path) in [
        ("post", "/api/auth/login"),
        ("put", "/api/auth/users/{id}"),
        ("delete", "/api/auth/users/{id}"),
        ("post", "/api/auth/users/{id}/reset-password"),
        ("get", "/api/v1/roles"),
        ("put", "/api/v1/roles/{id}"),
        ("get", "/api/v1/teams"),
        ("get", "/api/v1/settings/{key}"),
        ("get", "/api/v1/audit-log"),
        ("get", "/api/v1/usage"),
        ("post", "/api/v1/webhooks"),
        ("get", "/api/v1/admin/health"),
        ("get", "/api/v1/jobs/{job}/progress"),
        ("get", "/api/v1/download/{job}/{file}"),
        ("post", "/api/v1/pipeline/execute"),
        ("post", "/api/v1/files/upload"),
        ("get", "/api/v1/openapi.yaml"),
        ("get", "/llms.txt"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    // Permissions are stated; public routes need no credentials.
    assert_eq!(
        paths["/api/v1/roles"]["post"]["x-permission"],
        "users:manage"
    );
    assert_eq!(
        paths["/api/v1/health"]["get"]["security"],
        Value::Array(vec![])
    );
}

#[test]
fn llms_txt_lists_every_tool_and_the_full_text_its_settings() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let summary = lathe.get("/llms.txt", None);
    assert_eq!(summary.status, 200);
    let summary = String::from_utf8(summary.body).unwrap();
    let full = String::from_utf8(lathe.get("/llms-full.txt", None).body).unwrap();
    assert!(summary.contains("Authorization: Bearer"));
    let tools = lathe.get("/api/v1/tools", Some(&admin)).json()["tools"].clone();
    for tool in tools.as_array().unwrap() {
        let key = format!(
            "`{}/{}`",
            tool["section"].as_str().unwrap(),
            tool["id"].as_str().unwrap()
        );
        assert!(summary.contains(&key), "llms.txt lacks {key}");
        let heading = format!(
            "/api/v1/tools/{}/{}`",
            tool["section"].as_str().unwrap(),
            tool["id"].as_str().unwrap()
        );
        let at = full
            .find(&heading)
            .unwrap_or_else(|| panic!("llms-full.txt lacks {heading}"));
        if let Some(props) = tool["settingsSchema"]["properties"].as_object() {
            let section = &full[at..];
            for name in props.keys() {
                assert!(
                    section.contains(&format!("`{name}`")),
                    "{heading}: setting {name} missing"
                );
            }
        }
    }
    assert!(full.contains("`GET /api/v1/audit-log` (audit:read)"));
}

#[test]
fn the_docs_page_renders_the_tools_in_a_browser() {
    let lathe = shared();
    let page = lathe.get("/api/docs", None);
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let body = String::from_utf8_lossy(&page.body).to_string();
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "the page loads nothing from elsewhere"
    );
    assert_eq!(
        lathe.get("/api/docs/swagger-ui-bundle.js", None).status,
        200
    );
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        // A deep link opens the resize tool's operation, as a user's click would.
        .arg(format!(
            "{}/api/docs#/tools%3A%20image/post_v1_tools_image_resize",
            lathe.base
        ))
        .output()
        .expect("chromium (apt-get install chromium; .ci/run does)");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains(r#"data-path="/api/v1/tools/image/resize""#) && dom.contains("Try it out"),
        "the rendered page does not list the resize tool: {}…\n{}",
        &dom[..dom.len().min(2000)],
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains("Authorize"), "no way to log in with a key");
}
