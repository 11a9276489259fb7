//! Host imports for native tools: `lathe:tool/ffmpeg`, `lathe:tool/image-codecs` and
//! `lathe:tool/progress`.
//!
//! Native tools choose ffmpeg arguments; this factor runs the real `ffmpeg`/`ffprobe`
//! binaries in a fresh scratch directory (removed on every path) with a cleared
//! environment, no stdin, its own process group and a time limit. It confines them to that
//! directory ([`confine`]), turns ffmpeg's `-progress` output into job progress
//! ([`process`]) and refuses media over the server's limits when a tool probes
//! ([`runtime_config::MediaLimits`]).
//!
//! - `lib.rs`: the bindings and the per-call state;
//! - `host.rs`: the ffmpeg and progress imports;
//! - `image_codecs.rs`: HEIC/HEIF/AVIF and WebP (libheif's and libwebp's command-line
//!   tools, run the same way);
//! - `confine.rs`: what arguments and inputs may say;
//! - `process.rs`: running one process (timeout, cancel, progress);
//! - `runtime_config.rs`: the limits, read from the app's variables.

pub mod confine;
mod host;
pub mod image_codecs;
pub mod process;
pub mod runtime_config;

use std::path::PathBuf;
use std::time::Duration;

pub use runtime_config::MediaLimits;

/// Generated bindings for the `native-tool` world: the tool export plus these imports.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../../../wit",
        world: "native-tool",
        imports: { default: trappable },
        // One set of host-side Rust types for `lathe:tool/types`, shared with the tool linker.
        with: { "lathe:tool/types": lathe_factor_tool_link::bindings::lathe::tool::types },
    });
}

use bindings::lathe::tool::{ffmpeg, image_codecs as codecs_import, progress, types};

/// Receives progress reports of the running job.
pub type ProgressSink = Box<dyn FnMut(u8, &str) + Send>;

/// Says whether the running job was canceled; a running ffmpeg or ffprobe is then killed.
pub type CancelCheck = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;

/// Per-call state of the ffmpeg, image-codecs and progress imports.
pub struct FfmpegState {
    ffmpeg: PathBuf,
    ffprobe: PathBuf,
    timeout: Duration,
    progress: ProgressSink,
    canceled: CancelCheck,
    limits: MediaLimits,
    /// Folder of `heif-info`, `heif-convert`, `heif-enc` and `cwebp`; empty: found on `PATH`.
    codec_bin_dir: PathBuf,
}

impl FfmpegState {
    /// State that runs the given binaries with `timeout` per invocation, killing them as
    /// soon as `canceled` says so.
    pub fn new(
        ffmpeg: PathBuf,
        ffprobe: PathBuf,
        timeout: Duration,
        progress: ProgressSink,
        canceled: CancelCheck,
    ) -> Self {
        Self {
            ffmpeg,
            ffprobe,
            timeout,
            progress,
            canceled,
            limits: MediaLimits::default(),
            codec_bin_dir: PathBuf::new(),
        }
    }

    /// The same state with these media limits (default: [`MediaLimits::default`]).
    pub fn with_limits(mut self, limits: MediaLimits) -> Self {
        self.limits = limits;
        self
    }
}

/// Adds the ffmpeg, progress and types imports to a linker.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut FfmpegState,
) -> wasmtime::Result<()> {
    type D = wasmtime::component::HasSelf<FfmpegState>;
    types::add_to_linker::<T, D>(linker, get)?;
    ffmpeg::add_to_linker::<T, D>(linker, get)?;
    codecs_import::add_to_linker::<T, D>(linker, get)?;
    progress::add_to_linker::<T, D>(linker, get)?;
    Ok(())
}
