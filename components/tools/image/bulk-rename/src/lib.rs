//! `image/bulk-rename`: rename up to 200 images by a pattern, returned as one ZIP.
//!
//! The bytes are never touched; only the names change. Pattern placeholders:
//! `{{index}}` / `{n}` (the running number from `startIndex`), `{{padded}}` (the number
//! zero-padded to the digits of the last number, or to `padding` digits), `{{original}}` /
//! `{original}` (the original stem) and `{date}` (today, UTC, `YYYY-MM-DD`). The original
//! extension is kept. Names are made safe (no `/`, `\`, `..`, control characters) and
//! duplicates get `_1`, `_2`, ...

use lathe_image_kit::probe;
use lathe_tool_sdk::{
    archive, invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// Longest pattern accepted.
const MAX_PATTERN: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    pattern: String,
    start_index: f64,
    padding: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            pattern: "image-{{index}}".into(),
            start_index: 1.0,
            padding: None,
        }
    }
}

/// A whole number in `min..=max`, or an invalid-settings error naming `name`.
fn int(name: &str, v: f64, min: i64, max: i64) -> Result<i64, ToolError> {
    if !v.is_finite() || v.fract() != 0.0 || v < min as f64 || v > max as f64 {
        return Err(invalid_settings(format!(
            "{name} must be a whole number from {min} to {max}, got {v}"
        )));
    }
    Ok(v as i64)
}

/// Today's date (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    lathe_store_layout::iso8601(ms)[..10].to_string()
}

/// Makes a file stem safe: path separators and control characters become `_`, `..` goes.
fn safe(stem: &str) -> String {
    let mut s: String = stem
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() || c == ':' {
                '_'
            } else {
                c
            }
        })
        .collect();
    while s.contains("..") {
        s = s.replace("..", ".");
    }
    let s = s.trim().trim_matches('.').to_string();
    if s.is_empty() {
        "file".into()
    } else {
        s
    }
}

struct BulkRename;

impl Tool for BulkRename {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "bulk-rename",
            section: Section::Image,
            name: "Bulk Rename",
            description: "Rename many images by a pattern ({{index}}, {{padded}}, {{original}}, \
                          {date}); the files are returned unchanged in a ZIP.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "pattern": {"type": "string", "default": "image-{{index}}"},
                    "startIndex": {"type": "integer", "minimum": 0, "default": 1},
                    "padding": {"type": "integer", "minimum": 0, "maximum": 10}
                }
            }),
            min_inputs: 1,
            max_inputs: 200,
            accepts: &[],
            produces: Produces::types(&["zip"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let pattern = s.pattern.trim();
        if pattern.is_empty() || pattern.chars().count() > MAX_PATTERN {
            return Err(invalid_settings(format!(
                "pattern must be 1 to {MAX_PATTERN} characters"
            )));
        }
        let start = int("startIndex", s.start_index, 0, 1_000_000_000)? as u64;
        let last = start + inputs.len() as u64 - 1;
        let width = match s.padding {
            Some(p) => int("padding", p, 0, 10)? as usize,
            None => last.to_string().len(),
        };
        for input in &inputs {
            probe(input)?;
        }
        let date = today();
        let mut files = Vec::with_capacity(inputs.len());
        let mut renamed = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.into_iter().enumerate() {
            let n = start + i as u64;
            let stem = pattern
                .replace("{{index}}", &n.to_string())
                .replace("{{padded}}", &format!("{n:0width$}"))
                .replace("{{original}}", input.stem())
                .replace("{n}", &n.to_string())
                .replace("{original}", input.stem())
                .replace("{date}", &date);
            // The extension as the client wrote it (case kept).
            let ext = match input.name.rfind('.') {
                Some(i) if i > 0 && i + 1 < input.name.len() => safe(&input.name[i + 1..]),
                _ => String::new(),
            };
            let name = if ext.is_empty() {
                safe(&stem)
            } else {
                format!("{}.{ext}", safe(&stem))
            };
            renamed.push(serde_json::json!({"from": input.name, "to": name}));
            files.push(OutputFile::new(name, input.media_type, input.data));
        }
        let zip = archive::zip_files(&files)?;
        Ok(
            Output::file(OutputFile::new("renamed.zip", "application/zip", zip))
                .with_extra(serde_json::json!({ "count": files.len(), "files": renamed })),
        )
    }
}

lathe_tool_sdk::export_tool!(BulkRename);
