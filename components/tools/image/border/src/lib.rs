//! `image/border`: frame an image with padding, a coloured border, rounded corners and an
//! optional drop shadow.
//!
//! Output size = input + 2 × (padding + borderWidth), plus a shadow margin of
//! `shadowBlur + max(|shadowOffsetX|, |shadowOffsetY|)` on every side when `shadow` is on.
//! Rounded corners and shadows need transparency: a source format without alpha (JPEG,
//! BMP) is then written as PNG.
//!
//! Seed 001's `style`: `solid` (the default), `gradient` (a diagonal blend from `color` at
//! the top left to `gradientColor`, default white, at the bottom right) or `pattern`
//! (diagonal stripes of `color` and `patternColor`, default white, each a third of the
//! border wide, at least 2 px).

use lathe_image_kit::image::{imageops, Rgba, RgbaImage};
use lathe_image_kit::{decode, DynamicImage};
use lathe_layout_kit as kit;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    #[serde(alias = "width")]
    border_width: f64,
    #[serde(alias = "color")]
    border_color: String,
    padding: f64,
    padding_color: String,
    #[serde(alias = "borderRadius")]
    corner_radius: f64,
    shadow: bool,
    shadow_blur: f64,
    shadow_offset_x: f64,
    shadow_offset_y: f64,
    shadow_color: String,
    shadow_opacity: f64,
    quality: f64,
    /// Seed 001: `solid`, `gradient` or `pattern`.
    style: Option<String>,
    gradient_color: Option<String>,
    pattern_color: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            border_width: 10.0,
            border_color: "#000000".into(),
            padding: 0.0,
            padding_color: "#FFFFFF".into(),
            corner_radius: 0.0,
            shadow: false,
            shadow_blur: 15.0,
            shadow_offset_x: 0.0,
            shadow_offset_y: 5.0,
            shadow_color: "#000000".into(),
            style: None,
            gradient_color: None,
            pattern_color: None,
            shadow_opacity: 40.0,
            quality: 90.0,
        }
    }
}

/// Validated settings.
struct Plan {
    border: u32,
    border_color: Rgba<u8>,
    style: Style,
    padding: u32,
    padding_color: Rgba<u8>,
    radius: u32,
    shadow: Option<Shadow>,
    quality: u8,
}

/// How the border is filled.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    /// One colour.
    Solid,
    /// A diagonal blend to this colour.
    Gradient(Rgba<u8>),
    /// Diagonal stripes of the border colour and this one.
    Pattern(Rgba<u8>),
}

impl Style {
    fn parse(s: &Settings) -> Result<Style, ToolError> {
        let second = |field: &str, value: &Option<String>| {
            kit::parse_hex(field, value.as_deref().unwrap_or("#FFFFFF"))
        };
        match s.style.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("solid") => Ok(Style::Solid),
            Some("gradient") => Ok(Style::Gradient(second("gradientColor", &s.gradient_color)?)),
            Some("pattern") | Some("striped") | Some("stripes") => {
                Ok(Style::Pattern(second("patternColor", &s.pattern_color)?))
            }
            Some(other) => Err(lathe_tool_sdk::invalid_settings(format!(
                "style must be solid, gradient or pattern, got '{other}'"
            ))),
        }
    }

    /// The colour of pixel (`x`, `y`) of a `w` × `h` border layer `border` px wide.
    fn color_at(self, base: Rgba<u8>, x: u32, y: u32, w: u32, h: u32, border: u32) -> Rgba<u8> {
        match self {
            Style::Solid => base,
            Style::Gradient(end) => {
                let t = (x + y) as f32 / (w + h).saturating_sub(2).max(1) as f32;
                Rgba(
                    [0, 1, 2, 3].map(|c| {
                        (base[c] as f32 + (end[c] as f32 - base[c] as f32) * t).round() as u8
                    }),
                )
            }
            Style::Pattern(other) => {
                let stripe = (border / 3).max(2);
                if ((x + y) / stripe).is_multiple_of(2) {
                    base
                } else {
                    other
                }
            }
        }
    }
}

struct Shadow {
    blur: u32,
    dx: i64,
    dy: i64,
    color: Rgba<u8>,
}

impl Shadow {
    fn margin(&self) -> u32 {
        self.blur + self.dx.unsigned_abs().max(self.dy.unsigned_abs()) as u32
    }
}

fn plan(s: &Settings) -> Result<Plan, ToolError> {
    let shadow = if s.shadow {
        let mut color = kit::parse_hex("shadowColor", &s.shadow_color)?;
        let opacity = kit::number("shadowOpacity", s.shadow_opacity, 0.0, 100.0)?;
        color.0[3] = (color.0[3] as f64 * opacity / 100.0).round() as u8;
        Some(Shadow {
            blur: kit::int("shadowBlur", s.shadow_blur, 1, 200)? as u32,
            dx: kit::int("shadowOffsetX", s.shadow_offset_x, -50, 50)?,
            dy: kit::int("shadowOffsetY", s.shadow_offset_y, -50, 50)?,
            color,
        })
    } else {
        None
    };
    Ok(Plan {
        border: kit::int("borderWidth", s.border_width, 0, 2000)? as u32,
        border_color: kit::parse_hex("borderColor", &s.border_color)?,
        style: Style::parse(s)?,
        padding: kit::int("padding", s.padding, 0, 200)? as u32,
        padding_color: kit::parse_hex("paddingColor", &s.padding_color)?,
        radius: kit::int("cornerRadius", s.corner_radius, 0, 2000)? as u32,
        shadow,
        quality: kit::int("quality", s.quality, 1, 100)? as u8,
    })
}

/// A `w` × `h` layer of `color` with corners rounded by `radius`.
fn rounded_layer(w: u32, h: u32, color: Rgba<u8>, radius: f32) -> RgbaImage {
    let mut layer = RgbaImage::from_pixel(w, h, color);
    kit::round_corners(&mut layer, radius);
    layer
}

/// The framed image (border + padding + image), without shadow.
fn frame(img: &DynamicImage, p: &Plan) -> Result<RgbaImage, ToolError> {
    let (w, h) = (img.width() as u64, img.height() as u64);
    let inset = (p.padding + p.border) as u64;
    let mut out = kit::canvas(w + 2 * inset, h + 2 * inset, Rgba([0, 0, 0, 0]))?;
    let (ow, oh) = out.dimensions();
    let r = p.radius as f32;
    // Each nested layer keeps the outer curve: its radius shrinks by the inset.
    let mut border = RgbaImage::from_fn(ow, oh, |x, y| {
        p.style.color_at(p.border_color, x, y, ow, oh, p.border)
    });
    kit::round_corners(&mut border, r);
    kit::overlay(&mut out, &border, 0, 0);
    let b = p.border;
    let pad = rounded_layer(
        ow - 2 * b,
        oh - 2 * b,
        p.padding_color,
        (r - b as f32).max(0.0),
    );
    // The padding replaces the border colour inside (no blending with it).
    replace(&mut out, &pad, b, b);
    let mut inner = img.to_rgba8();
    kit::round_corners(&mut inner, (r - inset as f32).max(0.0));
    kit::overlay(&mut out, &inner, inset as i64, inset as i64);
    Ok(out)
}

/// Writes `top` into `dst` at `(x, y)` wherever `top` has coverage, mixing by its alpha
/// against the pixel underneath only at antialiased edges.
fn replace(dst: &mut RgbaImage, top: &RgbaImage, x: u32, y: u32) {
    for (tx, ty, p) in top.enumerate_pixels() {
        if p.0[3] == 0 {
            continue;
        }
        let d = dst.get_pixel_mut(x + tx, y + ty);
        *d = if p.0[3] == 255 {
            *p
        } else {
            kit::blend(*d, *p, 1.0)
        };
    }
}

/// Adds a blurred drop shadow under `framed`, on a canvas grown by the shadow margin.
fn with_shadow(framed: &RgbaImage, s: &Shadow, radius: f32) -> Result<RgbaImage, ToolError> {
    let m = s.margin() as u64;
    let (fw, fh) = framed.dimensions();
    let mut out = kit::canvas(fw as u64 + 2 * m, fh as u64 + 2 * m, Rgba([0, 0, 0, 0]))?;
    let mut mask = RgbaImage::from_pixel(
        out.width(),
        out.height(),
        Rgba([s.color.0[0], s.color.0[1], s.color.0[2], 0]),
    );
    let shape = rounded_layer(fw, fh, s.color, radius);
    replace(
        &mut mask,
        &shape,
        (m as i64 + s.dx) as u32,
        (m as i64 + s.dy) as u32,
    );
    let blurred = imageops::fast_blur(&mask, s.blur as f32 / 2.0);
    kit::overlay(&mut out, &blurred, 0, 0);
    kit::overlay(&mut out, framed, m as i64, m as i64);
    Ok(out)
}

struct Border;

impl Tool for Border {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "border",
            "Border",
            "Add padding, a coloured border, rounded corners and a drop shadow around an image.",
            serde_json::json!({
                    "borderWidth": {"type": "integer", "minimum": 0, "maximum": 2000, "default": 10},
                    "borderColor": {"type": "string", "default": "#000000"},
                    "padding": {"type": "integer", "minimum": 0, "maximum": 200, "default": 0},
                    "paddingColor": {"type": "string", "default": "#FFFFFF"},
                    "cornerRadius": {"type": "integer", "minimum": 0, "maximum": 2000, "default": 0},
                    "shadow": {"type": "boolean", "default": false},
                    "shadowBlur": {"type": "integer", "minimum": 1, "maximum": 200, "default": 15},
                    "shadowOffsetX": {"type": "integer", "minimum": -50, "maximum": 50, "default": 0},
                    "shadowOffsetY": {"type": "integer", "minimum": -50, "maximum": 50, "default": 5},
                    "shadowColor": {"type": "string", "default": "#000000"},
                    "shadowOpacity": {"type": "integer", "minimum": 0, "maximum": 100, "default": 40},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90},
                    "style": {"enum": ["solid", "gradient", "pattern"], "default": "solid"},
                    "gradientColor": {"type": "string", "default": "#FFFFFF", "description": "gradient: the colour at the bottom right."},
                    "patternColor": {"type": "string", "default": "#FFFFFF", "description": "pattern: the second stripe colour."}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let p = plan(&settings)?;
        let input = &inputs[0];
        let decoded = decode(input)?;
        let framed = frame(&decoded.image, &p)?;
        let result = match &p.shadow {
            Some(s) => with_shadow(&framed, s, p.radius as f32)?,
            None => framed,
        };
        kit::save_like_source(input, result, decoded.format, p.quality)
    }
}

lathe_tool_sdk::export_tool!(Border);
