//! Pipelines (`/api/v1/pipeline/*`, served by the `api` component): several tools run one
//! after another, each step's output the next step's input, across sections.
//!
//! Every step is checked before anything runs: a known tool (`toolId` as `resize` or
//! `image/resize`), one that takes a single file, settings that fit its schema
//! ([`crate::settings_check`]), at most `max_pipeline_steps` steps (default 20, 0 = no
//! limit), and the upload is of a type the first tool accepts. A failure is 400 with the
//! 1-based `step`; so is a step that cannot take any type of file the step before may
//! write (`INCOMPATIBLE_STEPS`, worked out by [`crate::pipeline_types`] from each tool's
//! declared outputs). The job is then queued for the worker, which runs the steps and
//! checks that each output is of a type the next tool accepts (422 naming the step if not).
//! `execute` waits up to `sync_wait_ms` and answers like a fast tool (else 202);
//! `batch` is a batch whose every file goes through the pipeline.

use lathe_store_layout::{keys, CatalogEntry, PipelineStep};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use spin_sdk::http::{Request, Response};
use spin_sdk::key_value::Store;

use crate::auth::{authenticate, Principal};
use crate::ids::{is_uuid, iso8601, now_ms, uuid};
use crate::permissions::Permission;
use crate::pipeline_types::Flow;
use crate::store::{get_json, keys_with_prefix, set_json};
use crate::tool_route::{self, ToolCall};
use crate::{catalog, config, jobs, json_response, settings_check, ApiError, ApiResult};

/// The job `tool` of a pipeline run.
pub const PIPELINE_TOOL: &str = "pipeline";

/// A step as clients send it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StepIn {
    tool_id: Option<String>,
    #[serde(default)]
    settings: Option<Value>,
}

/// A saved pipeline (`pipeline/<id>`).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Saved {
    id: String,
    user_id: String,
    name: String,
    description: String,
    steps: Vec<Value>,
    created_at: u64,
}

impl Saved {
    fn public(&self) -> Value {
        json!({
            "id": self.id, "userId": self.user_id, "name": self.name,
            "description": self.description, "steps": self.steps,
            "createdAt": iso8601(self.created_at),
        })
    }
}

/// Resolves `toolId` (`resize` or `image/resize`) in the catalog.
fn resolve(tools: &[CatalogEntry], tool_id: &str) -> Option<CatalogEntry> {
    if let Some((section, id)) = tool_id.split_once('/') {
        return tools
            .iter()
            .find(|t| t.section == section && t.id == id)
            .cloned();
    }
    let mut found = tools.iter().filter(|t| t.id == tool_id);
    let first = found.next()?;
    // An id used by two sections must be written with its section.
    found.next().is_none().then(|| first.clone())
}

/// Checks a pipeline's steps (`{"steps":[...]}` or a bare array) for files of the types
/// `upload` holds ([`Flow::Unknown`] for a pipeline saved without a file); returns each
/// step's catalog entry with the step to run.
pub fn validate(
    store: &Store,
    pipeline: &Value,
    upload: &Flow,
) -> ApiResult<Vec<(CatalogEntry, PipelineStep)>> {
    let steps = pipeline
        .get("steps")
        .or(if pipeline.is_array() {
            Some(pipeline)
        } else {
            None
        })
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::new(
                400,
                "INVALID_PIPELINE",
                "The pipeline must be {\"steps\":[{\"toolId\",\"settings\"}, ...]}",
            )
        })?;
    if steps.is_empty() {
        return Err(ApiError::new(
            400,
            "INVALID_PIPELINE",
            "The pipeline has no steps",
        ));
    }
    let max = config::get_u64("max_pipeline_steps", 20);
    if max > 0 && steps.len() as u64 > max {
        return Err(ApiError::new(
            400,
            "TOO_MANY_STEPS",
            format!(
                "A pipeline may have at most {max} steps ({} given)",
                steps.len()
            ),
        ));
    }
    let tools = catalog::list(store)?;
    let mut out: Vec<(CatalogEntry, PipelineStep)> = Vec::new();
    let mut flow = upload.clone();
    for (i, raw) in steps.iter().enumerate() {
        let n = i + 1;
        let step: StepIn = serde_json::from_value(raw.clone()).map_err(|e| {
            ApiError::new(
                400,
                "INVALID_PIPELINE",
                format!("Step {n} is malformed: {e}"),
            )
            .at_step(n)
        })?;
        let tool_id = step.tool_id.filter(|t| !t.is_empty()).ok_or_else(|| {
            ApiError::new(400, "INVALID_PIPELINE", format!("Step {n} has no toolId")).at_step(n)
        })?;
        let entry = resolve(&tools, &tool_id).ok_or_else(|| {
            ApiError::new(
                400,
                "UNKNOWN_TOOL",
                format!("Step {n}: unknown tool '{tool_id}'"),
            )
            .at_step(n)
        })?;
        if entry.min_inputs > 1 {
            return Err(ApiError::new(
                400,
                "NOT_PIPEABLE",
                format!(
                    "Step {n}: '{tool_id}' combines several files and cannot be a pipeline step"
                ),
            )
            .at_step(n));
        }
        let settings = step.settings.unwrap_or_else(|| json!({}));
        if !settings.is_object() {
            return Err(ApiError::new(
                400,
                "INVALID_SETTINGS",
                format!("Step {n}: settings must be a JSON object"),
            )
            .at_step(n));
        }
        settings_check::check(&entry.settings_schema, &settings).map_err(|m| {
            ApiError::new(
                400,
                "INVALID_SETTINGS",
                format!("Step {n} ({}): {m}", entry.tool_key()),
            )
            .at_step(n)
        })?;
        if let Some((before, _)) = out.last() {
            if let Some(why) = flow.refused_by(&crate::pipeline_types::takes(&entry)) {
                return Err(ApiError::new(
                    400,
                    "INCOMPATIBLE_STEPS",
                    format!(
                        "Step {n} ({}) cannot follow step {} ({}): {why}",
                        entry.tool_key(),
                        n - 1,
                        before.tool_key()
                    ),
                )
                .at_step(n));
            }
        }
        flow = flow.through(&entry, &settings);
        let step = PipelineStep {
            tool: entry.tool_key(),
            settings: settings.to_string(),
        };
        out.push((entry, step));
    }
    Ok(out)
}

/// The pipeline of a multipart call: its `pipeline` field, or the saved pipeline named by
/// `{"pipelineId"}` in it (owner or admin).
fn pipeline_of(store: &Store, principal: &Principal, call: &ToolCall) -> ApiResult<Value> {
    let text = call.request.pipeline.as_deref().ok_or_else(|| {
        ApiError::new(
            400,
            "INVALID_PIPELINE",
            "Send the pipeline in a 'pipeline' field",
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            400,
            "INVALID_PIPELINE",
            format!("The pipeline is not valid JSON: {e}"),
        )
    })?;
    if let Some(id) = value.get("pipelineId").and_then(Value::as_str) {
        let saved = visible(store, principal, id)?;
        return Ok(json!({"steps": saved.steps}));
    }
    Ok(value)
}

fn prepare(req: &Request) -> ApiResult<(ToolCall, Vec<(CatalogEntry, PipelineStep)>)> {
    let call = tool_route::prepare_unchecked(req)?;
    let pipeline = pipeline_of(&call.store, &call.principal, &call)?;
    let names: Vec<&str> = call.request.files.iter().map(|f| f.name.as_str()).collect();
    let steps = validate(&call.store, &pipeline, &Flow::of_names(&names))?;
    for (i, (entry, _)) in steps.iter().enumerate() {
        crate::app_settings::check_enabled(&call.store, entry).map_err(|e| e.at_step(i + 1))?;
    }
    crate::limits::count_run(&call.principal)?;
    Ok((call, steps))
}

/// `POST /api/v1/pipeline/execute`: one `file` through the pipeline.
pub fn execute(req: &Request) -> ApiResult<Response> {
    let (call, steps) = prepare(req)?;
    let first = &steps[0].0;
    let mut entry = first.clone();
    entry.max_inputs = 1;
    tool_route::check_files(
        &call
            .request
            .files
            .iter()
            .map(|f| (f.name.as_str(), f.size))
            .collect::<Vec<_>>(),
        &entry,
        1,
    )
    .map_err(|e| e.at_step(1))?;
    let run = || {
        let mut job = jobs::new_job(
            call.blobs.as_ref(),
            &call.principal,
            PIPELINE_TOOL,
            &call.request.files,
            "{}",
            true,
        )?;
        job.pipeline = steps.iter().map(|(_, s)| s.clone()).collect();
        jobs::save_new(&call.store, &job)?;
        call.store.set(&keys::queue(&job.id), b"")?;
        if tool_route::wants_async(req) {
            return Ok(tool_route::accepted(&job.id));
        }
        let wait = config::get_u64("sync_wait_ms", 8000);
        match jobs::wait_for_result(&call.store, &job.id, wait)? {
            Some(result) => Ok(json_response(200, &jobs::response_body(&job, &result)?)),
            None => Ok(tool_route::accepted(&job.id)),
        }
    };
    tool_route::idempotent(req, &call, run)
}

/// `POST /api/v1/pipeline/batch`: every `files` part through the pipeline, one ZIP.
pub fn batch(req: &Request) -> ApiResult<Response> {
    let (call, steps) = prepare(req)?;
    let first = steps[0].0.clone();
    let steps = steps.into_iter().map(|(_, s)| s).collect();
    crate::batch::submit_prepared(req, &call, &first, PIPELINE_TOOL, steps)
}

/// `POST /api/v1/pipeline/save` `{name, description, steps}`: 201 with the saved pipeline.
pub fn save(store: &Store, req: &Request, body: &Value) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    principal.require_any(&[Permission::PipelinesOwn, Permission::PipelinesAll])?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.chars().count() <= 100)
        .ok_or_else(|| ApiError::bad_request("A pipeline needs a name of 1-100 characters"))?;
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    if description.chars().count() > 1000 {
        return Err(ApiError::bad_request(
            "The description is over 1000 characters",
        ));
    }
    validate(store, body, &Flow::Unknown)?;
    let saved = Saved {
        id: uuid(),
        user_id: principal.user.id.clone(),
        name: name.to_string(),
        description: description.to_string(),
        steps: body["steps"].as_array().cloned().unwrap_or_default(),
        created_at: now_ms(),
    };
    set_json(store, &keys::pipeline(&saved.id), &saved)?;
    store.set(&keys::pipeline_of(&saved.user_id, &saved.id), b"")?;
    Ok(json_response(201, &saved.public()))
}

/// `GET /api/v1/pipeline/list`: the caller's saved pipelines (with `pipelines:all`:
/// everyone's).
pub fn list(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    principal.require_any(&[Permission::PipelinesOwn, Permission::PipelinesAll])?;
    let prefix = if principal.can(Permission::PipelinesAll) {
        keys::PIPELINE_INDEX_PREFIX.to_string()
    } else {
        keys::pipelines_of(&principal.user.id)
    };
    let mut pipelines: Vec<Saved> = Vec::new();
    for key in keys_with_prefix(store, &prefix)? {
        let id = key.rsplit('/').next().unwrap_or_default();
        if let Some(saved) = get_json::<Saved>(store, &keys::pipeline(id))? {
            pipelines.push(saved);
        }
    }
    pipelines.sort_by_key(|p| std::cmp::Reverse(p.created_at));
    let list: Vec<Value> = pipelines.iter().map(Saved::public).collect();
    Ok(json_response(200, &json!({"pipelines": list})))
}

fn visible(store: &Store, principal: &Principal, id: &str) -> ApiResult<Saved> {
    let missing = || ApiError::not_found("Pipeline not found");
    if !is_uuid(id) {
        return Err(missing());
    }
    let saved: Saved = get_json(store, &keys::pipeline(id))?.ok_or_else(missing)?;
    if !principal.sees(&saved.user_id, Permission::PipelinesAll) {
        return Err(missing());
    }
    Ok(saved)
}

/// `DELETE /api/v1/pipeline/<id>`: the owner, or anyone with `pipelines:all` (404 to
/// anyone else).
pub fn delete(store: &Store, req: &Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    principal.require_any(&[Permission::PipelinesOwn, Permission::PipelinesAll])?;
    let saved = visible(store, &principal, id)?;
    store.delete(&keys::pipeline_of(&saved.user_id, &saved.id))?;
    store.delete(&keys::pipeline(&saved.id))?;
    Ok(json_response(200, &json!({"success": true})))
}

/// `GET /api/v1/pipeline/tools`: the tool ids a step may name (every single-input tool).
pub fn tools(store: &Store, req: &Request) -> ApiResult<Response> {
    authenticate(store, req)?.require(Permission::ToolsUse)?;
    let all = catalog::list(store)?;
    let ids: Vec<Value> = all
        .iter()
        .filter(|t| t.min_inputs <= 1)
        .map(|t| {
            let shared = all.iter().filter(|o| o.id == t.id).count() > 1;
            let id = if shared { t.tool_key() } else { t.id.clone() };
            json!({
                "toolId": id, "section": t.section, "name": t.name,
                "accepts": t.accepts, "produces": t.produces,
            })
        })
        .collect();
    Ok(json_response(
        200,
        &json!({"tools": ids, "count": ids.len()}),
    ))
}
