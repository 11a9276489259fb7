//! `image/edit-metadata`: set or remove EXIF and XMP fields of a JPEG, PNG or WebP
//! without touching its pixels.
//!
//! * EXIF (Artist, Copyright, ImageDescription, Software, dates, GPS) is edited with
//!   little_exif on the file's existing EXIF block and written back into the container
//!   (JPEG APP1, PNG `eXIf`, WebP `EXIF`) with img-parts; the compressed image data is
//!   copied byte for byte.
//! * Title, creator, rights, description, keywords and the IPTC-style fields (headline,
//!   city, state, country) are written as XMP (`dc:*`, `photoshop:*`) into the XMP packet
//!   (JPEG APP1, PNG iTXt `XML:com.adobe.xmp`, WebP `XMP `). The existing packet's simple
//!   and array properties are kept; nested XMP structures are not carried over when the
//!   packet is rewritten (it is only rewritten when an XMP field changes).
//!
//! The sub-route `inspect` answers the image's EXIF (grouped, GPS as decimal degrees),
//! XMP and IPTC fields as JSON.

use exif::Context;
use lathe_image_kit::probe;
use lathe_metadata_kit::{
    self as mk, dates, set_property as set_xmp, Container, XmpProperty, XmpValue, DC, PHOTOSHOP,
};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use little_exif::exif_tag::ExifTag;
use little_exif::filetype::FileExtension;
use little_exif::ifd::ExifTagGroup;
use little_exif::metadata::Metadata;
use little_exif::rational::uR64;
use serde::Deserialize;

/// Keywords as an array or a comma-separated string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Keywords {
    List(Vec<String>),
    Text(String),
}

impl Keywords {
    /// The keywords as given (the kit trims them and drops empty and repeated ones).
    fn items(&self) -> Vec<String> {
        match self {
            Keywords::List(v) => v.clone(),
            Keywords::Text(t) => t.split(',').map(str::to_string).collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    title: Option<String>,
    author: Option<String>,
    artist: Option<String>,
    copyright: Option<String>,
    #[serde(alias = "description")]
    image_description: Option<String>,
    software: Option<String>,
    date_time: Option<String>,
    date_time_original: Option<String>,
    #[serde(default)]
    clear_gps: bool,
    #[serde(default)]
    fields_to_remove: Vec<String>,
    gps_latitude: Option<f64>,
    gps_longitude: Option<f64>,
    gps_altitude: Option<f64>,
    keywords: Option<Keywords>,
    keywords_mode: Option<String>,
    date_shift: Option<String>,
    set_all_dates: Option<String>,
    iptc_title: Option<String>,
    iptc_headline: Option<String>,
    iptc_city: Option<String>,
    iptc_state: Option<String>,
    iptc_country: Option<String>,
}

/// Trims a text setting; empty text counts as not given.
fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Maps a kamadak-exif tag context to little_exif's IFD group.
fn group_of(ctx: Context) -> Option<ExifTagGroup> {
    match ctx {
        Context::Tiff => Some(ExifTagGroup::GENERIC),
        Context::Exif => Some(ExifTagGroup::EXIF),
        Context::Gps => Some(ExifTagGroup::GPS),
        Context::Interop => Some(ExifTagGroup::INTEROP),
        _ => None,
    }
}

/// Degrees as three EXIF rationals (degrees, minutes, seconds with 1/10000 precision).
fn dms(value: f64) -> Vec<uR64> {
    mk::gps_dms(value)
        .iter()
        .map(|&(nominator, denominator)| uR64 {
            nominator,
            denominator,
        })
        .collect()
}

/// What an edit did, for the response.
#[derive(Default)]
struct Changes {
    exif: Vec<String>,
    xmp: Vec<String>,
    not_found: Vec<String>,
}

/// The EXIF edits: applies the settings to `meta`. `existing` is the parsed original
/// block, for date shifting and removal by name.
fn edit_exif(
    s: &Settings,
    meta: &mut Metadata,
    existing: Option<&exif::Exif>,
    changes: &mut Changes,
) -> Result<(), ToolError> {
    let mut set = |tag: ExifTag, name: &str| {
        meta.set_tag(tag);
        changes.exif.push(name.to_string());
    };
    if let Some(v) = text(&s.artist).or_else(|| text(&s.author)) {
        set(ExifTag::Artist(v), "Artist");
    }
    if let Some(v) = text(&s.copyright) {
        set(ExifTag::Copyright(v), "Copyright");
    }
    if let Some(v) = text(&s.image_description) {
        set(ExifTag::ImageDescription(v), "ImageDescription");
    }
    if let Some(v) = text(&s.software) {
        set(ExifTag::Software(v), "Software");
    }
    if let Some(v) = text(&s.set_all_dates) {
        let d = dates::normalize("setAllDates", &v)?;
        set(ExifTag::ModifyDate(d.clone()), "DateTime");
        set(ExifTag::DateTimeOriginal(d.clone()), "DateTimeOriginal");
        set(ExifTag::CreateDate(d), "DateTimeDigitized");
    }
    if let Some(v) = text(&s.date_time) {
        set(
            ExifTag::ModifyDate(dates::normalize("dateTime", &v)?),
            "DateTime",
        );
    }
    if let Some(v) = text(&s.date_time_original) {
        set(
            ExifTag::DateTimeOriginal(dates::normalize("dateTimeOriginal", &v)?),
            "DateTimeOriginal",
        );
    }
    if let Some(shift) = text(&s.date_shift) {
        let seconds = dates::parse_shift(&shift)?;
        // Shift the dates as they are after the edits above.
        let current = |tag: exif::Tag, fresh: Option<String>| -> Option<String> {
            fresh.or_else(|| mk::exif_text(existing?, tag))
        };
        let all = text(&s.set_all_dates);
        let dt = current(exif::Tag::DateTime, text(&s.date_time).or(all.clone()));
        let dto = current(
            exif::Tag::DateTimeOriginal,
            text(&s.date_time_original).or(all.clone()),
        );
        let dtd = current(exif::Tag::DateTimeDigitized, all);
        let shifted = |v: Option<String>| -> Result<Option<String>, ToolError> {
            match v {
                Some(v) => Ok(Some(dates::shift(&dates::normalize("date", &v)?, seconds)?)),
                None => Ok(None),
            }
        };
        let mut any = false;
        if let Some(v) = shifted(dt)? {
            set(ExifTag::ModifyDate(v), "DateTime");
            any = true;
        }
        if let Some(v) = shifted(dto)? {
            set(ExifTag::DateTimeOriginal(v), "DateTimeOriginal");
            any = true;
        }
        if let Some(v) = shifted(dtd)? {
            set(ExifTag::CreateDate(v), "DateTimeDigitized");
            any = true;
        }
        if !any {
            return Err(invalid_settings(
                "dateShift needs a date to shift: the image has none and none was given",
            ));
        }
    }
    let mut clear_gps = s.clear_gps;
    for name in &s.fields_to_remove {
        let name = name.trim();
        if name.contains(':') {
            continue; // An XMP property, removed with the XMP edits.
        }
        if name.eq_ignore_ascii_case("gps") {
            clear_gps = true;
            continue;
        }
        let found: Vec<(u16, ExifTagGroup)> = existing
            .map(|e| {
                e.fields()
                    .filter(|f| f.tag.to_string().eq_ignore_ascii_case(name))
                    .filter_map(|f| Some((f.tag.number(), group_of(f.tag.context())?)))
                    .collect()
            })
            .unwrap_or_default();
        let mut removed = 0;
        for (hex, group) in found {
            removed += meta.remove_tag_by_hex_group(hex, group);
        }
        if removed > 0 {
            changes.exif.push(format!("-{name}"));
        } else {
            changes.not_found.push(name.to_string());
        }
    }
    if clear_gps {
        let mut removed = 0;
        for hex in 0x0000..=0x001f {
            removed += meta.remove_tag_by_hex_group(hex, ExifTagGroup::GPS);
        }
        if removed > 0 {
            changes.exif.push("-GPS".into());
        }
    }
    let lat = s
        .gps_latitude
        .map(|v| check_range("gpsLatitude", v, -90.0, 90.0))
        .transpose()?;
    let lon = s
        .gps_longitude
        .map(|v| check_range("gpsLongitude", v, -180.0, 180.0))
        .transpose()?;
    let alt = s
        .gps_altitude
        .map(|v| check_range("gpsAltitude", v, -100_000.0, 100_000.0))
        .transpose()?;
    if lat.is_some() != lon.is_some() {
        return Err(invalid_settings(
            "gpsLatitude and gpsLongitude must be given together",
        ));
    }
    if lat.is_some() || alt.is_some() {
        meta.set_tag(ExifTag::GPSVersionID(vec![2, 3, 0, 0]));
    }
    if let (Some(lat), Some(lon)) = (lat, lon) {
        let ns = if lat < 0.0 { "S" } else { "N" };
        let ew = if lon < 0.0 { "W" } else { "E" };
        meta.set_tag(ExifTag::GPSLatitudeRef(ns.into()));
        meta.set_tag(ExifTag::GPSLatitude(dms(lat)));
        meta.set_tag(ExifTag::GPSLongitudeRef(ew.into()));
        meta.set_tag(ExifTag::GPSLongitude(dms(lon)));
        changes.exif.push("GPSLatitude".into());
        changes.exif.push("GPSLongitude".into());
    }
    if let Some(alt) = alt {
        meta.set_tag(ExifTag::GPSAltitudeRef(vec![u8::from(alt < 0.0)]));
        meta.set_tag(ExifTag::GPSAltitude(vec![uR64 {
            nominator: (alt.abs() * 100.0).round() as u32,
            denominator: 100,
        }]));
        changes.exif.push("GPSAltitude".into());
    }
    Ok(())
}

/// The XMP edits: applies the settings to the packet's properties.
fn edit_xmp(
    s: &Settings,
    props: &mut Vec<XmpProperty>,
    changes: &mut Changes,
) -> Result<(), ToolError> {
    let mut set = |ns: &str, prefix: &str, name: &str, value: XmpValue| {
        set_xmp(props, ns, prefix, name, value);
        changes.xmp.push(format!("{prefix}:{name}"));
    };
    if let Some(v) = text(&s.title).or_else(|| text(&s.iptc_title)) {
        set(DC, "dc", "title", XmpValue::default_alt(&v));
    }
    if let Some(v) = text(&s.author).or_else(|| text(&s.artist)) {
        set(DC, "dc", "creator", XmpValue::Seq(vec![v]));
    }
    if let Some(v) = text(&s.copyright) {
        set(DC, "dc", "rights", XmpValue::default_alt(&v));
    }
    if let Some(v) = text(&s.image_description) {
        set(DC, "dc", "description", XmpValue::default_alt(&v));
    }
    for (value, name) in [
        (&s.iptc_headline, "Headline"),
        (&s.iptc_city, "City"),
        (&s.iptc_state, "State"),
        (&s.iptc_country, "Country"),
    ] {
        if let Some(v) = text(value) {
            set(PHOTOSHOP, "photoshop", name, XmpValue::Text(v));
        }
    }
    let mode = s.keywords_mode.as_deref().unwrap_or("add");
    if !matches!(mode, "add" | "set") {
        return Err(invalid_settings(format!(
            "keywordsMode must be add or set, got '{mode}'"
        )));
    }
    if let Some(k) = &s.keywords {
        let change = mk::set_keywords(props, k.items(), mode == "add");
        changes.xmp.push(change.into());
    }
    for name in &s.fields_to_remove {
        let Some((prefix, local)) = name.trim().split_once(':') else {
            continue;
        };
        if mk::remove_property(props, prefix, local) {
            changes.xmp.push(format!("-{prefix}:{local}"));
        } else {
            changes.not_found.push(name.trim().to_string());
        }
    }
    Ok(())
}

/// Whether the settings ask for any EXIF change.
fn wants_exif(s: &Settings) -> bool {
    [
        &s.artist,
        &s.author,
        &s.copyright,
        &s.image_description,
        &s.software,
        &s.date_time,
        &s.date_time_original,
        &s.date_shift,
        &s.set_all_dates,
    ]
    .iter()
    .any(|v| text(v).is_some())
        || s.clear_gps
        || s.gps_latitude.is_some()
        || s.gps_longitude.is_some()
        || s.gps_altitude.is_some()
        || s.fields_to_remove.iter().any(|f| !f.contains(':'))
}

/// Whether the settings ask for any XMP change.
fn wants_xmp(s: &Settings) -> bool {
    [
        &s.title,
        &s.author,
        &s.artist,
        &s.copyright,
        &s.image_description,
        &s.iptc_title,
        &s.iptc_headline,
        &s.iptc_city,
        &s.iptc_state,
        &s.iptc_country,
    ]
    .iter()
    .any(|v| text(v).is_some())
        || s.keywords.is_some()
        || s.fields_to_remove.iter().any(|f| f.contains(':'))
}

fn one_input(inputs: &[Input]) -> Result<&Input, ToolError> {
    match inputs {
        [one] => Ok(one),
        [] => Err(unsupported("upload one image")),
        _ => Err(unsupported("this tool takes one image at a time")),
    }
}

fn edit(input: &Input, s: &Settings) -> Result<Output, ToolError> {
    // Validates the image header (and refuses non-images) before any container work.
    probe(input)?;
    let container = Container::detect(&input.data).ok_or_else(|| {
        unsupported("edit-metadata writes JPEG, PNG and WebP files (pixels are not re-encoded)")
    })?;
    let (exif_wanted, xmp_wanted) = (wants_exif(s), wants_xmp(s));
    if !exif_wanted && !xmp_wanted {
        return Err(invalid_settings(
            "nothing to change: give at least one field to set or remove",
        ));
    }
    let (_, blocks) = mk::read_blocks(&input.data)?;
    let mut changes = Changes::default();
    let parsed = blocks.exif.as_deref().and_then(mk::parse_exif);
    let mut rebuilt = false;
    let new_exif = if exif_wanted {
        // Only EXIF that kamadak-exif validated is handed to little_exif; an unreadable
        // block is replaced by a fresh one.
        let mut meta = match (&blocks.exif, &parsed) {
            (Some(raw), Some(_)) => Metadata::new_from_vec(raw, FileExtension::TIFF)
                .unwrap_or_else(|_| {
                    rebuilt = true;
                    Metadata::new()
                }),
            (Some(_), None) => {
                rebuilt = true;
                Metadata::new()
            }
            _ => Metadata::new(),
        };
        edit_exif(s, &mut meta, parsed.as_ref(), &mut changes)?;
        let encoded = meta
            .encode()
            .map_err(|e| ToolError::Failed(format!("cannot encode EXIF: {e}")))?;
        Some(encoded)
    } else {
        None
    };
    let new_xmp = if xmp_wanted {
        let mut props = blocks.xmp.as_deref().map(mk::parse_xmp).unwrap_or_default();
        edit_xmp(s, &mut props, &mut changes)?;
        Some(mk::write_xmp(&props))
    } else {
        None
    };
    let bytes = mk::write_blocks(&input.data, container, new_exif, new_xmp)?;
    let name = format!("{}.{}", input.stem(), container.extension());
    Ok(
        Output::file(OutputFile::new(name, container.media_type(), bytes)).with_extra(
            serde_json::json!({
                "exifChanged": changes.exif,
                "xmpChanged": changes.xmp,
                "notFound": changes.not_found,
                "exifRebuilt": rebuilt,
            }),
        ),
    )
}

/// The `inspect` report: EXIF, GPS, XMP, IPTC, ICC and comments of an image.
fn inspect(input: &Input) -> Result<serde_json::Value, ToolError> {
    let head = probe(input)?;
    let blocks = mk::read_any_blocks(&input.data, head.exif.as_ref(), head.icc.as_ref())?;
    let format = format!("{:?}", head.format).to_ascii_lowercase();
    let mut report = mk::inspect_json(&format, &blocks);
    if let Some(map) = report.as_object_mut() {
        map.insert("size".into(), input.data.len().into());
        map.insert("width".into(), head.width.into());
        map.insert("height".into(), head.height.into());
    }
    Ok(report)
}

struct EditMetadata;

impl Tool for EditMetadata {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("edit-metadata", Section::Image, "Edit Metadata", "Set or remove EXIF, GPS, keywords and IPTC-style fields of a JPEG, PNG or WebP without re-encoding it."),
            serde_json::json!({
                    "title": {"type": "string"},
                    "author": {"type": "string"},
                    "artist": {"type": "string"},
                    "copyright": {"type": "string"},
                    "imageDescription": {"type": "string"},
                    "software": {"type": "string"},
                    "dateTime": {"type": "string", "description": "YYYY:MM:DD HH:MM:SS or ISO 8601"},
                    "dateTimeOriginal": {"type": "string"},
                    "clearGps": {"type": "boolean", "default": false},
                    "fieldsToRemove": {"type": "array", "items": {"type": "string"}, "default": [],
                        "description": "EXIF tag names (as inspect shows them), GPS, or XMP names like dc:subject"},
                    "gpsLatitude": {"type": "number", "minimum": -90, "maximum": 90},
                    "gpsLongitude": {"type": "number", "minimum": -180, "maximum": 180},
                    "gpsAltitude": {"type": "number"},
                    "keywords": {"type": "array", "items": {"type": "string"}},
                    "keywordsMode": {"enum": ["add", "set"], "default": "add"},
                    "dateShift": {"type": "string", "pattern": "^[+-]?\\d{1,5}(:\\d{2}){0,2}$"},
                    "setAllDates": {"type": "string"},
                    "iptcTitle": {"type": "string"},
                    "iptcHeadline": {"type": "string"},
                    "iptcCity": {"type": "string"},
                    "iptcState": {"type": "string"},
                    "iptcCountry": {"type": "string"}
            }),
            &[],
            Produces::SAME,
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        edit(one_input(&inputs)?, &s)
    }

    const OPERATIONS: &'static [&'static str] = &["inspect"];

    fn run_operation(
        operation: &str,
        inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        let input = mk::one_image_operation(
            operation,
            "inspect",
            &inputs,
            settings,
            "this tool takes one image at a time",
        )?;
        Ok(Output::default().with_extra(inspect(input)?))
    }
}

lathe_tool_sdk::export_tool!(EditMetadata);
