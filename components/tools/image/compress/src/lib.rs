//! `image/compress`: make an image file smaller, at a given quality or to fit a size.
//!
//! * `quality` mode: JPEGs are re-encoded at the quality; PNGs are re-encoded with the
//!   strongest deflate setting; GIF, WebP, TIFF and BMP are re-encoded losslessly in their
//!   own format. A lossless re-encode that is not smaller than the input returns the input.
//! * `targetSize` mode: the result is a JPEG (or a PNG, for a PNG whose best lossless
//!   encoding already fits) no larger than `targetSizeKb` × 1024 bytes: the highest JPEG
//!   quality (1..=95) that fits is found by binary search, and if quality 1 does not fit
//!   the image is scaled down by steps of 0.8 until it does.

use std::io::Cursor;

use lathe_image_kit::image::codecs::png::{CompressionType, FilterType, PngEncoder};
use lathe_image_kit::{
    decode, encode, image, resize_exact, DynamicImage, EncodeOptions, ImageFormat,
};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// Default quality of `quality` mode.
const DEFAULT_QUALITY: i64 = 80;
/// Highest JPEG quality tried in `targetSize` mode (above it files grow for no visible gain).
const MAX_SEARCH_QUALITY: u8 = 95;
/// Each downscale step multiplies both sides by this.
const SCALE_STEP: f64 = 0.8;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    mode: Mode,
    quality: Option<i64>,
    target_size_kb: Option<f64>,
}

/// What the compression aims at.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum Mode {
    /// Re-encode at a quality.
    #[default]
    Quality,
    /// Fit a size in KiB.
    TargetSize,
}

/// A produced file and how it was made.
struct Compressed {
    bytes: Vec<u8>,
    format: ImageFormat,
    quality: Option<u8>,
    width: u32,
    height: u32,
}

fn failed(e: impl std::fmt::Display) -> ToolError {
    ToolError::Failed(format!("encoding failed: {e}"))
}

/// PNG with the strongest compression and adaptive filtering.
fn encode_png_best(img: &DynamicImage) -> Result<Vec<u8>, ToolError> {
    let mut out = Cursor::new(Vec::new());
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive);
    img.write_with_encoder(encoder).map_err(failed)?;
    Ok(out.into_inner())
}

fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, ToolError> {
    encode(img, ImageFormat::Jpeg, EncodeOptions { quality })
}

/// Reduces an image to 8-bit gray or RGB, compositing alpha onto white, so repeated JPEG
/// encodes do not redo the conversion.
fn jpeg_ready(img: &DynamicImage) -> DynamicImage {
    match img {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => img.clone(),
        other if other.color().has_alpha() => {
            let rgba = other.to_rgba8();
            let mut out = image::RgbImage::new(rgba.width(), rgba.height());
            for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
                let a = src[3] as u32;
                for c in 0..3 {
                    dst[c] = ((src[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
                }
            }
            DynamicImage::ImageRgb8(out)
        }
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// The largest JPEG quality whose encoding of `img` fits `limit`, if quality 1 fits.
fn best_jpeg_quality(img: &DynamicImage, limit: usize) -> Result<Option<(u8, Vec<u8>)>, ToolError> {
    let top = encode_jpeg(img, MAX_SEARCH_QUALITY)?;
    if top.len() <= limit {
        return Ok(Some((MAX_SEARCH_QUALITY, top)));
    }
    let low = encode_jpeg(img, 1)?;
    if low.len() > limit {
        return Ok(None);
    }
    // Invariant: `best` (at quality `lo`) fits; everything above `hi` was too big.
    let (mut lo, mut hi, mut best) = (1u8, MAX_SEARCH_QUALITY - 1, low);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let bytes = encode_jpeg(img, mid)?;
        if bytes.len() <= limit {
            lo = mid;
            best = bytes;
        } else {
            hi = mid - 1;
        }
    }
    Ok(Some((lo, best)))
}

/// A JPEG no larger than `limit` bytes: best quality first, then smaller sizes.
fn jpeg_to_fit(img: &DynamicImage, limit: usize) -> Result<Compressed, ToolError> {
    let base = jpeg_ready(img);
    let (w0, h0) = (base.width(), base.height());
    let mut current = std::borrow::Cow::Borrowed(&base);
    let mut scale = 1.0f64;
    loop {
        if let Some((quality, bytes)) = best_jpeg_quality(&current, limit)? {
            let (width, height) = (current.width(), current.height());
            return Ok(Compressed {
                bytes,
                format: ImageFormat::Jpeg,
                quality: Some(quality),
                width,
                height,
            });
        }
        if current.width() == 1 && current.height() == 1 {
            return Err(invalid_settings(format!(
                "targetSizeKb is too small: even a 1x1 JPEG is larger than {limit} bytes"
            )));
        }
        scale *= SCALE_STEP;
        let side = |v: u32| ((v as f64 * scale).round() as u32).max(1);
        let (w, h) = (side(w0), side(h0));
        // Rounding can stall on tiny images; make sure every step shrinks.
        let (w, h) = if (w, h) == (current.width(), current.height()) {
            ((w - 1).max(1), (h - 1).max(1))
        } else {
            (w, h)
        };
        current = std::borrow::Cow::Owned(resize_exact(&base, w, h)?);
    }
}

fn target_size(
    img: &DynamicImage,
    source: Option<ImageFormat>,
    limit: usize,
) -> Result<Compressed, ToolError> {
    if source == Some(ImageFormat::Png) {
        let bytes = encode_png_best(img)?;
        if bytes.len() <= limit {
            let (width, height) = (img.width(), img.height());
            return Ok(Compressed {
                bytes,
                format: ImageFormat::Png,
                quality: None,
                width,
                height,
            });
        }
    }
    jpeg_to_fit(img, limit)
}

fn by_quality(
    input: &Input,
    img: &DynamicImage,
    source: Option<ImageFormat>,
    quality: u8,
) -> Result<Compressed, ToolError> {
    let (width, height) = (img.width(), img.height());
    let (bytes, format, quality) = match source {
        Some(ImageFormat::Jpeg) => (encode_jpeg(img, quality)?, ImageFormat::Jpeg, Some(quality)),
        Some(ImageFormat::Png) | None => (encode_png_best(img)?, ImageFormat::Png, None),
        Some(other) => (encode(img, other, EncodeOptions { quality })?, other, None),
    };
    // A lossless re-encode that grew is pointless: hand back the input as it was.
    if quality.is_none() && source == Some(format) && bytes.len() >= input.data.len() {
        return Ok(Compressed {
            bytes: input.data.clone(),
            format,
            quality,
            width,
            height,
        });
    }
    Ok(Compressed {
        bytes,
        format,
        quality,
        width,
        height,
    })
}

struct Compress;

impl Tool for Compress {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("compress", Section::Image, "Compress", "Make an image smaller: re-encode at a quality, or fit it under a target file size."),
            serde_json::json!({
                    "mode": {"enum": ["quality", "targetSize"], "default": "quality"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": DEFAULT_QUALITY},
                    "targetSizeKb": {"type": "number", "exclusiveMinimum": 0, "description": "Required in targetSize mode."}
            }),
            &[],
            Produces::types(&["*", "jpg", "png"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let quality = check_range(
            "quality",
            settings.quality.unwrap_or(DEFAULT_QUALITY),
            1,
            100,
        )? as u8;
        let limit = match settings.mode {
            Mode::Quality => None,
            Mode::TargetSize => {
                let kb = settings.target_size_kb.ok_or_else(|| {
                    invalid_settings("targetSizeKb is required when mode is targetSize")
                })?;
                if !(kb.is_finite() && kb > 0.0) {
                    return Err(invalid_settings("targetSizeKb must be greater than 0"));
                }
                Some((kb * 1024.0).floor() as usize)
            }
        };
        let input = &inputs[0];
        let decoded = decode(input)?;
        let source = ImageFormat::from_image(decoded.format);
        let result = match limit {
            None => by_quality(input, &decoded.image, source, quality)?,
            Some(limit) => target_size(&decoded.image, source, limit)?,
        };
        let name = format!("{}.{}", input.stem(), result.format.extension());
        let extra = serde_json::json!({
            "format": result.format.extension(),
            "quality": result.quality,
            "width": result.width,
            "height": result.height,
            "resized": (result.width, result.height) != (decoded.image.width(), decoded.image.height()),
        });
        Ok(Output::file(OutputFile::new(
            name,
            result.format.media_type(),
            result.bytes,
        ))
        .with_extra(extra))
    }
}

lathe_tool_sdk::export_tool!(Compress);
