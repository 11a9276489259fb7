//! `image/vignette`: fade the image towards `color` away from a centre point.
//!
//! Positions are normalised so the image's half-width and half-height are 1 (the
//! vignette follows the image's shape) and a corner of a centred vignette is at distance 1.
//! `roundness` 100 gives an ellipse; lower values a squarer superellipse (exponent up to 8).
//! The fade is a smoothstep centred on `radius`% of that distance, `softness`% wide; the
//! colour is mixed in by up to `strength`. Pixels inside the inner edge are untouched.
//! Alpha is untouched.

use lathe_color_kit::{hex_or, number, retouch};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "amount", alias = "intensity")]
    strength: Option<f64>,
    color: Option<String>,
    radius: Option<f64>,
    #[serde(alias = "feather")]
    softness: Option<f64>,
    roundness: Option<f64>,
    #[serde(alias = "centreX")]
    center_x: Option<f64>,
    #[serde(alias = "centreY")]
    center_y: Option<f64>,
}

/// Validated vignette geometry and colour.
struct Plan {
    strength: f32,
    color: [f32; 3],
    inner: f32,
    outer: f32,
    exponent: f32,
    center: (f32, f32),
}

/// The mix weight (0..=strength) at normalised distance `d`.
#[inline]
fn weight(plan: &Plan, d: f32) -> f32 {
    if d <= plan.inner {
        return 0.0;
    }
    if d >= plan.outer {
        return plan.strength;
    }
    let t = (d - plan.inner) / (plan.outer - plan.inner);
    plan.strength * t * t * (3.0 - 2.0 * t)
}

/// Applies the vignette to `w` × `h` RGBA8 pixels in place.
fn vignette(pixels: &mut [u8], w: usize, h: usize, plan: &Plan) {
    let p = plan.exponent;
    let (cx, cy) = (plan.center.0 * w as f32, plan.center.1 * h as f32);
    let (hw, hh) = (w as f32 / 2.0, h as f32 / 2.0);
    // |dx|^p per column and |dy|^p per row, so a pixel costs one root.
    let powp = |v: f32| v.abs().powf(p);
    let xs: Vec<f32> = (0..w).map(|x| powp((x as f32 + 0.5 - cx) / hw)).collect();
    let ys: Vec<f32> = (0..h).map(|y| powp((y as f32 + 0.5 - cy) / hh)).collect();
    // Corner of a centred vignette at distance 1.
    let norm = 2f32;
    let inv_p = 1.0 / p;
    let circle = p == 2.0;
    for (row, ay) in pixels.chunks_exact_mut(w * 4).zip(&ys) {
        for (px, ax) in row.chunks_exact_mut(4).zip(&xs) {
            let s = (ax + ay) / norm;
            let d = if circle { s.sqrt() } else { s.powf(inv_p) };
            let k = weight(plan, d);
            if k == 0.0 {
                continue;
            }
            for (d, target) in px[..3].iter_mut().zip(plan.color) {
                let v = *d as f32;
                *d = (v + k * (target - v) + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
    }
}

fn plan(s: &Settings) -> Result<Plan, ToolError> {
    let strength = number("strength", s.strength, 0.5, 0.1, 1.0)? as f32;
    let color = hex_or("color", s.color.as_deref(), "#000000")?;
    let radius = number("radius", s.radius, 70.0, 0.0, 100.0)? as f32 / 100.0;
    let softness = number("softness", s.softness, 50.0, 0.0, 100.0)? as f32 / 100.0;
    let roundness = number("roundness", s.roundness, 100.0, 0.0, 100.0)? as f32 / 100.0;
    let cx = number("centerX", s.center_x, 50.0, 0.0, 100.0)? as f32 / 100.0;
    let cy = number("centerY", s.center_y, 50.0, 0.0, 100.0)? as f32 / 100.0;
    let half = softness / 2.0;
    let (inner, outer) = (radius - half, (radius + half).max(radius - half + 1e-3));
    Ok(Plan {
        strength,
        color: [color.r as f32, color.g as f32, color.b as f32],
        inner,
        outer,
        exponent: 2.0 + (1.0 - roundness) * 6.0,
        center: (cx, cy),
    })
}

struct Vignette;

impl Tool for Vignette {
    fn describe() -> ToolInfo {
        let pct = |d: u32| serde_json::json!({"type": "number", "minimum": 0, "maximum": 100, "default": d});
        lathe_image_kit::one_image_tool_info(
            "vignette",
            "Vignette",
            "Darken (or tint) the edges of an image with an adjustable, soft, round or square vignette.",
            serde_json::json!({
                    "strength": {"type": "number", "minimum": 0.1, "maximum": 1, "default": 0.5},
                    "color": {"type": "string", "format": "hex-color", "default": "#000000"},
                    "radius": pct(70), "softness": pct(50), "roundness": pct(100),
                    "centerX": pct(50), "centerY": pct(50)
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let plan = plan(&settings)?;
        retouch(&inputs[0], |rgba, w, h| vignette(rgba, w, h, &plan))
    }
}

lathe_tool_sdk::export_tool!(Vignette);
