//! `image/sharpening`: adaptive, unsharp-mask or high-pass sharpening, with optional
//! denoising first.
//!
//! * `adaptive` (the default, like sharp/libvips `sharpen`): the luminance detail
//!   `L - blur(L, sigma)` goes through a piecewise gain — `m1` for flat areas (detail up to
//!   `x1`), `m2` above it (edges) — capped at `y2` brightening and `y3` darkening (L* units,
//!   0..100), and the same luminance change is added to red, green and blue.
//! * `unsharp-mask`: `v + amount% × (v - blur(v, radius))` wherever `|v - blur|` exceeds
//!   `threshold` (0..255).
//! * `high-pass`: `v + strength% × highpass(v)`, the high-pass being a 3×3 Laplacian or
//!   `v - mean5×5`.
//!
//! Flat areas stay flat with every method. Alpha is untouched.

use lathe_color_kit::{clamp_u8, convolve_separable, gaussian_blur, number, retouch, LUMA_709};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    method: Method,
    sigma: Option<f64>,
    m1: Option<f64>,
    m2: Option<f64>,
    x1: Option<f64>,
    y2: Option<f64>,
    y3: Option<f64>,
    amount: Option<f64>,
    radius: Option<f64>,
    threshold: Option<f64>,
    strength: Option<f64>,
    #[serde(alias = "kernel")]
    kernel_size: Option<f64>,
    #[serde(default)]
    denoise: Denoise,
}

/// The sharpening algorithm.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Method {
    /// Luminance unsharp mask with separate gains for flat and edge areas.
    #[default]
    Adaptive,
    /// Classic unsharp mask with amount, radius and threshold.
    #[serde(alias = "unsharp", alias = "unsharpMask")]
    UnsharpMask,
    /// Add a high-pass (Laplacian) of the image.
    #[serde(alias = "highPass", alias = "highpass")]
    HighPass,
}

/// Noise reduction applied before sharpening.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Denoise {
    /// None.
    #[default]
    Off,
    /// Gaussian sigma 0.5.
    Light,
    /// Gaussian sigma 0.8.
    Medium,
    /// Gaussian sigma 1.2.
    Strong,
}

/// Validated parameters of one run.
enum Plan {
    /// libvips-style adaptive sharpening: (sigma, m1, m2, x1, y2, y3).
    Adaptive((f32, f32, f32, f32, f32, f32)),
    Unsharp {
        amount: f32,
        radius: f32,
        threshold: f32,
    },
    HighPass {
        strength: f32,
        kernel: u32,
    },
}

fn plan(s: &Settings) -> Result<Plan, ToolError> {
    let n = |field: &str, v: Option<f64>, d: f64, lo: f64, hi: f64| {
        number(field, v, d, lo, hi).map(|v| v as f32)
    };
    // Validate every given setting, whatever the method, so a bad value never passes silently.
    let sigma = n("sigma", s.sigma, 1.0, 0.5, 10.0)?;
    let m1 = n("m1", s.m1, 1.0, 0.0, 10.0)?;
    let m2 = n("m2", s.m2, 3.0, 0.0, 20.0)?;
    let x1 = n("x1", s.x1, 2.0, 0.0, 10.0)?;
    let y2 = n("y2", s.y2, 12.0, 0.0, 50.0)?;
    let y3 = n("y3", s.y3, 20.0, 0.0, 50.0)?;
    let amount = n("amount", s.amount, 100.0, 0.0, 1000.0)?;
    let radius = n("radius", s.radius, 1.0, 0.1, 5.0)?;
    let threshold = n("threshold", s.threshold, 0.0, 0.0, 255.0)?;
    let strength = n("strength", s.strength, 50.0, 0.0, 100.0)?;
    let kernel = n("kernelSize", s.kernel_size, 3.0, 3.0, 5.0)?;
    if kernel != 3.0 && kernel != 5.0 {
        return Err(invalid_settings(format!(
            "kernelSize must be 3 or 5, got {kernel}"
        )));
    }
    Ok(match s.method {
        Method::Adaptive => Plan::Adaptive((sigma, m1, m2, x1, y2, y3)),
        Method::UnsharpMask => Plan::Unsharp {
            amount: amount / 100.0,
            radius,
            threshold,
        },
        Method::HighPass => Plan::HighPass {
            strength: strength / 100.0,
            kernel: kernel as u32,
        },
    })
}

/// The RGB channels of RGBA8 pixels as `f32` (0..255).
fn rgb_f32(pixels: &[u8]) -> Vec<f32> {
    pixels
        .chunks_exact(4)
        .flat_map(|p| [p[0] as f32, p[1] as f32, p[2] as f32])
        .collect()
}

/// Writes `f32` RGB (0..255) back into RGBA8 pixels, rounded and clamped.
fn store_rgb(pixels: &mut [u8], rgb: &[f32]) {
    for (px, c) in pixels.chunks_exact_mut(4).zip(rgb.chunks_exact(3)) {
        px[0] = clamp_u8(c[0]);
        px[1] = clamp_u8(c[1]);
        px[2] = clamp_u8(c[2]);
    }
}

/// libvips-style sharpening of luminance (0..100 scale), added equally to R, G and B.
fn adaptive(rgb: &mut [f32], w: usize, h: usize, p: (f32, f32, f32, f32, f32, f32)) {
    let (sigma, m1, m2, x1, y2, y3) = p;
    let [lr, lg, lb] = LUMA_709;
    // Luminance on a 0..100 scale, as L* is in libvips.
    let luma: Vec<f32> = rgb
        .chunks_exact(3)
        .map(|c| (lr * c[0] + lg * c[1] + lb * c[2]) * (100.0 / 255.0))
        .collect();
    let blurred = gaussian_blur(&luma, w, h, 1, sigma);
    for ((c, l), b) in rgb.chunks_exact_mut(3).zip(&luma).zip(&blurred) {
        let d = l - b;
        let mag = d.abs();
        let y = if mag <= x1 {
            m1 * mag
        } else {
            m1 * x1 + m2 * (mag - x1)
        };
        let delta = if d >= 0.0 { y.min(y2) } else { -y.min(y3) } * (255.0 / 100.0);
        c[0] += delta;
        c[1] += delta;
        c[2] += delta;
    }
}

/// Classic unsharp mask with a threshold on the detail magnitude (0..255).
fn unsharp(rgb: &mut [f32], w: usize, h: usize, amount: f32, radius: f32, threshold: f32) {
    let blurred = gaussian_blur(rgb, w, h, 3, radius);
    for (v, b) in rgb.iter_mut().zip(&blurred) {
        let d = *v - b;
        if d.abs() > threshold {
            *v += amount * d;
        }
    }
}

/// Adds `strength × highpass` (3×3 Laplacian, or `v - mean5×5` doubled) to each channel.
fn high_pass(rgb: &mut [f32], w: usize, h: usize, strength: f32, kernel: u32) {
    if kernel == 5 {
        let mean = convolve_separable(rgb, w, h, 3, &[0.2; 5]);
        for (v, m) in rgb.iter_mut().zip(&mean) {
            *v += strength * 2.0 * (*v - m);
        }
        return;
    }
    let src = rgb.to_vec();
    let row = w * 3;
    for y in 0..h {
        let up = y.saturating_sub(1) * row;
        let down = (y + 1).min(h - 1) * row;
        let here = y * row;
        for x in 0..w {
            let left = x.saturating_sub(1) * 3;
            let right = (x + 1).min(w - 1) * 3;
            for c in 0..3 {
                let v = src[here + x * 3 + c];
                let lap = 4.0 * v
                    - src[up + x * 3 + c]
                    - src[down + x * 3 + c]
                    - src[here + left + c]
                    - src[here + right + c];
                rgb[here + x * 3 + c] = v + strength * lap;
            }
        }
    }
}

struct Sharpening;

impl Tool for Sharpening {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "sharpening",
            "Sharpening",
            "Sharpen an image: adaptive (edge-aware), unsharp mask or high-pass, with optional denoising.",
            serde_json::json!({
                    "method": {"enum": ["adaptive", "unsharp-mask", "high-pass"], "default": "adaptive"},
                    "sigma": {"type": "number", "minimum": 0.5, "maximum": 10, "default": 1},
                    "m1": {"type": "number", "minimum": 0, "maximum": 10, "default": 1},
                    "m2": {"type": "number", "minimum": 0, "maximum": 20, "default": 3},
                    "x1": {"type": "number", "minimum": 0, "maximum": 10, "default": 2},
                    "y2": {"type": "number", "minimum": 0, "maximum": 50, "default": 12},
                    "y3": {"type": "number", "minimum": 0, "maximum": 50, "default": 20},
                    "amount": {"type": "number", "minimum": 0, "maximum": 1000, "default": 100},
                    "radius": {"type": "number", "minimum": 0.1, "maximum": 5, "default": 1},
                    "threshold": {"type": "number", "minimum": 0, "maximum": 255, "default": 0},
                    "strength": {"type": "number", "minimum": 0, "maximum": 100, "default": 50},
                    "kernelSize": {"enum": [3, 5], "default": 3},
                    "denoise": {"enum": ["off", "light", "medium", "strong"], "default": "off"}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let plan = plan(&settings)?;
        let denoise = match settings.denoise {
            Denoise::Off => 0.0,
            Denoise::Light => 0.5,
            Denoise::Medium => 0.8,
            Denoise::Strong => 1.2,
        };
        retouch(&inputs[0], |rgba, w, h| {
            let mut rgb = rgb_f32(rgba);
            if denoise > 0.0 {
                rgb = gaussian_blur(&rgb, w, h, 3, denoise);
            }
            match plan {
                Plan::Adaptive(p) => adaptive(&mut rgb, w, h, p),
                Plan::Unsharp {
                    amount,
                    radius,
                    threshold,
                } => unsharp(&mut rgb, w, h, amount, radius, threshold),
                Plan::HighPass { strength, kernel } => high_pass(&mut rgb, w, h, strength, kernel),
            }
            store_rgb(rgba, &rgb);
        })
    }
}

lathe_tool_sdk::export_tool!(Sharpening);
