//! The `docs-ui` Spin component: `GET /api/docs` is an interactive page (Swagger UI) over
//! `/api/v1/openapi.json`, where a user authorises with a session token or an `si_` key and
//! tries any route or tool. Sections start folded (the spec has several hundred operations;
//! the filter box and deep links such as `#/tools%3A%20image/post_v1_tools_image_resize`
//! open one). Swagger UI's files come from npm's `swagger-ui-dist`, vendored at
//! build time (`cargo xtask build`) and embedded here: the page needs no CDN and works
//! offline.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;

const BUNDLE: &[u8] = include_bytes!(concat!(env!("LATHE_DOCS_UI"), "/swagger-ui-bundle.js"));
const CSS: &[u8] = include_bytes!(concat!(env!("LATHE_DOCS_UI"), "/swagger-ui.css"));

/// The page: Swagger UI pointed at the spec, with no online validator.
const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Lathe API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  validatorUrl: null,
  docExpansion: "none",
  filter: true,
});
</script>
</body>
</html>
"##;

fn asset(body: &'static [u8], content_type: &str) -> Response {
    Response::builder()
        .status(200)
        .header("content-type", content_type)
        .header("cache-control", "public, max-age=86400")
        .header("x-content-type-options", "nosniff")
        .body(body.to_vec())
        .build()
}

#[http_component]
fn handle(req: Request) -> impl IntoResponse {
    let path = req.path().trim_end_matches('/');
    match path {
        "/api/docs" | "/api/docs/index.html" => Response::builder()
            .status(200)
            .header("content-type", "text/html; charset=utf-8")
            .body(PAGE)
            .build(),
        "/api/docs/swagger-ui-bundle.js" => asset(BUNDLE, "text/javascript; charset=utf-8"),
        "/api/docs/swagger-ui.css" => asset(CSS, "text/css; charset=utf-8"),
        _ => Response::builder()
            .status(404)
            .header("content-type", "application/json")
            .body(r#"{"error":"Not found","code":"NOT_FOUND"}"#)
            .build(),
    }
}
