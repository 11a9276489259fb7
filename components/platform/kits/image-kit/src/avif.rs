//! AVIF encoding (lossy AV1 still pictures) with the pure-Rust `ravif` / `rav1e` encoder.
//!
//! This module only exists with the `avif` cargo feature, and nothing else in image-kit
//! calls it: the AV1 encoder is about 1.5 MB of wasm, so only the tools that really write
//! AVIF (`image/convert`, `image/optimize-for-web`) enable the feature and call
//! [`encode_avif`] explicitly. [`crate::encode`] and [`crate::ImageFormat`] do not know
//! AVIF, so every other tool keeps refusing it and stays small.
//!
//! In the sandbox (wasm32-wasip2) there are no threads: `ravif` is built without its
//! `threading` feature and told to use one thread, so `rav1e` encodes on the calling
//! thread with a single tile and never touches a thread pool.

use image::DynamicImage;
use lathe_tool_sdk::ToolError;
use ravif::{AlphaColorMode, BitDepth, ColorModel, Encoder, Img};
use rgb::FromSlice;

/// File extension of AVIF files, without the dot.
pub const EXTENSION: &str = "avif";
/// Media type of AVIF files.
pub const MEDIA_TYPE: &str = "image/avif";
/// Slowest (best compression) encoder speed.
pub const MIN_SPEED: u8 = 1;
/// Fastest encoder speed.
pub const MAX_SPEED: u8 = 10;
/// Default encoder speed. The sandbox runs rav1e on one thread, so the slow presets take
/// minutes on a photo. Measured through the API on a noisy 3 MP photo-like image at
/// quality 80: speeds 6, 7 and 8 give the same file size in about the same time, while
/// 9 and 10 are only 1.8x faster but write 4.6x and 6.4x larger files. 8 is the fastest
/// preset that keeps rav1e's good decisions (about 14 s for 3 MP, 54 s for 12 MP on a
/// busy 2-core machine).
pub const DEFAULT_SPEED: u8 = 8;

/// Encodes `image` as a lossy 8-bit AVIF file.
///
/// `quality` is 1..=100 (like JPEG: higher is better and bigger), `speed` is
/// [`MIN_SPEED`]..=[`MAX_SPEED`] (higher is faster and bigger); both are clamped. An
/// alpha channel is kept (as a separate AV1 alpha plane) unless every pixel is opaque;
/// 16-bit and float images are reduced to 8 bits per channel.
pub fn encode_avif(image: &DynamicImage, quality: u8, speed: u8) -> Result<Vec<u8>, ToolError> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    if width == 0 || height == 0 {
        return Err(ToolError::UnsupportedInput("image has no pixels".into()));
    }
    let encoder = Encoder::new()
        .with_quality(f32::from(quality.clamp(1, 100)))
        .with_speed(speed.clamp(MIN_SPEED, MAX_SPEED))
        .with_bit_depth(BitDepth::Eight)
        .with_internal_color_model(ColorModel::YCbCr)
        // Fully transparent pixels may take any colour that compresses well.
        .with_alpha_color_mode(AlphaColorMode::UnassociatedClean)
        // No threads in wasm32-wasip2: one thread also means one tile, no thread pool.
        .with_num_threads(Some(1));
    let fail = |e: ravif::Error| ToolError::Failed(format!("encoding avif failed: {e}"));
    let encoded = if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        encoder
            .encode_rgba(Img::new(rgba.as_raw().as_rgba(), width, height))
            .map_err(fail)?
    } else {
        let rgb = image.to_rgb8();
        encoder
            .encode_rgb(Img::new(rgb.as_raw().as_rgb(), width, height))
            .map_err(fail)?
    };
    Ok(encoded.avif_file)
}
