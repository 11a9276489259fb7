//! Bounded decoding with EXIF orientation and JPEG shrink-on-load.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader};
use lathe_tool_sdk::{Input, ToolError};

/// Largest image (width × height) a tool will decode: 100 megapixels. A file whose header
/// claims more is refused before any pixel memory is allocated.
pub const MAX_PIXELS: u64 = 100_000_000;

/// A decoded image and what was learned while decoding it.
pub struct Decoded {
    /// Pixels, already turned upright per EXIF orientation.
    pub image: DynamicImage,
    /// The source format.
    pub format: image::ImageFormat,
}

/// Header facts about an image, read without decoding pixels.
#[derive(Debug, Clone)]
pub struct ImageProbe {
    /// Source format.
    pub format: image::ImageFormat,
    /// Stored width (before orientation).
    pub width: u32,
    /// Stored height (before orientation).
    pub height: u32,
    /// Colour type of the stored pixels.
    pub color: image::ColorType,
    /// EXIF orientation, if any.
    pub orientation: image::metadata::Orientation,
    /// Raw EXIF block, if the file has one.
    pub exif: Option<Vec<u8>>,
    /// ICC profile, if the file has one.
    pub icc: Option<Vec<u8>>,
}

impl ImageProbe {
    /// Width and height after applying the EXIF orientation.
    pub fn upright_dimensions(&self) -> (u32, u32) {
        use image::metadata::Orientation::*;
        match self.orientation {
            Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH => (self.height, self.width),
            _ => (self.width, self.height),
        }
    }
}

fn reader(data: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, ToolError> {
    let reader = ImageReader::new(Cursor::new(data))
        .with_guessed_format()
        .map_err(|e| ToolError::UnsupportedInput(format!("cannot read image: {e}")))?;
    match reader.format() {
        Some(_) => Ok(reader),
        None => Err(ToolError::UnsupportedInput(
            "not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF, BMP, ICO)".into(),
        )),
    }
}

fn bad_image(e: image::ImageError) -> ToolError {
    match e {
        image::ImageError::Limits(l) => {
            ToolError::TooLarge(format!("image exceeds decoding limits: {l}"))
        }
        image::ImageError::Unsupported(u) => {
            ToolError::UnsupportedInput(format!("unsupported image: {u}"))
        }
        other => ToolError::UnsupportedInput(format!("invalid image: {other}")),
    }
}

fn check_pixels(width: u32, height: u32) -> Result<(), ToolError> {
    let pixels = width as u64 * height as u64;
    if pixels > MAX_PIXELS {
        return Err(ToolError::TooLarge(format!(
            "image is {width}x{height} ({} MP); the limit is {} MP",
            pixels / 1_000_000,
            MAX_PIXELS / 1_000_000
        )));
    }
    if pixels == 0 {
        return Err(ToolError::UnsupportedInput("image has no pixels".into()));
    }
    Ok(())
}

/// Reads an image's header: format, size, orientation, metadata blocks.
pub fn probe(input: &Input) -> Result<ImageProbe, ToolError> {
    let reader = reader(&input.data)?;
    let format = reader.format().expect("checked by reader()");
    let mut decoder = reader.into_decoder().map_err(bad_image)?;
    let (width, height) = decoder.dimensions();
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let exif = decoder.exif_metadata().ok().flatten();
    let icc = decoder.icc_profile().ok().flatten();
    Ok(ImageProbe {
        format,
        width,
        height,
        color: decoder.color_type(),
        orientation,
        exif,
        icc,
    })
}

/// Decodes an image at full size, bounded by [`MAX_PIXELS`], turned upright.
pub fn decode(input: &Input) -> Result<Decoded, ToolError> {
    let reader = reader(&input.data)?;
    let format = reader.format().expect("checked by reader()");
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 8);
    let mut reader = reader;
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(bad_image)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(bad_image)?;
    image.apply_orientation(orientation);
    Ok(Decoded { image, format })
}

/// Decodes an image that will be scaled down to at least `min_width` × `min_height`
/// (upright). JPEGs are decoded at the smallest DCT scale (1/8, 1/4, 1/2) that still
/// covers the target; other formats decode at full size.
pub fn decode_with_target(
    input: &Input,
    min_width: u32,
    min_height: u32,
) -> Result<Decoded, ToolError> {
    let head = probe(input)?;
    check_pixels(head.width, head.height)?;
    if head.format != image::ImageFormat::Jpeg {
        return decode(input);
    }
    // The target is upright; the JPEG's stored axes may be swapped by its orientation.
    let (upright_w, _) = head.upright_dimensions();
    let (need_w, need_h) = if upright_w == head.width {
        (min_width, min_height)
    } else {
        (min_height, min_width)
    };
    if need_w.saturating_mul(2) > head.width && need_h.saturating_mul(2) > head.height {
        return decode(input);
    }
    match decode_jpeg_scaled(input, need_w, need_h) {
        Ok(mut image) => {
            image.apply_orientation(head.orientation);
            Ok(Decoded {
                image,
                format: head.format,
            })
        }
        // jpeg-decoder rejects a few exotic JPEGs that zune-jpeg reads; fall back to it.
        Err(_) => decode(input),
    }
}

fn decode_jpeg_scaled(input: &Input, width: u32, height: u32) -> Result<DynamicImage, ToolError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(&input.data[..]));
    let fit = |v: u32| v.clamp(1, u16::MAX as u32) as u16;
    decoder
        .scale(fit(width), fit(height))
        .map_err(|e| ToolError::UnsupportedInput(format!("invalid JPEG: {e}")))?;
    let pixels = decoder
        .decode()
        .map_err(|e| ToolError::UnsupportedInput(format!("invalid JPEG: {e}")))?;
    let info = decoder
        .info()
        .ok_or_else(|| ToolError::UnsupportedInput("invalid JPEG".into()))?;
    let (w, h) = (info.width as u32, info.height as u32);
    let bad = || ToolError::Failed("JPEG decoder returned a short buffer".into());
    match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => image::RgbImage::from_raw(w, h, pixels)
            .map(DynamicImage::ImageRgb8)
            .ok_or_else(bad),
        jpeg_decoder::PixelFormat::L8 => image::GrayImage::from_raw(w, h, pixels)
            .map(DynamicImage::ImageLuma8)
            .ok_or_else(bad),
        other => Err(ToolError::UnsupportedInput(format!(
            "JPEG pixel format {other:?} needs the full decoder"
        ))),
    }
}
