//! The `lathe:tool/image-codecs` host import for native tools: HEIC, HEIF and AVIF through
//! libheif's command-line tools, and multi-threaded WebP through libwebp's `cwebp`.
//!
//! Each call runs Debian's `heif-info`, `heif-convert`, `heif-enc` or `cwebp` in a scratch
//! directory removed on every path, confined like ffmpeg (`lathe-child-process`: cleared
//! environment, no stdin, own process group, the job's time limit and cancellation).
//!
//! - `lib.rs`: the bindings, the per-call state and the linker hook;
//! - `host.rs`: the import itself (decode-heif, encode).

mod host;

use std::path::PathBuf;
use std::time::Duration;

pub use lathe_child_process::CancelCheck;

/// Generated bindings of the `lathe:tool/image-codecs` interface (host side).
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../../../wit",
        inline: "
            package lathe:image-codecs-host;
            world image-codecs-host {
                import lathe:tool/image-codecs@0.2.0;
            }
        ",
        imports: { default: trappable },
        // One set of host-side Rust types for `lathe:tool/types`, shared with the tool linker.
        with: { "lathe:tool/types": lathe_factor_tool_link::bindings::lathe::tool::types },
    });
}

/// Per-call state of the image-codecs import.
pub struct ImageCodecsState {
    /// Folder of `heif-info`, `heif-convert`, `heif-enc` and `cwebp`; empty: found on `PATH`.
    bin_dir: PathBuf,
    timeout: Duration,
    canceled: CancelCheck,
}

impl ImageCodecsState {
    /// State that runs the codec tools found on `PATH` with `timeout` per run, killing them
    /// as soon as `canceled` says so.
    pub fn new(timeout: Duration, canceled: CancelCheck) -> Self {
        Self {
            bin_dir: PathBuf::new(),
            timeout,
            canceled,
        }
    }
}

/// Adds the image-codecs import to a linker (the `types` it uses come with the tool
/// linker or the ffmpeg factor).
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut ImageCodecsState,
) -> wasmtime::Result<()> {
    type D = wasmtime::component::HasSelf<ImageCodecsState>;
    bindings::lathe::tool::image_codecs::add_to_linker::<T, D>(linker, get)
}
