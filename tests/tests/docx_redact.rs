//! End-to-end tests of files/markdown-to-docx, pdf/pdf-to-word and pdf/redact-pdf.

use lathe_tests::fixtures::{pdf, pdf_page_texts, png_rgba};
use lathe_tests::{assert_rejects_bad_input, shared, Lathe};
use std::io::Read;

/// The `word/document.xml` of a .docx.
fn document_xml(docx: &[u8]) -> String {
    assert!(docx.starts_with(b"PK"), "not a ZIP");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a ZIP");
    for name in ["[Content_Types].xml", "_rels/.rels", "word/styles.xml"] {
        assert!(archive.by_name(name).is_ok(), "missing {name}");
    }
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The text of each `<w:p>` paragraph (its `<w:t>` contents joined).
fn paragraphs(xml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_t = false;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) if e.name().as_ref() == b"w:t" => in_t = true,
            Event::End(e) if e.name().as_ref() == b"w:t" => in_t = false,
            Event::Start(e) if e.name().as_ref() == b"w:p" => current.clear(),
            Event::End(e) if e.name().as_ref() == b"w:p" => out.push(std::mem::take(&mut current)),
            Event::Text(t) if in_t => current.push_str(&t.unescape().unwrap()),
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn invalid(lathe: &Lathe, tool: &str, data: Vec<u8>, settings: &str) {
    let r = lathe.run_tool("pdf", tool, "a.pdf", data, settings);
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{settings}");
}

#[test]
fn markdown_becomes_a_word_document() {
    let lathe = shared();
    let md = "# Quarterly Report\n\nFirst paragraph with **bold** and *italic* and a [link](https://example.com).\n\n## Details & more\n\n- apple\n- pear\n\n1. one\n2. two\n\n```\nlet x = 1;\n```\n";
    let (_, bytes) = lathe.run_and_download(
        "files",
        "markdown-to-docx",
        &[("file", "notes.md", md.as_bytes().to_vec())],
        "{}",
    );
    let xml = document_xml(&bytes);
    let paras = paragraphs(&xml);
    assert_eq!(paras[0], "Quarterly Report", "{paras:?}");
    assert!(
        paras
            .iter()
            .any(|p| p == "First paragraph with bold and italic and a link."),
        "{paras:?}"
    );
    assert!(paras.iter().any(|p| p == "Details & more"), "{paras:?}");
    assert!(paras.iter().any(|p| p.contains("apple")));
    assert!(paras.iter().any(|p| p.contains("2.") && p.contains("two")));
    assert!(paras.iter().any(|p| p == "let x = 1;"), "{paras:?}");
    let first_p = &xml[xml.find("<w:p>").unwrap()..xml.find("</w:p>").unwrap()];
    assert!(
        first_p.contains("<w:pStyle w:val=\"Heading1\"/>"),
        "{first_p}"
    );
    assert!(xml.contains("<w:pStyle w:val=\"Heading2\"/>"));
    assert!(xml.contains("<w:b/>") && xml.contains("<w:i/>"));
    assert!(xml.contains("Courier New"));
    assert!(!xml.contains("https://example.com"));
}

#[test]
fn markdown_to_docx_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "files",
        "markdown-to-docx",
        "a.md",
        b"# Hi\n".to_vec(),
        ("a.png", png_rgba(4, 4)),
    );
}

#[test]
fn pdf_to_word_keeps_pages_in_order() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "pdf-to-word",
        &[("file", "doc.pdf", pdf(3, "X"))],
        "{}",
    );
    assert_eq!(body["pageCount"], 3, "{body}");
    let xml = document_xml(&bytes);
    let texts: Vec<String> = paragraphs(&xml)
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(texts, ["X page 1", "X page 2", "X page 3"], "{xml}");
    assert_eq!(xml.matches("<w:br w:type=\"page\"/>").count(), 2, "{xml}");
    let p1 = xml.find("X page 1").unwrap();
    let br = xml.find("w:type=\"page\"").unwrap();
    let p2 = xml.find("X page 2").unwrap();
    assert!(p1 < br && br < p2);
}

#[test]
fn pdf_to_word_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "pdf-to-word",
        "a.pdf",
        pdf(1, "A"),
        ("a.png", png_rgba(4, 4)),
    );
}

/// Every content stream of a PDF, decompressed, concatenated.
fn raw_streams(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    let mut all = Vec::new();
    for object in doc.objects.values() {
        if let lopdf::Object::Stream(s) = object {
            all.extend(
                s.decompressed_content()
                    .unwrap_or_else(|_| s.content.clone()),
            );
        }
    }
    String::from_utf8_lossy(&all).to_string()
}

#[test]
fn redaction_removes_the_text() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "redact-pdf",
        &[("file", "doc.pdf", pdf(2, "Secret"))],
        r#"{"terms":["SECRET"]}"#,
    );
    assert_eq!(body["redactions"], 2, "{body}");
    let texts = pdf_page_texts(&bytes);
    assert_eq!(texts.len(), 2);
    for (i, text) in texts.iter().enumerate() {
        assert!(!text.to_lowercase().contains("secret"), "{text}");
        assert!(text.contains(&format!("page {}", i + 1)), "{text}");
    }
    let raw = raw_streams(&bytes).to_lowercase();
    assert!(!raw.contains("secret"), "{raw}");
    assert!(!String::from_utf8_lossy(&bytes)
        .to_lowercase()
        .contains("secret"));

    // Case-sensitive: a differently cased term does not match.
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "redact-pdf",
        &[("file", "doc.pdf", pdf(1, "Secret"))],
        r#"{"terms":["SECRET"],"caseSensitive":true}"#,
    );
    assert_eq!(body["redactions"], 0, "{body}");
    assert_eq!(pdf_page_texts(&bytes), ["Secret page 1"]);
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "redact-pdf",
        &[("file", "doc.pdf", pdf(1, "Secret"))],
        r#"{"terms":["page 1","nothing"],"caseSensitive":true}"#,
    );
    let text = &pdf_page_texts(&bytes)[0];
    assert!(
        text.starts_with("Secret") && !text.contains("page"),
        "{text}"
    );
    assert!(!raw_streams(&bytes).contains("page 1"));
    lathe.assert_healthy();
}

#[test]
fn redaction_rejects_bad_settings() {
    let lathe = shared();
    let good = pdf(1, "A");
    for settings in [
        "{}",
        r#"{"terms":[]}"#,
        r#"{"terms":[""]}"#,
        r#"{"terms":[5]}"#,
        r#"{"terms":"x","caseSensitive":"maybe"}"#,
        r#"{"terms":{"a":1}}"#,
    ] {
        invalid(lathe, "redact-pdf", good.clone(), settings);
    }
    let long = "x".repeat(201);
    invalid(
        lathe,
        "redact-pdf",
        good.clone(),
        &format!(r#"{{"terms":["{long}"]}}"#),
    );
    let many: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
    invalid(
        lathe,
        "redact-pdf",
        good.clone(),
        &serde_json::json!({ "terms": many }).to_string(),
    );
    invalid(lathe, "pdf-to-word", good, "[1]");
    lathe.assert_healthy();
}

#[test]
fn redaction_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "redact-pdf",
        "a.pdf",
        pdf(1, "A"),
        ("a.png", png_rgba(4, 4)),
    );
}
