//! Drawing a line of text on PDF pages with a standard font: shared by `watermark-pdf`
//! and `pdf-page-numbers` (the latter includes this file by path).
//!
//! The text is set in Helvetica (one of the 14 standard fonts, so nothing is embedded)
//! with `WinAnsiEncoding`, which shows Latin-1; other characters are refused. Each page
//! gets its own `/Resources` (a copy of the inherited ones plus a font and a graphics
//! state for opacity) and its content is wrapped in `q … Q` before the new text is drawn,
//! so the page's own graphics state cannot move or hide the stamp.

use lathe_pdf_kit::lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};
use lathe_pdf_kit::{inherited, ToolError};
use lathe_tool_sdk::invalid_settings;

/// Helvetica advance widths (per 1000 units of font size) for the characters 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Where on the page the text goes: a 3 × 3 grid of anchors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Top left.
    TopLeft,
    /// Top centre.
    TopCenter,
    /// Top right.
    TopRight,
    /// Middle left.
    Left,
    /// Centre of the page.
    Center,
    /// Middle right.
    Right,
    /// Bottom left.
    BottomLeft,
    /// Bottom centre.
    BottomCenter,
    /// Bottom right.
    BottomRight,
}

impl Position {
    /// Parses `tl`, `tc`, `tr`, `l`, `c`, `r`, `bl`, `bc`, `br` (also spelled out, e.g.
    /// `top-left`, `center`), limited to `allowed`.
    pub fn parse(value: &str, allowed: &[Position]) -> Result<Position, ToolError> {
        let p = match value
            .trim()
            .to_ascii_lowercase()
            .replace(['_', ' '], "-")
            .as_str()
        {
            "tl" | "top-left" => Position::TopLeft,
            "tc" | "top-center" | "top" => Position::TopCenter,
            "tr" | "top-right" => Position::TopRight,
            "l" | "left" => Position::Left,
            "c" | "center" | "centre" => Position::Center,
            "r" | "right" => Position::Right,
            "bl" | "bottom-left" => Position::BottomLeft,
            "bc" | "bottom-center" | "bottom" => Position::BottomCenter,
            "br" | "bottom-right" => Position::BottomRight,
            _ => return Err(invalid_settings(format!("unknown position '{value}'"))),
        };
        if !allowed.contains(&p) {
            return Err(invalid_settings(format!(
                "position '{value}' is not allowed here"
            )));
        }
        Ok(p)
    }

    /// Horizontal and vertical placement, each -1 (left/bottom), 0 (middle) or 1.
    fn grid(self) -> (i8, i8) {
        match self {
            Position::TopLeft => (-1, 1),
            Position::TopCenter => (0, 1),
            Position::TopRight => (1, 1),
            Position::Left => (-1, 0),
            Position::Center => (0, 0),
            Position::Right => (1, 0),
            Position::BottomLeft => (-1, -1),
            Position::BottomCenter => (0, -1),
            Position::BottomRight => (1, -1),
        }
    }
}

/// How a text is drawn.
#[derive(Debug, Clone)]
pub struct Style {
    /// Where on the page.
    pub position: Position,
    /// Font size in points.
    pub font_size: f64,
    /// Fill opacity, 0..=1.
    pub opacity: f64,
    /// Counter-clockwise rotation in degrees.
    pub rotation: f64,
    /// Fill colour, RGB in 0..=1.
    pub color: [f64; 3],
    /// Distance from the page edges in points.
    pub margin: f64,
}

/// Encodes text as WinAnsi (Latin-1) bytes; other characters and control characters are
/// [`ToolError::InvalidSettings`] naming `what`.
pub fn encode_latin1(text: &str, what: &str) -> Result<Vec<u8>, ToolError> {
    text.chars()
        .map(|c| match c as u32 {
            0x20..=0x7E | 0xA0..=0xFF => Ok(c as u32 as u8),
            _ if c.is_control() => Err(invalid_settings(format!(
                "{what} must not contain control characters"
            ))),
            _ => Err(invalid_settings(format!(
                "{what} can only use Latin-1 characters (the standard PDF fonts cannot show '{c}')"
            ))),
        })
        .collect()
}

/// Parses `#rrggbb` or `#rgb` (the `#` is optional) into RGB in 0..=1.
pub fn parse_color(value: &str) -> Result<[f64; 3], ToolError> {
    let hex = value.trim().trim_start_matches('#');
    let bad = || {
        invalid_settings(format!(
            "color must be a hex colour like #808080, got '{value}'"
        ))
    };
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let digits: Vec<u8> = match hex.len() {
        3 => hex.bytes().flat_map(|b| [b, b]).collect(),
        6 => hex.bytes().collect(),
        _ => return Err(bad()),
    };
    let mut rgb = [0.0; 3];
    for (i, pair) in digits.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).map_err(|_| bad())?;
        rgb[i] = f64::from(u8::from_str_radix(s, 16).map_err(|_| bad())?) / 255.0;
    }
    Ok(rgb)
}

/// Width of WinAnsi-encoded text in Helvetica at `size` points (Latin-1 letters above
/// 127 are taken as 556 units, the width of most of them).
fn text_width(text: &[u8], size: f64) -> f64 {
    let units: u32 = text
        .iter()
        .map(|&b| match b {
            32..=126 => u32::from(HELVETICA[usize::from(b - 32)]),
            _ => 556,
        })
        .sum();
    f64::from(units) * size / 1000.0
}

/// A PDF literal string: `(`, `)` and `\` escaped, bytes outside printable ASCII as octal.
pub fn pdf_string(text: &[u8]) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('(');
    for &b in text {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7E => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push(')');
    out
}

/// A number for a content stream (at most 4 decimals, no exponent).
fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The page's visible box `[x0, y0, x1, y1]`: its CropBox, else MediaBox, else US Letter.
fn page_box(doc: &Document, page: ObjectId) -> [f64; 4] {
    let read = |key: &[u8]| -> Option<[f64; 4]> {
        let v = inherited(doc, page, key)?;
        let (_, v) = doc.dereference(v).ok()?;
        let items = v.as_array().ok()?;
        if items.len() != 4 {
            return None;
        }
        let mut b = [0.0; 4];
        for (i, item) in items.iter().enumerate() {
            let (_, item) = doc.dereference(item).ok()?;
            b[i] = match item {
                Object::Integer(n) => *n as f64,
                Object::Real(r) => f64::from(*r),
                _ => return None,
            };
            if !b[i].is_finite() {
                return None;
            }
        }
        let (x0, x1) = (b[0].min(b[2]), b[0].max(b[2]));
        let (y0, y1) = (b[1].min(b[3]), b[1].max(b[3]));
        (x1 - x0 >= 1.0 && y1 - y0 >= 1.0).then_some([x0, y0, x1, y1])
    };
    read(b"CropBox")
        .or_else(|| read(b"MediaBox"))
        .unwrap_or([0.0, 0.0, 612.0, 792.0])
}

/// Resolves a (possibly referenced) dictionary, cloning it; anything else is empty.
fn resolved_dict(doc: &Document, value: Option<&Object>) -> Dictionary {
    value
        .and_then(|v| doc.dereference(v).ok())
        .and_then(|(_, v)| v.as_dict().ok())
        .cloned()
        .unwrap_or_default()
}

/// A resource name not yet used in `dict`.
fn fresh_name(dict: &Dictionary, base: &str) -> String {
    (0..)
        .map(|i| {
            if i == 0 {
                base.to_string()
            } else {
                format!("{base}{i}")
            }
        })
        .find(|name| !dict.has(name.as_bytes()))
        .unwrap_or_else(|| base.to_string())
}

/// Draws pre-encoded WinAnsi `text` on `page` in `style`.
pub fn stamp_page(
    doc: &mut Document,
    page: ObjectId,
    text: &[u8],
    style: &Style,
    font: ObjectId,
) -> Result<(), ToolError> {
    let not_dict = || ToolError::UnsupportedInput("a page of the PDF is not a dictionary".into());
    let page_box = page_box(doc, page);
    let mut resources = resolved_dict(doc, inherited(doc, page, b"Resources"));
    let mut fonts = resolved_dict(doc, resources.get(b"Font").ok());
    let mut states = resolved_dict(doc, resources.get(b"ExtGState").ok());
    let font_name = fresh_name(&fonts, "LatheF");
    let state_name = fresh_name(&states, "LatheGS");
    fonts.set(font_name.as_bytes(), font);
    let opacity = style.opacity.clamp(0.0, 1.0);
    states.set(
        state_name.as_bytes(),
        dictionary! { "Type" => "ExtGState", "ca" => opacity as f32, "CA" => opacity as f32 },
    );
    resources.set("Font", fonts);
    resources.set("ExtGState", states);

    // Geometry: the rotated text's bounding box is placed inside the page box.
    let width = text_width(text, style.font_size);
    let height = style.font_size * 0.718; // Helvetica cap height
    let (sin, cos) = style.rotation.to_radians().sin_cos();
    let bw = (width * cos).abs() + (height * sin).abs();
    let bh = (width * sin).abs() + (height * cos).abs();
    let [x0, y0, x1, y1] = page_box;
    let (gx, gy) = style.position.grid();
    let place = |g: i8, lo: f64, hi: f64, size: f64| match g {
        -1 => lo + style.margin + size / 2.0,
        1 => hi - style.margin - size / 2.0,
        _ => (lo + hi) / 2.0,
    };
    let (cx, cy) = (place(gx, x0, x1, bw), place(gy, y0, y1, bh));
    // Text origin: the centre minus the rotated half extent of the text box.
    let (hx, hy) = (width / 2.0, height / 2.0);
    let ox = cx - (hx * cos - hy * sin);
    let oy = cy - (hx * sin + hy * cos);
    let [r, g, b] = style.color;
    let content = format!(
        "Q\nq\n/{state_name} gs\n{} {} {} rg\nBT\n/{font_name} {} Tf\n{} {} {} {} {} {} Tm\n{} Tj\nET\nQ\n",
        num(r),
        num(g),
        num(b),
        num(style.font_size),
        num(cos),
        num(sin),
        num(-sin),
        num(cos),
        num(ox),
        num(oy),
        pdf_string(text)
    );

    let existing = doc
        .get_dictionary(page)
        .map_err(|_| not_dict())?
        .get(b"Contents")
        .ok()
        .cloned();
    let mut contents: Vec<Object> = match existing {
        Some(Object::Reference(id)) => match doc.get_object(id) {
            Ok(Object::Array(items)) => items.clone(),
            _ => vec![Object::Reference(id)],
        },
        Some(Object::Array(items)) => items,
        _ => Vec::new(),
    };
    let before = doc.add_object(Stream::new(dictionary! {}, b"q\n".to_vec()));
    let after = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    contents.insert(0, Object::Reference(before));
    contents.push(Object::Reference(after));
    let dict = doc.get_dictionary_mut(page).map_err(|_| not_dict())?;
    dict.set("Contents", contents);
    dict.set("Resources", resources);
    Ok(())
}

/// Adds the Helvetica font dictionary (WinAnsi) to the document; returns its id.
pub fn add_font(doc: &mut Document) -> ObjectId {
    doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_colors_and_text() {
        assert_eq!(pdf_string(b"a(b)c\\d"), "(a\\(b\\)c\\\\d)");
        assert_eq!(pdf_string(&[0xE9]), "(\\351)");
        assert_eq!(parse_color("#ff0000").unwrap(), [1.0, 0.0, 0.0]);
        assert_eq!(parse_color("fff").unwrap(), [1.0, 1.0, 1.0]);
        assert!(parse_color("#12345").is_err());
        assert!(parse_color("#gg0000").is_err());
        assert_eq!(encode_latin1("Café", "t").unwrap(), b"Caf\xE9");
        assert!(encode_latin1("日本", "t").is_err());
        assert!(encode_latin1("a\nb", "t").is_err());
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(num(0.5), "0.5");
    }
}
