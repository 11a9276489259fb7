//! `image/crop`: cut a rectangle out of an image, in pixels or in percent of its size.

use lathe_image_kit::{decode, edited_output};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// JPEG quality of the re-encoded result.
const JPEG_QUALITY: u8 = 90;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    left: f64,
    #[serde(default)]
    top: f64,
    width: Option<f64>,
    height: Option<f64>,
    #[serde(default)]
    unit: Unit,
}

/// The unit of the crop box values.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Unit {
    /// Pixels of the upright image (fractions are rounded).
    #[default]
    Px,
    /// Percent of the upright image's width (left, width) or height (top, height).
    Percent,
}

/// A crop box in pixels: left, top, width, height.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct CropBox {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

/// Turns the settings into a pixel box inside an upright image of `size`.
fn crop_box(size: (u32, u32), s: &Settings) -> Result<CropBox, ToolError> {
    let width = s
        .width
        .ok_or_else(|| invalid_settings("width is required"))?;
    let height = s
        .height
        .ok_or_else(|| invalid_settings("height is required"))?;
    for (name, v) in [("left", s.left), ("top", s.top)] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(invalid_settings(format!("{name} must be 0 or more")));
        }
    }
    for (name, v) in [("width", width), ("height", height)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(invalid_settings(format!("{name} must be greater than 0")));
        }
    }
    let (iw, ih) = (size.0 as f64, size.1 as f64);
    // Edges are rounded separately so rounding can never push the box past the image.
    let (x0, y0, x1, y1) = match s.unit {
        Unit::Px => (
            s.left.round(),
            s.top.round(),
            (s.left + width).round(),
            (s.top + height).round(),
        ),
        Unit::Percent => {
            if s.left + width > 100.0 + 1e-9 || s.top + height > 100.0 + 1e-9 {
                return Err(invalid_settings(format!(
                    "the crop box (left {}%, top {}%, width {width}%, height {height}%) is not inside the image: \
                     left + width and top + height must be at most 100",
                    s.left, s.top
                )));
            }
            let px = |pct: f64, dim: f64| (pct * dim / 100.0).round().min(dim);
            (
                px(s.left, iw),
                px(s.top, ih),
                px(s.left + width, iw),
                px(s.top + height, ih),
            )
        }
    };
    if x1 > iw || y1 > ih {
        return Err(invalid_settings(format!(
            "the crop box (left {x0}, top {y0}, width {}, height {}) is not inside the {}x{} image",
            x1 - x0,
            y1 - y0,
            size.0,
            size.1
        )));
    }
    if x1 - x0 < 1.0 || y1 - y0 < 1.0 {
        return Err(invalid_settings("the crop box is smaller than one pixel"));
    }
    Ok(CropBox {
        x: x0 as u32,
        y: y0 as u32,
        w: (x1 - x0) as u32,
        h: (y1 - y0) as u32,
    })
}

struct Crop;

impl Tool for Crop {
    fn describe() -> ToolInfo {
        let mut info = lathe_image_kit::one_image_tool_info(
            "crop",
            "Crop",
            "Cut a rectangle out of an image, given in pixels or in percent of the image size.",
            serde_json::json!({
                "left": {"type": "number", "minimum": 0, "default": 0},
                "top": {"type": "number", "minimum": 0, "default": 0},
                "width": {"type": "number", "exclusiveMinimum": 0},
                "height": {"type": "number", "exclusiveMinimum": 0},
                "unit": {"enum": ["px", "percent"], "default": "px"}
            }),
        );
        info.settings_schema["required"] = serde_json::json!(["width", "height"]);
        info
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let input = &inputs[0];
        let head = lathe_image_kit::probe(input)?;
        let b = crop_box(head.upright_dimensions(), &settings)?;
        let decoded = decode(input)?;
        // The decoded size is authoritative; re-check in case the header lied.
        if b.x + b.w > decoded.image.width() || b.y + b.h > decoded.image.height() {
            return Err(invalid_settings("the crop box is not inside the image"));
        }
        let result = decoded.image.crop_imm(b.x, b.y, b.w, b.h);
        let extra = serde_json::json!({"left": b.x, "top": b.y});
        edited_output(input, &result, decoded.format, JPEG_QUALITY, extra)
    }
}

lathe_tool_sdk::export_tool!(Crop);
