//! `image/image-to-pdf`: put up to 100 images into one PDF, one image per page.
//!
//! Every page has the chosen size (A4, Letter, A3, A5; portrait or landscape). The image is
//! scaled to fit inside the margins, keeping its aspect ratio, and centred. Grey and RGB
//! JPEGs without an EXIF rotation are embedded as they are (`DCTDecode`, no re-encoding);
//! everything else (CMYK JPEGs, rotated JPEGs, PNG, WebP, ...) is decoded upright and
//! embedded as Flate-compressed RGB, with an `SMask` when it has transparency.
//! `collate: false` makes one PDF per image instead (several files, zipped by the router).
//!
//! `targetSize` (`{"value": 2, "unit": "MB"}` or a number of KB, at least 50 KB) caps each
//! PDF: when it is larger, the images are re-encoded as JPEG at falling qualities and then
//! shrunk until it fits (`targetMet` says whether it did; the smallest result comes back
//! otherwise).

use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use lathe_image_kit::image::metadata::Orientation;
use lathe_image_kit::image::ImageFormat;
use lathe_image_kit::{
    decode, encode, probe, resize_exact, DynamicImage, EncodeOptions, ImageFormat as KitFormat,
};
use lathe_pdf_kit::lopdf::{dictionary, Document, Object, ObjectId, Stream};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    page_size: String,
    orientation: String,
    margin: f64,
    collate: bool,
    target_size: Option<serde_json::Value>,
}

/// Smallest `targetSize` accepted, in bytes (the peer's limit).
const MIN_TARGET: u64 = 50 * 1024;

/// Re-encoding steps of `targetSize`, tried in order: JPEG quality and longest side.
const SQUEEZE_STEPS: [(u8, u32); 11] = [
    (85, u32::MAX),
    (75, 3000),
    (65, 2400),
    (55, 2000),
    (45, 1600),
    (35, 1300),
    (25, 1000),
    (20, 800),
    (15, 600),
    (10, 450),
    (10, 300),
];

/// How images are re-encoded to meet a target size.
#[derive(Debug, Clone, Copy)]
struct Squeeze {
    quality: u8,
    max_side: u32,
}

/// `targetSize` in bytes: `{value, unit}` (KB or MB) or a plain number of KB.
fn target_bytes(value: &serde_json::Value) -> Result<u64, ToolError> {
    let bad =
        || invalid_settings("targetSize must be {\"value\": <number>, \"unit\": \"KB\" or \"MB\"}");
    let (amount, unit) = match value {
        serde_json::Value::Number(n) => (n.as_f64().ok_or_else(bad)?, "KB".to_string()),
        serde_json::Value::Object(o) => (
            o.get("value").and_then(|v| v.as_f64()).ok_or_else(bad)?,
            o.get("unit")
                .and_then(|u| u.as_str())
                .unwrap_or("KB")
                .to_ascii_uppercase(),
        ),
        _ => return Err(bad()),
    };
    let factor = match unit.as_str() {
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = amount * factor;
    if !bytes.is_finite() || bytes < MIN_TARGET as f64 {
        return Err(invalid_settings(format!(
            "targetSize must be at least 50 KB, got {amount} {unit}"
        )));
    }
    Ok(bytes as u64)
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            page_size: "A4".into(),
            orientation: "portrait".into(),
            margin: 20.0,
            collate: true,
            target_size: None,
        }
    }
}

/// Portrait page size in points.
fn page_size(name: &str) -> Result<(f64, f64), ToolError> {
    match name.trim().to_ascii_lowercase().as_str() {
        "a4" => Ok((595.0, 842.0)),
        "letter" => Ok((612.0, 792.0)),
        "a3" => Ok((842.0, 1191.0)),
        "a5" => Ok((420.0, 595.0)),
        _ => Err(invalid_settings(format!(
            "pageSize must be one of A4, Letter, A3, A5, got '{name}'"
        ))),
    }
}

/// An image ready to be embedded: its XObject stream (and soft mask) plus pixel size.
struct Embedded {
    width: u32,
    height: u32,
    stream: Stream,
    smask: Option<Stream>,
}

/// Zlib-compresses bytes for a `FlateDecode` stream.
fn deflate(data: &[u8]) -> Result<Vec<u8>, ToolError> {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data)
        .and_then(|_| enc.finish())
        .map_err(|e| ToolError::Failed(format!("compression failed: {e}")))
}

/// The JPEG as-is when it is 8-bit grey or RGB and needs no EXIF rotation.
fn raw_jpeg(input: &Input) -> Option<Embedded> {
    let mut decoder = jpeg_decoder::Decoder::new(input.data.as_slice());
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    let space = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => "DeviceGray",
        jpeg_decoder::PixelFormat::RGB24 => "DeviceRGB",
        _ => return None,
    };
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if width == 0 || height == 0 {
        return None;
    }
    let dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => width as i64,
        "Height" => height as i64,
        "ColorSpace" => space,
        "BitsPerComponent" => 8,
        "Filter" => "DCTDecode",
    };
    Some(Embedded {
        width,
        height,
        stream: Stream::new(dict, input.data.clone()).with_compression(false),
        smask: None,
    })
}

/// Prepares one input for embedding; with `squeeze`, re-encoded as a (smaller) JPEG.
fn embed(input: &Input, squeeze: Option<Squeeze>) -> Result<Embedded, ToolError> {
    let p = probe(input)?;
    if squeeze.is_none()
        && p.format == ImageFormat::Jpeg
        && p.orientation == Orientation::NoTransforms
    {
        if let Some(e) = raw_jpeg(input) {
            return Ok(e);
        }
    }
    let mut img = decode(input)?.image;
    if let Some(sq) = squeeze {
        let long = img.width().max(img.height());
        if long > sq.max_side {
            let scale = sq.max_side as f64 / long as f64;
            let w = ((img.width() as f64 * scale).round() as u32).max(1);
            let h = ((img.height() as f64 * scale).round() as u32).max(1);
            img = resize_exact(&img, w, h)?;
        }
    }
    let (width, height) = (img.width(), img.height());
    let rgb = img.to_rgb8();
    let (filter, data) = match squeeze {
        Some(sq) => (
            "DCTDecode",
            encode(
                &DynamicImage::ImageRgb8(rgb),
                KitFormat::Jpeg,
                EncodeOptions {
                    quality: sq.quality,
                },
            )?,
        ),
        None => ("FlateDecode", deflate(rgb.as_raw())?),
    };
    let dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => width as i64,
        "Height" => height as i64,
        "ColorSpace" => "DeviceRGB",
        "BitsPerComponent" => 8,
        "Filter" => filter,
    };
    let stream = Stream::new(dict, data).with_compression(false);
    let smask = if img.color().has_alpha() {
        let alpha: Vec<u8> = img.to_rgba8().pixels().map(|p| p.0[3]).collect();
        if alpha.iter().all(|&a| a == 255) {
            None
        } else {
            let dict = dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => width as i64,
                "Height" => height as i64,
                "ColorSpace" => "DeviceGray",
                "BitsPerComponent" => 8,
                "Filter" => "FlateDecode",
            };
            Some(Stream::new(dict, deflate(&alpha)?).with_compression(false))
        }
    } else {
        None
    };
    Ok(Embedded {
        width,
        height,
        stream,
        smask,
    })
}

struct ImageToPdf;

impl Tool for ImageToPdf {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "image-to-pdf",
            section: Section::Image,
            name: "Image to PDF",
            description: "Combine images into one PDF, one image per page, fitted inside the \
                          margins and centred (JPEGs embedded without re-encoding).",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "pageSize": {"enum": ["A4", "Letter", "A3", "A5"], "default": "A4"},
                    "orientation": {"enum": ["portrait", "landscape"], "default": "portrait"},
                    "margin": {"type": "number", "minimum": 0, "maximum": 500, "default": 20},
                    "collate": {"type": "boolean", "default": true, "description": "false: one PDF per image (ZIP)"},
                    "targetSize": {
                        "description": "Largest PDF: {value, unit: KB|MB} (or a number of KB), at least 50 KB; images are re-encoded and shrunk to fit.",
                        "type": ["object", "number"],
                        "properties": {"value": {"type": "number", "exclusiveMinimum": 0}, "unit": {"enum": ["KB", "MB", "kb", "mb"]}}
                    }
                }
            }),
            min_inputs: 1,
            max_inputs: 100,
            accepts: &[],
            produces: Produces::types(&["pdf", "zip"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let (pw, ph) = page_size(&s.page_size)?;
        let (pw, ph) = match s.orientation.trim().to_ascii_lowercase().as_str() {
            "portrait" => (pw, ph),
            "landscape" => (ph, pw),
            other => {
                return Err(invalid_settings(format!(
                    "orientation must be portrait or landscape, got '{other}'"
                )))
            }
        };
        let m = s.margin;
        if !m.is_finite() || !(0.0..=500.0).contains(&m) {
            return Err(invalid_settings(format!(
                "margin must be from 0 to 500 pt, got {m}"
            )));
        }
        let (aw, ah) = (pw - 2.0 * m, ph - 2.0 * m);
        if aw < 10.0 || ah < 10.0 {
            return Err(invalid_settings(format!(
                "margin {m} pt leaves no room on a {pw}x{ph} pt page"
            )));
        }

        let target = s.target_size.as_ref().map(target_bytes).transpose()?;
        let page = Page { pw, ph, aw, ah };
        let mut info =
            serde_json::json!({ "pages": inputs.len(), "pageWidth": pw, "pageHeight": ph });
        if let Some(limit) = target {
            info["targetSizeKb"] = serde_json::json!(limit as f64 / 1024.0);
        }
        if s.collate || inputs.len() == 1 {
            let (bytes, met) = build_within(&inputs, &page, target)?;
            if let Some(met) = met {
                info["targetMet"] = serde_json::json!(met);
            }
            let name = if inputs.len() == 1 {
                format!("{}.pdf", inputs[0].stem())
            } else {
                "images.pdf".to_string()
            };
            return Ok(
                Output::file(OutputFile::new(name, "application/pdf", bytes)).with_extra(info),
            );
        }
        let mut files = Vec::with_capacity(inputs.len());
        let mut all_met = true;
        for input in &inputs {
            let (bytes, met) = build_within(std::slice::from_ref(input), &page, target)?;
            all_met &= met.unwrap_or(true);
            files.push(OutputFile::new(
                format!("{}.pdf", input.stem()),
                "application/pdf",
                bytes,
            ));
        }
        if target.is_some() {
            info["targetMet"] = serde_json::json!(all_met);
        }
        Ok(Output::files(files).with_extra(info))
    }
}

/// Page geometry in points: page width/height and the area inside the margins.
struct Page {
    pw: f64,
    ph: f64,
    aw: f64,
    ah: f64,
}

/// One PDF for `inputs`, squeezed step by step until it fits in `target` bytes; the
/// bytes and whether they fit (`None` without a target).
fn build_within(
    inputs: &[Input],
    page: &Page,
    target: Option<u64>,
) -> Result<(Vec<u8>, Option<bool>), ToolError> {
    let first = build(inputs, page, None)?;
    let Some(limit) = target else {
        return Ok((first, None));
    };
    if first.len() as u64 <= limit {
        return Ok((first, Some(true)));
    }
    let mut best = first;
    for (quality, max_side) in SQUEEZE_STEPS {
        let bytes = build(inputs, page, Some(Squeeze { quality, max_side }))?;
        if bytes.len() < best.len() {
            best = bytes;
        }
        if best.len() as u64 <= limit {
            return Ok((best, Some(true)));
        }
    }
    Ok((best, Some(false)))
}

/// One PDF with a page per input.
fn build(inputs: &[Input], page: &Page, squeeze: Option<Squeeze>) -> Result<Vec<u8>, ToolError> {
    let Page { pw, ph, aw, ah } = *page;
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut kids: Vec<Object> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let e = embed(input, squeeze)?;
        let smask_id: Option<ObjectId> = e.smask.map(|s| doc.add_object(s));
        let mut stream = e.stream;
        if let Some(id) = smask_id {
            stream.dict.set("SMask", id);
        }
        let image_id = doc.add_object(stream);
        let scale = (aw / e.width as f64).min(ah / e.height as f64);
        let (w, h) = (e.width as f64 * scale, e.height as f64 * scale);
        let (x, y) = ((pw - w) / 2.0, (ph - h) / 2.0);
        let content = format!("q\n{w:.4} 0 0 {h:.4} {x:.4} {y:.4} cm\n/Im0 Do\nQ\n");
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(pw as f32), Object::Real(ph as f32)],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    lathe_pdf_kit::save(&mut doc)
}

lathe_tool_sdk::export_tool!(ImageToPdf);
