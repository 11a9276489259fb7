//! `image/favicon`: turn one image into a favicon set, returned as one ZIP.
//!
//! The ZIP holds `favicon.ico` (16, 32 and 48 px PNG-compressed entries),
//! `favicon-<n>x<n>.png` for each requested size, `apple-touch-icon.png` (180 px) and a
//! `site.webmanifest` naming the 192 and 512 px icons and the theme colour. Each icon is a
//! square canvas (transparent, or `background`), the image fitted inside it after `padding`
//! percent on every side, with corners rounded by `radius` percent of the side.

use std::io::Cursor;

use lathe_image_kit::image::codecs::ico::{IcoEncoder, IcoFrame};
use lathe_image_kit::image::{DynamicImage, ExtendedColorType, ImageFormat, Rgba, RgbaImage};
use lathe_image_kit::{decode, resize_exact};
use lathe_tool_sdk::{
    archive, invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// Sizes produced when the client names none.
const DEFAULT_SIZES: [u32; 8] = [16, 32, 48, 64, 128, 180, 192, 512];
/// Sizes packed into `favicon.ico`.
const ICO_SIZES: [u32; 3] = [16, 32, 48];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    /// Seed 001 calls it `backgroundColor`.
    #[serde(alias = "backgroundColor")]
    background: Option<String>,
    padding: f64,
    /// Seed 001 calls it `borderRadius`.
    #[serde(alias = "borderRadius")]
    radius: f64,
    sizes: Option<Vec<f64>>,
    theme_color: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            background: None,
            padding: 0.0,
            radius: 0.0,
            sizes: None,
            theme_color: "#ffffff".into(),
        }
    }
}

/// A whole number in `min..=max`, or an invalid-settings error naming `name`.
fn int(name: &str, v: f64, min: i64, max: i64) -> Result<i64, ToolError> {
    if !v.is_finite() || v.fract() != 0.0 || v < min as f64 || v > max as f64 {
        return Err(invalid_settings(format!(
            "{name} must be a whole number from {min} to {max}, got {v}"
        )));
    }
    Ok(v as i64)
}

/// Parses `#rgb`, `#rrggbb` or `#rrggbbaa` (the `#` optional).
fn hex_color(name: &str, text: &str) -> Result<[u8; 4], ToolError> {
    let bad = || {
        invalid_settings(format!(
            "{name} must be a hex colour like #ff8800, got '{text}'"
        ))
    };
    let h = text.trim().trim_start_matches('#');
    if !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let byte = |s: &str| u8::from_str_radix(s, 16).map_err(|_| bad());
    match h.len() {
        3 => {
            let mut out = [255u8; 4];
            for (i, c) in h.chars().enumerate() {
                out[i] = byte(&format!("{c}{c}"))?;
            }
            Ok(out)
        }
        6 | 8 => {
            let mut out = [255u8; 4];
            for i in 0..h.len() / 2 {
                out[i] = byte(&h[2 * i..2 * i + 2])?;
            }
            Ok(out)
        }
        _ => Err(bad()),
    }
}

/// Renders one `size` × `size` icon.
fn render(
    src: &DynamicImage,
    size: u32,
    background: Option<[u8; 4]>,
    padding: u32,
    radius: u32,
) -> Result<RgbaImage, ToolError> {
    let mut canvas = RgbaImage::from_pixel(size, size, Rgba(background.unwrap_or([0, 0, 0, 0])));
    let pad = (size as u64 * padding as u64 / 100) as u32;
    let inner = size.saturating_sub(2 * pad).max(1);
    let (w, h) = (src.width().max(1), src.height().max(1));
    let scale = (inner as f64 / w as f64).min(inner as f64 / h as f64);
    let tw = ((w as f64 * scale).round() as u32).clamp(1, inner);
    let th = ((h as f64 * scale).round() as u32).clamp(1, inner);
    let fitted = resize_exact(src, tw, th)?.to_rgba8();
    let x = (size - tw) / 2;
    let y = (size - th) / 2;
    lathe_image_kit::image::imageops::overlay(&mut canvas, &fitted, x as i64, y as i64);
    if radius > 0 {
        round_corners(&mut canvas, size as f64 * radius as f64 / 100.0);
    }
    Ok(canvas)
}

/// Makes the pixels outside rounded corners of radius `r` transparent (anti-aliased).
fn round_corners(img: &mut RgbaImage, r: f64) {
    let (w, h) = (img.width() as f64, img.height() as f64);
    let r = r.min(w / 2.0).min(h / 2.0);
    if r <= 0.0 {
        return;
    }
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
        let cx = px.clamp(r, w - r);
        let cy = py.clamp(r, h - r);
        let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
        let cover = (r - d + 0.5).clamp(0.0, 1.0);
        if cover < 1.0 {
            p.0[3] = (p.0[3] as f64 * cover).round() as u8;
        }
    }
}

/// PNG bytes of an RGBA image.
fn png(img: &RgbaImage) -> Result<Vec<u8>, ToolError> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .map_err(|e| ToolError::Failed(format!("PNG encoding failed: {e}")))?;
    Ok(out.into_inner())
}

struct Favicon;

impl Tool for Favicon {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            (
                "favicon",
                Section::Image,
                "Favicon Generator",
                "Make a favicon set from an image: favicon.ico (16/32/48), PNG icons, \
                          apple-touch-icon and site.webmanifest, in one ZIP.",
            ),
            serde_json::json!({
                    "background": {"type": "string", "description": "hex colour; transparent when absent"},
                    "padding": {"type": "integer", "minimum": 0, "maximum": 40, "default": 0},
                    "radius": {"type": "integer", "minimum": 0, "maximum": 50, "default": 0},
                    "sizes": {"type": "array", "items": {"type": "integer", "minimum": 16, "maximum": 1024},
                              "default": DEFAULT_SIZES},
                    "themeColor": {"type": "string", "default": "#ffffff"}
            }),
            &[],
            Produces::types(&["zip"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let padding = int("padding", s.padding, 0, 40)? as u32;
        let radius = int("radius", s.radius, 0, 50)? as u32;
        let background = match s.background.as_deref().map(str::trim) {
            None | Some("") | Some("transparent") => None,
            Some(text) => Some(hex_color("background", text)?),
        };
        let theme = hex_color("themeColor", &s.theme_color)?;
        let theme_hex = format!("#{:02x}{:02x}{:02x}", theme[0], theme[1], theme[2]);
        let mut sizes: Vec<u32> = match &s.sizes {
            None => DEFAULT_SIZES.to_vec(),
            Some(list) => {
                if list.is_empty() || list.len() > 20 {
                    return Err(invalid_settings("sizes must list 1 to 20 sizes"));
                }
                list.iter()
                    .map(|&v| int("sizes", v, 16, 1024).map(|v| v as u32))
                    .collect::<Result<_, _>>()?
            }
        };
        sizes.sort_unstable();
        sizes.dedup();

        let decoded = decode(&inputs[0])?;
        let src = &decoded.image;
        let mut files = Vec::new();

        let mut ico_icons = Vec::new();
        for &n in &ICO_SIZES {
            ico_icons.push((n, render(src, n, background, padding, radius)?));
        }
        let frames = ico_icons
            .iter()
            .map(|(n, data)| IcoFrame::as_png(data.as_raw(), *n, *n, ExtendedColorType::Rgba8))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ToolError::Failed(format!("ICO encoding failed: {e}")))?;
        let mut ico = Vec::new();
        IcoEncoder::new(&mut ico)
            .encode_images(&frames)
            .map_err(|e| ToolError::Failed(format!("ICO encoding failed: {e}")))?;
        files.push(OutputFile::new("favicon.ico", "image/x-icon", ico));

        for &n in &sizes {
            let data = png(&render(src, n, background, padding, radius)?)?;
            files.push(OutputFile::new(
                format!("favicon-{n}x{n}.png"),
                "image/png",
                data,
            ));
        }
        let apple = png(&render(src, 180, background, padding, radius)?)?;
        files.push(OutputFile::new("apple-touch-icon.png", "image/png", apple));
        let manifest = serde_json::json!({
            "name": "",
            "short_name": "",
            "icons": [
                {"src": "/favicon-192x192.png", "sizes": "192x192", "type": "image/png"},
                {"src": "/favicon-512x512.png", "sizes": "512x512", "type": "image/png"}
            ],
            "theme_color": theme_hex,
            "background_color": theme_hex,
            "display": "standalone"
        });
        let manifest =
            serde_json::to_vec_pretty(&manifest).map_err(|e| ToolError::Failed(e.to_string()))?;
        files.push(OutputFile::new(
            "site.webmanifest",
            "application/manifest+json",
            manifest,
        ));
        let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
        let zip = archive::zip_files(&files)?;
        Ok(
            Output::file(OutputFile::new("favicons.zip", "application/zip", zip))
                .with_extra(serde_json::json!({ "files": names, "sizes": sizes })),
        )
    }
}

lathe_tool_sdk::export_tool!(Favicon);
