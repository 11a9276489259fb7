//! End-to-end tests of the page-level PDF tools: extract-pages, remove-pages, organize-pdf,
//! crop-pdf, pdf-metadata, nup-pdf and booklet-pdf.

use lathe_tests::fixtures::{pdf, pdf_page_texts};
use lathe_tests::{assert_rejects_bad_input, shared, Lathe};
use lopdf::{Document, Object};

fn texts(label: &str, pages: &[u32]) -> Vec<String> {
    pages.iter().map(|p| format!("{label} page {p}")).collect()
}

/// Runs a tool on one PDF and returns the response JSON and the result bytes.
fn run(tool: &str, source: Vec<u8>, settings: &str) -> (serde_json::Value, Vec<u8>) {
    shared().run_and_download("pdf", tool, &[("file", "a.pdf", source)], settings)
}

/// Asserts that a run answers `status` with `code` and that the host stays healthy.
fn assert_error(
    lathe: &Lathe,
    tool: &str,
    source: Vec<u8>,
    settings: &str,
    status: u16,
    code: &str,
) {
    let r = lathe.run_tool("pdf", tool, "a.pdf", source, settings);
    assert_eq!(r.assert_client_error(status), code, "{tool} {settings}");
    lathe.assert_healthy();
}

/// The standard bad-input cases plus a truncated PDF.
fn assert_bad_input(tool: &str, settings: &str) {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "pdf",
        tool,
        "a.pdf",
        pdf(3, "x"),
        ("a.txt", b"hello".to_vec()),
    );
    let good = pdf(3, "x");
    let truncated = good[..good.len() / 2].to_vec();
    let r = lathe.run_tool("pdf", tool, "a.pdf", truncated, settings);
    assert!(
        (400..500).contains(&r.status),
        "{tool} truncated: {}",
        r.status
    );
    r.assert_client_error(r.status);
    lathe.assert_healthy();
}

/// Bad page ranges for a 3-page PDF are 400 INVALID_SETTINGS.
fn assert_bad_ranges(tool: &str, key: &str) {
    let lathe = shared();
    for spec in ["abc", "0", "9", "1-9", ""] {
        let settings = serde_json::json!({ key: spec }).to_string();
        assert_error(lathe, tool, pdf(3, "x"), &settings, 400, "INVALID_SETTINGS");
    }
    assert_error(lathe, tool, pdf(3, "x"), "{}", 400, "INVALID_SETTINGS");
}

/// A number in a PDF (integer or real).
fn num(object: &Object) -> f64 {
    match object {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        other => panic!("not a number: {other:?}"),
    }
}

fn rect(object: &Object) -> [f64; 4] {
    let items = object.as_array().expect("a rectangle array");
    assert_eq!(items.len(), 4);
    [
        num(&items[0]),
        num(&items[1]),
        num(&items[2]),
        num(&items[3]),
    ]
}

/// For each page: the text of the Form XObjects it draws, in drawing order.
fn drawn_forms(bytes: &[u8]) -> Vec<Vec<String>> {
    let doc = Document::load_mem(bytes).expect("result is a PDF");
    doc.get_pages()
        .values()
        .map(|&page| {
            let dict = doc.get_dictionary(page).unwrap();
            let resources = match dict.get(b"Resources").unwrap() {
                Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
                Object::Dictionary(d) => d,
                other => panic!("resources: {other:?}"),
            };
            let xobjects = match resources.get(b"XObject").unwrap() {
                Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
                Object::Dictionary(d) => d,
                other => panic!("xobjects: {other:?}"),
            };
            let content = doc.get_and_decode_page_content(page).unwrap();
            content
                .operations
                .iter()
                .filter(|op| op.operator == "Do")
                .map(|op| {
                    let name = op.operands[0].as_name().unwrap();
                    let id = xobjects.get(name).unwrap().as_reference().unwrap();
                    let stream = doc.get_object(id).unwrap().as_stream().unwrap();
                    assert_eq!(
                        stream.dict.get(b"Subtype").unwrap().as_name().unwrap(),
                        b"Form"
                    );
                    let data = stream
                        .decompressed_content()
                        .unwrap_or_else(|_| stream.content.clone());
                    let text = String::from_utf8_lossy(&data);
                    let start = text.find('(').expect("a text string") + 1;
                    let end = text[start..].find(')').unwrap() + start;
                    text[start..end].to_string()
                })
                .collect()
        })
        .collect()
}

/// A text string of the Info dictionary, decoded (UTF-16BE with BOM or PDFDocEncoding).
fn info_text(doc: &Document, key: &[u8]) -> Option<String> {
    let info = doc.trailer.get(b"Info").ok()?;
    let info = match info {
        Object::Reference(id) => doc.get_dictionary(*id).ok()?,
        Object::Dictionary(d) => d,
        _ => return None,
    };
    let bytes = info.get(key).ok()?.as_str().ok()?;
    Some(match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(rest) => String::from_utf16(
            &rest
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        )
        .unwrap(),
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    })
}

#[test]
fn extract_pages_in_range_order() {
    let (body, bytes) = run("extract-pages", pdf(6, "X"), r#"{"range":"1-2,5"}"#);
    assert_eq!(pdf_page_texts(&bytes), texts("X", &[1, 2, 5]), "{body}");
    assert_eq!(body["pageCount"], 3);
    let (_, bytes) = run("extract-pages", pdf(4, "R"), r#"{"range":"z-1"}"#);
    assert_eq!(pdf_page_texts(&bytes), texts("R", &[4, 3, 2, 1]));
    let (_, bytes) = run("extract-pages", pdf(5, "Q"), r#"{"range":"r2-z,1,1"}"#);
    assert_eq!(pdf_page_texts(&bytes), texts("Q", &[4, 5, 1, 1]));
}

#[test]
fn extract_pages_rejects_bad_input() {
    assert_bad_input("extract-pages", r#"{"range":"1"}"#);
    assert_bad_ranges("extract-pages", "range");
}

#[test]
fn remove_pages_keeps_the_rest_in_order() {
    let (body, bytes) = run("remove-pages", pdf(5, "M"), r#"{"pages":"2-3"}"#);
    assert_eq!(pdf_page_texts(&bytes), texts("M", &[1, 4, 5]), "{body}");
    let (_, bytes) = run("remove-pages", pdf(4, "A"), r#"{"range":"z,1"}"#);
    assert_eq!(pdf_page_texts(&bytes), texts("A", &[2, 3]));
}

#[test]
fn remove_pages_rejects_bad_input() {
    assert_bad_input("remove-pages", r#"{"pages":"1"}"#);
    assert_bad_ranges("remove-pages", "pages");
    assert_error(
        shared(),
        "remove-pages",
        pdf(3, "x"),
        r#"{"pages":"1-z"}"#,
        400,
        "INVALID_SETTINGS",
    );
}

#[test]
fn organize_reorders_with_repeats() {
    let (body, bytes) = run("organize-pdf", pdf(3, "O"), r#"{"order":"3,1,2"}"#);
    assert_eq!(pdf_page_texts(&bytes), texts("O", &[3, 1, 2]), "{body}");
    let (_, bytes) = run("organize-pdf", pdf(6, "P"), r#"{"order":"3,1,2,5-z,1"}"#);
    assert_eq!(pdf_page_texts(&bytes), texts("P", &[3, 1, 2, 5, 6, 1]));
}

#[test]
fn organize_rejects_bad_input() {
    assert_bad_input("organize-pdf", r#"{"order":"1"}"#);
    assert_bad_ranges("organize-pdf", "order");
}

#[test]
fn crop_insets_the_crop_box() {
    let (body, bytes) = run("crop-pdf", pdf(2, "C"), r#"{"margin":50}"#);
    let doc = Document::load_mem(&bytes).unwrap();
    for &page in doc.get_pages().values() {
        let dict = doc.get_dictionary(page).unwrap();
        assert_eq!(
            rect(dict.get(b"CropBox").unwrap()),
            [50.0, 50.0, 562.0, 742.0],
            "{body}"
        );
        assert_eq!(
            rect(dict.get(b"MediaBox").unwrap()),
            [0.0, 0.0, 612.0, 792.0]
        );
    }
    assert_eq!(pdf_page_texts(&bytes), texts("C", &[1, 2]));
    // The default margin is 20 points, and a second crop starts from the first one's box.
    let (_, once) = run("crop-pdf", pdf(1, "D"), "{}");
    let (_, twice) = run("crop-pdf", once, r#"{"margin":"10.5"}"#);
    let doc = Document::load_mem(&twice).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    let crop = rect(doc.get_dictionary(page).unwrap().get(b"CropBox").unwrap());
    assert_eq!(crop, [30.5, 30.5, 581.5, 761.5]);
}

#[test]
fn crop_rejects_bad_input() {
    assert_bad_input("crop-pdf", "{}");
    let lathe = shared();
    for settings in [
        r#"{"margin":-1}"#,
        r#"{"margin":2001}"#,
        r#"{"margin":"wide"}"#,
        r#"{"margin":306}"#,
        r#"{"margin":400}"#,
    ] {
        assert_error(
            lathe,
            "crop-pdf",
            pdf(2, "x"),
            settings,
            400,
            "INVALID_SETTINGS",
        );
    }
}

#[test]
fn metadata_sets_and_reads_info() {
    let settings = serde_json::json!({
        "title": "Grüße aus Köln ✓",
        "author": "Ada Lovelace",
        "subject": "Tests",
        "keywords": "a, b"
    })
    .to_string();
    let (body, bytes) = run("pdf-metadata", pdf(2, "I"), &settings);
    assert_eq!(body["title"], "Grüße aus Köln ✓", "{body}");
    assert_eq!(body["author"], "Ada Lovelace");
    assert_eq!(body["pageCount"], 2);
    let doc = Document::load_mem(&bytes).unwrap();
    assert_eq!(
        info_text(&doc, b"Title").as_deref(),
        Some("Grüße aus Köln ✓")
    );
    assert_eq!(info_text(&doc, b"Author").as_deref(), Some("Ada Lovelace"));
    assert_eq!(info_text(&doc, b"Subject").as_deref(), Some("Tests"));
    assert_eq!(info_text(&doc, b"Keywords").as_deref(), Some("a, b"));
    assert_eq!(pdf_page_texts(&bytes), texts("I", &[1, 2]));

    // Read mode: no settings, the file comes back as it is, with its metadata reported.
    let (read, same) = run("pdf-metadata", bytes.clone(), "{}");
    assert_eq!(same, bytes);
    assert_eq!(read["title"], "Grüße aus Köln ✓", "{read}");
    assert_eq!(read["keywords"], "a, b");
    assert!(read["creator"].is_null() && read["producer"].is_null());
    assert_eq!(read["pageCount"], 2);

    // An empty value removes a field; others stay.
    let (body, bytes) = run("pdf-metadata", bytes, r#"{"author":""}"#);
    assert!(body["author"].is_null(), "{body}");
    let doc = Document::load_mem(&bytes).unwrap();
    assert_eq!(info_text(&doc, b"Author"), None);
    assert_eq!(info_text(&doc, b"Subject").as_deref(), Some("Tests"));
}

#[test]
fn metadata_rejects_bad_input() {
    assert_bad_input("pdf-metadata", "{}");
    let lathe = shared();
    let long = serde_json::json!({ "title": "x".repeat(501) }).to_string();
    assert_error(
        lathe,
        "pdf-metadata",
        pdf(1, "x"),
        &long,
        400,
        "INVALID_SETTINGS",
    );
    assert_error(
        lathe,
        "pdf-metadata",
        pdf(1, "x"),
        r#"{"author":5}"#,
        400,
        "INVALID_SETTINGS",
    );
}

#[test]
fn nup_places_pages_on_sheets() {
    let (body, bytes) = run("nup-pdf", pdf(5, "N"), r#"{"perSheet":4}"#);
    assert_eq!(body["pageCount"], 2, "{body}");
    let forms = drawn_forms(&bytes);
    assert_eq!(forms, vec![texts("N", &[1, 2, 3, 4]), texts("N", &[5])]);
    let doc = Document::load_mem(&bytes).unwrap();
    let first = *doc.get_pages().values().next().unwrap();
    let media = rect(doc.get_dictionary(first).unwrap().get(b"MediaBox").unwrap());
    assert_eq!(media, [0.0, 0.0, 612.0, 792.0]);

    // The default is 2 up on a landscape sheet.
    let (_, bytes) = run("nup-pdf", pdf(3, "T"), "{}");
    let forms = drawn_forms(&bytes);
    assert_eq!(forms, vec![texts("T", &[1, 2]), texts("T", &[3])]);
    let doc = Document::load_mem(&bytes).unwrap();
    let first = *doc.get_pages().values().next().unwrap();
    let media = rect(doc.get_dictionary(first).unwrap().get(b"MediaBox").unwrap());
    assert_eq!(media, [0.0, 0.0, 792.0, 612.0]);

    let (body, bytes) = run("nup-pdf", pdf(17, "S"), r#"{"perSheet":"16"}"#);
    assert_eq!(body["pageCount"], 2);
    assert_eq!(drawn_forms(&bytes)[0].len(), 16);
}

#[test]
fn nup_rejects_bad_input() {
    assert_bad_input("nup-pdf", "{}");
    let lathe = shared();
    for settings in [
        r#"{"perSheet":5}"#,
        r#"{"perSheet":0}"#,
        r#"{"perSheet":"four"}"#,
    ] {
        assert_error(
            lathe,
            "nup-pdf",
            pdf(3, "x"),
            settings,
            400,
            "INVALID_SETTINGS",
        );
    }
}

#[test]
fn booklet_imposes_in_folding_order() {
    let (body, bytes) = run("booklet-pdf", pdf(5, "B"), "{}");
    assert_eq!(body["pageCount"], 4, "{body}");
    // Padded to 8: [8, 1], [2, 7], [6, 3], [4, 5]; pages 6 to 8 are blank.
    assert_eq!(
        drawn_forms(&bytes),
        vec![
            texts("B", &[1]),
            texts("B", &[2]),
            texts("B", &[3]),
            texts("B", &[4, 5])
        ]
    );
    let doc = Document::load_mem(&bytes).unwrap();
    let first = *doc.get_pages().values().next().unwrap();
    let media = rect(doc.get_dictionary(first).unwrap().get(b"MediaBox").unwrap());
    assert_eq!(media, [0.0, 0.0, 1224.0, 792.0]);

    let (body, bytes) = run("booklet-pdf", pdf(8, "F"), r#"{"perSheet":4}"#);
    assert_eq!(body["pageCount"], 2, "{body}");
    assert_eq!(
        drawn_forms(&bytes),
        vec![texts("F", &[8, 1, 6, 3]), texts("F", &[2, 7, 4, 5])]
    );
}

#[test]
fn booklet_rejects_bad_input() {
    assert_bad_input("booklet-pdf", "{}");
    assert_error(
        shared(),
        "booklet-pdf",
        pdf(3, "x"),
        r#"{"perSheet":3}"#,
        400,
        "INVALID_SETTINGS",
    );
}
