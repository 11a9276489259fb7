//! End-to-end tests of pdf-to-image (with its `info` and `preview` sub-routes),
//! compress-pdf, grayscale-pdf and flatten-pdf.

use std::io::{Cursor, Read};

use lathe_tests::fixtures::{decode, format_of, pattern_rgb, pdf, pdf_page_texts, png_rgba};
use lathe_tests::{assert_rejects_bad_input, shared, Lathe};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};

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

/// Number of pixels darker than mid-grey in an image.
fn dark_pixels(img: &image::DynamicImage) -> usize {
    img.to_luma8().pixels().filter(|p| p[0] < 100).count()
}

/// Saves a lopdf document.
fn save(mut doc: Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// A one-page PDF (letter size) with a catalog; `content` is the page content and
/// `resources` its resources. Returns the document and the page id.
fn one_page(content: &[u8], resources: lopdf::Dictionary) -> (Document, lopdf::ObjectId) {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Resources" => resources,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    (doc, page_id)
}

/// A Helvetica font resource dictionary named F1.
fn helvetica(doc: &mut Document) -> lopdf::Dictionary {
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    dictionary! { "F1" => font }
}

/// A PDF whose page has the same garbage-free prefix but is cut in the middle.
fn truncated_pdf() -> Vec<u8> {
    let full = pdf(2, "T");
    full[..full.len() / 3].to_vec()
}

/// Garbage, a truncated PDF and bad settings are 4xx errors for `tool`.
fn rejects_bad_pdfs(lathe: &Lathe, tool: &str, bad_settings: &str) {
    assert_rejects_bad_input(
        lathe,
        "pdf",
        tool,
        "a.pdf",
        pdf(1, "A"),
        ("a.png", png_rgba(4, 4)),
    );
    let r = lathe.run_tool("pdf", tool, "cut.pdf", truncated_pdf(), "{}");
    assert!((400..500).contains(&r.status), "truncated: {}", r.status);
    r.assert_client_error(r.status);
    if !bad_settings.is_empty() {
        let r = lathe.run_tool("pdf", tool, "a.pdf", pdf(1, "A"), bad_settings);
        assert_eq!(
            r.assert_client_error(400),
            "INVALID_SETTINGS",
            "{bad_settings}"
        );
    }
    lathe.assert_healthy();
}

// ---------------------------------------------------------------------------------------
// pdf-to-image

#[test]
fn pdf_to_image_renders_every_page_at_the_dpi() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "pdf-to-image",
        &[("file", "doc.pdf", pdf(3, "Render"))],
        r#"{"dpi": 72}"#,
    );
    assert_eq!(body["pageCount"], 3, "{body}");
    let files = unzip(&bytes);
    assert_eq!(
        files.len(),
        3,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (i, (name, data)) in files.iter().enumerate() {
        assert!(name.ends_with(&format!("page-{}.png", i + 1)), "{name}");
        assert_eq!(format_of(data), image::ImageFormat::Png);
        let img = decode(data);
        // US Letter at 72 dpi: one pixel per point.
        assert_eq!((img.width(), img.height()), (612, 792), "{name}");
        let dark = dark_pixels(&img);
        assert!(
            dark > 200,
            "{name}: text should leave dark pixels, got {dark}"
        );
        // The text is near the top (y = 700 pt from the bottom, so ~92 px from the top).
        let top = img.crop_imm(0, 40, 612, 80);
        assert!(
            dark_pixels(&top) > 100,
            "{name}: text is not where it should be"
        );
    }
}

#[test]
fn pdf_to_image_one_page_jpeg_grayscale_at_150_dpi() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "pdf-to-image",
        &[("file", "doc.pdf", pdf(3, "Gray"))],
        r#"{"pages": "2", "format": "jpg", "colorMode": "grayscale", "quality": 90}"#,
    );
    assert_eq!(body["renderedPages"], 1, "{body}");
    assert_eq!(format_of(&bytes), image::ImageFormat::Jpeg);
    let img = decode(&bytes);
    // 612 x 792 pt at 150 dpi.
    assert_eq!((img.width(), img.height()), (1275, 1650));
    assert_eq!(img.color(), image::ColorType::L8, "grayscale JPEG expected");
    assert!(dark_pixels(&img) > 500);
}

#[test]
fn pdf_to_image_bw_webp_has_only_black_and_white() {
    let lathe = shared();
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "pdf-to-image",
        &[("file", "doc.pdf", pdf(1, "BW"))],
        r#"{"format": "webp", "colorMode": "bw", "dpi": 100}"#,
    );
    assert_eq!(format_of(&bytes), image::ImageFormat::WebP);
    let img = decode(&bytes).to_luma8();
    assert_eq!((img.width(), img.height()), (850, 1100));
    assert!(img.pixels().all(|p| p[0] == 0 || p[0] == 255));
    assert!(img.pixels().any(|p| p[0] == 0));
}

#[test]
fn pdf_to_image_info_lists_pages() {
    let lathe = shared();
    let token = lathe.admin_token();
    let r = lathe.post_multipart(
        "/api/v1/tools/pdf/pdf-to-image/info",
        Some(&token),
        &[("file", "doc.pdf", pdf(3, "Info"))],
        None,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["pageCount"], 3, "{body}");
    let pages = body["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[2]["page"], 3);
    assert_eq!(pages[0]["width"].as_f64(), Some(612.0), "{body}");
    assert_eq!(pages[0]["height"].as_f64(), Some(792.0), "{body}");
    assert_eq!(pages[0]["rotation"], 0);
}

#[test]
fn pdf_to_image_preview_is_one_png() {
    let lathe = shared();
    let token = lathe.admin_token();
    let r = lathe.post_multipart(
        "/api/v1/tools/pdf/pdf-to-image/preview",
        Some(&token),
        &[("file", "doc.pdf", pdf(3, "Preview"))],
        Some(r#"{"page": 3, "dpi": 36}"#),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.content_type.starts_with("image/png"),
        "{}",
        r.content_type
    );
    let img = decode(&r.body);
    assert_eq!((img.width(), img.height()), (306, 396));
    assert!(dark_pixels(&img) > 20);
    // A page that does not exist is a settings error.
    let r = lathe.post_multipart(
        "/api/v1/tools/pdf/pdf-to-image/preview",
        Some(&token),
        &[("file", "doc.pdf", pdf(3, "Preview"))],
        Some(r#"{"page": 4}"#),
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
}

#[test]
fn pdf_to_image_rejects_bad_input() {
    let lathe = shared();
    rejects_bad_pdfs(lathe, "pdf-to-image", r#"{"format": "heic"}"#);
    for settings in [
        r#"{"dpi": 10}"#,
        r#"{"dpi": 5000}"#,
        r#"{"colorMode": "sepia"}"#,
        r#"{"pages": "9"}"#,
    ] {
        let r = lathe.run_tool("pdf", "pdf-to-image", "a.pdf", pdf(1, "A"), settings);
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{settings}");
    }
    // The unsupported format is named together with the supported ones.
    let r = lathe.run_tool(
        "pdf",
        "pdf-to-image",
        "a.pdf",
        pdf(1, "A"),
        r#"{"format":"avif"}"#,
    );
    let body = r.json();
    assert!(body["error"].as_str().unwrap().contains("png"), "{body}");
    // 2400 dpi on a 200 x 200 inch page is far over the pixel limit: 413.
    let (mut doc, page) = one_page(b"", dictionary! {});
    doc.get_dictionary_mut(page).unwrap().set(
        "MediaBox",
        vec![0.into(), 0.into(), 14400.into(), 14400.into()],
    );
    let r = lathe.run_tool(
        "pdf",
        "pdf-to-image",
        "big.pdf",
        save(doc),
        r#"{"dpi": 2400}"#,
    );
    assert_eq!(r.assert_client_error(413), "TOO_LARGE");
    rejects_encrypted(lathe, "pdf-to-image");
}

/// A password-protected PDF, made by protect-pdf.
fn encrypted_pdf(lathe: &Lathe) -> Vec<u8> {
    let (_, locked) = lathe.run_and_download(
        "pdf",
        "protect-pdf",
        &[("file", "p.pdf", pdf(1, "Secret"))],
        r#"{"userPassword":"pw-123"}"#,
    );
    locked
}

/// A password-protected PDF is refused with 400.
fn rejects_encrypted(lathe: &Lathe, tool: &str) {
    let r = lathe.run_tool("pdf", tool, "locked.pdf", encrypted_pdf(lathe), "{}");
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT", "{tool}");
}

/// The decoded content of every content stream of page 1, joined.
fn page_content(bytes: &[u8]) -> Vec<Operation> {
    let doc = Document::load_mem(bytes).expect("result is a PDF");
    let page = *doc.get_pages().get(&1).unwrap();
    let data = doc.get_page_content(page);
    Content::decode(&data).unwrap().operations
}

// ---------------------------------------------------------------------------------------
// compress-pdf

/// A JPEG like a camera writes: the test pattern with sensor-like noise, quality 95.
fn camera_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut img = pattern_rgb(width, height);
    let mut seed = 0x2545_f491u32;
    for p in img.pixels_mut() {
        for c in p.0.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            *c = c.saturating_add((seed % 24) as u8);
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .encode_image(&img)
        .unwrap();
    out
}

/// A 2-page PDF: page 1 shows a 3000 x 2000 JPEG, page 2 has text only.
fn pdf_with_big_jpeg() -> Vec<u8> {
    let (mut doc, page) = one_page(b"", dictionary! {});
    let fonts = helvetica(&mut doc);
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 3000, "Height" => 2000,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
        },
        camera_jpeg(3000, 2000),
    ));
    let content = b"q 540 0 0 360 36 400 cm /Im1 Do Q BT /F1 18 Tf 72 300 Td (Photo page) Tj ET";
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    {
        let dict = doc.get_dictionary_mut(page).unwrap();
        dict.set("Contents", content_id);
        dict.set(
            "Resources",
            dictionary! { "XObject" => dictionary! { "Im1" => image }, "Font" => fonts.clone() },
        );
    }
    // A second page with text only.
    let pages_id = doc
        .get_dictionary(page)
        .unwrap()
        .get(b"Parent")
        .unwrap()
        .as_reference()
        .unwrap();
    let text = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 18 Tf 72 700 Td (Text page) Tj ET".to_vec(),
    ));
    let page2 = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => text,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Resources" => dictionary! { "Font" => fonts },
    });
    let pages = doc.get_dictionary_mut(pages_id).unwrap();
    pages.set("Kids", vec![page.into(), page2.into()]);
    pages.set("Count", 2);
    save(doc)
}

/// The (width, height, filter) of every image XObject in a PDF.
fn images(bytes: &[u8]) -> Vec<(i64, i64, String, String)> {
    let doc = Document::load_mem(bytes).expect("result is a PDF");
    doc.objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| {
            matches!(
                s.dict.get(b"Subtype").and_then(|s| s.as_name()),
                Ok(b"Image")
            )
        })
        .map(|s| {
            let name = |k: &[u8]| {
                s.dict
                    .get(k)
                    .and_then(|v| v.as_name())
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .unwrap_or_default()
            };
            (
                s.dict.get(b"Width").unwrap().as_i64().unwrap(),
                s.dict.get(b"Height").unwrap().as_i64().unwrap(),
                name(b"Filter"),
                name(b"ColorSpace"),
            )
        })
        .collect()
}

#[test]
fn compress_pdf_recompresses_a_big_jpeg() {
    let lathe = shared();
    let original = pdf_with_big_jpeg();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "compress-pdf",
        &[("file", "photo.pdf", original.clone())],
        r#"{"quality": 50}"#,
    );
    assert_eq!(body["originalSize"].as_u64(), Some(original.len() as u64));
    assert!(
        bytes.len() * 2 < original.len(),
        "expected at least half off: {} -> {}; {body}",
        original.len(),
        bytes.len()
    );
    assert_eq!(body["compressed"], true, "{body}");
    assert_eq!(body["imagesRecompressed"], 1, "{body}");
    assert_eq!(body["imagesDownsampled"], 1, "{body}");
    assert_eq!(pdf_page_texts(&bytes), ["Photo page", "Text page"]);
    let imgs = images(&bytes);
    assert_eq!(imgs.len(), 1, "{imgs:?}");
    let (w, h, filter, _) = &imgs[0];
    assert_eq!(filter, "DCTDecode");
    assert!(*w <= 2200 && *w >= 2000, "downsampled width {w}");
    assert!((*w * 2 - *h * 3).abs() <= 3, "aspect ratio kept: {w}x{h}");
    // The image is still a decodable JPEG of that size.
    let doc = Document::load_mem(&bytes).unwrap();
    let jpeg = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .find(|s| s.dict.has(b"Width"))
        .unwrap();
    let img = decode(&jpeg.content);
    assert_eq!((img.width() as i64, img.height() as i64), (*w, *h));
}

#[test]
fn compress_pdf_target_size_fits_or_says_so() {
    let lathe = shared();
    let original = pdf_with_big_jpeg();
    let target_kb = (original.len() / 4 / 1024) as u64;
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "compress-pdf",
        &[("file", "photo.pdf", original.clone())],
        &format!(r#"{{"mode": "targetSize", "targetSizeKb": {target_kb}}}"#),
    );
    assert_eq!(body["mode"], "targetSize", "{body}");
    assert_eq!(body["targetMet"], true, "{body}");
    assert!(
        bytes.len() as u64 <= target_kb * 1024,
        "{} > {target_kb} KiB",
        bytes.len()
    );
    assert_eq!(pdf_page_texts(&bytes).len(), 2);
}

/// A target that no JPEG quality reaches is met by shrinking the picture (the peer's users
/// got files 4× over the target).
#[test]
fn compress_pdf_meets_a_tight_target_by_shrinking_images() {
    let lathe = shared();
    let original = pdf_with_big_jpeg();
    // Far below what any quality reaches at the size the quality ladder allows.
    let target_kb = 20u64;
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "compress-pdf",
        &[("file", "photo.pdf", original.clone())],
        &format!(r#"{{"mode": "targetSize", "targetSizeKb": {target_kb}}}"#),
    );
    assert_eq!(body["targetMet"], true, "{body}");
    assert!(
        bytes.len() as u64 <= target_kb * 1024,
        "{} > {target_kb} KiB ({} originally)",
        bytes.len(),
        original.len()
    );
    let imgs = images(&bytes);
    assert_eq!(imgs.len(), 1);
    assert!(imgs[0].0 < 1100, "the picture was shrunk: {imgs:?}");
    assert_eq!(pdf_page_texts(&bytes), ["Photo page", "Text page"]);
    // qpdf reads it as a sound file.
    let check = lathe_tests::fixtures::qpdf_check(&bytes);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn compress_pdf_never_returns_a_bigger_file() {
    let lathe = shared();
    // A tiny text-only PDF written with object streams already: nothing to gain.
    let (_, once) = lathe.run_and_download(
        "pdf",
        "compress-pdf",
        &[("file", "t.pdf", pdf(2, "Small"))],
        "{}",
    );
    let (body, twice) = lathe.run_and_download(
        "pdf",
        "compress-pdf",
        &[("file", "t.pdf", once.clone())],
        "{}",
    );
    assert!(twice.len() <= once.len(), "{body}");
    if body["compressed"] == false {
        assert_eq!(twice, once, "the original bytes come back");
        assert!(body["note"].as_str().is_some(), "{body}");
    }
    assert_eq!(pdf_page_texts(&twice), ["Small page 1", "Small page 2"]);
}

#[test]
fn compress_pdf_rejects_bad_input() {
    let lathe = shared();
    rejects_bad_pdfs(lathe, "compress-pdf", r#"{"quality": 0}"#);
    for settings in [
        r#"{"mode": "targetSize"}"#,
        r#"{"mode": "targetSize", "targetSizeKb": -5}"#,
        r#"{"mode": "smallest"}"#,
        r#"{"quality": "high"}"#,
    ] {
        let r = lathe.run_tool("pdf", "compress-pdf", "a.pdf", pdf(1, "A"), settings);
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{settings}");
    }
    rejects_encrypted(lathe, "compress-pdf");
}

// ---------------------------------------------------------------------------------------
// grayscale-pdf

/// A page with red text, a blue CMYK rectangle, an RGB colour-space rectangle and an
/// uncompressed 8-bit RGB image.
fn colourful_pdf() -> Vec<u8> {
    let (mut doc, page) = one_page(b"", dictionary! {});
    let fonts = helvetica(&mut doc);
    let (w, h) = (16u32, 8u32);
    let pixels: Vec<u8> = (0..w * h)
        .flat_map(|i| if i % 2 == 0 { [255, 0, 0] } else { [0, 0, 255] })
        .collect();
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
        },
        pixels,
    ));
    let content = b"1 0 0 rg BT /F1 24 Tf 72 700 Td (Red words) Tj ET\n\
        0 0 1 RG 1 0 0 0 k 72 500 100 50 re B\n\
        /DeviceRGB cs 0 1 0 sc 72 400 100 50 re f\n\
        q 160 0 0 80 300 400 cm /Im1 Do Q";
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    let dict = doc.get_dictionary_mut(page).unwrap();
    dict.set("Contents", content_id);
    dict.set(
        "Resources",
        dictionary! { "XObject" => dictionary! { "Im1" => image }, "Font" => fonts },
    );
    save(doc)
}

#[test]
fn grayscale_pdf_rewrites_colours_and_keeps_text() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "grayscale-pdf",
        &[("file", "colour.pdf", colourful_pdf())],
        "{}",
    );
    assert_eq!(body["unconverted"], 0, "{body}");
    let ops = page_content(&bytes);
    let number = |o: &Object| match o {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => *r as f64,
        other => panic!("not a number: {other:?}"),
    };
    for op in &ops {
        match op.operator.as_str() {
            "rg" | "RG" => {
                let v: Vec<f64> = op.operands.iter().map(number).collect();
                assert!(v[0] == v[1] && v[1] == v[2], "colour left: {op:?}");
            }
            "k" | "K" => panic!("CMYK colour left: {op:?}"),
            "cs" | "CS" => assert_eq!(op.operands[0].as_name().unwrap(), b"DeviceGray"),
            "sc" | "scn" => assert_eq!(op.operands.len(), 1, "{op:?}"),
            _ => {}
        }
    }
    // Red (1 0 0) is 0.299 gray.
    let fill = ops.iter().find(|o| o.operator == "g").expect("a gray fill");
    assert!(
        (number(&fill.operands[0]) - 0.299).abs() < 0.001,
        "{fill:?}"
    );
    assert!(ops.iter().any(|o| o.operator == "G"), "a gray stroke");
    assert_eq!(pdf_page_texts(&bytes), ["Red words"]);
    let imgs = images(&bytes);
    assert_eq!(imgs.len(), 1);
    assert_eq!(imgs[0].3, "DeviceGray", "{imgs:?}");
    // Rendered, the page has no coloured pixels left.
    let (_, png) = lathe.run_and_download(
        "pdf",
        "pdf-to-image",
        &[("file", "gray.pdf", bytes)],
        r#"{"dpi": 36}"#,
    );
    let rgb = decode(&png).to_rgb8();
    let coloured = rgb
        .pixels()
        .filter(|p| p[0].abs_diff(p[1]) > 8 || p[1].abs_diff(p[2]) > 8)
        .count();
    assert_eq!(coloured, 0, "coloured pixels after grayscale");
}

#[test]
fn grayscale_pdf_rejects_bad_input() {
    let lathe = shared();
    rejects_bad_pdfs(lathe, "grayscale-pdf", r#"{"mode": "sepia"}"#);
    rejects_encrypted(lathe, "grayscale-pdf");
}

// ---------------------------------------------------------------------------------------
// flatten-pdf

/// A page with a filled-in text field that has an appearance, a text field with a value
/// but no appearance, and a form (AcroForm) listing both.
fn form_pdf() -> Vec<u8> {
    let (mut doc, page) = one_page(b"BT /F1 12 Tf 72 720 Td (Form page) Tj ET", dictionary! {});
    let fonts = helvetica(&mut doc);
    doc.get_dictionary_mut(page)
        .unwrap()
        .set("Resources", dictionary! { "Font" => fonts.clone() });
    let appearance = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 200.into(), 20.into()],
            "Resources" => dictionary! { "Font" => fonts },
        },
        b"/Tx BMC q 0 0 1 rg 0 0 200 20 re f BT /F1 12 Tf 0 g 2 5 Td (Jane Doe) Tj ET Q EMC"
            .to_vec(),
    ));
    let named = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx",
        "T" => Object::string_literal("name"), "V" => Object::string_literal("Jane Doe"),
        "Rect" => vec![100.into(), 600.into(), 300.into(), 620.into()],
        "AP" => dictionary! { "N" => appearance }, "P" => page, "F" => 4,
    });
    let city = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx",
        "T" => Object::string_literal("city"), "V" => Object::string_literal("Paris"),
        "DA" => Object::string_literal("/Helv 10 Tf 0 g"),
        "Rect" => vec![100.into(), 560.into(), 300.into(), 580.into()],
        "P" => page, "F" => 4,
    });
    doc.get_dictionary_mut(page)
        .unwrap()
        .set("Annots", vec![named.into(), city.into()]);
    let catalog = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let form = doc.add_object(dictionary! {
        "Fields" => vec![named.into(), city.into()],
        "DA" => Object::string_literal("/Helv 0 Tf 0 g"),
    });
    doc.get_dictionary_mut(catalog)
        .unwrap()
        .set("AcroForm", form);
    save(doc)
}

#[test]
fn flatten_pdf_bakes_fields_into_the_page() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "flatten-pdf",
        &[("file", "form.pdf", form_pdf())],
        "{}",
    );
    assert_eq!(body["flattened"], 2, "{body}");
    assert_eq!(body["generatedAppearances"], 1, "{body}");
    assert_eq!(body["skipped"].as_array().map(Vec::len), Some(0), "{body}");
    let doc = Document::load_mem(&bytes).unwrap();
    assert!(!doc.catalog().unwrap().has(b"AcroForm"), "AcroForm left");
    let page_id = *doc.get_pages().get(&1).unwrap();
    let page = doc.get_dictionary(page_id).unwrap();
    assert!(!page.has(b"Annots"), "annotations left");
    // The content draws two XObjects that the page's resources name.
    let ops = page_content(&bytes);
    let drawn: Vec<Vec<u8>> = ops
        .iter()
        .filter(|o| o.operator == "Do")
        .map(|o| o.operands[0].as_name().unwrap().to_vec())
        .collect();
    assert_eq!(drawn.len(), 2, "{ops:?}");
    let resources = match page.get(b"Resources").unwrap() {
        Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
        Object::Dictionary(d) => d,
        other => panic!("{other:?}"),
    };
    let xobjects = match resources.get(b"XObject").unwrap() {
        Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
        Object::Dictionary(d) => d,
        other => panic!("{other:?}"),
    };
    let mut texts = String::new();
    for name in &drawn {
        let id = xobjects.get(name).unwrap().as_reference().unwrap();
        let form = doc.get_object(id).unwrap().as_stream().unwrap();
        assert_eq!(
            form.dict.get(b"Subtype").unwrap().as_name().unwrap(),
            b"Form"
        );
        texts.push_str(&String::from_utf8_lossy(
            &form
                .decompressed_content()
                .unwrap_or_else(|_| form.content.clone()),
        ));
    }
    assert!(texts.contains("(Jane Doe) Tj"), "{texts}");
    assert!(texts.contains("(Paris) Tj"), "{texts}");
    // The first field is placed at its /Rect: a translation to (100, 600).
    let cm: Vec<&Operation> = ops.iter().filter(|o| o.operator == "cm").collect();
    assert!(
        cm.iter().any(|o| o.operands.len() == 6
            && (matches!(o.operands[4], Object::Real(x) if (x - 100.0).abs() < 0.01)
                || matches!(o.operands[4], Object::Integer(100)))),
        "{cm:?}"
    );
    // The page text is still there, and the fields are rendered: blue box pixels present.
    assert_eq!(pdf_page_texts(&bytes), ["Form page"]);
    let (_, png) = lathe.run_and_download(
        "pdf",
        "pdf-to-image",
        &[("file", "flat.pdf", bytes)],
        r#"{"dpi": 72}"#,
    );
    let rgb = decode(&png).to_rgb8();
    // The blue field box spans x 100..300, y 600..620 (PDF) = rows 172..192 from the top.
    let p = rgb.get_pixel(280, 180);
    assert!(p[2] > 200 && p[0] < 60, "field box not drawn: {p:?}");
}

#[test]
fn flatten_pdf_rejects_bad_input() {
    let lathe = shared();
    rejects_bad_pdfs(lathe, "flatten-pdf", "");
    rejects_encrypted(lathe, "flatten-pdf");
}
