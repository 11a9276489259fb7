//! `image/noise-removal`: classic (non-AI) denoising in four tiers of increasing cost.
//!
//! * `quick`: median filter — imageproc's `median_filter`, 3×3, or 5×5 when the effective
//!   strength is above 1.2 (strength over 60 at the default `detailPreservation`).
//! * `balanced` (default): edge-preserving bilateral filter — imageproc's `bilateral_filter`,
//!   its colour sigma scaled to the estimated noise level.
//! * `quality`: non-local means, 3×3 patches in a 7×7 search window.
//! * `maximum`: non-local means, 5×5 patches in an 11×11 search window.
//!
//! Non-local means is written here (imageproc has none). It runs the "one offset at a
//! time" formulation (a squared-difference image per search offset, box-summed over the
//! patch), in horizontal strips so memory stays bounded, and its search window shrinks on
//! large images so the work stays under [`NLM_BUDGET`] pixel-offsets; above
//! [`NLM_MAX_PIXELS`] the non-local-means tiers answer 413. The bilateral window shrinks
//! from 7×7 to 5×5 above 12 MP and to 3×3 above 30 MP for the same reason.
//!
//! The noise level σ is estimated per channel from the image itself (Immerkær's fast
//! estimator), so the same `strength` suits clean and very noisy photos. `detailPreservation` scales the
//! effective strength (0 → ×1.25, 50 → ×1, 100 → ×0.75); `colorNoise` additionally blurs
//! the chroma (YCbCr) with a Gaussian of up to σ = 3 px. Alpha is kept as it was.

use imageproc::filter::bilateral::GaussianEuclideanColorDistance;
use imageproc::filter::{bilateral_filter, median_filter};
use lathe_color_kit::{clamp_u8, gaussian_blur, load, number};
use lathe_image_kit::{encode, DynamicImage, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// Most pixel × search-offset pairs one non-local-means run may visit.
const NLM_BUDGET: f64 = 400_000_000.0;

/// Largest image the non-local-means tiers take (pixels).
const NLM_MAX_PIXELS: u64 = 40_000_000;

/// Rows per non-local-means strip (plus a margin above and below).
const STRIP_ROWS: usize = 128;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    tier: Tier,
    strength: Option<f64>,
    detail_preservation: Option<f64>,
    color_noise: Option<f64>,
    format: Option<String>,
    quality: Option<f64>,
}

/// The denoising tier: which algorithm runs.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Tier {
    /// Median filter.
    #[serde(alias = "fast")]
    Quick,
    /// Bilateral filter.
    #[default]
    Balanced,
    /// Non-local means, small window.
    #[serde(alias = "high")]
    Quality,
    /// Non-local means, large window.
    #[serde(alias = "max")]
    Maximum,
}

/// Estimates the per-channel noise standard deviation (0..255 scale) of an interleaved RGB
/// `f32` image with Immerkær's method ("Fast noise variance estimation", 1996), averaged
/// over the three channels (luma would understate independent colour noise).
fn estimate_noise(rgb: &[f32], w: usize, h: usize) -> f32 {
    if w < 3 || h < 3 {
        return 0.0;
    }
    let mut sum = 0.0f64;
    for c in 0..3 {
        let at = |x: usize, y: usize| rgb[(y * w + x) * 3 + c];
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let v = at(x - 1, y - 1) - 2.0 * at(x, y - 1) + at(x + 1, y - 1)
                    - 2.0 * at(x - 1, y)
                    + 4.0 * at(x, y)
                    - 2.0 * at(x + 1, y)
                    + at(x - 1, y + 1)
                    - 2.0 * at(x, y + 1)
                    + at(x + 1, y + 1);
                sum += v.abs() as f64;
            }
        }
    }
    let n = (3 * (w - 2) * (h - 2)) as f64;
    ((std::f64::consts::PI / 2.0).sqrt() * sum / (6.0 * n)) as f32
}

/// Box sum over `(2r+1)²` of a `w` × `h` plane, edges clamped (two running-sum passes).
fn box_sum(src: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut tmp = vec![0.0f32; w * h];
    let clamp = |v: isize, n: usize| v.clamp(0, n as isize - 1) as usize;
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        let mut acc: f32 = (-(r as isize)..=r as isize)
            .map(|dx| row[clamp(dx, w)])
            .sum();
        for x in 0..w {
            tmp[y * w + x] = acc;
            acc +=
                row[clamp(x as isize + r as isize + 1, w)] - row[clamp(x as isize - r as isize, w)];
        }
    }
    let mut out = vec![0.0f32; w * h];
    for x in 0..w {
        let mut acc: f32 = (-(r as isize)..=r as isize)
            .map(|dy| tmp[clamp(dy, h) * w + x])
            .sum();
        for y in 0..h {
            out[y * w + x] = acc;
            acc += tmp[clamp(y as isize + r as isize + 1, h) * w + x]
                - tmp[clamp(y as isize - r as isize, h) * w + x];
        }
    }
    out
}

/// Interleaved `f32` RGB (`w` × `h`) as an 8-bit image, for imageproc's filters.
fn rgb8(rgb: &[f32], w: usize, h: usize) -> image::RgbImage {
    image::RgbImage::from_raw(
        w as u32,
        h as u32,
        rgb.iter().map(|v| clamp_u8(*v)).collect(),
    )
    .expect("buffer matches its size")
}

/// Non-local-means parameters: the search and patch radii, `h2` the filtering parameter
/// squared, `sigma2` the noise variance that patch distances are discounted by.
#[derive(Clone, Copy)]
struct Nlm {
    search: usize,
    patch: usize,
    h2: f32,
    sigma2: f32,
}

/// Non-local means on one region (`w` × `h` interleaved RGB), edges clamped.
fn nlm_region(rgb: &[f32], w: usize, h: usize, p: &Nlm) -> Vec<f32> {
    let Nlm {
        search,
        patch,
        h2,
        sigma2,
    } = *p;
    let n = w * h;
    let mut acc = vec![0.0f32; n * 3];
    let mut weights = vec![0.0f32; n];
    let patch_area = ((2 * patch + 1) * (2 * patch + 1) * 3) as f32;
    let mut diff = vec![0.0f32; n];
    let s = search as isize;
    for dy in -s..=s {
        for dx in -s..=s {
            for y in 0..h {
                let sy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                for x in 0..w {
                    let sx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                    let a = &rgb[(y * w + x) * 3..(y * w + x) * 3 + 3];
                    let b = &rgb[(sy * w + sx) * 3..(sy * w + sx) * 3 + 3];
                    let d0 = a[0] - b[0];
                    let d1 = a[1] - b[1];
                    let d2 = a[2] - b[2];
                    diff[y * w + x] = d0 * d0 + d1 * d1 + d2 * d2;
                }
            }
            let dist = box_sum(&diff, w, h, patch);
            for y in 0..h {
                let sy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                for x in 0..w {
                    let sx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                    let i = y * w + x;
                    let d = (dist[i] / patch_area - 2.0 * sigma2).max(0.0);
                    let wgt = (-d / h2).exp();
                    weights[i] += wgt;
                    let j = (sy * w + sx) * 3;
                    acc[i * 3] += wgt * rgb[j];
                    acc[i * 3 + 1] += wgt * rgb[j + 1];
                    acc[i * 3 + 2] += wgt * rgb[j + 2];
                }
            }
        }
    }
    for (i, wgt) in weights.iter().enumerate() {
        let inv = 1.0 / wgt.max(1e-6);
        for c in 0..3 {
            acc[i * 3 + c] *= inv;
        }
    }
    acc
}

/// Non-local means over the whole image in strips of [`STRIP_ROWS`] rows.
fn nlm(rgb: &[f32], w: usize, h: usize, p: &Nlm) -> Vec<f32> {
    let margin = p.search + p.patch;
    let mut out = vec![0.0f32; rgb.len()];
    let mut y0 = 0;
    while y0 < h {
        let y1 = (y0 + STRIP_ROWS).min(h);
        let top = y0.saturating_sub(margin);
        let bottom = (y1 + margin).min(h);
        let region = &rgb[top * w * 3..bottom * w * 3];
        let done = nlm_region(region, w, bottom - top, p);
        let from = (y0 - top) * w * 3;
        out[y0 * w * 3..y1 * w * 3].copy_from_slice(&done[from..from + (y1 - y0) * w * 3]);
        y0 = y1;
    }
    out
}

/// Blurs the chroma (Cb, Cr) of interleaved RGB with a Gaussian of `sigma`, keeping luma.
fn smooth_chroma(rgb: &mut [f32], w: usize, h: usize, sigma: f32) {
    let mut luma = Vec::with_capacity(w * h);
    let mut chroma = Vec::with_capacity(w * h * 2);
    for c in rgb.chunks_exact(3) {
        let y = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
        luma.push(y);
        chroma.push(c[2] - y);
        chroma.push(c[0] - y);
    }
    let chroma = gaussian_blur(&chroma, w, h, 2, sigma);
    for ((c, y), ch) in rgb
        .chunks_exact_mut(3)
        .zip(&luma)
        .zip(chroma.chunks_exact(2))
    {
        let (b, r) = (ch[0] + y, ch[1] + y);
        let g = (y - 0.299 * r - 0.114 * b) / 0.587;
        c[0] = r;
        c[1] = g;
        c[2] = b;
    }
}

/// The largest search radius (at most `wanted`, at least 1) that keeps non-local means on
/// `pixels` pixels within [`NLM_BUDGET`].
fn search_radius(wanted: usize, pixels: usize) -> usize {
    let mut r = wanted;
    while r > 1 && ((2 * r + 1) * (2 * r + 1)) as f64 * pixels as f64 > NLM_BUDGET {
        r -= 1;
    }
    r
}

/// Denoises the RGB of `rgba` in place with the chosen tier; `k` scales the strength
/// (1 = filter at the estimated noise level).
fn denoise(rgba: &mut image::RgbaImage, tier: Tier, k: f32, color_noise: f32) {
    let (w, h) = (rgba.width() as usize, rgba.height() as usize);
    let mut rgb: Vec<f32> = rgba
        .as_raw()
        .chunks_exact(4)
        .flat_map(|p| [p[0] as f32, p[1] as f32, p[2] as f32])
        .collect();
    let sigma = estimate_noise(&rgb, w, h).max(2.0);
    if k > 0.0 {
        rgb = match tier {
            Tier::Quick => {
                let src = rgb8(&rgb, w, h);
                let r = if k > 1.2 { 2 } else { 1 };
                let out = median_filter(&src, r, r);
                out.as_raw().iter().map(|v| *v as f32).collect()
            }
            Tier::Balanced => {
                let src = rgb8(&rgb, w, h);
                // Two noisy pixels differ by about √6 σ over three channels.
                let color_sigma = (sigma * 2.45 * k).max(1.0);
                let radius = match w * h {
                    n if n > 30_000_000 => 1,
                    n if n > 12_000_000 => 2,
                    _ => 3,
                };
                let out = bilateral_filter(
                    &src,
                    radius,
                    2.0,
                    GaussianEuclideanColorDistance::new(color_sigma),
                );
                out.as_raw().iter().map(|v| *v as f32).collect()
            }
            Tier::Quality | Tier::Maximum => {
                let (wanted, patch) = if tier == Tier::Quality {
                    (3, 1)
                } else {
                    (5, 2)
                };
                let hh = 0.6 * sigma * k;
                let p = Nlm {
                    search: search_radius(wanted, w * h),
                    patch,
                    h2: (hh * hh).max(1e-3),
                    sigma2: sigma * sigma,
                };
                nlm(&rgb, w, h, &p)
            }
        };
    }
    if color_noise > 0.0 {
        smooth_chroma(&mut rgb, w, h, color_noise * 3.0);
    }
    for (px, c) in rgba.as_mut().chunks_exact_mut(4).zip(rgb.chunks_exact(3)) {
        px[0] = clamp_u8(c[0]);
        px[1] = clamp_u8(c[1]);
        px[2] = clamp_u8(c[2]);
    }
}

struct NoiseRemoval;

impl Tool for NoiseRemoval {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("noise-removal", Section::Image, "Noise Removal", "Remove noise from a photo: median (quick), bilateral (balanced) or non-local means (quality, maximum)."),
            serde_json::json!({
                    "tier": {"enum": ["quick", "balanced", "quality", "maximum"], "default": "balanced"},
                    "strength": {"type": "number", "minimum": 0, "maximum": 100, "default": 50},
                    "detailPreservation": {"type": "number", "minimum": 0, "maximum": 100, "default": 50},
                    "colorNoise": {"type": "number", "minimum": 0, "maximum": 100, "default": 30},
                    "format": {"enum": ["original", "png", "jpeg", "jpg", "webp", "tiff", "bmp"], "default": "original"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
            }),
            &[],
            Produces::by_setting("format", &["*", "png", "jpg", "webp", "gif", "tiff", "bmp"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let strength = number("strength", s.strength, 50.0, 0.0, 100.0)? as f32;
        let detail = number(
            "detailPreservation",
            s.detail_preservation,
            50.0,
            0.0,
            100.0,
        )? as f32;
        let color_noise = number("colorNoise", s.color_noise, 30.0, 0.0, 100.0)? as f32;
        let quality = number("quality", s.quality, 90.0, 1.0, 100.0)?.round() as u8;
        let wanted_format = match s.format.as_deref().map(str::trim) {
            None | Some("") | Some("original") => None,
            Some(name) => Some(ImageFormat::from_name(name)?),
        };
        if strength.is_nan() {
            return Err(invalid_settings("strength must be a number"));
        }
        let input = &inputs[0];
        if matches!(s.tier, Tier::Quality | Tier::Maximum) {
            let probe = lathe_image_kit::probe(input)?;
            let (pw, ph) = (probe.width as u64, probe.height as u64);
            if pw * ph > NLM_MAX_PIXELS {
                return Err(ToolError::TooLarge(format!(
                    "the quality and maximum tiers take images up to {} MP ({pw}x{ph} given); use tier balanced or quick",
                    NLM_MAX_PIXELS / 1_000_000
                )));
            }
        }
        let mut picture = load(input)?;
        // strength 50 filters at the estimated noise level; detail preservation tempers it.
        let k = (strength / 50.0) * (1.25 - detail / 200.0);
        denoise(&mut picture.rgba, s.tier, k, color_noise / 100.0);
        let format = wanted_format.unwrap_or(picture.format);
        let (width, height) = picture.rgba.dimensions();
        let image = if picture.has_alpha {
            DynamicImage::ImageRgba8(picture.rgba)
        } else {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(picture.rgba).to_rgb8())
        };
        let bytes = encode(&image, format, EncodeOptions { quality })?;
        let name = format!("{}.{}", input.stem(), format.extension());
        Ok(
            Output::file(OutputFile::new(name, format.media_type(), bytes))
                .with_extra(serde_json::json!({"width": width, "height": height})),
        )
    }
}

lathe_tool_sdk::export_tool!(NoiseRemoval);
