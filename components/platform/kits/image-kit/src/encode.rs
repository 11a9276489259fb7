//! Encoders for the output formats, with sensible defaults.

use std::io::Cursor;

use image::DynamicImage;
use lathe_tool_sdk::ToolError;

use crate::ImageFormat;

/// Options for [`encode`].
#[derive(Debug, Clone, Copy)]
pub struct EncodeOptions {
    /// Quality 1..=100 for lossy formats (JPEG; WebP, where 100 means lossless); ignored
    /// by lossless ones.
    pub quality: u8,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self { quality: 80 }
    }
}

/// Encodes `image` as `format`. Alpha is flattened onto white for formats without alpha.
pub fn encode(
    image: &DynamicImage,
    format: ImageFormat,
    options: EncodeOptions,
) -> Result<Vec<u8>, ToolError> {
    let fail = |e: &dyn std::fmt::Display| {
        ToolError::Failed(format!("encoding {} failed: {e}", format.extension()))
    };
    match format {
        ImageFormat::Jpeg => {
            encode_jpeg(image, options.quality.clamp(1, 100)).map_err(|e| fail(&e))
        }
        // Lossy below 100; 100 is lossless (below).
        ImageFormat::WebP if options.quality < 100 => {
            crate::webp::encode_lossy(image, options.quality)
        }
        other => {
            let image = if other.supports_alpha() || !image.color().has_alpha() {
                std::borrow::Cow::Borrowed(image)
            } else {
                std::borrow::Cow::Owned(DynamicImage::ImageRgb8(flatten_on_white(image)))
            };
            let image = match other {
                // GIF and BMP encoders take 8-bit data only.
                ImageFormat::Gif => {
                    std::borrow::Cow::Owned(DynamicImage::ImageRgba8(image.to_rgba8()))
                }
                ImageFormat::Bmp | ImageFormat::WebP if is_wide(&image) => {
                    std::borrow::Cow::Owned(to_8bit(&image))
                }
                _ => image,
            };
            let target = match other {
                ImageFormat::Png => image::ImageFormat::Png,
                ImageFormat::WebP => image::ImageFormat::WebP,
                ImageFormat::Gif => image::ImageFormat::Gif,
                ImageFormat::Tiff => image::ImageFormat::Tiff,
                ImageFormat::Bmp => image::ImageFormat::Bmp,
                ImageFormat::Jpeg => unreachable!(),
            };
            let mut out = Cursor::new(Vec::new());
            image.write_to(&mut out, target).map_err(|e| fail(&e))?;
            Ok(out.into_inner())
        }
    }
}

fn is_wide(image: &DynamicImage) -> bool {
    !matches!(
        image,
        DynamicImage::ImageLuma8(_)
            | DynamicImage::ImageLumaA8(_)
            | DynamicImage::ImageRgb8(_)
            | DynamicImage::ImageRgba8(_)
    )
}

fn to_8bit(image: &DynamicImage) -> DynamicImage {
    if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
    }
}

/// Composites an image with alpha onto white.
fn flatten_on_white(image: &DynamicImage) -> image::RgbImage {
    let rgba = image.to_rgba8();
    let mut out = image::RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = src[3] as u32;
        for c in 0..3 {
            dst[c] = ((src[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, jpeg_encoder::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    // Chroma subsampling trades invisible colour detail for size; keep full chroma at high quality.
    encoder.set_sampling_factor(if quality >= 90 {
        jpeg_encoder::SamplingFactor::R_4_4_4
    } else {
        jpeg_encoder::SamplingFactor::R_4_2_0
    });
    encoder.set_optimized_huffman_tables(false);
    match image {
        DynamicImage::ImageLuma8(gray) => encoder.encode(
            gray.as_raw(),
            gray.width() as u16,
            gray.height() as u16,
            jpeg_encoder::ColorType::Luma,
        )?,
        DynamicImage::ImageRgb8(rgb) => encoder.encode(
            rgb.as_raw(),
            rgb.width() as u16,
            rgb.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        )?,
        other if other.color().has_alpha() => {
            let rgb = flatten_on_white(other);
            encoder.encode(
                rgb.as_raw(),
                rgb.width() as u16,
                rgb.height() as u16,
                jpeg_encoder::ColorType::Rgb,
            )?
        }
        other => {
            let rgb = other.to_rgb8();
            encoder.encode(
                rgb.as_raw(),
                rgb.width() as u16,
                rgb.height() as u16,
                jpeg_encoder::ColorType::Rgb,
            )?
        }
    }
    Ok(out)
}

/// Encodes `image` as the download for `input`: in `format`, named `<input stem>.<ext>`.
pub fn output_file(
    input: &lathe_tool_sdk::Input,
    image: &DynamicImage,
    format: ImageFormat,
    quality: u8,
) -> Result<lathe_tool_sdk::OutputFile, ToolError> {
    let bytes = encode(image, format, EncodeOptions { quality })?;
    let name = format!("{}.{}", input.stem(), format.extension());
    Ok(lathe_tool_sdk::OutputFile::new(
        name,
        format.media_type(),
        bytes,
    ))
}

/// The answer of a tool that turns `input` into one edited `image`: the file in the
/// `source` format (PNG when Lathe cannot write it) at `quality`, with the image's
/// `width` and `height` and the fields of `extra` (a JSON object) in the answer.
pub fn edited_output(
    input: &lathe_tool_sdk::Input,
    image: &DynamicImage,
    source: image::ImageFormat,
    quality: u8,
    extra: serde_json::Value,
) -> Result<lathe_tool_sdk::Output, ToolError> {
    let file = output_file(input, image, ImageFormat::same_as(source), quality)?;
    let mut answer = serde_json::json!({"width": image.width(), "height": image.height()});
    if let (Some(map), serde_json::Value::Object(more)) = (answer.as_object_mut(), extra) {
        map.extend(more);
    }
    Ok(lathe_tool_sdk::Output::file(file).with_extra(answer))
}
