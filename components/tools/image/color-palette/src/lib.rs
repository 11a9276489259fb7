//! `image/color-palette`: the dominant colours of an image, as JSON only (no file).
//!
//! The image is scaled down to at most 96 × 96 pixels, mostly transparent pixels are
//! ignored, and the rest are split by median cut (the box with the widest channel range is
//! cut at its median) until `count` boxes exist or no box can be split. Each box's average
//! is one palette colour; colours are ordered by how many pixels they cover. The result is
//! deterministic for a given image and settings.

use lathe_color_kit::whole;
use lathe_image_kit::{decode, image};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "colors", alias = "colorCount")]
    count: Option<f64>,
    format: Option<String>,
}

/// How colours are written in `colors`.
#[derive(Debug, Clone, Copy)]
enum Notation {
    Hex,
    Rgb,
    Hsl,
}

/// Longest side of the copy the palette is computed on.
const SAMPLE_SIDE: u32 = 96;

/// `#rrggbb`.
fn hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// `hsl(h, s%, l%)` with whole numbers.
fn hsl(c: [u8; 3]) -> String {
    let [r, g, b] = c.map(|v| v as f64 / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let l = (max + min) / 2.0;
    let d = max - min;
    let (h, s) = if d == 0.0 {
        (0.0, 0.0)
    } else {
        let s = d / (1.0 - (2.0 * l - 1.0).abs());
        let h = if max == r {
            60.0 * (((g - b) / d).rem_euclid(6.0))
        } else if max == g {
            60.0 * ((b - r) / d + 2.0)
        } else {
            60.0 * ((r - g) / d + 4.0)
        };
        (h, s)
    };
    format!(
        "hsl({}, {}%, {}%)",
        h.round() as u32 % 360,
        (s * 100.0).round() as u32,
        (l * 100.0).round() as u32
    )
}

/// A box of pixels for median cut.
struct ColorBox {
    pixels: Vec<[u8; 3]>,
}

impl ColorBox {
    /// The channel with the widest range and that range.
    fn widest(&self) -> (usize, u8) {
        let mut best = (0, 0u8);
        for c in 0..3 {
            let (lo, hi) = self
                .pixels
                .iter()
                .fold((255u8, 0u8), |(lo, hi), p| (lo.min(p[c]), hi.max(p[c])));
            let range = hi.saturating_sub(lo);
            if range > best.1 {
                best = (c, range);
            }
        }
        best
    }

    fn average(&self) -> [u8; 3] {
        let n = self.pixels.len() as u64;
        let mut sum = [0u64; 3];
        for p in &self.pixels {
            for c in 0..3 {
                sum[c] += p[c] as u64;
            }
        }
        sum.map(|s| ((s + n / 2) / n.max(1)) as u8)
    }
}

/// Median cut of `pixels` into at most `count` colours with their pixel counts, most
/// common first.
fn median_cut(pixels: Vec<[u8; 3]>, count: usize) -> Vec<([u8; 3], usize)> {
    let mut boxes = vec![ColorBox { pixels }];
    while boxes.len() < count {
        // Split the box with the widest range (larger population breaks ties).
        let pick = boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.pixels.len() > 1 && b.widest().1 > 0)
            .max_by_key(|(i, b)| (b.widest().1, b.pixels.len(), usize::MAX - i))
            .map(|(i, _)| i);
        let Some(i) = pick else { break };
        let mut b = boxes.swap_remove(i);
        let (channel, _) = b.widest();
        b.pixels
            .sort_unstable_by_key(|p| (p[channel], p[0], p[1], p[2]));
        // Cut at the median, moved so that equal values stay on one side where possible.
        let mut mid = b.pixels.len() / 2;
        let value = b.pixels[mid][channel];
        let first = b.pixels.partition_point(|p| p[channel] < value);
        let last = b.pixels.partition_point(|p| p[channel] <= value);
        mid = if first > 0 {
            first
        } else {
            last.min(b.pixels.len() - 1)
        };
        let upper = b.pixels.split_off(mid);
        boxes.push(b);
        boxes.push(ColorBox { pixels: upper });
    }
    let mut colors: Vec<([u8; 3], usize)> = boxes
        .iter()
        .filter(|b| !b.pixels.is_empty())
        .map(|b| (b.average(), b.pixels.len()))
        .collect();
    colors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    // Two boxes can average to the same colour; merge them.
    let mut merged: Vec<([u8; 3], usize)> = Vec::new();
    for (c, n) in colors {
        match merged.iter_mut().find(|(m, _)| *m == c) {
            Some(entry) => entry.1 += n,
            None => merged.push((c, n)),
        }
    }
    merged
}

struct ColorPalette;

impl Tool for ColorPalette {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            (
                "color-palette",
                Section::Image,
                "Color palette",
                "Extract an image's dominant colours (median cut) as hex, rgb or hsl.",
            ),
            json!({
                    "count": {"type": "integer", "minimum": 2, "maximum": 16, "default": 8},
                    "format": {"type": "string", "enum": ["hex", "rgb", "hsl"], "default": "hex"}
            }),
            &[],
            Produces::NO_FILE,
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let count = whole("count", s.count, 8.0, 2.0, 16.0)?;
        let notation = match s.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("hex") => Notation::Hex,
            Some("rgb") => Notation::Rgb,
            Some("hsl") => Notation::Hsl,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "format must be hex, rgb or hsl, got '{other}'"
                )))
            }
        };
        let decoded = decode(&inputs[0])?;
        // Only ever scaled down: upscaling would invent blended colours at edges.
        let image = decoded.image;
        let small = if image.width() > SAMPLE_SIDE || image.height() > SAMPLE_SIDE {
            image.thumbnail(SAMPLE_SIDE, SAMPLE_SIDE).to_rgba8()
        } else {
            image.to_rgba8()
        };
        let pixels: Vec<[u8; 3]> = small
            .pixels()
            .filter(|p| p[3] >= 128)
            .map(|p: &image::Rgba<u8>| [p[0], p[1], p[2]])
            .collect();
        if pixels.is_empty() {
            return Err(unsupported(
                "the image is fully transparent; it has no colours",
            ));
        }
        let total = pixels.len();
        let palette = median_cut(pixels, count as usize);
        let colors: Vec<String> = palette
            .iter()
            .map(|(c, _)| match notation {
                Notation::Hex => hex(*c),
                Notation::Rgb => format!("rgb({}, {}, {})", c[0], c[1], c[2]),
                Notation::Hsl => hsl(*c),
            })
            .collect();
        let hexes: Vec<String> = palette.iter().map(|(c, _)| hex(*c)).collect();
        let shares: Vec<f64> = palette
            .iter()
            .map(|(_, n)| (*n as f64 * 10000.0 / total as f64).round() / 100.0)
            .collect();
        Ok(Output::default().with_extra(json!({
            "colors": colors,
            "hex": hexes,
            "count": palette.len(),
            "percentages": shares,
        })))
    }
}

lathe_tool_sdk::export_tool!(ColorPalette);
