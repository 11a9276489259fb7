//! The file library (`/api/v1/files*`, served by the `api` component): files kept until
//! their owner deletes them, each a chain of versions.
//!
//! An upload starts a chain; `POST /api/v1/files/save-result` (a job's output) and a tool
//! call whose settings name `fileId` add a version to it. A tool call with `fileId` and no
//! upload reads that file as its input. Owner or admin only, everywhere: any other caller
//! gets 404, as if the file did not exist. Bytes are stored in chunks and downloads stream.
//! Store layout: `lathe_store_layout::keys` (`file/`, `files-of/`, `file-versions/`,
//! `blob/library/`).

use lathe_store_layout::{keys, LibraryFile, ResultStatus};
use serde_json::{json, Value};
use spin_sdk::key_value::Store;
use subtle::ConstantTimeEq;

use crate::auth::{token_hash, Principal};
use crate::blobs::{delete_file, put_file, read_file, Blobs};
use crate::ids::{is_uuid, now_ms, uuid};
use crate::jobs::DownloadHead;
use crate::multipart::{sanitize_file_name, UploadedFile};
use crate::store::{get_json, keys_with_prefix};
use crate::{ApiError, ApiResult};

/// The public view of a version.
pub fn public(f: &LibraryFile) -> Value {
    f.public()
}

/// Library routes need `files:own` (or `files:all`).
fn require_files(principal: &Principal) -> ApiResult<()> {
    use crate::permissions::Permission::{FilesAll, FilesOwn};
    principal.require_any(&[FilesOwn, FilesAll])
}

/// A version the principal may see (its own, or anyone's with `files:all`); 404 otherwise.
pub fn visible(store: &Store, principal: &Principal, id: &str) -> ApiResult<LibraryFile> {
    require_files(principal)?;
    let missing = || ApiError::new(404, "FILE_NOT_FOUND", "File not found");
    if !is_uuid(id) {
        return Err(missing());
    }
    let file: LibraryFile = get_json(store, &keys::library_file(id))?.ok_or_else(missing)?;
    if !principal.sees(&file.user_id, crate::permissions::Permission::FilesAll) {
        return Err(missing());
    }
    Ok(file)
}

/// The latest version of `file`'s chain.
fn latest(store: &Store, file: &LibraryFile) -> ApiResult<LibraryFile> {
    let id = store
        .get(&keys::library_chain(&file.user_id, &file.root_id))?
        .and_then(|b| String::from_utf8(b).ok());
    match id {
        Some(id) if id != file.id => {
            Ok(get_json(store, &keys::library_file(&id))?.unwrap_or_else(|| file.clone()))
        }
        _ => Ok(file.clone()),
    }
}

/// The bytes of a new version and how they are named.
pub struct Content<'a> {
    /// File name.
    pub name: &'a str,
    /// Media type.
    pub media_type: &'a str,
    /// Bytes.
    pub data: &'a [u8],
}

/// Stores `content` as a new chain of `user_id` (`after` = `None`) or as the next version of
/// `after`'s chain (owned by `after`'s owner).
pub fn add_version(
    store: &Store,
    blobs: &dyn Blobs,
    user_id: &str,
    content: Content<'_>,
    after: Option<&LibraryFile>,
    source_job: Option<&str>,
) -> ApiResult<LibraryFile> {
    let id = uuid();
    let previous = match after {
        Some(f) => Some(latest(store, f)?),
        None => None,
    };
    let Content {
        name,
        media_type,
        data,
    } = content;
    let chunks = put_file(blobs, &keys::library_blob(&id), data)?;
    let file = match &previous {
        Some(p) => LibraryFile::next_version(
            p,
            id,
            sanitize_file_name(name),
            media_type.to_string(),
            data.len() as u64,
            chunks,
            source_job.map(str::to_string),
            now_ms(),
        ),
        None => LibraryFile {
            user_id: user_id.to_string(),
            name: sanitize_file_name(name),
            media_type: media_type.to_string(),
            size: data.len() as u64,
            chunks,
            version: 1,
            root_id: id.clone(),
            previous_id: None,
            source_job: source_job.map(str::to_string),
            created_at: now_ms(),
            id,
        },
    };
    record(store, &file)?;
    Ok(file)
}

/// Writes the records of a version whose bytes are already stored (`file/<id>`, its place
/// in the chain, and the chain's latest-version entry).
pub fn record(store: &Store, file: &LibraryFile) -> ApiResult<()> {
    for (key, value) in file.records() {
        store.set(&key, &value)?;
    }
    Ok(())
}

/// The bytes of a library file.
pub fn read(blobs: &dyn Blobs, file: &LibraryFile) -> ApiResult<Vec<u8>> {
    let r = lathe_store_layout::FileRef {
        name: file.name.clone(),
        media_type: file.media_type.clone(),
        size: file.size,
        chunks: file.chunks,
    };
    read_file(blobs, &keys::library_blob(&file.id), &r)
}

/// `POST /api/v1/files/upload`, streamed: each file goes into the store chunk by chunk as
/// it arrives and starts a chain; 201 `{files}`.
pub async fn upload_streamed(req: spin_sdk::http::IncomingRequest) -> ApiResult<Value> {
    let head = crate::upload::head_of(&req);
    let store = crate::store::open()?;
    let principal = crate::auth::authenticate(&store, &head)?;
    require_files(&principal)?;
    let blobs = crate::blobs::open()?;
    let ids = std::cell::RefCell::new(Vec::<String>::new());
    let prefix_of = |n: usize| {
        let mut ids = ids.borrow_mut();
        while ids.len() <= n {
            ids.push(uuid());
        }
        keys::library_blob(&ids[n])
    };
    let limit = crate::config::max_upload_bytes();
    let stored = crate::upload::receive_into(blobs.as_ref(), req, limit, &prefix_of).await;
    let ids = ids.into_inner();
    let discard = |files: &[lathe_store_layout::FileRef]| {
        for (f, id) in files.iter().zip(&ids) {
            delete_file(blobs.as_ref(), &keys::library_blob(id), f.chunks).ok();
        }
    };
    let stored = stored?;
    if stored.files.is_empty() {
        return Err(ApiError::new(400, "NO_FILE", "No file provided"));
    }
    if let Some(empty) = stored.files.iter().find(|f| f.size == 0) {
        discard(&stored.files);
        return Err(ApiError::new(
            400,
            "EMPTY_FILE",
            format!("'{}' is empty", empty.name),
        ));
    }
    let mut out = Vec::new();
    for (f, id) in stored.files.iter().zip(&ids) {
        let file = LibraryFile {
            id: id.clone(),
            user_id: principal.user.id.clone(),
            name: f.name.clone(),
            media_type: f.media_type.clone(),
            size: f.size,
            chunks: f.chunks,
            version: 1,
            root_id: id.clone(),
            previous_id: None,
            source_job: None,
            created_at: now_ms(),
        };
        record(&store, &file)?;
        out.push(public(&file));
    }
    Ok(json!({"files": out}))
}

/// `GET /api/v1/files?search=&limit=&cursor=`: the latest version of each of the caller's
/// chains (admins: `all=true` for everyone's), newest first.
pub fn list(store: &Store, principal: &Principal, query: &str) -> ApiResult<Value> {
    require_files(principal)?;
    let (mut search, mut limit, mut cursor, mut all) = (String::new(), 50usize, None, false);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_encoding::percent_decode_str(&v.replace('+', " "))
            .decode_utf8_lossy()
            .to_string();
        match k {
            "search" => search = v.to_lowercase(),
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| {
                        ApiError::new(400, "INVALID_LIMIT", "limit must be a number from 1 to 100")
                    })?
            }
            "cursor" => cursor = Some(v),
            "all" => all = matches!(v.as_str(), "true" | "1"),
            _ => {}
        }
    }
    if all {
        principal.require(crate::permissions::Permission::FilesAll)?;
    }
    let prefix = if all {
        keys::LIBRARY_INDEX_PREFIX.to_string()
    } else {
        keys::library_of(&principal.user.id)
    };
    let mut files = Vec::new();
    for key in keys_with_prefix(store, &prefix)? {
        let Some(id) = store.get(&key)?.and_then(|b| String::from_utf8(b).ok()) else {
            continue;
        };
        if let Some(f) = get_json::<LibraryFile>(store, &keys::library_file(&id))? {
            if search.is_empty() || f.name.to_lowercase().contains(&search) {
                files.push(f);
            }
        }
    }
    files.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let scope = format!("files\n{}\n{all}\n{search}", principal.user.id);
    let start = match cursor {
        Some(c) => open_cursor(store, &scope, &c)?,
        None => 0,
    };
    let page: Vec<Value> = files.iter().skip(start).take(limit).map(public).collect();
    let next = (start + limit < files.len())
        .then(|| issue_cursor(store, &scope, start + limit))
        .transpose()?;
    Ok(json!({"files": page, "total": files.len(), "nextCursor": next}))
}

fn issue_cursor(store: &Store, scope: &str, offset: usize) -> ApiResult<String> {
    let tag = token_hash(store, &format!("{scope}\n{offset}"))?;
    Ok(format!("{offset}.{}", &tag[..32]))
}

fn open_cursor(store: &Store, scope: &str, cursor: &str) -> ApiResult<usize> {
    let invalid = || ApiError::new(400, "INVALID_CURSOR", "This cursor was not issued to you");
    let (offset, tag) = cursor.split_once('.').ok_or_else(invalid)?;
    let n: usize = offset.parse().map_err(|_| invalid())?;
    let expected = issue_cursor(store, scope, n)?;
    if bool::from(expected.as_bytes().ct_eq(cursor.as_bytes())) && !tag.is_empty() {
        Ok(n)
    } else {
        Err(invalid())
    }
}

/// `GET /api/v1/files/<id>`: a version and its whole chain, oldest first.
pub fn get(store: &Store, principal: &Principal, id: &str) -> ApiResult<Value> {
    let file = visible(store, principal, id)?;
    let mut versions = Vec::new();
    for key in keys_with_prefix(store, &keys::library_versions(&file.root_id))? {
        let Some(vid) = store.get(&key)?.and_then(|b| String::from_utf8(b).ok()) else {
            continue;
        };
        if let Some(v) = get_json::<LibraryFile>(store, &keys::library_file(&vid))? {
            versions.push(public(&v));
        }
    }
    Ok(json!({"file": public(&file), "versions": versions}))
}

/// `GET /api/v1/files/<id>/download`: where the version's chunks are, for streaming.
pub fn download_head(store: &Store, principal: &Principal, id: &str) -> ApiResult<DownloadHead> {
    Ok(download_of(visible(store, principal, id)?))
}

/// What a download of `file` sends: where its chunks are, and the headers.
pub fn download_of(file: LibraryFile) -> DownloadHead {
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(&file.name, percent_encoding::NON_ALPHANUMERIC)
    );
    DownloadHead {
        prefix: keys::library_blob(&file.id),
        headers: vec![
            ("content-type".into(), file.media_type.clone()),
            ("content-disposition".into(), disposition),
            ("x-content-type-options".into(), "nosniff".into()),
            ("content-length".into(), file.size.to_string()),
        ],
        file: lathe_store_layout::FileRef {
            name: file.name,
            media_type: file.media_type,
            size: file.size,
            chunks: file.chunks,
        },
    }
}

/// `POST /api/v1/files/save-result` `{jobId, filename?, fileId?}`: a completed job's output
/// (the named one, else the first) becomes a new file, or the next version of `fileId`.
pub fn save_result(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    body: &Value,
) -> ApiResult<Value> {
    require_files(principal)?;
    let job_id = body
        .get("jobId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("jobId is required"))?;
    let job = crate::jobs::visible_job(store, principal, job_id)?;
    let result = crate::jobs::result(store, &job.id)?
        .filter(|r| r.status == ResultStatus::Completed && r.files_deleted_at.is_none())
        .ok_or_else(|| {
            ApiError::new(
                409,
                "NO_RESULT",
                "The job has no result to save (not completed, or its files were deleted)",
            )
        })?;
    let wanted = body.get("filename").and_then(Value::as_str);
    let output = result
        .files
        .iter()
        .find(|f| wanted.is_none_or(|w| f.name == w))
        .ok_or_else(|| ApiError::new(404, "FILE_NOT_FOUND", "The job has no such output"))?;
    let after = match body.get("fileId").and_then(Value::as_str) {
        Some(id) => Some(visible(store, principal, id)?),
        None => None,
    };
    let data = read_file(blobs, &keys::output(&job.id, &output.name), output)?;
    let saved = add_version(
        store,
        blobs,
        &principal.user.id,
        Content {
            name: &output.name,
            media_type: &output.media_type,
            data: &data,
        },
        after.as_ref(),
        Some(&job.id),
    )?;
    Ok(json!({"file": public(&saved)}))
}

/// `DELETE /api/v1/files` `{ids}`: each named file's whole chain; ids not found (or not
/// yours) are listed in `notFound` and nothing of them is touched.
pub fn delete(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    body: &Value,
) -> ApiResult<Value> {
    let ids: Vec<&str> = body
        .get("ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .filter(|v: &Vec<&str>| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request("Send {\"ids\": [...]}"))?;
    let (mut deleted, mut not_found) = (0, Vec::new());
    for id in ids {
        let Ok(file) = visible(store, principal, id) else {
            not_found.push(id.to_string());
            continue;
        };
        deleted += delete_chain(store, blobs, &file.user_id, &file.root_id)?;
    }
    Ok(json!({"success": true, "deletedVersions": deleted, "notFound": not_found}))
}

/// Deletes every version of chain `root_id` of `user_id`; returns how many there were.
fn delete_chain(
    store: &Store,
    blobs: &dyn Blobs,
    user_id: &str,
    root_id: &str,
) -> ApiResult<usize> {
    let mut deleted = 0;
    for key in keys_with_prefix(store, &keys::library_versions(root_id))? {
        if let Some(vid) = store.get(&key)?.and_then(|b| String::from_utf8(b).ok()) {
            if let Some(v) = get_json::<LibraryFile>(store, &keys::library_file(&vid))? {
                delete_file(blobs, &keys::library_blob(&v.id), v.chunks)?;
                store.delete(&keys::library_file(&v.id))?;
                deleted += 1;
            }
        }
        store.delete(&key)?;
    }
    store.delete(&keys::library_chain(user_id, root_id))?;
    Ok(deleted)
}

/// Deletes every library file of `user_id` (a deleted account); returns the versions.
pub fn delete_all_of(store: &Store, blobs: &dyn Blobs, user_id: &str) -> ApiResult<usize> {
    let mut deleted = 0;
    for key in keys_with_prefix(store, &keys::library_of(user_id))? {
        let root = key.rsplit('/').next().unwrap_or_default().to_string();
        deleted += delete_chain(store, blobs, user_id, &root)?;
    }
    Ok(deleted)
}

/// The public view of the latest version of each of `user_id`'s chains (a data export).
pub fn all_of(store: &Store, user_id: &str) -> ApiResult<Vec<Value>> {
    let mut files = Vec::new();
    for key in keys_with_prefix(store, &keys::library_of(user_id))? {
        if let Some(id) = store.get(&key)?.and_then(|b| String::from_utf8(b).ok()) {
            if let Some(f) = get_json::<LibraryFile>(store, &keys::library_file(&id))? {
                files.push(public(&f));
            }
        }
    }
    Ok(files)
}

/// `POST /api/v1/upload`: files for temporary processing (the workspace). They become the
/// outputs of a finished `workspace/upload` job, downloadable at their `downloadUrl`s and
/// deleted with other results after `result_ttl_hours`; for files to keep, use
/// `/api/v1/files/upload`. 201 `{jobId, files: [{filename, downloadUrl, size}]}`.
pub fn workspace_upload(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    files: Vec<UploadedFile>,
) -> ApiResult<Value> {
    if files.is_empty() {
        return Err(ApiError::new(400, "NO_FILE", "No file provided"));
    }
    if let Some(empty) = files.iter().find(|f| f.size == 0) {
        return Err(ApiError::new(
            400,
            "EMPTY_FILE",
            format!("'{}' is empty", empty.name),
        ));
    }
    let job = crate::jobs::new_job(blobs, principal, "workspace/upload", &files, "{}", false)?;
    crate::jobs::save_new(store, &job)?;
    let new_files = files
        .into_iter()
        .map(|f| crate::jobs::NewFile {
            name: f.name,
            media_type: f.media_type,
            data: f.data,
        })
        .collect();
    let result = crate::jobs::complete(store, blobs, &job, new_files, json!({}))?;
    let listed: Vec<Value> = result
        .files
        .iter()
        .map(|f| {
            json!({"filename": f.name, "size": f.size, "mediaType": f.media_type,
                   "downloadUrl": crate::jobs::download_url(&job.id, &f.name)})
        })
        .collect();
    Ok(json!({"jobId": job.id, "files": listed}))
}
