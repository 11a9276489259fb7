//! `image/rotate`: rotate by any angle and/or mirror an image.
//!
//! Multiples of 90° are exact pixel moves. Other angles rotate on a canvas enlarged to hold
//! the whole rotated image, sampling bilinearly; the uncovered corners are transparent
//! (white once flattened for formats without alpha, such as JPEG). Mirroring is applied
//! before the rotation (as sharp does).

use lathe_image_kit::{decode, edited_output, image, DynamicImage, MAX_PIXELS};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// JPEG quality of the re-encoded result.
const JPEG_QUALITY: u8 = 90;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    angle: f64,
    #[serde(default, alias = "flipH")]
    horizontal: bool,
    #[serde(default, alias = "flipV")]
    vertical: bool,
}

/// The angle reduced to `[0, 360)` degrees, clockwise.
fn normalize(angle: f64) -> Result<f64, ToolError> {
    if !angle.is_finite() {
        return Err(invalid_settings("angle must be a finite number of degrees"));
    }
    let a = angle.rem_euclid(360.0);
    // Snap values within rounding noise of a right angle (e.g. 89.9999999999).
    let snapped = (a / 90.0).round() * 90.0;
    let a = if (a - snapped).abs() < 1e-9 {
        snapped
    } else {
        a
    };
    Ok(if a >= 360.0 { 0.0 } else { a })
}

/// Size of the canvas that holds a `w` × `h` image rotated by `degrees`.
fn rotated_canvas(w: u32, h: u32, degrees: f64) -> (u32, u32) {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (w as f64, h as f64);
    // Shave float noise before rounding up so e.g. 45° on a square is not one pixel too big.
    let fit = |v: f64| ((v - 1e-6).ceil().max(1.0)) as u32;
    (
        fit(w * cos.abs() + h * sin.abs()),
        fit(w * sin.abs() + h * cos.abs()),
    )
}

/// Rotates clockwise by `degrees` (not a multiple of 90) with bilinear sampling on a canvas
/// of `canvas` size. Interpolation is done on premultiplied alpha so the transparent
/// background does not darken the edges.
fn rotate_any(src: &image::RgbaImage, degrees: f64, canvas: (u32, u32)) -> image::RgbaImage {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (sw, sh) = (src.width() as i64, src.height() as i64);
    let (scx, scy) = (src.width() as f64 / 2.0, src.height() as f64 / 2.0);
    let (dcx, dcy) = (canvas.0 as f64 / 2.0, canvas.1 as f64 / 2.0);
    let texel = |x: i64, y: i64| -> [f64; 4] {
        if x < 0 || y < 0 || x >= sw || y >= sh {
            return [0.0; 4];
        }
        let p = src.get_pixel(x as u32, y as u32).0;
        let a = p[3] as f64 / 255.0;
        [
            p[0] as f64 * a,
            p[1] as f64 * a,
            p[2] as f64 * a,
            p[3] as f64,
        ]
    };
    image::RgbaImage::from_fn(canvas.0, canvas.1, |x, y| {
        // Centre of the destination pixel, relative to the canvas centre.
        let dx = x as f64 + 0.5 - dcx;
        let dy = y as f64 + 0.5 - dcy;
        // Inverse rotation (y points down, so this undoes a clockwise turn).
        let sx = dx * cos + dy * sin + scx - 0.5;
        let sy = -dx * sin + dy * cos + scy - 0.5;
        if sx <= -1.0 || sy <= -1.0 || sx >= sw as f64 || sy >= sh as f64 {
            return image::Rgba([0, 0, 0, 0]);
        }
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let (p00, p10, p01, p11) = (
            texel(x0, y0),
            texel(x0 + 1, y0),
            texel(x0, y0 + 1),
            texel(x0 + 1, y0 + 1),
        );
        let mut acc = [0.0f64; 4];
        for c in 0..4 {
            let top = p00[c] * (1.0 - fx) + p10[c] * fx;
            let bottom = p01[c] * (1.0 - fx) + p11[c] * fx;
            acc[c] = top * (1.0 - fy) + bottom * fy;
        }
        let alpha = acc[3];
        if alpha < 0.5 {
            return image::Rgba([0, 0, 0, 0]);
        }
        let scale = 255.0 / alpha;
        let channel = |v: f64| (v * scale).round().clamp(0.0, 255.0) as u8;
        image::Rgba([
            channel(acc[0]),
            channel(acc[1]),
            channel(acc[2]),
            alpha.round().clamp(0.0, 255.0) as u8,
        ])
    })
}

/// Applies the mirrors, then the rotation.
fn transform(mut img: DynamicImage, s: &Settings, degrees: f64) -> Result<DynamicImage, ToolError> {
    if s.horizontal {
        img = img.fliph();
    }
    if s.vertical {
        img = img.flipv();
    }
    Ok(match degrees {
        0.0 => img,
        90.0 => img.rotate90(),
        180.0 => img.rotate180(),
        270.0 => img.rotate270(),
        d => {
            let canvas = rotated_canvas(img.width(), img.height(), d);
            if canvas.0 as u64 * canvas.1 as u64 > MAX_PIXELS {
                return Err(ToolError::TooLarge(format!(
                    "the rotated image would be {}x{}, over the {} MP limit",
                    canvas.0,
                    canvas.1,
                    MAX_PIXELS / 1_000_000
                )));
            }
            DynamicImage::ImageRgba8(rotate_any(&img.to_rgba8(), d, canvas))
        }
    })
}

struct Rotate;

impl Tool for Rotate {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "rotate",
            "Rotate & flip",
            "Rotate an image clockwise by any angle and mirror it horizontally or vertically.",
            serde_json::json!({
                    "angle": {"type": "number", "default": 0, "description": "Degrees clockwise; multiples of 90 are lossless."},
                    "horizontal": {"type": "boolean", "default": false, "description": "Mirror left-right (alias flipH)."},
                    "vertical": {"type": "boolean", "default": false, "description": "Mirror top-bottom (alias flipV)."}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let degrees = normalize(settings.angle)?;
        let input = &inputs[0];
        let decoded = decode(input)?;
        let result = transform(decoded.image, &settings, degrees)?;
        let extra = serde_json::json!({"angle": degrees});
        edited_output(input, &result, decoded.format, JPEG_QUALITY, extra)
    }
}

lathe_tool_sdk::export_tool!(Rotate);
