//! AVIF output settings shared by the tools that write AVIF (`image/convert`,
//! `image/optimize-for-web`). Both are native tools: the host's libaom encodes (through
//! `lathe:tool/image-codecs`, with threads and SIMD), since the sandbox's only AV1 encoder
//! (pure-Rust rav1e, single-threaded) took about a minute for a 12 MP photo and 1.5 MB of
//! wasm per tool. [`crate::encode`] and [`crate::ImageFormat`] do not know AVIF, so every
//! other tool refuses it.

/// File extension of AVIF files, without the dot.
pub const EXTENSION: &str = "avif";
/// Media type of AVIF files.
pub const MEDIA_TYPE: &str = "image/avif";
/// Slowest (best compression) encoder speed of the `speed` setting.
pub const MIN_SPEED: u8 = 1;
/// Fastest encoder speed of the `speed` setting.
pub const MAX_SPEED: u8 = 10;
/// Default `speed`: aom's speed 7, which writes files as small as speed 5 in about half
/// the time on a photo (see docs/performance.md).
pub const DEFAULT_SPEED: u8 = 8;

/// The encoder's own speed (aom's `cpu-used`, 0..=9) for a `speed` setting of
/// [`MIN_SPEED`]..=[`MAX_SPEED`] (clamped).
pub fn aom_speed(speed: u8) -> u8 {
    speed.clamp(MIN_SPEED, MAX_SPEED) - 1
}
