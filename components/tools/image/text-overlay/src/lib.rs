//! `image/text-overlay`: write a caption on an image, at the top, centre or bottom (or at
//! an exact `x`/`y`), optionally on a rounded background box and with a soft drop shadow.
//!
//! The text wraps at word boundaries to fit the image width. The box colour's alpha comes
//! from `backgroundOpacity` (default 70%) times any alpha in `backgroundColor`
//! (`#RRGGBBAA`). The output keeps the input's size and format.

use lathe_image_kit::image::{imageops, Rgba, RgbaImage};
use lathe_layout_kit as kit;
use lathe_text_kit::{self as text, Align, Anchor, Face, Style};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// `background` may be a switch (`true`) or a colour (`"#000000"`, which switches it on).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Background {
    On(bool),
    Color(String),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    text: Option<String>,
    #[serde(alias = "fontFamily")]
    font: Option<String>,
    #[serde(alias = "size")]
    font_size: f64,
    #[serde(alias = "textColor", alias = "colour")]
    color: String,
    position: String,
    x: Option<f64>,
    y: Option<f64>,
    #[serde(alias = "box")]
    background_box: bool,
    background: Option<Background>,
    background_color: String,
    background_opacity: f64,
    padding: Option<f64>,
    #[serde(alias = "cornerRadius")]
    border_radius: f64,
    shadow: bool,
    #[serde(alias = "align")]
    text_align: String,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            text: None,
            font: None,
            font_size: 48.0,
            color: "#FFFFFF".into(),
            position: "bottom".into(),
            x: None,
            y: None,
            background_box: false,
            background: None,
            background_color: "#000000".into(),
            background_opacity: 70.0,
            padding: None,
            border_radius: 0.0,
            shadow: true,
            text_align: "center".into(),
            quality: 90.0,
        }
    }
}

/// Where the caption goes.
enum Spot {
    Anchored(Anchor),
    At(i64, i64),
}

/// Validated settings.
struct Plan {
    text: String,
    style: Style,
    spot: Spot,
    background: Option<Rgba<u8>>,
    padding: u32,
    radius: f32,
    shadow: bool,
    quality: u8,
}

fn plan(s: &Settings) -> Result<Plan, ToolError> {
    let text = text::required_text(s.text.as_deref(), text::MAX_CAPTION_CHARS)?;
    let face = Face::from_setting(s.font.as_deref(), Face::SansBold);
    let size = kit::number("fontSize", s.font_size, 8.0, 200.0)? as f32;
    let mut style = Style::new(face, size, kit::parse_hex("color", &s.color)?);
    style.align = Align::from_name(&s.text_align).ok_or_else(|| {
        invalid_settings(format!(
            "textAlign must be left, center or right; got '{}'",
            s.text_align
        ))
    })?;
    let spot = match (s.x, s.y) {
        (None, None) => Spot::Anchored(Anchor::from_name(&s.position).ok_or_else(|| {
            invalid_settings(format!(
                "position must be top, center or bottom; got '{}'",
                s.position
            ))
        })?),
        (x, y) => Spot::At(
            kit::int("x", x.unwrap_or(0.0), 0, 100_000)?,
            kit::int("y", y.unwrap_or(0.0), 0, 100_000)?,
        ),
    };
    let (on, color) = match &s.background {
        Some(Background::On(b)) => (*b || s.background_box, s.background_color.as_str()),
        Some(Background::Color(c)) => (true, c.as_str()),
        None => (s.background_box, s.background_color.as_str()),
    };
    let mut bg = kit::parse_hex("backgroundColor", color)?;
    let opacity = kit::number("backgroundOpacity", s.background_opacity, 0.0, 100.0)?;
    bg.0[3] = (bg.0[3] as f64 * opacity / 100.0).round() as u8;
    let padding = match s.padding {
        Some(p) => kit::int("padding", p, 0, 500)? as u32,
        None => (size * 0.4).round() as u32,
    };
    Ok(Plan {
        text,
        style,
        spot,
        background: on.then_some(bg),
        padding,
        radius: kit::number("borderRadius", s.border_radius, 0.0, 500.0)? as f32,
        shadow: s.shadow,
        quality: kit::int("quality", s.quality, 1, 100)? as u8,
    })
}

/// A soft dark copy of the text tile, grown by `spread` pixels on every side.
fn shadow_of(tile: &RgbaImage, spread: u32, sigma: f32) -> RgbaImage {
    let mut layer = RgbaImage::new(tile.width() + 2 * spread, tile.height() + 2 * spread);
    for (x, y, p) in tile.enumerate_pixels() {
        let a = (p.0[3] as f32 * 0.6).round() as u8;
        layer.put_pixel(x + spread, y + spread, Rgba([0, 0, 0, a]));
    }
    imageops::fast_blur(&layer, sigma)
}

/// Writes the caption described by `p` onto `img`.
fn caption(img: &mut RgbaImage, p: &Plan) -> Result<(), ToolError> {
    let (w, h) = img.dimensions();
    let margin = ((w.min(h) as f32) * 0.03).round() as u32;
    let inset = if p.background.is_some() { p.padding } else { 0 };
    let room = w as f32 - 2.0 * (margin + inset) as f32;
    let lines = text::wrap(p.style.face, p.style.size, &p.text, room.max(p.style.size));
    let tile = text::render(&lines, &p.style)?;
    let (tw, th) = tile.dimensions();
    let (bw, bh) = (tw + 2 * inset, th + 2 * inset);
    let (bx, by) = match p.spot {
        Spot::Anchored(anchor) => anchor.place((w, h), (bw, bh), margin),
        Spot::At(x, y) => (x, y),
    };
    if let Some(bg) = p.background {
        let mut panel = RgbaImage::from_pixel(bw, bh, bg);
        kit::round_corners(&mut panel, p.radius);
        text::draw(img, &panel, bx, by, 1.0);
    }
    let (tx, ty) = (bx + inset as i64, by + inset as i64);
    if p.shadow {
        let offset = (p.style.size / 24.0).round().max(1.0) as i64;
        let sigma = (p.style.size / 32.0).max(1.0);
        let spread = (sigma * 3.0).ceil() as u32;
        let shade = shadow_of(&tile, spread, sigma);
        text::draw(
            img,
            &shade,
            tx + offset - spread as i64,
            ty + offset - spread as i64,
            1.0,
        );
    }
    text::draw(img, &tile, tx, ty, 1.0);
    Ok(())
}

struct TextOverlay;

impl Tool for TextOverlay {
    fn describe() -> ToolInfo {
        text::caption_tool_info(
            "text-overlay",
            "Text Overlay",
            "Write a caption on an image (top, centre, bottom or at x/y) with an optional background box and shadow.",
            serde_json::json!({
                    "fontSize": {"type": "number", "minimum": 8, "maximum": 200, "default": 48},
                    "color": {"type": "string", "default": "#FFFFFF"},
                    "position": {"type": "string", "enum": ["top", "center", "bottom"], "default": "bottom"},
                    "x": {"type": "integer", "minimum": 0, "description": "left edge in px (overrides position)"},
                    "y": {"type": "integer", "minimum": 0, "description": "top edge in px (overrides position)"},
                    "backgroundBox": {"type": "boolean", "default": false},
                    "backgroundColor": {"type": "string", "default": "#000000"},
                    "backgroundOpacity": {"type": "number", "minimum": 0, "maximum": 100, "default": 70},
                    "padding": {"type": "integer", "minimum": 0, "maximum": 500, "description": "box padding in px (default 0.4 × fontSize)"},
                    "borderRadius": {"type": "number", "minimum": 0, "maximum": 500, "default": 0},
                    "shadow": {"type": "boolean", "default": true},
                    "textAlign": {"type": "string", "enum": ["left", "center", "right"], "default": "center"}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let p = plan(&s)?;
        text::draw_on(&inputs[0], p.quality, |img| caption(img, &p))
    }
}

lathe_tool_sdk::export_tool!(TextOverlay);
