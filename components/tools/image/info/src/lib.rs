//! `image/info`: report an image's size, format, colour layout and metadata, without
//! producing a file. Only the header is read; no pixels are decoded.

use exif::{In, Tag};
use lathe_image_kit::image::{self, ColorType};
use lathe_image_kit::ImageProbe;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// The tool takes no settings; unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct Settings {}

/// EXIF tags copied into the `exif` object, by the names clients know them by.
const EXIF_TAGS: &[(Tag, &str)] = &[
    (Tag::Make, "Make"),
    (Tag::Model, "Model"),
    (Tag::Software, "Software"),
    (Tag::DateTime, "DateTime"),
    (Tag::DateTimeOriginal, "DateTimeOriginal"),
    (Tag::LensModel, "LensModel"),
    (Tag::ExposureTime, "ExposureTime"),
    (Tag::FNumber, "FNumber"),
    (Tag::PhotographicSensitivity, "ISO"),
    (Tag::FocalLength, "FocalLength"),
    (Tag::Artist, "Artist"),
    (Tag::Copyright, "Copyright"),
];

fn format_name(format: image::ImageFormat) -> String {
    match format {
        image::ImageFormat::Jpeg => "jpeg".into(),
        image::ImageFormat::Png => "png".into(),
        image::ImageFormat::WebP => "webp".into(),
        image::ImageFormat::Gif => "gif".into(),
        image::ImageFormat::Tiff => "tiff".into(),
        image::ImageFormat::Bmp => "bmp".into(),
        image::ImageFormat::Ico => "ico".into(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

/// The colour model name of a colour type (bit depth is reported separately).
fn color_name(color: ColorType) -> &'static str {
    match color {
        ColorType::L8 | ColorType::L16 => "gray",
        ColorType::La8 | ColorType::La16 => "grayAlpha",
        ColorType::Rgb8 | ColorType::Rgb16 | ColorType::Rgb32F => "rgb",
        ColorType::Rgba8 | ColorType::Rgba16 | ColorType::Rgba32F => "rgba",
        _ => "other",
    }
}

/// The text of an EXIF field: ASCII without quotes, other values as kamadak-exif shows them.
fn field_text(field: &exif::Field, exif: &exif::Exif) -> Option<String> {
    let text = match &field.value {
        exif::Value::Ascii(parts) => {
            let part = parts.first()?;
            String::from_utf8_lossy(part)
                .trim_end_matches('\0')
                .trim()
                .to_string()
        }
        _ => field.display_value().with_unit(exif).to_string(),
    };
    (!text.is_empty()).then_some(text)
}

/// Horizontal and vertical resolution from EXIF XResolution/YResolution, in DPI.
fn exif_dpi(exif: &exif::Exif) -> Option<(f64, f64)> {
    let rational = |tag| match &exif.get_field(tag, In::PRIMARY)?.value {
        exif::Value::Rational(v) if v.first().is_some_and(|r| r.denom != 0) => Some(v[0].to_f64()),
        _ => None,
    };
    let (x, y) = (rational(Tag::XResolution)?, rational(Tag::YResolution)?);
    let unit = exif
        .get_field(Tag::ResolutionUnit, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .unwrap_or(2);
    match unit {
        2 => Some((x, y)),
        3 => Some((x * 2.54, y * 2.54)),
        _ => None,
    }
}

/// Resolution from a JPEG's JFIF APP0 segment, in DPI (none when it gives only an aspect ratio).
fn jfif_dpi(data: &[u8]) -> Option<(f64, f64)> {
    if data.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut pos = 2;
    // Walk the marker segments up to the start of scan.
    while pos + 4 <= data.len() {
        if data[pos] != 0xFF {
            return None;
        }
        let marker = data[pos + 1];
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = u16::from_be_bytes([data[pos + 2], data[pos + 3]]) as usize;
        let body = data.get(pos + 4..pos + 2 + len)?;
        if marker == 0xE0 && body.len() >= 12 && &body[..5] == b"JFIF\0" {
            let x = u16::from_be_bytes([body[8], body[9]]) as f64;
            let y = u16::from_be_bytes([body[10], body[11]]) as f64;
            return match body[7] {
                1 => Some((x, y)),
                2 => Some((x * 2.54, y * 2.54)),
                _ => None,
            };
        }
        pos += 2 + len;
    }
    None
}

/// Resolution from a PNG's pHYs chunk, in DPI (none when the unit is unknown).
fn png_dpi(data: &[u8]) -> Option<(f64, f64)> {
    if data.get(..8)? != b"\x89PNG\r\n\x1a\n" {
        return None;
    }
    let mut pos = 8;
    while pos + 8 <= data.len() {
        let len = u32::from_be_bytes(data[pos..pos + 4].try_into().ok()?) as usize;
        let kind = &data[pos + 4..pos + 8];
        if kind == b"IDAT" || kind == b"IEND" {
            return None;
        }
        let body = data.get(pos + 8..(pos + 8).checked_add(len)?)?;
        if kind == b"pHYs" && body.len() >= 9 {
            let x = u32::from_be_bytes(body[0..4].try_into().ok()?) as f64;
            let y = u32::from_be_bytes(body[4..8].try_into().ok()?) as f64;
            return (body[8] == 1).then_some((x * 0.0254, y * 0.0254));
        }
        pos += 12 + len;
    }
    None
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The response fields for a probed image.
fn describe_image(input: &Input, head: &ImageProbe) -> Value {
    let (width, height) = head.upright_dimensions();
    let channels = head.color.channel_count();
    let bit_depth = head.color.bits_per_pixel() / channels.max(1) as u16;
    let parsed = head
        .exif
        .as_ref()
        .and_then(|raw| exif::Reader::new().read_raw(raw.clone()).ok());
    let mut fields = Map::new();
    if let Some(exif) = &parsed {
        for (tag, name) in EXIF_TAGS {
            if let Some(text) = exif
                .get_field(*tag, In::PRIMARY)
                .and_then(|f| field_text(f, exif))
            {
                fields.insert((*name).to_string(), Value::String(text));
            }
        }
    }
    let dpi = match head.format {
        image::ImageFormat::Jpeg => {
            jfif_dpi(&input.data).or_else(|| parsed.as_ref().and_then(exif_dpi))
        }
        image::ImageFormat::Png => png_dpi(&input.data),
        _ => parsed.as_ref().and_then(exif_dpi),
    }
    .filter(|(x, y)| *x > 0.0 && *y > 0.0);
    let orientation = head.orientation.to_exif();
    json!({
        "width": width,
        "height": height,
        "storedWidth": head.width,
        "storedHeight": head.height,
        "format": format_name(head.format),
        "size": input.data.len(),
        "channels": channels,
        "hasAlpha": head.color.has_alpha(),
        "bitDepth": bit_depth,
        "colorType": color_name(head.color),
        "orientation": orientation,
        "hasExif": head.exif.is_some(),
        "hasIcc": head.icc.is_some(),
        "dpi": dpi.map(|(x, _)| round2(x)),
        "dpiY": dpi.map(|(_, y)| round2(y)),
        "exif": fields,
    })
}

struct Info;

impl Tool for Info {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("info", Section::Image, "Image info", "Report an image's dimensions, format, colour layout, orientation, resolution and EXIF summary."),
            serde_json::json!({}),
            &[],
            Produces::NO_FILE,
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        let input = &inputs[0];
        let head = lathe_image_kit::probe(input)?;
        if head.width == 0 || head.height == 0 {
            return Err(ToolError::UnsupportedInput("image has no pixels".into()));
        }
        Ok(Output::default().with_extra(describe_image(input, &head)))
    }
}

lathe_tool_sdk::export_tool!(Info);
