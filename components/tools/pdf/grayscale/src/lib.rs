//! `pdf/grayscale-pdf`: turn a PDF's colours into shades of gray, keeping text as text.
//!
//! * Content streams (pages, Form XObjects such as annotation appearances, tiling
//!   patterns): `rg`/`RG`/`k`/`K` become `g`/`G` with the colour's luminance; `cs`/`CS`
//!   selecting an RGB or CMYK space (device, calibrated or ICC-based) select DeviceGray and
//!   the following `sc`/`scn`/`SC`/`SCN` values are converted. Uncompressed 8-bit RGB
//!   inline images become gray.
//! * Images: 8-bit RGB and CMYK samples (Flate, LZW, run-length or none) and 3-component
//!   JPEGs are decoded and stored as DeviceGray; indexed colour spaces get a gray palette.
//! * Shadings (axial and radial) whose colours come from exponential functions, directly
//!   or stitched, get gray colours.
//!
//! What is left in colour, and counted in `unconverted` in the response: Separation,
//! DeviceN and Lab colours (their tint transforms or white points would have to be
//! evaluated), mesh and sampled-function shadings, CMYK JPEGs, JPEG 2000 / JBIG2 images,
//! 16-bit images and images with a `/Decode` array. Luminance is Rec. 601
//! (0.299 R + 0.587 G + 0.114 B); CMYK is first taken to RGB naively (R = (1-C)(1-K)).

use std::collections::HashSet;
use std::io::Cursor;

use lathe_image_kit::image::{self, ImageDecoder};
use lathe_image_kit::{encode, DynamicImage, EncodeOptions, ImageFormat};
use lathe_pdf_kit::lopdf::content::{Content, Operation};
use lathe_pdf_kit::lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use lathe_pdf_kit::{inherited, int_entry, load, number, one_pdf_tool_info, pdf_output, PageTree};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;
use serde_json::json;

/// The most decoded bytes of one content stream that is rewritten (larger ones are kept).
const MAX_CONTENT_BYTES: usize = 64 << 20;

/// The most pixels one image may have to be converted.
const MAX_IMAGE_PIXELS: u64 = 100_000_000;

/// How deeply objects are walked.
const MAX_DEPTH: usize = 64;

/// JPEG quality of gray re-encodings of colour JPEGs.
const JPEG_QUALITY: u8 = 90;

/// The settings: none are needed; `mode` may only be `vector` (the default).
#[derive(Debug, Deserialize)]
struct Settings {
    mode: Option<String>,
}

/// The colour family of a colour space, as far as conversion is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Gray,
    Rgb,
    Cmyk,
    /// Anything else (pattern, indexed, separation, Lab, unknown names).
    Other,
}

/// What the tool did and left alone.
#[derive(Debug, Default)]
struct Stats {
    content_streams: usize,
    colour_operators: usize,
    images: usize,
    palettes: usize,
    shadings: usize,
    unconverted_colour_spaces: usize,
    unconverted_images: usize,
    unconverted_shadings: usize,
    unreadable_streams: usize,
}

/// Rec. 601 luminance of an RGB colour (components 0..=1).
fn luma(r: f64, g: f64, b: f64) -> f64 {
    (0.299 * r + 0.587 * g + 0.114 * b).clamp(0.0, 1.0)
}

/// Luminance of a CMYK colour (components 0..=1), via naive CMYK to RGB.
fn cmyk_luma(c: f64, m: f64, y: f64, k: f64) -> f64 {
    let inv = 1.0 - k.clamp(0.0, 1.0);
    luma(
        (1.0 - c.clamp(0.0, 1.0)) * inv,
        (1.0 - m.clamp(0.0, 1.0)) * inv,
        (1.0 - y.clamp(0.0, 1.0)) * inv,
    )
}

/// A PDF number rounded to 4 decimals.
fn real(v: f64) -> Object {
    Object::Real(((v * 10_000.0).round() / 10_000.0) as f32)
}

/// The gray level of `values` in `family`, if they are plain numbers of the right count.
fn gray_of(family: Family, values: &[Object]) -> Option<f64> {
    let v: Option<Vec<f64>> = values.iter().map(number).collect();
    match (family, v?.as_slice()) {
        (Family::Rgb, [r, g, b]) => Some(luma(*r, *g, *b)),
        (Family::Cmyk, [c, m, y, k]) => Some(cmyk_luma(*c, *m, *y, *k)),
        _ => None,
    }
}

/// The family of a colour space object (a name or an array; references resolved).
fn family_of(doc: &Document, space: &Object, depth: usize) -> Family {
    if depth > 8 {
        return Family::Other;
    }
    let Ok((_, space)) = doc.dereference(space) else {
        return Family::Other;
    };
    match space {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"G" | b"CalGray" => Family::Gray,
            b"DeviceRGB" | b"RGB" | b"CalRGB" => Family::Rgb,
            b"DeviceCMYK" | b"CMYK" => Family::Cmyk,
            _ => Family::Other,
        },
        Object::Array(items) => match items.first().and_then(|f| f.as_name().ok()) {
            Some(b"CalGray") => Family::Gray,
            Some(b"CalRGB") => Family::Rgb,
            Some(b"ICCBased") => {
                let n = items
                    .get(1)
                    .and_then(|p| doc.dereference(p).ok())
                    .and_then(|(_, p)| p.as_stream().ok())
                    .and_then(|s| s.dict.get(b"N").ok())
                    .and_then(|n| n.as_i64().ok());
                match n {
                    Some(1) => Family::Gray,
                    Some(3) => Family::Rgb,
                    Some(4) => Family::Cmyk,
                    _ => Family::Other,
                }
            }
            _ => Family::Other,
        },
        _ => Family::Other,
    }
}

/// The family of a colour space named by a `cs`/`CS` operand, looked up in `resources`.
fn family_of_name(doc: &Document, resources: &Dictionary, name: &[u8]) -> Family {
    match name {
        b"DeviceGray" => return Family::Gray,
        b"DeviceRGB" => return Family::Rgb,
        b"DeviceCMYK" => return Family::Cmyk,
        _ => {}
    }
    let space = resources
        .get(b"ColorSpace")
        .ok()
        .and_then(|d| doc.dereference(d).ok())
        .and_then(|(_, d)| d.as_dict().ok())
        .and_then(|d| d.get(name).ok());
    match space {
        Some(space) => family_of(doc, space, 0),
        None => Family::Other,
    }
}

/// Rewrites the colour operators of one content stream; returns the new operations and
/// how many operators changed.
fn rewrite_content(
    doc: &Document,
    resources: &Dictionary,
    ops: Vec<Operation>,
    stats: &mut Stats,
) -> (Vec<Operation>, usize) {
    let mut changed = 0;
    // (fill, stroke) families; q/Q save and restore them.
    let mut state = (Family::Gray, Family::Gray);
    let mut stack = Vec::new();
    let mut out = Vec::with_capacity(ops.len());
    for mut op in ops {
        match op.operator.as_str() {
            "q" => stack.push(state),
            "Q" => state = stack.pop().unwrap_or(state),
            "g" => state.0 = Family::Gray,
            "G" => state.1 = Family::Gray,
            "rg" | "RG" | "k" | "K" => {
                let family = if op.operator.eq_ignore_ascii_case("rg") {
                    Family::Rgb
                } else {
                    Family::Cmyk
                };
                let stroke = op.operator.chars().all(|c| c.is_ascii_uppercase());
                if let Some(gray) = gray_of(family, &op.operands) {
                    op = Operation::new(if stroke { "G" } else { "g" }, vec![real(gray)]);
                    changed += 1;
                }
                // Converted or not, the current space is now a device space of that kind;
                // a malformed operator is left for the reader to ignore.
                if stroke {
                    state.1 = Family::Gray;
                } else {
                    state.0 = Family::Gray;
                }
            }
            "cs" | "CS" => {
                let stroke = op.operator == "CS";
                let family = match op.operands.first().and_then(|o| o.as_name().ok()) {
                    Some(name) => family_of_name(doc, resources, name),
                    None => Family::Other,
                };
                match family {
                    Family::Rgb | Family::Cmyk => {
                        op.operands = vec![Object::Name(b"DeviceGray".to_vec())];
                        changed += 1;
                    }
                    Family::Other => {
                        let indexed_or_pattern = op
                            .operands
                            .first()
                            .and_then(|o| o.as_name().ok())
                            .is_some_and(|n| n == b"Pattern" || is_indexed(doc, resources, n));
                        if !indexed_or_pattern {
                            stats.unconverted_colour_spaces += 1;
                        }
                    }
                    Family::Gray => {}
                }
                if stroke {
                    state.1 = family;
                } else {
                    state.0 = family;
                }
            }
            "sc" | "scn" | "SC" | "SCN" => {
                let family = if op.operator.starts_with('S') {
                    state.1
                } else {
                    state.0
                };
                if let Some(gray) = gray_of(family, &op.operands) {
                    op.operands = vec![real(gray)];
                    changed += 1;
                }
            }
            "BI" => {
                if let Some(Object::Stream(image)) = op.operands.first_mut() {
                    if gray_inline_image(image) {
                        changed += 1;
                    }
                }
            }
            _ => {}
        }
        out.push(op);
    }
    (out, changed)
}

/// Whether a named colour space in `resources` is an indexed one (its palette is converted
/// separately).
fn is_indexed(doc: &Document, resources: &Dictionary, name: &[u8]) -> bool {
    resources
        .get(b"ColorSpace")
        .ok()
        .and_then(|d| doc.dereference(d).ok())
        .and_then(|(_, d)| d.as_dict().ok())
        .and_then(|d| d.get(name).ok())
        .and_then(|s| doc.dereference(s).ok())
        .and_then(|(_, s)| s.as_array().ok())
        .and_then(|a| a.first())
        .and_then(|f| f.as_name().ok())
        .is_some_and(|f| f == b"Indexed" || f == b"I")
}

/// Converts an uncompressed 8-bit RGB inline image to gray; whether it did.
fn gray_inline_image(image: &mut Stream) -> bool {
    let dict = &image.dict;
    let get = |a: &[u8], b: &[u8]| dict.get(a).or_else(|_| dict.get(b)).ok().cloned();
    let rgb = matches!(get(b"ColorSpace", b"CS"), Some(Object::Name(n)) if n == b"RGB" || n == b"DeviceRGB");
    let plain = get(b"Filter", b"F").is_none() && get(b"Decode", b"D").is_none();
    let bpc8 = matches!(get(b"BitsPerComponent", b"BPC"), Some(Object::Integer(8)));
    let (Some(Object::Integer(w)), Some(Object::Integer(h))) =
        (get(b"Width", b"W"), get(b"Height", b"H"))
    else {
        return false;
    };
    if !(rgb && plain && bpc8) || w <= 0 || h <= 0 {
        return false;
    }
    let pixels = (w * h) as usize;
    if image.content.len() < pixels * 3 {
        return false;
    }
    let gray: Vec<u8> = image.content[..pixels * 3]
        .chunks_exact(3)
        .map(|p| luma8(p[0], p[1], p[2]))
        .collect();
    for key in [b"ColorSpace".as_slice(), b"CS"] {
        image.dict.remove(key);
    }
    image.dict.set("CS", Object::Name(b"G".to_vec()));
    image.content = gray;
    true
}

/// Rec. 601 luminance of 8-bit RGB.
fn luma8(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114 + 500) / 1000) as u8
}

/// Luminance of 8-bit CMYK.
fn cmyk_luma8(c: u8, m: u8, y: u8, k: u8) -> u8 {
    let f = |v: u8| f64::from(v) / 255.0;
    (cmyk_luma(f(c), f(m), f(y), f(k)) * 255.0).round() as u8
}

/// Converts packed samples of `family` to gray bytes.
fn to_gray(family: Family, data: &[u8]) -> Vec<u8> {
    match family {
        Family::Rgb => data
            .chunks_exact(3)
            .map(|p| luma8(p[0], p[1], p[2]))
            .collect(),
        Family::Cmyk => data
            .chunks_exact(4)
            .map(|p| cmyk_luma8(p[0], p[1], p[2], p[3]))
            .collect(),
        _ => data.to_vec(),
    }
}

/// The content streams of the document with the resources their names refer to: page
/// contents, Form XObjects and tiling patterns.
fn content_streams(doc: &Document, tree: &PageTree) -> Vec<(ObjectId, Dictionary)> {
    let resources_of = |object: Option<&Object>| -> Dictionary {
        object
            .and_then(|r| doc.dereference(r).ok())
            .and_then(|(_, r)| r.as_dict().ok())
            .cloned()
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for &page in &tree.pages {
        let resources = resources_of(inherited(doc, page, b"Resources"));
        let Ok(dict) = doc.get_dictionary(page) else {
            continue;
        };
        let ids: Vec<ObjectId> = match dict.get(b"Contents") {
            Ok(Object::Reference(id)) => match doc.get_object(*id) {
                Ok(Object::Array(items)) => {
                    items.iter().filter_map(|i| i.as_reference().ok()).collect()
                }
                _ => vec![*id],
            },
            Ok(Object::Array(items)) => {
                items.iter().filter_map(|i| i.as_reference().ok()).collect()
            }
            _ => Vec::new(),
        };
        for id in ids {
            if seen.insert(id) {
                out.push((id, resources.clone()));
            }
        }
    }
    for (&id, object) in &doc.objects {
        let Object::Stream(stream) = object else {
            continue;
        };
        let dict = &stream.dict;
        let form = matches!(dict.get(b"Subtype").and_then(Object::as_name), Ok(b"Form"));
        let tiling = matches!(dict.get(b"PatternType"), Ok(Object::Integer(1)));
        if (form || tiling) && seen.insert(id) {
            out.push((id, resources_of(dict.get(b"Resources").ok())));
        }
    }
    out
}

/// Rewrites one content stream in place.
fn convert_content(doc: &mut Document, id: ObjectId, resources: &Dictionary, stats: &mut Stats) {
    let Ok(Object::Stream(stream)) = doc.get_object(id) else {
        return;
    };
    let Ok(data) = stream.decompressed_content_with_limit(MAX_CONTENT_BYTES) else {
        stats.unreadable_streams += 1;
        return;
    };
    let Ok(content) = Content::decode(&data) else {
        stats.unreadable_streams += 1;
        return;
    };
    let (ops, changed) = rewrite_content(doc, resources, content.operations, stats);
    if changed == 0 {
        return;
    }
    let Ok(bytes) = (Content { operations: ops }).encode() else {
        stats.unreadable_streams += 1;
        return;
    };
    if let Ok(Object::Stream(stream)) = doc.get_object_mut(id) {
        stream.set_plain_content(bytes);
        let _ = stream.compress();
        stats.content_streams += 1;
        stats.colour_operators += changed;
    }
}

/// Converts one image XObject to DeviceGray if it can; `None` when it is not an RGB or
/// CMYK image (indexed images get a gray palette elsewhere), `Some(Err(()))` when it is
/// one that stays in colour.
fn convert_image(doc: &Document, stream: &Stream) -> Option<Result<Stream, ()>> {
    let dict = &stream.dict;
    if matches!(dict.get(b"ImageMask"), Ok(Object::Boolean(true))) {
        return None;
    }
    let space = dict.get(b"ColorSpace").ok()?;
    let family = family_of(doc, space, 0);
    if !matches!(family, Family::Rgb | Family::Cmyk) {
        return None;
    }
    let (Some(w), Some(h)) = (
        int_entry(doc, dict, b"Width"),
        int_entry(doc, dict, b"Height"),
    ) else {
        return Some(Err(()));
    };
    let pixels = (w.max(0) as u64) * (h.max(0) as u64);
    if pixels == 0
        || pixels > MAX_IMAGE_PIXELS
        || int_entry(doc, dict, b"BitsPerComponent").unwrap_or(8) != 8
        || dict.has(b"Decode")
    {
        return Some(Err(()));
    }
    let n = if family == Family::Rgb { 3 } else { 4 };
    let filters: Vec<Vec<u8>> = match dict.get(b"Filter") {
        Ok(Object::Name(f)) => vec![f.clone()],
        Ok(Object::Array(items)) => items
            .iter()
            .map(|i| i.as_name().map(<[u8]>::to_vec).unwrap_or_default())
            .collect(),
        _ => Vec::new(),
    };
    let mut out = stream.clone();
    match filters.as_slice() {
        [f] if f == b"DCTDecode" => {
            if family != Family::Rgb {
                return Some(Err(()));
            }
            let mut reader = image::ImageReader::with_format(
                Cursor::new(&stream.content[..]),
                image::ImageFormat::Jpeg,
            );
            let mut limits = image::Limits::default();
            limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4);
            reader.limits(limits);
            let Ok(decoder) = reader.into_decoder() else {
                return Some(Err(()));
            };
            if decoder.color_type() != image::ColorType::Rgb8 {
                return Some(Err(()));
            }
            let Ok(img) = DynamicImage::from_decoder(decoder) else {
                return Some(Err(()));
            };
            let gray = DynamicImage::ImageLuma8(img.to_luma8());
            let Ok(bytes) = encode(
                &gray,
                ImageFormat::Jpeg,
                EncodeOptions {
                    quality: JPEG_QUALITY,
                },
            ) else {
                return Some(Err(()));
            };
            out.dict.remove(b"DecodeParms");
            out.set_content(bytes);
        }
        [f] if f == b"JPXDecode" || f == b"JBIG2Decode" || f == b"CCITTFaxDecode" => {
            return Some(Err(()));
        }
        _ => {
            let size = pixels as usize * n;
            let data = match stream.decompressed_content_with_limit(size + 1) {
                Ok(d) => d,
                Err(_) if filters.is_empty() => stream.content.clone(),
                Err(_) => return Some(Err(())),
            };
            if data.len() < size {
                return Some(Err(()));
            }
            out.set_plain_content(to_gray(family, &data[..size]));
            let _ = out.compress();
        }
    }
    out.dict
        .set("ColorSpace", Object::Name(b"DeviceGray".to_vec()));
    Some(Ok(out))
}

/// A gray palette for an indexed colour space array, if its base is RGB or CMYK.
fn gray_palette(doc: &Document, items: &[Object]) -> Option<Vec<Object>> {
    if items.len() != 4 || !matches!(items[0].as_name(), Ok(b"Indexed" | b"I")) {
        return None;
    }
    let family = family_of(doc, &items[1], 0);
    let n = match family {
        Family::Rgb => 3,
        Family::Cmyk => 4,
        _ => return None,
    };
    let hival = number(doc.dereference(&items[2]).ok()?.1)? as usize;
    let lookup = match doc.dereference(&items[3]).ok()?.1 {
        Object::String(bytes, _) => bytes.clone(),
        Object::Stream(s) => s.decompressed_content_with_limit(4 * 256 + 16).ok()?,
        _ => return None,
    };
    let entries = (hival + 1).min(256);
    if lookup.len() < entries * n {
        return None;
    }
    let gray = to_gray(family, &lookup[..entries * n]);
    Some(vec![
        Object::Name(b"Indexed".to_vec()),
        Object::Name(b"DeviceGray".to_vec()),
        Object::Integer(entries as i64 - 1),
        Object::String(gray, lathe_pdf_kit::lopdf::StringFormat::Hexadecimal),
    ])
}

/// A gray version of a shading's colour function (exponential, or stitched exponential).
fn gray_function(
    doc: &Document,
    function: &Object,
    family: Family,
    depth: usize,
) -> Option<Object> {
    if depth > 4 {
        return None;
    }
    let (_, function) = doc.dereference(function).ok()?;
    let mut dict = function.as_dict().ok()?.clone();
    match dict.get(b"FunctionType").ok()?.as_i64().ok()? {
        2 => {
            for key in [b"C0".as_slice(), b"C1"] {
                let values = match dict.get(key) {
                    Ok(v) => doc.dereference(v).ok()?.1.as_array().ok()?.clone(),
                    // Defaults: C0 = [0], C1 = [1] are one-component already: not colour.
                    Err(_) => return None,
                };
                let gray = gray_of(family, &values)?;
                dict.set(key, Object::Array(vec![real(gray)]));
            }
            Some(Object::Dictionary(dict))
        }
        3 => {
            let parts = doc
                .dereference(dict.get(b"Functions").ok()?)
                .ok()?
                .1
                .as_array()
                .ok()?
                .clone();
            let converted: Option<Vec<Object>> = parts
                .iter()
                .map(|f| gray_function(doc, f, family, depth + 1))
                .collect();
            dict.set("Functions", Object::Array(converted?));
            Some(Object::Dictionary(dict))
        }
        _ => None,
    }
}

/// Walks an object converting indexed palettes and shading dictionaries in place.
fn convert_nested(doc: &Document, object: &mut Object, stats: &mut Stats, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match object {
        Object::Array(items) => {
            if let Some(gray) = gray_palette(doc, items) {
                *items = gray;
                stats.palettes += 1;
                return;
            }
            for item in items.iter_mut() {
                convert_nested(doc, item, stats, depth + 1);
            }
        }
        Object::Dictionary(dict) => {
            convert_shading(doc, dict, stats);
            for (_, v) in dict.iter_mut() {
                convert_nested(doc, v, stats, depth + 1);
            }
        }
        Object::Stream(stream) => {
            convert_shading(doc, &mut stream.dict, stats);
            for (_, v) in stream.dict.iter_mut() {
                convert_nested(doc, v, stats, depth + 1);
            }
        }
        _ => {}
    }
}

/// Converts a shading dictionary's colours if it is one with RGB or CMYK colours.
fn convert_shading(doc: &Document, dict: &mut Dictionary, stats: &mut Stats) {
    let Ok(kind) = dict.get(b"ShadingType").and_then(Object::as_i64) else {
        return;
    };
    let Ok(space) = dict.get(b"ColorSpace") else {
        return;
    };
    let family = family_of(doc, space, 0);
    if !matches!(family, Family::Rgb | Family::Cmyk) {
        return;
    }
    let converted = match (kind, dict.get(b"Function")) {
        (1..=3, Ok(f)) => gray_function(doc, f, family, 0),
        _ => None,
    };
    match converted {
        Some(function) => {
            dict.set("Function", function);
            dict.set("ColorSpace", Object::Name(b"DeviceGray".to_vec()));
            if let Ok(bg) = dict.get(b"Background").and_then(Object::as_array) {
                if let Some(g) = gray_of(family, bg) {
                    dict.set("Background", Object::Array(vec![real(g)]));
                }
            }
            stats.shadings += 1;
        }
        None => stats.unconverted_shadings += 1,
    }
}

struct Grayscale;

impl Tool for Grayscale {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "grayscale-pdf",
            "Grayscale PDF",
            "Convert a PDF's text, drawings and images to shades of gray; text stays text.",
            json!({
                "type": "object",
                "properties": {
                    "mode": {"enum": ["vector"], "default": "vector", "description": "Colours are rewritten in place (no rasterising)."}
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        match settings.mode.as_deref().map(str::trim) {
            None | Some("") | Some("vector") => {}
            Some(other) => {
                return Err(lathe_tool_sdk::invalid_settings(format!(
                    "mode '{other}' is not supported; use vector"
                )))
            }
        }
        let input = &inputs[0];
        let mut doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let mut stats = Stats::default();

        // Images first: their colour spaces must still be the original ones when read.
        let ids: Vec<ObjectId> = doc.objects.keys().copied().collect();
        for &id in &ids {
            let Some(Object::Stream(stream)) = doc.objects.get(&id) else {
                continue;
            };
            if !matches!(
                stream.dict.get(b"Subtype").and_then(Object::as_name),
                Ok(b"Image")
            ) {
                continue;
            }
            match convert_image(&doc, stream) {
                Some(Ok(new)) => {
                    doc.objects.insert(id, Object::Stream(new));
                    stats.images += 1;
                }
                Some(Err(())) => stats.unconverted_images += 1,
                None => {}
            }
        }
        // Content streams, while named colour spaces still say RGB or CMYK.
        for (id, resources) in content_streams(&doc, &tree) {
            convert_content(&mut doc, id, &resources, &mut stats);
        }
        // Palettes and shadings wherever they are (taken out of the document while walked).
        for &id in &ids {
            let Some(mut object) = doc.objects.remove(&id) else {
                continue;
            };
            convert_nested(&doc, &mut object, &mut stats, 0);
            doc.objects.insert(id, object);
        }
        let unconverted = stats.unconverted_colour_spaces
            + stats.unconverted_images
            + stats.unconverted_shadings
            + stats.unreadable_streams;
        Ok(
            pdf_output(&mut doc, format!("{}.pdf", input.stem()))?.with_extra(json!({
                "pageCount": tree.len(),
                "contentStreams": stats.content_streams,
                "colourOperators": stats.colour_operators,
                "images": stats.images,
                "palettes": stats.palettes,
                "shadings": stats.shadings,
                "unconverted": unconverted,
                "unconvertedDetail": {
                    "colourSpaceUses": stats.unconverted_colour_spaces,
                    "images": stats.unconverted_images,
                    "shadings": stats.unconverted_shadings,
                    "unreadableStreams": stats.unreadable_streams,
                },
            })),
        )
    }
}

lathe_tool_sdk::export_tool!(Grayscale);
