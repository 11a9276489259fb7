//! `image/barcode-read`: find and decode every barcode and 2-D code in an image with rxing.
//!
//! Answers with data only (no file), like `info`: `{count, barcodes: [{format, text,
//! position: {x, y, width, height}, points: [{x, y}, ...]}]}`. `format` uses the same
//! names as `barcode-generate`'s `type` (`qrcode`, `ean13`, `code128`, ...). An image with
//! no code is not an error: it answers 200 with an empty `barcodes` list.
//!
//! Images are decoded through image-kit (100 MP cap) and, beyond [`MAX_SCAN_PIXELS`],
//! scanned at a reduced size (positions are reported in the original image's pixels).

use std::collections::HashSet;

use lathe_image_kit::decode;
use lathe_image_kit::image::imageops::FilterType;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use rxing::{BarcodeFormat, DecodeHints, Exceptions, RXingResult};
use serde::Deserialize;
use serde_json::{json, Value};

/// Settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    /// Spend more time looking (rotated codes, also inverted colours). Default true.
    try_harder: Option<bool>,
}

/// Largest image scanned at full size; bigger ones are scaled down first (scan time).
const MAX_SCAN_PIXELS: u64 = 24_000_000;

/// Name of a format, matching `barcode-generate`'s type names.
fn format_name(format: &BarcodeFormat) -> String {
    match format {
        BarcodeFormat::AZTEC => "aztec".into(),
        BarcodeFormat::CODABAR => "codabar".into(),
        BarcodeFormat::CODE_39 => "code39".into(),
        BarcodeFormat::CODE_93 => "code93".into(),
        BarcodeFormat::CODE_128 => "code128".into(),
        BarcodeFormat::DATA_MATRIX => "datamatrix".into(),
        BarcodeFormat::EAN_8 => "ean8".into(),
        BarcodeFormat::EAN_13 => "ean13".into(),
        BarcodeFormat::ITF => "itf".into(),
        BarcodeFormat::MAXICODE => "maxicode".into(),
        BarcodeFormat::PDF_417 => "pdf417".into(),
        BarcodeFormat::QR_CODE => "qrcode".into(),
        BarcodeFormat::MICRO_QR_CODE => "microqrcode".into(),
        BarcodeFormat::RECTANGULAR_MICRO_QR_CODE => "rmqrcode".into(),
        BarcodeFormat::RSS_14 => "rss14".into(),
        BarcodeFormat::RSS_EXPANDED => "rssexpanded".into(),
        BarcodeFormat::TELEPEN => "telepen".into(),
        BarcodeFormat::UPC_A => "upca".into(),
        BarcodeFormat::UPC_E => "upce".into(),
        other => other.to_string().replace(' ', "").to_ascii_lowercase(),
    }
}

/// Text decoded as ISO-8859-1 that is really UTF-8 (symbols without an ECI marker are
/// read as Latin-1 by default, but most encoders today write UTF-8 bytes): re-decoded when
/// every character is a byte, some are non-ASCII, and the bytes are valid UTF-8.
fn fix_utf8(text: &str) -> String {
    if text.is_ascii() || text.chars().any(|c| c as u32 > 0xFF) {
        return text.to_string();
    }
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// One result as JSON, with its points scaled back by `k` to the original image.
fn describe_result(r: &RXingResult, k: f32) -> Value {
    let points: Vec<(f32, f32)> = r.getPoints().iter().map(|p| (p.x * k, p.y * k)).collect();
    let position = if points.is_empty() {
        Value::Null
    } else {
        let min_x = points.iter().map(|p| p.0).fold(f32::INFINITY, f32::min);
        let min_y = points.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
        let max_x = points.iter().map(|p| p.0).fold(f32::NEG_INFINITY, f32::max);
        let max_y = points.iter().map(|p| p.1).fold(f32::NEG_INFINITY, f32::max);
        json!({
            "x": min_x.floor().max(0.0) as u32,
            "y": min_y.floor().max(0.0) as u32,
            "width": (max_x - min_x).round().max(0.0) as u32,
            "height": (max_y - min_y).round().max(0.0) as u32,
        })
    };
    json!({
        "format": format_name(r.getBarcodeFormat()),
        "text": fix_utf8(r.getText()),
        "position": position,
        "points": points.iter().map(|(x, y)| json!({"x": x.round(), "y": y.round()})).collect::<Vec<_>>(),
    })
}

struct BarcodeRead;

impl Tool for BarcodeRead {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            (
                "barcode-read",
                Section::Image,
                "Barcode reader",
                "Find and decode the barcodes and QR/Data Matrix/PDF417/Aztec codes in an image.",
            ),
            json!({
                    "tryHarder": {"type": "boolean", "default": true}
            }),
            &[
                "jpg", "jpeg", "png", "webp", "gif", "tif", "tiff", "bmp", "ico",
            ],
            Produces::NO_FILE,
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let try_harder = s.try_harder.unwrap_or(true);
        let decoded = decode(&inputs[0])?;
        let (w, h) = (decoded.image.width(), decoded.image.height());
        let pixels = w as u64 * h as u64;
        let (luma, k) = if pixels > MAX_SCAN_PIXELS {
            let f = (MAX_SCAN_PIXELS as f64 / pixels as f64).sqrt();
            let nw = ((w as f64 * f) as u32).max(1);
            let nh = ((h as f64 * f) as u32).max(1);
            let small = decoded.image.resize_exact(nw, nh, FilterType::Triangle);
            (small.to_luma8(), w as f32 / nw as f32)
        } else {
            (decoded.image.to_luma8(), 1.0)
        };
        drop(decoded);
        let (lw, lh) = luma.dimensions();
        let mut hints = DecodeHints {
            TryHarder: Some(try_harder),
            AlsoInverted: Some(try_harder),
            ..Default::default()
        };
        let results = match rxing::helpers::detect_multiple_in_luma_with_hints(
            luma.into_raw(),
            lw,
            lh,
            &mut hints,
        ) {
            Ok(results) => results,
            Err(Exceptions::NotFoundException(_)) => Vec::new(),
            Err(e) => {
                return Err(ToolError::Failed(format!("barcode scan failed: {e}")));
            }
        };
        // The multi-reader can report one code twice (found from two sub-regions).
        let mut seen = HashSet::new();
        let barcodes: Vec<Value> = results
            .iter()
            .filter(|r| seen.insert((format_name(r.getBarcodeFormat()), r.getText().to_string())))
            .map(|r| describe_result(r, k))
            .collect();
        Ok(Output::default().with_extra(json!({
            "count": barcodes.len(),
            "barcodes": barcodes,
            "width": w,
            "height": h,
        })))
    }
}

lathe_tool_sdk::export_tool!(BarcodeRead);
