//! The `api` Spin component: health, auth, users, API keys, the catalog and downloads.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    lathe_router::api::handle(req)
}
