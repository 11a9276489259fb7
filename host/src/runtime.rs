//! The wasmtime side: one engine, components compiled once (and cached on disk), and the
//! per-request store state that carries every host capability a component may import.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lathe_factor_key_value::{Backend, KeyValueState};
use lathe_factor_tool_link::ToolLinkState;
use lathe_factor_variables::VariablesState;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, ResourceLimiter};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// How often the epoch ticks; time limits are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(50);

/// Limits applied to every component call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most linear memory one instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// Most wall-clock time one request or tool run may take.
    pub timeout: Duration,
}

/// Builds the engine: pooling allocator (fast instantiation), epoch interruption (time
/// limits) and SIMD.
pub fn engine() -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    config.wasm_simd(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    // Smaller compiled artifacts (issue 13): no native-address-to-wasm-offset tables (a
    // trap still names the function, only the wasm offset is gone) and no `.eh_frame` for
    // the system unwinder (Wasmtime walks wasm frames itself; only Windows needs it).
    config.generate_address_map(false);
    config.native_unwind_info(false);
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    pool.total_component_instances(200);
    pool.total_core_instances(2000);
    pool.total_memories(400);
    pool.total_tables(2000);
    pool.max_memory_size(4 << 30);
    pool.max_core_instances_per_component(64);
    pool.max_memories_per_component(16);
    pool.max_tables_per_component(64);
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config)?;
    let ticker = engine.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(EPOCH_TICK);
        ticker.increment_epoch();
    });
    Ok(engine)
}

/// The name of a compiled artifact: the wasm bytes and the engine's settings hashed
/// together, so a rebuilt component or another engine configuration never reuses it.
fn artifact_name(engine: &Engine, bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{:016x}.cwasm", hasher.finish())
}

/// Where `cargo xtask build` puts the ahead-of-time compilations of the `.wasm` files in
/// `wasm_dir` (a folder beside them that `spin up` never reads).
pub fn aot_dir(wasm_dir: &Path) -> PathBuf {
    wasm_dir.join("lathe-aot")
}

/// Loads the component in `file`: its ahead-of-time compilation from beside it when
/// present (see [`aot_dir`]), else a compilation cached in `cache_dir`, else compiles it.
pub fn load_file(engine: &Engine, file: &Path, cache_dir: &Path) -> anyhow::Result<Component> {
    let bytes = std::fs::read(file)
        .with_context(|| format!("failed to read component source from disk at path {file:?}"))?;
    let aot = aot_dir(file.parent().unwrap_or(Path::new("."))).join(artifact_name(engine, &bytes));
    if aot.exists() {
        // SAFETY: written by `precompile` of this engine configuration (its hash is part of
        // the name) from these very bytes.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &aot) } {
            return Ok(component);
        }
    }
    compile(engine, &bytes, cache_dir).with_context(|| format!("compiling {}", file.display()))
}

/// Compiles `file` ahead of time into [`aot_dir`] beside it (done by `cargo xtask build`).
/// Returns whether it had to compile (false: an up-to-date artifact was there).
pub fn precompile(engine: &Engine, file: &Path) -> anyhow::Result<bool> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let dir = aot_dir(file.parent().unwrap_or(Path::new(".")));
    let name = artifact_name(engine, &bytes);
    let path = dir.join(&name);
    if path.exists() {
        return Ok(false);
    }
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    std::fs::create_dir_all(&dir)?;
    // Drop older artifacts of the same file: only the current build's stays.
    let marker = dir.join(format!("{stem}.current"));
    if let Ok(old) = std::fs::read_to_string(&marker) {
        std::fs::remove_file(dir.join(old.trim())).ok();
    }
    let compiled = engine
        .precompile_component(&bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling {}", file.display()))?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, compiled)?;
    std::fs::rename(&tmp, &path)?;
    std::fs::write(&marker, &name)?;
    Ok(true)
}

/// Deletes every artifact in `dir` that no `<stem>.current` marker names (left by earlier
/// builds or engine settings), so the folder holds one compilation per component.
/// Returns the bytes freed.
pub fn sweep_stale_artifacts(dir: &Path) -> anyhow::Result<u64> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut current = std::collections::HashSet::new();
    let mut artifacts = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("current") => {
                if let Ok(name) = std::fs::read_to_string(&path) {
                    current.insert(name.trim().to_string());
                }
            }
            Some("cwasm") | Some("tmp") => artifacts.push(path),
            _ => {}
        }
    }
    let mut freed = 0;
    for path in artifacts {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !current.contains(name) {
            freed += path.metadata().map(|m| m.len()).unwrap_or(0);
            std::fs::remove_file(&path).ok();
        }
    }
    Ok(freed)
}

/// Compiles a component, reusing a cached compilation from `cache_dir` when the bytes and
/// the engine are the same.
pub fn compile(engine: &Engine, bytes: &[u8], cache_dir: &Path) -> anyhow::Result<Component> {
    let path = cache_dir.join(artifact_name(engine, bytes));
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` of this same engine
        // configuration (the compatibility hash is part of its name) into our data dir.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    let component = Component::new(engine, bytes)
        .map_err(anyhow::Error::from)
        .context("compiling component")?;
    std::fs::create_dir_all(cache_dir).ok();
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, component.serialize()?).is_ok() && std::fs::rename(&tmp, &path).is_ok()
    {
        // Use the file-backed copy: its pages are clean and can be reclaimed by the kernel,
        // where the freshly compiled code would stay in anonymous memory.
        // SAFETY: written just above by this same engine.
        if let Ok(mapped) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(mapped);
        }
    }
    Ok(component)
}

/// A memory limiter that remembers when it refused to grow, so a trap can be reported as
/// "memory limit exceeded" rather than a crash.
pub struct MemoryLimiter {
    limit: usize,
    /// Set when a growth request was refused.
    pub hit: bool,
}

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes per memory.
    pub fn new(limit: usize) -> Self {
        Self { limit, hit: false }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Refuses outbound HTTP: no Lathe component lists `allowed_outbound_hosts`, so, as in
/// Spin, every outgoing request is denied.
#[derive(Default)]
pub struct DenyOutbound;

impl wasmtime_wasi_http::WasiHttpHooks for DenyOutbound {
    fn send_request(
        &mut self,
        _request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn std::future::Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn std::future::Future<
                Output = Result<
                    (
                        http::Response<wasmtime_wasi_http::WasiBody>,
                        Box<
                            dyn std::future::Future<Output = Result<(), wasmtime_wasi_http::Error>>
                                + Send,
                        >,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async {
            Err(wasmtime_wasi_http::p2::bindings::http::types::ErrorCode::HttpRequestDenied.into())
        })
    }
}

/// Everything one component instance may reach: WASI, wasi:http, Spin key-value and
/// variables, plus the resource limiter.
pub struct RequestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: DenyOutbound,
    table: ResourceTable,
    /// Spin key-value.
    pub kv: KeyValueState,
    /// Spin variables.
    pub variables: VariablesState,
    /// The tool instance linked to a gateway (instance-level dependencies).
    pub tool_link: ToolLinkState,
    /// Memory limiter.
    pub limiter: MemoryLimiter,
}

impl RequestState {
    /// State for one request to a component.
    pub fn new(
        component_id: &str,
        stores: Arc<HashMap<String, Arc<dyn Backend>>>,
        allowed_stores: Arc<Vec<String>>,
        variables: Arc<HashMap<String, String>>,
        limits: Limits,
    ) -> Self {
        let wasi = WasiCtx::builder().inherit_stdout().inherit_stderr().build();
        Self {
            wasi,
            http: WasiHttpCtx::new(),
            hooks: DenyOutbound,
            table: ResourceTable::new(),
            kv: KeyValueState::new(stores, allowed_stores),
            variables: VariablesState::new(variables).with_component_id(component_id),
            tool_link: ToolLinkState::default(),
            limiter: MemoryLimiter::new(limits.memory_bytes),
        }
    }
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// The linker for HTTP components: everything Spin offers that Lathe's components use.
pub fn http_linker(engine: &Engine) -> anyhow::Result<Linker<RequestState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    lathe_factor_key_value::add_to_linker(&mut linker, |s: &mut RequestState| &mut s.kv)?;
    lathe_factor_variables::add_to_linker(&mut linker, |s: &mut RequestState| &mut s.variables)?;
    Ok(linker)
}

/// The linker for gateways whose tool is linked at the instance level: [`http_linker`] plus
/// `lathe:tool/tool` and `lathe:tool/stream-tool` forwarding to the request's tool instance.
pub fn linked_http_linker(base: &Linker<RequestState>) -> anyhow::Result<Linker<RequestState>> {
    let mut linker = base.clone();
    lathe_factor_tool_link::add_to_linker(&mut linker, |s: &mut RequestState| &mut s.tool_link)?;
    Ok(linker)
}

/// The linker for dependencies (tools): WASI only. Spin wraps a dependency in its deny-all
/// adapter unless `dependencies_inherit_configuration` says otherwise, so a tool never
/// reaches the key-value store, variables or the network; here those imports do not exist.
pub fn dependency_linker(engine: &Engine) -> anyhow::Result<Linker<RequestState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    Ok(linker)
}

/// Resolves a component's variables against the application's, as Spin does (names
/// checked, templates expanded).
pub fn component_variables(
    component_id: &str,
    templates: &HashMap<String, String>,
    app: &HashMap<String, String>,
) -> anyhow::Result<HashMap<String, String>> {
    lathe_factor_variables::resolve_component_variables(component_id, templates, app)
}

/// The data directory layout.
pub struct DataDir {
    /// Root.
    pub root: PathBuf,
    /// Compiled-component cache, if not under the root.
    pub cache: Option<PathBuf>,
}

impl DataDir {
    /// The SQLite file behind the key-value stores.
    pub fn kv_path(&self) -> PathBuf {
        self.root.join("key-value.db")
    }

    /// Compiled component cache.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache
            .clone()
            .unwrap_or_else(|| self.root.join("compiled"))
    }
}
