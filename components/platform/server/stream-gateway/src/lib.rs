//! The `stream-gateway` Spin component: the gateway for tools that can stream
//! (`lathe:tool/stream-tool`, e.g. CSV to JSON).
//!
//! A run (`POST /api/v1/tools/<section>/<id>`) of more than one store chunk
//! (`lathe_store_layout::CHUNK_SIZE`, 1 MiB) never
//! holds the upload or the result whole:
//! each uploaded file goes into the store chunk by chunk as it arrives, then is fed to the
//! tool's converter one stored chunk at a time, and each piece the converter returns is
//! stored as it comes. Everything else (describe, operations, inputs the tool will not
//! stream) takes the ordinary gateway path, shared through
//! `lathe_router::tool_gateway_glue!`. `spin.toml` plugs the same tool component into both
//! imports.

use lathe_router::blobs::{self, get_chunk, Blobs, ChunkWriter};
use lathe_router::catalog::CatalogEntry;
use lathe_router::jobs::{self, FileRef};
use lathe_router::layout::{keys, CHUNK_SIZE};
use lathe_router::upload::{self, StoredRequest};
use lathe_router::{auth, config, json_response, tool_route, ApiError, ApiResult};
use serde_json::Value;
use spin_sdk::http::{IncomingRequest, Method, Request, Response, ResponseOutparam};
use spin_sdk::http_component;
use spin_sdk::key_value::Store;

wit_bindgen::generate!({
    world: "stream-caller",
    path: "../../../../wit",
});

lathe_router::tool_gateway_glue!();

use lathe::tool::stream_tool;

/// Whether `req` is a run of this tool (the only request that streams).
fn is_run(req: &Request, entry: &CatalogEntry) -> bool {
    matches!(req.method(), Method::Post)
        && matches!(tool_route::action(req, entry), Ok(tool_route::Action::Run))
}

/// Deletes what an abandoned upload stored.
fn discard_inputs(blobs: &dyn Blobs, job_id: &str, files: &[FileRef]) {
    for (i, file) in files.iter().enumerate() {
        blobs::delete_file(blobs, &keys::input(job_id, i), file.chunks).ok();
    }
}

/// Checks the stored files like `tool_route::prepare` checks uploaded ones.
fn check_files(request: &StoredRequest, entry: &CatalogEntry) -> ApiResult<()> {
    let files: Vec<(&str, u64)> = request
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.size))
        .collect();
    tool_route::check_files(&files, entry, entry.min_inputs as usize)
}

/// Feeds stored input 0 to `converter` chunk by chunk and stores the output as it comes.
fn convert_stored(
    blobs: &dyn Blobs,
    job_id: &str,
    input: &FileRef,
    converter: &stream_tool::Converter,
    plan: &stream_tool::StreamPlan,
) -> ApiResult<(FileRef, Value)> {
    let name = lathe_router::multipart::sanitize_file_name(&plan.output_name);
    let mut writer = ChunkWriter::new(blobs, keys::output(job_id, &name));
    let prefix = keys::input(job_id, 0);
    for index in 0..input.chunks {
        let chunk = get_chunk(blobs, &prefix, index)?;
        let piece = converter.push(&chunk).map_err(tool_error)?;
        writer.write(&piece)?;
    }
    let end = converter.finish().map_err(tool_error)?;
    writer.write(&end.data)?;
    let (chunks, size) = writer.finish()?;
    let extra = if end.extra.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(&end.extra).map_err(ApiError::internal)?
    };
    Ok((
        FileRef {
            name,
            media_type: plan.media_type.clone(),
            size,
            chunks,
        },
        extra,
    ))
}

fn tool_error(e: lathe::tool::types::ToolError) -> ApiError {
    outcome_of(Err(e))
        .err()
        .unwrap_or_else(|| ApiError::internal("tool error"))
}

/// A run: receive into the store, then stream through the converter when the tool accepts
/// this input, else run it on the whole files like the ordinary gateway.
async fn streamed_run(req: IncomingRequest, entry: &CatalogEntry) -> ApiResult<Response> {
    let store = lathe_router::store::open()?;
    let blobs = blobs::open()?;
    let head = upload::head_of(&req);
    let principal = auth::authenticate(&store, &head)?;
    principal.require(lathe_router::permissions::Permission::ToolsUse)?;
    lathe_router::app_settings::check_enabled(&store, entry)?;
    lathe_router::limits::count_run(&principal)?;
    let limit = config::max_upload_bytes();
    if let (Some(limit), Some(length)) = (
        limit,
        head.header("content-length")
            .and_then(|v| v.as_str())
            .and_then(|v| v.parse::<u64>().ok()),
    ) {
        if length > limit {
            return Err(ApiError::file_too_large(limit));
        }
    }
    let job_id = lathe_router::ids::uuid();
    let request = match upload::receive(blobs.as_ref(), req, &job_id, limit).await {
        Ok(request) => request,
        Err(e) => {
            // Drop whatever part of the upload was stored before the failure.
            blobs.delete_all_under(&keys::inputs_prefix(&job_id)).ok();
            return Err(e);
        }
    };
    let outcome = run_stored(&store, blobs.as_ref(), &principal, entry, &job_id, &request);
    discard_inputs(blobs.as_ref(), &job_id, &request.files);
    outcome
}

fn run_stored(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &auth::Principal,
    entry: &CatalogEntry,
    job_id: &str,
    request: &StoredRequest,
) -> ApiResult<Response> {
    check_files(request, entry)?;
    let opened = match request.files.as_slice() {
        [only] => stream_tool::open(&only.name, &request.settings).map_err(tool_error)?,
        _ => None,
    };
    let job = jobs::create_stored(
        store,
        principal,
        &entry.tool_key(),
        job_id.to_string(),
        request.files.clone(),
        &request.settings,
    )?;
    let result = match opened {
        Some((converter, plan)) => {
            let (file, extra) =
                convert_stored(blobs, job_id, &request.files[0], &converter, &plan)?;
            jobs::complete_stored(store, &job, vec![file], extra)?
        }
        None => {
            // Not streamable: the whole files, as the ordinary gateway does.
            let mut inputs = Vec::new();
            for (i, file) in request.files.iter().enumerate() {
                inputs.push(lathe::tool::types::InputFile {
                    name: file.name.clone(),
                    media_type: file.media_type.clone(),
                    data: blobs::read_file(blobs, &keys::input(job_id, i), file)?,
                });
            }
            let (files, extra) = outcome_of(lathe::tool::tool::run(&inputs, &request.settings))?;
            drop(inputs);
            let first = request.files.first().map(|f| f.name.as_str());
            let base = tool_route::zip_base(first, &entry.tool_key());
            let files = tool_route::zip_if_several(files, &base)?;
            jobs::complete(store, blobs, &job, files, extra)?
        }
    };
    Ok(json_response(200, &jobs::response_body(&job, &result)?))
}

/// Uploads up to this size take the ordinary buffered path: holding them is cheap, and it
/// saves the store round trips of streaming.
const STREAM_ABOVE: u64 = CHUNK_SIZE as u64;

async fn route(req: IncomingRequest) -> ApiResult<Response> {
    let entry = catalog_entry();
    let head = upload::head_of(&req);
    let small = head
        .header("content-length")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|length| length <= STREAM_ABOVE);
    if !small && is_run(&head, &entry) {
        return streamed_run(req, &entry).await;
    }
    let req =
        <Request as spin_sdk::http::conversions::TryFromIncomingRequest>::try_from_incoming_request(
            req,
        )
        .await
        .map_err(|e| ApiError::bad_request(format!("Could not read the request: {e}")))?;
    run_tool(&req)
}

#[http_component]
async fn handle(req: IncomingRequest, out: ResponseOutparam) {
    lathe_router::request_id::begin(&upload::head_of(&req));
    let response = route(req).await.unwrap_or_else(|e| e.into_response());
    lathe_router::outparam::send(out, response).await;
}
