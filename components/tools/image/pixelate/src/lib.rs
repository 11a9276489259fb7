//! `image/pixelate`: replace each `blockSize` × `blockSize` block by its average colour,
//! over the whole image or only inside `region` (pixels outside stay untouched).
//!
//! Blocks start at the region's (or image's) top-left corner; the last row and column of
//! blocks may be smaller. Averages are alpha-weighted, so fully transparent pixels do not
//! darken their neighbours.

use lathe_color_kit::{load, number, save_picture};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "pixelSize", alias = "size")]
    block_size: Option<f64>,
    region: Option<Region>,
}

/// A rectangle in pixels.
#[derive(Debug, Deserialize)]
struct Region {
    #[serde(alias = "x")]
    left: f64,
    #[serde(alias = "y")]
    top: f64,
    width: f64,
    height: f64,
}

/// A validated rectangle: x, y, width, height.
type Rect = (u32, u32, u32, u32);

/// Checks the region lies inside a `w` × `h` image.
fn check_region(region: &Region, w: u32, h: u32) -> Result<Rect, ToolError> {
    let whole = |field: &str, v: f64, min: f64| -> Result<u32, ToolError> {
        if !(v.is_finite() && v >= min && v.fract() == 0.0 && v <= u32::MAX as f64) {
            return Err(invalid_settings(format!(
                "region.{field} must be a whole number of at least {min}, got {v}"
            )));
        }
        Ok(v as u32)
    };
    let left = whole("left", region.left, 0.0)?;
    let top = whole("top", region.top, 0.0)?;
    let width = whole("width", region.width, 1.0)?;
    let height = whole("height", region.height, 1.0)?;
    if left as u64 + width as u64 > w as u64 || top as u64 + height as u64 > h as u64 {
        return Err(invalid_settings(format!(
            "region {width}x{height} at ({left}, {top}) lies outside the {w}x{h} image"
        )));
    }
    Ok((left, top, width, height))
}

/// Pixelates `rect` of RGBA8 pixels (`stride` pixels a row) in place.
fn pixelate(pixels: &mut [u8], stride: usize, rect: Rect, block: u32) {
    let (x0, y0, rw, rh) = (
        rect.0 as usize,
        rect.1 as usize,
        rect.2 as usize,
        rect.3 as usize,
    );
    let block = block as usize;
    let mut by = y0;
    while by < y0 + rh {
        let bh = block.min(y0 + rh - by);
        let mut bx = x0;
        while bx < x0 + rw {
            let bw = block.min(x0 + rw - bx);
            // Alpha-weighted sums (premultiplied colour) and the alpha sum.
            let mut sum = [0u64; 4];
            for y in by..by + bh {
                let row = &pixels[(y * stride + bx) * 4..(y * stride + bx + bw) * 4];
                for px in row.chunks_exact(4) {
                    let a = px[3] as u64;
                    sum[0] += px[0] as u64 * a;
                    sum[1] += px[1] as u64 * a;
                    sum[2] += px[2] as u64 * a;
                    sum[3] += a;
                }
            }
            let n = (bw * bh) as u64;
            let avg = if sum[3] == 0 {
                [0, 0, 0, 0]
            } else {
                let c = |s: u64| ((s + sum[3] / 2) / sum[3]).min(255) as u8;
                [
                    c(sum[0]),
                    c(sum[1]),
                    c(sum[2]),
                    ((sum[3] + n / 2) / n) as u8,
                ]
            };
            for y in by..by + bh {
                let row = &mut pixels[(y * stride + bx) * 4..(y * stride + bx + bw) * 4];
                for px in row.chunks_exact_mut(4) {
                    px.copy_from_slice(&avg);
                }
            }
            bx += bw;
        }
        by += bh;
    }
}

struct Pixelate;

impl Tool for Pixelate {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "pixelate",
            "Pixelate",
            "Pixelate an image, or only a region of it, with square blocks of average colour.",
            serde_json::json!({
                    "blockSize": {"type": "integer", "minimum": 2, "maximum": 128, "default": 12},
                    "region": {
                        "type": "object",
                        "properties": {
                            "left": {"type": "integer", "minimum": 0},
                            "top": {"type": "integer", "minimum": 0},
                            "width": {"type": "integer", "minimum": 1},
                            "height": {"type": "integer", "minimum": 1}
                        },
                        "required": ["left", "top", "width", "height"]
                    }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let block = number("blockSize", s.block_size, 12.0, 2.0, 128.0)?.round() as u32;
        let input = &inputs[0];
        let mut picture = load(input)?;
        let (w, h) = picture.rgba.dimensions();
        let rect = match &s.region {
            Some(region) => check_region(region, w, h)?,
            None => (0, 0, w, h),
        };
        pixelate(&mut picture.rgba, w as usize, rect, block);
        save_picture(input, picture)
    }
}

lathe_tool_sdk::export_tool!(Pixelate);
