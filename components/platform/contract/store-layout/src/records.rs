//! The JSON records of the store, one type each. Both sides serialise these types, so a
//! record written by the worker is exactly what the router reads (and the other way).

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

use crate::Failure;

/// A record as stored bytes.
pub fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    // Serialising these plain structs to JSON cannot fail (string keys, no custom errors).
    serde_json::to_vec(record).expect("records serialise")
}

/// A record from stored bytes.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// A stored file: its chunks are under a blob prefix ([`crate::keys::input`] or
/// [`crate::keys::output`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRef {
    /// File name (sanitised).
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Number of stored chunks (0 when the bytes were not stored).
    pub chunks: u32,
}

/// A job (`job/<id>`), written once when it is created. `Default` is an empty top-level
/// job: no inputs, no retry, batch, pipeline or library target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Job id (UUID).
    pub id: String,
    /// Owner's user id.
    pub user_id: String,
    /// The tool, `<section>/<toolId>`.
    pub tool: String,
    /// Creation time (ms since the epoch).
    pub created_at: u64,
    /// Inputs (their bytes are stored only when a worker needs them).
    pub inputs: Vec<FileRef>,
    /// Settings JSON text.
    pub settings: String,
    /// Total input size.
    pub original_size: u64,
    /// The job whose stored inputs this one reads (a retry); `None`: its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs_from: Option<String>,
    /// The failed or canceled job this one retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_of: Option<String>,
    /// The batch job this job is one file of (its record is not in the owner's job index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// For a batch job: one entry per uploaded file, in upload order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batch: Vec<BatchEntry>,
    /// For a pipeline job: the tools to run one after another, each on the previous one's
    /// output (`tool` and `settings` of the job itself are then `pipeline` and `{}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pipeline: Vec<PipelineStep>,
    /// The library file (`fileId`) whose chain gets the first output as its next version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_to: Option<String>,
    /// A job the server runs for itself on the owner's behalf (a library thumbnail, an
    /// upload's preview): like a batch file it is in no job list and raises no webhook.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
    /// The tool's sub-route this job runs instead of its main run (one of the catalog
    /// entry's `operations`, e.g. `preview`), for a native tool's operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// A file of the file library (`file/<id>`): one version of a chain. The first version's id
/// is the chain's `root_id`; each new version (an upload, a saved result) links the one
/// before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LibraryFile {
    /// This version's id.
    pub id: String,
    /// Owner's user id.
    pub user_id: String,
    /// File name (sanitised).
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Stored chunks under [`crate::keys::library_blob`].
    pub chunks: u32,
    /// 1 for the first version.
    pub version: u32,
    /// The first version's id (names the chain).
    pub root_id: String,
    /// The version before this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_id: Option<String>,
    /// The job whose output this version is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_job: Option<String>,
    /// Creation time (ms).
    pub created_at: u64,
}

impl LibraryFile {
    /// The version after `latest` (the chain's newest), stored under `id` with `chunks`
    /// chunks: the one rule for growing a chain, used by the router and the worker alike.
    #[allow(clippy::too_many_arguments)]
    pub fn next_version(
        latest: &LibraryFile,
        id: String,
        name: String,
        media_type: String,
        size: u64,
        chunks: u32,
        source_job: Option<String>,
        now_ms: u64,
    ) -> Self {
        Self {
            id,
            user_id: latest.user_id.clone(),
            name,
            media_type,
            size,
            chunks,
            version: latest.version + 1,
            root_id: latest.root_id.clone(),
            previous_id: Some(latest.id.clone()),
            source_job,
            created_at: now_ms,
        }
    }

    /// The public view of this version, as the API answers it.
    pub fn public(&self) -> Value {
        serde_json::json!({
            "id": self.id, "name": self.name, "mediaType": self.media_type, "size": self.size,
            "version": self.version, "rootId": self.root_id, "previousId": self.previous_id,
            "sourceJobId": self.source_job, "createdAt": crate::iso8601(self.created_at),
            "downloadUrl": format!("/api/v1/files/{}/download", self.id),
        })
    }

    /// The keys and values recording this version: its record, its place in the chain, and
    /// the chain's latest-version entry.
    pub fn records(&self) -> [(String, Vec<u8>); 3] {
        [
            (crate::keys::library_file(&self.id), encode(self)),
            (
                crate::keys::library_version(&self.root_id, self.version),
                self.id.clone().into_bytes(),
            ),
            (
                crate::keys::library_chain(&self.user_id, &self.root_id),
                self.id.clone().into_bytes(),
            ),
        ]
    }
}

/// One step of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineStep {
    /// The tool, `<section>/<toolId>`.
    pub tool: String,
    /// Its settings JSON text.
    pub settings: String,
}

/// One file of a batch job: the child job that processes it, or why it was refused before
/// any work started (an empty file, a type the tool does not accept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchEntry {
    /// The uploaded file's name (sanitised).
    pub name: String,
    /// The child job, when the file was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<String>,
    /// Why the file was refused up front.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

impl Job {
    /// The job id under which this job's input files are stored.
    pub fn inputs_job(&self) -> &str {
        self.inputs_from.as_deref().unwrap_or(&self.id)
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultStatus {
    /// Outputs are stored.
    Completed,
    /// See [`JobResult::error`].
    Failed,
    /// Canceled by its owner or an admin before it finished.
    Canceled,
}

/// A job's outcome (`result/<id>`), written once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobResult {
    /// Completed or failed.
    pub status: ResultStatus,
    /// When it ended (ms).
    pub completed_at: u64,
    /// Output files, under [`crate::keys::output`].
    #[serde(default)]
    pub files: Vec<FileRef>,
    /// Total output size.
    #[serde(default)]
    pub processed_size: u64,
    /// Extra response fields from the tool (a JSON object).
    #[serde(default)]
    pub extra: Value,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<Failure>,
    /// Set when the outputs were deleted (by their owner or by the result sweeper).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_deleted_at: Option<u64>,
}

impl JobResult {
    /// A completed job with its stored outputs.
    pub fn completed(files: Vec<FileRef>, extra: Value, now_ms: u64) -> Self {
        Self {
            status: ResultStatus::Completed,
            completed_at: now_ms,
            processed_size: files.iter().map(|f| f.size).sum(),
            files,
            extra,
            error: None,
            files_deleted_at: None,
        }
    }

    /// A failed job.
    pub fn failed(error: Failure, now_ms: u64) -> Self {
        Self {
            status: ResultStatus::Failed,
            completed_at: now_ms,
            files: Vec::new(),
            processed_size: 0,
            extra: Value::Null,
            error: Some(error),
            files_deleted_at: None,
        }
    }

    /// A job canceled before it finished.
    pub fn canceled(now_ms: u64) -> Self {
        Self {
            status: ResultStatus::Canceled,
            completed_at: now_ms,
            files: Vec::new(),
            processed_size: 0,
            extra: Value::Null,
            error: None,
            files_deleted_at: None,
        }
    }

    /// Whether the job ended without outputs and may be run again.
    pub fn retryable(&self) -> bool {
        matches!(self.status, ResultStatus::Failed | ResultStatus::Canceled)
    }
}

/// Where a job is, as its progress record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgressStatus {
    /// Waiting for a worker.
    Queued,
    /// Being worked on.
    Processing,
    /// Done.
    Completed,
    /// Failed.
    Failed,
    /// Canceled.
    Canceled,
}

/// A job's progress (`progress/<id>`), rewritten as work goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Percent done, 0-100.
    pub progress: u8,
    /// Where the job is.
    pub status: ProgressStatus,
    /// What is happening now.
    pub message: String,
    /// When work on the job started (ms since the epoch).
    #[serde(default, rename = "startedAt", skip_serializing_if = "Option::is_none")]
    pub started_at: Option<u64>,
}

/// Whether a tool runs in its gateway or in the native worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolKind {
    /// Sandboxed, composed into a gateway.
    Pure,
    /// Needs host imports; run by the native worker.
    Native,
}

/// A tool's catalog entry (`catalog/<section>/<id>`), written from the tool's own
/// description (its `describe` export) by its gateway or by the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogEntry {
    /// Tool id (`resize`).
    pub id: String,
    /// Section (`image`).
    pub section: String,
    /// Display name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// JSON Schema of the settings.
    pub settings_schema: Value,
    /// Pure or native.
    pub kind: ToolKind,
    /// Fewest input files.
    pub min_inputs: u32,
    /// Most input files.
    pub max_inputs: u32,
    /// Accepted extensions (lower case, no dot); empty means any.
    pub accepts: Vec<String>,
    /// Names of its sub-routes.
    #[serde(default)]
    pub operations: Vec<String>,
    /// Extensions of the files it writes (`*`: its input's type; empty: JSON only, no
    /// file); `None` in entries written before tools declared it (no pipeline check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub produces: Option<Vec<String>>,
    /// The setting whose value names the type written (`format`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub produces_setting: Option<String>,
}

impl CatalogEntry {
    /// `<section>/<id>`, the tool's name in jobs and in `native_tool`.
    pub fn tool_key(&self) -> String {
        format!("{}/{}", self.section, self.id)
    }

    /// Where the entry is stored.
    pub fn store_key(&self) -> String {
        crate::keys::catalog(&self.section, &self.id)
    }

    /// Parses a description's settings schema text; a tool with a malformed schema gets an
    /// empty one rather than no entry.
    pub fn parse_schema(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or_else(|_| Value::Object(Default::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn result_field_names_are_the_stored_ones() {
        let file = FileRef {
            name: "a.png".into(),
            media_type: "image/png".into(),
            size: 3,
            chunks: 1,
        };
        let done = JobResult::completed(vec![file], serde_json::json!({"width": 2}), 7);
        let v: Value = decode(&encode(&done)).unwrap();
        assert_eq!(v["status"], "completed");
        assert_eq!(v["completedAt"], 7);
        assert_eq!(v["processedSize"], 3);
        assert_eq!(v["files"][0]["mediaType"], "image/png");
        let failed = JobResult::failed(Failure::tool(ErrorKind::TooLarge, "big"), 8);
        let back: JobResult = decode(&encode(&failed)).unwrap();
        assert_eq!(back, failed);
        let p = Progress {
            progress: 40,
            status: ProgressStatus::Processing,
            message: "Encoding".into(),
            started_at: None,
        };
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"progress": 40, "status": "processing", "message": "Encoding"})
        );
    }
}

/// A native worker's heartbeat (`worker/<id>`), rewritten every few seconds while it runs;
/// `GET /api/v1/admin/health` lists the workers seen lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerBeat {
    /// Worker id (random per process).
    pub id: String,
    /// When the process started (ms).
    pub started_at: u64,
    /// The last heartbeat (ms).
    pub last_seen_at: u64,
    /// Worker threads.
    pub threads: u32,
    /// Whether the machine has a GPU the worker can use.
    pub gpu: bool,
    /// The host's version.
    pub version: String,
}
