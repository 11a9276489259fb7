//! Image decoding and encoding for Lathe's image tools.
//!
//! Decoding is bounded: dimensions are read from the header first and anything over
//! [`MAX_PIXELS`] is refused before a pixel buffer is allocated (decompression bombs).
//! EXIF orientation is applied so results look the way cameras and browsers show them.
//! JPEGs can be decoded at 1/2, 1/4 or 1/8 scale in the DCT when the caller only needs a
//! smaller image ("shrink-on-load"), which is what makes downscaling large photos cheap.

pub mod avif;
mod decode;
mod encode;
mod format;
pub mod handoff;
mod resize;
mod webp;

pub use decode::{decode, decode_with_target, probe, Decoded, ImageProbe, MAX_PIXELS};
pub use encode::{edited_output, encode, output_file, EncodeOptions};
pub use format::ImageFormat;
pub use resize::resize_exact;

pub use image;
pub use image::{DynamicImage, GenericImageView};

/// The catalog entry of an image tool that takes one image and writes one in the same
/// format (PNG when Lathe cannot write the source's); `properties` is its settings
/// schema's `properties` object.
pub fn one_image_tool_info(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    properties: serde_json::Value,
) -> lathe_tool_sdk::ToolInfo {
    use lathe_tool_sdk::{Produces, Section, ToolInfo};
    ToolInfo::one_file(
        (id, Section::Image, name, description),
        properties,
        &[],
        Produces::types(&["*", "png"]),
    )
}
