//! `pdf/flatten-pdf`: bake form fields and annotations into the page content.
//!
//! Each annotation with a normal appearance (`/AP /N`, the state `/AS` picks for
//! check boxes and radio buttons) is drawn into its page as a Form XObject mapped onto the
//! annotation's `/Rect` (the appearance's `/BBox` transformed by its `/Matrix`, then fitted
//! to the rectangle, as PDF readers place it). The annotations and the document's
//! `/AcroForm` are then removed, so nothing is interactive or editable any more.
//!
//! Text and choice fields without an appearance get a simple one: their value in
//! Helvetica (size and colour from the field's `/DA`, auto size fitted to the box), left
//! aligned, one line per line of the value. Other annotations without an appearance, and
//! text that Helvetica's WinAnsi encoding cannot show, are skipped and listed in
//! `skipped`. Hidden annotations and popups are dropped without drawing; link annotations
//! are kept (they are navigation, not content).

use std::collections::HashSet;
use std::fmt::Write as _;

use lathe_pdf_kit::impose::Rect;
use lathe_pdf_kit::lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};
use lathe_pdf_kit::{inherited, load, number, one_pdf_tool_info, pdf_output, PageTree};
use lathe_tool_sdk::{parse_settings, unsupported, Input, Output, Tool, ToolError, ToolInfo};
use serde_json::{json, Value};

/// How far up the field tree inherited field attributes are looked for.
const MAX_FIELD_DEPTH: usize = 32;

/// Annotation flag bits (PDF 32000-1, 12.5.3): Hidden and NoView.
const HIDDEN: i64 = 1 << 1;
const NO_VIEW: i64 = 1 << 5;

/// Text field flag: multiline.
const MULTILINE: i64 = 1 << 12;

/// The most annotations one document may have flattened.
const MAX_ANNOTATIONS: usize = 100_000;

/// A field attribute, the field's own or inherited from its ancestors (`/FT`, `/V`, `/DA`,
/// `/Ff`, `/T`); references are resolved.
fn field_attr<'a>(doc: &'a Document, field: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut dict = field;
    let mut seen = HashSet::new();
    for _ in 0..MAX_FIELD_DEPTH {
        if let Ok(v) = dict.get(key) {
            return doc.dereference(v).ok().map(|(_, v)| v);
        }
        let parent = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
        if !seen.insert(parent) {
            return None;
        }
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

/// The fully qualified field name (`a.b.c`) of a widget, or empty.
fn field_name(doc: &Document, field: &Dictionary) -> String {
    let mut parts = Vec::new();
    let mut dict = field;
    let mut seen = HashSet::new();
    for _ in 0..MAX_FIELD_DEPTH {
        if let Ok(Object::String(t, _)) = dict
            .get(b"T")
            .and_then(|t| doc.dereference(t).map(|(_, t)| t))
        {
            parts.push(pdf_text(t).unwrap_or_else(|| String::from_utf8_lossy(t).into_owned()));
        }
        let Ok(parent) = dict.get(b"Parent").and_then(Object::as_reference) else {
            break;
        };
        if !seen.insert(parent) {
            break;
        }
        let Ok(next) = doc.get_dictionary(parent) else {
            break;
        };
        dict = next;
    }
    parts.reverse();
    parts.join(".")
}

/// A PDF text string as Rust text (UTF-16BE with BOM, UTF-8 with BOM, else Latin-1 as an
/// approximation of PDFDocEncoding).
fn pdf_text(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16(&units).ok();
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).ok();
    }
    Some(bytes.iter().map(|&b| char::from(b)).collect())
}

/// A form's `/Matrix` (identity when absent or malformed).
fn matrix(doc: &Document, dict: &Dictionary) -> [f64; 6] {
    let m = dict
        .get(b"Matrix")
        .ok()
        .and_then(|m| doc.dereference(m).ok())
        .and_then(|(_, m)| m.as_array().ok())
        .and_then(|items| {
            let v: Option<Vec<f64>> = items
                .iter()
                .map(|i| doc.dereference(i).ok().and_then(|(_, i)| number(i)))
                .collect();
            v.filter(|v| v.len() == 6 && v.iter().all(|x| x.is_finite()))
        });
    match m {
        Some(v) => [v[0], v[1], v[2], v[3], v[4], v[5]],
        None => [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
    }
}

/// The bounding box of `rect` transformed by `m`.
fn transform_rect(rect: Rect, m: [f64; 6]) -> Option<Rect> {
    let corners = [
        (rect.x0, rect.y0),
        (rect.x1, rect.y0),
        (rect.x0, rect.y1),
        (rect.x1, rect.y1),
    ];
    let pts: Vec<(f64, f64)> = corners
        .iter()
        .map(|&(x, y)| (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]))
        .collect();
    let r = Rect {
        x0: pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
        y0: pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
        x1: pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max),
        y1: pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
    };
    (r.width() > 1e-9 && r.height() > 1e-9 && r.x0.is_finite() && r.y1.is_finite()).then_some(r)
}

/// The normal appearance stream of an annotation: `/AP /N`, or for a dictionary of states
/// the one `/AS` names. Returns its object id.
fn appearance(doc: &Document, annot: &Dictionary) -> Option<ObjectId> {
    let ap = doc
        .dereference(annot.get(b"AP").ok()?)
        .ok()?
        .1
        .as_dict()
        .ok()?;
    let n = ap.get(b"N").ok()?;
    let Object::Reference(id) = n else {
        // A direct dictionary of states.
        let states = n.as_dict().ok()?;
        let state = annot.get(b"AS").and_then(Object::as_name).ok()?;
        return states.get(state).and_then(Object::as_reference).ok();
    };
    match doc.get_object(*id).ok()? {
        Object::Stream(_) => Some(*id),
        Object::Dictionary(states) => {
            let state = annot.get(b"AS").and_then(Object::as_name).ok()?;
            let id = states.get(state).and_then(Object::as_reference).ok()?;
            matches!(doc.get_object(id), Ok(Object::Stream(_))).then_some(id)
        }
        _ => None,
    }
}

/// Escapes text for a PDF literal string.
fn literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7E => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out
}

/// Text as WinAnsi bytes (Latin-1 plus the Windows-1252 extras that matter), or `None`
/// when a character cannot be shown.
fn win_ansi(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| match c {
            '\u{20AC}' => Some(0x80),
            '\u{2018}' => Some(0x91),
            '\u{2019}' => Some(0x92),
            '\u{201C}' => Some(0x93),
            '\u{201D}' => Some(0x94),
            '\u{2013}' => Some(0x96),
            '\u{2014}' => Some(0x97),
            '\t' => Some(b' '),
            c if (' '..='~').contains(&c) || ('\u{A0}'..='\u{FF}').contains(&c) => Some(c as u8),
            _ => None,
        })
        .collect()
}

/// Font size and colour operators from a default appearance string (`/Helv 12 Tf 0 g`).
fn parse_da(da: &str) -> (f64, String) {
    let tokens: Vec<&str> = da.split_whitespace().collect();
    let mut size = 0.0;
    let mut colour = String::from("0 g");
    for (i, t) in tokens.iter().enumerate() {
        let take = |n: usize| -> Option<Vec<f64>> {
            (i >= n)
                .then(|| {
                    tokens[i - n..i]
                        .iter()
                        .map(|t| t.parse::<f64>().ok())
                        .collect()
                })
                .flatten()
        };
        match *t {
            "Tf" => {
                if let Some(v) = take(1) {
                    size = v[0];
                }
            }
            "g" | "rg" | "k" => {
                let n = match *t {
                    "g" => 1,
                    "rg" => 3,
                    _ => 4,
                };
                if let Some(v) = take(n) {
                    let values: Vec<String> = v.iter().map(|x| format!("{x}")).collect();
                    colour = format!("{} {t}", values.join(" "));
                }
            }
            _ => {}
        }
    }
    (if size.is_finite() { size } else { 0.0 }, colour)
}

/// Builds a simple appearance for a text or choice field's value: Helvetica, left aligned.
/// `Err` says why none could be made.
fn text_appearance(
    doc: &mut Document,
    widget: &Dictionary,
    default_da: &str,
    font: &mut Option<ObjectId>,
) -> Result<ObjectId, &'static str> {
    let kind = field_attr(doc, widget, b"FT").and_then(|f| f.as_name().ok());
    if !matches!(kind, Some(b"Tx" | b"Ch")) {
        return Err("no appearance stream");
    }
    let value = match field_attr(doc, widget, b"V") {
        Some(Object::String(v, _)) => pdf_text(v).ok_or("the value is not valid text")?,
        Some(Object::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Object::String(v, _) => pdf_text(v),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => return Err("no appearance stream and no value"),
    };
    let rect = widget
        .get(b"Rect")
        .ok()
        .and_then(|r| Rect::from_object(doc, r))
        .ok_or("the annotation has no valid /Rect")?;
    let da = match field_attr(doc, widget, b"DA") {
        Some(Object::String(d, _)) => String::from_utf8_lossy(d).into_owned(),
        _ => default_da.to_string(),
    };
    let multiline = field_attr(doc, widget, b"Ff")
        .and_then(|f| f.as_i64().ok())
        .is_some_and(|f| f & MULTILINE != 0);
    let lines: Vec<&str> = if multiline {
        value.lines().collect()
    } else {
        vec![value.lines().next().unwrap_or("")]
    };
    let encoded: Option<Vec<Vec<u8>>> = lines.iter().map(|l| win_ansi(l)).collect();
    let encoded = encoded.ok_or("the value has characters Helvetica cannot show")?;
    let (w, h) = (rect.width(), rect.height());
    let (mut size, colour) = parse_da(&da);
    if size <= 0.0 {
        size = if multiline {
            12.0
        } else {
            ((h - 4.0) * 0.7).clamp(4.0, 12.0)
        };
    }
    let font_id = *font.get_or_insert_with(|| {
        doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        })
    });
    let mut ops = format!(
        "/Tx BMC\nq\n1 1 {:.3} {:.3} re W n\nBT\n/Helv {size:.2} Tf\n{colour}\n",
        (w - 2.0).max(0.0),
        (h - 2.0).max(0.0)
    );
    let leading = size * 1.15;
    let first_y = if multiline {
        h - 2.0 - size * 0.9
    } else {
        (h - size * 0.72) / 2.0
    };
    let _ = writeln!(ops, "{leading:.2} TL\n2 {first_y:.3} Td");
    for (i, line) in encoded.iter().enumerate() {
        if i > 0 {
            ops.push_str("T*\n");
        }
        let _ = writeln!(ops, "({}) Tj", literal(line));
    }
    ops.push_str("ET\nQ\nEMC\n");
    let stream = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), Object::Real(w as f32), Object::Real(h as f32)],
            "Resources" => dictionary! { "Font" => dictionary! { "Helv" => font_id } },
        },
        ops.into_bytes(),
    );
    Ok(doc.add_object(stream))
}

/// What happened to the annotations.
#[derive(Default)]
struct Report {
    flattened: usize,
    generated: usize,
    dropped: usize,
    links_kept: usize,
    skipped: Vec<Value>,
}

/// Flattens the annotations of one page.
fn flatten_page(
    doc: &mut Document,
    page: ObjectId,
    number: u32,
    default_da: &str,
    font: &mut Option<ObjectId>,
    report: &mut Report,
) -> Result<(), ToolError> {
    let page_dict = doc
        .get_dictionary(page)
        .map_err(|_| unsupported("a page of the PDF is not a dictionary"))?;
    let annots: Vec<Object> = match page_dict.get(b"Annots") {
        Ok(a) => match doc.dereference(a) {
            Ok((_, Object::Array(items))) => items.clone(),
            _ => Vec::new(),
        },
        Err(_) => return Ok(()),
    };
    if report.flattened + report.dropped + annots.len() > MAX_ANNOTATIONS {
        return Err(ToolError::TooLarge(format!(
            "the PDF has more than {MAX_ANNOTATIONS} annotations"
        )));
    }
    let mut kept = Vec::new();
    // (xobject id, cm matrix)
    let mut draws: Vec<(ObjectId, [f64; 6])> = Vec::new();
    for annot in annots {
        let Ok((_, Object::Dictionary(dict))) = doc.dereference(&annot) else {
            continue;
        };
        let dict = dict.clone();
        let subtype = dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default();
        match subtype.as_str() {
            "Link" => {
                kept.push(annot);
                report.links_kept += 1;
                continue;
            }
            "Popup" => {
                report.dropped += 1;
                continue;
            }
            _ => {}
        }
        let flags = dict.get(b"F").and_then(Object::as_i64).unwrap_or(0);
        if flags & (HIDDEN | NO_VIEW) != 0 {
            report.dropped += 1;
            continue;
        }
        let field = field_name(doc, &dict);
        let mut skip = |reason: &str| {
            report.skipped.push(json!({
                "page": number, "subtype": subtype, "field": field, "reason": reason,
            }));
        };
        let Some(rect) = dict
            .get(b"Rect")
            .ok()
            .and_then(|r| Rect::from_object(doc, r))
        else {
            skip("the annotation has no valid /Rect");
            continue;
        };
        let (form_id, generated) = match appearance(doc, &dict) {
            Some(id) => (id, false),
            None if subtype == "Widget" => match text_appearance(doc, &dict, default_da, font) {
                Ok(id) => (id, true),
                Err(reason) => {
                    skip(reason);
                    continue;
                }
            },
            None => {
                skip("no appearance stream");
                continue;
            }
        };
        let Ok(Object::Stream(form)) = doc.get_object_mut(form_id) else {
            continue;
        };
        form.dict.set("Type", Object::Name(b"XObject".to_vec()));
        form.dict.set("Subtype", Object::Name(b"Form".to_vec()));
        let form = form.clone();
        let Some(bbox) = form
            .dict
            .get(b"BBox")
            .ok()
            .and_then(|b| Rect::from_object(doc, b))
        else {
            report.dropped += 1;
            continue;
        };
        let Some(shown) = transform_rect(bbox, matrix(doc, &form.dict)) else {
            report.dropped += 1;
            continue;
        };
        // Map the transformed box onto the annotation rectangle (PDF 32000-1, 12.5.5).
        let sx = rect.width() / shown.width();
        let sy = rect.height() / shown.height();
        let cm = [
            sx,
            0.0,
            0.0,
            sy,
            rect.x0 - shown.x0 * sx,
            rect.y0 - shown.y0 * sy,
        ];
        draws.push((form_id, cm));
        report.flattened += 1;
        if generated {
            report.generated += 1;
        }
    }

    if !draws.is_empty() {
        // The page gets its own copy of its (possibly inherited or shared) resources.
        let mut resources = inherited(doc, page, b"Resources")
            .and_then(|r| doc.dereference(r).ok())
            .and_then(|(_, r)| r.as_dict().ok())
            .cloned()
            .unwrap_or_default();
        let mut xobjects = resources
            .get(b"XObject")
            .ok()
            .and_then(|x| doc.dereference(x).ok())
            .and_then(|(_, x)| x.as_dict().ok())
            .cloned()
            .unwrap_or_default();
        let mut ops = String::from("Q\n");
        let mut k = 0usize;
        for (id, m) in draws {
            let name = loop {
                let candidate = format!("Flat{k}");
                k += 1;
                if !xobjects.has(candidate.as_bytes()) {
                    break candidate;
                }
            };
            let _ = writeln!(
                ops,
                "q {:.6} {:.6} {:.6} {:.6} {:.4} {:.4} cm /{name} Do Q",
                m[0], m[1], m[2], m[3], m[4], m[5]
            );
            xobjects.set(name, id);
        }
        resources.set("XObject", xobjects);
        let mut contents: Vec<Object> = match doc
            .get_dictionary(page)
            .ok()
            .and_then(|d| d.get(b"Contents").ok())
        {
            Some(Object::Reference(id)) => match doc.get_object(*id) {
                Ok(Object::Array(items)) => items.clone(),
                _ => vec![Object::Reference(*id)],
            },
            Some(Object::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        // Wrap the old content in q/Q so a transform it leaves behind does not move the
        // appearances.
        let open = doc.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
        let close = doc.add_object(Stream::new(Dictionary::new(), ops.into_bytes()));
        contents.insert(0, Object::Reference(open));
        contents.push(Object::Reference(close));
        let dict = doc
            .get_dictionary_mut(page)
            .map_err(|_| unsupported("a page of the PDF is not a dictionary"))?;
        dict.set("Resources", resources);
        dict.set("Contents", Object::Array(contents));
    }
    let dict = doc
        .get_dictionary_mut(page)
        .map_err(|_| unsupported("a page of the PDF is not a dictionary"))?;
    if kept.is_empty() {
        dict.remove(b"Annots");
    } else {
        dict.set("Annots", Object::Array(kept));
    }
    Ok(())
}

struct Flatten;

impl Tool for Flatten {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "flatten-pdf",
            "Flatten PDF",
            "Bake form fields and annotations into the page content so they can no longer be edited.",
            json!({"type": "object", "properties": {}}),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Value = parse_settings(settings)?;
        let input = &inputs[0];
        let mut doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let catalog_id = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| unsupported("the PDF has no catalog"))?;
        let acro_form = doc
            .get_dictionary(catalog_id)
            .ok()
            .and_then(|c| c.get(b"AcroForm").ok())
            .and_then(|a| doc.dereference(a).ok())
            .and_then(|(_, a)| a.as_dict().ok())
            .cloned();
        let default_da = acro_form
            .as_ref()
            .and_then(|a| a.get(b"DA").ok())
            .and_then(|d| match d {
                Object::String(s, _) => Some(String::from_utf8_lossy(s).into_owned()),
                _ => None,
            })
            .unwrap_or_else(|| "/Helv 0 Tf 0 g".to_string());
        let need_appearances = acro_form
            .as_ref()
            .and_then(|a| a.get(b"NeedAppearances").ok())
            .is_some_and(|v| matches!(v, Object::Boolean(true)));

        let mut report = Report::default();
        let mut font = None;
        for (i, &page) in tree.pages.iter().enumerate() {
            flatten_page(
                &mut doc,
                page,
                i as u32 + 1,
                &default_da,
                &mut font,
                &mut report,
            )?;
        }
        if let Ok(catalog) = doc.get_dictionary_mut(catalog_id) {
            catalog.remove(b"AcroForm");
        }
        doc.prune_objects();
        let mut extra = json!({
            "pageCount": tree.len(),
            "flattened": report.flattened,
            "generatedAppearances": report.generated,
            "dropped": report.dropped,
            "linksKept": report.links_kept,
            "hadForm": acro_form.is_some(),
            "skipped": report.skipped,
        });
        if need_appearances {
            extra["note"] = json!(
                "the form asked readers to regenerate its appearances (NeedAppearances); the stored ones were used"
            );
        }
        Ok(pdf_output(&mut doc, format!("{}.pdf", input.stem()))?.with_extra(extra))
    }
}

lathe_tool_sdk::export_tool!(Flatten);
