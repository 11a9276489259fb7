//! The `gateway` Spin component: Lathe's router composed with one pure tool.
//!
//! It imports `lathe:tool/tool`; `spin.toml` satisfies that import with a tool component
//! through `[component.<id>.dependencies]`, so every tool route is this same file plugged
//! with a different tool. Adding a tool never touches this code. The request handling is
//! shared with the stream gateway through `lathe_router::tool_gateway_glue!`.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

wit_bindgen::generate!({
    world: "tool-caller",
    path: "../../../../wit",
});

lathe_router::tool_gateway_glue!();

#[http_component]
fn handle(req: Request) -> Response {
    lathe_router::request_id::begin(&req);
    lathe_router::respond(run_tool(&req))
}
