//! Tool request bodies: `multipart/form-data` with file parts and a `settings` field (seed
//! 001), or a JSON body for tools that take no file.

use spin_sdk::http::Request;

use crate::{ApiError, ApiResult};

/// Largest `settings` field accepted (64 KiB, as the peer).
pub const MAX_SETTINGS_BYTES: usize = 64 * 1024;

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// Form field name (`file`, `files`, ...).
    pub field: String,
    /// Sanitised file name.
    pub name: String,
    /// Media type sent by the client.
    pub media_type: String,
    /// Size in bytes (kept when `data` is handed to a tool).
    pub size: u64,
    /// Bytes.
    pub data: Vec<u8>,
}

/// A parsed tool request.
#[derive(Debug, Default)]
pub struct ToolRequest {
    /// Uploaded files, in order.
    pub files: Vec<UploadedFile>,
    /// The settings JSON text (`{}` when absent).
    pub settings: String,
    /// The `pipeline` field's text, when sent (`/api/v1/pipeline/*`).
    pub pipeline: Option<String>,
}

/// Keeps the last path component of a client file name and replaces characters that are
/// unsafe in URLs, store keys or file systems.
pub fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    let cleaned: String = cleaned.chars().take(200).collect();
    if cleaned.is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}

fn content_type(req: &Request) -> String {
    req.header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

/// Parses a tool request body.
pub fn parse(req: &Request) -> ApiResult<ToolRequest> {
    let ct = content_type(req);
    let lower = ct.to_ascii_lowercase();
    if lower.starts_with("application/json") {
        let body = req.body();
        if body.len() > MAX_SETTINGS_BYTES {
            return Err(ApiError::bad_request(
                "Settings payload too large (max 64KB)",
            ));
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::bad_request("Malformed JSON in request body"))?;
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|_| ApiError::bad_request("Malformed JSON in request body"))?;
        // A JSON body is the settings object itself, or `{"settings": {...}}`.
        let settings = match value.get("settings") {
            Some(s) if s.is_object() => s.to_string(),
            _ => value.to_string(),
        };
        return Ok(ToolRequest {
            files: Vec::new(),
            settings,
            pipeline: None,
        });
    }
    if !lower.starts_with("multipart/form-data") {
        return Err(ApiError::bad_request(
            "Send the file as multipart/form-data (fields 'file' and 'settings')",
        ));
    }
    let boundary = multer::parse_boundary(&ct)
        .map_err(|e| ApiError::bad_request(format!("Failed to parse multipart request: {e}")))?;
    let body = bytes::Bytes::copy_from_slice(req.body());
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut out = ToolRequest {
        files: Vec::new(),
        settings: "{}".to_string(),
        pipeline: None,
    };
    futures::executor::block_on(async {
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => {
                    return Err(ApiError::bad_request(format!(
                        "Failed to parse multipart request: {e}"
                    )))
                }
            };
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(str::to_string);
            let media_type = field
                .content_type()
                .map(|m| m.to_string())
                .unwrap_or_else(|| "application/octet-stream".into());
            let data = field.bytes().await.map_err(|e| {
                ApiError::bad_request(format!("Failed to parse multipart request: {e}"))
            })?;
            match file_name {
                Some(file_name) => out.files.push(UploadedFile {
                    field: name,
                    name: sanitize_file_name(&file_name),
                    media_type,
                    size: data.len() as u64,
                    data: data.to_vec(),
                }),
                None if name == "settings" => {
                    if data.len() > MAX_SETTINGS_BYTES {
                        return Err(ApiError::bad_request(
                            "Settings payload too large (max 64KB)",
                        ));
                    }
                    let text = String::from_utf8(data.to_vec())
                        .map_err(|_| ApiError::bad_request("Settings must be valid JSON"))?;
                    out.settings = if text.trim().is_empty() {
                        "{}".into()
                    } else {
                        text
                    };
                }
                None if name == "pipeline" => {
                    if data.len() > MAX_SETTINGS_BYTES {
                        return Err(ApiError::bad_request(
                            "Pipeline payload too large (max 64KB)",
                        ));
                    }
                    let text = String::from_utf8(data.to_vec())
                        .map_err(|_| ApiError::bad_request("The pipeline must be valid JSON"))?;
                    out.pipeline = Some(text);
                }
                None => {}
            }
        }
        Ok(())
    })?;
    check_settings(&out.settings)?;
    Ok(out)
}

/// 400 INVALID_SETTINGS unless `settings` is a JSON object.
pub fn check_settings(settings: &str) -> ApiResult<()> {
    match serde_json::from_str::<serde_json::Value>(settings) {
        Ok(v) if v.is_object() => Ok(()),
        _ => Err(ApiError::new(
            400,
            "INVALID_SETTINGS",
            "Settings must be valid JSON (an object)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_directories_and_odd_characters() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\photos\\cat.jpg"), "cat.jpg");
        assert_eq!(sanitize_file_name("a/b?c&d.png"), "b_c_d.png");
        assert_eq!(sanitize_file_name(".."), "file");
    }
}
