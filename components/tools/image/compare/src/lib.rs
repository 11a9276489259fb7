//! `image/compare`: how similar two images are, with a difference image.
//!
//! Both images are decoded (upright) and flattened onto white; the second is resized to
//! the first's size when they differ. `similarity` is `100 × (1 − mean absolute
//! difference / 255)` over the red, green and blue channels, rounded to two decimals
//! (100 only for identical pixels). Seed 001's `mode` picks the result PNG: `diff` (the
//! default; the size of the first image: pixels whose largest channel difference exceeds
//! `diffThreshold`, default [`CHANGE_THRESHOLD`], are red, the rest show the first image
//! faded towards white), `side-by-side` (the two images next to each other, 8 px apart on
//! white) or `overlay` (the second laid over the first at half opacity). `changedPixels`
//! counts with `diffThreshold` in every mode.

use lathe_image_kit::{
    decode, encode, image, resize_exact, DynamicImage, EncodeOptions, ImageFormat,
};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::json;

/// Seed 001's settings: `mode` and `diffThreshold`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    mode: Option<String>,
    diff_threshold: Option<f64>,
}

/// What the result image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Changed pixels in red over a faded first image.
    Diff,
    /// Both images next to each other.
    SideBySide,
    /// The second over the first at half opacity.
    Overlay,
}

/// Gap between the two images of `side-by-side`, in pixels.
const GAP: u32 = 8;

/// The two images next to each other on white, `GAP` apart.
fn side_by_side(a: &image::RgbImage, b: &image::RgbImage) -> image::RgbImage {
    let (w, h) = a.dimensions();
    let mut out = image::RgbImage::from_pixel(w * 2 + GAP, h, image::Rgb([255, 255, 255]));
    image::imageops::replace(&mut out, a, 0, 0);
    image::imageops::replace(&mut out, b, (w + GAP) as i64, 0);
    out
}

/// `b` over `a` at half opacity.
fn overlay(a: &image::RgbImage, b: &image::RgbImage) -> image::RgbImage {
    let mut out = a.clone();
    for (o, pb) in out.pixels_mut().zip(b.pixels()) {
        for c in 0..3 {
            o[c] = (o[c] as u16 + pb[c] as u16).div_ceil(2) as u8;
        }
    }
    out
}

/// Largest per-channel difference still counted as unchanged in the difference image.
pub const CHANGE_THRESHOLD: u8 = 16;

/// Composites RGBA8 onto white.
fn flatten(img: &image::RgbaImage) -> image::RgbImage {
    let mut out = image::RgbImage::new(img.width(), img.height());
    for (dst, src) in out.pixels_mut().zip(img.pixels()) {
        let a = src[3] as u32;
        for c in 0..3 {
            dst[c] = ((src[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// Decodes an input flattened onto white.
fn load(input: &Input) -> Result<DynamicImage, ToolError> {
    let decoded = decode(input)?;
    Ok(DynamicImage::ImageRgb8(flatten(&decoded.image.to_rgba8())))
}

struct Compare;

impl Tool for Compare {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "compare",
            section: Section::Image,
            name: "Compare",
            description: "Compare two images: a similarity percentage and a PNG with the changed pixels in red, the two side by side, or one over the other.",
            settings_schema: json!({"type": "object", "properties": {
                "mode": {"enum": ["diff", "side-by-side", "overlay"], "default": "diff"},
                "diffThreshold": {"type": "integer", "minimum": 0, "maximum": 255, "default": CHANGE_THRESHOLD,
                                  "description": "Largest per-channel difference still counted as unchanged."}
            }}),
            min_inputs: 2,
            max_inputs: 2,
            accepts: &[],
            produces: Produces::types(&["png"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let mode = match settings
            .mode
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("diff") | Some("difference") => Mode::Diff,
            Some("side-by-side") | Some("sidebyside") | Some("side_by_side") => Mode::SideBySide,
            Some("overlay") => Mode::Overlay,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "mode must be side-by-side, overlay or diff, got '{other}'"
                )))
            }
        };
        let threshold = check_range(
            "diffThreshold",
            settings.diff_threshold.unwrap_or(CHANGE_THRESHOLD as f64),
            0.0,
            255.0,
        )?
        .round() as u8;
        let a = load(&inputs[0])?;
        let b = load(&inputs[1])?;
        let (aw, ah) = (a.width(), a.height());
        let (bw, bh) = (b.width(), b.height());
        let b = resize_exact(&b, aw, ah)?.to_rgb8();
        let a = a.to_rgb8();
        let mut total_diff = 0u64;
        let mut changed = 0u64;
        let mut diff = image::RgbImage::new(aw, ah);
        for ((pa, pb), out) in a.pixels().zip(b.pixels()).zip(diff.pixels_mut()) {
            let mut largest = 0u8;
            for c in 0..3 {
                let d = pa[c].abs_diff(pb[c]);
                total_diff += d as u64;
                largest = largest.max(d);
            }
            if largest > threshold {
                changed += 1;
                *out = image::Rgb([255, 0, 0]);
            } else {
                // Faded copy: 30 % of the original over white.
                *out = image::Rgb([0, 1, 2].map(|c| ((pa[c] as u32 * 3 + 255 * 7 + 5) / 10) as u8));
            }
        }
        let pixels = aw as u64 * ah as u64;
        let mad = total_diff as f64 / (pixels * 3) as f64;
        let mut similarity = (100.0 * (1.0 - mad / 255.0) * 100.0).round() / 100.0;
        if total_diff > 0 && similarity >= 100.0 {
            similarity = 99.99;
        }
        let picture = match mode {
            Mode::Diff => diff,
            Mode::SideBySide => side_by_side(&a, &b),
            Mode::Overlay => overlay(&a, &b),
        };
        let png = encode(
            &DynamicImage::ImageRgb8(picture),
            ImageFormat::Png,
            EncodeOptions::default(),
        )?;
        let suffix = match mode {
            Mode::Diff => "diff",
            Mode::SideBySide => "side-by-side",
            Mode::Overlay => "overlay",
        };
        let name = format!("{}-{suffix}.png", inputs[0].stem());
        Ok(
            Output::file(OutputFile::new(name, "image/png", png)).with_extra(json!({
                "similarity": similarity,
                "mode": suffix,
                "diffThreshold": threshold,
                "identical": total_diff == 0 && (aw, ah) == (bw, bh),
                "changedPixels": changed,
                "changedPercent": (changed as f64 * 10000.0 / pixels as f64).round() / 100.0,
                "dimensions": {
                    "a": {"width": aw, "height": ah},
                    "b": {"width": bw, "height": bh},
                },
                "resized": (aw, ah) != (bw, bh),
            })),
        )
    }
}

lathe_tool_sdk::export_tool!(Compare);
