//! The worker: runs every queued job outside any Spin component, reached through the job
//! store. That is each native tool's job (tools that need host capabilities such as
//! ffmpeg), and any pure tool's job that was queued rather than run in its gateway: an
//! `?async=true` call, one file of a batch, a retry.
//!
//! A gateway stores the inputs and a queue marker in the key-value store. This worker polls
//! the queue, runs the tool with its host imports under the same memory and time limits as
//! HTTP components, and writes outputs and the result record, unless the job was canceled
//! (`cancel/<id>`): then a running ffmpeg is killed, a running wasm call is interrupted at
//! its next once-a-second check, and nothing is written. When the last file of a batch
//! ends, the worker packs the batch's ZIP (`crate::batch_zip`). Under Spin
//! deployments the same worker runs as its own process against the shared (Redis) store.
//! Every key and record is `lathe_store_layout`'s, the same types the router reads.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use lathe_factor_ffmpeg::bindings::lathe::tool::types::{
    InputFile, OutputFile, ToolError, ToolInfo, ToolKind,
};
use lathe_factor_ffmpeg::{CancelCheck, FfmpegState, MediaLimits};
use lathe_factor_image_codecs::ImageCodecsState;
use lathe_factor_key_value::Backend;
use lathe_store_layout::{
    decode, encode, keys, CatalogEntry, ErrorKind, Failure, FileRef, Job, JobResult, LibraryFile,
    PipelineStep, Progress, ProgressStatus, CHUNK_SIZE,
};
use serde_json::Value;
use wasmtime::component::{Component, Linker, ResourceTable};

use lathe_factor_ffmpeg::bindings::NativeToolPre;
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::runtime::{Limits, MemoryLimiter, EPOCH_TICK};

/// Store data of a native tool instance.
pub struct WorkerState {
    wasi: WasiCtx,
    table: ResourceTable,
    ffmpeg: FfmpegState,
    codecs: ImageCodecsState,
    limiter: MemoryLimiter,
}

impl WasiView for WorkerState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

struct LoadedTool {
    key: String,
    pre: NativeToolPre<WorkerState>,
}

/// A composed (pure) tool's file and, once it ran a job, its compiled component.
type PureTool = (PathBuf, OnceLock<NativeToolPre<WorkerState>>);

/// The worker: native tools and where to find jobs.
pub struct Worker {
    engine: Engine,
    linker: Linker<WorkerState>,
    tools: Vec<LoadedTool>,
    pure_tools: HashMap<String, PureTool>,
    kv: Arc<dyn Backend>,
    limits: Limits,
    /// The runtime the store's async backend runs on; worker threads block on it.
    runtime: tokio::runtime::Handle,
    cache_dir: PathBuf,
    media: MediaLimits,
}

/// The catalog entry of a tool's own description.
pub fn catalog_entry(info: &ToolInfo) -> CatalogEntry {
    CatalogEntry {
        id: info.id.clone(),
        section: info.section.clone(),
        name: info.name.clone(),
        description: info.description.clone(),
        settings_schema: CatalogEntry::parse_schema(&info.settings_schema),
        kind: match info.kind {
            ToolKind::Pure => lathe_store_layout::ToolKind::Pure,
            ToolKind::Native => lathe_store_layout::ToolKind::Native,
        },
        min_inputs: info.min_inputs,
        max_inputs: info.max_inputs,
        accepts: info.accepts.clone(),
        operations: info.operations.clone(),
        produces: Some(info.produces.clone()),
        produces_setting: info.produces_setting.clone(),
    }
}

/// Writes a tool's catalog entry from its own description and returns the tool's key
/// `<section>/<id>`. An unchanged entry is not written again.
pub async fn write_catalog_entry(kv: &dyn Backend, info: &ToolInfo) -> anyhow::Result<String> {
    let entry = catalog_entry(info);
    let bytes = encode(&entry);
    let store_key = entry.store_key();
    if kv.get(&store_key).await?.as_deref() != Some(bytes.as_slice()) {
        kv.set(&store_key, &bytes).await?;
    }
    Ok(entry.tool_key())
}

/// The failure a tool reported.
fn tool_failure(error: ToolError) -> Failure {
    let (kind, detail) = match error {
        ToolError::InvalidSettings(m) => (ErrorKind::InvalidSettings, m),
        ToolError::UnsupportedInput(m) => (ErrorKind::UnsupportedInput, m),
        ToolError::TooLarge(m) => (ErrorKind::TooLarge, m),
        ToolError::Failed(m) => (ErrorKind::ProcessingFailed, m),
    };
    Failure::tool(kind, &detail)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// How often a running wasm call checks whether its job was canceled (in epoch ticks).
const CANCEL_CHECK_TICKS: u64 = (1000 / EPOCH_TICK.as_millis()) as u64;

impl Worker {
    /// Loads the native tools and registers each in the catalog. `pure_tools` (`<section>/<id>`
    /// and `.wasm` file) are the composed tools, which the worker runs when one of their jobs
    /// is queued (an async call, a batch file, a retry); each is compiled on its first job.
    pub async fn new(
        engine: &Engine,
        kv: Arc<dyn Backend>,
        tool_files: &[PathBuf],
        pure_tools: Vec<(String, PathBuf)>,
        limits: Limits,
        cache_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        lathe_factor_ffmpeg::add_to_linker(&mut linker, |s: &mut WorkerState| &mut s.ffmpeg)?;
        lathe_factor_image_codecs::add_to_linker(&mut linker, |s: &mut WorkerState| &mut s.codecs)?;
        let mut worker = Self {
            engine: engine.clone(),
            linker,
            tools: Vec::new(),
            pure_tools: pure_tools
                .into_iter()
                .map(|(key, path)| (key, (path, OnceLock::new())))
                .collect(),
            kv,
            limits,
            runtime: tokio::runtime::Handle::current(),
            cache_dir: cache_dir.to_path_buf(),
            media: MediaLimits::default(),
        };
        for file in tool_files {
            let (key, pre) = worker.load_and_register(file, cache_dir).await?;
            worker.tools.push(LoadedTool { key, pre });
        }
        Ok(worker)
    }

    /// The same worker with these media limits for native tools (default:
    /// [`MediaLimits::default`]).
    pub fn with_media_limits(mut self, media: MediaLimits) -> Self {
        self.media = media;
        self
    }

    /// Registers pure tools in the catalog from their own description. Their gateways also
    /// register on their first request (which is what happens under Spin); doing it here
    /// means the host need not run every composed component at start.
    pub async fn register_pure_tools(
        &self,
        tool_files: &[PathBuf],
        cache_dir: &std::path::Path,
    ) -> anyhow::Result<()> {
        for file in tool_files {
            self.load_and_register(file, cache_dir).await?;
        }
        Ok(())
    }

    /// Compiles a tool component, asks it to describe itself and writes its catalog entry.
    async fn load_and_register(
        &self,
        file: &std::path::Path,
        cache_dir: &std::path::Path,
    ) -> anyhow::Result<(String, NativeToolPre<WorkerState>)> {
        let component = crate::runtime::load_file(&self.engine, file, cache_dir)?;
        let pre = self.pre_of(&component)?;
        let info = {
            let never: CancelCheck = Arc::new(|| false);
            let (mut store, tool) = self.instantiate(&pre, Box::new(|_, _| {}), never)?;
            tool.lathe_tool_tool().call_describe(&mut store)?
        };
        let key = write_catalog_entry(self.kv.as_ref(), &info).await?;
        Ok((key, pre))
    }

    /// The component that runs jobs of tool `key`, if this worker has it.
    fn component_for(&self, key: &str) -> anyhow::Result<Option<NativeToolPre<WorkerState>>> {
        if let Some(tool) = self.tools.iter().find(|t| t.key == key) {
            return Ok(Some(tool.pre.clone()));
        }
        let Some((path, cell)) = self.pure_tools.get(key) else {
            return Ok(None);
        };
        if let Some(c) = cell.get() {
            return Ok(Some(c.clone()));
        }
        let component = crate::runtime::load_file(&self.engine, path, &self.cache_dir)?;
        let pre = self.pre_of(&component)?;
        Ok(Some(cell.get_or_init(|| pre).clone()))
    }

    /// Links a tool component once (imports type-checked here, not per job).
    fn pre_of(&self, component: &Component) -> anyhow::Result<NativeToolPre<WorkerState>> {
        Ok(NativeToolPre::new(self.linker.instantiate_pre(component)?)?)
    }

    fn instantiate(
        &self,
        pre: &NativeToolPre<WorkerState>,
        progress: lathe_factor_ffmpeg::ProgressSink,
        canceled: CancelCheck,
    ) -> anyhow::Result<(
        Store<WorkerState>,
        lathe_factor_ffmpeg::bindings::NativeTool,
    )> {
        let state = WorkerState {
            wasi: WasiCtx::builder().inherit_stderr().build(),
            table: ResourceTable::new(),
            ffmpeg: FfmpegState::new(
                "ffmpeg".into(),
                "ffprobe".into(),
                self.limits.timeout,
                progress,
                canceled.clone(),
            )
            .with_limits(self.media),
            codecs: ImageCodecsState::new(self.limits.timeout, canceled.clone()),
            limiter: MemoryLimiter::new(self.limits.memory_bytes),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        // Every second of running wasm: stop at the time limit, or when the job is canceled.
        let started = Instant::now();
        let timeout = self.limits.timeout;
        store.set_epoch_deadline(CANCEL_CHECK_TICKS);
        store.epoch_deadline_callback(move |_| {
            if started.elapsed() >= timeout {
                return Err(wasmtime::Trap::Interrupt.into());
            }
            if canceled() {
                return Err(wasmtime::Error::msg("the job was canceled"));
            }
            Ok(UpdateDeadline::Continue(CANCEL_CHECK_TICKS))
        });
        let tool = pre.instantiate(&mut store)?;
        Ok((store, tool))
    }

    /// Runs a store call from a worker thread (never from a runtime thread).
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Starts `threads` worker threads polling the queue, and the result sweeper when
    /// results expire (`ttl`).
    pub fn spawn(self, threads: usize, ttl: Option<Duration>) {
        let worker = Arc::new(self);
        let claimed = Arc::new(Mutex::new(std::collections::HashSet::<String>::new()));
        for _ in 0..threads.max(1) {
            let worker = worker.clone();
            let claimed = claimed.clone();
            std::thread::spawn(move || loop {
                match worker.next_job(&claimed) {
                    Some(job_id) => {
                        if let Err(e) = worker.process(&job_id) {
                            eprintln!("lathe-worker: job {job_id}: {e:#}");
                            worker.write_failure(
                                &job_id,
                                Failure::internal("The worker could not process this job"),
                            );
                        }
                        claimed.lock().unwrap().remove(&job_id);
                    }
                    None => std::thread::sleep(Duration::from_millis(25)),
                }
            });
        }
        if let Some(ttl) = ttl {
            let worker = worker.clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(crate::sweeper::interval(ttl));
                if let Err(e) = crate::sweeper::sweep(worker.kv.as_ref(), &worker.runtime, ttl) {
                    eprintln!("lathe-worker: result sweep: {e:#}");
                }
            });
        }
    }

    fn next_job(&self, claimed: &Mutex<std::collections::HashSet<String>>) -> Option<String> {
        // List under the lock: a list taken before it could still hold the marker of a job
        // another thread claimed, ran and released meanwhile, and that job would run twice.
        let mut claimed = claimed.lock().unwrap();
        let markers = self
            .block_on(self.kv.keys_with_prefix(keys::QUEUE_PREFIX))
            .ok()?;
        for marker in markers {
            let Some(id) = keys::queued_job_id(&marker) else {
                continue;
            };
            if claimed.insert(id.to_string()) {
                // Removing the marker claims the job for this process.
                self.block_on(self.kv.delete(&marker)).ok();
                return Some(id.to_string());
            }
        }
        None
    }

    fn read_input(&self, job_id: &str, index: usize, file: &FileRef) -> anyhow::Result<Vec<u8>> {
        let prefix = keys::input(job_id, index);
        let mut data = Vec::with_capacity(file.size as usize);
        for i in 0..file.chunks {
            let chunk = self
                .block_on(self.kv.get(&keys::chunk(&prefix, i)))?
                .context("missing chunk")?;
            data.extend_from_slice(&chunk);
        }
        Ok(data)
    }

    fn write_progress(
        kv: &Arc<dyn Backend>,
        runtime: &tokio::runtime::Handle,
        job_id: &str,
        progress: Progress,
    ) {
        runtime
            .block_on(kv.set(&keys::progress(job_id), &encode(&progress)))
            .ok();
    }

    fn is_canceled(&self, job_id: &str) -> bool {
        self.block_on(self.kv.exists(&keys::cancel(job_id)))
            .unwrap_or(false)
    }

    /// Writes a job's outcome and final progress, unless the job was canceled meanwhile
    /// (its outcome is then already `canceled`), then queues the webhook deliveries of a
    /// top-level job; a batch file's outcome may finish its batch.
    fn conclude(&self, job: &Job, result: JobResult, started_at: Option<u64>) {
        let job_id = job.id.as_str();
        if self.is_canceled(job_id) {
            return;
        }
        let (status, message) = match &result.error {
            Some(e) => (ProgressStatus::Failed, e.message.clone()),
            None => (ProgressStatus::Completed, "Done".to_string()),
        };
        if self
            .block_on(self.kv.set(&keys::result(job_id), &encode(&result)))
            .is_err()
        {
            return;
        }
        let progress = Progress {
            progress: 100,
            status,
            message,
            started_at,
        };
        Self::write_progress(&self.kv, &self.runtime, job_id, progress);
        crate::webhooks::queue_deliveries(self.kv.as_ref(), &self.runtime, job, &result);
        if let Some(parent) = &job.parent {
            if let Err(e) =
                crate::batch_zip::finish_if_done(self.kv.as_ref(), &self.runtime, parent)
            {
                eprintln!("lathe-worker: batch {parent}: {e:#}");
            }
        }
    }

    /// Fails job `job_id` when processing it broke before it had an outcome.
    fn write_failure(&self, job_id: &str, failure: Failure) {
        let job = self
            .block_on(self.kv.get(&keys::job(job_id)))
            .ok()
            .flatten()
            .and_then(|b| decode::<Job>(&b).ok());
        match job {
            Some(job) => self.conclude(&job, JobResult::failed(failure, now_ms()), None),
            None => {
                let result = JobResult::failed(failure, now_ms());
                self.block_on(self.kv.set(&keys::result(job_id), &encode(&result)))
                    .ok();
            }
        }
    }

    fn process(&self, job_id: &str) -> anyhow::Result<()> {
        let job: Job = decode(
            &self
                .block_on(self.kv.get(&keys::job(job_id)))?
                .context("job record missing")?,
        )?;
        if self.is_canceled(job_id) {
            return Ok(());
        }
        // A tool job is a pipeline of one step.
        let steps: Vec<PipelineStep> = if job.pipeline.is_empty() {
            vec![PipelineStep {
                tool: job.tool.clone(),
                settings: job.settings.clone(),
            }]
        } else {
            job.pipeline.clone()
        };
        let is_pipeline = !job.pipeline.is_empty();
        let mut inputs = Vec::new();
        for (i, file) in job.inputs.iter().enumerate() {
            inputs.push(InputFile {
                name: file.name.clone(),
                media_type: file.media_type.clone(),
                data: self.read_input(job.inputs_job(), i, file)?,
            });
        }
        let started_at = Some(now_ms());
        let total = steps.len();
        let mut output = None;
        for (i, step) in steps.iter().enumerate() {
            let n = i + 1;
            let label = |message: &str| {
                if is_pipeline {
                    format!("Step {n} of {total} ({}): {message}", step.tool)
                } else {
                    message.to_string()
                }
            };
            let fail = |failure: Failure| {
                let failure = if is_pipeline {
                    Failure {
                        kind: failure.kind,
                        message: format!("Step {n} ({}): {}", step.tool, failure.message),
                    }
                } else {
                    failure
                };
                self.conclude(&job, JobResult::failed(failure, now_ms()), started_at);
            };
            let Some(component) = self.component_for(&step.tool)? else {
                fail(Failure::tool_not_found());
                return Ok(());
            };
            if i > 0 {
                if let Some(refusal) = self.refuses(&step.tool, &inputs) {
                    fail(Failure::tool(
                        ErrorKind::UnsupportedInput,
                        &format!("{refusal} (the output of step {i})"),
                    ));
                    return Ok(());
                }
            }
            let base = (i * 100 / total) as u8;
            let start = Progress {
                progress: base,
                status: ProgressStatus::Processing,
                message: label("Processing"),
                started_at,
            };
            Self::write_progress(&self.kv, &self.runtime, job_id, start);
            let (kv, runtime) = (self.kv.clone(), self.runtime.clone());
            let progress_id = job_id.to_string();
            let prefix = if is_pipeline {
                format!("Step {n} of {total} ({}): ", step.tool)
            } else {
                String::new()
            };
            let sink = Box::new(move |pct: u8, msg: &str| {
                let progress = Progress {
                    progress: base + (pct as usize / total) as u8,
                    status: ProgressStatus::Processing,
                    message: format!("{prefix}{msg}"),
                    started_at,
                };
                Self::write_progress(&kv, &runtime, &progress_id, progress)
            });
            let (kv, runtime, cancel_key) =
                (self.kv.clone(), self.runtime.clone(), keys::cancel(job_id));
            let canceled: CancelCheck =
                Arc::new(move || runtime.block_on(kv.exists(&cancel_key)).unwrap_or(false));
            let (mut store, instance) = self.instantiate(&component, sink, canceled)?;
            // A native tool's sub-route (`job.operation`) runs in place of its main run.
            let tool = instance.lathe_tool_tool();
            let outcome = match job.operation.as_deref().filter(|_| !is_pipeline) {
                Some(operation) => {
                    tool.call_run_operation(&mut store, operation, &inputs, &step.settings)
                }
                None => tool.call_run(&mut store, &inputs, &step.settings),
            };
            inputs.clear();
            if self.is_canceled(job_id) {
                // Canceled while running: whatever it made is discarded.
                return Ok(());
            }
            let made = match outcome {
                Ok(Ok(made)) => made,
                Ok(Err(error)) => {
                    fail(tool_failure(error));
                    return Ok(());
                }
                Err(trap) => {
                    let failure = if store.data().limiter.hit {
                        Failure::out_of_memory()
                    } else if trap.downcast_ref::<wasmtime::Trap>()
                        == Some(&wasmtime::Trap::Interrupt)
                    {
                        Failure::timeout(self.limits.timeout.as_secs())
                    } else {
                        eprintln!("lathe-worker: {} trapped: {trap:#}", step.tool);
                        Failure::crashed()
                    };
                    fail(failure);
                    return Ok(());
                }
            };
            if n < total {
                if made.files.len() != 1 {
                    fail(Failure::tool(
                        ErrorKind::ProcessingFailed,
                        &format!(
                            "it made {} files; only the last step may make other than one",
                            made.files.len()
                        ),
                    ));
                    return Ok(());
                }
                let file = made.files.into_iter().next().expect("one file");
                inputs.push(InputFile {
                    name: file.name,
                    media_type: file.media_type,
                    data: file.data,
                });
            } else {
                output = Some(made);
            }
        }
        let mut output = output.context("a pipeline has at least one step")?;
        if output.files.len() > 1 {
            // Several outputs are one ZIP named after the first input, as the gateways
            // answer for tools they run themselves.
            let base = job
                .inputs
                .first()
                .map(|f| f.name.rsplit_once('.').map_or(f.name.as_str(), |(s, _)| s))
                .unwrap_or("result")
                .to_string();
            output.files = vec![zip_outputs(&output.files, &base)?];
        }
        let mut files: Vec<FileRef> = Vec::new();
        for file in &output.files {
            let name = unique_name(&files, &file.name);
            let prefix = keys::output(job_id, &name);
            let mut chunks = 0;
            for (i, chunk) in file.data.chunks(CHUNK_SIZE).enumerate() {
                self.block_on(self.kv.set(&keys::chunk(&prefix, i as u32), chunk))?;
                chunks += 1;
            }
            files.push(FileRef {
                name,
                media_type: file.media_type.clone(),
                size: file.data.len() as u64,
                chunks,
            });
        }
        let mut extra: Value = if output.extra.is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_str(&output.extra).unwrap_or(Value::Object(Default::default()))
        };
        if is_pipeline {
            extra["steps"] = Value::from(total);
        }
        if let (Some(target), Some(first)) = (&job.save_to, output.files.first()) {
            if !self.is_canceled(job_id) {
                let saved = self.save_to_library(job_id, target, first)?;
                extra["savedFile"] = saved.public();
            }
        }
        self.conclude(
            &job,
            JobResult::completed(files, extra, now_ms()),
            started_at,
        );
        Ok(())
    }

    /// Appends `file` to the chain of library file `target` as its next version (a tool
    /// call's `fileId` that the worker ran).
    fn save_to_library(
        &self,
        job_id: &str,
        target: &str,
        file: &lathe_factor_ffmpeg::bindings::lathe::tool::types::OutputFile,
    ) -> anyhow::Result<LibraryFile> {
        let get = |key: String| -> anyhow::Result<Option<LibraryFile>> {
            match self.block_on(self.kv.get(&key))? {
                Some(b) => Ok(Some(decode(&b)?)),
                None => Ok(None),
            }
        };
        let target = get(keys::library_file(target))?.context("the library file is gone")?;
        let latest_id = self
            .block_on(
                self.kv
                    .get(&keys::library_chain(&target.user_id, &target.root_id)),
            )?
            .and_then(|b| String::from_utf8(b).ok());
        let latest = match latest_id {
            Some(id) => get(keys::library_file(&id))?.unwrap_or(target),
            None => target,
        };
        let mut random = [0u8; 16];
        getrandom::getrandom(&mut random).map_err(|e| anyhow::anyhow!("randomness: {e}"))?;
        let id = lathe_store_layout::uuid_v4(random);
        let prefix = keys::library_blob(&id);
        let mut chunks = 0;
        for (i, chunk) in file.data.chunks(CHUNK_SIZE).enumerate() {
            self.block_on(self.kv.set(&keys::chunk(&prefix, i as u32), chunk))?;
            chunks += 1;
        }
        let version = LibraryFile::next_version(
            &latest,
            id,
            sanitize(&file.name),
            file.media_type.clone(),
            file.data.len() as u64,
            chunks,
            Some(job_id.to_string()),
            now_ms(),
        );
        for (key, value) in version.records() {
            self.block_on(self.kv.set(&key, &value))?;
        }
        Ok(version)
    }

    /// Why tool `tool` would refuse `inputs` by its catalog entry's accepted extensions.
    fn refuses(&self, tool: &str, inputs: &[InputFile]) -> Option<String> {
        let (section, id) = tool.split_once('/')?;
        let bytes = self
            .block_on(self.kv.get(&keys::catalog(section, id)))
            .ok()??;
        let entry: CatalogEntry = decode(&bytes).ok()?;
        if entry.accepts.is_empty() {
            return None;
        }
        inputs.iter().find_map(|f| {
            let ext = f
                .name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            (!entry.accepts.contains(&ext)).then(|| {
                format!(
                    "{tool} does not accept .{ext} files (accepted: {})",
                    entry.accepts.join(", ")
                )
            })
        })
    }
}

/// `name`, or `<stem>_<n>.<ext>` when a file of `taken` already has it.
pub fn unique_name(taken: &[FileRef], name: &str) -> String {
    let name = sanitize(name);
    let free = |candidate: &str| !taken.iter().any(|f| f.name == candidate);
    if free(&name) {
        return name;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (name.clone(), String::new()),
    };
    (1..)
        .map(|n| format!("{stem}_{n}{ext}"))
        .find(|c| free(c))
        .expect("some suffix is free")
}

/// A tool's output name as a plain file name (no directories, no leading dots).
fn sanitize(name: &str) -> String {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim_start_matches('.');
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.is_empty() {
        "file".into()
    } else {
        clean
    }
}

/// Packs several outputs into one ZIP `<base>.zip` (names made unique, deflated).
fn zip_outputs(files: &[OutputFile], base: &str) -> anyhow::Result<OutputFile> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut seen = std::collections::HashSet::new();
    for file in files {
        let mut name = file.name.clone();
        let mut n = 1;
        while !seen.insert(name.clone()) {
            n += 1;
            name = format!("{n}-{}", file.name);
        }
        writer.start_file(name, options)?;
        writer.write_all(&file.data)?;
    }
    Ok(OutputFile {
        name: format!("{base}.zip"),
        media_type: "application/zip".into(),
        data: writer.finish()?.into_inner(),
    })
}

#[cfg(test)]
mod tests {

    use super::*;

    /// The worker writes the catalog entry from a description; the router reads it back
    /// as the same typed record, under the key it looks in, with the JSON field names of
    /// the catalog API.
    #[tokio::test]
    async fn catalog_entry_written_by_worker_reads_on_router_side() {
        let kv = lathe_factor_key_value::MemoryBackend::default();
        let info = ToolInfo {
            id: "trim".into(),
            section: "video".into(),
            name: "Trim".into(),
            description: "Cut a clip".into(),
            settings_schema: r#"{"type":"object"}"#.into(),
            kind: ToolKind::Native,
            min_inputs: 1,
            max_inputs: 1,
            accepts: vec!["mp4".into()],
            operations: Vec::new(),
            produces: vec!["mp4".into(), "mov".into()],
            produces_setting: Some("format".into()),
        };
        let key = write_catalog_entry(&kv, &info).await.unwrap();
        assert_eq!(key, "video/trim");
        let bytes = kv
            .get(&keys::catalog("video", "trim"))
            .await
            .unwrap()
            .unwrap();
        let entry: CatalogEntry = decode(&bytes).unwrap();
        assert_eq!(entry.kind, lathe_store_layout::ToolKind::Native);
        assert_eq!(entry.accepts, ["mp4"]);
        assert_eq!(
            entry.produces.as_deref(),
            Some(&["mp4".to_string(), "mov".into()][..])
        );
        assert_eq!(entry.produces_setting.as_deref(), Some("format"));
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(raw["settingsSchema"]["type"], "object");
        assert_eq!(raw["minInputs"], 1);
    }

    /// A native tool's typed error reads on the router's side with the same status, code
    /// and message a pure tool's gets from its gateway.
    #[test]
    fn tool_errors_match_the_gateways() {
        let failure = tool_failure(ToolError::InvalidSettings("start is after end".into()));
        let stored = encode(&JobResult::failed(failure, 1));
        let read: JobResult = decode(&stored).unwrap();
        let error = read.error.unwrap();
        assert_eq!(error.status(), 400);
        assert_eq!(error.kind.code(), "INVALID_SETTINGS");
        assert_eq!(error.message, "Invalid settings: start is after end");
        let raw: Value = serde_json::from_slice(&stored).unwrap();
        assert_eq!(raw["error"]["status"], 400);
        assert_eq!(raw["status"], "failed");
        assert_eq!(
            tool_failure(ToolError::Failed("x".into())).kind,
            ErrorKind::ProcessingFailed
        );
    }
}
