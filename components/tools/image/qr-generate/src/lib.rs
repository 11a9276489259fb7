//! `image/qr-generate`: a QR code PNG from text, with no input file (JSON body).
//!
//! The code is `size` × `size` pixels exactly, including a quiet zone of `margin` modules
//! on each side; each pixel takes the colour of the module it falls in, so modules are
//! `size / (modules + 2 × margin)` pixels wide (sizes that leave a module under one pixel
//! are refused). The symbol version is the smallest that holds the text at the asked
//! error-correction level.

use lathe_color_kit::{hex_or, number, Rgba8};
use lathe_image_kit::{encode, image, DynamicImage, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use qrcode::{Color, EcLevel, QrCode, Version};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "data")]
    text: Option<String>,
    size: Option<f64>,
    #[serde(alias = "errorCorrectionLevel")]
    error_correction: Option<String>,
    #[serde(alias = "colorDark")]
    foreground: Option<String>,
    #[serde(alias = "colorLight")]
    background: Option<String>,
    margin: Option<f64>,
}

/// Most characters of `text`.
const MAX_TEXT: usize = 2000;

/// A whole-number setting within a range.
fn whole(
    field: &str,
    value: Option<f64>,
    default: f64,
    min: f64,
    max: f64,
) -> Result<u32, ToolError> {
    let v = number(field, value, default, min, max)?;
    if v.fract() != 0.0 {
        return Err(invalid_settings(format!(
            "{field} must be a whole number, got {v}"
        )));
    }
    Ok(v as u32)
}

fn rgba(c: Rgba8) -> image::Rgba<u8> {
    image::Rgba([c.r, c.g, c.b, c.a])
}

struct QrGenerate;

impl Tool for QrGenerate {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "qr-generate",
            section: Section::Image,
            name: "QR code generator",
            description: "Generate a QR code PNG from text, with size, error correction, colours and quiet zone.",
            settings_schema: json!({
                "type": "object",
                "properties": {
                    "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
                    "size": {"type": "integer", "minimum": 100, "maximum": 10000, "default": 400},
                    "errorCorrection": {"type": "string", "enum": ["L", "M", "Q", "H"], "default": "M"},
                    "foreground": {"type": "string", "default": "#000000"},
                    "background": {"type": "string", "default": "#FFFFFF"},
                    "margin": {"type": "integer", "minimum": 0, "maximum": 32, "default": 4}
                },
                "required": ["text"]
            }),
            min_inputs: 0,
            max_inputs: 0,
            accepts: &[],
            produces: Produces::types(&["png"]),
        }
    }

    fn run(_inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let text = s.text.ok_or_else(|| invalid_settings("text is required"))?;
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_TEXT {
            return Err(invalid_settings(format!(
                "text must be 1 to {MAX_TEXT} characters, got {chars}"
            )));
        }
        let size = whole("size", s.size, 400.0, 100.0, 10000.0)?;
        let margin = whole("margin", s.margin, 4.0, 0.0, 32.0)?;
        let level = match s
            .error_correction
            .as_deref()
            .map(|v| v.trim().to_ascii_uppercase())
            .as_deref()
        {
            None | Some("M") => EcLevel::M,
            Some("L") => EcLevel::L,
            Some("Q") => EcLevel::Q,
            Some("H") => EcLevel::H,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "errorCorrection must be L, M, Q or H, got '{other}'"
                )))
            }
        };
        let dark = hex_or("foreground", s.foreground.as_deref(), "#000000")?;
        let light = hex_or("background", s.background.as_deref(), "#FFFFFF")?;
        let code = QrCode::with_error_correction_level(text.as_bytes(), level).map_err(|e| {
            invalid_settings(format!(
                "text does not fit in a QR code at errorCorrection {level:?}: {e}"
            ))
        })?;
        let modules = code.width() as u32;
        let total = modules + 2 * margin;
        if size < total {
            return Err(invalid_settings(format!(
                "size {size} is too small for this code: it needs at least {total} pixels ({modules} modules plus a margin of {margin})"
            )));
        }
        let colors = code.to_colors();
        let (dark, light) = (rgba(dark), rgba(light));
        let img = image::RgbaImage::from_fn(size, size, |x, y| {
            let mx = (x as u64 * total as u64 / size as u64) as u32;
            let my = (y as u64 * total as u64 / size as u64) as u32;
            let inside =
                mx >= margin && my >= margin && mx < margin + modules && my < margin + modules;
            if inside && colors[((my - margin) * modules + (mx - margin)) as usize] == Color::Dark {
                dark
            } else {
                light
            }
        });
        let image = if dark[3] == 255 && light[3] == 255 {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(img).to_rgb8())
        } else {
            DynamicImage::ImageRgba8(img)
        };
        let png = encode(&image, ImageFormat::Png, EncodeOptions::default())?;
        let version = match code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        };
        Ok(
            Output::file(OutputFile::new("qr-code.png", "image/png", png)).with_extra(json!({
                "width": size,
                "height": size,
                "version": version,
                "modules": modules,
                "errorCorrection": format!("{level:?}"),
            })),
        )
    }
}

lathe_tool_sdk::export_tool!(QrGenerate);
