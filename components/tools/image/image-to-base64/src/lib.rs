//! `image/image-to-base64`: encode up to 20 images as base64 data URIs, answered as JSON
//! (no file).
//!
//! With `outputFormat: "original"` and no size limit the file's own bytes are encoded
//! unchanged. Otherwise the image is decoded (turned upright), scaled down to fit inside
//! `maxWidth` × `maxHeight` (0 = no limit; never enlarged) and re-encoded as the asked
//! format (or its own, PNG where Lathe cannot write it). A file that cannot be read is
//! listed in `errors`; the run fails only when no file could be read.

use base64::Engine;
use lathe_color_kit::whole;
use lathe_image_kit::{decode, encode, probe, resize_exact, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    output_format: Option<String>,
    /// Seed 001: `data-uri` (default) or `plain` (the bare base64 text); an image format
    /// here is read as `outputFormat`, as the peer's code does.
    format: Option<String>,
    /// Seed 001: the MIME type to encode to (`image/png`, `image/jpeg`, `image/webp`).
    mime_type: Option<String>,
    quality: Option<f64>,
    max_width: Option<f64>,
    max_height: Option<f64>,
}

/// How the encoded image is written: seed 001's `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `data:<type>;base64,<text>`.
    DataUri,
    /// The base64 text alone.
    Plain,
}

/// The validated settings.
struct Options {
    style: Style,
    /// `None` keeps the source format.
    format: Option<ImageFormat>,
    quality: u8,
    max_width: u32,
    max_height: u32,
}

/// The size that fits `w` × `h` inside the limits (0 = none), never larger.
fn fit(w: u32, h: u32, max_w: u32, max_h: u32) -> (u32, u32) {
    let mut scale = 1.0f64;
    if max_w > 0 && w > max_w {
        scale = scale.min(max_w as f64 / w as f64);
    }
    if max_h > 0 && h > max_h {
        scale = scale.min(max_h as f64 / h as f64);
    }
    if scale >= 1.0 {
        return (w, h);
    }
    (
        ((w as f64 * scale).round() as u32).max(1),
        ((h as f64 * scale).round() as u32).max(1),
    )
}

/// One result entry for `input`.
fn convert(input: &Input, opts: &Options) -> Result<Value, ToolError> {
    let head = probe(input)?;
    let (w, h) = head.upright_dimensions();
    let (tw, th) = fit(w, h, opts.max_width, opts.max_height);
    let keep_bytes = opts.format.is_none() && (tw, th) == (w, h);
    let (media_type, bytes) = if keep_bytes {
        // Check the pixels decode, so a broken file is reported rather than passed on.
        decode(input)?;
        let media = ImageFormat::from_image(head.format)
            .map(ImageFormat::media_type)
            .unwrap_or(if head.format == lathe_image_kit::image::ImageFormat::Ico {
                "image/x-icon"
            } else {
                "application/octet-stream"
            });
        (media, input.data.clone())
    } else {
        let decoded = decode(input)?;
        let format = opts
            .format
            .unwrap_or_else(|| ImageFormat::same_as(decoded.format));
        let image = resize_exact(&decoded.image, tw, th)?;
        let bytes = encode(
            &image,
            format,
            EncodeOptions {
                quality: opts.quality,
            },
        )?;
        (format.media_type(), bytes)
    };
    let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
    // Only the form asked for is answered.
    let (style, key, value) = match opts.style {
        Style::DataUri => (
            "data-uri",
            "dataUri",
            format!("data:{media_type};base64,{text}"),
        ),
        Style::Plain => ("plain", "base64", text),
    };
    let mut entry = json!({
        "filename": input.name,
        "mimeType": media_type,
        "width": tw,
        "height": th,
        "originalSize": input.data.len(),
        "size": bytes.len(),
        "format": style,
    });
    entry[key] = json!(value);
    Ok(entry)
}

struct ImageToBase64;

impl Tool for ImageToBase64 {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "image-to-base64",
            section: Section::Image,
            name: "Image to Base64",
            description:
                "Encode up to 20 images as base64 data URIs, optionally converted and scaled down.",
            settings_schema: json!({
                "type": "object",
                "properties": {
                    "format": {"type": "string", "enum": ["data-uri", "plain"], "default": "data-uri", "description": "data-uri: data:<type>;base64,...; plain: the base64 text alone."},
                    "mimeType": {"type": "string", "enum": ["image/jpeg", "image/png", "image/webp"], "description": "Encode to this type (as outputFormat)."},
                    "outputFormat": {"type": "string", "enum": ["original", "jpeg", "png", "webp"], "default": "original"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 80},
                    "maxWidth": {"type": "integer", "minimum": 0, "default": 0},
                    "maxHeight": {"type": "integer", "minimum": 0, "default": 0}
                }
            }),
            min_inputs: 1,
            max_inputs: 20,
            accepts: &[],
            produces: Produces::NO_FILE,
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        // Seed 001's `format` names the encoding; the peer's code read an image format there.
        let (style, format_alias) = match s.format.as_deref().map(str::to_ascii_lowercase) {
            None => (Style::DataUri, None),
            Some(f) if f == "data-uri" || f == "datauri" || f == "data_uri" => {
                (Style::DataUri, None)
            }
            Some(f) if f == "plain" || f == "base64" => (Style::Plain, None),
            Some(other) => (Style::DataUri, Some(other)),
        };
        let from_mime = match s.mime_type.as_deref().map(str::to_ascii_lowercase) {
            None => None,
            Some(m) => Some(match m.trim_start_matches("image/") {
                "jpeg" | "jpg" => "jpeg".to_string(),
                "png" => "png".into(),
                "webp" => "webp".into(),
                _ => {
                    return Err(invalid_settings(format!(
                        "mimeType must be image/jpeg, image/png or image/webp, got '{m}'"
                    )))
                }
            }),
        };
        let requested = s.output_format.or(from_mime).or(format_alias);
        let format = match requested.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("original") => None,
            Some("jpeg") | Some("jpg") => Some(ImageFormat::Jpeg),
            Some("png") => Some(ImageFormat::Png),
            Some("webp") => Some(ImageFormat::WebP),
            Some(other) => {
                return Err(invalid_settings(format!(
                    "outputFormat must be original, jpeg, png or webp, got '{other}'"
                )))
            }
        };
        let opts = Options {
            style,
            format,
            quality: whole("quality", s.quality, 80.0, 1.0, 100.0)? as u8,
            max_width: whole("maxWidth", s.max_width, 0.0, 0.0, 100_000.0)?,
            max_height: whole("maxHeight", s.max_height, 0.0, 0.0, 100_000.0)?,
        };
        let mut results = Vec::new();
        let mut errors = Vec::new();
        let mut first_error = None;
        for input in &inputs {
            match convert(input, &opts) {
                Ok(v) => results.push(v),
                Err(e) => {
                    let message = match &e {
                        ToolError::InvalidSettings(m)
                        | ToolError::UnsupportedInput(m)
                        | ToolError::TooLarge(m)
                        | ToolError::Failed(m) => m.clone(),
                    };
                    errors.push(json!({"filename": input.name, "error": message}));
                    first_error.get_or_insert(e);
                }
            }
        }
        if results.is_empty() {
            return Err(first_error.unwrap_or_else(|| unsupported("no image given")));
        }
        Ok(Output::default().with_extra(json!({
            "results": results,
            "errors": errors,
        })))
    }
}

lathe_tool_sdk::export_tool!(ImageToBase64);
