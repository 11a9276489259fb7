//! `image/beautify`: screenshot beautifier. The screenshot gets an optional window or
//! device frame, rounded corners and a soft drop shadow, and sits on a padded background
//! (solid colour, linear or radial gradient, an image, or transparency), optionally on a
//! fixed social-media canvas.
//!
//! Frames are drawn, not pasted from artwork: `macos-*` (title bar with traffic lights),
//! `windows-*` (title bar with window buttons), `browser-*` (tab bar with address field),
//! and simple bezels for `iphone*`, `ipad*` and `macbook*` (the last with a base).
//! `frameTitle` is drawn centred in the title bar of the window frames (in the address
//! field of `browser-*`), dark on light themes and light on dark ones, shortened with an
//! ellipsis when it does not fit between the window controls; device frames have no title
//! bar and ignore it. `watermarkText` is drawn last, on the whole canvas: a small line of
//! text (4 % of the canvas's shorter side, 12 to 64 px, shrunk to fit the width) at
//! `watermarkPosition` (default bottom-right, 3 % margin), at `watermarkOpacity` (default
//! 50 %), white or black, whichever contrasts with the pixels under it. Both texts are at
//! most 200 characters and use the bundled DejaVu Sans faces (lathe-text-kit).
//!
//! Gradients follow CSS: `gradientAngle` 0 points up, 90 right, 135 (default) to the
//! bottom right; stop positions are percentages (0..100), or fractions when all are ≤ 1.
//! The shadow is a three-pass box blur (≈ Gaussian of σ = `shadowBlur` / 2) of the
//! framed screenshot's alpha, so its cost does not grow with the blur radius.

use image::{Rgba, RgbaImage};
use lathe_color_kit::load;
use lathe_image_kit::{decode, encode, DynamicImage, EncodeOptions, ImageFormat};
use lathe_layout_kit::{
    blend, canvas, check_canvas, contain, cover, parse_hex, rounded_rect_coverage,
};
use lathe_text_kit::{self as text, Anchor, Face, Style};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    background_type: Option<String>,
    background_color: Option<String>,
    gradient_stops: Option<Vec<Stop>>,
    gradient_angle: Option<f64>,
    padding: Option<f64>,
    border_radius: Option<f64>,
    shadow_preset: Option<String>,
    shadow_blur: Option<f64>,
    shadow_offset_x: Option<f64>,
    shadow_offset_y: Option<f64>,
    shadow_color: Option<String>,
    shadow_opacity: Option<f64>,
    frame: Option<String>,
    frame_title: Option<String>,
    social_preset: Option<String>,
    watermark_text: Option<String>,
    watermark_position: Option<String>,
    watermark_opacity: Option<f64>,
    #[serde(alias = "format")]
    output_format: Option<String>,
}

/// Longest accepted `frameTitle` or `watermarkText`, in characters.
const MAX_TEXT_CHARS: usize = 200;

/// One gradient stop as clients send it.
#[derive(Debug, Deserialize)]
struct Stop {
    color: String,
    position: f64,
}

/// The background behind the screenshot.
enum Background {
    Solid(Rgba<u8>),
    Linear(Vec<(f32, Rgba<u8>)>, f32),
    Radial(Vec<(f32, Rgba<u8>)>),
    Image,
    Transparent,
}

/// Shadow parameters: Gaussian σ, offset, colour with opacity folded into alpha.
struct Shadow {
    sigma: f32,
    dx: i64,
    dy: i64,
    color: Rgba<u8>,
}

/// Frame families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    None,
    MacOs,
    Windows,
    Browser,
    Phone,
    Tablet,
    Laptop,
}

/// A number setting within `lo..=hi` (or the default when absent).
fn num(field: &str, v: Option<f64>, default: f64, lo: f64, hi: f64) -> Result<f64, ToolError> {
    lathe_color_kit::number(field, v, default, lo, hi)
}

/// Parses `frame` into its family and whether it is the dark variant.
fn parse_frame(v: Option<&str>) -> Result<(FrameKind, bool), ToolError> {
    let v = v.unwrap_or("none").trim().to_ascii_lowercase();
    let (base, dark) = match v.strip_suffix("-dark") {
        Some(b) => (b.to_string(), true),
        None => (v.strip_suffix("-light").unwrap_or(&v).to_string(), false),
    };
    let kind = match base.as_str() {
        "none" => FrameKind::None,
        "macos" => FrameKind::MacOs,
        "windows" => FrameKind::Windows,
        "browser" => FrameKind::Browser,
        "iphone" => FrameKind::Phone,
        "ipad" => FrameKind::Tablet,
        "macbook" => FrameKind::Laptop,
        _ => {
            return Err(invalid_settings(format!(
                "unknown frame '{v}'; use none, macos-light/dark, windows-light/dark, browser-light/dark, iphone(-dark), ipad(-dark) or macbook(-dark)"
            )))
        }
    };
    Ok((kind, dark))
}

/// Canvas size of a social preset, if any.
fn social_size(v: Option<&str>) -> Result<Option<(u32, u32)>, ToolError> {
    Ok(match v.unwrap_or("none").trim() {
        "none" | "" => None,
        "twitter" => Some((1200, 675)),
        "linkedin" => Some((1200, 627)),
        "instagram-square" => Some((1080, 1080)),
        "instagram-story" => Some((1080, 1920)),
        "facebook" => Some((1200, 630)),
        "producthunt" => Some((1270, 760)),
        other => {
            return Err(invalid_settings(format!(
                "unknown socialPreset '{other}'; use none, twitter, linkedin, instagram-square, instagram-story, facebook or producthunt"
            )))
        }
    })
}

/// Parses the gradient stops (default: #667eea → #764ba2), sorted by position (0..1).
fn stops(v: Option<&[Stop]>) -> Result<Vec<(f32, Rgba<u8>)>, ToolError> {
    let Some(list) = v else {
        return Ok(vec![
            (0.0, Rgba([0x66, 0x7e, 0xea, 255])),
            (1.0, Rgba([0x76, 0x4b, 0xa2, 255])),
        ]);
    };
    if list.len() < 2 || list.len() > 32 {
        return Err(invalid_settings("gradientStops needs 2 to 32 stops"));
    }
    let fractions = list.iter().all(|s| s.position <= 1.0);
    let mut out = Vec::with_capacity(list.len());
    for s in list {
        let p = num("gradientStops.position", Some(s.position), 0.0, 0.0, 100.0)?;
        let p = if fractions { p } else { p / 100.0 };
        out.push((p as f32, parse_hex("gradientStops.color", &s.color)?));
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(out)
}

/// The colour of a gradient at `t` (0..1).
fn sample(stops: &[(f32, Rgba<u8>)], t: f32) -> Rgba<u8> {
    let t = t.clamp(0.0, 1.0);
    if t <= stops[0].0 {
        return stops[0].1;
    }
    for pair in stops.windows(2) {
        let ((p0, c0), (p1, c1)) = (pair[0], pair[1]);
        if t <= p1 {
            let f = if p1 > p0 { (t - p0) / (p1 - p0) } else { 1.0 };
            let mut out = [0u8; 4];
            for (i, o) in out.iter_mut().enumerate() {
                *o = (c0.0[i] as f32 + (c1.0[i] as f32 - c0.0[i] as f32) * f).round() as u8;
            }
            return Rgba(out);
        }
    }
    stops[stops.len() - 1].1
}

/// Paints a gradient background.
fn paint(bg: &Background, img: &mut RgbaImage) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    match bg {
        Background::Linear(stops, angle) => {
            let a = angle.to_radians();
            let (dx, dy) = (a.sin(), -a.cos());
            let len = (w * dx).abs() + (h * dy).abs();
            for (x, y, p) in img.enumerate_pixels_mut() {
                let (px, py) = (x as f32 + 0.5 - w / 2.0, y as f32 + 0.5 - h / 2.0);
                *p = sample(stops, (px * dx + py * dy) / len.max(1.0) + 0.5);
            }
        }
        Background::Radial(stops) => {
            let r = (w * w + h * h).sqrt() / 2.0;
            for (x, y, p) in img.enumerate_pixels_mut() {
                let (px, py) = (x as f32 + 0.5 - w / 2.0, y as f32 + 0.5 - h / 2.0);
                *p = sample(stops, (px * px + py * py).sqrt() / r.max(1.0));
            }
        }
        _ => {}
    }
}

/// Fills a rounded rectangle with antialiased edges (source-over).
fn fill_rounded(img: &mut RgbaImage, x0: i64, y0: i64, w: u32, h: u32, r: f32, color: Rgba<u8>) {
    for y in 0..h {
        for x in 0..w {
            let (cx, cy) = (x0 + x as i64, y0 + y as i64);
            if cx < 0 || cy < 0 || cx >= img.width() as i64 || cy >= img.height() as i64 {
                continue;
            }
            let c = rounded_rect_coverage(x, y, w, h, r);
            if c > 0.0 {
                let dst = img.get_pixel_mut(cx as u32, cy as u32);
                *dst = blend(*dst, color, c);
            }
        }
    }
}

/// Fills an antialiased disc of radius `r` centred at `(cx, cy)`.
fn fill_disc(img: &mut RgbaImage, cx: f32, cy: f32, r: f32, color: Rgba<u8>) {
    let (x0, x1) = (
        (cx - r - 1.0).max(0.0) as u32,
        (cx + r + 1.0).min(img.width() as f32) as u32,
    );
    let (y0, y1) = (
        (cy - r - 1.0).max(0.0) as u32,
        (cy + r + 1.0).min(img.height() as f32) as u32,
    );
    for y in y0..y1 {
        for x in x0..x1 {
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            let c = (r - d + 0.5).clamp(0.0, 1.0);
            if c > 0.0 {
                let dst = img.get_pixel_mut(x, y);
                *dst = blend(*dst, color, c);
            }
        }
    }
}

/// Puts the screenshot into its frame; returns the framed image and whether the caller
/// should still round its corners with `borderRadius`.
fn frame(
    shot: RgbaImage,
    kind: FrameKind,
    dark: bool,
    radius: f32,
    title: Option<&str>,
) -> Result<(RgbaImage, bool), ToolError> {
    let (w, h) = shot.dimensions();
    let rgb = |v: u32| Rgba([(v >> 16) as u8, (v >> 8) as u8, v as u8, 255]);
    match kind {
        FrameKind::None => Ok((shot, true)),
        FrameKind::MacOs | FrameKind::Windows | FrameKind::Browser => {
            let bar = ((w as f32 * 0.04).round() as u32).clamp(28, 64)
                + if kind == FrameKind::Browser { 8 } else { 0 };
            let bar_color = if dark { rgb(0x2d2d2f) } else { rgb(0xe9e9eb) };
            let mut out = canvas(w as u64, (h + bar) as u64, bar_color)?;
            image::imageops::replace(&mut out, &shot, 0, bar as i64);
            let cy = bar as f32 / 2.0;
            let dot = bar as f32 * 0.22;
            if kind == FrameKind::Windows {
                let glyph = if dark { rgb(0xdddddd) } else { rgb(0x333333) };
                let s = (bar as f32 * 0.32).round() as u32;
                let gap = (bar as f32 * 1.4) as i64;
                let right = w as i64 - gap / 2 - s as i64;
                // Close (×-ish: a filled square), maximise (outline square), minimise (bar).
                for (i, style) in [2, 1, 0].iter().enumerate() {
                    let x = right - i as i64 * gap;
                    let y = (cy - s as f32 / 2.0) as i64;
                    match style {
                        0 => fill_rounded(&mut out, x, (cy as i64) - 1, s, 2, 0.0, glyph),
                        1 => {
                            fill_rounded(&mut out, x, y, s, s, 1.0, glyph);
                            fill_rounded(
                                &mut out,
                                x + 2,
                                y + 2,
                                s.saturating_sub(4),
                                s.saturating_sub(4),
                                0.0,
                                bar_color,
                            );
                        }
                        _ => fill_rounded(&mut out, x, y, s, s, 1.0, rgb(0xe81123)),
                    }
                }
            } else {
                for (i, c) in [0xff5f57u32, 0xfebc2e, 0x28c840].iter().enumerate() {
                    let cx = bar as f32 * 0.55 + i as f32 * dot * 3.2;
                    fill_disc(&mut out, cx, cy, dot, rgb(*c));
                }
            }
            let ink = if dark { rgb(0xdddddd) } else { rgb(0x333333) };
            let bar_f = bar as f32;
            if kind == FrameKind::Browser {
                let field = if dark { rgb(0x3c3c3f) } else { rgb(0xffffff) };
                let x0 = (bar_f * 0.55 + dot * 9.0) as i64;
                let fh = (bar_f * 0.58) as u32;
                let fw = (w as i64 - x0 - (bar as i64 / 2)).max(0) as u32;
                fill_rounded(
                    &mut out,
                    x0,
                    (cy - fh as f32 / 2.0) as i64,
                    fw,
                    fh,
                    fh as f32 / 2.0,
                    field,
                );
                if let Some(title) = title {
                    // In the address field, clear of its rounded ends.
                    let inset = fh as f32 / 2.0;
                    let (left, right) = (x0 as f32 + inset, x0 as f32 + fw as f32 - inset);
                    draw_title(&mut out, title, left, right, cy, fh as f32 * 0.55, ink)?;
                }
            } else if let Some(title) = title {
                // Centred on the bar, keeping the same distance from both edges: clear of
                // the traffic lights (left) or of the window buttons (right).
                let controls = if kind == FrameKind::Windows {
                    bar_f * 1.4 * 2.5 + bar_f * 0.32
                } else {
                    bar_f * 0.55 + dot * 7.4
                };
                let reserve = controls + bar_f * 0.3;
                draw_title(
                    &mut out,
                    title,
                    reserve,
                    w as f32 - reserve,
                    cy,
                    bar_f * 0.4,
                    ink,
                )?;
            }
            Ok((out, radius > 0.0))
        }
        FrameKind::Phone | FrameKind::Tablet | FrameKind::Laptop => {
            let base = w.min(h) as f32;
            let (t, outer_r, inner_r) = match kind {
                FrameKind::Phone => (base * 0.045, base * 0.14, base * 0.1),
                FrameKind::Tablet => (base * 0.05, base * 0.07, base * 0.03),
                _ => (base * 0.03, base * 0.03, 0.0),
            };
            let t = t.round().max(6.0) as u32;
            let bezel = if dark { rgb(0x1d1d1f) } else { rgb(0xd6d7d9) };
            let (fw, fh) = (w + 2 * t, h + 2 * t);
            let base_h = if kind == FrameKind::Laptop {
                (fw as f32 * 0.035).round().max(6.0) as u32
            } else {
                0
            };
            let overhang = if kind == FrameKind::Laptop {
                (fw as f32 * 0.08).round() as u32
            } else {
                0
            };
            let (cw, ch) = check_canvas((fw + 2 * overhang) as u64, (fh + base_h) as u64)?;
            let mut out = RgbaImage::from_pixel(cw, ch, Rgba([0, 0, 0, 0]));
            fill_rounded(&mut out, overhang as i64, 0, fw, fh, outer_r, bezel);
            let mut screen = shot;
            lathe_layout_kit::round_corners(&mut screen, inner_r);
            image::imageops::overlay(&mut out, &screen, (overhang + t) as i64, t as i64);
            if kind == FrameKind::Laptop {
                let deck = if dark { rgb(0x5b5c60) } else { rgb(0xc4c5c8) };
                fill_rounded(
                    &mut out,
                    0,
                    fh as i64,
                    cw,
                    base_h,
                    base_h as f32 / 2.0,
                    deck,
                );
                let notch_w = (fw as f32 * 0.15) as u32;
                let notch = if dark { rgb(0x3f4043) } else { rgb(0xa9aaad) };
                fill_rounded(
                    &mut out,
                    (cw / 2 - notch_w / 2) as i64,
                    fh as i64,
                    notch_w,
                    (base_h / 3).max(2),
                    2.0,
                    notch,
                );
            }
            Ok((out, false))
        }
    }
}

/// `title` on one line at `size` px, shortened with an ellipsis to fit `max_width`.
fn ellipsize(title: &str, size: f32, max_width: f32) -> String {
    if text::line_width(Face::Sans, size, title) <= max_width {
        return title.to_string();
    }
    let mut chars: Vec<char> = title.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate = format!("{}…", chars.iter().collect::<String>().trim_end());
        if text::line_width(Face::Sans, size, &candidate) <= max_width {
            return candidate;
        }
    }
    String::new()
}

/// Draws `title` (whitespace collapsed to single spaces) in `color`, centred between
/// `left` and `right` and vertically on `cy`; nothing when there is no room.
fn draw_title(
    img: &mut RgbaImage,
    title: &str,
    left: f32,
    right: f32,
    cy: f32,
    size: f32,
    color: Rgba<u8>,
) -> Result<(), ToolError> {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let room = right - left;
    if title.is_empty() || room < size {
        return Ok(());
    }
    let line = ellipsize(&title, size, room);
    if line.is_empty() {
        return Ok(());
    }
    let tile = text::render(&[line], &Style::new(Face::Sans, size, color))?;
    let x = (left + (room - tile.width() as f32) / 2.0).round() as i64;
    let y = (cy - tile.height() as f32 / 2.0).round() as i64;
    text::draw(img, &tile, x, y, 1.0);
    Ok(())
}

/// Draws the watermark `words` at `anchor` on the finished canvas with `opacity` (0..1),
/// in white or black, whichever contrasts more with the pixels under it (transparent
/// pixels count as white, as a JPEG flattens them).
fn draw_watermark(
    img: &mut RgbaImage,
    words: &str,
    anchor: Anchor,
    opacity: f32,
) -> Result<(), ToolError> {
    let (w, h) = img.dimensions();
    let short = w.min(h) as f32;
    let margin = (short * 0.03).round().max(4.0) as u32;
    let size = (short * 0.04).clamp(12.0, 64.0);
    let style = Style::new(Face::SansBold, size, Rgba([255, 255, 255, 255]));
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let room_w = (w as f32 - 2.0 * margin as f32).max(1.0);
    let room_h = (h as f32 / 3.0).max(1.0);
    let (size, lines) = text::fit(&words, &style, room_w, room_h, 6.0, size);
    let mut style = Style { size, ..style };
    let (tw, th) = text::measure(&lines, &style);
    let (x, y) = anchor.place((w, h), (tw, th), margin);
    // Mean luma of the covered pixels, composited on white.
    let (mut sum, mut n) = (0.0f64, 0u64);
    for py in y.max(0)..(y + th as i64).min(h as i64) {
        for px in x.max(0)..(x + tw as i64).min(w as i64) {
            let p = img.get_pixel(px as u32, py as u32).0;
            let a = p[3] as f64 / 255.0;
            let luma = 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
            sum += luma * a + 255.0 * (1.0 - a);
            n += 1;
        }
    }
    if n > 0 && sum / n as f64 > 150.0 {
        style.color = Rgba([0, 0, 0, 255]);
    }
    let tile = text::render(&lines, &style)?;
    text::draw(img, &tile, x, y, opacity);
    Ok(())
}

/// One box-blur pass of radius `r` along rows (`stride` 1) or columns (`stride` `w`).
fn box_pass(
    src: &[f32],
    dst: &mut [f32],
    len: usize,
    lines: usize,
    step: usize,
    line_step: usize,
    r: usize,
) {
    let norm = 1.0 / (2 * r + 1) as f32;
    for l in 0..lines {
        let at = |i: isize| src[l * line_step + (i.clamp(0, len as isize - 1) as usize) * step];
        let mut acc: f32 = (-(r as isize)..=r as isize).map(at).sum();
        for i in 0..len {
            dst[l * line_step + i * step] = acc * norm;
            acc += at(i as isize + r as isize + 1) - at(i as isize - r as isize);
        }
    }
}

/// Approximates a Gaussian blur of σ with three box blurs in each direction.
fn blur(plane: &mut [f32], w: usize, h: usize, sigma: f32) {
    if sigma < 0.5 {
        return;
    }
    let r = ((((12.0 * sigma * sigma / 3.0) + 1.0).sqrt() - 1.0) / 2.0)
        .round()
        .max(1.0) as usize;
    let mut tmp = vec![0.0f32; plane.len()];
    for _ in 0..3 {
        box_pass(plane, &mut tmp, w, h, 1, w, r);
        box_pass(&tmp, plane, h, w, w, 1, r);
    }
}

/// Composites a blurred, offset, coloured copy of `framed`'s alpha onto `bg`.
fn draw_shadow(bg: &mut RgbaImage, framed: &RgbaImage, x: i64, y: i64, s: &Shadow) {
    let (w, h) = (bg.width() as usize, bg.height() as usize);
    let mut plane = vec![0.0f32; w * h];
    for (fx, fy, p) in framed.enumerate_pixels() {
        let (cx, cy) = (x + s.dx + fx as i64, y + s.dy + fy as i64);
        if cx >= 0 && cy >= 0 && (cx as usize) < w && (cy as usize) < h {
            plane[cy as usize * w + cx as usize] = p.0[3] as f32 / 255.0;
        }
    }
    blur(&mut plane, w, h, s.sigma);
    for (p, a) in bg.pixels_mut().zip(&plane) {
        if *a > 0.002 {
            *p = blend(*p, s.color, *a);
        }
    }
}

struct Beautify;

impl Tool for Beautify {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "beautify",
            section: Section::Image,
            name: "Beautify Screenshot",
            description: "Put a screenshot on a padded gradient background with rounded corners, a shadow and an optional window or device frame.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "backgroundType": {"enum": ["solid", "linear-gradient", "radial-gradient", "image", "transparent"], "default": "linear-gradient"},
                    "backgroundColor": {"type": "string", "default": "#667eea"},
                    "gradientStops": {"type": "array", "minItems": 2, "items": {"type": "object", "properties": {"color": {"type": "string"}, "position": {"type": "number", "minimum": 0, "maximum": 100}}}},
                    "gradientAngle": {"type": "number", "minimum": 0, "maximum": 360, "default": 135},
                    "padding": {"type": "integer", "minimum": 0, "maximum": 256, "default": 64},
                    "borderRadius": {"type": "integer", "minimum": 0, "maximum": 64, "default": 12},
                    "shadowPreset": {"enum": ["none", "subtle", "medium", "dramatic", "custom"], "default": "subtle"},
                    "shadowBlur": {"type": "number", "minimum": 0, "maximum": 100, "default": 20},
                    "shadowOffsetX": {"type": "number", "minimum": -50, "maximum": 50, "default": 0},
                    "shadowOffsetY": {"type": "number", "minimum": -50, "maximum": 50, "default": 10},
                    "shadowColor": {"type": "string", "default": "#000000"},
                    "shadowOpacity": {"type": "number", "minimum": 0, "maximum": 100, "default": 30},
                    "frame": {"enum": ["none", "macos-light", "macos-dark", "windows-light", "windows-dark", "browser-light", "browser-dark", "iphone", "iphone-dark", "macbook", "macbook-dark", "ipad", "ipad-dark"], "default": "none"},
                    "frameTitle": {"type": "string", "maxLength": 200, "description": "drawn centred in the title bar of macos-*, windows-* and browser-* frames"},
                    "socialPreset": {"enum": ["none", "twitter", "linkedin", "instagram-square", "instagram-story", "facebook", "producthunt"], "default": "none"},
                    "watermarkText": {"type": "string", "maxLength": 200, "description": "small text drawn at watermarkPosition"},
                    "watermarkPosition": {"enum": ["top-left", "top-right", "bottom-left", "bottom-right", "center"], "default": "bottom-right"},
                    "watermarkOpacity": {"type": "number", "minimum": 0, "maximum": 100, "default": 50},
                    "outputFormat": {"enum": ["png", "jpeg", "jpg", "webp"], "default": "png"}
                }
            }),
            min_inputs: 1,
            max_inputs: 2,
            accepts: &[],
            produces: Produces::by_setting("outputFormat", &["png", "jpg", "webp"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let kind = s
            .background_type
            .as_deref()
            .unwrap_or("linear-gradient")
            .trim();
        let background = match kind {
            "solid" => Background::Solid(parse_hex("backgroundColor", s.background_color.as_deref().unwrap_or("#667eea"))?),
            "linear-gradient" | "gradient" => Background::Linear(
                stops(s.gradient_stops.as_deref())?,
                num("gradientAngle", s.gradient_angle, 135.0, 0.0, 360.0)? as f32,
            ),
            "radial-gradient" => Background::Radial(stops(s.gradient_stops.as_deref())?),
            "image" => Background::Image,
            "transparent" => Background::Transparent,
            other => {
                return Err(invalid_settings(format!(
                    "backgroundType must be solid, linear-gradient, radial-gradient, image or transparent, got '{other}'"
                )))
            }
        };
        let padding = num("padding", s.padding, 64.0, 0.0, 256.0)?.round() as u32;
        let radius = num("borderRadius", s.border_radius, 12.0, 0.0, 64.0)? as f32;
        let custom = Shadow {
            sigma: num("shadowBlur", s.shadow_blur, 20.0, 0.0, 100.0)? as f32 / 2.0,
            dx: num("shadowOffsetX", s.shadow_offset_x, 0.0, -50.0, 50.0)?.round() as i64,
            dy: num("shadowOffsetY", s.shadow_offset_y, 10.0, -50.0, 50.0)?.round() as i64,
            color: {
                let mut c = parse_hex(
                    "shadowColor",
                    s.shadow_color.as_deref().unwrap_or("#000000"),
                )?;
                let o = num("shadowOpacity", s.shadow_opacity, 30.0, 0.0, 100.0)?;
                c.0[3] = (c.0[3] as f64 * o / 100.0).round() as u8;
                c
            },
        };
        let black = |a: u8| Rgba([0, 0, 0, a]);
        let shadow = match s.shadow_preset.as_deref().unwrap_or("subtle").trim() {
            "none" => None,
            "subtle" => Some(Shadow {
                sigma: 10.0,
                dx: 0,
                dy: 8,
                color: black(64),
            }),
            "medium" => Some(Shadow {
                sigma: 16.0,
                dx: 0,
                dy: 14,
                color: black(96),
            }),
            "dramatic" => Some(Shadow {
                sigma: 28.0,
                dx: 0,
                dy: 24,
                color: black(140),
            }),
            "custom" => Some(custom),
            other => {
                return Err(invalid_settings(format!(
                    "shadowPreset must be none, subtle, medium, dramatic or custom, got '{other}'"
                )))
            }
        };
        let (frame_kind, dark) = parse_frame(s.frame.as_deref())?;
        let social = social_size(s.social_preset.as_deref())?;
        for (field, value) in [
            ("frameTitle", &s.frame_title),
            ("watermarkText", &s.watermark_text),
        ] {
            if value
                .as_deref()
                .is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS)
            {
                return Err(invalid_settings(format!(
                    "{field} must be at most {MAX_TEXT_CHARS} characters"
                )));
            }
        }
        let title = s.frame_title.as_deref().filter(|t| !t.trim().is_empty());
        let watermark = s.watermark_text.as_deref().filter(|t| !t.trim().is_empty());
        let position = s.watermark_position.as_deref().unwrap_or("bottom-right");
        let anchor = Anchor::from_name(position).ok_or_else(|| {
            invalid_settings(format!(
                "unknown watermarkPosition '{position}'; use top-left, top-right, bottom-left, bottom-right or center"
            ))
        })?;
        let watermark_opacity =
            num("watermarkOpacity", s.watermark_opacity, 50.0, 0.0, 100.0)? as f32 / 100.0;
        let format = match s
            .output_format
            .as_deref()
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("png") => ImageFormat::Png,
            Some("jpeg") | Some("jpg") => ImageFormat::Jpeg,
            Some("webp") => ImageFormat::WebP,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "outputFormat must be png, jpeg or webp, got '{other}'"
                )))
            }
        };
        if matches!(background, Background::Image) && inputs.len() < 2 {
            return Err(invalid_settings(
                "backgroundType 'image' needs a second file (the background image)",
            ));
        }

        let input = &inputs[0];
        let shot = load(input)?.rgba;
        let (mut framed, round) = frame(shot, frame_kind, dark, radius, title)?;
        if round {
            lathe_layout_kit::round_corners(&mut framed, radius);
        }
        let (cw, ch) = match social {
            Some(size) => size,
            None => check_canvas(
                framed.width() as u64 + 2 * padding as u64,
                framed.height() as u64 + 2 * padding as u64,
            )?,
        };
        if social.is_some() {
            let (aw, ah) = (
                cw.saturating_sub(2 * padding).max(1),
                ch.saturating_sub(2 * padding).max(1),
            );
            framed = contain(&DynamicImage::ImageRgba8(framed), aw, ah)?;
        }
        let mut out = match &background {
            Background::Solid(c) => canvas(cw as u64, ch as u64, *c)?,
            Background::Transparent => canvas(cw as u64, ch as u64, Rgba([0, 0, 0, 0]))?,
            Background::Image => {
                let bg = decode(&inputs[1])?.image;
                let mut c = cover(&bg, cw, ch, (0.5, 0.5))?;
                for p in c.pixels_mut() {
                    p.0[3] = 255;
                }
                c
            }
            gradient => {
                let mut c = canvas(cw as u64, ch as u64, Rgba([0, 0, 0, 0]))?;
                paint(gradient, &mut c);
                c
            }
        };
        let x = (cw as i64 - framed.width() as i64) / 2;
        let y = (ch as i64 - framed.height() as i64) / 2;
        if let Some(shadow) = &shadow {
            draw_shadow(&mut out, &framed, x, y, shadow);
        }
        image::imageops::overlay(&mut out, &framed, x, y);
        if let Some(words) = watermark {
            draw_watermark(&mut out, words, anchor, watermark_opacity)?;
        }
        // JPEG has no alpha: the encoder flattens transparent backgrounds onto white.
        let image = DynamicImage::ImageRgba8(out);
        let bytes = encode(&image, format, EncodeOptions { quality: 90 })?;
        let name = format!("{}.{}", input.stem(), format.extension());
        Ok(
            Output::file(OutputFile::new(name, format.media_type(), bytes))
                .with_extra(serde_json::json!({"width": cw, "height": ch})),
        )
    }
}

lathe_tool_sdk::export_tool!(Beautify);
