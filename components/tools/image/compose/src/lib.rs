//! `image/compose`: layer an overlay image (the second file) on a base image at a position,
//! with an opacity and a blend mode.
//!
//! Send the base first and the overlay second (the peer names the second part `overlay`;
//! Lathe takes the parts in order). The overlay's top-left corner goes to (`x`, `y`) and
//! whatever falls outside the base is clipped: the output always has the base's size and
//! format (alpha kept where the format allows). Blend modes follow the W3C Compositing and
//! Blending spec on straight 8-bit sRGB values, as browsers and sharp do: the blended
//! colour is mixed with the overlay colour by the base's alpha, then composited
//! source-over with the overlay's alpha times `opacity`.

use lathe_image_kit::image::{Rgba, RgbaImage};
use lathe_layout_kit as kit;
use lathe_text_kit as text;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The blend modes, as the peer names them.
pub const BLEND_MODES: &[&str] = &[
    "over",
    "multiply",
    "screen",
    "overlay",
    "darken",
    "lighten",
    "hard-light",
    "soft-light",
    "difference",
    "exclusion",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    #[serde(alias = "left")]
    x: f64,
    #[serde(alias = "top")]
    y: f64,
    opacity: f64,
    #[serde(alias = "blend", alias = "mode")]
    blend_mode: String,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            x: 0.0,
            y: 0.0,
            opacity: 100.0,
            blend_mode: "over".into(),
            quality: 90.0,
        }
    }
}

/// A separable blend mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Over,
    Multiply,
    Screen,
    Overlay,
    Darken,
    Lighten,
    HardLight,
    SoftLight,
    Difference,
    Exclusion,
}

impl Mode {
    fn from_name(name: &str) -> Option<Mode> {
        let n = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Some(match n.as_str() {
            "over" | "normal" | "source-over" => Mode::Over,
            "multiply" => Mode::Multiply,
            "screen" => Mode::Screen,
            "overlay" => Mode::Overlay,
            "darken" => Mode::Darken,
            "lighten" => Mode::Lighten,
            "hard-light" | "hardlight" => Mode::HardLight,
            "soft-light" | "softlight" => Mode::SoftLight,
            "difference" => Mode::Difference,
            "exclusion" => Mode::Exclusion,
            _ => return None,
        })
    }

    /// B(cb, cs) of the W3C spec, channel values in 0..=1.
    fn apply(self, cb: f32, cs: f32) -> f32 {
        match self {
            Mode::Over => cs,
            Mode::Multiply => cb * cs,
            Mode::Screen => cb + cs - cb * cs,
            Mode::Overlay => Mode::HardLight.apply(cs, cb),
            Mode::Darken => cb.min(cs),
            Mode::Lighten => cb.max(cs),
            Mode::HardLight => {
                if cs <= 0.5 {
                    cb * 2.0 * cs
                } else {
                    let s = 2.0 * cs - 1.0;
                    cb + s - cb * s
                }
            }
            Mode::SoftLight => {
                if cs <= 0.5 {
                    cb - (1.0 - 2.0 * cs) * cb * (1.0 - cb)
                } else {
                    let d = if cb <= 0.25 {
                        ((16.0 * cb - 12.0) * cb + 4.0) * cb
                    } else {
                        cb.sqrt()
                    };
                    cb + (2.0 * cs - 1.0) * (d - cb)
                }
            }
            Mode::Difference => (cb - cs).abs(),
            Mode::Exclusion => cb + cs - 2.0 * cb * cs,
        }
    }
}

/// Composites one overlay pixel onto one base pixel.
fn composite(base: Rgba<u8>, top: Rgba<u8>, mode: Mode, opacity: f32) -> Rgba<u8> {
    let sa = top.0[3] as f32 / 255.0 * opacity;
    if sa <= 0.0 {
        return base;
    }
    let ba = base.0[3] as f32 / 255.0;
    let oa = sa + ba * (1.0 - sa);
    let mut out = [0u8; 4];
    for (i, o) in out.iter_mut().enumerate().take(3) {
        let cb = base.0[i] as f32 / 255.0;
        let cs = top.0[i] as f32 / 255.0;
        // The blended colour only applies where the base has coverage.
        let mixed = (1.0 - ba) * cs + ba * mode.apply(cb, cs);
        let c = (sa * mixed + ba * (1.0 - sa) * cb) / oa;
        *o = (c * 255.0).round().clamp(0.0, 255.0) as u8;
    }
    out[3] = (oa * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgba(out)
}

/// Layers `top` onto `base` with its top-left corner at (`x`, `y`), clipped to the base.
fn layer(base: &mut RgbaImage, top: &RgbaImage, x: i64, y: i64, mode: Mode, opacity: f32) {
    let (bw, bh) = (base.width() as i64, base.height() as i64);
    let x0 = x.max(0);
    let y0 = y.max(0);
    let x1 = (x + top.width() as i64).min(bw);
    let y1 = (y + top.height() as i64).min(bh);
    if opacity <= 0.0 {
        return;
    }
    for py in y0..y1.max(y0) {
        for px in x0..x1.max(x0) {
            let t = *top.get_pixel((px - x) as u32, (py - y) as u32);
            let b = base.get_pixel_mut(px as u32, py as u32);
            *b = composite(*b, t, mode, opacity);
        }
    }
}

struct Compose;

impl Tool for Compose {
    fn describe() -> ToolInfo {
        text::pair_tool_info(
            "compose",
            "Image Composition",
            "Layer a second image on top of the first at a position, with opacity and a blend mode.",
            serde_json::json!({
                    "x": {"type": "integer", "minimum": 0, "default": 0},
                    "y": {"type": "integer", "minimum": 0, "default": 0},
                    "opacity": {"type": "number", "minimum": 0, "maximum": 100, "default": 100},
                    "blendMode": {"type": "string", "enum": BLEND_MODES, "default": "over"}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let x = kit::int("x", s.x, 0, 100_000)?;
        let y = kit::int("y", s.y, 0, 100_000)?;
        let opacity = kit::number("opacity", s.opacity, 0.0, 100.0)? as f32 / 100.0;
        let mode = Mode::from_name(&s.blend_mode).ok_or_else(|| {
            invalid_settings(format!(
                "blendMode must be one of {}; got '{}'",
                BLEND_MODES.join(", "),
                s.blend_mode
            ))
        })?;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;
        text::draw_pair(&inputs, quality, |img, top| {
            layer(img, &top.to_rgba8(), x, y, mode, opacity);
            let (w, h) = img.dimensions();
            Ok(serde_json::json!({"width": w, "height": h}))
        })
    }
}

lathe_tool_sdk::export_tool!(Compose);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_on_known_values() {
        let base = Rgba([128, 128, 128, 255]);
        let white = Rgba([255, 255, 255, 255]);
        let black = Rgba([0, 0, 0, 255]);
        assert_eq!(composite(base, white, Mode::Multiply, 1.0), base);
        assert_eq!(composite(base, black, Mode::Screen, 1.0), base);
        assert_eq!(composite(base, white, Mode::Over, 1.0), white);
        assert_eq!(composite(base, white, Mode::Over, 0.0), base);
        assert_eq!(composite(white, white, Mode::Difference, 1.0).0[0], 0);
        // Over a transparent base the overlay shows as is.
        assert_eq!(
            composite(Rgba([0, 0, 0, 0]), white, Mode::Multiply, 1.0),
            white
        );
    }
}
