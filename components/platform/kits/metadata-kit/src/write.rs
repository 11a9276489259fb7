//! Writing new EXIF and XMP blocks into a JPEG, PNG or WebP container without touching
//! anything else in it (the compressed image data is copied byte for byte).

use img_parts::jpeg::{markers, Jpeg, JpegSegment};
use img_parts::png::{Png, PngChunk};
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};
use lathe_tool_sdk::ToolError;

use crate::{is_png_xmp, png_xmp_itxt, Container, JPEG_XMP_EXT_ID, JPEG_XMP_ID};

/// Largest payload a JPEG APP1 segment holds.
const MAX_JPEG_SEGMENT: usize = 65533;

fn write_fail(e: impl std::fmt::Display) -> ToolError {
    ToolError::Failed(format!("cannot write the edited file: {e}"))
}

/// Writes `exif` (a TIFF-structured block) and/or an XMP `packet` into the file `data`,
/// a `container`; a block given as `None` is left as it is, everything else is kept.
///
/// The XMP packet replaces the old one (and any extended-XMP parts): in a JPEG it goes
/// after the leading APP0/APP1 segments, in a PNG right after `IHDR`, in a WebP at the
/// end (with the VP8X flags recomputed). A block too large for a JPEG segment is refused
/// with 413.
pub fn write_blocks(
    data: &[u8],
    container: Container,
    exif: Option<Vec<u8>>,
    xmp: Option<String>,
) -> Result<Vec<u8>, ToolError> {
    let bytes = Bytes::copy_from_slice(data);
    let corrupt = |e: img_parts::Error| {
        ToolError::UnsupportedInput(format!("the {} file is corrupt: {e}", container.name()))
    };
    let mut out = Vec::with_capacity(data.len() + 4096);
    match container {
        Container::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(corrupt)?;
            if let Some(exif) = exif {
                if exif.len() + 6 > MAX_JPEG_SEGMENT {
                    return Err(ToolError::TooLarge(
                        "the EXIF block would not fit in a JPEG segment (64 KiB)".into(),
                    ));
                }
                jpeg.set_exif(Some(exif.into()));
            }
            if let Some(packet) = xmp {
                let mut contents = JPEG_XMP_ID.to_vec();
                contents.extend_from_slice(packet.as_bytes());
                if contents.len() > MAX_JPEG_SEGMENT {
                    return Err(ToolError::TooLarge(
                        "the XMP packet would not fit in a JPEG segment (64 KiB)".into(),
                    ));
                }
                let segments = jpeg.segments_mut();
                segments.retain(|seg| {
                    !(seg.marker() == markers::APP1
                        && (seg.contents().starts_with(JPEG_XMP_ID)
                            || seg.contents().starts_with(JPEG_XMP_EXT_ID)))
                });
                // After the APP0/APP1 segments at the start, before anything else.
                let at = segments
                    .iter()
                    .position(|seg| !matches!(seg.marker(), markers::APP0 | markers::APP1))
                    .unwrap_or(segments.len());
                segments.insert(
                    at,
                    JpegSegment::new_with_contents(markers::APP1, contents.into()),
                );
            }
            jpeg.encoder().write_to(&mut out).map_err(write_fail)?;
        }
        Container::Png => {
            let mut png = Png::from_bytes(bytes).map_err(corrupt)?;
            if let Some(exif) = exif {
                png.set_exif(Some(exif.into()));
            }
            if let Some(packet) = xmp {
                let chunks = png.chunks_mut();
                chunks.retain(|c| !(&c.kind() == b"iTXt" && is_png_xmp(c.contents())));
                let at = chunks.len().min(1);
                chunks.insert(at, PngChunk::new(*b"iTXt", png_xmp_itxt(&packet).into()));
            }
            png.encoder().write_to(&mut out).map_err(write_fail)?;
        }
        Container::WebP => {
            let mut webp = WebP::from_bytes(bytes).map_err(corrupt)?;
            let exif = match exif {
                Some(e) => Some(Bytes::from(e)),
                None => webp.exif(),
            };
            if let Some(packet) = xmp {
                webp.remove_chunks_by_id(*b"XMP ");
                webp.chunks_mut().push(RiffChunk::new(
                    *b"XMP ",
                    RiffContent::Data(packet.into_bytes().into()),
                ));
            }
            // Setting EXIF also recomputes the VP8X flags (EXIF, XMP) and adds VP8X.
            webp.set_exif(exif);
            webp.encoder().write_to(&mut out).map_err(write_fail)?;
        }
    }
    Ok(out)
}
