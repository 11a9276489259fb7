//! Every key of the store. A record's key is built only here, so the router and the worker
//! cannot disagree on where something lives.
//!
//! | key | value |
//! |---|---|
//! | `job/<jobId>` | [`crate::Job`] |
//! | `result/<jobId>` | [`crate::JobResult`] |
//! | `progress/<jobId>` | [`crate::Progress`] |
//! | `queue/<jobId>` | empty: a native job waiting for a worker |
//! | `jobs-of/<userId>/<newest-first time>-<jobId>` | empty: index of a user's jobs |
//! | `cancel/<jobId>` | empty: the job was canceled; its worker stops and discards work |
//! | `idem/<userId>/<sha256 of the key>` | an `Idempotency-Key`'s first answer |
//! | `pipeline/<id>`, `pipelines-of/<userId>/<id>` | a saved pipeline, the owner's index |
//! | `file/<id>` | a library file version ([`crate::LibraryFile`]) |
//! | `files-of/<userId>/<rootId>` | the id of the chain's latest version |
//! | `file-versions/<rootId>/<version, 6 digits>` | the id of that version |
//! | `blob/library/<id>/<chunk>` | chunk of a library file |
//! | `blob/<jobId>/in/<n>/<chunk>` | chunk of input file `n` |
//! | `blob/<jobId>/out/<name>/<chunk>` | chunk of output file `name` |
//! | `catalog/<section>/<toolId>` | [`crate::CatalogEntry`] |
//! | `user/<userId>`, `username/<lowercase name>` | user record, user id |
//! | `session/<hash>`, `session-of/<userId>/<hash>` | session record, empty index |
//! | `apikey/<hash>`, `apikey-of/<userId>/<keyId>` | API key record (both) |
//! | `config/secret`, `config/bootstrapped` | installation secret, first-admin marker |
//! | `config/settings` | the runtime settings (`/api/v1/settings`), one JSON object |
//! | `role/<roleId>`, `team/<teamId>` | a custom role, a team |
//! | `audit/<time, 20 digits>-<id>` | an audit-log entry, never rewritten |
//! | `login-guard/<lowercase name>` | the lockout of a login name |
//! | `login-failures/<lowercase name>/<window>` | failed logins of a name in one 15-minute window (atomic counter) |
//! | `rate/<who>/<minute>` | requests of a user or key in that minute (atomic counter) |
//! | `runs/<userId>/<day>` | runs of a user that UTC day (atomic counter) |
//! | `worker/<workerId>` | a native worker's heartbeat ([`crate::WorkerBeat`]) |
//! | `webhooks/<userId>` | the user's webhooks ([`crate::webhook::Webhooks`], secrets included) |
//! | `webhook-due/<jobId>` | a finished job's webhook deliveries and their attempts ([`crate::webhook::WebhookDue`]) |

/// The record of job `id`.
pub fn job(id: &str) -> String {
    format!("job/{id}")
}

/// The outcome of job `id`, written once when it completes or fails.
pub fn result(id: &str) -> String {
    format!("result/{id}")
}

/// The progress of job `id`, rewritten as work goes on.
pub fn progress(id: &str) -> String {
    format!("progress/{id}")
}

/// Prefix of every queue marker.
pub const QUEUE_PREFIX: &str = "queue/";

/// The marker that job `id` waits for a native worker.
pub fn queue(id: &str) -> String {
    format!("{QUEUE_PREFIX}{id}")
}

/// The job id of a queue marker key.
pub fn queued_job_id(key: &str) -> Option<&str> {
    key.strip_prefix(QUEUE_PREFIX).filter(|id| !id.is_empty())
}

/// Prefix of the whole job index.
pub const JOB_INDEX_PREFIX: &str = "jobs-of/";

/// Prefix of the index of user `user_id`'s jobs.
pub fn jobs_of(user_id: &str) -> String {
    format!("{JOB_INDEX_PREFIX}{user_id}/")
}

/// The index entry of job `id` of user `user_id`, created at `created_ms`. Entries of one
/// user sort newest first: the time is written as `u64::MAX - created_ms`, zero-padded.
pub fn job_index(user_id: &str, created_ms: u64, id: &str) -> String {
    format!("{}{}", jobs_of(user_id), job_index_position(created_ms, id))
}

/// The part of an index entry after the user: `<newest-first time>-<jobId>`.
pub fn job_index_position(created_ms: u64, id: &str) -> String {
    format!("{:020}-{id}", u64::MAX - created_ms)
}

/// The job id at the end of an index entry (or of a position).
pub fn indexed_job_id(key: &str) -> Option<&str> {
    let position = key.rsplit('/').next()?;
    position.get(21..).filter(|id| !id.is_empty())
}

/// The marker that job `id` was canceled.
pub fn cancel(id: &str) -> String {
    format!("cancel/{id}")
}

/// The record of an `Idempotency-Key` of user `user_id` (`key_hash`: hex SHA-256 of it).
pub fn idempotency(user_id: &str, key_hash: &str) -> String {
    format!("idem/{user_id}/{key_hash}")
}

/// A saved pipeline.
pub fn pipeline(id: &str) -> String {
    format!("pipeline/{id}")
}

/// Prefix of every saved-pipeline index entry.
pub const PIPELINE_INDEX_PREFIX: &str = "pipelines-of/";

/// Prefix of user `user_id`'s saved pipelines.
pub fn pipelines_of(user_id: &str) -> String {
    format!("{PIPELINE_INDEX_PREFIX}{user_id}/")
}

/// The index entry of saved pipeline `id` of user `user_id`.
pub fn pipeline_of(user_id: &str, id: &str) -> String {
    format!("{}{id}", pipelines_of(user_id))
}

/// A library file version.
pub fn library_file(id: &str) -> String {
    format!("file/{id}")
}

/// Prefix of the whole library index.
pub const LIBRARY_INDEX_PREFIX: &str = "files-of/";

/// Prefix of user `user_id`'s library chains.
pub fn library_of(user_id: &str) -> String {
    format!("{LIBRARY_INDEX_PREFIX}{user_id}/")
}

/// The index entry of chain `root_id` of user `user_id` (value: latest version id).
pub fn library_chain(user_id: &str, root_id: &str) -> String {
    format!("{}{root_id}", library_of(user_id))
}

/// Prefix of the versions of chain `root_id`.
pub fn library_versions(root_id: &str) -> String {
    format!("file-versions/{root_id}/")
}

/// Version `version` of chain `root_id` (value: that version's id).
pub fn library_version(root_id: &str, version: u32) -> String {
    format!("{}{version:06}", library_versions(root_id))
}

/// The blob prefix of library file version `id`.
pub fn library_blob(id: &str) -> String {
    format!("blob/library/{id}")
}

/// Prefix of every catalog entry.
pub const CATALOG_PREFIX: &str = "catalog/";

/// The catalog entry of tool `<section>/<id>`.
pub fn catalog(section: &str, id: &str) -> String {
    format!("{CATALOG_PREFIX}{section}/{id}")
}

/// Prefix of every input file of job `job_id`.
pub fn inputs_prefix(job_id: &str) -> String {
    format!("blob/{job_id}/in/")
}

/// The blob prefix of input file `index` of job `job_id`.
pub fn input(job_id: &str, index: usize) -> String {
    format!("{}{index}", inputs_prefix(job_id))
}

/// The blob prefix of output file `name` of job `job_id` (`name` is already sanitised).
pub fn output(job_id: &str, name: &str) -> String {
    format!("blob/{job_id}/out/{name}")
}

/// Chunk `index` of the file at blob prefix `prefix`.
pub fn chunk(prefix: &str, index: u32) -> String {
    format!("{prefix}/{index}")
}

/// Prefix of every user record.
pub const USER_PREFIX: &str = "user/";

/// The record of user `id`.
pub fn user(id: &str) -> String {
    format!("{USER_PREFIX}{id}")
}

/// The index from a login name (any case) to the user id.
pub fn username(name: &str) -> String {
    format!("username/{}", name.to_ascii_lowercase())
}

/// The session whose token hashes to `hash`.
pub fn session(hash: &str) -> String {
    format!("session/{hash}")
}

/// Prefix of the index of user `user_id`'s sessions.
pub fn sessions_of(user_id: &str) -> String {
    format!("session-of/{user_id}/")
}

/// The index entry of session `hash` of user `user_id`.
pub fn session_of(user_id: &str, hash: &str) -> String {
    format!("{}{hash}", sessions_of(user_id))
}

/// The API key whose raw value hashes to `hash`.
pub fn api_key(hash: &str) -> String {
    format!("apikey/{hash}")
}

/// Prefix of user `user_id`'s API keys by id.
pub fn api_keys_of(user_id: &str) -> String {
    format!("apikey-of/{user_id}/")
}

/// API key `key_id` of user `user_id`.
pub fn api_key_of(user_id: &str, key_id: &str) -> String {
    format!("{}{key_id}", api_keys_of(user_id))
}

/// The installation secret that keys token hashes.
pub const SECRET: &str = "config/secret";

/// Set once the first admin has been created.
pub const BOOTSTRAPPED: &str = "config/bootstrapped";

/// The runtime settings (`/api/v1/settings`): one JSON object.
pub const SETTINGS: &str = "config/settings";

/// Prefix of every custom role.
pub const ROLE_PREFIX: &str = "role/";

/// Custom role `id`.
pub fn role(id: &str) -> String {
    format!("{ROLE_PREFIX}{id}")
}

/// Prefix of every team.
pub const TEAM_PREFIX: &str = "team/";

/// Team `id`.
pub fn team(id: &str) -> String {
    format!("{TEAM_PREFIX}{id}")
}

/// Prefix of every audit-log entry.
pub const AUDIT_PREFIX: &str = "audit/";

/// Audit entry `id` written at `at_ms` (entries sort oldest first).
pub fn audit(at_ms: u64, id: &str) -> String {
    format!("{AUDIT_PREFIX}{at_ms:020}-{id}")
}

/// The lockout record of login name `name` (any case).
pub fn login_guard(name: &str) -> String {
    format!("login-guard/{}", name.to_ascii_lowercase())
}

/// Prefix of every failed-login counter.
pub const LOGIN_FAILURES_PREFIX: &str = "login-failures/";

/// Length of one failed-login counting window (the lockout period, 15 minutes).
pub const LOGIN_FAILURES_WINDOW_MS: u64 = 15 * 60 * 1000;

/// The failed-login counter of login name `name` (any case) in window `window`
/// (milliseconds since the epoch / [`LOGIN_FAILURES_WINDOW_MS`]), bumped with the store's
/// atomic increment so that concurrent guesses are all counted.
pub fn login_failures(name: &str, window: u64) -> String {
    format!(
        "{LOGIN_FAILURES_PREFIX}{}/{window}",
        name.to_ascii_lowercase()
    )
}

/// Prefix of every rate-limit counter.
pub const RATE_PREFIX: &str = "rate/";

/// The request counter of `who` (a user or key id) in minute `minute` since the epoch.
pub fn rate(who: &str, minute: u64) -> String {
    format!("{RATE_PREFIX}{who}/{minute}")
}

/// Prefix of every daily run counter.
pub const RUNS_PREFIX: &str = "runs/";

/// The run counter of user `user_id` on day `day` (days since the epoch, UTC).
pub fn runs(user_id: &str, day: u64) -> String {
    format!("{RUNS_PREFIX}{user_id}/{day}")
}

/// The webhooks of user `user_id`: one record, so finishing a job reads one key.
pub fn webhooks(user_id: &str) -> String {
    format!("webhooks/{user_id}")
}

/// Prefix of every webhook delivery marker.
pub const WEBHOOK_DUE_PREFIX: &str = "webhook-due/";

/// The webhook deliveries due for finished job `job_id`.
pub fn webhook_due(job_id: &str) -> String {
    format!("{WEBHOOK_DUE_PREFIX}{job_id}")
}

/// The job id of a webhook delivery marker key.
pub fn webhook_due_job_id(key: &str) -> Option<&str> {
    key.strip_prefix(WEBHOOK_DUE_PREFIX)
        .filter(|id| !id.is_empty())
}

/// Prefix of every worker heartbeat.
pub const WORKER_PREFIX: &str = "worker/";

/// The heartbeat of native worker `id`.
pub fn worker(id: &str) -> String {
    format!("{WORKER_PREFIX}{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compose() {
        assert_eq!(chunk(&input("j", 2), 0), "blob/j/in/2/0");
        assert!(chunk(&input("j", 2), 0).starts_with(&inputs_prefix("j")));
        assert_eq!(chunk(&output("j", "a.png"), 3), "blob/j/out/a.png/3");
        assert_eq!(queued_job_id(&queue("abc")), Some("abc"));
        assert_eq!(queued_job_id("queue/"), None);
        assert_eq!(queued_job_id("job/abc"), None);
        assert_eq!(webhook_due_job_id(&webhook_due("abc")), Some("abc"));
        assert_eq!(webhook_due_job_id(WEBHOOK_DUE_PREFIX), None);
        assert_eq!(username("Admin"), "username/admin");
        assert!(session_of("u", "h").starts_with(&sessions_of("u")));
        assert!(api_key_of("u", "k").starts_with(&api_keys_of("u")));
        assert!(catalog("image", "resize").starts_with(CATALOG_PREFIX));
        let id = "0f8e8a2c-1b2d-4c3e-9f00-123456789abc";
        let newer = job_index("u", 2000, id);
        let older = job_index("u", 1000, id);
        assert!(newer < older, "newest first");
        assert!(newer.starts_with(&jobs_of("u")));
        assert_eq!(indexed_job_id(&newer), Some(id));
    }
}
