//! `image/barcode-generate`: a barcode PNG from text, with no input file (JSON body).
//!
//! The symbol is made by rxing's writers as a module matrix and drawn here at `scale`
//! pixels per module, with a quiet zone (10 modules for linear codes, 4 for 2-D codes).
//! Linear codes get bars 50 modules tall and, with `includeText`, the human-readable text
//! under the bars in the bundled DejaVu Sans Mono font. Content that the symbology cannot
//! hold (letters in EAN-13, a wrong check digit, an odd-length ITF, ...) is a 400.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use lathe_color_kit::{code_colors, code_png, code_tool_info, whole};
use lathe_image_kit::{image, MAX_PIXELS};
use lathe_tool_sdk::settings::required_text;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use rxing::{BarcodeFormat, EncodeHints, MultiFormatWriter, Writer};
use serde::Deserialize;
use serde_json::json;

/// Settings, with common alternative names as aliases.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "data", alias = "content")]
    text: Option<String>,
    #[serde(rename = "type", alias = "format", alias = "barcodeType")]
    kind: Option<String>,
    scale: Option<f64>,
    include_text: Option<bool>,
    #[serde(alias = "barColor", alias = "colorDark")]
    foreground: Option<String>,
    #[serde(alias = "backgroundColor", alias = "colorLight")]
    background: Option<String>,
}

/// Most characters of `text`.
const MAX_TEXT: usize = 256;
/// Bar height of linear codes, in modules.
const BAR_HEIGHT_MODULES: u32 = 50;
/// Quiet zone of linear codes, in modules.
const QUIET_1D: u32 = 10;
/// Quiet zone of 2-D codes, in modules.
const QUIET_2D: u32 = 4;

/// A barcode type Lathe writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Code128,
    Ean13,
    UpcA,
    Code39,
    Itf14,
    DataMatrix,
    QrCode,
    Pdf417,
    Ean8,
    UpcE,
    Code93,
    Codabar,
    Itf,
    Aztec,
}

/// Every type, with its canonical name (as the schema and `barcode-read` use it).
const KINDS: &[(Kind, &str)] = &[
    (Kind::Code128, "code128"),
    (Kind::Ean13, "ean13"),
    (Kind::UpcA, "upca"),
    (Kind::Code39, "code39"),
    (Kind::Itf14, "itf14"),
    (Kind::DataMatrix, "datamatrix"),
    (Kind::QrCode, "qrcode"),
    (Kind::Pdf417, "pdf417"),
    (Kind::Ean8, "ean8"),
    (Kind::UpcE, "upce"),
    (Kind::Code93, "code93"),
    (Kind::Codabar, "codabar"),
    (Kind::Itf, "itf"),
    (Kind::Aztec, "aztec"),
];

impl Kind {
    /// Parses a type name; case, `-`, `_` and spaces are ignored (`EAN-13`, `upc_a`, `QR`).
    fn parse(name: &str) -> Result<Self, ToolError> {
        let key: String = name
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        let key = match key.as_str() {
            "qr" => "qrcode",
            "ean" => "ean13",
            "upc" => "upca",
            "dm" => "datamatrix",
            other => other,
        };
        KINDS
            .iter()
            .find(|(_, n)| *n == key)
            .map(|(k, _)| *k)
            .ok_or_else(|| {
                let names: Vec<&str> = KINDS.iter().map(|(_, n)| *n).collect();
                invalid_settings(format!(
                    "type '{name}' is not supported; use one of {}",
                    names.join(", ")
                ))
            })
    }

    fn name(self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    fn rxing(self) -> BarcodeFormat {
        match self {
            Kind::Code128 => BarcodeFormat::CODE_128,
            Kind::Ean13 => BarcodeFormat::EAN_13,
            Kind::UpcA => BarcodeFormat::UPC_A,
            Kind::Code39 => BarcodeFormat::CODE_39,
            Kind::Itf14 | Kind::Itf => BarcodeFormat::ITF,
            Kind::DataMatrix => BarcodeFormat::DATA_MATRIX,
            Kind::QrCode => BarcodeFormat::QR_CODE,
            Kind::Pdf417 => BarcodeFormat::PDF_417,
            Kind::Ean8 => BarcodeFormat::EAN_8,
            Kind::UpcE => BarcodeFormat::UPC_E,
            Kind::Code93 => BarcodeFormat::CODE_93,
            Kind::Codabar => BarcodeFormat::CODABAR,
            Kind::Aztec => BarcodeFormat::AZTEC,
        }
    }

    fn is_linear(self) -> bool {
        !matches!(
            self,
            Kind::DataMatrix | Kind::QrCode | Kind::Pdf417 | Kind::Aztec
        )
    }
}

/// The GS1 mod-10 check digit of `digits` (the payload without its check digit).
fn gs1_check_digit(digits: &str) -> u8 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Checks a GS1 number (EAN-13, UPC-A, EAN-8, ITF-14): `len - 1` digits get their check
/// digit appended; `len` digits must carry the right one. Returns the full number.
fn gs1_number(kind: Kind, text: &str, len: usize) -> Result<String, ToolError> {
    let name = kind.name();
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_settings(format!(
            "{name} takes digits only, got '{text}'"
        )));
    }
    if text.len() == len - 1 {
        return Ok(format!("{text}{}", gs1_check_digit(text)));
    }
    if text.len() != len {
        return Err(invalid_settings(format!(
            "{name} takes {} digits (or {len} with the check digit), got {}",
            len - 1,
            text.len()
        )));
    }
    let expected = gs1_check_digit(&text[..len - 1]);
    if text.as_bytes()[len - 1] - b'0' != expected {
        return Err(invalid_settings(format!(
            "{name} check digit of '{text}' is wrong: it should be {expected}"
        )));
    }
    Ok(text.to_string())
}

/// Validates and normalises the content for the type before rxing sees it (clear messages,
/// and no rxing panic paths on odd input). Returns the encoded content.
fn content_for(kind: Kind, text: &str) -> Result<String, ToolError> {
    let name = kind.name();
    let digits_only = || -> Result<(), ToolError> {
        if text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(invalid_settings(format!(
                "{name} takes digits only, got '{text}'"
            )))
        }
    };
    match kind {
        Kind::Ean13 => gs1_number(kind, text, 13),
        Kind::UpcA => gs1_number(kind, text, 12),
        Kind::Ean8 => gs1_number(kind, text, 8),
        Kind::Itf14 => gs1_number(kind, text, 14),
        Kind::UpcE => {
            digits_only()?;
            if !(text.len() == 7 || text.len() == 8) || !text.starts_with(['0', '1']) {
                return Err(invalid_settings(format!(
                    "upce takes 7 or 8 digits starting with 0 or 1, got '{text}'"
                )));
            }
            Ok(text.to_string())
        }
        Kind::Itf => {
            digits_only()?;
            if !text.len().is_multiple_of(2) || text.len() > 80 {
                return Err(invalid_settings(format!(
                    "itf takes an even number of digits (up to 80), got {}",
                    text.len()
                )));
            }
            Ok(text.to_string())
        }
        Kind::Code128 | Kind::Code93 => {
            if !text.is_ascii() || text.len() > 80 {
                return Err(invalid_settings(format!(
                    "{name} takes up to 80 ASCII characters"
                )));
            }
            Ok(text.to_string())
        }
        Kind::Code39 => {
            if !text.is_ascii() || text.len() > 80 {
                return Err(invalid_settings(
                    "code39 takes up to 80 ASCII characters (A-Z, 0-9, space and - . $ / + % directly; others in extended mode)",
                ));
            }
            Ok(text.to_string())
        }
        Kind::Codabar => {
            let ok = text
                .bytes()
                .all(|b| b.is_ascii_digit() || b"-$:/.+ABCDTN*E".contains(&b.to_ascii_uppercase()));
            if !ok || text.len() > 80 {
                return Err(invalid_settings(
                    "codabar takes up to 80 of 0-9 - $ : / . + (with optional A-D start/stop characters)",
                ));
            }
            Ok(text.to_ascii_uppercase())
        }
        Kind::DataMatrix | Kind::QrCode | Kind::Pdf417 | Kind::Aztec => Ok(text.to_string()),
    }
}

/// The symbol's module matrix: `true` is a dark module. Linear codes have one row.
struct Modules {
    width: u32,
    height: u32,
    dark: Vec<bool>,
}

/// Encodes `content` with rxing at its natural size (one pixel per module, no margin).
fn modules(kind: Kind, content: &str) -> Result<Modules, ToolError> {
    let hints = EncodeHints {
        Margin: Some("0".into()),
        CharacterSet: (!kind.is_linear() && !content.is_ascii()).then(|| "UTF-8".into()),
        // Only Data Matrix's minimal encoder honours the character set (UTF-8 via ECI).
        DataMatrixCompact: (kind == Kind::DataMatrix && !content.is_ascii()).then_some(true),
        ..Default::default()
    };
    let matrix = MultiFormatWriter
        .encode_with_hints(content, &kind.rxing(), 0, 0, &hints)
        .map_err(|e| invalid_settings(format!("text cannot be encoded as {}: {e}", kind.name())))?;
    let (width, height) = (matrix.getWidth(), matrix.getHeight());
    if width == 0 || height == 0 {
        return Err(ToolError::Failed(
            "the encoder produced an empty symbol".into(),
        ));
    }
    let rows = if kind.is_linear() { 1 } else { height };
    let mut dark = Vec::with_capacity((width * rows) as usize);
    for y in 0..rows {
        for x in 0..width {
            dark.push(matrix.get(x, y));
        }
    }
    Ok(Modules {
        width,
        height: rows,
        dark,
    })
}

/// The human-readable line under a linear code.
fn caption(kind: Kind, content: &str) -> String {
    match kind {
        Kind::Code39 => format!("*{content}*"),
        _ => content.to_string(),
    }
}

/// Draws `text` centred in `img` with its top at `top`, `size` pixels tall, shrunk to fit.
fn draw_text(img: &mut image::RgbaImage, text: &str, top: u32, size: f32, color: image::Rgba<u8>) {
    let Ok(font) = FontRef::try_from_slice(dejavu::sans_mono::regular()) else {
        return;
    };
    let measure = |size: f32| {
        let scaled = font.as_scaled(PxScale::from(size));
        text.chars()
            .map(|c| scaled.h_advance(scaled.glyph_id(c)))
            .sum::<f32>()
    };
    let room = img.width() as f32 * 0.95;
    let width = measure(size);
    let size = if width > room {
        size * room / width
    } else {
        size
    };
    let scaled = font.as_scaled(PxScale::from(size));
    let mut x = (img.width() as f32 - measure(size)) / 2.0;
    let baseline = top as f32 + scaled.ascent();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        let glyph = id.with_scale_and_position(size, ab_glyph::point(x, baseline));
        x += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i64 + gx as i64;
            let py = bounds.min.y as i64 + gy as i64;
            if px < 0 || py < 0 || px >= img.width() as i64 || py >= img.height() as i64 {
                return;
            }
            let dst = img.get_pixel_mut(px as u32, py as u32);
            let a = coverage.clamp(0.0, 1.0);
            for ch in 0..4 {
                dst[ch] = (dst[ch] as f32 * (1.0 - a) + color[ch] as f32 * a).round() as u8;
            }
        });
    }
}

/// Draws the symbol: `scale` pixels per module, quiet zone, bars and optional caption.
fn render(
    kind: Kind,
    m: &Modules,
    scale: u32,
    text: Option<&str>,
    (dark, light): (image::Rgba<u8>, image::Rgba<u8>),
) -> Result<image::RgbaImage, ToolError> {
    let quiet = if kind.is_linear() { QUIET_1D } else { QUIET_2D };
    let symbol_h = if kind.is_linear() {
        BAR_HEIGHT_MODULES
    } else {
        m.height
    };
    let text_px = text.map(|_| 10 * scale).unwrap_or(0);
    let gap = text.map(|_| 2 * scale).unwrap_or(0);
    let width = (m.width as u64 + 2 * quiet as u64) * scale as u64;
    let height = (symbol_h as u64 + 2 * quiet as u64) * scale as u64 + (gap + text_px) as u64;
    if width * height > MAX_PIXELS || width > u32::MAX as u64 || height > u32::MAX as u64 {
        return Err(ToolError::TooLarge(format!(
            "the barcode would be {width}x{height} pixels; use a smaller scale"
        )));
    }
    let (width, height) = (width as u32, height as u32);
    let mut img = image::RgbaImage::from_pixel(width, height, light);
    let origin = quiet * scale;
    for py in 0..symbol_h * scale {
        let my = if kind.is_linear() { 0 } else { py / scale };
        for px in 0..m.width * scale {
            if m.dark[(my * m.width + px / scale) as usize] {
                img.put_pixel(origin + px, origin + py, dark);
            }
        }
    }
    if let Some(text) = text {
        let top = origin + symbol_h * scale + gap;
        draw_text(&mut img, text, top, text_px as f32, dark);
    }
    Ok(img)
}

struct BarcodeGenerate;

impl Tool for BarcodeGenerate {
    fn describe() -> ToolInfo {
        let names: Vec<&str> = KINDS.iter().map(|(_, n)| *n).collect();
        code_tool_info(
            ("barcode-generate", "Barcode generator", "Generate a barcode PNG (Code 128, EAN-13, UPC-A, Code 39, ITF-14, Data Matrix, QR, PDF417, ...) from text."),
            MAX_TEXT,
            json!({
                    "type": {"type": "string", "enum": names, "default": "code128"},
                    "scale": {"type": "integer", "minimum": 1, "maximum": 8, "default": 3,
                              "description": "Pixels per module."},
                    "includeText": {"type": "boolean", "default": true,
                                    "description": "Human-readable text under linear codes."}
            }),
        )
    }

    fn run(_inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let text = required_text(s.text.as_deref(), MAX_TEXT)?.to_string();
        let kind = Kind::parse(s.kind.as_deref().unwrap_or("code128"))?;
        let scale = whole("scale", s.scale, 3.0, 1.0, 8.0)?;
        let colors = code_colors(s.foreground.as_deref(), s.background.as_deref())?;
        let content = content_for(kind, &text)?;
        let m = modules(kind, &content)?;
        let label =
            (s.include_text.unwrap_or(true) && kind.is_linear()).then(|| caption(kind, &content));
        let img = render(kind, &m, scale, label.as_deref(), colors)?;
        let (width, height) = img.dimensions();
        Ok(
            Output::file(code_png("barcode.png", img, colors)?).with_extra(json!({
                "type": kind.name(),
                "text": content,
                "width": width,
                "height": height,
            })),
        )
    }
}

lathe_tool_sdk::export_tool!(BarcodeGenerate);
