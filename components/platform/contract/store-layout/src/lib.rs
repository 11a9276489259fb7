//! The format of Lathe's key-value store, written once.
//!
//! The router components (Spin, `wasm32-wasip2`) and the host's native worker (native) read
//! and write the same store. This crate is the one place that says what is in it:
//!
//! * [`keys`]: every key and key prefix;
//! * [`records`]: every JSON record (job, file reference, result, progress, catalog entry);
//! * [`view`]: the public JSON of a job, as the API and webhook payloads show it;
//! * [`webhook`]: webhook records, delivery markers, the payload and the target-URL rules;
//! * [`CHUNK_SIZE`]: how files are cut into values;
//! * [`error`]: the error kinds a tool call can end in, with their HTTP status, code and
//!   message, used by the gateways, the SDKs and the host (traps included).
//!
//! It depends on serde (and percent-encoding for download URLs) only, so it builds for both
//! targets and carries no runtime.

pub mod error;
pub mod keys;
pub mod records;
mod time;
pub mod view;
pub mod webhook;

pub use time::{civil_from_days, days_from_civil, iso8601, parse_iso8601, uuid_v4};

pub use error::{ErrorKind, Failure};
pub use records::{
    decode, encode, BatchEntry, CatalogEntry, FileRef, Job, JobResult, LibraryFile, PipelineStep,
    Progress, ProgressStatus, ResultStatus, ToolKind, WorkerBeat,
};

/// Size of one stored chunk of a file: a file of `n` bytes is `ceil(n / CHUNK_SIZE)` values
/// under its blob prefix ([`keys::chunk`]), so no value is huge (Redis and Fermyon Cloud cap
/// value sizes) and a file can be streamed piece by piece.
pub const CHUNK_SIZE: usize = 1 << 20;

/// How many chunks a file of `size` bytes takes.
pub fn chunk_count(size: u64) -> u32 {
    size.div_ceil(CHUNK_SIZE as u64) as u32
}
