//! The OpenAPI 3.1 document, `/llms.txt` and `/llms-full.txt`, generated on request from
//! the route table (`crate::api::route_docs`, `crate::api::streamed_route_docs`) and the
//! tool catalog (each tool's own `describe()`: name, inputs, settings JSON Schema), so a new
//! tool or route appears with no other change.

use serde_json::{json, Map, Value};
use spin_sdk::key_value::Store;

use crate::layout::CatalogEntry;
use crate::route_table::{Access, Body, RouteDoc};
use crate::{catalog, ApiResult};

fn all_routes() -> Vec<RouteDoc> {
    let mut routes = crate::api::route_docs();
    routes.extend(crate::api::streamed_route_docs());
    routes
}

fn security(access: Access) -> Value {
    match access {
        Access::Public => json!([]),
        _ => json!([{"bearer": []}, {"apiKey": []}]),
    }
}

fn permission_note(access: Access) -> Option<String> {
    match access {
        Access::Public => None,
        Access::Auth => Some("any authenticated caller".into()),
        Access::Perm(p) | Access::Inside(p) => Some(p.as_str().to_string()),
        Access::Any(list) => Some(
            list.iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" or "),
        ),
    }
}

fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != "api") {
        id.push('_');
        id.extend(
            part.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
        );
    }
    id
}

fn error_response() -> Value {
    json!({"description": "An error: {error, code, requestId}",
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn success(route: &RouteDoc) -> Value {
    let binary = route.path.ends_with("/download")
        || route.path.ends_with("/thumbnail")
        || route.path.starts_with("/api/v1/download/");
    let content = if binary {
        json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
    } else if route.path == "/api/v1/preview" {
        json!({"image/webp": {"schema": {"type": "string", "format": "binary"}}})
    } else if route.path.ends_with("/progress") {
        json!({"text/event-stream": {"schema": {"type": "string"}}})
    } else if route.path.ends_with(".yaml") {
        json!({"application/yaml": {"schema": {"type": "object"}}})
    } else if route.path.ends_with(".txt") || route.path.ends_with("/docs") {
        json!({"text/plain": {"schema": {"type": "string"}}})
    } else {
        json!({"application/json": {"schema": {"type": "object"}}})
    };
    json!({"description": "Success", "content": content})
}

fn multipart_body(settings: Option<&Value>, many: bool, file_required: bool) -> Value {
    let file = json!({"type": "string", "format": "binary"});
    let mut settings_field = json!({
        "type": "string", "description": "The settings, a JSON object as text",
        "contentMediaType": "application/json",
    });
    if let Some(schema) = settings {
        settings_field["contentSchema"] = schema.clone();
    }
    let mut properties = Map::new();
    let field = if many {
        properties.insert(
            "files".into(),
            json!({"type": "array", "items": file, "minItems": 1}),
        );
        "files"
    } else {
        properties.insert("file".into(), file);
        "file"
    };
    properties.insert("settings".into(), settings_field);
    let required: Vec<&str> = if file_required {
        vec![field]
    } else {
        Vec::new()
    };
    json!({"required": true, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": properties, "required": required}}}})
}

fn request_body(route: &RouteDoc) -> Option<Value> {
    match route.body {
        Body::Empty => None,
        Body::Json => {
            // These routes also take no body at all.
            let optional = ["/api/v1/api-keys", "/reset-password", "/share"]
                .iter()
                .any(|end| route.path.ends_with(end));
            Some(
                json!({"required": !optional, "content": {"application/json": {
                "schema": crate::api::request_schema(&route.method, &route.path)}}}),
            )
        }
        Body::Multipart => Some(multipart_body(None, true, true)),
        Body::Raw => Some(
            json!({"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}),
        ),
    }
}

fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|p| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect()
}

fn add(paths: &mut Map<String, Value>, path: &str, method: &str, op: Value) {
    let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
    item[method.to_ascii_lowercase()] = op;
}

fn route_operation(route: &RouteDoc) -> Value {
    let mut op = json!({
        "operationId": operation_id(&route.method, &route.path),
        "summary": route.summary,
        "tags": [route.tag],
        "security": security(route.access),
        "responses": {route.status.to_string(): success(route), "default": error_response()},
    });
    if let Some(note) = permission_note(route.access) {
        op["description"] = json!(format!("Permission: {note}."));
        op["x-permission"] = json!(note);
    }
    let params = path_parameters(&route.path);
    if !params.is_empty() {
        op["parameters"] = Value::Array(params);
    }
    if let Some(body) = request_body(route) {
        op["requestBody"] = body;
    }
    op
}

fn tool_operations(paths: &mut Map<String, Value>, entry: &CatalogEntry) {
    let base = format!("/api/v1/tools/{}/{}", entry.section, entry.id);
    let tag = format!("tools: {}", entry.section);
    let secured = json!([{"bearer": []}, {"apiKey": []}]);
    let schema = &entry.settings_schema;
    let many = entry.max_inputs > 1;
    let mut run = json!({
        "operationId": operation_id("post", &base),
        "summary": format!("{}: {}", entry.name, entry.description),
        "description": format!(
            "Permission: tools:use. Inputs: {} to {} file(s){}. Fast tools answer 200 with the result; long ones 202 {{jobId}} (follow GET /api/v1/jobs/{{jobId}}).",
            entry.min_inputs,
            entry.max_inputs,
            if entry.accepts.is_empty() { String::new() } else { format!(" of type {}", entry.accepts.join(", ")) },
        ),
        "tags": [tag],
        "security": secured,
        "requestBody": multipart_body(Some(schema), many, entry.min_inputs > 0),
        "responses": {
            "200": {"description": "The result: {jobId, downloadUrl, originalSize, processedSize, ...}",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
            "202": {"description": "Still running: {jobId}",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
            "default": error_response(),
        },
        "x-settings-schema": schema,
    });
    if entry.min_inputs == 0 {
        run["requestBody"]["content"]["application/json"] = json!({"schema": schema});
    }
    add(paths, &base, "post", run);
    add(
        paths,
        &base,
        "get",
        json!({
            "operationId": operation_id("get", &base),
            "summary": format!("Describe {}: inputs and settings schema", entry.name),
            "tags": [format!("tools: {}", entry.section)],
            "security": [],
            "responses": {"200": {"description": "The tool's catalog entry",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "default": error_response()},
        }),
    );
    let post = |path: &str, summary: String, body: Value, responses: Value| {
        json!({
            "operationId": operation_id("post", path),
            "summary": summary,
            "tags": [tag],
            "security": secured,
            "requestBody": body,
            "responses": responses,
        })
    };
    if entry.min_inputs <= 1 && !entry.operations.iter().any(|o| o == "batch") {
        let path = format!("{base}/batch");
        let op = post(
            &path,
            format!("{} on many files: a ZIP", entry.name),
            multipart_body(Some(schema), true, true),
            json!({"200": {"description": "A ZIP of the results",
                           "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                   "202": {"description": "Still running: {jobId}",
                           "content": {"application/json": {"schema": {"type": "object"}}}},
                   "default": error_response()}),
        );
        add(paths, &path, "post", op);
    }
    for name in &entry.operations {
        let path = format!("{base}/{name}");
        let op = post(
            &path,
            format!("{}: the `{name}` operation", entry.name),
            multipart_body(Some(schema), many, false),
            json!({"200": {"description": "Success"}, "default": error_response()}),
        );
        add(paths, &path, "post", op);
    }
}

/// The OpenAPI 3.1 document.
pub fn document(store: &Store) -> ApiResult<Value> {
    let mut paths = Map::new();
    for route in all_routes() {
        add(
            &mut paths,
            &route.path,
            &route.method,
            route_operation(&route),
        );
    }
    for entry in catalog::list(store)? {
        tool_operations(&mut paths, &entry);
    }
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Lathe",
            "version": crate::api::VERSION,
            "description": "File-processing tools (image, video, audio, PDF, data files) behind one REST API. \
                Authenticate with `Authorization: Bearer <session token or si_ API key>` or `x-api-key`. \
                Errors are `{error, code, requestId}`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"apiKey": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A session token (POST /api/auth/login) or an si_ API key"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "code"],
                    "properties": {
                        "error": {"type": "string"}, "code": {"type": "string"},
                        "requestId": {"type": "string"}, "step": {"type": "integer"},
                        "retryAfter": {"type": "integer"},
                    },
                },
            },
        },
        "paths": paths,
    }))
}

/// The document as YAML.
pub fn yaml(store: &Store) -> ApiResult<String> {
    let mut out = String::new();
    write_yaml(&document(store)?, 0, &mut out);
    Ok(out)
}

/// Block-style YAML of a JSON value. Written here because the one Rust YAML writer
/// (`serde_yaml`, deprecated) leaves strings such as `1:1` or `on` unquoted, which YAML 1.1
/// readers (PyYAML, many OpenAPI tools) turn into numbers and booleans. Every string and
/// key is written double-quoted with JSON's escapes, which mean the same in YAML.
fn write_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let inline = |v: &Value| match v {
        Value::Object(m) if m.is_empty() => Some("{}".to_string()),
        Value::Array(a) if a.is_empty() => Some("[]".to_string()),
        Value::Object(_) | Value::Array(_) => None,
        scalar => Some(scalar.to_string()),
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                let key = Value::String(key.clone()).to_string();
                match inline(v) {
                    Some(text) => out.push_str(&format!("{pad}{key}: {text}\n")),
                    None => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_yaml(v, indent + 2, out);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for v in items {
                match inline(v) {
                    Some(text) => out.push_str(&format!("{pad}- {text}\n")),
                    None => {
                        out.push_str(&format!("{pad}-\n"));
                        write_yaml(v, indent + 2, out);
                    }
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", inline(other).unwrap_or_default())),
    }
}

fn access_text(access: Access) -> String {
    permission_note(access).unwrap_or_else(|| "public".into())
}

const CALL_PATTERN: &str = "\
## Authentication
- `POST /api/auth/login` with `{\"username\",\"password\"}` gives `{\"token\"}`; `POST /api/v1/api-keys` \
with `{\"name\"}` gives an `si_` key, shown once.
- Send `Authorization: Bearer <token or key>` (or `x-api-key: <key>`) with every call.

## Calling a tool
- `POST /api/v1/tools/<section>/<toolId>` with multipart `file` (or several `files`) and `settings` \
(a JSON object as text). Fast tools answer 200 `{jobId, downloadUrl, originalSize, processedSize, ...}`; \
long ones 202 `{jobId}`: poll `GET /api/v1/jobs/<jobId>` or stream `GET /api/v1/jobs/<jobId>/progress`.
- Download the result at `downloadUrl`. `POST .../batch` runs a tool on many files and answers a ZIP.
- `POST /api/v1/pipeline/execute` with `file` and `pipeline` `{\"steps\":[{\"toolId\",\"settings\"}]}` chains tools.
- Errors: `{\"error\",\"code\",\"requestId\"}` with a 4xx status; 429 carries `Retry-After`.
- Spec: `/api/v1/openapi.yaml` (OpenAPI 3.1), interactive docs at `/api/docs`.
";

/// `/llms.txt`: auth, the call pattern, and one line per tool.
pub fn llms(store: &Store) -> ApiResult<String> {
    let mut out = String::from(
        "# Lathe\n\n> File-processing tools (image, video, audio, PDF, data files) behind one REST API.\n\n",
    );
    out.push_str(CALL_PATTERN);
    out.push_str("\n## Tools\n");
    for e in catalog::list(store)? {
        out.push_str(&format!(
            "- `{}/{}` ({}): {}\n",
            e.section, e.id, e.name, e.description
        ));
    }
    out.push_str("\nEvery route and every tool's settings: /llms-full.txt\n");
    Ok(out)
}

fn describe_schema(schema: &Value) -> String {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return "  (no settings)\n".into();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = String::new();
    for (name, p) in props {
        let mut facts = Vec::new();
        if let Some(t) = p.get("type") {
            facts.push(match t {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        if let Some(e) = p.get("enum") {
            facts.push(format!("one of {e}"));
        }
        for (key, label) in [
            ("minimum", "≥"),
            ("exclusiveMinimum", ">"),
            ("maximum", "≤"),
            ("exclusiveMaximum", "<"),
        ] {
            if let Some(v) = p.get(key) {
                facts.push(format!("{label} {v}"));
            }
        }
        if let Some(d) = p.get("default") {
            facts.push(format!("default {d}"));
        }
        if required.contains(&name.as_str()) {
            facts.push("required".into());
        }
        let note = p
            .get("description")
            .and_then(Value::as_str)
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        out.push_str(&format!("  - `{name}` ({}){note}\n", facts.join(", ")));
    }
    out
}

/// `/llms-full.txt`: everything of `/llms.txt`, every route with its permission, and
/// every tool's settings.
pub fn llms_full(store: &Store) -> ApiResult<String> {
    let mut out = String::from("# Lathe: the complete API\n\n");
    out.push_str(CALL_PATTERN);
    out.push_str("\n## Routes\n");
    for r in all_routes() {
        out.push_str(&format!(
            "- `{} {}` ({}): {}\n",
            r.method,
            r.path,
            access_text(r.access),
            r.summary
        ));
    }
    out.push_str("\n## Tools and their settings\n");
    for e in catalog::list(store)? {
        out.push_str(&format!(
            "\n### `POST /api/v1/tools/{}/{}` — {}\n{}\nInputs: {} to {} file(s){}.{}\nSettings:\n",
            e.section,
            e.id,
            e.name,
            e.description,
            e.min_inputs,
            e.max_inputs,
            if e.accepts.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.accepts.join(", "))
            },
            if e.operations.is_empty() {
                String::new()
            } else {
                format!(" Operations: {}.", e.operations.join(", "))
            },
        ));
        out.push_str(&describe_schema(&e.settings_schema));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_quotes_every_string() {
        let mut out = String::new();
        write_yaml(
            &json!({"a": {"b": ["1:1", "on", 2, {"c": null}], "d": {}}, "e": []}),
            0,
            &mut out,
        );
        assert_eq!(
            out,
            "\"a\":\n  \"b\":\n    - \"1:1\"\n    - \"on\"\n    - 2\n    -\n      \"c\": null\n  \"d\": {}\n\"e\": []\n"
        );
    }

    #[test]
    fn ids_and_parameters_come_from_the_path() {
        assert_eq!(
            operation_id("GET", "/api/v1/roles/{id}"),
            "get_v1_roles__id_"
        );
        assert_eq!(
            path_parameters("/api/v1/jobs/{job}/files")[0]["name"],
            "job"
        );
        let text = describe_schema(&json!({"type": "object", "required": ["width"],
            "properties": {"width": {"type": "integer", "minimum": 1, "default": 800}}}));
        assert!(
            text.contains("`width` (integer, ≥ 1, default 800, required)"),
            "{text}"
        );
    }
}
