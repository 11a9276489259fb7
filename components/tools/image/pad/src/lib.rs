//! `image/image-pad`: pad an image (never crop it) to an aspect ratio, centred on a colour,
//! a transparent background or a blurred, scaled-to-cover copy of itself.
//!
//! `padding` (0..50 %) first adds a margin of that share of the image's longer side on
//! every side; the result is then padded to the exact ratio: the canvas is
//! `k·ratioW × k·ratioH` for the smallest `k` that holds the padded image.

use lathe_image_kit::image::{imageops, Rgba};
use lathe_image_kit::{decode, DynamicImage};
use lathe_layout_kit as kit;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    target: String,
    ratio_w: f64,
    ratio_h: f64,
    background: Background,
    color: String,
    padding: f64,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            target: "1:1".into(),
            ratio_w: 1.0,
            ratio_h: 1.0,
            background: Background::Color,
            color: "#ffffff".into(),
            padding: 0.0,
            quality: 90.0,
        }
    }
}

/// What fills the padding.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Background {
    /// A solid colour (`color`).
    #[default]
    Color,
    /// Transparent (PNG unless the source format keeps alpha).
    Transparent,
    /// A blurred copy of the image scaled to cover the canvas.
    Blur,
}

/// The ratio named by `target` (`custom` uses `ratioW:ratioH`).
fn ratio(s: &Settings) -> Result<(u64, u64), ToolError> {
    Ok(match s.target.trim() {
        "16:9" => (16, 9),
        "9:16" => (9, 16),
        "1:1" => (1, 1),
        "4:3" => (4, 3),
        "3:4" => (3, 4),
        "custom" => (
            kit::int("ratioW", s.ratio_w, 1, 100)? as u64,
            kit::int("ratioH", s.ratio_h, 1, 100)? as u64,
        ),
        other => {
            return Err(invalid_settings(format!(
                "target must be one of 16:9, 9:16, 1:1, 4:3, 3:4, custom, got '{other}'"
            )))
        }
    })
}

/// Canvas size: the smallest multiple of the ratio holding `w` × `h`.
fn canvas_size(w: u64, h: u64, (rw, rh): (u64, u64)) -> (u64, u64) {
    let k = w.div_ceil(rw).max(h.div_ceil(rh)).max(1);
    (k * rw, k * rh)
}

/// A blurred copy of `img` covering `w` × `h` (blurred at reduced size, then scaled up).
fn blurred_cover(
    img: &DynamicImage,
    w: u32,
    h: u32,
) -> Result<lathe_image_kit::image::RgbaImage, ToolError> {
    let (sw, sh) = ((w / 8).max(1), (h / 8).max(1));
    let small = kit::cover(img, sw, sh, (0.5, 0.5))?;
    let blurred = imageops::fast_blur(&small, (sw.max(sh) as f32 / 40.0).max(1.5));
    kit::stretch(&DynamicImage::ImageRgba8(blurred), w, h)
}

struct ImagePad;

impl Tool for ImagePad {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "image-pad",
            "Pad to Aspect Ratio",
            "Pad an image to an aspect ratio without cropping, on a colour, transparency or a blurred copy of itself.",
            serde_json::json!({
                    "target": {"enum": ["16:9", "9:16", "1:1", "4:3", "3:4", "custom"], "default": "1:1"},
                    "ratioW": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
                    "ratioH": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
                    "background": {"enum": ["color", "transparent", "blur"], "default": "color"},
                    "color": {"type": "string", "default": "#ffffff"},
                    "padding": {"type": "integer", "minimum": 0, "maximum": 50, "default": 0, "description": "margin in % of the longer side"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let ratio = ratio(&s)?;
        let color = kit::parse_hex("color", &s.color)?;
        let padding = kit::int("padding", s.padding, 0, 50)? as u64;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;

        let input = &inputs[0];
        let decoded = decode(input)?;
        let img = &decoded.image;
        let (w, h) = (img.width() as u64, img.height() as u64);
        let margin = (w.max(h) * padding).div_ceil(100);
        let (cw, ch) = canvas_size(w + 2 * margin, h + 2 * margin, ratio);
        let (cw, ch) = kit::check_canvas(cw, ch)?;
        let mut canvas = match s.background {
            Background::Color => kit::canvas(cw as u64, ch as u64, color)?,
            Background::Transparent => kit::canvas(cw as u64, ch as u64, Rgba([0, 0, 0, 0]))?,
            Background::Blur => blurred_cover(img, cw, ch)?,
        };
        let x = (cw as u64 - w) / 2;
        let y = (ch as u64 - h) / 2;
        kit::overlay(&mut canvas, &img.to_rgba8(), x as i64, y as i64);

        kit::save_like_source(input, canvas, decoded.format, quality)
    }
}

lathe_tool_sdk::export_tool!(ImagePad);
