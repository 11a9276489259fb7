//! `image/gif-tools`: edit animated GIFs frame by frame: resize, optimize (re-encode),
//! change speed, reverse, extract frames as PNG/WebP, rotate/flip, caption every frame
//! (`add-text`), set the loop count. Seed 001 names the operation `action` (with
//! `extract-frames`); the peer's `mode` is the same setting.
//!
//! Every frame is decoded to a full-canvas RGBA image (the decoder composites frame
//! disposal), so the whole animation is bounded by [`MAX_TOTAL_PIXELS`]. "optimize" is a
//! plain re-encode with the chosen effort (fewer colour-quantisation shortcuts at higher
//! effort); no inter-frame delta optimisation is done.
//!
//! The sub-route `info` reports the frame count, canvas size, per-frame delays, total
//! duration and loop count from the GIF's headers, without decoding any pixels.

use std::io::Cursor;

use lathe_image_kit::image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use lathe_image_kit::image::Rgba;
use lathe_image_kit::image::{imageops, AnimationDecoder, Delay, DynamicImage, Frame, RgbaImage};
use lathe_image_kit::{encode, EncodeOptions, ImageFormat};
use lathe_layout_kit::parse_hex;
use lathe_text_kit::{draw, render, wrap, Anchor, Face, Stroke, Style};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// The most pixels all decoded frames together may hold (frames × width × height).
pub const MAX_TOTAL_PIXELS: u64 = 200_000_000;

/// Shortest frame delay written, in milliseconds (browsers slow down shorter delays).
const MIN_DELAY_MS: f64 = 20.0;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "action")]
    mode: Option<String>,
    width: Option<i64>,
    height: Option<i64>,
    percentage: Option<f64>,
    effort: Option<i64>,
    speed_factor: Option<f64>,
    extract_mode: Option<String>,
    frame_number: Option<i64>,
    frame_start: Option<i64>,
    frame_end: Option<i64>,
    extract_format: Option<String>,
    angle: Option<i64>,
    flip_h: Option<bool>,
    flip_v: Option<bool>,
    #[serde(rename = "loop")]
    loop_count: Option<i64>,
    /// `add-text`: the caption, where it goes, its size and colour.
    text: Option<String>,
    position: Option<String>,
    font_size: Option<f64>,
    color: Option<String>,
}

/// Seed 001's `action` names for the peer's `mode`s (`extract-frames` → `extract`).
fn canonical_mode(name: &str) -> String {
    match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "extract-frames" | "extract-frame" | "frames" => "extract".into(),
        "addtext" | "text" => "add-text".into(),
        other => other.to_string(),
    }
}

/// The caption of `add-text`, rendered once with a dark outline (legible on any frame)
/// and its top-left corner on a `w` × `h` canvas.
fn caption(s: &Settings, w: u32, h: u32) -> Result<(RgbaImage, i64, i64), ToolError> {
    let text = s.text.as_deref().map(str::trim).unwrap_or("");
    if text.is_empty() || text.chars().count() > 200 {
        return Err(invalid_settings(
            "add-text needs a text of 1 to 200 characters",
        ));
    }
    let anchor = match s.position.as_deref() {
        None => Anchor::Bottom,
        Some(p) => Anchor::from_name(p).ok_or_else(|| {
            invalid_settings(format!(
                "position must be top, center, bottom (or a corner such as top-left), got '{p}'"
            ))
        })?,
    };
    let default_size = (h as f64 / 8.0).clamp(12.0, 72.0);
    let size = check_range("fontSize", s.font_size.unwrap_or(default_size), 6.0, 400.0)? as f32;
    let color = parse_hex("color", s.color.as_deref().unwrap_or("#ffffff"))?;
    let mut style = Style::new(Face::SansBold, size, color);
    style.stroke = Some(Stroke {
        width: (size / 12.0).max(1.0),
        color: Rgba([0, 0, 0, color[3]]),
    });
    let lines = wrap(style.face, size, text, w as f32 * 0.92);
    let tile = render(&lines, &style)?;
    let margin = (w.min(h) / 20).max(2);
    let (x, y) = anchor.place((w, h), tile.dimensions(), margin);
    Ok((tile, x, y))
}

fn bad_gif(e: impl std::fmt::Display) -> ToolError {
    ToolError::UnsupportedInput(format!("not a readable GIF: {e}"))
}

/// Decodes every frame of a GIF, bounded by [`MAX_TOTAL_PIXELS`].
fn decode_frames(data: &[u8]) -> Result<Vec<Frame>, ToolError> {
    if !data.starts_with(b"GIF87a") && !data.starts_with(b"GIF89a") {
        return Err(ToolError::UnsupportedInput("the file is not a GIF".into()));
    }
    let decoder = GifDecoder::new(Cursor::new(data)).map_err(bad_gif)?;
    let (w, h) = lathe_image_kit::image::ImageDecoder::dimensions(&decoder);
    let per_frame = (w as u64 * h as u64).max(1);
    let mut total = 0u64;
    let mut frames = Vec::new();
    for frame in decoder.into_frames() {
        total += per_frame;
        if total > MAX_TOTAL_PIXELS {
            return Err(ToolError::TooLarge(format!(
                "the animation holds more than {} megapixels over all frames",
                MAX_TOTAL_PIXELS / 1_000_000
            )));
        }
        frames.push(frame.map_err(bad_gif)?);
    }
    if frames.is_empty() {
        return Err(ToolError::UnsupportedInput("the GIF has no frames".into()));
    }
    Ok(frames)
}

fn delay_ms(frame: &Frame) -> f64 {
    let (n, d) = frame.delay().numer_denom_ms();
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// Most frames `info` walks through (a GIF's frames cost no pixel memory there).
const MAX_INFO_FRAMES: usize = 100_000;

/// Frame count, canvas size, delays, duration and loop count of a GIF, read from its
/// headers (frame data is skipped, not decoded into pixels).
fn gif_info(data: &[u8]) -> Result<serde_json::Value, ToolError> {
    if !data.starts_with(b"GIF87a") && !data.starts_with(b"GIF89a") {
        return Err(ToolError::UnsupportedInput("the file is not a GIF".into()));
    }
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options.read_info(Cursor::new(data)).map_err(bad_gif)?;
    let (width, height) = (decoder.width(), decoder.height());
    let mut delays: Vec<u64> = Vec::new();
    while let Some(frame) = decoder.next_frame_info().map_err(bad_gif)? {
        // GIF delays are in hundredths of a second.
        delays.push(frame.delay as u64 * 10);
        if delays.len() > MAX_INFO_FRAMES {
            return Err(ToolError::TooLarge(format!(
                "the GIF has more than {MAX_INFO_FRAMES} frames"
            )));
        }
    }
    if delays.is_empty() {
        return Err(ToolError::UnsupportedInput("the GIF has no frames".into()));
    }
    // Same meaning as the `loop` setting: 0 loops forever; without a NETSCAPE loop
    // extension the animation plays once.
    let (loop_count, forever) = match decoder.repeat() {
        gif::Repeat::Infinite => (0u16, true),
        gif::Repeat::Finite(0) => (1, false),
        gif::Repeat::Finite(n) => (n, false),
    };
    let total: u64 = delays.iter().sum();
    Ok(serde_json::json!({
        "frames": delays.len(),
        "width": width,
        "height": height,
        "delays": delays,
        "duration": total,
        "durationMs": total,
        "loop": loop_count,
        "loopsForever": forever,
        "animated": delays.len() > 1,
        "size": data.len()
    }))
}

/// Encodes frames as an animated GIF.
fn encode_gif(frames: Vec<Frame>, repeat: Repeat, speed: i32) -> Result<Vec<u8>, ToolError> {
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, speed);
        encoder
            .set_repeat(repeat)
            .map_err(|e| ToolError::Failed(format!("GIF encoding failed: {e}")))?;
        encoder
            .encode_frames(frames)
            .map_err(|e| ToolError::Failed(format!("GIF encoding failed: {e}")))?;
    }
    Ok(out)
}

/// Maps each frame's pixels, keeping its delay.
fn map_frames(frames: Vec<Frame>, f: impl Fn(&RgbaImage) -> RgbaImage) -> Vec<Frame> {
    frames
        .into_iter()
        .map(|fr| {
            let delay = fr.delay();
            Frame::from_parts(f(fr.buffer()), 0, 0, delay)
        })
        .collect()
}

/// The target size for resize mode.
fn resize_target(s: &Settings, w: u32, h: u32) -> Result<(u32, u32), ToolError> {
    let dim = |name: &str, v: i64| check_range(name, v, 1, 16384).map(|v| v as u32);
    let scaled = |v: u32, f: f64| ((v as f64 * f).round() as u32).clamp(1, 16384);
    match (s.width, s.height, s.percentage) {
        (Some(tw), Some(th), _) => Ok((dim("width", tw)?, dim("height", th)?)),
        (Some(tw), None, _) => {
            let tw = dim("width", tw)?;
            Ok((tw, scaled(h, tw as f64 / w as f64)))
        }
        (None, Some(th), _) => {
            let th = dim("height", th)?;
            Ok((scaled(w, th as f64 / h as f64), th))
        }
        (None, None, Some(p)) => {
            let p = check_range("percentage", p, 1.0, 500.0)?;
            Ok((scaled(w, p / 100.0), scaled(h, p / 100.0)))
        }
        (None, None, None) => Err(invalid_settings("resize needs width, height or percentage")),
    }
}

/// Extracts frames as still images.
fn extract(input: &Input, s: &Settings, frames: Vec<Frame>) -> Result<Output, ToolError> {
    let format = match s.extract_format.as_deref().unwrap_or("png") {
        "png" => ImageFormat::Png,
        "webp" => ImageFormat::WebP,
        other => {
            return Err(invalid_settings(format!(
                "extractFormat must be png or webp, got '{other}'"
            )))
        }
    };
    let last = frames.len() as i64 - 1;
    let (start, end) = match s.extract_mode.as_deref().unwrap_or("single") {
        "single" => {
            let n = check_range("frameNumber", s.frame_number.unwrap_or(0), 0, last)?;
            (n, n)
        }
        "range" => {
            let a = check_range("frameStart", s.frame_start.unwrap_or(0), 0, last)?;
            let b = check_range("frameEnd", s.frame_end.unwrap_or(last), a, last)?;
            (a, b)
        }
        "all" => (0, last),
        other => {
            return Err(invalid_settings(format!(
                "extractMode must be single, range or all, got '{other}'"
            )))
        }
    };
    let width = last.to_string().len();
    let mut files = Vec::new();
    for (i, frame) in frames
        .into_iter()
        .enumerate()
        .skip(start as usize)
        .take((end - start + 1) as usize)
    {
        let image = DynamicImage::ImageRgba8(frame.into_buffer());
        let bytes = encode(&image, format, EncodeOptions { quality: 90 })?;
        let name = if start == end {
            format!("{}-frame-{i}.{}", input.stem(), format.extension())
        } else {
            format!("{}-frame-{i:0width$}.{}", input.stem(), format.extension())
        };
        files.push(OutputFile::new(name, format.media_type(), bytes));
    }
    let count = files.len();
    let out = if count == 1 {
        Output::file(files.remove(0))
    } else {
        Output::files(files)
    };
    Ok(out.with_extra(serde_json::json!({
        "mode": "extract",
        "frames": count,
        "firstFrame": start,
        "lastFrame": end
    })))
}

struct GifTools;

impl Tool for GifTools {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("gif-tools", Section::Image, "GIF Tools", "Resize, re-encode, speed up, reverse, rotate or caption animated GIFs, or extract their frames."),
            serde_json::json!({
                    "action": {"enum": ["resize", "optimize", "speed", "reverse", "extract-frames", "rotate", "add-text"], "default": "resize", "description": "Seed 001's name of mode."},
                    "mode": {"enum": ["resize", "optimize", "speed", "reverse", "extract", "rotate", "add-text"], "default": "resize"},
                    "text": {"type": "string", "minLength": 1, "maxLength": 200, "description": "add-text: the caption."},
                    "position": {"type": "string", "default": "bottom", "description": "add-text: top, center, bottom or a corner (top-left ...)."},
                    "fontSize": {"type": "number", "minimum": 6, "maximum": 400, "description": "add-text: pixels; default an eighth of the height."},
                    "color": {"type": "string", "default": "#ffffff", "description": "add-text: hex colour (outlined in black)."},
                    "width": {"type": "integer", "minimum": 1, "maximum": 16384},
                    "height": {"type": "integer", "minimum": 1, "maximum": 16384},
                    "percentage": {"type": "number", "minimum": 1, "maximum": 500},
                    "effort": {"type": "integer", "minimum": 1, "maximum": 10, "default": 7},
                    "speedFactor": {"type": "number", "minimum": 0.1, "maximum": 10, "default": 1},
                    "extractMode": {"enum": ["single", "range", "all"], "default": "single"},
                    "frameNumber": {"type": "integer", "minimum": 0, "default": 0},
                    "frameStart": {"type": "integer", "minimum": 0, "default": 0},
                    "frameEnd": {"type": "integer", "minimum": 0},
                    "extractFormat": {"enum": ["png", "webp"], "default": "png"},
                    "angle": {"enum": [90, 180, 270]},
                    "flipH": {"type": "boolean", "default": false},
                    "flipV": {"type": "boolean", "default": false},
                    "loop": {"type": "integer", "minimum": 0, "maximum": 100, "default": 0}
            }),
            &["gif"],
            Produces::types(&["gif", "png", "webp", "zip"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let mode = canonical_mode(s.mode.as_deref().unwrap_or("resize"));
        let loop_count = check_range("loop", s.loop_count.unwrap_or(0), 0, 100)?;
        let repeat = if loop_count == 0 {
            Repeat::Infinite
        } else {
            Repeat::Finite(loop_count as u16)
        };
        let effort = check_range("effort", s.effort.unwrap_or(7), 1, 10)?;
        // GifEncoder speed: 1 (best quantisation) .. 30 (fastest).
        let speed = (31 - effort * 3).clamp(1, 30) as i32;
        let known = [
            "resize", "optimize", "speed", "reverse", "extract", "rotate", "add-text",
        ];
        if !known.contains(&mode.as_str()) {
            return Err(invalid_settings(format!(
                "mode must be one of {}, got '{mode}'",
                known.join(", ")
            )));
        }
        let speed_factor = check_range("speedFactor", s.speed_factor.unwrap_or(1.0), 0.1, 10.0)?;
        let angle = s.angle.unwrap_or(0);
        if ![0, 90, 180, 270].contains(&angle) {
            return Err(invalid_settings("angle must be 90, 180 or 270"));
        }
        let input = &inputs[0];
        let mut frames = decode_frames(&input.data)?;
        if mode == "extract" {
            // `extract-frames` (seed 001) means every frame unless a mode is given.
            let mut s = s;
            let plural = s.mode.as_deref().is_some_and(|m| m.contains("frames"));
            if plural && s.extract_mode.is_none() {
                s.extract_mode = Some("all".into());
            }
            return extract(input, &s, frames);
        }
        let (w, h) = frames[0].buffer().dimensions();
        match mode.as_str() {
            "resize" => {
                let (tw, th) = resize_target(&s, w, h)?;
                let total = frames.len() as u64 * tw as u64 * th as u64;
                if total > MAX_TOTAL_PIXELS {
                    return Err(ToolError::TooLarge(
                        "the resized animation would be too large".into(),
                    ));
                }
                frames = map_frames(frames, |b| {
                    imageops::resize(b, tw, th, imageops::FilterType::Triangle)
                });
            }
            "speed" => {
                frames = frames
                    .into_iter()
                    .map(|fr| {
                        let ms = (delay_ms(&fr) / speed_factor).max(MIN_DELAY_MS).round();
                        let delay = Delay::from_numer_denom_ms(ms as u32, 1);
                        Frame::from_parts(fr.into_buffer(), 0, 0, delay)
                    })
                    .collect();
            }
            "reverse" => frames.reverse(),
            "add-text" => {
                let (tile, x, y) = caption(&s, w, h)?;
                frames = map_frames(frames, |b| {
                    let mut img = b.clone();
                    draw(&mut img, &tile, x, y, 1.0);
                    img
                });
            }
            "rotate" => {
                let (fh, fv) = (s.flip_h.unwrap_or(false), s.flip_v.unwrap_or(false));
                if angle == 0 && !fh && !fv {
                    return Err(invalid_settings("rotate needs angle, flipH or flipV"));
                }
                frames = map_frames(frames, |b| {
                    let mut img = match angle {
                        90 => imageops::rotate90(b),
                        180 => imageops::rotate180(b),
                        270 => imageops::rotate270(b),
                        _ => b.clone(),
                    };
                    if fh {
                        img = imageops::flip_horizontal(&img);
                    }
                    if fv {
                        img = imageops::flip_vertical(&img);
                    }
                    img
                });
            }
            _ => {} // optimize: re-encode as is.
        }
        let count = frames.len();
        let (ow, oh) = frames[0].buffer().dimensions();
        let bytes = encode_gif(frames, repeat, speed)?;
        let file = OutputFile::new(format!("{}.gif", input.stem()), "image/gif", bytes);
        Ok(Output::file(file).with_extra(serde_json::json!({
            "mode": mode,
            "frames": count,
            "width": ow,
            "height": oh,
            "loop": loop_count
        })))
    }

    const OPERATIONS: &'static [&'static str] = &["info"];

    fn run_operation(
        operation: &str,
        inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        if operation != "info" {
            return Err(ToolError::UnsupportedInput(format!(
                "unknown operation '{operation}'"
            )));
        }
        let _: serde_json::Value = parse_settings(settings)?;
        let input = match inputs.as_slice() {
            [one] => one,
            [] => return Err(ToolError::UnsupportedInput("upload one GIF".into())),
            _ => {
                return Err(ToolError::UnsupportedInput(
                    "info takes one GIF at a time".into(),
                ))
            }
        };
        Ok(Output::default().with_extra(gif_info(&input.data)?))
    }
}

lathe_tool_sdk::export_tool!(GifTools);
