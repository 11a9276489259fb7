//! Bytes an image tool hands to the host's native codecs (`lathe:tool/image-codecs`):
//! recognising a HEIF-family file the sandbox cannot decode, and a quickly written PNG of
//! decoded pixels for the host's encoders to read.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::DynamicImage;
use lathe_tool_sdk::ToolError;
use std::borrow::Cow;

/// The `ftyp` brands of HEIF-family still images and sequences (HEIC, HEIF, AVIF).
const HEIF_BRANDS: [&[u8]; 10] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis",
];

/// Whether the bytes are a HEIF-family file: an ISO-BMFF `ftyp` box whose major or a
/// compatible brand is a HEIF or AVIF brand.
pub fn is_heif_family(data: &[u8]) -> bool {
    if data.len() < 12 || &data[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let end = size.clamp(12, data.len().min(256));
    std::iter::once(&data[8..12])
        .chain(data[16.min(end)..end].chunks_exact(4))
        .any(|brand| HEIF_BRANDS.contains(&brand))
}

/// PNG bytes of `image` (8-bit RGB, or RGBA when it has alpha), compressed for speed rather
/// than size: an intermediate that lives only until the host's encoder has read it.
pub fn fast_png(image: &DynamicImage) -> Result<Vec<u8>, ToolError> {
    let mut out = Vec::new();
    let encoder = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub);
    let image = match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => Cow::Borrowed(image),
        other if other.color().has_alpha() => {
            Cow::Owned(DynamicImage::ImageRgba8(other.to_rgba8()))
        }
        other => Cow::Owned(DynamicImage::ImageRgb8(other.to_rgb8())),
    };
    image
        .write_with_encoder(encoder)
        .map_err(|e| ToolError::Failed(format!("intermediate PNG failed: {e}")))?;
    Ok(out)
}
