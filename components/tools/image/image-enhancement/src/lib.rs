//! `image/image-enhancement`: classic (non-AI) automatic enhancement driven by measured
//! image statistics, plus the `analyze` sub-route that reports those statistics and the
//! corrections they call for.
//!
//! Measured on the luma/RGB of the image (on a copy at most [`ANALYSIS_SIDE`] px long for
//! big inputs; noise always at full resolution): mean/median brightness, standard deviation, 0.5 %/99.5 % black and white
//! points, per-channel means and colour cast (gray-world), mean saturation, noise σ
//! (Immerkær's estimator) and sharpness (variance of the Laplacian).
//!
//! Corrections, in the order they run, each switchable in `corrections`:
//! * `denoise`: a light edge-preserving bilateral filter (imageproc) when σ > 3.
//! * `whiteBalance`: gray-world channel gains (white-patch in `document` mode).
//! * `contrast`: a levels stretch from the black to the white point.
//! * `exposure`: a gamma that moves the mean brightness toward the mode's target.
//! * `saturation`: an HSL-style saturation boost when colours are dull.
//! * `sharpness`: an unsharp mask (σ 1) when the Laplacian variance is low.
//!
//! `intensity` 50 (default) applies the recommended corrections as measured; 0 applies
//! nothing and 100 twice as much (every parameter is clamped to a safe range). `mode`
//! weights the corrections (e.g. `low-light` lifts exposure and denoises harder,
//! `landscape` and `food` boost saturation, `document` whitens the page and skips
//! saturation). The peer's documented alternatives are accepted too: `strength` for
//! `intensity` and the single-correction modes `exposure`, `contrast`, `color`,
//! `sharpness`. `deepEnhance` (AI denoising upstream) is accepted; the classic denoiser is
//! used either way. Alpha is untouched.

use imageproc::filter::bilateral::GaussianEuclideanColorDistance;
use imageproc::filter::bilateral_filter;
use lathe_color_kit::{clamp_u8, gaussian_blur, load, number, save_picture};
use lathe_image_kit::{resize_exact, DynamicImage};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::json;

/// Longer side of the copy statistics are measured on.
const ANALYSIS_SIDE: u32 = 2048;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    mode: Option<String>,
    #[serde(alias = "strength")]
    intensity: Option<f64>,
    #[serde(default)]
    corrections: Corrections,
    #[serde(default)]
    #[allow(dead_code)]
    deep_enhance: bool,
}

/// Which corrections may run.
#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase", default)]
struct Corrections {
    exposure: bool,
    contrast: bool,
    white_balance: bool,
    saturation: bool,
    sharpness: bool,
    denoise: bool,
}

impl Default for Corrections {
    fn default() -> Self {
        Self {
            exposure: true,
            contrast: true,
            white_balance: true,
            saturation: true,
            sharpness: true,
            denoise: true,
        }
    }
}

/// Per-mode weights of the corrections and the target mean brightness.
#[derive(Debug, Clone, Copy)]
struct Mode {
    name: &'static str,
    exposure: f32,
    contrast: f32,
    white_balance: f32,
    saturation: f32,
    sharpness: f32,
    denoise: f32,
    target: f32,
    white_patch: bool,
}

/// Looks up a mode; single-correction modes switch the other corrections off.
fn mode(name: &str, corrections: &mut Corrections) -> Result<Mode, ToolError> {
    let m = |name, e, c, wb, s, sh, d, target| Mode {
        name,
        exposure: e,
        contrast: c,
        white_balance: wb,
        saturation: s,
        sharpness: sh,
        denoise: d,
        target,
        white_patch: false,
    };
    let only = |c: &mut Corrections, keep: [bool; 6]| {
        c.exposure &= keep[0];
        c.contrast &= keep[1];
        c.white_balance &= keep[2];
        c.saturation &= keep[3];
        c.sharpness &= keep[4];
        c.denoise &= keep[5];
    };
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "auto" => m("auto", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 118.0),
        "portrait" => m("portrait", 1.0, 0.7, 1.0, 0.6, 0.5, 1.2, 122.0),
        "landscape" => m("landscape", 1.0, 1.2, 0.8, 1.4, 1.2, 0.8, 118.0),
        "low-light" | "lowlight" => m("low-light", 1.5, 0.8, 0.8, 1.0, 0.5, 1.5, 128.0),
        "food" => m("food", 1.0, 1.0, 0.6, 1.4, 1.0, 1.0, 125.0),
        "document" => Mode {
            white_patch: true,
            ..m("document", 0.6, 1.5, 1.0, 0.0, 1.3, 1.0, 170.0)
        },
        "exposure" => {
            only(corrections, [true, false, false, false, false, false]);
            m("exposure", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 118.0)
        }
        "contrast" => {
            only(corrections, [false, true, false, false, false, false]);
            m("contrast", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 118.0)
        }
        "color" | "colour" => {
            only(corrections, [false, false, true, true, false, false]);
            m("color", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 118.0)
        }
        "sharpness" => {
            only(corrections, [false, false, false, false, true, false]);
            m("sharpness", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 118.0)
        }
        other => {
            return Err(invalid_settings(format!(
                "mode must be auto, portrait, landscape, low-light, food or document, got '{other}'"
            )))
        }
    })
}

/// Measured statistics of an image (values on the 0..255 scale unless noted).
#[derive(Debug, Clone, Copy)]
struct Stats {
    mean: f32,
    median: f32,
    std_dev: f32,
    black: f32,
    white: f32,
    channel_means: [f32; 3],
    white_patch: [f32; 3],
    saturation: f32,
    noise: f32,
    sharpness: f32,
    clipped_shadows: f32,
    clipped_highlights: f32,
}

/// Rec. 601 luma of an RGBA pixel.
fn luma(p: &[u8]) -> f32 {
    0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
}

/// The value at fraction `q` of a 256-bin histogram with `n` samples.
fn percentile(hist: &[u64; 256], n: u64, q: f64) -> f32 {
    let want = (n as f64 * q).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (v, c) in hist.iter().enumerate() {
        seen += c;
        if seen >= want {
            return v as f32;
        }
    }
    255.0
}

/// Measures an RGBA image.
fn measure(img: &image::RgbaImage) -> Stats {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = img.as_raw();
    let n = (w * h) as u64;
    let mut hist = [0u64; 256];
    let mut ch_hist = [[0u64; 256]; 3];
    let (mut sum, mut sum2, mut sat) = (0.0f64, 0.0f64, 0.0f64);
    let mut ch = [0.0f64; 3];
    let mut lum = Vec::with_capacity(w * h);
    for p in px.chunks_exact(4) {
        let l = luma(p);
        lum.push(l);
        hist[clamp_u8(l) as usize] += 1;
        sum += l as f64;
        sum2 += (l as f64) * (l as f64);
        for c in 0..3 {
            ch[c] += p[c] as f64;
            ch_hist[c][p[c] as usize] += 1;
        }
        let max = p[0].max(p[1]).max(p[2]) as f64;
        let min = p[0].min(p[1]).min(p[2]) as f64;
        if max > 0.0 {
            sat += (max - min) / max;
        }
    }
    let nf = n as f64;
    let mean = sum / nf;
    let var = (sum2 / nf - mean * mean).max(0.0);
    // Immerkær noise estimate and Laplacian variance on the luma.
    let (mut noise_sum, mut lap_sum, mut lap_sum2, mut inner) = (0.0f64, 0.0f64, 0.0f64, 0u64);
    if w >= 3 && h >= 3 {
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let at = |dx: usize, dy: usize| lum[(y + dy - 1) * w + x + dx - 1];
                let lap = at(1, 0) + at(0, 1) + at(2, 1) + at(1, 2) - 4.0 * at(1, 1);
                let m = at(0, 0) - 2.0 * at(1, 0) + at(2, 0) - 2.0 * at(0, 1) + 4.0 * at(1, 1)
                    - 2.0 * at(2, 1)
                    + at(0, 2)
                    - 2.0 * at(1, 2)
                    + at(2, 2);
                noise_sum += m.abs() as f64;
                lap_sum += lap as f64;
                lap_sum2 += (lap as f64) * (lap as f64);
                inner += 1;
            }
        }
    }
    let (noise, sharpness) = if inner > 0 {
        let k = inner as f64;
        let lap_mean = lap_sum / k;
        (
            ((std::f64::consts::PI / 2.0).sqrt() * noise_sum / (6.0 * k)) as f32,
            (lap_sum2 / k - lap_mean * lap_mean).max(0.0) as f32,
        )
    } else {
        (0.0, 0.0)
    };
    Stats {
        mean: mean as f32,
        median: percentile(&hist, n, 0.5),
        std_dev: var.sqrt() as f32,
        black: percentile(&hist, n, 0.005),
        white: percentile(&hist, n, 0.995),
        channel_means: [
            (ch[0] / nf) as f32,
            (ch[1] / nf) as f32,
            (ch[2] / nf) as f32,
        ],
        white_patch: [
            percentile(&ch_hist[0], n, 0.99),
            percentile(&ch_hist[1], n, 0.99),
            percentile(&ch_hist[2], n, 0.99),
        ],
        saturation: (sat / nf) as f32,
        noise,
        sharpness,
        clipped_shadows: ((hist[0] + hist[1] + hist[2]) as f64 / nf) as f32,
        clipped_highlights: ((hist[253] + hist[254] + hist[255]) as f64 / nf) as f32,
    }
}

/// Immerkær noise σ of the luma at full resolution, on every `stride`-th row so about
/// four million pixels are visited (downscaled copies would understate the noise).
fn full_res_noise(img: &image::RgbaImage) -> f32 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let stride = (w * h / 4_000_000).max(1);
    let px = img.as_raw();
    let row = |y: usize| -> Vec<f32> {
        px[y * w * 4..(y + 1) * w * 4]
            .chunks_exact(4)
            .map(luma)
            .collect()
    };
    let (mut sum, mut n) = (0.0f64, 0u64);
    for y in (1..h - 1).step_by(stride) {
        let (a, b, c) = (row(y - 1), row(y), row(y + 1));
        for x in 1..w - 1 {
            let m = a[x - 1] - 2.0 * a[x] + a[x + 1] - 2.0 * b[x - 1] + 4.0 * b[x] - 2.0 * b[x + 1]
                + c[x - 1]
                - 2.0 * c[x]
                + c[x + 1];
            sum += m.abs() as f64;
            n += 1;
        }
    }
    ((std::f64::consts::PI / 2.0).sqrt() * sum / (6.0 * n.max(1) as f64)) as f32
}

/// Measures `img`, on a reduced copy when it is large (noise at full resolution).
fn analyze_image(img: &image::RgbaImage) -> Result<Stats, ToolError> {
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= ANALYSIS_SIDE {
        return Ok(measure(img));
    }
    let f = ANALYSIS_SIDE as f64 / long as f64;
    let (nw, nh) = (
        ((w as f64 * f).round() as u32).max(1),
        ((h as f64 * f).round() as u32).max(1),
    );
    let small = resize_exact(&DynamicImage::ImageRgba8(img.clone()), nw, nh)?.to_rgba8();
    Ok(Stats {
        noise: full_res_noise(img),
        ..measure(&small)
    })
}

/// The corrections to apply, with their parameters (already scaled by intensity).
#[derive(Debug, Clone, Copy, Default)]
struct Plan {
    /// Bilateral colour σ (0 = off).
    denoise: f32,
    /// Per-channel gains (1 = off).
    gains: Option<[f32; 3]>,
    /// Levels black and white points.
    levels: Option<(f32, f32)>,
    /// Gamma exponent (1 = off).
    gamma: Option<f32>,
    /// Saturation factor (1 = off).
    saturation: Option<f32>,
    /// Unsharp-mask amount (0 = off).
    sharpen: f32,
    /// The unscaled strengths (0..1) of each correction, for the analysis report.
    strengths: [f32; 6],
}

/// Works out the corrections the statistics call for.
fn plan(s: &Stats, mode: &Mode, c: &Corrections, k: f32) -> Plan {
    let mut p = Plan::default();
    // White balance.
    let m = (s.channel_means[0] + s.channel_means[1] + s.channel_means[2]) / 3.0;
    let raw_gains = if mode.white_patch {
        s.white_patch.map(|v| 255.0 / v.max(32.0))
    } else {
        s.channel_means.map(|v| m / v.max(1.0))
    };
    let cast = s
        .channel_means
        .iter()
        .map(|v| (v - m).abs())
        .fold(0.0f32, f32::max);
    let wb = if mode.white_patch {
        raw_gains
            .iter()
            .map(|g| (g - 1.0).abs())
            .fold(0.0f32, f32::max)
            .min(1.0)
    } else {
        ((cast - 4.0) / 30.0).clamp(0.0, 1.0)
    };
    p.strengths[2] = wb;
    if c.white_balance && wb > 0.0 {
        let t = (mode.white_balance * k).min(1.5);
        p.gains = Some(raw_gains.map(|g| (1.0 + (g - 1.0) * t).clamp(0.6, 1.6)));
    }
    // Contrast: stretch the black..white range.
    let range = s.white - s.black;
    let ct = ((215.0 - range) / 150.0).clamp(0.0, 1.0);
    p.strengths[1] = ct;
    if c.contrast && ct > 0.0 && range > 0.0 {
        // 80 % of the measured stretch at intensity 50: a full auto-levels looks harsh.
        let t = (0.8 * mode.contrast * k).min(1.5);
        let black = (s.black * t).clamp(0.0, 200.0);
        let white = (255.0 - (255.0 - s.white) * t).clamp(black + 32.0, 255.0);
        p.levels = Some((black, white));
    }
    // Exposure: gamma toward the target mean (measured after the stretch).
    let stretched = match p.levels {
        Some((b, w)) => ((s.mean - b) / (w - b) * 255.0).clamp(1.0, 254.0),
        None => s.mean.clamp(1.0, 254.0),
    };
    let ex = ((s.mean - mode.target).abs() / 80.0).clamp(0.0, 1.0);
    p.strengths[0] = if (s.mean - mode.target).abs() > 12.0 {
        ex
    } else {
        0.0
    };
    if c.exposure && (stretched - mode.target).abs() > 12.0 {
        let gamma = (mode.target / 255.0).ln() / (stretched / 255.0).ln();
        let g = gamma.powf((mode.exposure * k).min(2.0)).clamp(0.35, 2.5);
        p.gamma = Some(g);
    }
    // Saturation.
    let st = ((0.3 - s.saturation) / 0.3).clamp(0.0, 1.0);
    p.strengths[3] = st;
    if c.saturation && mode.saturation > 0.0 {
        // Dull images get up to +40 %; even fine ones get a touch in vivid modes.
        let boost = (0.4 * st + 0.1 * (mode.saturation - 1.0).max(0.0)) * mode.saturation * k;
        if boost > 0.01 {
            p.saturation = Some(1.0 + boost.min(0.8));
        }
    }
    // Noise and detail are judged as they will be after the tonal stretch (which
    // multiplies both by its gain), so dark flat images are not over-sharpened.
    let gain = p.levels.map_or(1.0, |(b, w)| 255.0 / (w - b));
    let noise = s.noise * gain;
    let dn = ((noise - 3.0) / 10.0).clamp(0.0, 1.0);
    p.strengths[5] = dn;
    if c.denoise && dn > 0.0 {
        p.denoise = (s.noise * 2.5 * mode.denoise * k).clamp(0.0, 80.0);
    }
    // Sharpness: Laplacian variance below ~300 reads as soft; noisy images sharpen less.
    let sharpness = s.sharpness * gain * gain;
    let sh = ((300.0 - sharpness) / 300.0).clamp(0.0, 1.0) * (1.0 - dn);
    p.strengths[4] = sh;
    if c.sharpness && sh > 0.0 {
        p.sharpen = (0.8 * sh * mode.sharpness * k).min(1.5);
    }
    if k <= 0.0 {
        // Intensity 0: report what was measured, change nothing.
        return Plan {
            strengths: p.strengths,
            ..Plan::default()
        };
    }
    p
}

/// Applies a plan to the RGB of `rgba` (alpha untouched).
fn apply(rgba: &mut image::RgbaImage, p: &Plan) {
    let (w, h) = (rgba.width() as usize, rgba.height() as usize);
    if p.denoise > 0.5 {
        let rgb = DynamicImage::ImageRgba8(rgba.clone()).to_rgb8();
        let out = bilateral_filter(&rgb, 2, 1.5, GaussianEuclideanColorDistance::new(p.denoise));
        for (dst, src) in rgba.pixels_mut().zip(out.pixels()) {
            dst.0[..3].copy_from_slice(&src.0);
        }
    }
    // Point operations through one lookup table per channel.
    let mut lut = [[0u8; 256]; 3];
    for (c, table) in lut.iter_mut().enumerate() {
        for (v, out) in table.iter_mut().enumerate() {
            let mut x = v as f32;
            if let Some(g) = p.gains {
                x *= g[c];
            }
            if let Some((b, wp)) = p.levels {
                x = (x - b) / (wp - b) * 255.0;
            }
            x = x.clamp(0.0, 255.0);
            if let Some(g) = p.gamma {
                x = 255.0 * (x / 255.0).powf(g);
            }
            *out = clamp_u8(x);
        }
    }
    let mut rgb: Vec<f32> = Vec::with_capacity(w * h * 3);
    for px in rgba.pixels() {
        let mut v = [
            lut[0][px[0] as usize] as f32,
            lut[1][px[1] as usize] as f32,
            lut[2][px[2] as usize] as f32,
        ];
        if let Some(f) = p.saturation {
            let l = 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2];
            for c in v.iter_mut() {
                *c = l + (*c - l) * f;
            }
        }
        rgb.extend_from_slice(&v);
    }
    if p.sharpen > 0.0 {
        let blurred = gaussian_blur(&rgb, w, h, 3, 1.0);
        for (v, b) in rgb.iter_mut().zip(&blurred) {
            *v += p.sharpen * (*v - b);
        }
    }
    for (px, c) in rgba.pixels_mut().zip(rgb.chunks_exact(3)) {
        px.0[0] = clamp_u8(c[0]);
        px.0[1] = clamp_u8(c[1]);
        px.0[2] = clamp_u8(c[2]);
    }
}

/// Parses the settings into mode, allowed corrections and the intensity factor.
fn setup(settings: &str) -> Result<(Mode, Corrections, f32), ToolError> {
    let s: Settings = parse_settings(settings)?;
    let mut corrections = s.corrections;
    let mode = mode(s.mode.as_deref().unwrap_or("auto"), &mut corrections)?;
    let intensity = number("intensity", s.intensity, 50.0, 0.0, 100.0)? as f32;
    Ok((mode, corrections, intensity / 50.0))
}

/// One recommendation entry of the analysis report: `recommended` says whether the
/// statistics call for the correction, `apply` whether a run with these settings would
/// apply it (a correction can be switched off, or made moot by an earlier one).
fn rec(enabled: bool, apply: bool, strength: f32, reason: String) -> serde_json::Value {
    json!({
        "recommended": strength > 0.0,
        "enabled": enabled,
        "apply": apply,
        "strength": round(strength, 2),
        "reason": reason,
    })
}

/// Rounds to `d` decimals for the JSON report.
fn round(v: f32, d: i32) -> f64 {
    let f = 10f64.powi(d);
    (v as f64 * f).round() / f
}

struct Enhancement;

impl Tool for Enhancement {
    const OPERATIONS: &'static [&'static str] = &["analyze"];

    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("image-enhancement", Section::Image, "Image Enhancement", "Automatic exposure, contrast, white balance, saturation, sharpness and noise correction from measured image statistics."),
            json!({
                    "mode": {"enum": ["auto", "portrait", "landscape", "low-light", "food", "document", "exposure", "contrast", "color", "sharpness"], "default": "auto"},
                    "intensity": {"type": "number", "minimum": 0, "maximum": 100, "default": 50},
                    "corrections": {
                        "type": "object",
                        "properties": {
                            "exposure": {"type": "boolean", "default": true},
                            "contrast": {"type": "boolean", "default": true},
                            "whiteBalance": {"type": "boolean", "default": true},
                            "saturation": {"type": "boolean", "default": true},
                            "sharpness": {"type": "boolean", "default": true},
                            "denoise": {"type": "boolean", "default": true}
                        }
                    },
                    "deepEnhance": {"type": "boolean", "default": false, "description": "accepted; the classic denoiser runs either way"}
            }),
            &[],
            Produces::types(&["*", "png"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let (mode, corrections, k) = setup(settings)?;
        let input = &inputs[0];
        let mut picture = load(input)?;
        let stats = analyze_image(&picture.rgba)?;
        let p = plan(&stats, &mode, &corrections, k);
        apply(&mut picture.rgba, &p);
        let applied: Vec<&str> = [
            (p.denoise > 0.5, "denoise"),
            (p.gains.is_some(), "whiteBalance"),
            (p.levels.is_some(), "contrast"),
            (p.gamma.is_some(), "exposure"),
            (p.saturation.is_some(), "saturation"),
            (p.sharpen > 0.0, "sharpness"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
        let mut out = save_picture(input, picture)?;
        if let Some(extra) = out.extra.as_mut() {
            extra.insert("mode".into(), mode.name.into());
            extra.insert("applied".into(), json!(applied));
        }
        Ok(out)
    }

    fn run_operation(
        operation: &str,
        inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        if operation != "analyze" {
            return Err(unsupported(format!(
                "this tool has no operation '{operation}'"
            )));
        }
        let (mode, corrections, k) = setup(settings)?;
        if inputs.len() != 1 {
            return Err(unsupported(format!(
                "analyze takes exactly one image, got {}",
                inputs.len()
            )));
        }
        let picture = load(&inputs[0])?;
        let (w, h) = picture.rgba.dimensions();
        let s = analyze_image(&picture.rgba)?;
        let p = plan(&s, &mode, &corrections, k);
        let m = (s.channel_means[0] + s.channel_means[1] + s.channel_means[2]) / 3.0;
        let [ex, ct, wb, st, sh, dn] = p.strengths;
        let stats = json!({
            "meanBrightness": round(s.mean, 2),
            "medianBrightness": round(s.median, 2),
            "stdDev": round(s.std_dev, 2),
            "contrast": round(s.std_dev / 127.5, 3),
            "blackPoint": round(s.black, 1),
            "whitePoint": round(s.white, 1),
            "dynamicRange": round(s.white - s.black, 1),
            "channelMeans": {"r": round(s.channel_means[0], 2), "g": round(s.channel_means[1], 2), "b": round(s.channel_means[2], 2)},
            "colorCast": {"r": round(s.channel_means[0] - m, 2), "g": round(s.channel_means[1] - m, 2), "b": round(s.channel_means[2] - m, 2)},
            "saturation": round(s.saturation, 3),
            "noise": round(s.noise, 2),
            "sharpness": round(s.sharpness, 2),
            "clippedShadows": round(s.clipped_shadows, 4),
            "clippedHighlights": round(s.clipped_highlights, 4),
        });
        let brightness = if s.mean < mode.target {
            "dark"
        } else {
            "bright"
        };
        let recs = json!({
            "exposure": rec(corrections.exposure, corrections.exposure && p.gamma.is_some(), ex, format!("mean brightness {:.0} vs target {:.0} ({brightness})", s.mean, mode.target)),
            "contrast": rec(corrections.contrast, corrections.contrast && p.levels.is_some(), ct, format!("tonal range {:.0}..{:.0} of 0..255", s.black, s.white)),
            "whiteBalance": rec(corrections.white_balance, corrections.white_balance && p.gains.is_some(), wb, format!("largest channel cast {:.1}", s.channel_means.iter().map(|v| (v - m).abs()).fold(0.0f32, f32::max))),
            "saturation": rec(corrections.saturation, corrections.saturation && p.saturation.is_some(), st, format!("mean saturation {:.2}", s.saturation)),
            "sharpness": rec(corrections.sharpness, corrections.sharpness && p.sharpen > 0.0, sh, format!("Laplacian variance {:.0}", s.sharpness)),
            "denoise": rec(corrections.denoise, corrections.denoise && p.denoise > 0.5, dn, format!("estimated noise sigma {:.1}", s.noise)),
        });
        Ok(Output::default().with_extra(json!({
            "width": w,
            "height": h,
            "mode": mode.name,
            "intensity": round(k * 50.0, 1),
            "statistics": stats,
            "recommendations": recs,
        })))
    }
}

lathe_tool_sdk::export_tool!(Enhancement);
