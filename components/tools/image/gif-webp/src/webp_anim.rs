//! A writer for animated WebP files.
//!
//! Hand-written because no pure-Rust crate encodes animated WebP: `image-webp` encodes one
//! lossless (VP8L) image per call, and libwebp's `WebPAnimEncoder` is C. This module asks
//! `image-webp` for each frame's VP8L bitstream and wraps the frames in the extended RIFF
//! container of the WebP spec (RFC 9649): `VP8X` (animation flag, canvas size), `ANIM`
//! (background colour, loop count) and one `ANMF` per frame (offset, size, duration,
//! blend/dispose flags, then the frame's `VP8L` chunk).
//!
//! Every frame is a full canvas (the decoders composite), so each ANMF sits at (0, 0),
//! covers the canvas, replaces it (no blending) and is not disposed. The result is
//! lossless and bigger than an inter-frame-optimised encoder's would be.

use image_webp::{ColorType, WebPEncoder};
use lathe_image_kit::image::RgbaImage;
use lathe_tool_sdk::ToolError;

/// Largest canvas side a WebP can state (24-bit "minus one" fields; VP8L allows 16384).
const MAX_SIDE: u32 = 16384;
/// Longest frame duration a WebP can state, in milliseconds (24 bits).
const MAX_DURATION_MS: u32 = (1 << 24) - 1;

/// Appends a chunk: fourcc, little-endian size, payload, pad byte to an even length.
fn chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], payload: &[u8]) {
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
}

/// Appends a 24-bit little-endian value.
fn u24(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes()[..3]);
}

/// The VP8L bitstream of one frame, taken from `image-webp`'s simple-format output.
fn vp8l(frame: &RgbaImage) -> Result<Vec<u8>, ToolError> {
    let mut file = Vec::new();
    WebPEncoder::new(&mut file)
        .encode(
            frame.as_raw(),
            frame.width(),
            frame.height(),
            ColorType::Rgba8,
        )
        .map_err(|e| ToolError::Failed(format!("WebP encoding failed: {e}")))?;
    // RIFF <size> WEBP, then chunks; find VP8L.
    let mut pos = 12;
    while pos + 8 <= file.len() {
        let size = u32::from_le_bytes([file[pos + 4], file[pos + 5], file[pos + 6], file[pos + 7]])
            as usize;
        let start = pos + 8;
        let end = start.saturating_add(size).min(file.len());
        if &file[pos..pos + 4] == b"VP8L" {
            return Ok(file[start..end].to_vec());
        }
        pos = end + (size % 2);
    }
    Err(ToolError::Failed(
        "the WebP encoder wrote no VP8L chunk".into(),
    ))
}

/// Encodes full-canvas RGBA frames with their durations (ms) as an animated WebP that
/// plays `loops` times (0 = forever). One frame gives a still (simple-format) WebP.
pub fn encode(
    frames: &[(RgbaImage, u32)],
    width: u32,
    height: u32,
    loops: u16,
) -> Result<Vec<u8>, ToolError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ToolError::TooLarge(format!(
            "WebP images are at most {MAX_SIDE} pixels a side; this one is {width}x{height}"
        )));
    }
    if let [(only, _)] = frames {
        let mut out = Vec::new();
        WebPEncoder::new(&mut out)
            .encode(only.as_raw(), width, height, ColorType::Rgba8)
            .map_err(|e| ToolError::Failed(format!("WebP encoding failed: {e}")))?;
        return Ok(out);
    }
    let has_alpha = frames
        .iter()
        .any(|(img, _)| img.pixels().any(|p| p[3] != 255));

    let mut body = Vec::new();
    body.extend_from_slice(b"WEBP");

    // VP8X: flags (alpha 0x10, animation 0x02), 3 reserved bytes, canvas size minus one.
    let mut vp8x = vec![0x02 | if has_alpha { 0x10 } else { 0 }, 0, 0, 0];
    u24(&mut vp8x, width - 1);
    u24(&mut vp8x, height - 1);
    chunk(&mut body, b"VP8X", &vp8x);

    // ANIM: background colour (BGRA, transparent), loop count.
    let mut anim = vec![0, 0, 0, 0];
    anim.extend_from_slice(&loops.to_le_bytes());
    chunk(&mut body, b"ANIM", &anim);

    for (img, ms) in frames {
        if img.width() != width || img.height() != height {
            return Err(ToolError::Failed("frames differ in size".into()));
        }
        let bitstream = vp8l(img)?;
        let mut anmf = Vec::with_capacity(bitstream.len() + 32);
        u24(&mut anmf, 0); // X offset / 2
        u24(&mut anmf, 0); // Y offset / 2
        u24(&mut anmf, width - 1);
        u24(&mut anmf, height - 1);
        u24(&mut anmf, (*ms).min(MAX_DURATION_MS));
        anmf.push(0b10); // do not blend; do not dispose
        chunk(&mut anmf, b"VP8L", &bitstream);
        chunk(&mut body, b"ANMF", &anmf);
    }

    let size = u32::try_from(body.len())
        .map_err(|_| ToolError::TooLarge("the WebP would exceed 4 GiB".into()))?;
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}
