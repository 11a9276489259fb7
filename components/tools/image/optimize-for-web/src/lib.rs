//! `image/optimize-for-web`: shrink an image for the web: fit it inside `maxWidth` ×
//! `maxHeight` (never enlarging), re-encode it as WebP (default), JPEG or PNG, and drop or
//! keep its metadata.
//!
//! * JPEG is written progressive (default) with optimised Huffman tables.
//! * WebP is lossy at `quality` (default 80, libwebp compiled into the component, as sharp
//!   does for seed 001's tool); `quality` 100 writes lossless WebP.
//! * PNG uses the strongest deflate setting with adaptive filtering.
//! * AVIF is lossy 8-bit AV1 (`quality`, alpha kept) at `speed` 1..10 (default 8), encoded
//!   by the host's libaom (`lathe:tool/image-codecs`): this is a native tool, so the worker
//!   runs it; it carries no metadata.
//! * JPEG XL cannot be written by this server and is refused with a 400.
//! * `stripMetadata: false` copies the ICC profile and the EXIF block (orientation set
//!   to 1, since the pixels are already turned upright) into the result.
//!
//! The sub-route `preview` does the same work and answers the file itself, with its
//! sizes and dimensions as `X-` headers (the native gateway runs it as a job of that
//! operation).

use std::io::Cursor;

use lathe_image_kit::handoff::fast_png;
use lathe_image_kit::image::codecs::png::{CompressionType, FilterType, PngEncoder};
use lathe_image_kit::{
    avif, decode_with_target, encode, probe, resize_exact, DynamicImage, EncodeOptions, ImageFormat,
};
use lathe_metadata_kit::img_parts::{jpeg::Jpeg, png::Png, webp::WebP, Bytes, ImageEXIF, ImageICC};
use lathe_metadata_kit::reset_orientation;
use lathe_native_sdk::{host_encode, CodecError, HostEncode, HostFormat};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Largest `maxWidth` / `maxHeight` accepted.
const MAX_SIDE: i64 = 16384;
/// Output formats this server can write.
const WRITABLE: &str = "webp, jpeg, png, avif";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "outputFormat")]
    format: Option<String>,
    quality: Option<i64>,
    #[serde(alias = "width")]
    max_width: Option<i64>,
    #[serde(alias = "height")]
    max_height: Option<i64>,
    progressive: Option<bool>,
    strip_metadata: Option<bool>,
    speed: Option<i64>,
}

/// Output format of this tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    WebP,
    Jpeg,
    Png,
    Avif,
}

impl Target {
    fn parse(name: Option<&str>) -> Result<Target, ToolError> {
        let name = name.unwrap_or("webp").trim().to_ascii_lowercase();
        match name.as_str() {
            "webp" => Ok(Target::WebP),
            "jpeg" | "jpg" => Ok(Target::Jpeg),
            "png" => Ok(Target::Png),
            "avif" => Ok(Target::Avif),
            "jxl" => Err(invalid_settings(format!(
                "format '{name}' cannot be written by this server; supported formats: {WRITABLE}"
            ))),
            _ => Err(invalid_settings(format!(
                "format must be one of webp, jpeg, png, avif, jxl (writable here: {WRITABLE}), got '{name}'"
            ))),
        }
    }

    /// File extension.
    fn extension(self) -> &'static str {
        match self {
            Target::WebP => ImageFormat::WebP.extension(),
            Target::Jpeg => ImageFormat::Jpeg.extension(),
            Target::Png => ImageFormat::Png.extension(),
            Target::Avif => avif::EXTENSION,
        }
    }

    /// Media type.
    fn media_type(self) -> &'static str {
        match self {
            Target::WebP => ImageFormat::WebP.media_type(),
            Target::Jpeg => ImageFormat::Jpeg.media_type(),
            Target::Png => ImageFormat::Png.media_type(),
            Target::Avif => avif::MEDIA_TYPE,
        }
    }
}

/// Resolved settings.
struct Plan {
    target: Target,
    quality: u8,
    max_width: Option<u32>,
    max_height: Option<u32>,
    progressive: bool,
    strip_metadata: bool,
    speed: u8,
}

impl Plan {
    /// Whether the output keeps every pixel exactly: PNG, and WebP at quality 100.
    fn lossless(&self) -> bool {
        match self.target {
            Target::Png => true,
            Target::WebP => self.quality == 100,
            Target::Jpeg | Target::Avif => false,
        }
    }

    fn from_json(settings: &str) -> Result<Plan, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let side = |name: &str, v: Option<i64>| -> Result<Option<u32>, ToolError> {
            v.map(|v| check_range(name, v, 1, MAX_SIDE).map(|v| v as u32))
                .transpose()
        };
        Ok(Plan {
            target: Target::parse(s.format.as_deref())?,
            quality: check_range("quality", s.quality.unwrap_or(80), 1, 100)? as u8,
            max_width: side("maxWidth", s.max_width)?,
            max_height: side("maxHeight", s.max_height)?,
            progressive: s.progressive.unwrap_or(true),
            strip_metadata: s.strip_metadata.unwrap_or(true),
            speed: check_range(
                "speed",
                s.speed.unwrap_or(avif::DEFAULT_SPEED.into()),
                avif::MIN_SPEED.into(),
                avif::MAX_SPEED.into(),
            )? as u8,
        })
    }
}

/// The largest size with the aspect ratio of `w` × `h` inside the limits, never larger
/// than the original.
fn fit(w: u32, h: u32, max_w: Option<u32>, max_h: Option<u32>) -> (u32, u32) {
    let sx = max_w.map_or(1.0, |m| m as f64 / w as f64);
    let sy = max_h.map_or(1.0, |m| m as f64 / h as f64);
    let scale = sx.min(sy).min(1.0);
    if scale >= 1.0 {
        return (w, h);
    }
    let side = |v: u32| ((v as f64 * scale).round() as u32).max(1);
    (side(w), side(h))
}

/// Composites alpha onto white and reduces to 8-bit gray or RGB for the JPEG encoder.
fn jpeg_pixels(img: &DynamicImage) -> (Vec<u8>, jpeg_encoder::ColorType) {
    match img {
        DynamicImage::ImageLuma8(g) => (g.as_raw().clone(), jpeg_encoder::ColorType::Luma),
        other if other.color().has_alpha() => {
            let rgba = other.to_rgba8();
            let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
            for px in rgba.pixels() {
                let a = px[3] as u32;
                for c in 0..3 {
                    out.push(((px[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8);
                }
            }
            (out, jpeg_encoder::ColorType::Rgb)
        }
        other => (other.to_rgb8().into_raw(), jpeg_encoder::ColorType::Rgb),
    }
}

fn encode_jpeg(img: &DynamicImage, quality: u8, progressive: bool) -> Result<Vec<u8>, ToolError> {
    let (w, h) = (img.width(), img.height());
    if w > u16::MAX as u32 || h > u16::MAX as u32 {
        return Err(ToolError::Failed(
            "JPEG cannot store images wider or taller than 65535 pixels".into(),
        ));
    }
    let (pixels, color) = jpeg_pixels(img);
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_progressive(progressive);
    encoder.set_optimized_huffman_tables(true);
    encoder.set_sampling_factor(if quality >= 90 {
        jpeg_encoder::SamplingFactor::R_4_4_4
    } else {
        jpeg_encoder::SamplingFactor::R_4_2_0
    });
    encoder
        .encode(&pixels, w as u16, h as u16, color)
        .map_err(|e| ToolError::Failed(format!("encoding jpeg failed: {e}")))?;
    Ok(out)
}

fn encode_png(img: &DynamicImage) -> Result<Vec<u8>, ToolError> {
    let mut out = Cursor::new(Vec::new());
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive);
    img.write_with_encoder(encoder)
        .map_err(|e| ToolError::Failed(format!("encoding png failed: {e}")))?;
    Ok(out.into_inner())
}

/// Copies an ICC profile and an EXIF block (orientation reset) into an encoded file.
fn attach_metadata(
    bytes: Vec<u8>,
    target: Target,
    exif: Option<Vec<u8>>,
    icc: Option<Vec<u8>>,
) -> Result<Vec<u8>, ToolError> {
    // Metadata is not copied into AVIF: the encoder writes no ICC profile (the pixels are
    // sRGB).
    if target == Target::Avif || (exif.is_none() && icc.is_none()) {
        return Ok(bytes);
    }
    let exif = exif.map(|mut e| {
        reset_orientation(&mut e);
        Bytes::from(e)
    });
    let icc = icc.map(Bytes::from);
    let fail = |e: lathe_metadata_kit::img_parts::Error| {
        ToolError::Failed(format!("cannot attach metadata: {e}"))
    };
    let mut out = Vec::new();
    let bytes = Bytes::from(bytes);
    let written = match target {
        Target::Jpeg => {
            let mut img = Jpeg::from_bytes(bytes).map_err(fail)?;
            img.set_icc_profile(icc);
            img.set_exif(exif);
            img.encoder().write_to(&mut out)
        }
        Target::Png => {
            let mut img = Png::from_bytes(bytes).map_err(fail)?;
            img.set_icc_profile(icc);
            img.set_exif(exif);
            img.encoder().write_to(&mut out)
        }
        Target::WebP => {
            let mut img = WebP::from_bytes(bytes).map_err(fail)?;
            img.set_icc_profile(icc);
            img.set_exif(exif);
            img.encoder().write_to(&mut out)
        }
        Target::Avif => return Ok(bytes.to_vec()),
    };
    written.map_err(|e| ToolError::Failed(format!("cannot attach metadata: {e}")))?;
    Ok(out)
}

/// `image` as a lossy AVIF at `quality` and `speed` (the setting, 1..=10), encoded by the
/// host's libaom from a quickly written PNG of the pixels.
fn encode_avif(image: &DynamicImage, quality: u8, speed: u8) -> Result<Vec<u8>, ToolError> {
    let png = Input {
        name: "pixels.png".into(),
        media_type: "image/png".into(),
        data: fast_png(image)?,
    };
    let options = HostEncode {
        format: HostFormat::Avif,
        quality,
        lossless: false,
        speed: avif::aom_speed(speed),
    };
    host_encode(&png, options).map_err(|e| match e {
        // Our own intermediate PNG refused: the encoder failed, not the user's file.
        CodecError::Rejected(m) => ToolError::Failed(m),
        other => other.into(),
    })
}

/// Does the work of both the main route and `preview`.
fn optimize(inputs: &[Input], settings: &str) -> Result<Output, ToolError> {
    let plan = Plan::from_json(settings)?;
    let input = match inputs {
        [one] => one,
        [] => return Err(unsupported("upload one image")),
        _ => return Err(unsupported("this tool takes one image at a time")),
    };
    let head = probe(input)?;
    let (uw, uh) = head.upright_dimensions();
    if uw == 0 || uh == 0 {
        return Err(unsupported("image has no pixels"));
    }
    let (tw, th) = fit(uw, uh, plan.max_width, plan.max_height);
    let decoded = decode_with_target(input, tw, th)?;
    let img = if (decoded.image.width(), decoded.image.height()) == (tw, th) {
        decoded.image
    } else {
        resize_exact(&decoded.image, tw, th)?
    };
    let bytes = match plan.target {
        Target::Jpeg => encode_jpeg(&img, plan.quality, plan.progressive)?,
        Target::Png => encode_png(&img)?,
        Target::WebP => encode(
            &img,
            ImageFormat::WebP,
            EncodeOptions {
                quality: plan.quality,
            },
        )?,
        Target::Avif => encode_avif(&img, plan.quality, plan.speed)?,
    };
    let bytes = if plan.strip_metadata {
        bytes
    } else {
        attach_metadata(bytes, plan.target, head.exif.clone(), head.icc.clone())?
    };
    let (original, processed) = (input.data.len(), bytes.len());
    let saved = if original == 0 {
        0.0
    } else {
        ((original as f64 - processed as f64) / original as f64 * 1000.0).round() / 10.0
    };
    let name = format!("{}.{}", input.stem(), plan.target.extension());
    Ok(
        Output::file(OutputFile::new(name, plan.target.media_type(), bytes)).with_extra(
            serde_json::json!({
                "originalSize": original,
                "processedSize": processed,
                "savedPercent": saved,
                "width": tw,
                "height": th,
                "originalWidth": uw,
                "originalHeight": uh,
                "format": plan.target.extension(),
                "quality": (!plan.lossless()).then_some(plan.quality),
                "lossless": plan.lossless(),
            }),
        ),
    )
}

struct OptimizeForWeb;

impl Tool for OptimizeForWeb {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("optimize-for-web", Section::Image, "Optimize for Web", "Resize to fit, re-encode as WebP, JPEG, PNG or AVIF and strip metadata for fast web pages."),
            serde_json::json!({
                    "format": {"enum": ["webp", "jpeg", "png", "avif", "jxl"], "default": "webp",
                               "description": "jxl is not writable on this server (400)."},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 80,
                                "description": "JPEG, WebP and AVIF quality (WebP 100 = lossless); PNG is lossless."},
                    "speed": {"type": "integer", "minimum": avif::MIN_SPEED, "maximum": avif::MAX_SPEED,
                              "default": avif::DEFAULT_SPEED,
                              "description": "AVIF encoder speed: higher is faster, lower compresses better."},
                    "maxWidth": {"type": "integer", "minimum": 1, "maximum": MAX_SIDE},
                    "maxHeight": {"type": "integer", "minimum": 1, "maximum": MAX_SIDE},
                    "progressive": {"type": "boolean", "default": true},
                    "stripMetadata": {"type": "boolean", "default": true}
            }),
            &[],
            Produces::by_setting("format", &["webp", "jpg", "png", "avif"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        optimize(&inputs, settings)
    }

    const OPERATIONS: &'static [&'static str] = &["preview"];

    fn run_operation(
        operation: &str,
        inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        match operation {
            "preview" => optimize(&inputs, settings),
            other => Err(unsupported(format!("unknown operation '{other}'"))),
        }
    }
}

lathe_native_sdk::export_native_tool!(OptimizeForWeb);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_never_enlarges() {
        assert_eq!(fit(100, 50, Some(200), None), (100, 50));
        assert_eq!(fit(400, 200, Some(100), None), (100, 50));
        assert_eq!(fit(400, 200, Some(300), Some(50)), (100, 50));
    }

    #[test]
    fn jxl_is_refused_avif_accepted() {
        assert!(matches!(
            Target::parse(Some("jxl")),
            Err(ToolError::InvalidSettings(m)) if m.contains("webp, jpeg, png, avif")
        ));
        assert_eq!(Target::parse(Some("AVIF")).unwrap(), Target::Avif);
    }
}
