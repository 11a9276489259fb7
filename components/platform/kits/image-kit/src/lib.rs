//! Image decoding and encoding for Lathe's image tools.
//!
//! Decoding is bounded: dimensions are read from the header first and anything over
//! [`MAX_PIXELS`] is refused before a pixel buffer is allocated (decompression bombs).
//! EXIF orientation is applied so results look the way cameras and browsers show them.
//! JPEGs can be decoded at 1/2, 1/4 or 1/8 scale in the DCT when the caller only needs a
//! smaller image ("shrink-on-load"), which is what makes downscaling large photos cheap.

#[cfg(feature = "avif")]
pub mod avif;
mod decode;
mod encode;
mod format;
mod resize;
mod webp;

pub use decode::{decode, decode_with_target, probe, Decoded, ImageProbe, MAX_PIXELS};
pub use encode::{encode, output_file, EncodeOptions};
pub use format::ImageFormat;
pub use resize::resize_exact;

pub use image;
pub use image::{DynamicImage, GenericImageView};
