//! `image/gif-webp`: convert animated GIF to animated WebP and back, keeping every frame,
//! its delay and the loop count.
//!
//! * GIF → WebP: frames are decoded by the `image` crate (disposal composited, so each
//!   frame is a full canvas) and written as an animated WebP by [`webp_anim`]. The WebP is
//!   always **lossless**: `image-webp`, the only well-kept pure-Rust WebP encoder, writes
//!   VP8L only, so `quality` and `lossless` do not change a WebP result.
//! * WebP → GIF: frames are decoded by `image-webp` and re-quantised to 256 colours per
//!   frame by the `gif` crate (NeuQuant); `quality` picks the quantiser's
//!   effort (100 = most careful).
//!
//! `resizePercent` scales every frame. All frames together are bounded by
//! [`MAX_TOTAL_PIXELS`] (413 beyond).

mod webp_anim;

use std::io::Cursor;

use lathe_image_kit::image::codecs::gif::GifDecoder;
use lathe_image_kit::image::{AnimationDecoder, DynamicImage, RgbaImage};
use lathe_image_kit::{resize_exact, MAX_PIXELS};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::json;

/// The most pixels all decoded frames together may hold (frames × width × height).
pub const MAX_TOTAL_PIXELS: u64 = 200_000_000;

/// Settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    quality: Option<f64>,
    lossless: Option<bool>,
    #[serde(alias = "resize", alias = "scale")]
    resize_percent: Option<f64>,
}

/// A decoded animation: full-canvas RGBA frames with delays in milliseconds.
struct Animation {
    width: u32,
    height: u32,
    frames: Vec<(RgbaImage, u32)>,
    /// Times the animation plays (WebP's loop count); 0 = forever.
    loops: u16,
}

impl Animation {
    /// The decoded `kind` (GIF or WebP) animation; one without frames is refused.
    fn new(
        kind: &str,
        (width, height): (u32, u32),
        frames: Vec<(RgbaImage, u32)>,
        loops: u16,
    ) -> Result<Animation, ToolError> {
        if frames.is_empty() {
            return Err(ToolError::UnsupportedInput(format!(
                "the {kind} has no frames"
            )));
        }
        Ok(Animation {
            width,
            height,
            frames,
            loops,
        })
    }
}

fn bad(kind: &str, e: impl std::fmt::Display) -> ToolError {
    ToolError::UnsupportedInput(format!("not a readable {kind}: {e}"))
}

/// Adds one frame's pixels to the running total, refusing animations over the limit.
fn count_pixels(total: &mut u64, width: u32, height: u32) -> Result<(), ToolError> {
    *total += (width as u64 * height as u64).max(1);
    if *total > MAX_TOTAL_PIXELS {
        return Err(ToolError::TooLarge(format!(
            "the animation holds more than {} megapixels over all frames",
            MAX_TOTAL_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

/// Decodes a GIF: frames via the `image` crate, loop count from the `gif` crate's header.
fn decode_gif(data: &[u8]) -> Result<Animation, ToolError> {
    let loops = {
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::Indexed);
        let mut decoder = options
            .read_info(Cursor::new(data))
            .map_err(|e| bad("GIF", e))?;
        // The NETSCAPE loop extension comes before the first frame's descriptor.
        decoder.next_frame_info().map_err(|e| bad("GIF", e))?;
        // GIF counts repetitions after the first play (no extension: play once); WebP
        // counts plays. Same conversion as libwebp's gif2webp.
        match decoder.repeat() {
            gif::Repeat::Infinite => 0,
            gif::Repeat::Finite(n) => n.saturating_add(1),
        }
    };
    let decoder = GifDecoder::new(Cursor::new(data)).map_err(|e| bad("GIF", e))?;
    let (width, height) = lathe_image_kit::image::ImageDecoder::dimensions(&decoder);
    if width as u64 * height as u64 > MAX_PIXELS {
        return Err(ToolError::TooLarge(format!(
            "the GIF canvas is {width}x{height}; the limit is {} MP",
            MAX_PIXELS / 1_000_000
        )));
    }
    let mut total = 0;
    let mut frames = Vec::new();
    for frame in decoder.into_frames() {
        count_pixels(&mut total, width, height)?;
        let frame = frame.map_err(|e| bad("GIF", e))?;
        let (n, d) = frame.delay().numer_denom_ms();
        let ms = n.checked_div(d).unwrap_or(0);
        frames.push((frame.into_buffer(), ms));
    }
    Animation::new("GIF", (width, height), frames, loops)
}

/// Decodes a WebP (animated or still) with `image-webp`.
fn decode_webp(data: &[u8]) -> Result<Animation, ToolError> {
    let mut decoder =
        image_webp::WebPDecoder::new(Cursor::new(data)).map_err(|e| bad("WebP", e))?;
    let (width, height) = decoder.dimensions();
    if width as u64 * height as u64 > MAX_PIXELS {
        return Err(ToolError::TooLarge(format!(
            "the WebP canvas is {width}x{height}; the limit is {} MP",
            MAX_PIXELS / 1_000_000
        )));
    }
    let size = decoder
        .output_buffer_size()
        .ok_or_else(|| ToolError::TooLarge("the WebP canvas is too large".into()))?;
    let alpha = decoder.has_alpha();
    let to_rgba = |buf: Vec<u8>| -> Result<RgbaImage, ToolError> {
        let img = if alpha {
            RgbaImage::from_raw(width, height, buf).map(DynamicImage::ImageRgba8)
        } else {
            lathe_image_kit::image::RgbImage::from_raw(width, height, buf)
                .map(DynamicImage::ImageRgb8)
        };
        img.map(|i| i.to_rgba8())
            .ok_or_else(|| ToolError::Failed("WebP frame buffer size mismatch".into()))
    };
    let mut total = 0;
    let mut frames = Vec::new();
    let loops;
    if decoder.is_animated() {
        // Without a background colour image-webp ignores "dispose to background"; browsers
        // and libwebp dispose to transparent (the ANIM colour is only a hint), so do that.
        decoder
            .set_background_color([0, 0, 0, 0])
            .map_err(|e| bad("WebP", e))?;
        loops = match decoder.loop_count() {
            image_webp::LoopCount::Forever => 0,
            image_webp::LoopCount::Times(n) => n.get(),
        };
        for _ in 0..decoder.num_frames() {
            count_pixels(&mut total, width, height)?;
            let mut buf = vec![0u8; size];
            let ms = decoder.read_frame(&mut buf).map_err(|e| bad("WebP", e))?;
            frames.push((to_rgba(buf)?, ms));
        }
    } else {
        loops = 0;
        let mut buf = vec![0u8; size];
        decoder.read_image(&mut buf).map_err(|e| bad("WebP", e))?;
        frames.push((to_rgba(buf)?, 0));
    }
    Animation::new("WebP", (width, height), frames, loops)
}

/// Scales every frame by `percent`.
fn resize(anim: Animation, percent: f64) -> Result<Animation, ToolError> {
    if percent >= 100.0 {
        return Ok(anim);
    }
    let w = ((anim.width as f64 * percent / 100.0).round() as u32).max(1);
    let h = ((anim.height as f64 * percent / 100.0).round() as u32).max(1);
    let frames = anim
        .frames
        .into_iter()
        .map(|(img, ms)| {
            let small = resize_exact(&DynamicImage::ImageRgba8(img), w, h)?;
            Ok((small.to_rgba8(), ms))
        })
        .collect::<Result<Vec<_>, ToolError>>()?;
    Ok(Animation {
        width: w,
        height: h,
        frames,
        loops: anim.loops,
    })
}

/// Encodes an animated GIF with NeuQuant at `speed` (1 = best, 30 = fastest). Frames are
/// full canvases, so each is disposed to the background before the next: transparent
/// pixels stay transparent instead of showing the previous frame through.
fn encode_gif(anim: Animation, speed: i32) -> Result<Vec<u8>, ToolError> {
    if anim.width > u16::MAX as u32 || anim.height > u16::MAX as u32 {
        return Err(ToolError::TooLarge(
            "GIF frames are at most 65535 pixels a side".into(),
        ));
    }
    let (w, h) = (anim.width as u16, anim.height as u16);
    let fail = |e: gif::EncodingError| ToolError::Failed(format!("GIF encoding failed: {e}"));
    let mut out = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut out, w, h, &[]).map_err(fail)?;
        // Plays → GIF repetitions; one play needs no loop extension at all.
        match anim.loops {
            0 => encoder.set_repeat(gif::Repeat::Infinite).map_err(fail)?,
            1 => {}
            n => encoder
                .set_repeat(gif::Repeat::Finite(n - 1))
                .map_err(fail)?,
        }
        for (img, ms) in anim.frames {
            let mut rgba = img.into_raw();
            let mut frame = gif::Frame::from_rgba_speed(w, h, &mut rgba, speed.clamp(1, 30));
            // GIF delays are in hundredths of a second.
            frame.delay = ((ms + 5) / 10).min(u16::MAX as u32) as u16;
            frame.dispose = gif::DisposalMethod::Background;
            encoder.write_frame(&frame).map_err(fail)?;
        }
    }
    Ok(out)
}

/// Whether the bytes start like a GIF or a WebP.
fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("gif")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

struct GifWebp;

impl Tool for GifWebp {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("gif-webp", Section::Image, "GIF / WebP converter", "Convert animated GIF to animated WebP (lossless) and WebP to GIF, keeping frames, delays and loop count."),
            json!({
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 80,
                                "description": "GIF output: colour quantisation effort. WebP output is always lossless."},
                    "lossless": {"type": "boolean", "default": false,
                                 "description": "Accepted for compatibility; WebP output is always lossless."},
                    "resizePercent": {"type": "integer", "minimum": 10, "maximum": 100, "default": 100}
            }),
            &["gif", "webp"],
            Produces::types(&["gif", "webp"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let quality = check_range("quality", s.quality.unwrap_or(80.0), 1.0, 100.0)?;
        let percent = check_range(
            "resizePercent",
            s.resize_percent.unwrap_or(100.0),
            10.0,
            100.0,
        )?;
        if quality.fract() != 0.0 || percent.fract() != 0.0 {
            return Err(invalid_settings(
                "quality and resizePercent must be whole numbers",
            ));
        }
        let _ = s.lossless; // WebP output is lossless either way.
        let input = &inputs[0];
        let kind = sniff(&input.data).ok_or_else(|| {
            ToolError::UnsupportedInput("the file is neither a GIF nor a WebP".into())
        })?;
        let (anim, target) = match kind {
            "gif" => (decode_gif(&input.data)?, "webp"),
            _ => (decode_webp(&input.data)?, "gif"),
        };
        let anim = resize(anim, percent)?;
        let (width, height, frames, loops) =
            (anim.width, anim.height, anim.frames.len(), anim.loops);
        let (bytes, media) = if target == "webp" {
            (
                webp_anim::encode(&anim.frames, width, height, loops)?,
                "image/webp",
            )
        } else {
            let speed = (30.0 - (quality - 1.0) * 29.0 / 99.0).round() as i32;
            (encode_gif(anim, speed)?, "image/gif")
        };
        let name = format!("{}.{target}", input.stem());
        Ok(
            Output::file(OutputFile::new(name, media, bytes)).with_extra(json!({
                "format": target,
                "width": width,
                "height": height,
                "frames": frames,
                "loop": loops,
                "lossless": target == "webp",
            })),
        )
    }
}

lathe_tool_sdk::export_tool!(GifWebp);
