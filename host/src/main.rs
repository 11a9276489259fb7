//! `lathe-host`: runs Lathe's Spin app locally.
//!
//! It reads `spin.toml`, loads exactly the `.wasm` files Spin would (composing component
//! dependencies as Spin does), serves HTTP with Spin's routing, and provides the Spin
//! capabilities the components import: key-value on an embedded SQLite file in the data
//! directory, and variables from the manifest and `SPIN_VARIABLE_*`. It also runs the
//! native tool worker in the same process.

mod batch_zip;
mod compose;
mod dependencies;
mod headers;
mod heartbeat;
mod loader;
mod manifest;
mod routing;
mod runtime;
mod runtime_config;
mod server;
mod sweeper;
mod webhooks;
mod worker;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::runtime::{DataDir, Limits};
use crate::server::{App, LazyComponent};

const USAGE: &str = "\
lathe-host: run Lathe's Spin app locally

USAGE:
    lathe-host [up] [OPTIONS]

OPTIONS:
    --manifest <FILE>      spin.toml to run [default: spin.toml]
    --listen <ADDR>        address to serve on [default: 127.0.0.1:1349]
    --data-dir <DIR>       where the key-value store and compiled cache live [default: .lathe]
    --cache-dir <DIR>      compiled-component cache [default: <data-dir>/compiled]
    --memory-mb <MB>       memory limit of one component instance [default: 2048]
    --timeout-secs <S>     time limit of one request or native job [default: 300]
    --workers <N>          native worker threads [default: 2]
    --runtime-config-file <FILE>
                           Spin runtime config: key-value stores by label
                           ([key_value_store.<label>], type = spin: SQLite), as
                           `spin up --runtime-config-file` reads it [default: the `default`
                           store in <data-dir>/key-value.db]
    --check                load, compose and compile everything (filling the compiled cache),
                           then exit without serving
    --precompile           compile every .wasm file the manifest names ahead of time into
                           `lathe-aot/` beside it (`cargo xtask build` does this), then exit
    --exit-with-stdin      stop when standard input closes (lets a parent process, such as
                           the test harness, tie the host's life to its own)
    -h, --help             print this help

Configuration reaches components through Spin variables: set SPIN_VARIABLE_<NAME>
(e.g. SPIN_VARIABLE_ADMIN_PASSWORD) as under `spin up`.
";

struct Options {
    manifest: PathBuf,
    listen: String,
    data_dir: PathBuf,
    cache_dir: Option<PathBuf>,
    memory_mb: usize,
    timeout_secs: u64,
    workers: usize,
    runtime_config: Option<PathBuf>,
    exit_with_stdin: bool,
    check: bool,
    precompile: bool,
}

fn parse_args() -> anyhow::Result<Options> {
    let mut opts = Options {
        manifest: PathBuf::from("spin.toml"),
        listen: "127.0.0.1:1349".into(),
        data_dir: PathBuf::from(".lathe"),
        cache_dir: None,
        memory_mb: 2048,
        timeout_secs: 300,
        workers: 2,
        runtime_config: None,
        exit_with_stdin: false,
        check: false,
        precompile: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "up" => {}
            "--manifest" | "-f" => opts.manifest = value("--manifest")?.into(),
            "--listen" => opts.listen = value("--listen")?,
            "--data-dir" => opts.data_dir = value("--data-dir")?.into(),
            "--cache-dir" => opts.cache_dir = Some(value("--cache-dir")?.into()),
            "--memory-mb" => opts.memory_mb = value("--memory-mb")?.parse()?,
            "--timeout-secs" => opts.timeout_secs = value("--timeout-secs")?.parse()?,
            "--workers" => opts.workers = value("--workers")?.parse()?,
            "--runtime-config-file" => {
                opts.runtime_config = Some(value("--runtime-config-file")?.into())
            }
            "--exit-with-stdin" => opts.exit_with_stdin = true,
            "--check" => opts.check = true,
            "--precompile" => opts.precompile = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument '{other}'\n\n{USAGE}"),
        }
    }
    Ok(opts)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" {
    /// glibc: return free heap pages to the kernel.
    fn malloc_trim(pad: usize) -> i32;
}

/// Compiling components leaves hundreds of MiB of freed heap that glibc keeps; hand it back
/// once start-up is done so the idle host stays small.
fn release_compiler_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory held by the allocator.
    unsafe {
        malloc_trim(0);
    }
}

/// Compiles every `.wasm` file of the manifest ahead of time (see `runtime::precompile`).
fn precompile(app: &manifest::App, started: std::time::Instant) -> anyhow::Result<()> {
    let engine = runtime::engine()?;
    let mut files: Vec<PathBuf> = Vec::new();
    for c in app.components.values() {
        files.push(c.source.clone());
        files.extend(c.dependencies.iter().map(|d| d.path.clone()));
        files.extend(c.native_tool.clone());
    }
    files.sort();
    files.dedup();
    let mut compiled = 0;
    let mut dirs = std::collections::BTreeSet::new();
    for file in &files {
        if runtime::precompile(&engine, file)? {
            compiled += 1;
        }
        dirs.insert(runtime::aot_dir(file.parent().unwrap_or(Path::new("."))));
    }
    let mut freed = 0;
    for dir in &dirs {
        freed += runtime::sweep_stale_artifacts(dir)?;
    }
    println!(
        "lathe-host: {} components ready ahead of time ({compiled} compiled, {} ms, {} MB of stale artifacts removed)",
        files.len(),
        started.elapsed().as_millis(),
        freed / 1_000_000
    );
    Ok(())
}

/// Runs `--check` in a child process: every component loaded, every dependency checked by
/// Spin's rules and every tool's catalog entry written, without this process ever touching
/// the tools' code (which would stay resident).
fn check_in_child(opts: &Options) -> anyhow::Result<()> {
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg("--check")
        .arg("--manifest")
        .arg(&opts.manifest)
        .arg("--data-dir")
        .arg(&opts.data_dir)
        .args(["--memory-mb", &opts.memory_mb.to_string()])
        .args(["--timeout-secs", &opts.timeout_secs.to_string()]);
    if let Some(cache) = &opts.cache_dir {
        cmd.arg("--cache-dir").arg(cache);
    }
    if let Some(rc) = &opts.runtime_config {
        cmd.arg("--runtime-config-file").arg(rc);
    }
    let status = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .context("starting the load check")?;
    if !status.success() {
        bail!("the app does not load (the reason is above)");
    }
    Ok(())
}

/// The composed tools the worker may run, by `<section>/<id>`: each route
/// `/api/v1/tools/<section>/<id>/...` whose component is plugged with a `lathe:tool/tool`
/// or `lathe:tool` dependency (the convention every gateway's own routing relies on).
fn pure_tools_of(app: &manifest::App) -> Vec<(String, std::path::PathBuf)> {
    let mut tools = Vec::new();
    for trigger in &app.routes {
        let segments: Vec<&str> = trigger.route.split('/').filter(|s| !s.is_empty()).collect();
        let ["api", "v1", "tools", section, id, ..] = segments.as_slice() else {
            continue;
        };
        let component = &app.components[&trigger.component];
        // `lathe:tool/tool@..` (a pure gateway) or the whole `lathe:tool@..` package (the
        // stream gateway's tools export `tool` beside `stream-tool`).
        let tool = component.dependencies.iter().find(|d| {
            let name = d.name.to_string();
            name.starts_with("lathe:tool/tool") || name.starts_with("lathe:tool@")
        });
        if let Some(dep) = tool {
            tools.push((format!("{section}/{id}"), dep.path.clone()));
        }
    }
    tools
}

fn main() -> anyhow::Result<()> {
    let opts = parse_args()?;
    if opts.exit_with_stdin {
        std::thread::spawn(|| {
            let mut sink = [0u8; 64];
            while matches!(std::io::Read::read(&mut std::io::stdin(), &mut sink), Ok(n) if n > 0) {}
            std::process::exit(0);
        });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(opts))
}

async fn run(opts: Options) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let app = manifest::load(&opts.manifest)?;
    if opts.precompile {
        return precompile(&app, started);
    }
    if !opts.check {
        check_in_child(&opts)?;
    }
    let data = DataDir {
        root: opts.data_dir.clone(),
        cache: opts.cache_dir.clone(),
    };
    std::fs::create_dir_all(&data.root)
        .with_context(|| format!("creating {}", data.root.display()))?;
    let limits = Limits {
        memory_bytes: opts.memory_mb << 20,
        timeout: Duration::from_secs(opts.timeout_secs),
    };

    // Key-value stores by label from the runtime config (`default` always exists), then
    // Spin's start-up check: every label a component names must be defined.
    let runtime_config = runtime_config::RuntimeConfig::load(opts.runtime_config.as_deref())?;
    let stores = runtime_config.key_value_stores(&data.kv_path())?;
    for c in app.components.values() {
        lathe_factor_key_value::check_component_stores(&c.id, &c.key_value_stores, |label| {
            stores.contains_key(label)
        })?;
    }
    let stores = Arc::new(stores);

    let app_vars = lathe_factor_variables::resolve_app_variables_with(
        &app.variables,
        lathe_factor_variables::spin_env_lookup(),
    )?;
    let engine = runtime::engine()?;

    // The worker runs native tools; it also writes every tool's catalog entry from the
    // tool's own description.
    let kv = stores
        .get("default")
        .cloned()
        .context("Lathe needs the 'default' key-value store")?;

    let mut native_tools = Vec::new();
    for trigger in &app.routes {
        native_tools.extend(app.components[&trigger.component].native_tool.clone());
    }
    native_tools.dedup();
    let pure_tools = pure_tools_of(&app);

    // `--check`: load every routed component now (each `.wasm` file once however many
    // routes share it), check every dependency and register every tool's catalog entry.
    let mut loader = loader::Loader::new(&engine, &data.cache_dir(), limits, opts.check)?;
    if opts.check {
        let mut loaded = std::collections::HashSet::new();
        let mut tool_count = 0;
        for trigger in &app.routes {
            let c = &app.components[&trigger.component];
            if loaded.insert(c.id.clone()) {
                tool_count += c.dependencies.len();
                loader.load(c, &app_vars, kv.as_ref()).await?;
            }
        }
        let worker = worker::Worker::new(
            &engine,
            kv,
            &native_tools,
            pure_tools,
            limits,
            &data.cache_dir(),
        )
        .await?;
        worker
            .register_pure_tools(&loader.composed_tools, &data.cache_dir())
            .await?;
        println!(
            "Lathe ({}): {} routes and {} tools load and compile ({} ms)",
            app.name,
            app.routes.len(),
            tool_count + native_tools.len(),
            started.elapsed().as_millis()
        );
        return Ok(());
    }

    // Serving: the check ran in a child process (above), so this process only maps each
    // component on its route's first request and stays small at idle.
    let worker = worker::Worker::new(
        &engine,
        kv.clone(),
        &native_tools,
        pure_tools,
        limits,
        &data.cache_dir(),
    )
    .await?
    .with_media_limits(lathe_factor_ffmpeg::MediaLimits::from_variables(&app_vars));
    let ttl = sweeper::ttl_from_hours(
        app_vars
            .get("result_ttl_hours")
            .map(String::as_str)
            .unwrap_or("24"),
    );
    worker.spawn(opts.workers, ttl);
    heartbeat::spawn(kv.clone(), tokio::runtime::Handle::current(), opts.workers);
    // Webhook deliveries (`webhook-due/<job>` markers), beside the worker and its sweeper.
    webhooks::Deliverer::new(
        kv.clone(),
        tokio::runtime::Handle::current(),
        webhooks::Settings::from_variables(&app_vars),
    )
    .spawn();
    release_compiler_memory();

    let mut lazy: HashMap<String, Arc<LazyComponent>> = HashMap::new();
    for trigger in &app.routes {
        let c = &app.components[&trigger.component];
        lazy.entry(c.id.clone())
            .or_insert_with(|| Arc::new(LazyComponent::new(c.clone())));
    }
    let router = routing::Router::try_new(
        app.routes
            .iter()
            .map(|t| (t.route.clone(), lazy[&t.component].clone())),
    )?;
    if let Some(warning) = router.duplicates_warning(|i| app.routes[i].component.clone()) {
        eprintln!("{warning}");
    }
    let server = Arc::new(App {
        app_name: app.name.clone(),
        app_version: app.version.clone(),
        router,
        stores,
        limits,
        loader: tokio::sync::Mutex::new(loader),
        app_vars,
        kv,
    });

    let listener = tokio::net::TcpListener::bind(&opts.listen)
        .await
        .with_context(|| format!("binding {}", opts.listen))?;
    let addr = listener.local_addr()?;

    // One request to the API component bootstraps the first admin before we announce.
    server::local_request(&server, "GET", "/api/v1/health").await?;

    println!(
        "Lathe ({}) is listening on http://{addr} ({} routes, {} native tools, ready in {} ms)",
        app.name,
        app.routes.len(),
        native_tools.len(),
        started.elapsed().as_millis()
    );
    println!("Log in:  curl -s -X POST http://{addr}/api/auth/login -H 'Content-Type: application/json' -d '{{\"username\":\"admin\",\"password\":\"<password>\"}}'");
    server::serve(server, listener).await
}
