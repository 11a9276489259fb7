//! End-to-end tests of the document tools: files/to-epub, files/epub-convert and
//! pdf/repair-pdf.

use std::io::{Cursor, Read, Write};

use lathe_tests::fixtures::{pdf, pdf_page_texts, png_rgba};
use lathe_tests::{assert_rejects_bad_input, shared, Lathe};

fn invalid(lathe: &Lathe, section: &str, tool: &str, name: &str, data: Vec<u8>, settings: &str) {
    let r = lathe.run_tool(section, tool, name, data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
}

/// Every entry of a ZIP archive: name, compression method and text.
fn entries(bytes: &[u8]) -> Vec<(String, zip::CompressionMethod, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP archive");
    (0..archive.len())
        .map(|i| {
            let mut e = archive.by_index(i).unwrap();
            let mut text = String::new();
            e.read_to_string(&mut text).unwrap();
            (e.name().to_string(), e.compression(), text)
        })
        .collect()
}

fn text_of<'a>(entries: &'a [(String, zip::CompressionMethod, String)], name: &str) -> &'a str {
    &entries
        .iter()
        .find(|e| e.0 == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .2
}

/// A small EPUB with the given entries (mimetype first, stored).
fn epub_with(files: &[(&str, &str)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/epub+zip").unwrap();
    for (name, text) in files {
        w.start_file(*name, SimpleFileOptions::default()).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const CONTAINER: &str = "<?xml version=\"1.0\"?><container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles><rootfile full-path=\"book/pkg.opf\" media-type=\"application/oebps-package+xml\"/></rootfiles></container>";

/// An EPUB whose spine order (b, then a) differs from its manifest order.
fn sample_epub() -> Vec<u8> {
    let opf = "<?xml version=\"1.0\"?><package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\"><metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>Spine Test</dc:title></metadata><manifest><item id=\"a\" href=\"text/a.xhtml\" media-type=\"application/xhtml+xml\"/><item id=\"b\" href=\"text/b%20x.xhtml\" media-type=\"application/xhtml+xml\"/></manifest><spine><itemref idref=\"b\"/><itemref idref=\"a\"/></spine></package>";
    let a = "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>A</title><style>p{}</style></head><body><h1>Second Chapter</h1><p>Alpha <em>text</em> with <a href=\"http://example.com/\">a link</a>&nbsp;here.</p><ul><li>one</li><li>two</li></ul><script>evil()</script></body></html>";
    let b = "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>B</title></head><body><h2>First Chapter</h2><p>Bravo <strong>bold</strong> words.</p></body></html>";
    epub_with(&[
        ("META-INF/container.xml", CONTAINER),
        ("book/pkg.opf", opf),
        ("book/text/a.xhtml", a),
        ("book/text/b x.xhtml", b),
    ])
}

#[test]
fn markdown_becomes_an_epub() {
    let lathe = shared();
    let md = "# Opening\n\nFirst *chapter* text.\n\n<script>alert(1)</script>\n\n## Detail\n\nMore.\n\n# Closing\n\nLast words & more.\n";
    let (body, bytes) = lathe.run_and_download(
        "files",
        "to-epub",
        &[("file", "story.md", md.as_bytes().to_vec())],
        r#"{"author":"Ada Writer"}"#,
    );
    assert_eq!(body["chapters"], 2, "{body}");
    assert_eq!(
        &bytes[30..38],
        b"mimetype",
        "mimetype must be the first entry"
    );
    let e = entries(&bytes);
    assert_eq!(e[0].0, "mimetype");
    assert_eq!(e[0].1, zip::CompressionMethod::Stored);
    assert_eq!(e[0].2, "application/epub+zip");
    let container = text_of(&e, "META-INF/container.xml");
    assert!(
        container.contains("full-path=\"OEBPS/content.opf\""),
        "{container}"
    );
    let opf = text_of(&e, "OEBPS/content.opf");
    assert!(opf.contains("<dc:title>Opening</dc:title>"), "{opf}");
    assert!(opf.contains("urn:uuid:"), "{opf}");
    assert!(opf.contains("<dc:language>en</dc:language>"), "{opf}");
    assert!(opf.contains("<dc:creator>Ada Writer</dc:creator>"), "{opf}");
    assert!(opf.contains("dcterms:modified"), "{opf}");
    let nav = text_of(&e, "OEBPS/nav.xhtml");
    assert!(
        nav.contains("epub:type=\"toc\"") && nav.contains("Closing"),
        "{nav}"
    );
    let c1 = text_of(&e, "OEBPS/chapter-1.xhtml");
    assert!(
        c1.contains("<h1>Opening</h1>") && c1.contains("<em>chapter</em>"),
        "{c1}"
    );
    assert!(c1.contains("<h2>Detail</h2>"), "{c1}");
    assert!(
        !c1.contains("<script>") && c1.contains("&lt;script&gt;"),
        "{c1}"
    );
    let c2 = text_of(&e, "OEBPS/chapter-2.xhtml");
    assert!(c2.contains("Last words &amp; more."), "{c2}");
    // Every XHTML file is well-formed XML.
    for (name, _, text) in &e {
        if name.ends_with(".xhtml") || name.ends_with(".opf") || name.ends_with(".xml") {
            let mut r = quick_xml::Reader::from_str(text);
            loop {
                match r.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Err(err) => panic!("{name} is not well-formed: {err}\n{text}"),
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn html_and_text_become_epubs() {
    let lathe = shared();
    let html = "<html><head><title>t</title><script>steal()</script></head><body><h2>Part A</h2><p>Hello &amp; welcome<script>bad()</script></p><h2>Part B</h2><ul><li>item</li></ul></body></html>";
    let (_, bytes) = lathe.run_and_download(
        "files",
        "to-epub",
        &[("file", "page.html", html.as_bytes().to_vec())],
        r#"{"title":"My Book"}"#,
    );
    let e = entries(&bytes);
    assert!(text_of(&e, "OEBPS/content.opf").contains("<dc:title>My Book</dc:title>"));
    let c1 = text_of(&e, "OEBPS/chapter-1.xhtml");
    assert!(
        c1.contains("Part A") && c1.contains("Hello &amp; welcome"),
        "{c1}"
    );
    assert!(!c1.contains("bad()") && !c1.contains("steal"), "{c1}");
    assert!(text_of(&e, "OEBPS/chapter-2.xhtml").contains("<li>item</li>"));

    let (_, bytes) = lathe.run_and_download(
        "files",
        "to-epub",
        &[(
            "file",
            "notes.txt",
            b"line one\nline two\n\nsecond <para>".to_vec(),
        )],
        "{}",
    );
    let e = entries(&bytes);
    assert!(text_of(&e, "OEBPS/content.opf").contains("<dc:title>notes</dc:title>"));
    let c1 = text_of(&e, "OEBPS/chapter-1.xhtml");
    assert!(
        c1.contains("line one") && c1.contains("second &lt;para&gt;"),
        "{c1}"
    );
}

#[test]
fn to_epub_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "files",
        "to-epub",
        "a.md",
        b"# A\n\ntext".to_vec(),
        ("a.png", png_rgba(4, 4)),
    );
    invalid(
        lathe,
        "files",
        "to-epub",
        "a.md",
        b"# A".to_vec(),
        r#"{"title":5}"#,
    );
    invalid(
        lathe,
        "files",
        "to-epub",
        "a.md",
        b"# A".to_vec(),
        r#"{"author":[1]}"#,
    );
    lathe.assert_healthy();
}

#[test]
fn epub_converts_in_spine_order() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "files",
        "epub-convert",
        &[("file", "book.epub", sample_epub())],
        r#"{"format":"html"}"#,
    );
    assert_eq!(body["chapters"], 2, "{body}");
    let html = String::from_utf8(bytes).unwrap();
    assert!(html.contains("<title>Spine Test</title>"), "{html}");
    let first = html.find("First Chapter").expect("first chapter");
    let second = html.find("Second Chapter").expect("second chapter");
    assert!(first < second, "{html}");
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(
        html.contains("<a href=\"http://example.com/\">a link</a>"),
        "{html}"
    );
    assert!(!html.contains("evil") && !html.contains("p{}"), "{html}");

    let (_, bytes) = lathe.run_and_download(
        "files",
        "epub-convert",
        &[("file", "book.epub", sample_epub())],
        r#"{"format":"md"}"#,
    );
    let md = String::from_utf8(bytes).unwrap();
    let first = md.find("## First Chapter").expect("first chapter");
    let second = md.find("# Second Chapter").expect("second chapter");
    assert!(first < second, "{md}");
    assert!(md.contains("Bravo **bold** words."), "{md}");
    assert!(
        md.contains("Alpha *text* with [a link](http://example.com/)"),
        "{md}"
    );
    assert!(md.contains("- one\n- two"), "{md}");
    assert!(!md.contains("evil"), "{md}");
}

#[test]
fn to_epub_output_converts_back() {
    let lathe = shared();
    let md = "# Alpha\n\nAlpha body.\n\n# Beta\n\nBeta body.\n";
    let (_, epub) = lathe.run_and_download(
        "files",
        "to-epub",
        &[("file", "round.md", md.as_bytes().to_vec())],
        "{}",
    );
    let (_, bytes) = lathe.run_and_download(
        "files",
        "epub-convert",
        &[("file", "round.epub", epub)],
        r#"{"format":"md"}"#,
    );
    let out = String::from_utf8(bytes).unwrap();
    assert_eq!(out, "# Alpha\n\nAlpha body.\n\n# Beta\n\nBeta body.\n");
}

#[test]
fn epub_convert_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "files",
        "epub-convert",
        "a.epub",
        sample_epub(),
        ("a.png", png_rgba(4, 4)),
    );
    invalid(
        lathe,
        "files",
        "epub-convert",
        "a.epub",
        sample_epub(),
        "{}",
    );
    invalid(
        lathe,
        "files",
        "epub-convert",
        "a.epub",
        sample_epub(),
        r#"{"format":"rtf"}"#,
    );
    let evil = epub_with(&[
        ("META-INF/container.xml", CONTAINER),
        ("../escape.xhtml", "<html/>"),
    ]);
    let r = lathe.run_tool(
        "files",
        "epub-convert",
        "evil.epub",
        evil,
        r#"{"format":"html"}"#,
    );
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    r.assert_client_error(400);
    let no_spine = epub_with(&[("META-INF/container.xml", CONTAINER)]);
    let r = lathe.run_tool(
        "files",
        "epub-convert",
        "n.epub",
        no_spine,
        r#"{"format":"md"}"#,
    );
    r.assert_client_error(r.status);
    lathe.assert_healthy();
}

/// The fixture PDF with every offset in its cross-reference stream (`/W [1 4 2]`)
/// overwritten with a wrong one.
fn broken_xref(pages: u32, label: &str) -> Vec<u8> {
    let mut bytes = pdf(pages, label);
    let xref = bytes
        .windows(10)
        .rposition(|w| w == b"/Type/XRef")
        .expect("a cross-reference stream");
    let start = xref
        + bytes[xref..]
            .windows(7)
            .position(|w| w == b"stream\n")
            .unwrap()
        + 7;
    let end = start
        + bytes[start..]
            .windows(9)
            .position(|w| w == b"endstream")
            .unwrap();
    let mut i = start;
    while i + 7 <= end {
        bytes[i + 1..i + 5].copy_from_slice(&[0, 0, 0, 3]);
        i += 7;
    }
    bytes
}

#[test]
fn repair_pdf_rebuilds_a_broken_xref() {
    let lathe = shared();
    let broken = broken_xref(3, "R");
    assert!(broken != pdf(3, "R"));
    // The damage is real: qpdf's check reports the file as damaged (exit status 2 or 3:
    // errors or warnings; it recovers the pages itself only by reconstructing the xref).
    let check = lathe_tests::fixtures::qpdf_check(&broken);
    assert_ne!(check.status.code(), Some(0), "qpdf finds no damage");
    let (body, bytes) =
        lathe.run_and_download("pdf", "repair-pdf", &[("file", "broken.pdf", broken)], "{}");
    assert_eq!(body["pageCount"], 3, "{body}");
    assert_eq!(pdf_page_texts(&bytes), ["R page 1", "R page 2", "R page 3"]);

    // No startxref value at all.
    let mut bytes = pdf(2, "S");
    let at = bytes.windows(9).rposition(|w| w == b"startxref").unwrap();
    bytes.truncate(at + 9);
    bytes.extend_from_slice(b"\n%%EOF\n");
    let (_, out) = lathe.run_and_download("pdf", "repair-pdf", &[("file", "s.pdf", bytes)], "{}");
    assert_eq!(pdf_page_texts(&out), ["S page 1", "S page 2"]);

    // A healthy file stays the same document.
    let (_, out) = lathe.run_and_download(
        "pdf",
        "repair-pdf",
        &[("file", "ok.pdf", pdf(2, "T"))],
        "{}",
    );
    assert_eq!(pdf_page_texts(&out), ["T page 1", "T page 2"]);
}

#[test]
fn repair_pdf_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "repair-pdf",
        "a.pdf",
        pdf(1, "A"),
        ("a.png", png_rgba(4, 4)),
    );
    let r = lathe.run_tool(
        "pdf",
        "repair-pdf",
        "empty.pdf",
        b"%PDF-1.7\n1 0 obj\n<< /Foo 1 >>\nendobj\n%%EOF\n".to_vec(),
        "{}",
    );
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    invalid(lathe, "pdf", "repair-pdf", "a.pdf", pdf(1, "A"), "[1]");
    lathe.assert_healthy();
}
