//! `image/smart-crop`: crop to a size around the interesting part of an image, or trim
//! uniform borders.
//!
//! * `mode: subject` (alias `attention`; the default) scales the image to cover the target
//!   `width` × `height` and picks the crop window by `strategy`:
//!   * `attention`: a saliency map in the spirit of smartcrop.js (written here: no
//!     permissively licensed Rust port exists): luma edges (Laplacian) + saturated colours +
//!     skin tones; the window with the largest saliency sum wins (ties go to the most
//!     central window).
//!   * `entropy`: the window whose luma histogram has the highest Shannon entropy.
//!
//!   Analysis runs on a copy at most [`ANALYSIS_SIDE`] px on its longer side; the crop is
//!   then cut from the full image and resized to exactly the target size. With only one
//!   of `width`/`height` the target is square; with neither, a `targetSize` square, else
//!   the largest square (no scaling) where the strategy puts it. `padding`, `padToSquare`
//!   and `targetSize` (with width/height given) apply to trim mode only.
//! * `mode: trim` (alias `content`) removes borders that match the top-left pixel within
//!   `threshold` (0..255, per channel), then adds `padding` % of the content size back on
//!   each side, optionally pads to a square with `padColor` and scales the longer side to
//!   `targetSize`.
//! * `mode: face` needs face detection (a later AI feature) and is refused with 400.

use lathe_color_kit::load;
use lathe_image_kit::{encode, resize_exact, DynamicImage, EncodeOptions};
use lathe_layout_kit::{canvas, keep_alpha, overlay, parse_hex};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Longer side of the copy the crop window is chosen on.
const ANALYSIS_SIDE: u32 = 256;

/// Largest output side.
const MAX_SIDE: f64 = 16_384.0;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    mode: Option<String>,
    strategy: Option<String>,
    width: Option<f64>,
    height: Option<f64>,
    padding: Option<f64>,
    face_preset: Option<String>,
    sensitivity: Option<f64>,
    threshold: Option<f64>,
    #[serde(default)]
    pad_to_square: bool,
    pad_color: Option<String>,
    target_size: Option<f64>,
    quality: Option<f64>,
}

/// How the crop window is chosen in subject mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Attention,
    Entropy,
}

/// A number setting within `lo..=hi` (or the default when absent).
fn num(field: &str, v: Option<f64>, default: f64, lo: f64, hi: f64) -> Result<f64, ToolError> {
    lathe_color_kit::number(field, v, default, lo, hi)
}

/// An optional whole number of pixels, 1..=[`MAX_SIDE`].
fn pixels(field: &str, v: Option<f64>) -> Result<Option<u32>, ToolError> {
    v.map(|v| num(field, Some(v), 0.0, 1.0, MAX_SIDE).map(|v| v.round() as u32))
        .transpose()
}

/// Per-pixel saliency of an RGBA analysis image (row-major `f32`).
fn saliency(img: &image::RgbaImage) -> Vec<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = img.as_raw();
    let luma: Vec<f32> = px
        .chunks_exact(4)
        .map(|p| (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) / 255.0)
        .collect();
    let mut out = vec![0.0f32; w * h];
    // Skin colour direction (normalised RGB), as smartcrop.js uses.
    let skin = [0.78f32, 0.57, 0.44];
    let skin_norm = (skin[0] * skin[0] + skin[1] * skin[1] + skin[2] * skin[2]).sqrt();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let l = luma[i];
            let n = |xx: usize, yy: usize| luma[yy * w + xx];
            let edge = (4.0 * l
                - n(x.saturating_sub(1), y)
                - n((x + 1).min(w - 1), y)
                - n(x, y.saturating_sub(1))
                - n(x, (y + 1).min(h - 1)))
            .abs();
            let p = &px[i * 4..i * 4 + 4];
            let (r, g, b) = (
                p[0] as f32 / 255.0,
                p[1] as f32 / 255.0,
                p[2] as f32 / 255.0,
            );
            let max = r.max(g).max(b);
            let min = r.min(g).min(b);
            let sat = if max > 0.0 { (max - min) / max } else { 0.0 };
            // Saturated colours count most at mid lightness.
            let light = (max + min) / 2.0;
            let sat_score = sat * (1.0 - (2.0 * light - 1.0).abs());
            let mag = (r * r + g * g + b * b).sqrt();
            let skin_score = if mag > 0.0 {
                let d = ((r / mag - skin[0] / skin_norm).powi(2)
                    + (g / mag - skin[1] / skin_norm).powi(2)
                    + (b / mag - skin[2] / skin_norm).powi(2))
                .sqrt();
                let s = 1.0 - d;
                if s > 0.8 && (0.2..=0.95).contains(&l) {
                    (s - 0.8) / 0.2
                } else {
                    0.0
                }
            } else {
                0.0
            };
            let alpha = p[3] as f32 / 255.0;
            out[i] = alpha * (edge * 2.0 + 0.3 * sat_score + 0.4 * skin_score);
        }
    }
    out
}

/// Shannon entropy (bits) of a 256-bin histogram with `total` samples.
fn entropy(hist: &[u32; 256], total: u32) -> f32 {
    if total == 0 {
        return 0.0;
    }
    let t = total as f32;
    hist.iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f32 / t;
            -p * p.log2()
        })
        .sum()
}

/// Candidate positions along one axis: every position when few, else about 64 evenly.
fn positions(free: usize) -> Vec<usize> {
    let step = (free / 64).max(1);
    let mut v: Vec<usize> = (0..=free).step_by(step).collect();
    if *v.last().unwrap_or(&0) != free {
        v.push(free);
    }
    v
}

/// Picks the top-left corner of the best `ww` × `wh` window in an analysis image: the
/// best-scoring position by `strategy` (ties go to the most central), then re-centred on
/// the saliency centroid inside it when that costs at most 2 % of the score (so a subject
/// smaller than the window is not left touching its edge).
fn best_window(img: &image::RgbaImage, ww: usize, wh: usize, strategy: Strategy) -> (usize, usize) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (ww, wh) = (ww.clamp(1, w), wh.clamp(1, h));
    let s = saliency(img);
    // Integral image of the saliency with a zero row and column.
    let mut sum = vec![0.0f64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0.0f64;
        for x in 0..w {
            row += s[y * w + x] as f64;
            sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
        }
    }
    let at = |x: usize, y: usize| sum[y * (w + 1) + x];
    let luma: Vec<u8> = img
        .as_raw()
        .chunks_exact(4)
        .map(|p| ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32) / 1000) as u8)
        .collect();
    let score = |x: usize, y: usize| -> f32 {
        match strategy {
            Strategy::Attention => {
                (at(x + ww, y + wh) - at(x, y + wh) - at(x + ww, y) + at(x, y)) as f32
            }
            Strategy::Entropy => {
                let mut hist = [0u32; 256];
                for yy in y..y + wh {
                    for v in &luma[yy * w + x..yy * w + x + ww] {
                        hist[*v as usize] += 1;
                    }
                }
                entropy(&hist, (ww * wh) as u32)
            }
        }
    };
    let (cx, cy) = ((w - ww) as f32 / 2.0, (h - wh) as f32 / 2.0);
    let mut best = (f32::NEG_INFINITY, f32::INFINITY, 0, 0);
    for &y in &positions(h - wh) {
        for &x in &positions(w - ww) {
            let v = score(x, y);
            let off = (x as f32 - cx).abs() + (y as f32 - cy).abs();
            if v > best.0 + 1e-4 || ((v - best.0).abs() <= 1e-4 && off < best.1) {
                best = (v, off, x, y);
            }
        }
    }
    let (bx, by) = (best.2, best.3);
    let (mut mx, mut my, mut total) = (0.0f64, 0.0f64, 0.0f64);
    for y in by..by + wh {
        for x in bx..bx + ww {
            let v = s[y * w + x] as f64;
            mx += v * x as f64;
            my += v * y as f64;
            total += v;
        }
    }
    if total > 0.0 {
        let nx = ((mx / total - ww as f64 / 2.0).round().max(0.0) as usize).min(w - ww);
        let ny = ((my / total - wh as f64 / 2.0).round().max(0.0) as usize).min(h - wh);
        if score(nx, ny) >= best.0 * 0.98 {
            return (nx, ny);
        }
    }
    (bx, by)
}

/// Subject mode: crop a `tw` × `th` window chosen by `strategy` (after cover scaling).
fn subject_crop(
    rgba: &image::RgbaImage,
    tw: u32,
    th: u32,
    strategy: Strategy,
) -> Result<image::RgbaImage, ToolError> {
    let (w, h) = rgba.dimensions();
    let scale = (tw as f64 / w as f64).max(th as f64 / h as f64);
    let ww = ((tw as f64 / scale).round() as u32).clamp(1, w);
    let wh = ((th as f64 / scale).round() as u32).clamp(1, h);
    let f = (ANALYSIS_SIDE as f64 / w.max(h) as f64).min(1.0);
    let (aw, ah) = (
        ((w as f64 * f).round() as u32).max(1),
        ((h as f64 * f).round() as u32).max(1),
    );
    let analysis = if f < 1.0 {
        resize_exact(&DynamicImage::ImageRgba8(rgba.clone()), aw, ah)?.to_rgba8()
    } else {
        rgba.clone()
    };
    let (ax, ay) = best_window(
        &analysis,
        (ww as f64 * f).round() as usize,
        (wh as f64 * f).round() as usize,
        strategy,
    );
    let x = ((ax as f64 / f).round() as u32).min(w - ww);
    let y = ((ay as f64 / f).round() as u32).min(h - wh);
    let crop = image::imageops::crop_imm(rgba, x, y, ww, wh).to_image();
    if (ww, wh) == (tw, th) {
        Ok(crop)
    } else {
        Ok(resize_exact(&DynamicImage::ImageRgba8(crop), tw, th)?.to_rgba8())
    }
}

/// The bounding box `(x, y, w, h)` of pixels differing from the top-left one by more than
/// `threshold` in any channel; `None` when the image is uniform.
fn content_box(rgba: &image::RgbaImage, threshold: u8) -> Option<(u32, u32, u32, u32)> {
    let bg = *rgba.get_pixel(0, 0);
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in rgba.enumerate_pixels() {
        let differs =
            p.0.iter()
                .zip(bg.0.iter())
                .any(|(a, b)| a.abs_diff(*b) > threshold);
        if differs {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    (x0 != u32::MAX).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

struct SmartCrop;

impl Tool for SmartCrop {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "smart-crop",
            "Smart Crop",
            "Crop to a size around the interesting part of an image (attention or entropy), or trim uniform borders.",
            serde_json::json!({
                    "mode": {"enum": ["subject", "attention", "entropy", "trim", "content", "face"], "default": "subject", "description": "face needs face detection and is not available yet"},
                    "strategy": {"enum": ["attention", "entropy"], "default": "attention"},
                    "width": {"type": "integer", "minimum": 1, "maximum": 16384},
                    "height": {"type": "integer", "minimum": 1, "maximum": 16384},
                    "padding": {"type": "integer", "minimum": 0, "maximum": 50, "default": 0},
                    "facePreset": {"enum": ["closeup", "head-shoulders", "upper-body", "half-body"], "default": "head-shoulders"},
                    "sensitivity": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5},
                    "threshold": {"type": "integer", "minimum": 0, "maximum": 255, "default": 30},
                    "padToSquare": {"type": "boolean", "default": false},
                    "padColor": {"type": "string", "default": "#ffffff"},
                    "targetSize": {"type": "integer", "minimum": 1, "maximum": 16384},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let mode = s
            .mode
            .as_deref()
            .unwrap_or("subject")
            .trim()
            .to_ascii_lowercase();
        let mut strategy = match s
            .strategy
            .as_deref()
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("attention") => Strategy::Attention,
            Some("entropy") => Strategy::Entropy,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "strategy must be attention or entropy, got '{other}'"
                )))
            }
        };
        let trim = match mode.as_str() {
            "subject" | "attention" => false,
            "entropy" => {
                strategy = Strategy::Entropy;
                false
            }
            "trim" | "content" => true,
            "face" => {
                return Err(invalid_settings(
                    "mode 'face' needs face detection, which is not available yet; use subject, entropy or trim",
                ))
            }
            other => {
                return Err(invalid_settings(format!(
                    "mode must be subject, attention, entropy, trim or face, got '{other}'"
                )))
            }
        };
        if let Some(p) = s.face_preset.as_deref() {
            if !["closeup", "head-shoulders", "upper-body", "half-body"].contains(&p) {
                return Err(invalid_settings(format!("unknown facePreset '{p}'")));
            }
        }
        num("sensitivity", s.sensitivity, 0.5, 0.0, 1.0)?;
        let padding = num("padding", s.padding, 0.0, 0.0, 50.0)?;
        let threshold = num("threshold", s.threshold, 30.0, 0.0, 255.0)?.round() as u8;
        let quality = num("quality", s.quality, 90.0, 1.0, 100.0)?.round() as u8;
        let pad_color = parse_hex("padColor", s.pad_color.as_deref().unwrap_or("#ffffff"))?;
        let width = pixels("width", s.width)?;
        let height = pixels("height", s.height)?;
        let target_size = pixels("targetSize", s.target_size)?;

        let input = &inputs[0];
        let picture = load(input)?;
        let rgba = picture.rgba;
        let (w, h) = rgba.dimensions();
        let mut extra = serde_json::Map::new();
        let result = if trim {
            let found = content_box(&rgba, threshold);
            extra.insert("trimmed".into(), found.is_some().into());
            let (bx, by, bw, bh) = found.unwrap_or((0, 0, w, h));
            let (px, py) = (
                (bw as f64 * padding / 100.0).round() as u32,
                (bh as f64 * padding / 100.0).round() as u32,
            );
            let x0 = bx.saturating_sub(px);
            let y0 = by.saturating_sub(py);
            let x1 = (bx + bw + px).min(w);
            let y1 = (by + bh + py).min(h);
            let mut out = image::imageops::crop_imm(&rgba, x0, y0, x1 - x0, y1 - y0).to_image();
            if s.pad_to_square {
                let side = out.width().max(out.height());
                let mut square = canvas(side as u64, side as u64, pad_color)?;
                let (ox, oy) = ((side - out.width()) / 2, (side - out.height()) / 2);
                overlay(&mut square, &out, ox as i64, oy as i64);
                out = square;
            }
            if let Some(t) = target_size {
                let f = t as f64 / out.width().max(out.height()) as f64;
                let (nw, nh) = (
                    ((out.width() as f64 * f).round() as u32).max(1),
                    ((out.height() as f64 * f).round() as u32).max(1),
                );
                out = resize_exact(&DynamicImage::ImageRgba8(out), nw, nh)?.to_rgba8();
            }
            out
        } else {
            let (tw, th) = match (width, height, target_size) {
                (Some(a), Some(b), _) => (a, b),
                (Some(a), None, _) | (None, Some(a), _) | (None, None, Some(a)) => (a, a),
                (None, None, None) => (w.min(h), w.min(h)),
            };
            lathe_layout_kit::check_canvas(tw as u64, th as u64)?;
            subject_crop(&rgba, tw, th, strategy)?
        };
        let format = if picture.has_alpha || lathe_layout_kit::has_transparency(&result) {
            keep_alpha(picture.format)
        } else {
            picture.format
        };
        let (ow, oh) = result.dimensions();
        let image = if format.supports_alpha() {
            DynamicImage::ImageRgba8(result)
        } else {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(result).to_rgb8())
        };
        let bytes = encode(&image, format, EncodeOptions { quality })?;
        extra.insert("width".into(), ow.into());
        extra.insert("height".into(), oh.into());
        let name = format!("{}.{}", input.stem(), format.extension());
        Ok(
            Output::file(OutputFile::new(name, format.media_type(), bytes))
                .with_extra(serde_json::Value::Object(extra)),
        )
    }
}

lathe_tool_sdk::export_tool!(SmartCrop);
