//! `image/stitch`: join 2–20 images side by side, top to bottom or in a grid.
//!
//! `resizeMode` decides how differing sizes meet: `fit` scales all to the smallest height
//! (horizontal) or width (vertical) keeping aspect ratio; `original` keeps sizes and aligns
//! them; `stretch` stretches to the largest height/width; `crop` crops to the smallest. In a
//! grid every cell has the smallest (fit, crop) or largest (original, stretch) width and
//! height; fit contains, crop covers, stretch fills. `gap` separates images, `border` is an
//! outer margin in `backgroundColor`. The canvas is capped at 100 MP (413 TOO_LARGE).

use lathe_image_kit::image::RgbaImage;
use lathe_image_kit::{resize_exact, DynamicImage};
use lathe_layout_kit as kit;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    direction: Direction,
    grid_columns: f64,
    resize_mode: ResizeMode,
    alignment: Alignment,
    gap: f64,
    border: f64,
    corner_radius: f64,
    background_color: String,
    format: String,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            direction: Direction::Horizontal,
            grid_columns: 2.0,
            resize_mode: ResizeMode::Fit,
            alignment: Alignment::Center,
            gap: 0.0,
            border: 0.0,
            corner_radius: 0.0,
            background_color: "#FFFFFF".into(),
            format: "png".into(),
            quality: 90.0,
        }
    }
}

/// How images are arranged.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Direction {
    /// Side by side, left to right.
    #[default]
    Horizontal,
    /// Top to bottom.
    Vertical,
    /// Rows of `gridColumns` cells.
    Grid,
}

/// How differing sizes are reconciled.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum ResizeMode {
    /// Scale to the smallest size, keeping aspect ratio.
    #[default]
    Fit,
    /// Keep sizes.
    Original,
    /// Stretch to the largest size.
    Stretch,
    /// Crop to the smallest size.
    Crop,
}

/// Where a smaller image sits across the stitching axis.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Alignment {
    /// Top (horizontal) or left (vertical).
    Start,
    /// Centred.
    #[default]
    Center,
    /// Bottom or right.
    End,
}

impl Alignment {
    fn factor(self) -> f64 {
        match self {
            Alignment::Start => 0.0,
            Alignment::Center => 0.5,
            Alignment::End => 1.0,
        }
    }
}

/// What happens to one image before it is drawn.
#[derive(Debug, Clone, Copy)]
enum Op {
    Keep,
    Resize(u32, u32),
    Crop(u32, u32),
    Cover(u32, u32),
}

/// One image's transformation and its cell (position and size on the canvas).
#[derive(Debug)]
struct Item {
    op: Op,
    size: (u32, u32),
    cell: (u64, u64, u64, u64),
}

fn scaled(len: u32, num: u32, den: u32) -> u32 {
    ((len as f64 * num as f64 / den.max(1) as f64).round() as u32).max(1)
}

/// Lays out images of `sizes`: the canvas size and one item per image.
fn layout(
    sizes: &[(u32, u32)],
    s: &Settings,
    cols: u32,
    gap: u64,
    border: u64,
) -> ((u64, u64), Vec<Item>) {
    let min_w = sizes.iter().map(|s| s.0).min().unwrap_or(1);
    let max_w = sizes.iter().map(|s| s.0).max().unwrap_or(1);
    let min_h = sizes.iter().map(|s| s.1).min().unwrap_or(1);
    let max_h = sizes.iter().map(|s| s.1).max().unwrap_or(1);
    let mut items = Vec::with_capacity(sizes.len());
    match s.direction {
        Direction::Horizontal | Direction::Vertical => {
            let horizontal = s.direction == Direction::Horizontal;
            // Cross-axis extent shared by all cells.
            let cross = match (s.resize_mode, horizontal) {
                (ResizeMode::Fit | ResizeMode::Crop, true) => min_h,
                (ResizeMode::Fit | ResizeMode::Crop, false) => min_w,
                (_, true) => max_h,
                (_, false) => max_w,
            };
            let mut pos = border;
            for &(w, h) in sizes {
                let (op, size) = match (s.resize_mode, horizontal) {
                    (ResizeMode::Fit, true) => {
                        let nw = scaled(w, cross, h);
                        (Op::Resize(nw, cross), (nw, cross))
                    }
                    (ResizeMode::Fit, false) => {
                        let nh = scaled(h, cross, w);
                        (Op::Resize(cross, nh), (cross, nh))
                    }
                    (ResizeMode::Stretch, true) => (Op::Resize(w, cross), (w, cross)),
                    (ResizeMode::Stretch, false) => (Op::Resize(cross, h), (cross, h)),
                    (ResizeMode::Crop, true) => (Op::Crop(w, cross), (w, cross)),
                    (ResizeMode::Crop, false) => (Op::Crop(cross, h), (cross, h)),
                    (ResizeMode::Original, _) => (Op::Keep, (w, h)),
                };
                let cell = if horizontal {
                    (pos, border, size.0 as u64, cross as u64)
                } else {
                    (border, pos, cross as u64, size.1 as u64)
                };
                pos += if horizontal { size.0 } else { size.1 } as u64 + gap;
                items.push(Item { op, size, cell });
            }
            let length = pos - gap + border;
            let across = cross as u64 + 2 * border;
            let canvas = if horizontal {
                (length, across)
            } else {
                (across, length)
            };
            (canvas, items)
        }
        Direction::Grid => {
            let (cw, ch) = match s.resize_mode {
                ResizeMode::Fit | ResizeMode::Crop => (min_w, min_h),
                _ => (max_w, max_h),
            };
            let cols = cols.min(sizes.len() as u32).max(1);
            let rows = (sizes.len() as u32).div_ceil(cols);
            for (i, &(w, h)) in sizes.iter().enumerate() {
                let (op, size) = match s.resize_mode {
                    ResizeMode::Fit => {
                        let f = (cw as f64 / w as f64).min(ch as f64 / h as f64);
                        let nw = ((w as f64 * f).round() as u32).clamp(1, cw);
                        let nh = ((h as f64 * f).round() as u32).clamp(1, ch);
                        (Op::Resize(nw, nh), (nw, nh))
                    }
                    ResizeMode::Stretch => (Op::Resize(cw, ch), (cw, ch)),
                    ResizeMode::Crop => (Op::Cover(cw, ch), (cw, ch)),
                    ResizeMode::Original => (Op::Keep, (w, h)),
                };
                let (c, r) = (i as u64 % cols as u64, i as u64 / cols as u64);
                let cell = (
                    border + c * (cw as u64 + gap),
                    border + r * (ch as u64 + gap),
                    cw as u64,
                    ch as u64,
                );
                items.push(Item { op, size, cell });
            }
            let width = 2 * border + cols as u64 * cw as u64 + (cols as u64 - 1) * gap;
            let height = 2 * border + rows as u64 * ch as u64 + (rows as u64 - 1) * gap;
            ((width, height), items)
        }
    }
}

fn apply(img: &DynamicImage, op: Op, align: f64) -> Result<RgbaImage, ToolError> {
    Ok(match op {
        Op::Keep => img.to_rgba8(),
        Op::Resize(w, h) => resize_exact(img, w, h)?.to_rgba8(),
        Op::Crop(w, h) => {
            let left = ((img.width() - w) as f64 * align).round() as u32;
            let top = ((img.height() - h) as f64 * align).round() as u32;
            img.crop_imm(left, top, w, h).to_rgba8()
        }
        Op::Cover(w, h) => kit::cover(img, w, h, (align, align))?,
    })
}

struct Stitch;

impl Tool for Stitch {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "stitch",
            section: Section::Image,
            name: "Stitch",
            description: "Join 2 to 20 images horizontally, vertically or in a grid.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "direction": {"enum": ["horizontal", "vertical", "grid"], "default": "horizontal"},
                    "gridColumns": {"type": "integer", "minimum": 2, "maximum": 100, "default": 2},
                    "resizeMode": {"enum": ["fit", "original", "stretch", "crop"], "default": "fit"},
                    "alignment": {"enum": ["start", "center", "end"], "default": "center"},
                    "gap": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 0},
                    "border": {"type": "integer", "minimum": 0, "maximum": 500, "default": 0},
                    "cornerRadius": {"type": "integer", "minimum": 0, "maximum": 500, "default": 0},
                    "backgroundColor": {"type": "string", "default": "#FFFFFF"},
                    "format": {"enum": ["png", "jpeg", "webp"], "default": "png"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
                }
            }),
            min_inputs: 2,
            max_inputs: 20,
            accepts: &[],
            produces: Produces::by_setting("format", &["png", "jpg", "webp"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let cols = kit::int("gridColumns", s.grid_columns, 2, 100)? as u32;
        let gap = kit::int("gap", s.gap, 0, 1000)? as u64;
        let border = kit::int("border", s.border, 0, 500)? as u64;
        let radius = kit::int("cornerRadius", s.corner_radius, 0, 500)? as f32;
        let background = kit::parse_color_or_transparent("backgroundColor", &s.background_color)?;
        let format = kit::restricted_format("format", &s.format, &["png", "jpeg", "jpg", "webp"])?;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;

        let images = kit::decode_all(&inputs)?;
        let sizes: Vec<(u32, u32)> = images.iter().map(|i| (i.width(), i.height())).collect();
        let ((w, h), items) = layout(&sizes, &s, cols, gap, border);
        let mut canvas = kit::canvas(w, h, background)?;
        let align = s.alignment.factor();
        for (img, item) in images.iter().zip(&items) {
            let mut tile = apply(img, item.op, align)?;
            kit::round_corners(&mut tile, radius);
            let (cx, cy, cw, ch) = item.cell;
            let x = cx + ((cw - item.size.0 as u64) as f64 * align).round() as u64;
            let y = cy + ((ch - item.size.1 as u64) as f64 * align).round() as u64;
            kit::overlay(&mut canvas, &tile, x as i64, y as i64);
        }
        let (w, h) = canvas.dimensions();
        let file = kit::canvas_file("stitched", canvas, format, quality)?;
        Ok(Output::file(file).with_extra(serde_json::json!({"width": w, "height": h})))
    }
}

lathe_tool_sdk::export_tool!(Stitch);
