//! End-to-end tests of the PDF tools: merge-pdf, split-pdf and rotate-pdf.

use std::io::{Cursor, Read};

use lathe_tests::fixtures::{pdf, pdf_page_texts};
use lathe_tests::{assert_rejects_bad_input, shared, Lathe};

/// The files of a ZIP archive: (name, bytes), in archive order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("result is a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            (file.name().to_string(), data)
        })
        .collect()
}

/// Each page's effective /Rotate (own or inherited), in page order.
fn rotations(bytes: &[u8]) -> Vec<i64> {
    let doc = lopdf::Document::load_mem(bytes).expect("result is a PDF");
    doc.get_pages()
        .values()
        .map(|&id| {
            let mut dict = doc.get_dictionary(id).unwrap();
            loop {
                if let Ok(r) = dict.get(b"Rotate") {
                    return r.as_i64().unwrap();
                }
                match dict.get(b"Parent").and_then(|p| p.as_reference()) {
                    Ok(parent) => dict = doc.get_dictionary(parent).unwrap(),
                    Err(_) => return 0,
                }
            }
        })
        .collect()
}

fn texts(label: &str, pages: &[u32]) -> Vec<String> {
    pages.iter().map(|p| format!("{label} page {p}")).collect()
}

fn assert_error(
    lathe: &Lathe,
    section: &str,
    tool: &str,
    parts: &[lathe_tests::Part],
    settings: &str,
    status: u16,
    code: &str,
) {
    let r = lathe.run_tool_files(section, tool, parts, settings);
    assert_eq!(r.assert_client_error(status), code, "{tool} {settings}");
    lathe.assert_healthy();
}

#[test]
fn merge_keeps_upload_order() {
    let lathe = shared();
    let parts = [
        ("files", "a.pdf", pdf(2, "A")),
        ("files", "b.pdf", pdf(3, "B")),
        ("files", "c.pdf", pdf(1, "C")),
    ];
    let (body, bytes) = lathe.run_and_download("pdf", "merge-pdf", &parts, "{}");
    assert!(bytes.starts_with(b"%PDF-"));
    let mut expected = texts("A", &[1, 2]);
    expected.extend(texts("B", &[1, 2, 3]));
    expected.extend(texts("C", &[1]));
    assert_eq!(pdf_page_texts(&bytes), expected, "{body}");
    // The fixtures inherit Resources from the Pages node: each merged page must carry them.
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    for id in doc.get_pages().values() {
        let (resources, _) = doc.get_page_resources(*id).unwrap();
        let inherited_or_own =
            resources.is_some() || doc.get_dictionary(*id).unwrap().has(b"Resources");
        assert!(inherited_or_own, "page {id:?} lost its resources");
    }
}

#[test]
fn merge_needs_two_files() {
    let lathe = shared();
    let r = lathe.run_tool_files("pdf", "merge-pdf", &[("files", "a.pdf", pdf(2, "A"))], "{}");
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    r.assert_client_error(400);
    lathe.assert_healthy();
}

#[test]
fn merge_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "merge-pdf",
        "a.pdf",
        pdf(1, "A"),
        ("a.txt", b"hello".to_vec()),
    );
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let r = lathe.run_tool_files(
        "pdf",
        "merge-pdf",
        &[("files", "a.pdf", pdf(1, "A")), ("files", "b.pdf", garbage)],
        "{}",
    );
    assert!(
        (400..500).contains(&r.status),
        "garbage second file: {}",
        r.status
    );
    r.assert_client_error(r.status);
    let good = pdf(3, "A");
    let truncated = good[..good.len() / 2].to_vec();
    let r = lathe.run_tool_files(
        "pdf",
        "merge-pdf",
        &[("files", "a.pdf", good), ("files", "b.pdf", truncated)],
        "{}",
    );
    assert!((400..500).contains(&r.status), "truncated: {}", r.status);
    r.assert_client_error(r.status);
    lathe.assert_healthy();
}

#[test]
fn split_by_ranges_makes_one_file_per_item() {
    let lathe = shared();
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "split-pdf",
        &[("file", "doc.pdf", pdf(5, "S"))],
        r#"{"range":"1-2,4"}"#,
    );
    let files = unzip(&bytes);
    assert_eq!(
        files.len(),
        2,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(files
        .iter()
        .all(|(name, _)| name.starts_with("doc-") && name.ends_with(".pdf")));
    assert_eq!(pdf_page_texts(&files[0].1), texts("S", &[1, 2]));
    assert_eq!(pdf_page_texts(&files[1].1), texts("S", &[4]));
}

#[test]
fn split_every_n_pages() {
    let lathe = shared();
    let settings = r#"{"mode":"every","everyN":2}"#;
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "split-pdf",
        &[("file", "doc.pdf", pdf(5, "E"))],
        settings,
    );
    let files = unzip(&bytes);
    assert_eq!(files.len(), 3);
    assert_eq!(pdf_page_texts(&files[0].1), texts("E", &[1, 2]));
    assert_eq!(pdf_page_texts(&files[1].1), texts("E", &[3, 4]));
    assert_eq!(pdf_page_texts(&files[2].1), texts("E", &[5]));
}

#[test]
fn split_descending_range_extracts_one_pdf() {
    let lathe = shared();
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "split-pdf",
        &[("file", "doc.pdf", pdf(5, "D"))],
        r#"{"range":"z-r3"}"#,
    );
    assert!(
        bytes.starts_with(b"%PDF-"),
        "a single result is the PDF itself"
    );
    assert_eq!(pdf_page_texts(&bytes), texts("D", &[5, 4, 3]));
}

#[test]
fn split_without_range_makes_single_pages_that_are_small() {
    let lathe = shared();
    let source = pdf(4, "P");
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "split-pdf",
        &[("file", "doc.pdf", source.clone())],
        "{}",
    );
    let files = unzip(&bytes);
    assert_eq!(files.len(), 4);
    for (i, (_, data)) in files.iter().enumerate() {
        assert_eq!(pdf_page_texts(data), texts("P", &[i as u32 + 1]));
        let doc = lopdf::Document::load_mem(data).unwrap();
        // A page, its content, resources, font, the page tree and the catalog.
        assert!(
            doc.objects.len() <= 6,
            "split page keeps unneeded objects: {}",
            doc.objects.len()
        );
    }
}

#[test]
fn split_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "split-pdf",
        "a.pdf",
        pdf(3, "A"),
        ("a.txt", b"hello".to_vec()),
    );
    for range in ["abc", "0", "9", "3-", "1-2,"] {
        let settings = format!(r#"{{"range":"{range}"}}"#);
        assert_error(
            lathe,
            "pdf",
            "split-pdf",
            &[("file", "a.pdf", pdf(3, "A"))],
            &settings,
            400,
            "INVALID_SETTINGS",
        );
    }
    for settings in [
        r#"{"mode":"every","everyN":0}"#,
        r#"{"mode":"every","everyN":501}"#,
        r#"{"mode":"every"}"#,
        r#"{"mode":"odd"}"#,
    ] {
        assert_error(
            lathe,
            "pdf",
            "split-pdf",
            &[("file", "a.pdf", pdf(3, "A"))],
            settings,
            400,
            "INVALID_SETTINGS",
        );
    }
    let good = pdf(3, "A");
    let r = lathe.run_tool(
        "pdf",
        "split-pdf",
        "a.pdf",
        good[..good.len() / 2].to_vec(),
        "{}",
    );
    assert!((400..500).contains(&r.status), "truncated: {}", r.status);
    r.assert_client_error(r.status);
    lathe.assert_healthy();
}

#[test]
fn rotate_selected_pages() {
    let lathe = shared();
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "rotate-pdf",
        &[("file", "doc.pdf", pdf(3, "R"))],
        r#"{"angle":90,"range":"2"}"#,
    );
    assert_eq!(rotations(&bytes), vec![0, 90, 0]);
    assert_eq!(pdf_page_texts(&bytes), texts("R", &[1, 2, 3]));
    // Rotating again adds to the existing rotation; -90 is 270; `pages` is an alias of range.
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "rotate-pdf",
        &[("file", "doc.pdf", bytes)],
        r#"{"angle":-90,"pages":"2-3"}"#,
    );
    assert_eq!(rotations(&bytes), vec![0, 0, 270]);
}

#[test]
fn rotate_all_pages() {
    let lathe = shared();
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "rotate-pdf",
        &[("file", "doc.pdf", pdf(3, "R"))],
        r#"{"angle":180}"#,
    );
    assert_eq!(rotations(&bytes), vec![180, 180, 180]);
}

#[test]
fn rotate_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "rotate-pdf",
        "a.pdf",
        pdf(3, "A"),
        ("a.txt", b"hello".to_vec()),
    );
    for settings in [
        r#"{"angle":45}"#,
        r#"{"angle":"x"}"#,
        "{}",
        r#"{"angle":90,"range":"abc"}"#,
        r#"{"angle":90,"range":"0"}"#,
        r#"{"angle":90,"range":"9"}"#,
    ] {
        assert_error(
            lathe,
            "pdf",
            "rotate-pdf",
            &[("file", "a.pdf", pdf(3, "A"))],
            settings,
            400,
            "INVALID_SETTINGS",
        );
    }
    let good = pdf(3, "A");
    let r = lathe.run_tool(
        "pdf",
        "rotate-pdf",
        "a.pdf",
        good[..good.len() / 2].to_vec(),
        r#"{"angle":90}"#,
    );
    assert!((400..500).contains(&r.status), "truncated: {}", r.status);
    r.assert_client_error(r.status);
    lathe.assert_healthy();
}
