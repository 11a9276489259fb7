//! Project automation for Lathe.
//!
//! * `cargo xtask build`  — build every component (wasm32-wasip2) and the host (release).
//! * `cargo xtask up`     — build, then start Lathe on 127.0.0.1:1349 with an embedded store.
//! * `cargo xtask test`   — build, then run every test (unit tests and end-to-end tests).
//! * `cargo xtask register <url>` — after `spin deploy`, visit every tool route once so each
//!   tool registers itself in the catalog.
//! * `cargo xtask bench`  — run the benchmarks against the peers (see docs/performance.md);
//!   `cargo xtask bench --startup` measures start-up time, idle memory and artifact sizes;
//!   `cargo xtask bench --batch` measures batches against single calls.

mod bench;
mod bench_batch;
mod bench_media;
mod bench_more;
mod startup;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Package names of the crates under `dir` (one level down) whose manifest matches `pred`.
fn packages_in(dir: &str, pred: impl Fn(&toml::Table) -> bool) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let base = root().join(dir);
    let Ok(entries) = std::fs::read_dir(&base) else {
        return Ok(names);
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let table: toml::Table = text
            .parse()
            .with_context(|| format!("parsing {}", manifest.display()))?;
        if pred(&table) {
            if let Some(name) = table
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
            {
                names.push(name.to_string());
            }
        }
    }
    Ok(names)
}

/// The platform crates, grouped by kind in `components/platform/<kind>/<crate>`
/// (`server`, `sdk`, `kits`, `contract`).
fn platform_packages(pred: impl Fn(&toml::Table) -> bool + Copy) -> Result<Vec<String>> {
    let mut all = Vec::new();
    for kind in ["contract", "server", "sdk", "kits"] {
        all.extend(packages_in(&format!("components/platform/{kind}"), pred)?);
    }
    Ok(all)
}

fn is_cdylib(table: &toml::Table) -> bool {
    table
        .get("lib")
        .and_then(|l| l.get("crate-type"))
        .and_then(|c| c.as_array())
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("cdylib")))
}

/// Every WASI component: the router components and the tools.
fn component_packages() -> Result<Vec<String>> {
    let mut all = platform_packages(is_cdylib)?;
    // Tools are grouped by API section: `components/tools/<section>/<tool>`.
    for section in ["image", "video", "audio", "pdf", "files"] {
        all.extend(packages_in(
            &format!("components/tools/{section}"),
            is_cdylib,
        )?);
    }
    Ok(all)
}

/// Native library crates with unit tests (host crates and factors, shared libraries).
fn native_test_packages() -> Result<Vec<String>> {
    let mut all = vec!["lathe-host".to_string()];
    all.extend(packages_in("host/crates", |_| true)?);
    all.extend(packages_in("host/factors", |_| true)?);
    all.extend(platform_packages(|t| !is_cdylib(t))?);
    // The tool and native SDKs only build for wasm32-wasip2 (their bindings export
    // functions); they are exercised through the tools.
    all.retain(|p| {
        p != "lathe-tool-sdk"
            && p != "lathe-native-sdk"
            && p != "lathe-stream-sdk"
            && p != "lathe-image-kit"
    });
    Ok(all)
}

fn build() -> Result<()> {
    build_components()?;
    run(cargo().args(["build", "--release", "-p", "lathe-host"]))?;
    precompile()
}

/// The Swagger UI release the docs page embeds (npm `swagger-ui-dist`).
const SWAGGER_UI: &str = "swagger-ui-dist@5.36.0";

/// Vendors Swagger UI's files from the npm registry into `target/docs-ui` (once), for the
/// `docs-ui` component to embed: the docs page then needs no CDN.
fn vendor_docs_ui() -> Result<()> {
    let dir = root().join("target/docs-ui");
    let files = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"];
    if files.iter().all(|f| dir.join(f).exists()) {
        return Ok(());
    }
    std::fs::create_dir_all(&dir)?;
    run(Command::new("npm")
        .args(["pack", SWAGGER_UI, "--pack-destination"])
        .arg(&dir)
        .current_dir(&dir))
    .context("npm pack (install npm: apt-get install npm)")?;
    let tarball = std::fs::read_dir(&dir)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "tgz"))
        .context("npm pack wrote no tarball")?;
    let mut tar = Command::new("tar");
    tar.arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&dir)
        .arg("--strip-components=1");
    for f in files {
        tar.arg(format!("package/{f}"));
    }
    run(&mut tar)?;
    std::fs::remove_file(tarball)?;
    Ok(())
}

/// Builds every WASI component for wasm32-wasip2.
fn build_components() -> Result<()> {
    vendor_docs_ui()?;
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--target", "wasm32-wasip2"]);
    for p in component_packages()? {
        cmd.args(["-p", &p]);
    }
    run(&mut cmd)
}

fn precompile() -> Result<()> {
    // Compile every component ahead of time into `lathe-aot/` beside the `.wasm` files, so
    // the host starts in seconds; `spin up` never reads that folder.
    run(Command::new(root().join("target/release/lathe-host"))
        .current_dir(root())
        .arg("--precompile"))
}

fn up(extra: &[String]) -> Result<()> {
    build()?;
    let host = root().join("target/release/lathe-host");
    let mut cmd = Command::new(host);
    cmd.current_dir(root())
        .args(["up", "--listen", "127.0.0.1:1349", "--data-dir", ".lathe"])
        .args(extra);
    run(&mut cmd)
}

/// `cargo test`'s package list: the host, the native crates and the end-to-end tests.
fn test_package_args() -> Result<Vec<String>> {
    let mut args = Vec::new();
    for p in native_test_packages()? {
        args.extend(["-p".to_string(), p]);
    }
    args.extend(["-p".to_string(), "lathe-tests".to_string()]);
    Ok(args)
}

fn test(extra: &[String]) -> Result<()> {
    build_components()?;
    // The host is built in the same invocation (same package set, test targets included) as
    // `cargo test` below, so Cargo resolves one feature set and compiles wasmtime and the
    // other shared dependencies once; a separate `-p lathe-host` build would resolve fewer
    // features and compile them a second time.
    run(cargo()
        .args(["build", "--release", "--all-targets"])
        .args(test_package_args()?))?;
    precompile()?;
    // Check the manifest and fill the compiled-component cache the test hosts share, so
    // no test waits for compilation.
    let scratch = root().join("target/lathe-check-data");
    std::fs::remove_dir_all(&scratch).ok();
    run(Command::new(root().join("target/release/lathe-host"))
        .current_dir(root())
        .arg("--check")
        .arg("--data-dir")
        .arg(&scratch)
        .arg("--cache-dir")
        .arg(root().join("target/lathe-test-cache")))?;
    let mut cmd = cargo();
    cmd.args(["test", "--release", "--no-fail-fast"]);
    cmd.args(test_package_args()?);
    cmd.args(extra);
    run(&mut cmd)
}

/// Visits every tool route of spin.toml so the tools register in the catalog.
fn register(url: &str) -> Result<()> {
    let text = std::fs::read_to_string(root().join("spin.toml"))?;
    let manifest: toml::Table = text.parse()?;
    let routes = manifest
        .get("trigger")
        .and_then(|t| t.get("http"))
        .and_then(|h| h.as_array())
        .cloned()
        .unwrap_or_default();
    for route in routes {
        let Some(path) = route.get("route").and_then(|r| r.as_str()) else {
            continue;
        };
        if !path.starts_with("/api/v1/tools/") {
            continue;
        }
        let target = format!(
            "{}{}",
            url.trim_end_matches('/'),
            path.trim_end_matches("/...")
        );
        run(Command::new("curl").args(["-fsS", "-o", "/dev/null", &target]))?;
        println!("registered {target}");
    }
    Ok(())
}

fn main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build") => build(),
        Some("up") => up(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("register") => register(args.get(1).context("usage: cargo xtask register <url>")?),
        Some("bench") => {
            // `--no-build`: bench what is built (e.g. right after `cargo xtask test`).
            if let Some(i) = args.iter().position(|a| a == "--no-build") {
                args.remove(i);
            } else {
                build()?;
            }
            if args.get(1).map(String::as_str) == Some("--startup") {
                return startup::run(&root());
            }
            bench::run(&root(), &args[1..])
        }
        _ => {
            eprintln!("usage: cargo xtask <build|up|test|register <url>|bench>");
            std::process::exit(2);
        }
    }
}
