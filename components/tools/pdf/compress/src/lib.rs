//! `pdf/compress-pdf`: make a PDF smaller.
//!
//! * Photos are re-encoded: JPEG (`DCTDecode`) images with 1 or 3 colour components are
//!   decoded and written again at the chosen JPEG quality, and 8-bit Flate images become
//!   JPEGs when that at least halves them (photo-like content; line art stays lossless).
//!   Images whose longer side is over a limit that shrinks with the quality are
//!   downsampled first. A re-encoded image is kept only when it is smaller.
//! * Streams stored without any filter are Flate-compressed.
//! * Objects nothing refers to are dropped, and the file is written with object streams
//!   and a cross-reference stream (PDF 1.5).
//!
//! `mode: "quality"` (default) uses `quality` (1..=100, default 70); `mode: "targetSize"`
//! searches the highest quality whose result fits in `targetSizeKb`, then, when even the
//! lowest does not, ever smaller images (down to 80 px on the longer side); what is left
//! over the target is text, fonts and vector art, which it cannot shrink (`targetMet`
//! says whether it fit). The result is never larger than the input: then the input comes
//! back unchanged (`compressed: false`).
//!
//! Not done (a comment so nobody expects it): images are downsampled by pixel count, not by
//! the resolution at which the page shows them; CMYK, 16-bit, JPX, JBIG2 and CCITT images
//! and fonts are left as they are.

use std::io::Cursor;

use lathe_image_kit::image::{self, ImageDecoder};
use lathe_image_kit::{encode, resize_exact, DynamicImage, EncodeOptions, ImageFormat};
use lathe_pdf_kit::lopdf::{Document, Object, ObjectId, SaveOptions, Stream};
use lathe_pdf_kit::{
    fix_lengths, int_entry, load, one_pdf_tool_info, prepare_for_save, PageTree, PDF_MIME,
};
use lathe_tool_sdk::settings::optional_number as number;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// Quality of `quality` mode when none is given.
const DEFAULT_QUALITY: u8 = 70;

/// The most pixels one image may have to be re-encoded (larger ones are left alone).
const MAX_IMAGE_PIXELS: u64 = 100_000_000;

/// The most image pixels decoded in one pass over the document (the rest are kept).
const MAX_PASS_PIXELS: u64 = 400_000_000;

/// Images smaller than this many pixels are not worth re-encoding.
const MIN_IMAGE_PIXELS: u64 = 64 * 64;

/// Qualities tried in `targetSize` mode, best first.
const SEARCH_QUALITIES: [u8; 10] = [90, 80, 70, 60, 50, 40, 30, 20, 10, 5];

/// Longer sides (pixels) images are shrunk to, at [`SHRUNK_QUALITY`], when no quality
/// alone reaches the target: smaller pictures look better than blockier ones.
const SEARCH_SIDES: [u32; 8] = [900, 700, 500, 350, 250, 175, 120, 80];

/// JPEG quality of the shrunk images.
const SHRUNK_QUALITY: u8 = 40;

/// The settings (seed 001: mode quality|targetSize, quality 1..100, targetSizeKb).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    mode: Option<String>,
    quality: Option<Value>,
    #[serde(alias = "targetSize", alias = "targetKb")]
    target_size_kb: Option<Value>,
}

/// The longest image side kept at `quality`; longer images are downsampled to it.
fn max_side(quality: u8) -> u32 {
    match quality {
        90..=100 => u32::MAX,
        75..=89 => 3000,
        50..=74 => 2200,
        25..=49 => 1600,
        _ => 1100,
    }
}

/// How an image's samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// `DCTDecode` (JPEG).
    Jpeg,
    /// Decodable by lopdf to raw 8-bit samples (Flate, LZW, ...).
    Raw,
}

/// An image that may be re-encoded.
struct Candidate {
    id: ObjectId,
    encoding: Encoding,
    width: u32,
    height: u32,
    /// Colour components: 1 (gray) or 3 (RGB).
    components: u8,
    /// The stream as it was in the input.
    original: Stream,
}

/// The number of components of a colour space, for the spaces a JPEG can carry as is.
fn components(doc: &Document, space: &Object, depth: usize) -> Option<u8> {
    if depth > 8 {
        return None;
    }
    let (_, space) = doc.dereference(space).ok()?;
    match space {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" | b"G" => Some(1),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Some(3),
            _ => None,
        },
        Object::Array(items) => {
            let family = items.first()?.as_name().ok()?;
            match family {
                b"ICCBased" => {
                    let (_, profile) = doc.dereference(items.get(1)?).ok()?;
                    let n = profile
                        .as_stream()
                        .ok()?
                        .dict
                        .get(b"N")
                        .ok()?
                        .as_i64()
                        .ok()?;
                    matches!(n, 1 | 3).then_some(n as u8)
                }
                b"CalGray" => Some(1),
                b"CalRGB" => Some(3),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The filter names of a stream, in order.
fn filters(doc: &Document, stream: &Stream) -> Vec<Vec<u8>> {
    let Ok(v) = stream.dict.get(b"Filter") else {
        return Vec::new();
    };
    match doc.dereference(v).map(|(_, v)| v) {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => vec![b"?".to_vec()],
    }
}

/// The images of `doc` that [`recompress`] can work on.
fn candidates(doc: &Document) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (&id, object) in &doc.objects {
        let Object::Stream(stream) = object else {
            continue;
        };
        let dict = &stream.dict;
        if !dict.has_type(b"XObject") && !dict.has(b"Subtype") {
            continue;
        }
        if !matches!(dict.get(b"Subtype").and_then(Object::as_name), Ok(b"Image")) {
            continue;
        }
        // Masks, decode arrays and colour-key masks change how samples are read: leave them.
        let is_mask = matches!(dict.get(b"ImageMask"), Ok(Object::Boolean(true)));
        if is_mask
            || dict.has(b"Decode")
            || matches!(dict.get(b"Mask"), Ok(Object::Array(_)))
            || dict.has(b"SMaskInData")
        {
            continue;
        }
        let (Some(w), Some(h)) = (
            int_entry(doc, dict, b"Width"),
            int_entry(doc, dict, b"Height"),
        ) else {
            continue;
        };
        if w <= 0 || h <= 0 || w > 65_535 || h > 65_535 {
            continue;
        }
        let pixels = (w * h) as u64;
        if !(MIN_IMAGE_PIXELS..=MAX_IMAGE_PIXELS).contains(&pixels) {
            continue;
        }
        if int_entry(doc, dict, b"BitsPerComponent").unwrap_or(8) != 8 {
            continue;
        }
        let Some(n) = dict
            .get(b"ColorSpace")
            .ok()
            .and_then(|cs| components(doc, cs, 0))
        else {
            continue;
        };
        let names = filters(doc, stream);
        let encoding = match names.as_slice() {
            [f] if f == b"DCTDecode" => Encoding::Jpeg,
            [] => Encoding::Raw,
            [f] if f == b"FlateDecode" || f == b"LZWDecode" || f == b"RunLengthDecode" => {
                Encoding::Raw
            }
            _ => continue,
        };
        out.push(Candidate {
            id,
            encoding,
            width: w as u32,
            height: h as u32,
            components: n,
            original: stream.clone(),
        });
    }
    out
}

/// Decodes a candidate's samples (bounded by its declared size).
fn decode(c: &Candidate) -> Option<DynamicImage> {
    let (w, h, n) = (c.width, c.height, u64::from(c.components));
    match c.encoding {
        Encoding::Jpeg => {
            let mut reader = image::ImageReader::with_format(
                Cursor::new(&c.original.content[..]),
                image::ImageFormat::Jpeg,
            );
            let mut limits = image::Limits::default();
            limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4);
            reader.limits(limits);
            let decoder = reader.into_decoder().ok()?;
            // The JPEG must match the image dictionary (size and component count).
            if decoder.dimensions() != (w, h) {
                return None;
            }
            let expected = if n == 1 {
                image::ColorType::L8
            } else {
                image::ColorType::Rgb8
            };
            if decoder.color_type() != expected {
                return None;
            }
            DynamicImage::from_decoder(decoder).ok()
        }
        Encoding::Raw => {
            let size = u64::from(w) * u64::from(h) * n;
            let data = c
                .original
                .decompressed_content_with_limit(size as usize + 1)
                .or_else(|_| {
                    if c.original.dict.has(b"Filter") {
                        Err(())
                    } else {
                        Ok(c.original.content.clone())
                    }
                })
                .ok()?;
            if (data.len() as u64) < size {
                return None;
            }
            let mut data = data;
            data.truncate(size as usize);
            if n == 1 {
                image::GrayImage::from_raw(w, h, data).map(DynamicImage::ImageLuma8)
            } else {
                image::RgbImage::from_raw(w, h, data).map(DynamicImage::ImageRgb8)
            }
        }
    }
}

/// What one pass over the images did.
#[derive(Debug, Default, Clone, Copy)]
struct Pass {
    recompressed: usize,
    downsampled: usize,
}

/// Re-encodes the candidate images of `doc` at `quality`, starting each from its original
/// stream, keeping a new stream only when it is smaller than the original.
fn recompress(doc: &mut Document, images: &[Candidate], quality: u8, limit: u32) -> Pass {
    let mut pass = Pass::default();
    let mut budget = MAX_PASS_PIXELS;
    for c in images {
        let pixels = u64::from(c.width) * u64::from(c.height);
        let mut chosen = c.original.clone();
        if pixels <= budget {
            budget -= pixels;
            if let Some(new) = reencode(c, quality, limit) {
                if new.0.content.len() < c.original.content.len() {
                    pass.recompressed += 1;
                    if new.1 {
                        pass.downsampled += 1;
                    }
                    chosen = new.0;
                }
            }
        }
        doc.objects.insert(c.id, Object::Stream(chosen));
    }
    pass
}

/// One image re-encoded as a JPEG at `quality`, downsampled to `limit` pixels a side;
/// `None` when it cannot be decoded or a Flate image does not at least halve.
fn reencode(c: &Candidate, quality: u8, limit: u32) -> Option<(Stream, bool)> {
    let mut img = decode(c)?;
    let long = c.width.max(c.height);
    let downsampled = long > limit;
    if downsampled {
        let scale = f64::from(limit) / f64::from(long);
        let w = ((f64::from(c.width) * scale).round() as u32).max(1);
        let h = ((f64::from(c.height) * scale).round() as u32).max(1);
        img = resize_exact(&img, w, h).ok()?;
    }
    let bytes = encode(&img, ImageFormat::Jpeg, EncodeOptions { quality }).ok()?;
    if c.encoding == Encoding::Raw && bytes.len() * 2 > c.original.content.len() {
        return None;
    }
    let mut stream = c.original.clone();
    stream.dict.remove(b"DecodeParms");
    stream
        .dict
        .set("Filter", Object::Name(b"DCTDecode".to_vec()));
    stream.dict.set("Width", i64::from(img.width()));
    stream.dict.set("Height", i64::from(img.height()));
    stream.dict.set("BitsPerComponent", 8);
    stream.set_content(bytes);
    stream.allows_compression = false;
    Some((stream, downsampled))
}

/// Flate-compresses every stream stored without a filter (metadata stays readable);
/// returns how many got smaller.
fn compress_plain_streams(doc: &mut Document) -> usize {
    let mut count = 0;
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.has(b"Filter") || stream.dict.has_type(b"Metadata") {
            continue;
        }
        let before = stream.content.len();
        if stream.compress().is_ok() && stream.content.len() < before {
            count += 1;
        }
    }
    count
}

/// Writes the document with object streams and a cross-reference stream.
fn save_compact(doc: &mut Document) -> Result<Vec<u8>, ToolError> {
    // Object and cross-reference streams of the source were unpacked by lopdf; new ones
    // are written.
    prepare_for_save(doc);
    fix_lengths(doc);
    let options = SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .compression_level(9)
        .build();
    let mut out = Vec::new();
    doc.save_with_options(&mut out, options)
        .map_err(|e| ToolError::Failed(format!("could not write the PDF: {e}")))?;
    Ok(out)
}

/// The bytes of `doc` with its images re-encoded at `quality`.
fn attempt(
    doc: &mut Document,
    images: &[Candidate],
    quality: u8,
    limit: u32,
) -> Result<(Vec<u8>, Pass), ToolError> {
    let pass = recompress(doc, images, quality, limit);
    let bytes = save_compact(doc)?;
    Ok((bytes, pass))
}

struct Compress;

impl Tool for Compress {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "compress-pdf",
            "Compress PDF",
            "Make a PDF smaller: re-encode and downsample photos, compress streams, drop unused objects.",
            json!({
                "type": "object",
                "properties": {
                    "mode": {"enum": ["quality", "targetSize"], "default": "quality"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": DEFAULT_QUALITY, "description": "JPEG quality of re-encoded images; lower also downsamples large images more."},
                    "targetSizeKb": {"type": "number", "exclusiveMinimum": 0, "description": "Required in targetSize mode."}
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let target = match settings.mode.as_deref().map(str::trim) {
            None | Some("") | Some("quality") => None,
            Some("targetSize" | "target-size" | "target_size" | "size") => {
                let kb =
                    number(settings.target_size_kb.as_ref(), "targetSizeKb")?.ok_or_else(|| {
                        invalid_settings("targetSizeKb is required when mode is targetSize")
                    })?;
                if kb <= 0.0 || kb > 4.0e9 {
                    return Err(invalid_settings(format!(
                        "targetSizeKb must be greater than 0, got {kb}"
                    )));
                }
                Some((kb * 1024.0) as u64)
            }
            Some(other) => {
                return Err(invalid_settings(format!(
                    "mode '{other}' is not supported; use quality or targetSize"
                )))
            }
        };
        let quality = match number(settings.quality.as_ref(), "quality")? {
            None => DEFAULT_QUALITY,
            Some(q) if (1.0..=100.0).contains(&q) => q.round() as u8,
            Some(q) => {
                return Err(invalid_settings(format!(
                    "quality must be between 1 and 100, got {q}"
                )))
            }
        };
        let input = &inputs[0];
        let mut doc = load(input)?;
        let page_count = PageTree::of(&doc)?.len();
        let before = doc.objects.len();
        doc.prune_objects();
        let removed = before.saturating_sub(doc.objects.len());
        let streams = compress_plain_streams(&mut doc);
        let images = candidates(&doc);

        let original_size = input.data.len() as u64;
        let (bytes, pass, used_quality, target_met) = match target {
            None => {
                let (bytes, pass) = attempt(&mut doc, &images, quality, max_side(quality))?;
                (bytes, pass, quality, None)
            }
            Some(limit) => {
                // Highest quality that fits; the smallest result when none does.
                let mut best: Option<(Vec<u8>, Pass, u8)> = None;
                let mut met = false;
                // First lower qualities, then (a target no quality reaches) smaller images.
                let steps = SEARCH_QUALITIES
                    .iter()
                    .map(|&q| (q, max_side(q)))
                    .chain(SEARCH_SIDES.iter().map(|&side| (SHRUNK_QUALITY, side)));
                for (q, side) in steps {
                    let (bytes, pass) = attempt(&mut doc, &images, q, side)?;
                    let fits = bytes.len() as u64 <= limit;
                    let smaller = best.as_ref().is_none_or(|b| bytes.len() < b.0.len());
                    if fits || smaller {
                        best = Some((bytes, pass, q));
                    }
                    if fits {
                        met = true;
                        break;
                    }
                    // Without images the quality changes nothing: no point going on.
                    if images.is_empty() {
                        break;
                    }
                }
                let (bytes, pass, q) =
                    best.ok_or_else(|| ToolError::Failed("nothing was produced".into()))?;
                (bytes, pass, q, Some(met))
            }
        };

        let compressed = (bytes.len() as u64) < original_size;
        let (data, note) = if compressed {
            (bytes, None)
        } else {
            (
                input.data.clone(),
                Some("the PDF could not be made smaller; the original is returned unchanged"),
            )
        };
        let mut extra = json!({
            "mode": if target.is_some() { "targetSize" } else { "quality" },
            "quality": used_quality,
            "pageCount": page_count,
            "compressed": compressed,
            "imagesRecompressed": if compressed { pass.recompressed } else { 0 },
            "imagesDownsampled": if compressed { pass.downsampled } else { 0 },
            "streamsCompressed": if compressed { streams } else { 0 },
            "objectsRemoved": if compressed { removed } else { 0 },
            "savedPercent": if compressed {
                ((original_size - data.len() as u64) as f64 * 1000.0 / original_size as f64).round() / 10.0
            } else { 0.0 },
        });
        if let Some(met) = target_met {
            extra["targetSizeKb"] = json!(target.unwrap_or(0) as f64 / 1024.0);
            extra["targetMet"] = json!(met && data.len() as u64 <= target.unwrap_or(0));
        }
        if let Some(note) = note {
            extra["note"] = json!(note);
        }
        Ok(Output::file(OutputFile::new(
            format!("{}.pdf", input.stem()),
            PDF_MIME,
            data,
        ))
        .with_extra(extra))
    }
}

lathe_tool_sdk::export_tool!(Compress);
