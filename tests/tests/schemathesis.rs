//! Schemathesis (property-based API testing from PyPI) against a running host, for every
//! operation of the generated OpenAPI document, with an admin API key: no response with a
//! status ≥ 500, and none that contradicts the spec (status codes, content types, response
//! schemas, `Allow` headers, schema-valid input accepted and schema-invalid input refused).
//! Rejections a schema cannot express are listed in `tests/schemathesis.toml`.

use std::process::Command;

use lathe_tests::{json, repo_root, Lathe};

#[test]
fn every_operation_conforms_to_the_spec() {
    let lathe = Lathe::start();
    let admin = lathe.admin_token();
    let key = lathe.post_json(
        "/api/v1/api-keys",
        Some(&admin),
        &json!({"name": "schemathesis"}),
    );
    assert_eq!(key.status, 201);
    let key = key.json()["key"].as_str().unwrap().to_string();
    // Schemathesis keeps a cache in its working folder: a scratch one, not the checkout.
    let scratch = tempfile::tempdir().unwrap();
    let config = repo_root().join("tests/schemathesis.toml");
    let out = Command::new("schemathesis")
        .current_dir(scratch.path())
        .args(["--no-color", "--config-file"])
        .arg(&config)
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", lathe.base))
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args([
            "--max-examples",
            "2",
            "--workers",
            "2",
            "--request-timeout",
            "120",
        ])
        .arg("--generation-deterministic")
        .output()
        .expect("schemathesis (pip install schemathesis; .ci/run does)");
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = text.find("SUMMARY").map(|at| &text[at..]).unwrap_or(&text);
    println!("{summary}");
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(summary.contains("Tested:"), "{summary}");
    lathe.assert_healthy();
}
