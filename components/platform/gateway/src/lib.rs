//! The `gateway` Spin component: Lathe's router composed with one pure tool.
//!
//! It imports `lathe:tool/tool`; `spin.toml` satisfies that import with a tool component
//! through `[component.<id>.dependencies]`, so every tool route is this same file plugged
//! with a different tool. Adding a tool never touches this code.

use lathe_router::jobs::NewFile;
use lathe_router::tool_route::{self, Action};
use lathe_router::{ApiError, ApiResult};
use serde_json::Value;
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

wit_bindgen::generate!({
    world: "tool-caller",
    path: "../../../wit",
});

use lathe::tool::tool as tool_api;
use lathe::tool::types::{InputFile, ToolError, ToolKind};

fn catalog_entry() -> Value {
    let info = tool_api::describe();
    let kind = match info.kind {
        ToolKind::Pure => "pure",
        ToolKind::Native => "native",
    };
    tool_route::entry(
        &info.id,
        &info.section,
        &info.name,
        &info.description,
        &info.settings_schema,
        kind,
        info.min_inputs,
        info.max_inputs,
        &info.accepts,
        &info.operations,
    )
}

type Outcome = ApiResult<(Vec<NewFile>, Value)>;

/// Converts the tool's answer into files and extra JSON, or the API error for its typed error.
fn outcome_of(result: Result<lathe::tool::types::ToolOutput, ToolError>) -> Outcome {
    match result {
        Ok(output) => {
            let extra: Value = if output.extra.is_empty() {
                Value::Object(Default::default())
            } else {
                serde_json::from_str(&output.extra).map_err(ApiError::internal)?
            };
            let files = output
                .files
                .into_iter()
                .map(|f| NewFile {
                    name: f.name,
                    media_type: f.media_type,
                    data: f.data,
                })
                .collect();
            Ok((files, extra))
        }
        Err(ToolError::InvalidSettings(m)) => Err(tool_route::tool_error("invalid-settings", m)),
        Err(ToolError::UnsupportedInput(m)) => Err(tool_route::tool_error("unsupported-input", m)),
        Err(ToolError::TooLarge(m)) => Err(tool_route::tool_error("too-large", m)),
        Err(ToolError::Failed(m)) => Err(tool_route::tool_error("failed", m)),
    }
}

/// Moves the uploaded bytes into the WIT input records (no copy).
fn take_inputs(call: &mut tool_route::ToolCall) -> Vec<InputFile> {
    call.request
        .files
        .iter_mut()
        .map(|f| InputFile {
            name: f.name.clone(),
            media_type: f.media_type.clone(),
            data: std::mem::take(&mut f.data),
        })
        .collect()
}

fn run_tool(req: &Request) -> ApiResult<Response> {
    let entry = catalog_entry();
    match tool_route::action(req, &entry)? {
        Action::Describe => tool_route::describe(&lathe_router::store::open()?, &entry),
        Action::Run => {
            let mut call = tool_route::prepare(req, &entry)?;
            let inputs = take_inputs(&mut call);
            let outcome = outcome_of(tool_api::run(&inputs, &call.request.settings));
            drop(inputs);
            let key = format!(
                "{}/{}",
                entry["section"].as_str().unwrap_or(""),
                entry["id"].as_str().unwrap_or("")
            );
            tool_route::finish(&call, &key, outcome)
        }
        Action::Operation { name, rest } => {
            let mut call = tool_route::prepare_operation(req, &entry, &rest)?;
            let inputs = take_inputs(&mut call);
            let (files, extra) = outcome_of(tool_api::run_operation(
                &name,
                &inputs,
                &call.request.settings,
            ))?;
            tool_route::operation_response(files, extra)
        }
    }
}

#[http_component]
fn handle(req: Request) -> Response {
    lathe_router::respond(run_tool(&req))
}
