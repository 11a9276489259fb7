//! Page geometry and imposition: the visible box of a page ([`visible_box`]) and drawing
//! several pages on one sheet ([`impose`]), each source page turned into a Form XObject
//! (its content and resources) placed with a `cm` transform.

use std::collections::HashMap;
use std::fmt::Write as _;

use lathe_tool_sdk::{unsupported, ToolError};
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};

use crate::{effective_rotate, inherited, PageTree, PdfBuilder, MAX_PAGES};

pub use crate::per_sheet::PerSheetSettings;

/// The most decoded content bytes [`impose`] will hold for pages whose content is split
/// over several streams.
const MAX_CONTENT_BYTES: usize = 256 << 20;

/// US Letter, used for a page without a usable MediaBox (as PDF readers do).
const LETTER: Rect = Rect {
    x0: 0.0,
    y0: 0.0,
    x1: 612.0,
    y1: 792.0,
};

/// An axis-aligned rectangle in PDF user space, normalised so that `x0 < x1`, `y0 < y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Bottom edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Top edge.
    pub y1: f64,
}

impl Rect {
    /// Width in points.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height in points.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// Reads a rectangle array (references resolved); `None` unless it is four finite
    /// numbers enclosing a non-empty area.
    pub fn from_object(doc: &Document, object: &Object) -> Option<Rect> {
        let (_, object) = doc.dereference(object).ok()?;
        let items = object.as_array().ok()?;
        if items.len() != 4 {
            return None;
        }
        let mut v = [0.0f64; 4];
        for (slot, item) in v.iter_mut().zip(items) {
            let (_, item) = doc.dereference(item).ok()?;
            *slot = match item {
                Object::Integer(i) => *i as f64,
                Object::Real(r) => f64::from(*r),
                _ => return None,
            };
            if !slot.is_finite() {
                return None;
            }
        }
        let rect = Rect {
            x0: v[0].min(v[2]),
            y0: v[1].min(v[3]),
            x1: v[0].max(v[2]),
            y1: v[1].max(v[3]),
        };
        (rect.width() > 0.0 && rect.height() > 0.0).then_some(rect)
    }

    /// The rectangle as a PDF array.
    pub fn to_object(self) -> Object {
        Object::Array(
            [self.x0, self.y0, self.x1, self.y1]
                .into_iter()
                .map(number)
                .collect(),
        )
    }

    /// The overlap of two rectangles, if it has an area.
    pub fn intersect(&self, other: &Rect) -> Option<Rect> {
        let rect = Rect {
            x0: self.x0.max(other.x0),
            y0: self.y0.max(other.y0),
            x1: self.x1.min(other.x1),
            y1: self.y1.min(other.y1),
        };
        (rect.width() > 0.0 && rect.height() > 0.0).then_some(rect)
    }
}

/// A PDF number: an integer when `v` is whole, else a real.
fn number(v: f64) -> Object {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        Object::Integer(v as i64)
    } else {
        Object::Real(v as f32)
    }
}

/// A page's effective MediaBox (own or inherited); US Letter when missing or invalid.
pub fn media_box(doc: &Document, page: ObjectId) -> Rect {
    inherited(doc, page, b"MediaBox")
        .and_then(|o| Rect::from_object(doc, o))
        .unwrap_or(LETTER)
}

/// The part of a page that is shown: its effective CropBox clipped to its MediaBox, or the
/// MediaBox when there is no usable CropBox.
pub fn visible_box(doc: &Document, page: ObjectId) -> Rect {
    let media = media_box(doc, page);
    inherited(doc, page, b"CropBox")
        .and_then(|o| Rect::from_object(doc, o))
        .and_then(|crop| crop.intersect(&media))
        .unwrap_or(media)
}

/// Width and height of a page as displayed (its visible box, turned by its `/Rotate`).
pub fn displayed_size(doc: &Document, page: ObjectId) -> (f64, f64) {
    let rect = visible_box(doc, page);
    match effective_rotate(doc, page) {
        90 | 270 => (rect.height(), rect.width()),
        _ => (rect.width(), rect.height()),
    }
}

/// Cells of a sheet, filled row by row from the top left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Cells across.
    pub cols: u32,
    /// Cells down.
    pub rows: u32,
}

impl Grid {
    /// Cells per sheet.
    pub fn cells(self) -> usize {
        (self.cols * self.rows) as usize
    }
}

/// Draws pages of `src` on new sheets of `sheet` (width, height) points.
///
/// `slots` gives, for each cell of each sheet in turn, the 1-based page of `src` to draw
/// there (`None` leaves the cell empty); a last partial sheet is allowed. Each page is
/// scaled to fit its cell (keeping its aspect ratio, its `/Rotate` applied) and centred.
/// Annotations, outlines and forms are not carried over. A page number outside the
/// document is [`ToolError::InvalidSettings`].
pub fn impose(
    src: &Document,
    tree: &PageTree,
    slots: &[Option<u32>],
    grid: Grid,
    sheet: (f64, f64),
) -> Result<Document, ToolError> {
    if grid.cells() == 0 || !(sheet.0 > 0.0 && sheet.1 > 0.0) {
        return Err(ToolError::Failed("empty sheet layout".into()));
    }
    if slots.len().div_ceil(grid.cells()) > MAX_PAGES {
        return Err(ToolError::TooLarge(format!(
            "the result would have more than {MAX_PAGES} pages"
        )));
    }
    // Copy each page used once, with its inherited attributes made its own.
    let mut used: Vec<u32> = Vec::new();
    let mut index: HashMap<u32, usize> = HashMap::new();
    for &n in slots.iter().flatten() {
        if tree.page(n).is_none() {
            return Err(lathe_tool_sdk::invalid_settings(format!(
                "page {n} does not exist (the document has {} pages)",
                tree.len()
            )));
        }
        index.entry(n).or_insert_with(|| {
            used.push(n);
            used.len() - 1
        });
    }
    let ids: Vec<ObjectId> = used.iter().filter_map(|&n| tree.page(n)).collect();
    let mut builder = PdfBuilder::new();
    builder.add_pages(src, tree, &ids)?;
    let mut doc = builder.finish();
    let copied = PageTree::of(&doc)?;
    let pages_id = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Pages").ok())
        .and_then(|p| p.as_reference().ok())
        .ok_or_else(|| ToolError::Failed("the new document has no page tree".into()))?;

    // One Form XObject per copied page, with what is needed to place it.
    let mut forms = Vec::with_capacity(copied.pages.len());
    let mut budget = MAX_CONTENT_BYTES;
    for &page in &copied.pages {
        let bbox = visible_box(&doc, page);
        let rotate = effective_rotate(&doc, page);
        let form = page_form(&doc, page, bbox, &mut budget)?;
        let id = doc.add_object(form);
        forms.push((id, bbox, rotate));
    }

    let (sheet_w, sheet_h) = sheet;
    let cell_w = sheet_w / f64::from(grid.cols);
    let cell_h = sheet_h / f64::from(grid.rows);
    let mut kids = Vec::new();
    for chunk in slots.chunks(grid.cells()) {
        let mut content = String::new();
        let mut xobjects = Dictionary::new();
        for (cell, slot) in chunk.iter().enumerate() {
            let Some(n) = slot else { continue };
            let Some(&i) = index.get(n) else { continue };
            let (form_id, bbox, rotate) = forms[i];
            let col = (cell as u32 % grid.cols) as f64;
            let row = (cell as u32 / grid.cols) as f64;
            let (ox, oy) = (col * cell_w, sheet_h - (row + 1.0) * cell_h);
            let m = placement(bbox, rotate, (ox, oy, cell_w, cell_h));
            let name = format!("P{i}");
            let _ = writeln!(
                content,
                "q {:.5} {:.5} {:.5} {:.5} {:.4} {:.4} cm /{name} Do Q",
                m[0], m[1], m[2], m[3], m[4], m[5]
            );
            xobjects.set(name, form_id);
        }
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let sheet_page = dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => Rect { x0: 0.0, y0: 0.0, x1: sheet_w, y1: sheet_h }.to_object(),
            "Resources" => dictionary! { "XObject" => xobjects },
            "Contents" => content_id,
        };
        kids.push(Object::Reference(doc.add_object(sheet_page)));
    }
    let count = kids.len() as i64;
    let pages = doc
        .get_dictionary_mut(pages_id)
        .map_err(|_| ToolError::Failed("the new document has no page tree".into()))?;
    pages.set("Kids", Object::Array(kids));
    pages.set("Count", count);
    for page in &copied.pages {
        doc.objects.remove(page);
    }
    doc.prune_objects();
    Ok(doc)
}

/// The transform (`cm` operands) that draws a form with bounding box `bbox`, shown turned
/// by `rotate` degrees clockwise, scaled to fit and centred in `cell` (x, y, w, h).
fn placement(bbox: Rect, rotate: i64, cell: (f64, f64, f64, f64)) -> [f64; 6] {
    let Rect { x0, y0, x1, y1 } = bbox;
    // Form space → displayed page space with the origin at its lower left.
    let (r, dw, dh) = match rotate {
        90 => ([0.0, -1.0, 1.0, 0.0, -y0, x1], bbox.height(), bbox.width()),
        180 => ([-1.0, 0.0, 0.0, -1.0, x1, y1], bbox.width(), bbox.height()),
        270 => ([0.0, 1.0, -1.0, 0.0, y1, -x0], bbox.height(), bbox.width()),
        _ => ([1.0, 0.0, 0.0, 1.0, -x0, -y0], bbox.width(), bbox.height()),
    };
    let (cx, cy, cw, ch) = cell;
    let s = (cw / dw).min(ch / dh);
    let (tx, ty) = (cx + (cw - dw * s) / 2.0, cy + (ch - dh * s) / 2.0);
    [
        r[0] * s,
        r[1] * s,
        r[2] * s,
        r[3] * s,
        r[4] * s + tx,
        r[5] * s + ty,
    ]
}

/// A Form XObject holding a page's content and resources, clipped to `bbox`.
fn page_form(
    doc: &Document,
    page: ObjectId,
    bbox: Rect,
    budget: &mut usize,
) -> Result<Stream, ToolError> {
    let dict = doc
        .get_dictionary(page)
        .map_err(|_| unsupported("a page of the PDF is not a dictionary"))?;
    let mut form = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Form",
        "BBox" => bbox.to_object(),
    };
    if let Ok(resources) = dict.get(b"Resources") {
        form.set("Resources", resources.clone());
    }
    let contents = dict
        .get(b"Contents")
        .ok()
        .and_then(|c| doc.dereference(c).ok())
        .map(|(_, c)| c);
    let data = match contents {
        // One stream: its bytes and filters as they are.
        Some(Object::Stream(stream)) => {
            for key in [b"Filter".as_slice(), b"DecodeParms"] {
                if let Ok(v) = stream.dict.get(key) {
                    form.set(key, v.clone());
                }
            }
            stream.content.clone()
        }
        // Several streams: decoded and joined (a token may span two of them).
        Some(Object::Array(parts)) => {
            let mut data = Vec::new();
            for part in parts {
                let Ok((_, Object::Stream(stream))) = doc.dereference(part) else {
                    continue;
                };
                let decoded = stream
                    .decompressed_content_with_limit(*budget)
                    .map_err(|e| unsupported(format!("a page's content could not be read: {e}")))?;
                *budget = budget.saturating_sub(decoded.len() + 1);
                data.extend_from_slice(&decoded);
                data.push(b'\n');
            }
            data
        }
        _ => Vec::new(),
    };
    Ok(Stream::new(form, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_fits_and_centres() {
        let bbox = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 612.0,
            y1: 792.0,
        };
        let m = placement(bbox, 0, (0.0, 0.0, 396.0, 612.0));
        let s = 396.0 / 612.0;
        assert!((m[0] - s).abs() < 1e-9 && (m[3] - s).abs() < 1e-9);
        assert!((m[5] - (612.0 - 792.0 * s) / 2.0).abs() < 1e-9);
        // Rotated 90: the top-left corner lands at the top right of the cell.
        let m = placement(bbox, 90, (0.0, 0.0, 792.0, 612.0));
        let (x, y) = (
            m[0] * 0.0 + m[2] * 792.0 + m[4],
            m[1] * 0.0 + m[3] * 792.0 + m[5],
        );
        assert!((x - 792.0).abs() < 1e-6 && (y - 612.0).abs() < 1e-6);
    }

    #[test]
    fn rect_reads_and_normalises() {
        let doc = Document::with_version("1.7");
        let arr = Object::Array(vec![100.into(), 50.into(), 0.into(), Object::Real(0.0)]);
        let r = Rect::from_object(&doc, &arr).unwrap();
        assert_eq!((r.x0, r.y0, r.x1, r.y1), (0.0, 0.0, 100.0, 50.0));
        let flat = Object::Array(vec![0.into(), 0.into(), 0.into(), 5.into()]);
        assert!(Rect::from_object(&doc, &flat).is_none());
    }
}
