//! Reading and writing image metadata blocks for Lathe's metadata tools.
//!
//! * [`read_blocks`] splits a JPEG, PNG or WebP container (via `img-parts`) into its
//!   metadata blocks: EXIF, XMP, ICC, IPTC and comments.
//! * [`exif_json`] turns an EXIF (TIFF-structured) block into grouped JSON with
//!   kamadak-exif, [`gps_position`] reads its GPS position as decimal degrees.
//! * [`parse_xmp`] / [`write_xmp`] read and write the simple and array properties of an
//!   XMP packet; [`iptc_json`] reads IPTC-IIM datasets from a Photoshop APP13 block.
//!
//! Nothing here decodes pixels, and nothing panics on malformed input.

pub mod dates;
mod iptc;
mod subroute;
mod write;
mod xmp;

pub use iptc::iptc_json;
pub use subroute::one_image_operation;
pub use write::write_blocks;
pub use xmp::{
    parse_xmp, remove_property, set_keywords, set_property, write_xmp, XmpProperty, XmpValue, DC,
    PHOTOSHOP,
};

use exif::{In, Tag, Value as ExifValue};
use img_parts::jpeg::{markers, Jpeg};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF, ImageICC};
use lathe_tool_sdk::ToolError;
use serde_json::{json, Map, Value};

pub use img_parts;

/// JPEG APP1 prefix of an XMP packet.
pub const JPEG_XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// JPEG APP1 prefix of an extended-XMP part.
const JPEG_XMP_EXT_ID: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
/// JPEG APP13 prefix of a Photoshop image-resource block (holds IPTC-IIM).
const PHOTOSHOP_ID: &[u8] = b"Photoshop 3.0\0";
/// PNG iTXt keyword of an XMP packet.
pub const PNG_XMP_KEYWORD: &[u8] = b"XML:com.adobe.xmp";

/// A container whose metadata blocks Lathe can read and rewrite losslessly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// JPEG (JFIF/EXIF).
    Jpeg,
    /// PNG.
    Png,
    /// WebP (RIFF).
    WebP,
}

impl Container {
    /// Detects the container from the first bytes of a file.
    pub fn detect(data: &[u8]) -> Option<Container> {
        if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Container::Jpeg)
        } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Container::Png)
        } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
            Some(Container::WebP)
        } else {
            None
        }
    }

    /// Lower-case name (`jpeg`, `png`, `webp`).
    pub fn name(self) -> &'static str {
        match self {
            Container::Jpeg => "jpeg",
            Container::Png => "png",
            Container::WebP => "webp",
        }
    }

    /// The usual file extension (`jpg`, `png`, `webp`).
    pub fn extension(self) -> &'static str {
        match self {
            Container::Jpeg => "jpg",
            Container::Png => "png",
            Container::WebP => "webp",
        }
    }

    /// The media type (`image/jpeg`, `image/png`, `image/webp`).
    pub fn media_type(self) -> String {
        format!("image/{}", self.name())
    }
}

/// The metadata blocks of an image file.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    /// EXIF as a TIFF structure (without the `Exif\0\0` prefix).
    pub exif: Option<Vec<u8>>,
    /// The XMP packet text, if it is stored uncompressed.
    pub xmp: Option<String>,
    /// Bytes of XMP stored (packet plus extended parts).
    pub xmp_size: usize,
    /// The ICC profile.
    pub icc: Option<Vec<u8>>,
    /// The JPEG APP13 Photoshop block (IPTC-IIM lives in it), without its prefix.
    pub iptc: Option<Vec<u8>>,
    /// Comments: JPEG COM segments and PNG text chunks other than XMP (`keyword: text`).
    pub comments: Vec<String>,
    /// Bytes taken by the comments.
    pub comments_size: usize,
}

fn corrupt(container: Container) -> impl Fn(img_parts::Error) -> ToolError {
    move |e| {
        ToolError::UnsupportedInput(format!(
            "the {} file is corrupt or truncated: {e}",
            container.name()
        ))
    }
}

/// Splits a JPEG, PNG or WebP file into its metadata blocks.
pub fn read_blocks(data: &[u8]) -> Result<(Container, Blocks), ToolError> {
    let container = Container::detect(data).ok_or_else(|| {
        ToolError::UnsupportedInput("metadata can be read from JPEG, PNG and WebP files".into())
    })?;
    let bytes = Bytes::copy_from_slice(data);
    let mut blocks = Blocks::default();
    match container {
        Container::Jpeg => {
            let jpeg = Jpeg::from_bytes(bytes).map_err(corrupt(container))?;
            blocks.exif = jpeg.exif().map(|b| b.to_vec());
            blocks.icc = jpeg.icc_profile().map(|b| b.to_vec());
            for seg in jpeg.segments() {
                let c = seg.contents();
                match seg.marker() {
                    markers::APP1 if c.starts_with(JPEG_XMP_ID) => {
                        blocks.xmp_size += c.len() - JPEG_XMP_ID.len();
                        if blocks.xmp.is_none() {
                            blocks.xmp =
                                Some(String::from_utf8_lossy(&c[JPEG_XMP_ID.len()..]).into_owned());
                        }
                    }
                    markers::APP1 if c.starts_with(JPEG_XMP_EXT_ID) => {
                        blocks.xmp_size += c.len() - JPEG_XMP_EXT_ID.len();
                    }
                    markers::APP13 if c.starts_with(PHOTOSHOP_ID) => {
                        blocks
                            .iptc
                            .get_or_insert_with(Vec::new)
                            .extend_from_slice(&c[PHOTOSHOP_ID.len()..]);
                    }
                    markers::COM => {
                        blocks.comments_size += c.len();
                        blocks.comments.push(
                            String::from_utf8_lossy(c)
                                .trim_end_matches('\0')
                                .to_string(),
                        );
                    }
                    _ => {}
                }
            }
        }
        Container::Png => {
            let png = Png::from_bytes(bytes).map_err(corrupt(container))?;
            blocks.exif = png.exif().map(|b| b.to_vec());
            blocks.icc = png.icc_profile().map(|b| b.to_vec());
            for chunk in png.chunks() {
                let c = chunk.contents();
                match &chunk.kind() {
                    b"iTXt" if is_png_xmp(c) => {
                        blocks.xmp_size += c.len();
                        if blocks.xmp.is_none() {
                            blocks.xmp = png_itxt_text(c);
                        }
                    }
                    b"tEXt" | b"zTXt" | b"iTXt" => {
                        blocks.comments_size += c.len();
                        blocks.comments.push(png_text_summary(&chunk.kind(), c));
                    }
                    _ => {}
                }
            }
        }
        Container::WebP => {
            let webp = WebP::from_bytes(bytes).map_err(corrupt(container))?;
            blocks.exif = webp.exif().map(|b| b.to_vec());
            blocks.icc = webp.icc_profile().map(|b| b.to_vec());
            if let Some(data) = webp.chunk_by_id(*b"XMP ").and_then(|c| c.content().data()) {
                blocks.xmp_size = data.len();
                blocks.xmp = Some(String::from_utf8_lossy(data).into_owned());
            }
        }
    }
    Ok((container, blocks))
}

/// The metadata blocks of any image file: split from the container for JPEG, PNG and
/// WebP, otherwise only the EXIF and ICC blocks its decoder found (`exif`, `icc`).
pub fn read_any_blocks(
    data: &[u8],
    exif: Option<&Vec<u8>>,
    icc: Option<&Vec<u8>>,
) -> Result<Blocks, ToolError> {
    Ok(match Container::detect(data) {
        Some(_) => read_blocks(data)?.1,
        None => Blocks {
            exif: exif.cloned(),
            icc: icc.cloned(),
            ..Default::default()
        },
    })
}

/// Whether a PNG iTXt chunk body holds XMP.
pub fn is_png_xmp(body: &[u8]) -> bool {
    body.starts_with(PNG_XMP_KEYWORD) && body.get(PNG_XMP_KEYWORD.len()) == Some(&0)
}

/// The text of an uncompressed iTXt chunk (None when compressed or malformed).
fn png_itxt_text(body: &[u8]) -> Option<String> {
    let key_end = body.iter().position(|&b| b == 0)?;
    let compressed = *body.get(key_end + 1)?;
    if compressed != 0 {
        return None;
    }
    let rest = body.get(key_end + 3..)?;
    let lang_end = rest.iter().position(|&b| b == 0)?;
    let rest = rest.get(lang_end + 1..)?;
    let tkey_end = rest.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(rest.get(tkey_end + 1..)?).into_owned())
}

/// `keyword: text` for a PNG text chunk (compressed text is summarised by its size).
fn png_text_summary(kind: &[u8; 4], body: &[u8]) -> String {
    let key_end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
    let key = String::from_utf8_lossy(&body[..key_end]);
    let text = match kind {
        b"tEXt" => {
            Some(String::from_utf8_lossy(body.get(key_end + 1..).unwrap_or(&[])).into_owned())
        }
        b"iTXt" => png_itxt_text(body),
        _ => None,
    };
    match text {
        Some(t) => format!("{key}: {t}"),
        None => format!(
            "{key}: <{} compressed bytes>",
            body.len().saturating_sub(key_end + 2)
        ),
    }
}

/// Builds a PNG iTXt chunk body holding an XMP packet (uncompressed, as XMP requires).
pub fn png_xmp_itxt(packet: &str) -> Vec<u8> {
    let mut body = PNG_XMP_KEYWORD.to_vec();
    // NUL, compression flag 0, method 0, empty language tag, empty translated keyword.
    body.extend_from_slice(&[0, 0, 0, 0, 0]);
    body.extend_from_slice(packet.as_bytes());
    body
}

/// The EXIF group (IFD) a field belongs to, as named in the JSON.
fn group_name(tag: Tag, ifd: In) -> &'static str {
    if ifd == In::THUMBNAIL {
        return "thumbnail";
    }
    match tag.context() {
        exif::Context::Tiff => "image",
        exif::Context::Exif => "photo",
        exif::Context::Gps => "gps",
        exif::Context::Interop => "interop",
        _ => "other",
    }
}

/// Longest undefined/byte value shown verbatim; longer ones are summarised by size.
const MAX_SHOWN_BYTES: usize = 64;

/// The JSON text of one EXIF field.
fn field_value(field: &exif::Field, exif: &exif::Exif) -> Value {
    match &field.value {
        ExifValue::Ascii(parts) => {
            let texts: Vec<String> = parts
                .iter()
                .map(|p| {
                    String::from_utf8_lossy(p)
                        .trim_end_matches('\0')
                        .trim()
                        .to_string()
                })
                .collect();
            match texts.len() {
                1 => Value::String(texts[0].clone()),
                _ => json!(texts),
            }
        }
        ExifValue::Undefined(bytes, _) | ExifValue::Byte(bytes)
            if bytes.len() > MAX_SHOWN_BYTES =>
        {
            Value::String(format!("<{} bytes>", bytes.len()))
        }
        _ => Value::String(field.display_value().with_unit(exif).to_string()),
    }
}

/// Parses an EXIF (TIFF-structured) block; None when it is malformed.
pub fn parse_exif(tiff: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new().read_raw(tiff.to_vec()).ok()
}

/// EXIF fields grouped by IFD: `{"image": {...}, "photo": {...}, "gps": {...},
/// "interop": {...}, "thumbnail": {...}}` (empty groups left out). MakerNote is summarised
/// by its size.
pub fn exif_json(exif: &exif::Exif) -> Value {
    let mut groups: Map<String, Value> = Map::new();
    for field in exif.fields() {
        let group = group_name(field.tag, field.ifd_num);
        let name = match field.tag.description() {
            Some(_) => field.tag.to_string(),
            None => format!("0x{:04x}", field.tag.number()),
        };
        let value = match (&field.value, field.tag) {
            (ExifValue::Undefined(bytes, _), Tag::MakerNote) => {
                Value::String(format!("<{} bytes>", bytes.len()))
            }
            _ => field_value(field, exif),
        };
        if let Value::Object(map) = groups
            .entry(group.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            map.insert(name, value);
        }
    }
    Value::Object(groups)
}

/// A GPS position in decimal degrees (and metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpsPosition {
    /// Latitude, negative south of the equator.
    pub latitude: Option<f64>,
    /// Longitude, negative west of Greenwich.
    pub longitude: Option<f64>,
    /// Altitude in metres, negative below sea level.
    pub altitude: Option<f64>,
}

impl GpsPosition {
    /// As JSON: `{"latitude":..,"longitude":..,"altitude":..}`.
    pub fn to_json(self) -> Value {
        json!({"latitude": self.latitude, "longitude": self.longitude, "altitude": self.altitude})
    }
}

fn rationals(exif: &exif::Exif, tag: Tag) -> Option<Vec<f64>> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        ExifValue::Rational(v) => Some(
            v.iter()
                .map(|r| if r.denom == 0 { 0.0 } else { r.to_f64() })
                .collect(),
        ),
        _ => None,
    }
}

fn ascii_first(exif: &exif::Exif, tag: Tag) -> Option<u8> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        ExifValue::Ascii(parts) => parts.first()?.first().copied(),
        _ => None,
    }
}

/// The text of an ASCII field of the primary image (its first string, trimmed), e.g. a
/// date.
pub fn exif_text(exif: &exif::Exif, tag: Tag) -> Option<String> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        ExifValue::Ascii(parts) => Some(String::from_utf8_lossy(parts.first()?).trim().to_string()),
        _ => None,
    }
}

/// Decimal degrees (sign ignored) as the three EXIF GPS rationals, each
/// `(numerator, denominator)`: whole degrees, whole minutes, and seconds to 1/10000.
pub fn gps_dms(value: f64) -> [(u32, u32); 3] {
    let v = value.abs();
    let deg = v.floor();
    let min = ((v - deg) * 60.0).floor();
    let sec = (v - deg - min / 60.0) * 3600.0;
    [
        (deg as u32, 1),
        (min as u32, 1),
        ((sec * 10000.0).round() as u32, 10000),
    ]
}

fn degrees(exif: &exif::Exif, tag: Tag, reference: Tag, negative: u8) -> Option<f64> {
    let parts = rationals(exif, tag)?;
    let mut value = 0.0;
    for (part, scale) in parts.iter().zip([1.0, 60.0, 3600.0]) {
        value += part / scale;
    }
    if ascii_first(exif, reference).map(|c| c.to_ascii_uppercase()) == Some(negative) {
        value = -value;
    }
    Some((value * 1e7).round() / 1e7)
}

/// The GPS position of an EXIF block, if it has one.
pub fn gps_position(exif: &exif::Exif) -> Option<GpsPosition> {
    let latitude = degrees(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S');
    let longitude = degrees(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W');
    let altitude = rationals(exif, Tag::GPSAltitude)
        .and_then(|v| v.first().copied())
        .map(|a| {
            let below = exif
                .get_field(Tag::GPSAltitudeRef, In::PRIMARY)
                .and_then(|f| f.value.get_uint(0))
                == Some(1);
            if below {
                -a
            } else {
                a
            }
        });
    (latitude.is_some() || longitude.is_some() || altitude.is_some()).then_some(GpsPosition {
        latitude,
        longitude,
        altitude,
    })
}

/// Whether an EXIF block has any GPS field.
pub fn has_gps(exif: &exif::Exif) -> bool {
    exif.fields().any(|f| f.tag.context() == exif::Context::Gps)
}

/// The XMP properties of a packet as JSON: `{"dc:subject": ["a","b"], "photoshop:City": ".."}`.
pub fn xmp_json(packet: &str) -> Value {
    let mut map = Map::new();
    for prop in parse_xmp(packet) {
        let key = format!("{}:{}", prop.prefix, prop.name);
        let value = match prop.value {
            XmpValue::Text(t) => Value::String(t),
            XmpValue::Bag(items) | XmpValue::Seq(items) => json!(items),
            XmpValue::Alt(items) => match items.iter().find(|(l, _)| l == "x-default") {
                Some((_, t)) => Value::String(t.clone()),
                None if items.len() == 1 => Value::String(items[0].1.clone()),
                None => json!(items.into_iter().map(|(_, t)| t).collect::<Vec<_>>()),
            },
        };
        map.insert(key, value);
    }
    Value::Object(map)
}

/// Everything readable from an image's metadata: `{"format", "exif", "gps", "xmp", "iptc",
/// "icc", "comments"}`, each null when absent; `format` is the image format's name.
pub fn inspect_json(format: &str, blocks: &Blocks) -> Value {
    let parsed = blocks.exif.as_deref().and_then(parse_exif);
    json!({
        "format": format,
        "exif": parsed.as_ref().map(exif_json),
        "exifReadable": blocks.exif.is_none() || parsed.is_some(),
        "gps": parsed.as_ref().and_then(gps_position).map(GpsPosition::to_json),
        "xmp": blocks.xmp.as_deref().map(xmp_json),
        "iptc": blocks.iptc.as_deref().and_then(iptc_json),
        "icc": blocks.icc.as_ref().map(|icc| json!({"size": icc.len(), "description": icc_description(icc)})),
        "comments": blocks.comments,
    })
}

/// The profile description of an ICC profile (`desc` tag, v2 `desc` or v4 `mluc`).
pub fn icc_description(icc: &[u8]) -> Option<String> {
    let be32 = |at: usize| -> Option<usize> {
        let b = icc.get(at..at + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let count = be32(128)?.min(1024);
    for i in 0..count {
        let entry = 132 + i * 12;
        if icc.get(entry..entry + 4)? != b"desc" {
            continue;
        }
        let (off, size) = (be32(entry + 4)?, be32(entry + 8)?);
        let tag = icc.get(off..off.checked_add(size)?)?;
        return match tag.get(..4)? {
            b"desc" => {
                let n = u32::from_be_bytes(tag.get(8..12)?.try_into().ok()?) as usize;
                let text = tag.get(12..12 + n.min(tag.len().saturating_sub(12)))?;
                Some(
                    String::from_utf8_lossy(text)
                        .trim_end_matches('\0')
                        .to_string(),
                )
            }
            b"mluc" => {
                let len = u32::from_be_bytes(tag.get(20..24)?.try_into().ok()?) as usize;
                let at = u32::from_be_bytes(tag.get(24..28)?.try_into().ok()?) as usize;
                let utf16: Vec<u16> = tag
                    .get(at..at.checked_add(len)?)?
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                Some(
                    String::from_utf16_lossy(&utf16)
                        .trim_end_matches('\0')
                        .to_string(),
                )
            }
            _ => None,
        };
    }
    None
}

/// Sets the Orientation of IFD0 of an EXIF (TIFF) block to 1 ("upright") in place, for
/// EXIF copied onto pixels that were already turned upright. Returns whether it changed.
pub fn reset_orientation(tiff: &mut [u8]) -> bool {
    let le = match tiff.get(0..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return false,
    };
    let rd16 = |t: &[u8], at: usize| -> Option<u16> {
        let b = t.get(at..at + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let Some(ifd0) = tiff.get(4..8).map(|b| {
        let a = [b[0], b[1], b[2], b[3]];
        (if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }) as usize
    }) else {
        return false;
    };
    let Some(count) = rd16(tiff, ifd0) else {
        return false;
    };
    for i in 0..count as usize {
        let entry = ifd0 + 2 + i * 12;
        if rd16(tiff, entry) == Some(0x0112) && rd16(tiff, entry + 2) == Some(3) {
            let one = if le {
                1u16.to_le_bytes()
            } else {
                1u16.to_be_bytes()
            };
            if let Some(slot) = tiff.get_mut(entry + 8..entry + 10) {
                let changed = slot != one;
                slot.copy_from_slice(&one);
                return changed;
            }
        }
    }
    false
}
