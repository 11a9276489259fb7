//! Colour helpers shared by Lathe's image adjustment tools.
//!
//! * [`parse_hex`]: `#RGB`, `#RRGGBB`, `#RRGGBBAA` colours (the `#` is optional).
//! * [`number`]: an optional numeric setting with a default and a range check.
//! * [`SrgbLut`]: fast sRGB ⇄ linear-light conversion through lookup tables.
//! * [`gaussian_blur`]: a separable Gaussian blur of interleaved `f32` pixels.
//! * [`Picture`], [`load`], [`save`]: decode an input to RGBA8 and encode the result in the
//!   input's format (PNG when Lathe cannot write that format), keeping alpha where possible;
//!   [`retouch`] does all three around an in-place pixel edit.
//! * [`code_tool_info`], [`code_colors`], [`code_png`]: the catalog entry, colours and PNG
//!   of the code generators (QR, barcodes).

mod code;

pub use code::{code_colors, code_png, code_tool_info};

use lathe_image_kit::{decode, encode, image, DynamicImage, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{invalid_settings, Input, Output, OutputFile, ToolError};

/// JPEG quality of re-encoded results.
pub const JPEG_QUALITY: u8 = 90;

/// Rec. 709 / sRGB luminance weights (red, green, blue), for linear or gamma-encoded values.
pub const LUMA_709: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// An RGBA colour with 8-bit channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba8 {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Alpha (255 = opaque).
    pub a: u8,
}

/// Parses a hex colour (`#RGB`, `#RRGGBB` or `#RRGGBBAA`, with or without `#`); a bad value
/// is an invalid-settings error naming `field`.
pub fn parse_hex(field: &str, value: &str) -> Result<Rgba8, ToolError> {
    let bad = || {
        invalid_settings(format!(
            "{field} must be a hex colour like #RGB, #RRGGBB or #RRGGBBAA, got '{value}'"
        ))
    };
    let text = value.trim();
    let text = text.strip_prefix('#').unwrap_or(text);
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let digit = |i: usize| u8::from_str_radix(&text[i..i + 1], 16).map_err(|_| bad());
    let pair = |i: usize| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| bad());
    match text.len() {
        3 => Ok(Rgba8 {
            r: digit(0)? * 17,
            g: digit(1)? * 17,
            b: digit(2)? * 17,
            a: 255,
        }),
        6 | 8 => Ok(Rgba8 {
            r: pair(0)?,
            g: pair(2)?,
            b: pair(4)?,
            a: if text.len() == 8 { pair(6)? } else { 255 },
        }),
        _ => Err(bad()),
    }
}

/// Parses an optional hex colour setting, falling back to `default` (itself a valid hex).
pub fn hex_or(field: &str, value: Option<&str>, default: &str) -> Result<Rgba8, ToolError> {
    parse_hex(field, value.unwrap_or(default))
}

/// An optional numeric setting: `default` when absent, else it must be finite and within
/// `min..=max` (an invalid-settings error naming `field` otherwise).
pub fn number(
    field: &str,
    value: Option<f64>,
    default: f64,
    min: f64,
    max: f64,
) -> Result<f64, ToolError> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && v >= min && v <= max => Ok(v),
        Some(v) => Err(invalid_settings(format!(
            "{field} must be between {min} and {max}, got {v}"
        ))),
    }
}

/// Like [`number`], for settings that must be whole numbers (sizes, counts).
pub fn whole(
    field: &str,
    value: Option<f64>,
    default: f64,
    min: f64,
    max: f64,
) -> Result<u32, ToolError> {
    let v = number(field, value, default, min, max)?;
    if v.fract() != 0.0 {
        return Err(invalid_settings(format!(
            "{field} must be a whole number, got {v}"
        )));
    }
    Ok(v as u32)
}

/// Lookup tables for sRGB ⇄ linear-light conversion.
pub struct SrgbLut {
    to_linear: [f32; 256],
    to_srgb: Vec<f32>,
}

/// Entries of the linear → sRGB table (fine enough for exact 8-bit round trips).
const TO_SRGB_SIZE: usize = 1 << 16;

/// The exact sRGB transfer function: encoded value in `0..=1` to linear light.
pub fn srgb_to_linear(v: f32) -> f32 {
    if v <= 0.040_45 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// The exact inverse sRGB transfer function: linear light in `0..=1` to encoded value.
pub fn linear_to_srgb(v: f32) -> f32 {
    if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

impl SrgbLut {
    /// Builds the tables (about 65k `powf` calls; build once per run).
    pub fn new() -> Self {
        let mut to_linear = [0.0f32; 256];
        for (i, v) in to_linear.iter_mut().enumerate() {
            *v = srgb_to_linear(i as f32 / 255.0);
        }
        let scale = (TO_SRGB_SIZE - 1) as f32;
        let to_srgb = (0..TO_SRGB_SIZE)
            .map(|i| linear_to_srgb(i as f32 / scale))
            .collect();
        Self { to_linear, to_srgb }
    }

    /// An 8-bit sRGB value to linear light in `0..=1`.
    #[inline]
    pub fn linear(&self, v: u8) -> f32 {
        self.to_linear[v as usize]
    }

    /// Linear light (clamped to `0..=1`) to an sRGB value in `0..=1`.
    #[inline]
    pub fn srgb(&self, v: f32) -> f32 {
        let i = (v.clamp(0.0, 1.0) * (TO_SRGB_SIZE - 1) as f32 + 0.5) as usize;
        self.to_srgb[i.min(TO_SRGB_SIZE - 1)]
    }

    /// Linear light (clamped) to an 8-bit sRGB value.
    #[inline]
    pub fn srgb8(&self, v: f32) -> u8 {
        to_u8(self.srgb(v))
    }
}

impl Default for SrgbLut {
    fn default() -> Self {
        Self::new()
    }
}

/// A value in `0..=1` (clamped) to `0..=255`, rounded.
#[inline]
pub fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

/// A value in `0..=255` (clamped) to `u8`, rounded.
#[inline]
pub fn clamp_u8(v: f32) -> u8 {
    (v.clamp(0.0, 255.0) + 0.5) as u8
}

/// A normalised 1-D Gaussian kernel for `sigma` (radius `ceil(3 sigma)`, at least 1).
pub fn gaussian_kernel(sigma: f32) -> Vec<f32> {
    let sigma = sigma.max(0.01);
    let radius = ((3.0 * sigma).ceil() as usize).max(1);
    let mut k: Vec<f32> = (0..=2 * radius)
        .map(|i| {
            let d = i as f32 - radius as f32;
            (-(d * d) / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let sum: f32 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= sum);
    k
}

/// Blurs `width` × `height` interleaved pixels of `channels` `f32` values with a separable
/// Gaussian of `sigma` pixels; edges are extended (clamp to edge).
pub fn gaussian_blur(
    src: &[f32],
    width: usize,
    height: usize,
    channels: usize,
    sigma: f32,
) -> Vec<f32> {
    convolve_separable(src, width, height, channels, &gaussian_kernel(sigma))
}

/// Convolves interleaved pixels with a symmetric odd-length 1-D kernel along both axes.
pub fn convolve_separable(
    src: &[f32],
    width: usize,
    height: usize,
    channels: usize,
    kernel: &[f32],
) -> Vec<f32> {
    let row_len = width * channels;
    if src.len() != row_len * height || width == 0 || height == 0 || kernel.is_empty() {
        return src.to_vec();
    }
    let mut horizontal = vec![0.0f32; src.len()];
    match channels {
        1 => horizontal_pass::<1>(src, &mut horizontal, width, kernel),
        3 => horizontal_pass::<3>(src, &mut horizontal, width, kernel),
        4 => horizontal_pass::<4>(src, &mut horizontal, width, kernel),
        _ => horizontal_pass_dyn(src, &mut horizontal, width, channels, kernel),
    }
    let radius = kernel.len() / 2;
    // Vertical pass: accumulate whole rows (contiguous, vectorises well).
    let mut out = vec![0.0f32; src.len()];
    for (y, dst) in out.chunks_exact_mut(row_len).enumerate() {
        for (i, k) in kernel.iter().enumerate() {
            let sy = (y + i).saturating_sub(radius).min(height - 1);
            let row = &horizontal[sy * row_len..(sy + 1) * row_len];
            for (d, s) in dst.iter_mut().zip(row) {
                *d += k * s;
            }
        }
    }
    out
}

/// Row-wise convolution for a fixed channel count (unrolled inner loop), through a padded
/// copy of each row so the inner loop has no edge branches.
fn horizontal_pass<const CH: usize>(src: &[f32], out: &mut [f32], width: usize, kernel: &[f32]) {
    let radius = kernel.len() / 2;
    let row_len = width * CH;
    let mut padded = vec![[0.0f32; CH]; width + 2 * radius];
    for (row, dst_row) in src.chunks_exact(row_len).zip(out.chunks_exact_mut(row_len)) {
        for (x, p) in padded.iter_mut().enumerate() {
            let sx = x.saturating_sub(radius).min(width - 1) * CH;
            p.copy_from_slice(&row[sx..sx + CH]);
        }
        for (dst, window) in dst_row
            .chunks_exact_mut(CH)
            .zip(padded.windows(kernel.len()))
        {
            let mut acc = [0.0f32; CH];
            for (k, px) in kernel.iter().zip(window) {
                for c in 0..CH {
                    acc[c] += k * px[c];
                }
            }
            dst.copy_from_slice(&acc);
        }
    }
}

/// Row-wise convolution for any channel count.
fn horizontal_pass_dyn(
    src: &[f32],
    out: &mut [f32],
    width: usize,
    channels: usize,
    kernel: &[f32],
) {
    let row_len = width * channels;
    let radius = kernel.len() / 2;
    for (row, dst_row) in src.chunks_exact(row_len).zip(out.chunks_exact_mut(row_len)) {
        for (x, dst) in dst_row.chunks_exact_mut(channels).enumerate() {
            dst.iter_mut().for_each(|v| *v = 0.0);
            for (i, k) in kernel.iter().enumerate() {
                let sx = (x + i).saturating_sub(radius).min(width - 1) * channels;
                for (d, s) in dst.iter_mut().zip(&row[sx..sx + channels]) {
                    *d += k * s;
                }
            }
        }
    }
}

/// A decoded input as RGBA8, with what is needed to write the result back.
pub struct Picture {
    /// The pixels, upright.
    pub rgba: image::RgbaImage,
    /// The output format: the input's, or PNG when Lathe cannot write it.
    pub format: ImageFormat,
    /// Whether the source had an alpha channel.
    pub has_alpha: bool,
}

impl Picture {
    /// Width and height in pixels, as the `usize` the pixel loops index with.
    pub fn size(&self) -> (usize, usize) {
        (self.rgba.width() as usize, self.rgba.height() as usize)
    }
}

/// Decodes an input (bounded, EXIF-oriented) to RGBA8.
pub fn load(input: &Input) -> Result<Picture, ToolError> {
    let decoded = decode(input)?;
    let has_alpha = decoded.image.color().has_alpha();
    let format = ImageFormat::from_image(decoded.format).unwrap_or(ImageFormat::Png);
    let rgba = match decoded.image {
        DynamicImage::ImageRgba8(img) => img,
        other => other.to_rgba8(),
    };
    Ok(Picture {
        rgba,
        format,
        has_alpha,
    })
}

/// Encodes `rgba` as `format` (JPEG at [`JPEG_QUALITY`]) named after the input. With
/// `keep_alpha` false the alpha channel is dropped (it is expected to be opaque).
pub fn save(
    input: &Input,
    rgba: image::RgbaImage,
    format: ImageFormat,
    keep_alpha: bool,
) -> Result<Output, ToolError> {
    let (width, height) = rgba.dimensions();
    let image = if keep_alpha {
        DynamicImage::ImageRgba8(rgba)
    } else {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba).to_rgb8())
    };
    let bytes = encode(
        &image,
        format,
        EncodeOptions {
            quality: JPEG_QUALITY,
        },
    )?;
    let name = format!("{}.{}", input.stem(), format.extension());
    Ok(
        Output::file(OutputFile::new(name, format.media_type(), bytes))
            .with_extra(serde_json::json!({"width": width, "height": height})),
    )
}

/// Writes a [`Picture`]'s pixels back in its own format, keeping alpha if it had one.
pub fn save_picture(input: &Input, picture: Picture) -> Result<Output, ToolError> {
    let keep = picture.has_alpha;
    save(input, picture.rgba, picture.format, keep)
}

/// Decodes `input`, lets `edit` change its RGBA pixels in place (it is given the width
/// and height as the `usize` the pixel loops index with), and writes the result back in
/// the input's format with [`save_picture`].
pub fn retouch(
    input: &Input,
    edit: impl FnOnce(&mut image::RgbaImage, usize, usize),
) -> Result<Output, ToolError> {
    let mut picture = load(input)?;
    let (w, h) = picture.size();
    edit(&mut picture.rgba, w, h);
    save_picture(input, picture)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        let red = Rgba8 {
            r: 255,
            g: 0,
            b: 0,
            a: 255,
        };
        assert_eq!(parse_hex("c", "#f00").unwrap(), red);
        assert_eq!(parse_hex("c", "FF0000").unwrap(), red);
        assert_eq!(parse_hex("c", "#ff000080").unwrap().a, 0x80);
        for bad in ["", "#", "#ff", "#gg0000", "#ff00001", "+ff000", "#ﬀ0000"] {
            assert!(parse_hex("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lut_round_trips() {
        let lut = SrgbLut::new();
        for v in 0..=255u8 {
            assert_eq!(lut.srgb8(lut.linear(v)), v);
        }
    }

    #[test]
    fn fixed_and_dynamic_passes_agree() {
        let (w, h) = (9, 4);
        let src: Vec<f32> = (0..w * h * 3).map(|i| ((i * 37) % 255) as f32).collect();
        let k = gaussian_kernel(1.3);
        let (mut a, mut b) = (vec![0.0; src.len()], vec![0.0; src.len()]);
        horizontal_pass::<3>(&src, &mut a, w, &k);
        horizontal_pass_dyn(&src, &mut b, w, 3, &k);
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-3));
    }

    #[test]
    fn blur_keeps_flat_flat() {
        let src = vec![0.5f32; 7 * 5 * 3];
        let out = gaussian_blur(&src, 7, 5, 3, 2.0);
        assert!(out.iter().all(|v| (v - 0.5).abs() < 1e-5));
    }
}
