//! End-to-end tests of files/markdown-to-pdf, files/chart-maker, and the PDF/Word outputs
//! of files/epub-convert and the Word input of files/to-epub.

use std::io::{Cursor, Read, Write};

use lathe_tests::fixtures::{decode, pdf_page_texts, png_rgba};
use lathe_tests::{assert_rejects_bad_input, shared, Lathe};

fn invalid(lathe: &Lathe, tool: &str, name: &str, data: Vec<u8>, settings: &str) {
    let r = lathe.run_tool("files", tool, name, data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
}

/// The text of one entry of a ZIP archive.
fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP archive");
    let mut e = archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("no {name}"));
    let mut text = String::new();
    e.read_to_string(&mut text).unwrap();
    text
}

/// Every entry name of a ZIP archive.
fn zip_names(bytes: &[u8]) -> Vec<String> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP archive");
    archive.file_names().map(str::to_string).collect()
}

/// Asserts that XML text is well-formed.
fn well_formed(name: &str, text: &str) {
    let mut r = quick_xml::Reader::from_str(text);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Err(err) => panic!("{name} is not well-formed: {err}\n{text}"),
            _ => {}
        }
    }
}

/// The MediaBox of each page.
fn media_boxes(bytes: &[u8]) -> Vec<Vec<f32>> {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    doc.get_pages()
        .values()
        .map(|id| {
            let page = doc.get_dictionary(*id).unwrap();
            page.get(b"MediaBox")
                .and_then(|o| o.as_array())
                .unwrap()
                .iter()
                .map(|o| o.as_float().unwrap_or_else(|_| o.as_i64().unwrap() as f32))
                .collect()
        })
        .collect()
}

/// A Markdown document that needs several pages.
fn long_markdown() -> String {
    let mut md = String::from("# Quarterly Report\n\n");
    md.push_str(&"This paragraph is long enough to wrap over several lines of the page, with **bold** and *italic* words mixed in. ".repeat(12));
    md.push_str("\n\n");
    for i in 1..=60 {
        md.push_str(&format!("- List entry number {i}\n"));
    }
    md.push_str("\n> A quoted remark.\n\n```\nfn main() {}\n```\n\n---\n\n| Name | Score |\n|------|-------|\n| Ada | 42 |\n");
    md
}

#[test]
fn markdown_to_pdf_paginates_with_extractable_text() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "files",
        "markdown-to-pdf",
        &[("file", "report.md", long_markdown().into_bytes())],
        "{}",
    );
    assert!(bytes.starts_with(b"%PDF-"));
    let pages = pdf_page_texts(&bytes);
    assert!(pages.len() >= 2, "{} pages", pages.len());
    assert_eq!(body["pageCount"], pages.len(), "{body}");
    assert!(pages[0].contains("Quarterly Report"), "{}", pages[0]);
    assert!(pages[0].contains("wrap over several"), "{}", pages[0]);
    let last_item = pages
        .iter()
        .position(|p| p.contains("List entry number 60"))
        .expect("the last list item");
    assert!(last_item >= 1, "the last item is on page {}", last_item + 1);
    let all = pages.join("\n");
    assert!(all.contains("fn main() {}"), "{all}");
    assert!(all.contains("Ada") && all.contains("42"), "{all}");
    assert!(all.contains("A quoted remark."), "{all}");
    // A4 by default.
    let boxes = media_boxes(&bytes);
    assert!((boxes[0][2] - 595.28).abs() < 0.1 && (boxes[0][3] - 841.89).abs() < 0.1);
    // The fonts are embedded as subsets, not whole.
    assert!(bytes.len() < 300_000, "{} bytes", bytes.len());
}

#[test]
fn markdown_to_pdf_page_settings() {
    let lathe = shared();
    let md = "# One\n\nFirst page.\n\n<!-- pagebreak -->\n\n# Two\n\nSecond page.\n";
    let (_, bytes) = lathe.run_and_download(
        "files",
        "markdown-to-pdf",
        &[("file", "a.md", md.as_bytes().to_vec())],
        r#"{"pageSize":"Letter","orientation":"landscape","margin":36}"#,
    );
    let pages = pdf_page_texts(&bytes);
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[0].contains("First page.") && !pages[0].contains("Second"));
    assert!(pages[1].contains("Two") && pages[1].contains("Second page."));
    assert_eq!(media_boxes(&bytes)[0], vec![0.0, 0.0, 792.0, 612.0]);
}

#[test]
fn markdown_to_pdf_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "files",
        "markdown-to-pdf",
        "a.md",
        b"# A\n\ntext".to_vec(),
        ("a.png", png_rgba(4, 4)),
    );
    invalid(
        lathe,
        "markdown-to-pdf",
        "a.md",
        b"# A".to_vec(),
        r#"{"pageSize":"B9"}"#,
    );
    invalid(
        lathe,
        "markdown-to-pdf",
        "a.md",
        b"# A".to_vec(),
        r#"{"margin":1000}"#,
    );
    invalid(
        lathe,
        "markdown-to-pdf",
        "a.md",
        b"# A".to_vec(),
        r#"{"fontSize":"huge"}"#,
    );
    lathe.assert_healthy();
}

/// A small EPUB (mimetype first, stored) with two chapters, spine order b then a.
fn sample_epub() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let container = "<?xml version=\"1.0\"?><container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles><rootfile full-path=\"book/pkg.opf\" media-type=\"application/oebps-package+xml\"/></rootfiles></container>";
    let opf = "<?xml version=\"1.0\"?><package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\"><metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>Two Chapters</dc:title></metadata><manifest><item id=\"a\" href=\"a.xhtml\" media-type=\"application/xhtml+xml\"/><item id=\"b\" href=\"b.xhtml\" media-type=\"application/xhtml+xml\"/></manifest><spine><itemref idref=\"b\"/><itemref idref=\"a\"/></spine></package>";
    let a = "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>A</title></head><body><h1>Second Chapter</h1><p>Alpha <em>text</em> here.</p><ul><li>one</li><li>two</li></ul></body></html>";
    let b = "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>B</title></head><body><h1>First Chapter</h1><p>Bravo <strong>bold</strong> words.</p></body></html>";
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/epub+zip").unwrap();
    for (name, text) in [
        ("META-INF/container.xml", container),
        ("book/pkg.opf", opf),
        ("book/a.xhtml", a),
        ("book/b.xhtml", b),
    ] {
        w.start_file(name, SimpleFileOptions::default()).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn epub_converts_to_pdf_and_docx() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "files",
        "epub-convert",
        &[("file", "book.epub", sample_epub())],
        r#"{"format":"pdf","pageSize":"Letter"}"#,
    );
    assert_eq!(body["chapters"], 2, "{body}");
    let pages = pdf_page_texts(&bytes);
    assert_eq!(pages.len(), 2, "one page per chapter: {pages:?}");
    assert!(
        pages[0].contains("First Chapter") && pages[0].contains("Bravo bold words."),
        "{pages:?}"
    );
    assert!(
        pages[1].contains("Second Chapter") && pages[1].contains("Alpha text here."),
        "{pages:?}"
    );
    assert!(pages[1].contains("one") && pages[1].contains("two"));
    assert_eq!(media_boxes(&bytes)[0], vec![0.0, 0.0, 612.0, 792.0]);

    let (_, bytes) = lathe.run_and_download(
        "files",
        "epub-convert",
        &[("file", "book.epub", sample_epub())],
        r#"{"format":"docx"}"#,
    );
    assert!(zip_names(&bytes).contains(&"[Content_Types].xml".to_string()));
    let xml = zip_text(&bytes, "word/document.xml");
    well_formed("document.xml", &xml);
    let first = xml.find("First Chapter").expect("first chapter");
    let second = xml.find("Second Chapter").expect("second chapter");
    assert!(first < second);
    assert!(xml.contains("Heading1"), "{xml}");
    assert!(xml.contains("<w:b/>") && xml.contains(">bold<"), "{xml}");
    assert!(xml.contains("<w:i/>") && xml.contains(">text<"), "{xml}");
    assert!(xml.contains("w:type=\"page\""), "chapters start new pages");
    assert!(zip_text(&bytes, "docProps/core.xml").contains("Two Chapters"));

    // Existing formats are unchanged.
    let (_, md) = lathe.run_and_download(
        "files",
        "epub-convert",
        &[("file", "book.epub", sample_epub())],
        r#"{"format":"md"}"#,
    );
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.starts_with("# First Chapter\n\nBravo **bold** words."),
        "{md}"
    );
    assert!(!md.contains("pagebreak"), "{md}");
}

#[test]
fn epub_convert_pdf_rejects_bad_input() {
    let lathe = shared();
    invalid(
        lathe,
        "epub-convert",
        "a.epub",
        sample_epub(),
        r#"{"format":"pdf","pageSize":"B9"}"#,
    );
    invalid(
        lathe,
        "epub-convert",
        "a.epub",
        sample_epub(),
        r#"{"format":"odt"}"#,
    );
    let r = lathe.run_tool(
        "files",
        "epub-convert",
        "junk.epub",
        b"this is not a zip".to_vec(),
        r#"{"format":"docx"}"#,
    );
    r.assert_client_error(400);
    lathe.assert_healthy();
}

#[test]
fn word_document_becomes_an_epub() {
    let lathe = shared();
    let md = "# Word Title\n\nA paragraph with **strong words** and *slanted ones* & symbols <here>.\n\n- first point\n- second point\n\n# Next Part\n\nClosing text.\n";
    let (_, docx) = lathe.run_and_download(
        "files",
        "markdown-to-docx",
        &[("file", "memo.md", md.as_bytes().to_vec())],
        "{}",
    );
    let (body, epub) =
        lathe.run_and_download("files", "to-epub", &[("file", "memo.docx", docx)], "{}");
    assert_eq!(body["chapters"], 2, "{body}");
    assert_eq!(body["title"], "Word Title", "{body}");
    let c1 = zip_text(&epub, "OEBPS/chapter-1.xhtml");
    well_formed("chapter-1.xhtml", &c1);
    assert!(c1.contains("<h1>Word Title</h1>"), "{c1}");
    assert!(c1.contains("<strong>strong words</strong>"), "{c1}");
    assert!(c1.contains("<em>slanted ones</em>"), "{c1}");
    assert!(c1.contains("&amp; symbols &lt;here&gt;."), "{c1}");
    assert!(c1.contains("<li>first point</li>"), "{c1}");
    let c2 = zip_text(&epub, "OEBPS/chapter-2.xhtml");
    assert!(
        c2.contains("Next Part") && c2.contains("Closing text."),
        "{c2}"
    );
}

#[test]
fn to_epub_rejects_bad_word_files() {
    let lathe = shared();
    let garbage: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
    let r = lathe.run_tool("files", "to-epub", "bad.docx", garbage, "{}");
    r.assert_client_error(400);
    // A ZIP without word/document.xml.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("hello.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"hi").unwrap();
    let zip = w.finish().unwrap().into_inner();
    let r = lathe.run_tool("files", "to-epub", "empty.docx", zip, "{}");
    r.assert_client_error(400);
    lathe.assert_healthy();
}

/// The default palette's first colours (Tableau 10).
const PALETTE: [[u8; 3]; 4] = [
    [0x4e, 0x79, 0xa7],
    [0xf2, 0x8e, 0x2b],
    [0xe1, 0x57, 0x59],
    [0x76, 0xb7, 0xb2],
];

#[test]
fn chart_maker_bar_chart_png() {
    let lathe = shared();
    let csv = "fruit,sold\nApples,12\nPears,7\nPlums,15\nFigs,4\n";
    let (body, bytes) = lathe.run_and_download(
        "files",
        "chart-maker",
        &[("file", "fruit.csv", csv.as_bytes().to_vec())],
        r#"{"kind":"bar","title":"Fruit sold","width":800,"height":400}"#,
    );
    assert_eq!(body["points"], 4, "{body}");
    let img = decode(&bytes).to_rgb8();
    assert_eq!(img.dimensions(), (800, 400));
    // Each bar of a single series gets its own palette colour.
    let mut counts = [0usize; 4];
    for p in img.pixels() {
        for (k, c) in PALETTE.iter().enumerate() {
            if p.0 == *c {
                counts[k] += 1;
            }
        }
    }
    assert!(counts.iter().all(|n| *n > 200), "bar colours: {counts:?}");
    // Taller bars cover more pixels: plums (15) > apples (12) > figs (4).
    assert!(counts[2] > counts[0] && counts[0] > counts[3], "{counts:?}");
    // The title is drawn (dark text pixels in the top band).
    let dark = (0..800)
        .flat_map(|x| (0..50).map(move |y| (x, y)))
        .filter(|(x, y)| img.get_pixel(*x, *y).0.iter().all(|v| *v < 100))
        .count();
    assert!(dark > 50, "title pixels: {dark}");
}

#[test]
fn chart_maker_svg_and_other_kinds() {
    let lathe = shared();
    let settings = serde_json::json!({
        "kind": "line",
        "format": "svg",
        "title": "Quarterly Sales",
        "xLabel": "Quarter",
        "data": {"labels": ["Q1", "Q2", "Q3", "Q4"], "datasets": [
            {"label": "North", "data": [3, 5, 4, 6]},
            {"label": "South", "data": [2, 3, 6, 7]}
        ]}
    });
    let (body, bytes) = lathe.run_and_download("files", "chart-maker", &[], &settings.to_string());
    assert_eq!(body["series"], 2, "{body}");
    let svg = String::from_utf8(bytes).unwrap();
    well_formed("chart.svg", &svg);
    assert!(svg.contains("<svg"), "{svg}");
    assert!(svg.contains("Quarterly Sales"), "{svg}");
    assert!(svg.contains("Q3") && svg.contains("North"), "{svg}");

    // Pie from a JSON upload, and scatter/area from inline data, render to PNG.
    let json = r#"[{"name":"Rent","amount":1200},{"name":"Food","amount":450},{"name":"Fun","amount":150}]"#;
    let (_, bytes) = lathe.run_and_download(
        "files",
        "chart-maker",
        &[("file", "budget.json", json.as_bytes().to_vec())],
        r#"{"kind":"pie","width":600,"height":600}"#,
    );
    let img = decode(&bytes).to_rgb8();
    assert_eq!(img.dimensions(), (600, 600));
    let centre = img.get_pixel(300, 250).0;
    assert_ne!(centre, [255, 255, 255], "the pie covers the centre");
    for kind in ["scatter", "area"] {
        let s = serde_json::json!({"kind": kind, "data": {"1": 2, "2": 4, "3": 3}});
        let (_, bytes) = lathe.run_and_download("files", "chart-maker", &[], &s.to_string());
        assert_eq!(decode(&bytes).to_rgb8().dimensions(), (960, 540), "{kind}");
    }
}

#[test]
fn chart_maker_rejects_bad_input() {
    let lathe = shared();
    let csv = b"a,b\nx,1\ny,2\n".to_vec();
    assert_rejects_bad_input(
        lathe,
        "files",
        "chart-maker",
        "a.csv",
        csv.clone(),
        ("a.png", png_rgba(4, 4)),
    );
    invalid(
        lathe,
        "chart-maker",
        "a.csv",
        csv.clone(),
        r#"{"kind":"radar"}"#,
    );
    invalid(
        lathe,
        "chart-maker",
        "a.csv",
        csv.clone(),
        r#"{"width":100}"#,
    );
    invalid(
        lathe,
        "chart-maker",
        "a.csv",
        csv.clone(),
        r#"{"format":"gif"}"#,
    );
    invalid(
        lathe,
        "chart-maker",
        "a.csv",
        csv.clone(),
        r#"{"colors":["nope"]}"#,
    );
    let long = format!(r#"{{"title":"{}"}}"#, "x".repeat(121));
    invalid(lathe, "chart-maker", "a.csv", csv.clone(), &long);
    // Malformed CSV: rows of different lengths; no numeric column.
    let r = lathe.run_tool(
        "files",
        "chart-maker",
        "bad.csv",
        b"a,b\n1,2,3\n4\n".to_vec(),
        "{}",
    );
    r.assert_client_error(400);
    let r = lathe.run_tool(
        "files",
        "chart-maker",
        "text.csv",
        b"a,b\nx,y\n".to_vec(),
        "{}",
    );
    r.assert_client_error(400);
    let r = lathe.run_tool(
        "files",
        "chart-maker",
        "bad.json",
        b"{\"a\":".to_vec(),
        "{}",
    );
    r.assert_client_error(400);
    // Inline data that is not chart data.
    let token = lathe.admin_token();
    let r = lathe.post_multipart(
        "/api/v1/tools/files/chart-maker",
        Some(&token),
        &[],
        Some(r#"{"data":5}"#),
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    lathe.assert_healthy();
}
