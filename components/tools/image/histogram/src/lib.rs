//! `image/histogram`: per-channel histograms of an image.
//!
//! The result file is a 512 × 256 PNG chart: each of the 256 levels is two pixels wide and
//! the red, green and blue histograms are drawn as filled areas that add up where they
//! overlap (white where all three do) on a black background. With `scale: "log"` bar
//! heights follow `ln(1 + count)`, which shows small counts next to a dominant level.
//! The response also carries each channel's 256 counts and its mean, min, max and median.
//! Fully transparent pixels are not counted.

use lathe_image_kit::{decode, encode, image, DynamicImage, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    scale: Option<String>,
}

/// Chart width in pixels (two per level).
const CHART_W: u32 = 512;
/// Chart height in pixels.
const CHART_H: u32 = 256;

/// Mean, min, max and median of a 256-bin histogram with `total` samples.
fn stats(bins: &[u64; 256], total: u64) -> Value {
    let sum: u64 = bins.iter().enumerate().map(|(v, n)| v as u64 * n).sum();
    let min = bins.iter().position(|&n| n > 0).unwrap_or(0);
    let max = bins.iter().rposition(|&n| n > 0).unwrap_or(0);
    // The lower median: the first level at which half the samples are reached.
    let half = total.div_ceil(2);
    let mut seen = 0;
    let mut median = 0;
    for (v, n) in bins.iter().enumerate() {
        seen += n;
        if seen >= half {
            median = v;
            break;
        }
    }
    let mean = sum as f64 / total as f64;
    json!({
        "mean": (mean * 100.0).round() / 100.0,
        "min": min,
        "max": max,
        "median": median,
    })
}

/// Draws the chart; `log` selects logarithmic bar heights.
// The level indexes all three channels' bins at once.
#[allow(clippy::needless_range_loop)]
fn chart(bins: &[[u64; 256]; 3], log: bool) -> image::RgbImage {
    let value = |n: u64| if log { (n as f64).ln_1p() } else { n as f64 };
    let peak = bins
        .iter()
        .flat_map(|b| b.iter())
        .map(|&n| value(n))
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut img = image::RgbImage::new(CHART_W, CHART_H);
    for level in 0..256usize {
        let heights: [u32; 3] = [0, 1, 2].map(|c| {
            let n = bins[c][level];
            let h = (value(n) / peak * CHART_H as f64).round() as u32;
            // Any non-zero count shows at least one pixel.
            if n > 0 {
                h.max(1)
            } else {
                0
            }
        });
        for dx in 0..2 {
            let x = level as u32 * 2 + dx;
            for y in 0..CHART_H {
                let from_bottom = CHART_H - y;
                let mut px = [0u8; 3];
                for c in 0..3 {
                    if heights[c] >= from_bottom {
                        px[c] = 255;
                    }
                }
                img.put_pixel(x, y, image::Rgb(px));
            }
        }
    }
    img
}

struct Histogram;

impl Tool for Histogram {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("histogram", Section::Image, "Histogram", "Chart an image's red, green and blue histograms as a PNG, with per-channel statistics and counts."),
            json!({
                    "scale": {"type": "string", "enum": ["linear", "log"], "default": "linear"}
            }),
            &[],
            Produces::types(&["png"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let log = match s.scale.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("linear") => false,
            Some("log") | Some("logarithmic") => true,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "scale must be linear or log, got '{other}'"
                )))
            }
        };
        let input = &inputs[0];
        let decoded = decode(input)?;
        let rgba = match decoded.image {
            DynamicImage::ImageRgba8(img) => img,
            other => other.to_rgba8(),
        };
        let (width, height) = rgba.dimensions();
        let mut bins = [[0u64; 256]; 3];
        let mut total = 0u64;
        for p in rgba.pixels().filter(|p| p[3] > 0) {
            for (c, channel) in bins.iter_mut().enumerate() {
                channel[p[c] as usize] += 1;
            }
            total += 1;
        }
        if total == 0 {
            return Err(unsupported(
                "the image is fully transparent; there is nothing to count",
            ));
        }
        let png = encode(
            &DynamicImage::ImageRgb8(chart(&bins, log)),
            ImageFormat::Png,
            EncodeOptions::default(),
        )?;
        let name = format!("{}-histogram.png", input.stem());
        Ok(
            Output::file(OutputFile::new(name, "image/png", png)).with_extra(json!({
                "scale": if log { "log" } else { "linear" },
                "width": width,
                "height": height,
                "pixels": total,
                "red": stats(&bins[0], total),
                "green": stats(&bins[1], total),
                "blue": stats(&bins[2], total),
                "bins": {
                    "red": bins[0].to_vec(),
                    "green": bins[1].to_vec(),
                    "blue": bins[2].to_vec(),
                },
            })),
        )
    }
}

lathe_tool_sdk::export_tool!(Histogram);
