//! `image/duotone`: map each pixel's luminance onto the gradient `shadow` → `highlight`,
//! then blend with the original by `intensity` (0..100 %).
//!
//! Black becomes the shadow colour and white the highlight colour (at intensity 100).
//! Luminance is Rec. 709 on the encoded values; the gradient is precomputed for the 256
//! luminance levels. Alpha is untouched.

use lathe_color_kit::{hex_or, number, retouch};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "shadowColor", alias = "dark")]
    shadow: Option<String>,
    #[serde(alias = "highlightColor", alias = "light")]
    highlight: Option<String>,
    intensity: Option<f64>,
}

/// The gradient colour of each luminance level 0..=255.
fn gradient(shadow: [f32; 3], highlight: [f32; 3]) -> [[f32; 3]; 256] {
    let mut g = [[0.0f32; 3]; 256];
    for (i, c) in g.iter_mut().enumerate() {
        let t = i as f32 / 255.0;
        for k in 0..3 {
            c[k] = shadow[k] + t * (highlight[k] - shadow[k]);
        }
    }
    g
}

/// Applies the duotone to RGBA8 pixels in place; `intensity` in 0..=1.
fn duotone(pixels: &mut [u8], lut: &[[f32; 3]; 256], intensity: f32) {
    let keep = 1.0 - intensity;
    for px in pixels.chunks_exact_mut(4) {
        // Rec. 709 luma in fixed point (weights sum to 65536).
        let y = (13933 * px[0] as u32 + 46871 * px[1] as u32 + 4732 * px[2] as u32 + 32768) >> 16;
        let c = &lut[y.min(255) as usize];
        for k in 0..3 {
            px[k] = (c[k] * intensity + px[k] as f32 * keep + 0.5).clamp(0.0, 255.0) as u8;
        }
    }
}

struct Duotone;

impl Tool for Duotone {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "duotone",
            "Duotone",
            "Recolour an image with a two-colour gradient from shadows to highlights.",
            serde_json::json!({
                    "shadow": {"type": "string", "format": "hex-color", "default": "#1e3a8a"},
                    "highlight": {"type": "string", "format": "hex-color", "default": "#fbbf24"},
                    "intensity": {"type": "integer", "minimum": 0, "maximum": 100, "default": 100}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let shadow = hex_or("shadow", s.shadow.as_deref(), "#1e3a8a")?;
        let highlight = hex_or("highlight", s.highlight.as_deref(), "#fbbf24")?;
        let intensity = number("intensity", s.intensity, 100.0, 0.0, 100.0)? as f32 / 100.0;
        let rgb = |c: lathe_color_kit::Rgba8| [c.r as f32, c.g as f32, c.b as f32];
        let lut = gradient(rgb(shadow), rgb(highlight));
        retouch(&inputs[0], |rgba, _, _| duotone(rgba, &lut, intensity))
    }
}

lathe_tool_sdk::export_tool!(Duotone);
