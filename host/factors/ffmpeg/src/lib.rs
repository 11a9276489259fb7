//! Host imports for native tools: `lathe:tool/ffmpeg` and `lathe:tool/progress`.
//!
//! Native tools choose ffmpeg arguments; this factor runs the real `ffmpeg`/`ffprobe`
//! binaries in a fresh scratch directory (removed on every path) with a cleared
//! environment, no stdin, its own process group and a time limit. It confines them to that
//! directory ([`confine`]), turns ffmpeg's `-progress` output into job progress (through
//! `lathe-child-process`, which runs every child process of the host's factors) and refuses
//! media over the server's limits when a tool probes ([`runtime_config::MediaLimits`]).
//!
//! This crate also owns the bindings of the whole `native-tool` world (the `tool` export
//! the worker calls); the world's `lathe:tool/image-codecs` import is
//! `lathe-factor-image-codecs`' own.
//!
//! - `lib.rs`: the bindings and the per-call state;
//! - `host.rs`: the ffmpeg and progress imports;
//! - `confine.rs`: what arguments and inputs may say;
//! - `runtime_config.rs`: the limits, read from the app's variables.

pub mod confine;
mod host;
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
        // One set of host-side Rust types for `lathe:tool/types`, shared with the tool linker;
        // the image-codecs import is implemented (and its types generated) by its own factor.
        with: {
            "lathe:tool/types": lathe_factor_tool_link::bindings::lathe::tool::types,
            "lathe:tool/image-codecs": lathe_factor_image_codecs::bindings::lathe::tool::image_codecs,
        },
    });
}

use bindings::lathe::tool::{ffmpeg, progress, types};

pub use lathe_child_process::CancelCheck;

/// Receives progress reports of the running job.
pub type ProgressSink = Box<dyn FnMut(u8, &str) + Send>;

/// Per-call state of the ffmpeg and progress imports.
pub struct FfmpegState {
    ffmpeg: PathBuf,
    ffprobe: PathBuf,
    timeout: Duration,
    progress: ProgressSink,
    canceled: CancelCheck,
    limits: MediaLimits,
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
    progress::add_to_linker::<T, D>(linker, get)?;
    Ok(())
}
