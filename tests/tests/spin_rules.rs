//! The host resolves `[component.<id>.dependencies]` by Spin's rules: each manifest here
//! exercises one rule of Spin 4.0's manifest checks (crates/manifest/src/schema/v2.rs) or
//! composer (crates/compose/src/lib.rs) with the real components, and the host must accept
//! or reject it as `spin up` does, with Spin's reason.

use std::path::PathBuf;

use lathe_tests::{check_manifest, repo_root};

fn wasm(name: &str) -> String {
    let path: PathBuf = repo_root().join("target/wasm32-wasip2/release").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask test`",
        path.display()
    );
    path.display().to_string()
}

/// A manifest with one route whose component is `source` with `dependencies` (TOML inline
/// table body, e.g. `"lathe:tool/tool@0.2.0" = { path = "..." }`).
fn manifest(source: &str, dependencies: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"spin_manifest_version = 2

[application]
name = "rules"

[[trigger.http]]
route = "/..."
component = "main"

[component.main]
source = "{}"
key_value_stores = ["default"]
[component.main.dependencies]
{dependencies}
"#,
        wasm(source)
    );
    let path = dir.path().join("spin.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn dep(key: &str, tool: &str) -> String {
    format!("\"{key}\" = {{ path = \"{}\" }}\n", wasm(tool))
}

fn assert_rejected(source: &str, deps: &str, reasons: &[&str]) {
    let (_dir, path) = manifest(source, deps);
    let (ok, out) = check_manifest(&path);
    assert!(!ok, "accepted, but Spin rejects it:\n{deps}\n{out}");
    for reason in reasons {
        assert!(
            out.contains(reason),
            "reason {reason:?} missing from:\n{out}"
        );
    }
}

fn assert_accepted(source: &str, deps: &str) {
    let (_dir, path) = manifest(source, deps);
    let (ok, out) = check_manifest(&path);
    assert!(ok, "rejected, but Spin accepts it:\n{deps}\n{out}");
}

const GATEWAY: &str = "lathe_gateway.wasm";
const STREAM_GATEWAY: &str = "lathe_stream_gateway.wasm";
const RESIZE: &str = "tool_image_resize.wasm";
const CSV_JSON: &str = "tool_files_csv_json.wasm";

#[test]
fn versioned_interface_key_resolves() {
    assert_accepted(GATEWAY, &dep("lathe:tool/tool@0.2.0", RESIZE));
}

#[test]
fn unversioned_interface_key_matches_any_version() {
    assert_accepted(GATEWAY, &dep("lathe:tool/tool", RESIZE));
}

#[test]
fn package_key_needs_every_import_of_the_package_exported() {
    // The gateway imports `types` and `tool`; a pure tool exports only `tool`. This is the
    // error real `spin up` gave for the stream gateway before `streaming-tool` exported types.
    assert_rejected(
        GATEWAY,
        &dep("lathe:tool@0.2.0", RESIZE),
        &[
            "failed to resolve dependencies for component \"main\"",
            "dependency 'lathe:tool@0.2.0' doesn't export 'lathe:tool/types@0.2.0' to satisfy import 'lathe:tool/types@0.2.0'",
        ],
    );
}

#[test]
fn package_key_resolves_a_streaming_tool() {
    // What spin.toml uses for csv-json: types, tool and stream-tool from one instance.
    assert_accepted(STREAM_GATEWAY, &dep("lathe:tool@0.2.0", CSV_JSON));
    assert_accepted(STREAM_GATEWAY, &dep("lathe:tool", CSV_JSON));
}

#[test]
fn a_key_that_matches_no_import_is_refused() {
    assert_rejected(
        GATEWAY,
        &dep("lathe:tool/tool@0.3.0", RESIZE),
        &["dependency 'lathe:tool/tool@0.3.0' doesn't match any imports of component 'main'"],
    );
    assert_rejected(
        GATEWAY,
        &dep("lathe:other/tool", RESIZE),
        &["dependency 'lathe:other/tool' doesn't match any imports of component 'main'"],
    );
    assert_rejected(
        GATEWAY,
        &dep("image-resize", RESIZE),
        &["dependency 'image-resize' doesn't match any imports of component 'main'"],
    );
}

#[test]
fn a_matched_import_the_dependency_does_not_export_is_refused() {
    assert_rejected(
        STREAM_GATEWAY,
        &(dep("lathe:tool/tool@0.2.0", RESIZE) + &dep("lathe:tool/stream-tool@0.2.0", RESIZE)),
        &["dependency 'lathe:tool/stream-tool@0.2.0' doesn't export 'lathe:tool/stream-tool@0.2.0' to satisfy import 'lathe:tool/stream-tool@0.2.0'"],
    );
    // `export` picks another export name; it must exist too.
    let deps = format!(
        "\"lathe:tool/tool@0.2.0\" = {{ path = \"{}\", export = \"lathe:tool/run@0.2.0\" }}\n",
        wasm(RESIZE)
    );
    assert_rejected(
        GATEWAY,
        &deps,
        &["dependency 'lathe:tool/tool@0.2.0' doesn't export 'lathe:tool/run@0.2.0' to satisfy import 'lathe:tool/tool@0.2.0'"],
    );
}

#[test]
fn an_import_left_unsatisfied_fails_to_link() {
    // Spin composes what the keys match and leaves the rest to its linker, which has no
    // `lathe:tool/stream-tool`: the app does not start.
    assert_rejected(
        STREAM_GATEWAY,
        &dep("lathe:tool/tool@0.2.0", CSV_JSON),
        &["lathe:tool/stream-tool@0.2.0"],
    );
}

#[test]
fn manifest_rules_of_spin() {
    // A package-wide key may not name an export.
    let deps = format!(
        "\"lathe:tool@0.2.0\" = {{ path = \"{}\", export = \"lathe:tool/tool@0.2.0\" }}\n",
        wasm(CSV_JSON)
    );
    assert_rejected(
        STREAM_GATEWAY,
        &deps,
        &[
            "component \"main\" has invalid dependencies",
            "using an export to satisfy the package dependency \"lathe:tool@0.2.0\" is not currently permitted",
        ],
    );
    // Two keys of one package must differ in interface or compatible version.
    assert_rejected(
        STREAM_GATEWAY,
        &(dep("lathe:tool", CSV_JSON) + &dep("lathe:tool/tool@0.2.0", CSV_JSON)),
        &["\"lathe:tool\" dependency conflicts with \"lathe:tool/tool@0.2.0\""],
    );
    // Key syntax: a version must be semver, names kebab-case.
    assert_rejected(
        GATEWAY,
        &dep("lathe:tool/tool@latest", RESIZE),
        &["invalid dependency name \"lathe:tool/tool@latest\""],
    );
    assert_rejected(
        GATEWAY,
        &dep("lathe:tool/Tool_x", RESIZE),
        &["invalid dependency name"],
    );
    // Only local files are loaded by this host (registry/URL dependencies need `spin up`).
    assert_rejected(
        GATEWAY,
        "\"lathe:tool/tool@0.2.0\" = \"^0.2\"\n",
        &["not a local file"],
    );
}

#[test]
fn the_repository_manifest_resolves() {
    let (ok, out) = check_manifest(&repo_root().join("spin.toml"));
    assert!(ok, "{out}");
}
