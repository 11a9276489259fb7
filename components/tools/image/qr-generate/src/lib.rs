//! `image/qr-generate`: a QR code PNG from text, with no input file (JSON body).
//!
//! The code is `size` × `size` pixels exactly, including a quiet zone of `margin` modules
//! on each side; each pixel takes the colour of the module it falls in, so modules are
//! `size / (modules + 2 × margin)` pixels wide (sizes that leave a module under one pixel
//! are refused). The symbol version is the smallest that holds the text at the asked
//! error-correction level.
//!
//! Seed 001's styling: `dotStyle` (`square`, `dots`, `rounded`) shapes the data modules,
//! `cornerStyle` (the same names) the three finder patterns, and `logo` (a `data:` URL of
//! a PNG/JPEG/WebP) is drawn in the middle over a background-coloured plate covering at
//! most 1/5 of the code's width; with a logo the error correction defaults to H, so the
//! covered modules are recovered. Only data URLs are read: nothing is fetched.

use base64::Engine;
use lathe_color_kit::{code_colors, code_png, code_tool_info, whole};
use lathe_image_kit::image;
use lathe_tool_sdk::settings::required_text;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
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
    dot_style: Option<String>,
    corner_style: Option<String>,
    logo: Option<String>,
}

/// How a dark module is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// The whole module.
    Square,
    /// A disc.
    Dot,
    /// A square with rounded corners.
    Rounded,
}

impl Shape {
    fn parse(field: &str, value: Option<&str>) -> Result<Shape, ToolError> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("square") | Some("squares") => Ok(Shape::Square),
            Some("dots") | Some("dot") | Some("circle") | Some("circles") => Ok(Shape::Dot),
            Some("rounded") | Some("round") | Some("extra-rounded") => Ok(Shape::Rounded),
            Some(other) => Err(invalid_settings(format!(
                "{field} must be square, dots or rounded, got '{other}'"
            ))),
        }
    }

    /// Whether the point (`fx`, `fy`), each 0..1 within its module, is inked. `open`
    /// tells, per corner (top-left, top-right, bottom-left, bottom-right), whether both
    /// neighbours on that side are light: only such corners are rounded, so runs of dark
    /// modules stay joined (readers find the finder patterns as connected rings).
    fn covers(self, fx: f64, fy: f64, open: [bool; 4]) -> bool {
        match self {
            Shape::Square => true,
            Shape::Dot => {
                let (dx, dy) = (fx - 0.5, fy - 0.5);
                dx * dx + dy * dy <= 0.45 * 0.45
            }
            Shape::Rounded => {
                let corner = match (fx < 0.5, fy < 0.5) {
                    (true, true) => 0,
                    (false, true) => 1,
                    (true, false) => 2,
                    (false, false) => 3,
                };
                if !open[corner] {
                    return true;
                }
                let (dx, dy) = ((fx - 0.5).abs(), (fy - 0.5).abs());
                dx * dx + dy * dy <= 0.25
            }
        }
    }
}

/// Whether module (`x`, `y`) belongs to one of the three 7 × 7 finder patterns.
fn in_finder(x: u32, y: u32, modules: u32) -> bool {
    let near = |v: u32| v < 7;
    let far = |v: u32| v + 7 >= modules;
    (near(x) && near(y)) || (far(x) && near(y)) || (near(x) && far(y))
}

/// Decodes a `data:image/...;base64,` logo.
fn logo_image(uri: &str) -> Result<image::RgbaImage, ToolError> {
    let bad =
        |why: &str| invalid_settings(format!("logo must be a data:image/...;base64 URL ({why})"));
    let rest = uri
        .trim()
        .strip_prefix("data:")
        .ok_or_else(|| bad("no data: prefix"))?;
    let (_, b64) = rest
        .split_once(";base64,")
        .ok_or_else(|| bad("not base64"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| bad("bad base64"))?;
    let input = Input {
        name: "logo".into(),
        media_type: String::new(),
        data: bytes,
    };
    let decoded = lathe_image_kit::decode(&input).map_err(|_| bad("not a readable image"))?;
    Ok(decoded.image.to_rgba8())
}

/// Most characters of `text`.
const MAX_TEXT: usize = 2000;

struct QrGenerate;

impl Tool for QrGenerate {
    fn describe() -> ToolInfo {
        code_tool_info(
            ("qr-generate", "QR code generator", "Generate a QR code PNG from text, with size, error correction, colours and quiet zone."),
            MAX_TEXT,
            json!({
                    "size": {"type": "integer", "minimum": 100, "maximum": 10000, "default": 400},
                    "errorCorrection": {"type": "string", "enum": ["L", "M", "Q", "H"], "default": "M"},
                    "margin": {"type": "integer", "minimum": 0, "maximum": 32, "default": 4},
                    "dotStyle": {"type": "string", "enum": ["square", "dots", "rounded"], "default": "square"},
                    "cornerStyle": {"type": "string", "enum": ["square", "dots", "rounded"], "default": "square", "description": "Shape of the three finder patterns' modules."},
                    "logo": {"type": "string", "description": "A data:image/...;base64 URL drawn in the middle (error correction then defaults to H)."}
            }),
        )
    }

    fn run(_inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let text = required_text(s.text.as_deref(), MAX_TEXT)?.to_string();
        let size = whole("size", s.size, 400.0, 100.0, 10000.0)?;
        let dot_shape = Shape::parse("dotStyle", s.dot_style.as_deref())?;
        let corner_shape = Shape::parse("cornerStyle", s.corner_style.as_deref())?;
        let logo = match s.logo.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(uri) => Some(logo_image(uri)?),
        };
        let margin = whole("margin", s.margin, 4.0, 0.0, 32.0)?;
        let level = match s
            .error_correction
            .as_deref()
            .map(|v| v.trim().to_ascii_uppercase())
            .as_deref()
        {
            // A logo hides modules: the highest level recovers them.
            None if logo.is_some() => EcLevel::H,
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
        let (dark, light) = code_colors(s.foreground.as_deref(), s.background.as_deref())?;
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
        let mut img = image::RgbaImage::from_fn(size, size, |x, y| {
            let mx = (x as u64 * total as u64 / size as u64) as u32;
            let my = (y as u64 * total as u64 / size as u64) as u32;
            let inside =
                mx >= margin && my >= margin && mx < margin + modules && my < margin + modules;
            if !inside || colors[((my - margin) * modules + (mx - margin)) as usize] != Color::Dark
            {
                return light;
            }
            let (qx, qy) = (mx - margin, my - margin);
            let shape = match (in_finder(qx, qy, modules), corner_shape) {
                // Finder patterns must stay connected rings: round their outer corners.
                (true, Shape::Dot) => Shape::Rounded,
                (true, shape) => shape,
                (false, _) => dot_shape,
            };
            let is_dark = |dx: i64, dy: i64| {
                let (x, y) = (qx as i64 + dx, qy as i64 + dy);
                x >= 0
                    && y >= 0
                    && x < modules as i64
                    && y < modules as i64
                    && colors[(y as u32 * modules + x as u32) as usize] == Color::Dark
            };
            let open = [(-1, -1), (1, -1), (-1, 1), (1, 1)]
                .map(|(dx, dy)| !is_dark(dx, 0) && !is_dark(0, dy));
            // Where the pixel centre falls inside its module, 0..1 each way.
            let unit = size as f64 / total as f64;
            let fx = ((x as f64 + 0.5) / unit) - mx as f64;
            let fy = ((y as f64 + 0.5) / unit) - my as f64;
            if shape.covers(fx, fy, open) {
                dark
            } else {
                light
            }
        });
        if let Some(logo) = &logo {
            let code_px = (modules as u64 * size as u64 / total as u64) as u32;
            let plate = (code_px / 5).max(1);
            let (lw, lh) = logo.dimensions();
            let scale = (plate as f64 * 0.85) / lw.max(lh).max(1) as f64;
            let (tw, th) = (
                ((lw as f64 * scale).round() as u32).max(1),
                ((lh as f64 * scale).round() as u32).max(1),
            );
            let resized =
                image::imageops::resize(logo, tw, th, image::imageops::FilterType::Triangle);
            let c = size / 2;
            let (px, py) = (c.saturating_sub(plate / 2), c.saturating_sub(plate / 2));
            for y in py..(py + plate).min(size) {
                for x in px..(px + plate).min(size) {
                    img.put_pixel(x, y, light);
                }
            }
            let (ox, oy) = (c.saturating_sub(tw / 2), c.saturating_sub(th / 2));
            image::imageops::overlay(&mut img, &resized, ox as i64, oy as i64);
        }
        let version = match code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        };
        Ok(
            Output::file(code_png("qr-code.png", img, (dark, light))?).with_extra(json!({
                "width": size,
                "height": size,
                "version": version,
                "modules": modules,
                "errorCorrection": format!("{level:?}"),
                "logo": logo.is_some(),
            })),
        )
    }
}

lathe_tool_sdk::export_tool!(QrGenerate);
