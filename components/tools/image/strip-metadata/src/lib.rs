//! `image/strip-metadata`: remove EXIF, GPS, ICC, XMP and IPTC blocks from an image.
//!
//! JPEG, PNG and WebP are edited losslessly: the container (JPEG marker segments, PNG
//! chunks, WebP RIFF chunks) is walked and the selected blocks are dropped; pixel data is
//! copied byte for byte. `stripGps` alone rewrites the EXIF block in place: the GPS IFD
//! pointer is removed from IFD0 and the GPS IFD with its values is zeroed.
//!
//! When the EXIF block of an image whose EXIF orientation is not 1 is removed, the
//! pixels are decoded, turned upright and re-encoded (JPEG at quality 95), so the image
//! still displays the same way; that output carries no metadata at all. TIFF and BMP
//! are always re-encoded (Lathe's encoders write no metadata).
//!
//! The sub-route `inspect` lists which blocks (EXIF, GPS, ICC, XMP, IPTC, comments) an
//! image holds, with their sizes and the EXIF fields, without changing anything.

use lathe_image_kit::image::metadata::Orientation;
use lathe_image_kit::{decode, output_file, probe, ImageFormat};
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// JPEG quality used when the image has to be re-encoded.
const REENCODE_QUALITY: u8 = 95;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    strip_all: Option<bool>,
    strip_exif: Option<bool>,
    strip_gps: Option<bool>,
    strip_icc: Option<bool>,
    strip_xmp: Option<bool>,
}

/// What to remove, resolved from the settings.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Everything: EXIF, XMP, ICC, IPTC, comments and text chunks.
    all: bool,
    exif: bool,
    gps: bool,
    icc: bool,
    xmp: bool,
}

impl Plan {
    fn from_settings(s: &Settings) -> Plan {
        let exif = s.strip_exif.unwrap_or(false);
        let gps = s.strip_gps.unwrap_or(false);
        let icc = s.strip_icc.unwrap_or(false);
        let xmp = s.strip_xmp.unwrap_or(false);
        // stripAll defaults to true unless a specific block was asked for.
        let all = s.strip_all.unwrap_or(!(exif || gps || icc || xmp));
        Plan {
            all,
            exif: all || exif,
            gps: all || exif || gps,
            icc: all || icc,
            xmp: all || xmp,
        }
    }
}

/// The blocks removed so far, for the response.
#[derive(Default)]
struct Report {
    removed: Vec<&'static str>,
}

impl Report {
    fn add(&mut self, what: &'static str) {
        if !self.removed.contains(&what) {
            self.removed.push(what);
        }
    }

    /// Copies `block` to `out`, or only records it when it is `dropped` (named).
    fn copy_unless(&mut self, dropped: Option<&'static str>, block: &[u8], out: &mut Vec<u8>) {
        match dropped {
            Some(what) => self.add(what),
            None => out.extend_from_slice(block),
        }
    }

    /// Removes the GPS IFD from an EXIF block in place, recording it when there was one.
    fn strip_gps(&mut self, tiff: &mut [u8]) {
        if remove_gps(tiff) == Some(true) {
            self.add("gps");
        }
    }
}

fn corrupt(what: &str) -> ToolError {
    ToolError::UnsupportedInput(format!("the {what} file is corrupt or truncated"))
}

// ---------------------------------------------------------------------------------------
// EXIF (TIFF) GPS removal

/// Byte order of a TIFF block.
#[derive(Clone, Copy)]
struct Tiff<'a> {
    data: &'a [u8],
    le: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.data.get(at..at + 2)?;
        Some(if self.le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let b = self.data.get(at..at + 4)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }
}

fn put_u16(buf: &mut [u8], at: usize, v: u16, le: bool) {
    let b = if le { v.to_le_bytes() } else { v.to_be_bytes() };
    buf[at..at + 2].copy_from_slice(&b);
}

fn put_u32(buf: &mut [u8], at: usize, v: u32, le: bool) {
    let b = if le { v.to_le_bytes() } else { v.to_be_bytes() };
    buf[at..at + 4].copy_from_slice(&b);
}

/// Size in bytes of one value of a TIFF field type.
fn type_size(t: u16) -> usize {
    match t {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => 0,
    }
}

/// Removes the GPS IFD from a TIFF-structured EXIF block in place (the block keeps its
/// size). Returns whether a GPS IFD was found. `None` when the block is malformed.
fn remove_gps(tiff: &mut [u8]) -> Option<bool> {
    let le = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let view = Tiff { data: tiff, le };
    let ifd0 = view.u32(4)? as usize;
    let count = view.u16(ifd0)? as usize;
    let entries = ifd0 + 2;
    tiff.get(entries..entries + count * 12 + 4)?;
    let Some(k) = (0..count).find(|&i| view.u16(entries + i * 12) == Some(0x8825)) else {
        return Some(false);
    };
    let gps = view.u32(entries + k * 12 + 8)? as usize;
    // Zero the GPS IFD's out-of-line values and the IFD itself (when in bounds).
    let mut wipes = Vec::new();
    if let Some(n) = view.u16(gps) {
        let n = n as usize;
        if tiff.len() >= gps + 2 + n * 12 + 4 {
            for i in 0..n {
                let e = gps + 2 + i * 12;
                let size = type_size(view.u16(e + 2)?).saturating_mul(view.u32(e + 4)? as usize);
                if size > 4 {
                    let off = view.u32(e + 8)? as usize;
                    if off.checked_add(size).is_some_and(|end| end <= tiff.len()) {
                        wipes.push(off..off + size);
                    }
                }
            }
            wipes.push(gps..gps + 2 + n * 12 + 4);
        }
    }
    let next = view.u32(entries + count * 12)?;
    for r in wipes {
        tiff[r].fill(0);
    }
    // Shift the later entries up, then rewrite the count and the next-IFD offset.
    tiff.copy_within(
        entries + (k + 1) * 12..entries + count * 12,
        entries + k * 12,
    );
    put_u16(tiff, ifd0, (count - 1) as u16, le);
    let next_at = entries + (count - 1) * 12;
    put_u32(tiff, next_at, next, le);
    tiff[next_at + 4..next_at + 16].fill(0);
    Some(true)
}

// ---------------------------------------------------------------------------------------
// JPEG

const EXIF_ID: &[u8] = b"Exif\0\0";
const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/";
const XMP_EXT_ID: &[u8] = b"http://ns.adobe.com/xmp/extension/";
const ICC_ID: &[u8] = b"ICC_PROFILE\0";

fn strip_jpeg(data: &[u8], plan: Plan, report: &mut Report) -> Result<Vec<u8>, ToolError> {
    if data.len() < 4 || data[..2] != [0xFF, 0xD8] {
        return Err(corrupt("JPEG"));
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..2]);
    let mut pos = 2;
    loop {
        // Skip fill bytes before a marker.
        while data.get(pos) == Some(&0xFF) && data.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (data.get(pos), data.get(pos + 1)) else {
            return Err(corrupt("JPEG"));
        };
        // Standalone markers.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            out.extend_from_slice(&data[pos..pos + 2]);
            pos += 2;
            continue;
        }
        if marker == 0xD9 || marker == 0xDA {
            // End of image, or start of scan: copy the rest verbatim.
            out.extend_from_slice(&data[pos..]);
            return Ok(out);
        }
        let len = data
            .get(pos + 2..pos + 4)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
            .ok_or_else(|| corrupt("JPEG"))?;
        let end = pos + 2 + len;
        if len < 2 || end > data.len() {
            return Err(corrupt("JPEG"));
        }
        let payload = &data[pos + 4..end];
        let dropped = match marker {
            0xE1 if payload.starts_with(EXIF_ID) => {
                if plan.exif {
                    Some("exif")
                } else if plan.gps {
                    let mut seg = data[pos..end].to_vec();
                    report.strip_gps(&mut seg[4 + EXIF_ID.len()..]);
                    out.extend_from_slice(&seg);
                    pos = end;
                    continue;
                } else {
                    None
                }
            }
            0xE1 if plan.xmp
                && (payload.starts_with(XMP_ID) || payload.starts_with(XMP_EXT_ID)) =>
            {
                Some("xmp")
            }
            0xE2 if plan.icc && payload.starts_with(ICC_ID) => Some("icc"),
            0xED if plan.all => Some("iptc"),
            0xFE if plan.all => Some("comment"),
            _ => None,
        };
        report.copy_unless(dropped, &data[pos..end], &mut out);
        pos = end;
    }
}

// ---------------------------------------------------------------------------------------
// PNG

/// CRC-32 (IEEE) as PNG chunks use it.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for part in parts {
        for &b in *part {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    !crc
}

fn strip_png(data: &[u8], plan: Plan, report: &mut Report) -> Result<Vec<u8>, ToolError> {
    const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !data.starts_with(SIG) {
        return Err(corrupt("PNG"));
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(SIG);
    let mut pos = SIG.len();
    while pos < data.len() {
        let head = data.get(pos..pos + 8).ok_or_else(|| corrupt("PNG"))?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        let end = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .filter(|&e| e <= data.len())
            .ok_or_else(|| corrupt("PNG"))?;
        let body = &data[pos + 8..pos + 8 + len];
        let dropped = match &kind {
            b"eXIf" => {
                if plan.exif {
                    Some("exif")
                } else if plan.gps {
                    let mut body = body.to_vec();
                    report.strip_gps(&mut body);
                    out.extend_from_slice(&data[pos..pos + 8]);
                    out.extend_from_slice(&body);
                    out.extend_from_slice(&crc32(&[&kind, &body]).to_be_bytes());
                    pos = end;
                    continue;
                } else {
                    None
                }
            }
            b"iCCP" if plan.icc => Some("icc"),
            b"iTXt" if plan.xmp && body.starts_with(b"XML:com.adobe.xmp\0") => Some("xmp"),
            b"iTXt" | b"tEXt" | b"zTXt" if plan.all => Some("text"),
            _ => None,
        };
        report.copy_unless(dropped, &data[pos..end], &mut out);
        pos = end;
        if &kind == b"IEND" {
            break;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// WebP

fn strip_webp(data: &[u8], plan: Plan, report: &mut Report) -> Result<Vec<u8>, ToolError> {
    if data.len() < 12 || &data[..4] != b"RIFF" || &data[8..12] != b"WEBP" {
        return Err(corrupt("WebP"));
    }
    let riff_end = (u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize)
        .saturating_add(8)
        .min(data.len());
    let mut out = data[..12].to_vec();
    let mut pos = 12;
    let mut vp8x_at = None;
    let (mut has_icc, mut has_exif, mut has_xmp) = (false, false, false);
    while pos + 8 <= riff_end {
        let kind: [u8; 4] = [data[pos], data[pos + 1], data[pos + 2], data[pos + 3]];
        let len = u32::from_le_bytes([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]]);
        let end = (pos + 8)
            .checked_add(len as usize + (len as usize & 1))
            .ok_or_else(|| corrupt("WebP"))?
            .min(riff_end);
        if pos + 8 + len as usize > riff_end {
            return Err(corrupt("WebP"));
        }
        let dropped = match &kind {
            b"EXIF" if plan.exif => Some("exif"),
            b"EXIF" => {
                has_exif = true;
                if plan.gps {
                    let mut chunk = data[pos..end].to_vec();
                    let body = &mut chunk[8..8 + len as usize];
                    let skip = if body.starts_with(EXIF_ID) {
                        EXIF_ID.len()
                    } else {
                        0
                    };
                    report.strip_gps(&mut body[skip..]);
                    out.extend_from_slice(&chunk);
                    pos = end;
                    continue;
                }
                None
            }
            b"XMP " if plan.xmp => Some("xmp"),
            b"XMP " => {
                has_xmp = true;
                None
            }
            b"ICCP" if plan.icc => Some("icc"),
            b"ICCP" => {
                has_icc = true;
                None
            }
            b"VP8X" => {
                vp8x_at = Some(out.len());
                None
            }
            _ => None,
        };
        report.copy_unless(dropped, &data[pos..end], &mut out);
        pos = end;
    }
    if let Some(at) = vp8x_at {
        if let Some(flags) = out.get_mut(at + 8) {
            *flags &= !(0x20 | 0x08 | 0x04);
            if has_icc {
                *flags |= 0x20;
            }
            if has_exif {
                *flags |= 0x08;
            }
            if has_xmp {
                *flags |= 0x04;
            }
        }
    }
    let size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(out)
}

// ---------------------------------------------------------------------------------------

/// `{"present": .., "size": .., ...extra}` for one kind of block.
fn block(size: Option<usize>, extra: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({"present": size.is_some(), "size": size.unwrap_or(0)});
    if let (Some(map), serde_json::Value::Object(more)) = (v.as_object_mut(), extra) {
        map.extend(more);
    }
    v
}

/// The metadata report of the `inspect` sub-route.
fn inspect(input: &Input) -> Result<serde_json::Value, ToolError> {
    use lathe_metadata_kit as mk;
    use serde_json::{json, Value};
    let head = probe(input)?;
    let blocks = mk::read_any_blocks(&input.data, head.exif.as_ref(), head.icc.as_ref())?;
    let parsed = blocks.exif.as_deref().and_then(mk::parse_exif);
    let gps = parsed.as_ref().and_then(mk::gps_position);
    let has_gps = parsed.as_ref().is_some_and(mk::has_gps);
    let xmp = blocks.xmp.as_deref().map(mk::xmp_json);
    let iptc = blocks.iptc.as_deref().and_then(mk::iptc_json);
    let present: Vec<&str> = [
        ("exif", blocks.exif.is_some()),
        ("gps", has_gps),
        ("icc", blocks.icc.is_some()),
        ("xmp", blocks.xmp_size > 0 || blocks.xmp.is_some()),
        ("iptc", blocks.iptc.is_some()),
        ("comments", !blocks.comments.is_empty()),
    ]
    .into_iter()
    .filter_map(|(name, has)| has.then_some(name))
    .collect();
    let metadata_size = blocks.exif.as_ref().map_or(0, Vec::len)
        + blocks.icc.as_ref().map_or(0, Vec::len)
        + blocks.xmp_size
        + blocks.iptc.as_ref().map_or(0, Vec::len)
        + blocks.comments_size;
    Ok(json!({
        "format": format!("{:?}", head.format).to_ascii_lowercase(),
        "size": input.data.len(),
        "width": head.width,
        "height": head.height,
        "orientation": head.orientation.to_exif(),
        "present": present,
        "metadataSize": metadata_size,
        "exif": block(blocks.exif.as_ref().map(Vec::len), json!({
            "readable": blocks.exif.is_none() || parsed.is_some(),
            "fields": parsed.as_ref().map(mk::exif_json),
        })),
        "gps": json!({
            "present": has_gps,
            "latitude": gps.and_then(|g| g.latitude),
            "longitude": gps.and_then(|g| g.longitude),
            "altitude": gps.and_then(|g| g.altitude),
        }),
        "icc": block(blocks.icc.as_ref().map(Vec::len), json!({
            "description": blocks.icc.as_deref().and_then(mk::icc_description),
        })),
        "xmp": block((blocks.xmp_size > 0 || blocks.xmp.is_some()).then_some(blocks.xmp_size), json!({
            "fields": xmp,
        })),
        "iptc": block(blocks.iptc.as_ref().map(Vec::len), json!({
            "fields": iptc.unwrap_or(Value::Null),
        })),
        "comments": block((!blocks.comments.is_empty()).then_some(blocks.comments_size), json!({
            "count": blocks.comments.len(),
            "items": blocks.comments,
        })),
    }))
}

struct StripMetadata;

impl Tool for StripMetadata {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("strip-metadata", Section::Image, "Strip Metadata", "Remove EXIF, GPS, ICC, XMP and IPTC metadata without re-encoding the pixels (JPEG, PNG, WebP)."),
            serde_json::json!({
                    "stripAll": {"type": "boolean", "default": true},
                    "stripExif": {"type": "boolean", "default": false},
                    "stripGps": {"type": "boolean", "default": false},
                    "stripIcc": {"type": "boolean", "default": false},
                    "stripXmp": {"type": "boolean", "default": false}
            }),
            &[],
            Produces::SAME,
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let plan = Plan::from_settings(&settings);
        let input = &inputs[0];
        let head = probe(input)?;
        let mut report = Report::default();
        let lossless = match head.format {
            lathe_image_kit::image::ImageFormat::Jpeg => Some((
                strip_jpeg(&input.data, plan, &mut report)?,
                ImageFormat::Jpeg,
            )),
            lathe_image_kit::image::ImageFormat::Png => {
                Some((strip_png(&input.data, plan, &mut report)?, ImageFormat::Png))
            }
            lathe_image_kit::image::ImageFormat::WebP => Some((
                strip_webp(&input.data, plan, &mut report)?,
                ImageFormat::WebP,
            )),
            _ => None,
        };
        let rotated = head.orientation != Orientation::NoTransforms;
        let (file, reencoded) = match lossless {
            Some((bytes, format)) if !(rotated && report.removed.contains(&"exif")) => {
                let name = format!("{}.{}", input.stem(), format.extension());
                (
                    lathe_tool_sdk::OutputFile::new(name, format.media_type(), bytes),
                    false,
                )
            }
            _ => {
                let format = ImageFormat::from_image(head.format)
                    .filter(|f| *f != ImageFormat::Gif)
                    .ok_or_else(|| {
                        ToolError::UnsupportedInput(
                            "strip-metadata reads JPEG, PNG, WebP, TIFF and BMP".into(),
                        )
                    })?;
                let decoded = decode(input)?;
                if lossless.is_none() {
                    report.add("all");
                }
                (
                    output_file(input, &decoded.image, format, REENCODE_QUALITY)?,
                    true,
                )
            }
        };
        let saved = input.data.len() as i64 - file.data.len() as i64;
        Ok(Output::file(file).with_extra(serde_json::json!({
            "removed": report.removed,
            "reencoded": reencoded,
            "originalSize": input.data.len(),
            "bytesSaved": saved
        })))
    }

    const OPERATIONS: &'static [&'static str] = &["inspect"];

    fn run_operation(
        operation: &str,
        inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        let input = lathe_metadata_kit::one_image_operation(
            operation,
            "inspect",
            &inputs,
            settings,
            "inspect takes one image at a time",
        )?;
        Ok(Output::default().with_extra(inspect(input)?))
    }
}

lathe_tool_sdk::export_tool!(StripMetadata);
