//! `image/compare`: how similar two images are, with a difference image.
//!
//! Both images are decoded (upright) and flattened onto white; the second is resized to
//! the first's size when they differ. `similarity` is `100 × (1 − mean absolute
//! difference / 255)` over the red, green and blue channels, rounded to two decimals
//! (100 only for identical pixels). The result file is a PNG the size of the first image:
//! pixels whose largest channel difference exceeds [`CHANGE_THRESHOLD`] are red, the rest
//! show the first image faded towards white.

use lathe_image_kit::{
    decode, encode, image, resize_exact, DynamicImage, EncodeOptions, ImageFormat,
};
use lathe_tool_sdk::{
    parse_settings, Input, Output, OutputFile, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::json;

/// The tool takes no settings; unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct Settings {}

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
            description: "Compare two images: a similarity percentage and a PNG with the changed pixels in red.",
            settings_schema: json!({"type": "object", "properties": {}}),
            min_inputs: 2,
            max_inputs: 2,
            accepts: &[],
            produces: Produces::types(&["png"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
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
            if largest > CHANGE_THRESHOLD {
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
        let png = encode(
            &DynamicImage::ImageRgb8(diff),
            ImageFormat::Png,
            EncodeOptions::default(),
        )?;
        let name = format!("{}-diff.png", inputs[0].stem());
        Ok(
            Output::file(OutputFile::new(name, "image/png", png)).with_extra(json!({
                "similarity": similarity,
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
