//! Lossy WebP through libwebp (`libwebp-sys`, the reference encoder compiled from its C
//! sources into the component: no pure-Rust lossy WebP encoder exists). Quality 100 keeps
//! the lossless encoder of the `image` crate, so exact pixels stay exact.

use image::DynamicImage;
use lathe_tool_sdk::ToolError;

/// Encodes `image` as a lossy WebP at `quality` (1..=100), keeping alpha when it has one.
pub fn encode_lossy(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, ToolError> {
    let failed = || ToolError::Failed("encoding webp failed".into());
    let (w, h) = (image.width(), image.height());
    // libwebp's own limit on a side.
    if w == 0 || h == 0 || w > 16383 || h > 16383 {
        return Err(ToolError::TooLarge(format!(
            "WebP holds at most 16383 × 16383 pixels, the image is {w} × {h}"
        )));
    }
    let q = quality.clamp(1, 100) as f32;
    let mut out: *mut u8 = std::ptr::null_mut();
    // SAFETY: the pixel buffer lives until the call returns and holds `stride` × `h`
    // bytes; on success libwebp hands back a buffer of `size` bytes that we copy and free
    // with its own `WebPFree`.
    let size = unsafe {
        if image.color().has_alpha() {
            let rgba = image.to_rgba8();
            libwebp_sys::WebPEncodeRGBA(
                rgba.as_ptr(),
                w as i32,
                h as i32,
                (w * 4) as i32,
                q,
                &mut out,
            )
        } else {
            let rgb = image.to_rgb8();
            libwebp_sys::WebPEncodeRGB(
                rgb.as_ptr(),
                w as i32,
                h as i32,
                (w * 3) as i32,
                q,
                &mut out,
            )
        }
    };
    if size == 0 || out.is_null() {
        return Err(failed());
    }
    // SAFETY: `out` points to `size` bytes owned by libwebp (see above).
    let bytes = unsafe { std::slice::from_raw_parts(out, size) }.to_vec();
    unsafe { libwebp_sys::WebPFree(out.cast()) };
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_lossy_vp8_stream_that_the_image_crate_reads() {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
        }));
        let low = encode_lossy(&img, 10).unwrap();
        let high = encode_lossy(&img, 95).unwrap();
        assert_eq!(&low[..4], b"RIFF");
        assert_eq!(&low[12..16], b"VP8 ", "lossy stream");
        assert!(low.len() < high.len());
        let back = image::load_from_memory(&high).unwrap();
        assert_eq!((back.width(), back.height()), (64, 48));
    }
}
