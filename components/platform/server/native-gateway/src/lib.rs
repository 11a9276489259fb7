//! The `native-gateway` Spin component: the route of a native tool.
//!
//! Native tools need host capabilities Spin does not offer (ffmpeg), so they are never
//! composed into a Spin component. This component stores the upload and a queue marker in
//! the key-value store; Lathe's native worker (in the host process, or a worker process
//! sharing the store under Spin) runs the tool and writes the result. The request waits up
//! to `sync_wait_ms` (default 8000) and answers 200 like a fast tool, or 202
//! `{"jobId","async":true}` to poll at `GET /api/v1/jobs/<jobId>` (at once with
//! `?async=true`). `.../batch` runs the tool on many files (see `lathe_router::batch`);
//! a sub-route the tool declares (`operations`) runs as a job of that operation and is
//! answered like a pure tool's sub-route.
//!
//! The tool is named by the component variable `native_tool` (`<section>/<toolId>`).

use lathe_router::tool_route::{self, Action};
use lathe_router::{catalog, config, jobs, json_response, ApiError, ApiResult};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

fn run(req: &Request) -> ApiResult<Response> {
    let tool = config::get("native_tool", "");
    let (section, id) = tool
        .split_once('/')
        .ok_or_else(|| ApiError::internal("native_tool variable is not set"))?;
    let store = lathe_router::store::open()?;
    let entry = catalog::get(&store, section, id)?.ok_or_else(|| {
        ApiError::new(
            503,
            "WORKER_UNAVAILABLE",
            "No native worker has registered this tool yet",
        )
    })?;
    match tool_route::action(req, &entry)? {
        Action::Describe => {
            lathe_router::app_settings::check_enabled(&store, &entry)?;
            Ok(tool_route::entry_response(&entry))
        }
        Action::Operation { name, rest } => {
            let call = tool_route::prepare_operation(req, &entry, &rest)?;
            run_operation(&call, &tool, &name)
        }
        Action::Batch => lathe_router::batch::submit(req, &entry, &tool),
        Action::Run => {
            let call = tool_route::prepare(req, &entry)?;
            if tool_route::wants_async(req) {
                return tool_route::idempotent(req, &call, || tool_route::enqueue(&call, &tool));
            }
            tool_route::idempotent(req, &call, || wait_for(&call, &tool))
        }
    }
}

/// Queues the job and waits up to `sync_wait_ms` for its result: 200 like a fast tool, or
/// 202 `{"jobId","async":true}`.
fn wait_for(call: &tool_route::ToolCall, tool: &str) -> ApiResult<Response> {
    // The worker saves a `fileId` call's result (`savedFile` comes back in the result).
    let job = tool_route::queue_job(call, tool, None)?;
    match jobs::wait_for_result(&call.store, &job.id, config::get_u64("sync_wait_ms", 8000))? {
        Some(result) => Ok(json_response(200, &jobs::response_body(&job, &result)?)),
        None => Ok(tool_route::accepted(&job.id)),
    }
}

/// Queues a sub-route's job and answers as the pure gateways answer an operation (the file
/// itself with its figures as `X-` headers, or the JSON) once it is done; 202 with the
/// job id when it takes longer than `sync_wait_ms`.
fn run_operation(call: &tool_route::ToolCall, tool: &str, operation: &str) -> ApiResult<Response> {
    let job = tool_route::queue_job(call, tool, Some(operation))?;
    let Some(result) =
        jobs::wait_for_result(&call.store, &job.id, config::get_u64("sync_wait_ms", 8000))?
    else {
        return Ok(tool_route::accepted(&job.id));
    };
    if result.status != lathe_router::layout::ResultStatus::Completed {
        return Err(result
            .error
            .map(ApiError::from)
            .unwrap_or_else(|| ApiError::new(409, "JOB_CANCELED", "The job was canceled")));
    }
    let mut files = Vec::with_capacity(result.files.len());
    for file in &result.files {
        let prefix = lathe_router::layout::keys::output(&job.id, &file.name);
        files.push(jobs::NewFile {
            name: file.name.clone(),
            media_type: file.media_type.clone(),
            data: lathe_router::blobs::read_file(call.blobs.as_ref(), &prefix, file)?,
        });
    }
    tool_route::operation_response(files, result.extra)
}

#[http_component]
fn handle(req: Request) -> Response {
    lathe_router::request_id::begin(&req);
    lathe_router::respond(run(&req))
}
