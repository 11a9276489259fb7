//! The native worker: runs tools that need host capabilities (ffmpeg) outside any Spin
//! component, reached through the job store.
//!
//! A native tool's Spin route is served by the `native-gateway` component, which stores the
//! inputs and a `queue/<jobId>` marker in the key-value store and waits for `result/<jobId>`.
//! This worker polls the queue, runs the tool with its host imports under the same memory
//! and time limits as HTTP components, and writes outputs and the result record. Under Spin
//! deployments the same worker runs as its own process against the shared (Redis) store.
//! The layout of these keys is documented in docs/architecture.md.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use lathe_factor_ffmpeg::bindings::lathe::tool::types::{InputFile, ToolError, ToolInfo, ToolKind};
use lathe_factor_ffmpeg::bindings::NativeTool;
use lathe_factor_ffmpeg::FfmpegState;
use lathe_factor_key_value::Backend;
use serde_json::{json, Value};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::runtime::{Limits, MemoryLimiter, EPOCH_TICK};

/// Size of one stored chunk of a file (the router uses the same).
const CHUNK: usize = 1 << 20;

/// Store data of a native tool instance.
pub struct WorkerState {
    wasi: WasiCtx,
    table: ResourceTable,
    ffmpeg: FfmpegState,
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
    component: Component,
}

/// The worker: native tools and where to find jobs.
pub struct Worker {
    engine: Engine,
    linker: Linker<WorkerState>,
    tools: Vec<LoadedTool>,
    kv: Arc<dyn Backend>,
    limits: Limits,
}

/// Writes a tool's catalog entry (`catalog/<section>/<id>`) from its own description and
/// returns the key `<section>/<id>`. An unchanged entry is not written again.
pub fn write_catalog_entry(kv: &dyn Backend, info: &ToolInfo) -> anyhow::Result<String> {
    let key = format!("{}/{}", info.section, info.id);
    let schema: Value = serde_json::from_str(&info.settings_schema).unwrap_or(json!({}));
    let entry = json!({
        "id": info.id, "section": info.section, "name": info.name,
        "description": info.description, "settingsSchema": schema,
        "kind": match info.kind { ToolKind::Pure => "pure", ToolKind::Native => "native" },
        "minInputs": info.min_inputs, "maxInputs": info.max_inputs, "accepts": info.accepts,
        "operations": info.operations,
    })
    .to_string();
    let store_key = format!("catalog/{key}");
    if kv.get(&store_key)?.as_deref() != Some(entry.as_bytes()) {
        kv.set(&store_key, entry.as_bytes())?;
    }
    Ok(key)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Worker {
    /// Loads the native tools and registers each in the catalog.
    pub fn new(
        engine: &Engine,
        kv: Arc<dyn Backend>,
        tool_files: &[PathBuf],
        limits: Limits,
        cache_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        lathe_factor_ffmpeg::add_to_linker(&mut linker, |s: &mut WorkerState| &mut s.ffmpeg)?;
        let mut worker = Self {
            engine: engine.clone(),
            linker,
            tools: Vec::new(),
            kv,
            limits,
        };
        for file in tool_files {
            let (key, component) = worker.load_and_register(file, cache_dir)?;
            worker.tools.push(LoadedTool { key, component });
        }
        Ok(worker)
    }

    /// Registers pure tools in the catalog from their own description. Their gateways also
    /// register on their first request (which is what happens under Spin); doing it here
    /// means the host need not run every composed component at start.
    pub fn register_pure_tools(
        &self,
        tool_files: &[PathBuf],
        cache_dir: &std::path::Path,
    ) -> anyhow::Result<()> {
        for file in tool_files {
            self.load_and_register(file, cache_dir)?;
        }
        Ok(())
    }

    /// Compiles a tool component, asks it to describe itself and writes its catalog entry.
    fn load_and_register(
        &self,
        file: &std::path::Path,
        cache_dir: &std::path::Path,
    ) -> anyhow::Result<(String, Component)> {
        let component = crate::runtime::load_file(&self.engine, file, cache_dir)?;
        let (mut store, tool) = self.instantiate(&component, Box::new(|_, _| {}))?;
        let info = tool.lathe_tool_tool().call_describe(&mut store)?;
        let key = write_catalog_entry(self.kv.as_ref(), &info)?;
        Ok((key, component))
    }

    fn instantiate(
        &self,
        component: &Component,
        progress: lathe_factor_ffmpeg::ProgressSink,
    ) -> anyhow::Result<(Store<WorkerState>, NativeTool)> {
        let state = WorkerState {
            wasi: WasiCtx::builder().inherit_stderr().build(),
            table: ResourceTable::new(),
            ffmpeg: FfmpegState::new(
                "ffmpeg".into(),
                "ffprobe".into(),
                self.limits.timeout,
                progress,
            ),
            limiter: MemoryLimiter::new(self.limits.memory_bytes),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        let ticks = (self.limits.timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let tool = NativeTool::instantiate(&mut store, component, &self.linker)?;
        Ok((store, tool))
    }

    /// Starts `threads` worker threads polling the queue.
    pub fn spawn(self, threads: usize) {
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
                                500,
                                "INTERNAL",
                                "The worker could not process this job",
                            );
                        }
                        claimed.lock().unwrap().remove(&job_id);
                    }
                    None => std::thread::sleep(Duration::from_millis(25)),
                }
            });
        }
    }

    fn next_job(&self, claimed: &Mutex<std::collections::HashSet<String>>) -> Option<String> {
        let keys = self.kv.keys_with_prefix("queue/").ok()?;
        let mut claimed = claimed.lock().unwrap();
        for key in keys {
            let id = key.trim_start_matches("queue/").to_string();
            if claimed.insert(id.clone()) {
                // Removing the marker claims the job for this process.
                self.kv.delete(&key).ok();
                return Some(id);
            }
        }
        None
    }

    fn read_file(&self, job_id: &str, slot: &str, file: &Value) -> anyhow::Result<Vec<u8>> {
        let chunks = file["chunks"].as_u64().unwrap_or(0);
        let mut data = Vec::with_capacity(file["size"].as_u64().unwrap_or(0) as usize);
        for i in 0..chunks {
            let chunk = self
                .kv
                .get(&format!("blob/{job_id}/{slot}/{i}"))?
                .context("missing chunk")?;
            data.extend_from_slice(&chunk);
        }
        Ok(data)
    }

    fn write_progress(
        kv: &Arc<dyn Backend>,
        job_id: &str,
        percent: u8,
        message: &str,
        status: &str,
    ) {
        let value = json!({"progress": percent, "status": status, "message": message});
        kv.set(&format!("progress/{job_id}"), value.to_string().as_bytes())
            .ok();
    }

    fn write_failure(&self, job_id: &str, status: u16, code: &str, message: &str) {
        let result = json!({
            "status": "failed", "completedAt": now_ms(),
            "error": {"status": status, "code": code, "message": message},
        });
        self.kv
            .set(&format!("result/{job_id}"), result.to_string().as_bytes())
            .ok();
        Self::write_progress(&self.kv, job_id, 100, message, "failed");
    }

    fn process(&self, job_id: &str) -> anyhow::Result<()> {
        let job: Value = serde_json::from_slice(
            &self
                .kv
                .get(&format!("job/{job_id}"))?
                .context("job record missing")?,
        )?;
        let tool_key = job["tool"].as_str().unwrap_or_default();
        let Some(tool) = self.tools.iter().find(|t| t.key == tool_key) else {
            self.write_failure(
                job_id,
                404,
                "NOT_FOUND",
                "This tool is not available on this worker",
            );
            return Ok(());
        };
        let mut inputs = Vec::new();
        for (i, file) in job["inputs"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            inputs.push(InputFile {
                name: file["name"].as_str().unwrap_or("input").to_string(),
                media_type: file["mediaType"]
                    .as_str()
                    .unwrap_or("application/octet-stream")
                    .to_string(),
                data: self.read_file(job_id, &format!("in/{i}"), file)?,
            });
        }
        let settings = job["settings"].as_str().unwrap_or("{}").to_string();
        Self::write_progress(&self.kv, job_id, 0, "Processing", "processing");
        let kv = self.kv.clone();
        let progress_id = job_id.to_string();
        let sink = Box::new(move |pct: u8, msg: &str| {
            Self::write_progress(&kv, &progress_id, pct, msg, "processing")
        });
        let (mut store, instance) = self.instantiate(&tool.component, sink)?;
        let outcome = instance
            .lathe_tool_tool()
            .call_run(&mut store, &inputs, &settings);
        drop(inputs);
        let output = match outcome {
            Ok(Ok(output)) => output,
            Ok(Err(error)) => {
                let (status, code, message) = match error {
                    ToolError::InvalidSettings(m) => (400, "INVALID_SETTINGS", m),
                    ToolError::UnsupportedInput(m) => (400, "UNSUPPORTED_INPUT", m),
                    ToolError::TooLarge(m) => (413, "TOO_LARGE", m),
                    ToolError::Failed(m) => (422, "PROCESSING_FAILED", m),
                };
                self.write_failure(job_id, status, code, &message);
                return Ok(());
            }
            Err(trap) => {
                if store.data().limiter.hit {
                    self.write_failure(
                        job_id,
                        413,
                        "TOO_LARGE",
                        "Processing this input needs more memory than the limit allows",
                    );
                } else if trap.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt)
                {
                    let msg = format!(
                        "Processing took longer than the {} s limit and was stopped",
                        self.limits.timeout.as_secs()
                    );
                    self.write_failure(job_id, 422, "TIMEOUT", &msg);
                } else {
                    eprintln!("lathe-worker: {tool_key} trapped: {trap:#}");
                    self.write_failure(
                        job_id,
                        422,
                        "PROCESSING_FAILED",
                        "The tool failed on this input",
                    );
                }
                return Ok(());
            }
        };
        let mut files = Vec::new();
        let mut processed = 0u64;
        for file in &output.files {
            let chunks = file.data.chunks(CHUNK).count();
            for (i, chunk) in file.data.chunks(CHUNK).enumerate() {
                self.kv
                    .set(&format!("blob/{job_id}/out/{}/{i}", file.name), chunk)?;
            }
            processed += file.data.len() as u64;
            files.push(json!({"name": file.name, "mediaType": file.media_type, "size": file.data.len(), "chunks": chunks}));
        }
        let extra: Value = if output.extra.is_empty() {
            json!({})
        } else {
            serde_json::from_str(&output.extra).unwrap_or(json!({}))
        };
        let result = json!({
            "status": "completed", "completedAt": now_ms(), "files": files,
            "processedSize": processed, "extra": extra,
        });
        self.kv
            .set(&format!("result/{job_id}"), result.to_string().as_bytes())?;
        Self::write_progress(&self.kv, job_id, 100, "Done", "completed");
        Ok(())
    }
}
