//! `image/adjust-colors`: brightness, contrast, exposure, saturation, temperature, tint,
//! hue, sharpness, per-channel gains and a colour effect in one pass.
//!
//! Order: exposure, temperature, tint and the red/green/blue gains work in linear light
//! (they model light, so they are only correct there); brightness, contrast, hue,
//! saturation and the effect then work on the sRGB-encoded values as editors do; the
//! result is clamped, and sharpness (an unsharp mask) is applied last. Alpha is untouched.

use lathe_color_kit::{clamp_u8, gaussian_blur, number, retouch, to_u8, SrgbLut, LUMA_709};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    brightness: Option<f64>,
    contrast: Option<f64>,
    exposure: Option<f64>,
    saturation: Option<f64>,
    temperature: Option<f64>,
    tint: Option<f64>,
    hue: Option<f64>,
    sharpness: Option<f64>,
    red: Option<f64>,
    green: Option<f64>,
    blue: Option<f64>,
    #[serde(default)]
    effect: Effect,
}

/// A colour effect applied after the adjustments.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Effect {
    /// No effect.
    #[default]
    None,
    /// Rec. 709 luma in all three channels.
    Grayscale,
    /// The classic sepia tone matrix.
    Sepia,
    /// `255 - value` per channel.
    Invert,
}

/// The validated adjustments, as factors ready for the pixel loop.
struct Plan {
    /// Linear-light gains (exposure × temperature/tint × channel gains); `None` when neutral.
    linear_gain: Option<[f32; 3]>,
    /// `v * scale + offset` on encoded values (brightness, then contrast).
    scale: f32,
    offset: f32,
    /// Hue rotation, saturation and effect as one matrix (rows: output r, g, b).
    matrix: [[f32; 3]; 3],
    invert: bool,
    /// Unsharp-mask amount (0 = none).
    sharpen: f32,
}

fn mul(a: &[[f32; 3]; 3], b: &[[f32; 3]; 3]) -> [[f32; 3]; 3] {
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

const IDENTITY: [[f32; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// Saturation matrix (as CSS `saturate()`): `s` = 0 gives luma in every channel.
fn saturation_matrix(s: f32) -> [[f32; 3]; 3] {
    let [lr, lg, lb] = LUMA_709;
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        *row = [lr * (1.0 - s), lg * (1.0 - s), lb * (1.0 - s)];
        row[i] += s;
    }
    m
}

/// Hue rotation matrix (as CSS `hue-rotate()`), luma-preserving.
fn hue_matrix(degrees: f32) -> [[f32; 3]; 3] {
    let (sin, cos) = degrees.to_radians().sin_cos();
    [
        [
            0.213 + cos * 0.787 - sin * 0.213,
            0.715 - cos * 0.715 - sin * 0.715,
            0.072 - cos * 0.072 + sin * 0.928,
        ],
        [
            0.213 - cos * 0.213 + sin * 0.143,
            0.715 + cos * 0.285 + sin * 0.140,
            0.072 - cos * 0.072 - sin * 0.283,
        ],
        [
            0.213 - cos * 0.213 - sin * 0.787,
            0.715 - cos * 0.715 + sin * 0.715,
            0.072 + cos * 0.928 + sin * 0.072,
        ],
    ]
}

fn plan(s: &Settings) -> Result<Plan, ToolError> {
    let pm = |field: &str, v: Option<f64>| {
        number(field, v, 0.0, -100.0, 100.0).map(|v| v as f32 / 100.0)
    };
    let brightness = pm("brightness", s.brightness)?;
    let contrast = pm("contrast", s.contrast)?;
    let exposure = pm("exposure", s.exposure)?;
    let saturation = pm("saturation", s.saturation)?;
    let temperature = pm("temperature", s.temperature)?;
    let tint = pm("tint", s.tint)?;
    let hue = number("hue", s.hue, 0.0, -180.0, 180.0)? as f32;
    let sharpness = number("sharpness", s.sharpness, 0.0, 0.0, 100.0)? as f32 / 100.0;
    let gain =
        |field: &str, v: Option<f64>| number(field, v, 100.0, 0.0, 200.0).map(|v| v as f32 / 100.0);
    let (red, green, blue) = (
        gain("red", s.red)?,
        gain("green", s.green)?,
        gain("blue", s.blue)?,
    );

    // Exposure: ±2 stops. Temperature warms (more red, less blue); tint adds magenta
    // (less green) or green.
    let ev = 2f32.powf(exposure * 2.0);
    let gains = [
        ev * red * (1.0 + 0.25 * temperature) * (1.0 + 0.1 * tint),
        ev * green * (1.0 - 0.2 * tint),
        ev * blue * (1.0 - 0.25 * temperature) * (1.0 + 0.1 * tint),
    ];
    let linear_gain = if gains.iter().all(|g| *g == 1.0) {
        None
    } else {
        Some(gains)
    };

    let contrast_factor = 1.0 + contrast;
    let brightness_factor = 1.0 + brightness;
    let scale = brightness_factor * contrast_factor;
    let offset = 0.5 * (1.0 - contrast_factor);

    // Hue first, then saturation: with saturation -100 all rows are equal, so the result is
    // exactly gray whatever the hue.
    let hue_m = if hue == 0.0 {
        IDENTITY
    } else {
        hue_matrix(hue)
    };
    let sat_m = if saturation == 0.0 {
        IDENTITY
    } else {
        saturation_matrix(1.0 + saturation)
    };
    let mut matrix = mul(&sat_m, &hue_m);
    let mut invert = false;
    match s.effect {
        Effect::None => {}
        Effect::Grayscale => matrix = mul(&saturation_matrix(0.0), &matrix),
        Effect::Sepia => {
            let sepia = [
                [0.393, 0.769, 0.189],
                [0.349, 0.686, 0.168],
                [0.272, 0.534, 0.131],
            ];
            matrix = mul(&sepia, &matrix);
        }
        Effect::Invert => invert = true,
    }
    Ok(Plan {
        linear_gain,
        scale,
        offset,
        matrix,
        invert,
        sharpen: sharpness * 2.0,
    })
}

/// Applies the colour part of the plan to RGBA8 pixels in place.
fn apply_colors(pixels: &mut [u8], plan: &Plan) {
    let lut = plan.linear_gain.map(|_| SrgbLut::new());
    let gains = plan.linear_gain.unwrap_or([1.0; 3]);
    let m = plan.matrix;
    let identity_matrix = m == IDENTITY;
    let neutral =
        plan.linear_gain.is_none() && plan.scale == 1.0 && plan.offset == 0.0 && identity_matrix;
    if neutral && !plan.invert {
        return;
    }
    let encoded = |v: u8| v as f32 / 255.0;
    for px in pixels.chunks_exact_mut(4) {
        let mut c = match &lut {
            Some(lut) => [
                lut.srgb(lut.linear(px[0]) * gains[0]),
                lut.srgb(lut.linear(px[1]) * gains[1]),
                lut.srgb(lut.linear(px[2]) * gains[2]),
            ],
            None => [encoded(px[0]), encoded(px[1]), encoded(px[2])],
        };
        for v in c.iter_mut() {
            *v = *v * plan.scale + plan.offset;
        }
        let out = if identity_matrix {
            c
        } else {
            [
                m[0][0] * c[0] + m[0][1] * c[1] + m[0][2] * c[2],
                m[1][0] * c[0] + m[1][1] * c[1] + m[1][2] * c[2],
                m[2][0] * c[0] + m[2][1] * c[1] + m[2][2] * c[2],
            ]
        };
        for (d, v) in px[..3].iter_mut().zip(out) {
            let v = to_u8(v);
            *d = if plan.invert { 255 - v } else { v };
        }
    }
}

/// Unsharp mask of the colour channels: `v + amount * (v - blur(v))`, sigma 1.
fn sharpen(pixels: &mut [u8], width: usize, height: usize, amount: f32) {
    let rgb: Vec<f32> = pixels
        .chunks_exact(4)
        .flat_map(|p| [p[0] as f32, p[1] as f32, p[2] as f32])
        .collect();
    let blurred = gaussian_blur(&rgb, width, height, 3, 1.0);
    for ((px, orig), blur) in pixels
        .chunks_exact_mut(4)
        .zip(rgb.chunks_exact(3))
        .zip(blurred.chunks_exact(3))
    {
        for c in 0..3 {
            px[c] = clamp_u8(orig[c] + amount * (orig[c] - blur[c]));
        }
    }
}

struct AdjustColors;

impl Tool for AdjustColors {
    fn describe() -> ToolInfo {
        let pm =
            serde_json::json!({"type": "number", "minimum": -100, "maximum": 100, "default": 0});
        let gain =
            serde_json::json!({"type": "number", "minimum": 0, "maximum": 200, "default": 100});
        lathe_image_kit::one_image_tool_info(
            "adjust-colors",
            "Adjust colors",
            "Brightness, contrast, exposure, saturation, temperature, tint, hue, sharpness, channel gains and grayscale/sepia/invert effects.",
            serde_json::json!({
                    "brightness": pm, "contrast": pm, "exposure": pm, "saturation": pm,
                    "temperature": pm, "tint": pm,
                    "hue": {"type": "number", "minimum": -180, "maximum": 180, "default": 0},
                    "sharpness": {"type": "number", "minimum": 0, "maximum": 100, "default": 0},
                    "red": gain, "green": gain, "blue": gain,
                    "effect": {"enum": ["none", "grayscale", "sepia", "invert"], "default": "none"}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let plan = plan(&settings)?;
        retouch(&inputs[0], |rgba, w, h| {
            apply_colors(rgba, &plan);
            if plan.sharpen > 0.0 {
                sharpen(rgba, w, h, plan.sharpen);
            }
        })
    }
}

lathe_tool_sdk::export_tool!(AdjustColors);
