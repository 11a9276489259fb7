//! High-quality resampling (Lanczos3, SIMD where the target has it) via fast_image_resize.

use fast_image_resize::{images::Image, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;
use lathe_tool_sdk::ToolError;

/// Resizes to exactly `width` × `height` with Lanczos3. Alpha is premultiplied during
/// resampling so transparent edges do not bleed dark fringes.
pub fn resize_exact(
    src: &DynamicImage,
    width: u32,
    height: u32,
) -> Result<DynamicImage, ToolError> {
    if src.width() == width && src.height() == height {
        return Ok(src.clone());
    }
    // fast_image_resize handles 8-bit L/LA/RGB/RGBA; wider types are reduced to 8 bits.
    let src = match src {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => std::borrow::Cow::Borrowed(src),
        other if other.color().has_alpha() => {
            std::borrow::Cow::Owned(DynamicImage::ImageRgba8(other.to_rgba8()))
        }
        other => std::borrow::Cow::Owned(DynamicImage::ImageRgb8(other.to_rgb8())),
    };
    let pixel_type = match src.as_ref() {
        DynamicImage::ImageLuma8(_) => PixelType::U8,
        DynamicImage::ImageLumaA8(_) => PixelType::U8x2,
        DynamicImage::ImageRgb8(_) => PixelType::U8x3,
        _ => PixelType::U8x4,
    };
    let mut dst = Image::new(width, height, pixel_type);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(src.as_ref(), &mut dst, &options)
        .map_err(|e| ToolError::Failed(format!("resize failed: {e}")))?;
    let buf = dst.into_vec();
    let out = match pixel_type {
        PixelType::U8 => {
            image::GrayImage::from_raw(width, height, buf).map(DynamicImage::ImageLuma8)
        }
        PixelType::U8x2 => {
            image::GrayAlphaImage::from_raw(width, height, buf).map(DynamicImage::ImageLumaA8)
        }
        PixelType::U8x3 => {
            image::RgbImage::from_raw(width, height, buf).map(DynamicImage::ImageRgb8)
        }
        _ => image::RgbaImage::from_raw(width, height, buf).map(DynamicImage::ImageRgba8),
    };
    out.ok_or_else(|| ToolError::Failed("resize produced a short buffer".into()))
}
