//! End-to-end tests of image favicon, bulk-rename and image-to-pdf through the HTTP API of
//! one shared host, checking the real output files.

use std::io::{Cursor, Read};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared, Reply};
use lopdf::{Document, Object};

/// A solid-colour PNG.
fn solid(width: u32, height: u32, c: [u8; 3]) -> Vec<u8> {
    fixtures::encode(
        &DynamicImage::ImageRgb8(RgbImage::from_pixel(width, height, Rgb(c))),
        ImageFormat::Png,
    )
}

/// Garbage bytes that are no image.
fn garbage() -> Vec<u8> {
    (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect()
}

/// The entries of a ZIP, in order: (name, bytes).
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_string(), data)
        })
        .collect()
}

/// Asserts a 400 INVALID_SETTINGS whose message names `field`.
fn assert_invalid(r: &Reply, field: &str) {
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains(field), "message should name {field}: {msg}");
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

// ---------------------------------------------------------------------------------------
// favicon

/// Seed 001's settings: `padding`, `backgroundColor`, `borderRadius`.
#[test]
fn favicon_takes_seed_001_names() {
    let (_, zip) = shared().run_and_download(
        "image",
        "favicon",
        &[("file", "logo.png", fixtures::png_rgba(200, 200))],
        r##"{"padding":20,"backgroundColor":"#ff0000","borderRadius":25}"##,
    );
    let entries = unzip(&zip);
    let (_, data) = entries
        .iter()
        .find(|(n, _)| n == "favicon-128x128.png")
        .expect("favicon-128x128.png");
    let img = fixtures::decode(data).to_rgba8();
    assert_eq!(img.get_pixel(0, 0).0[3], 0, "rounded corner");
    // The padding band at the middle of the top edge shows the background colour.
    assert_eq!(img.get_pixel(64, 3).0, [255, 0, 0, 255]);
}

#[test]
fn favicon_builds_the_full_set() {
    let lathe = shared();
    let (body, zip) = lathe.run_and_download(
        "image",
        "favicon",
        &[("file", "logo.png", fixtures::png_rgba(300, 200))],
        r##"{"themeColor":"#112233","radius":20,"padding":10}"##,
    );
    assert!(
        body["downloadUrl"]
            .as_str()
            .unwrap()
            .contains("favicons.zip"),
        "{body}"
    );
    let entries = unzip(&zip);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    for n in [16, 32, 48, 64, 128, 180, 192, 512] {
        let name = format!("favicon-{n}x{n}.png");
        let (_, data) = entries
            .iter()
            .find(|(e, _)| *e == name)
            .unwrap_or_else(|| panic!("missing {name} in {names:?}"));
        assert_eq!(fixtures::format_of(data), ImageFormat::Png);
        let img = fixtures::decode(data);
        assert_eq!((img.width(), img.height()), (n, n), "{name}");
        // Rounded corners: the top-left pixel is transparent.
        assert_eq!(img.to_rgba8().get_pixel(0, 0).0[3], 0, "{name}");
    }
    let apple = &entries
        .iter()
        .find(|(n, _)| n == "apple-touch-icon.png")
        .expect("apple-touch-icon.png")
        .1;
    let img = fixtures::decode(apple);
    assert_eq!((img.width(), img.height()), (180, 180));

    // favicon.ico: an ICO directory of 16/32/48 entries, each a decodable image.
    let ico = &entries
        .iter()
        .find(|(n, _)| n == "favicon.ico")
        .expect("favicon.ico")
        .1;
    assert_eq!(u16_at(ico, 0), 0);
    assert_eq!(u16_at(ico, 2), 1, "ICO type");
    assert_eq!(u16_at(ico, 4), 3, "ICO entry count");
    let mut sizes = Vec::new();
    for i in 0..3 {
        let dir = 6 + 16 * i;
        let w = ico[dir] as u32;
        let len = u32_at(ico, dir + 8) as usize;
        let off = u32_at(ico, dir + 12) as usize;
        let data = &ico[off..off + len];
        let img = fixtures::decode(data);
        assert_eq!((img.width(), img.height()), (w, w));
        sizes.push(w);
    }
    sizes.sort();
    assert_eq!(sizes, vec![16, 32, 48]);

    let manifest = &entries
        .iter()
        .find(|(n, _)| n == "site.webmanifest")
        .expect("site.webmanifest")
        .1;
    let manifest: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    assert_eq!(manifest["theme_color"], "#112233");
    let icon_sizes: Vec<&str> = manifest["icons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sizes"].as_str().unwrap())
        .collect();
    assert_eq!(icon_sizes, vec!["192x192", "512x512"]);
}

#[test]
fn favicon_custom_sizes_and_background() {
    let (_, zip) = shared().run_and_download(
        "image",
        "favicon",
        &[("file", "a.jpg", fixtures::jpeg(64, 64))],
        r##"{"sizes":[24,96],"background":"#00ff00","padding":40}"##,
    );
    let entries = unzip(&zip);
    let pngs: Vec<&str> = entries
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| n.starts_with("favicon-"))
        .collect();
    assert_eq!(pngs, vec!["favicon-24x24.png", "favicon-96x96.png"]);
    let img = fixtures::decode(
        &entries
            .iter()
            .find(|(n, _)| n == "favicon-96x96.png")
            .unwrap()
            .1,
    );
    // 40 % padding: the corner is the opaque green background.
    assert_eq!(img.to_rgba8().get_pixel(1, 1).0, [0, 255, 0, 255]);
}

#[test]
fn favicon_rejects_bad_input_and_settings() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "image",
        "favicon",
        "a.png",
        solid(32, 32, [1, 2, 3]),
        ("a.pdf", fixtures::pdf(1, "x")),
    );
    for (settings, field) in [
        (r#"{"padding":41}"#, "padding"),
        (r#"{"radius":-1}"#, "radius"),
        (r#"{"sizes":[8]}"#, "sizes"),
        (r#"{"background":"nothex"}"#, "background"),
        (r##"{"themeColor":"#12"}"##, "themeColor"),
    ] {
        let r = lathe.run_tool(
            "image",
            "favicon",
            "a.png",
            solid(32, 32, [1, 2, 3]),
            settings,
        );
        assert_invalid(&r, field);
    }
    lathe.assert_healthy();
}

// ---------------------------------------------------------------------------------------
// bulk-rename

#[test]
fn bulk_rename_renames_and_keeps_bytes() {
    let a = solid(10, 10, [255, 0, 0]);
    let b = fixtures::jpeg(12, 12);
    let c = solid(8, 8, [0, 0, 255]);
    let parts = [
        ("files", "red.png", a.clone()),
        ("files", "photo.JPG", b.clone()),
        ("files", "blue.png", c.clone()),
    ];
    let (_, zip) = shared().run_and_download(
        "image",
        "bulk-rename",
        &parts,
        r#"{"pattern":"trip-{{padded}}-{{original}}","startIndex":9}"#,
    );
    let entries = unzip(&zip);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec!["trip-09-red.png", "trip-10-photo.JPG", "trip-11-blue.png"]
    );
    assert_eq!(entries[0].1, a);
    assert_eq!(entries[1].1, b);
    assert_eq!(entries[2].1, c);

    // Defaults, doc-style placeholders, explicit padding, unsafe names and duplicates.
    let (_, zip) = shared().run_and_download("image", "bulk-rename", &parts, "{}");
    let names: Vec<String> = unzip(&zip).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec!["image-1.png", "image-2.JPG", "image-3.png"]);

    let (_, zip) = shared().run_and_download(
        "image",
        "bulk-rename",
        &parts,
        r#"{"pattern":"{n}_{original}_{{padded}}","padding":4,"startIndex":0}"#,
    );
    let names: Vec<String> = unzip(&zip).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        vec!["0_red_0000.png", "1_photo_0001.JPG", "2_blue_0002.png"]
    );

    let (_, zip) = shared().run_and_download(
        "image",
        "bulk-rename",
        &parts,
        r#"{"pattern":"../x/y\\same"}"#,
    );
    let names: Vec<String> = unzip(&zip).into_iter().map(|(n, _)| n).collect();
    for n in &names {
        assert!(
            !n.contains('/') && !n.contains('\\') && !n.contains(".."),
            "{n}"
        );
    }
    assert_eq!(names.len(), 3);
    assert_eq!(names[0], "_x_y_same.png");
    assert_eq!(names[2], "_x_y_same_1.png");

    let (_, zip) = shared().run_and_download(
        "image",
        "bulk-rename",
        &parts[..1],
        r#"{"pattern":"{date}"}"#,
    );
    let name = unzip(&zip).remove(0).0;
    let stem = name.strip_suffix(".png").unwrap();
    assert_eq!(stem.len(), 10, "{name}");
    assert!(
        stem.starts_with("20") && stem.as_bytes()[4] == b'-' && stem.as_bytes()[7] == b'-',
        "{name}"
    );
}

#[test]
fn bulk_rename_rejects_bad_input_and_settings() {
    let lathe = shared();
    let r = lathe.run_tool_files(
        "image",
        "bulk-rename",
        &[
            ("files", "a.png", solid(4, 4, [0, 0, 0])),
            ("files", "b.png", garbage()),
        ],
        "{}",
    );
    assert!((400..500).contains(&r.status), "garbage: {}", r.status);
    r.assert_client_error(r.status);
    for (settings, field) in [
        (r#"{"startIndex":-1}"#, "startIndex"),
        (r#"{"padding":11}"#, "padding"),
        (r#"{"pattern":""}"#, "pattern"),
    ] {
        let r = lathe.run_tool(
            "image",
            "bulk-rename",
            "a.png",
            solid(4, 4, [0, 0, 0]),
            settings,
        );
        assert_invalid(&r, field);
    }
    lathe.assert_healthy();
}

// ---------------------------------------------------------------------------------------
// image-to-pdf

/// The MediaBox of every page: (width, height).
fn media_boxes(doc: &Document) -> Vec<(f32, f32)> {
    doc.get_pages()
        .values()
        .map(|&id| {
            let page = doc.get_object(id).unwrap().as_dict().unwrap();
            let mb = page.get(b"MediaBox").unwrap().as_array().unwrap();
            let v: Vec<f32> = mb.iter().map(|o| o.as_float().unwrap()).collect();
            (v[2] - v[0], v[3] - v[1])
        })
        .collect()
}

#[test]
fn image_to_pdf_makes_one_page_per_image() {
    let jpeg = fixtures::jpeg(200, 100);
    let parts = [
        ("files", "a.jpg", jpeg.clone()),
        ("files", "b.png", fixtures::png_rgba(50, 80)),
        ("files", "c.png", solid(30, 30, [9, 9, 9])),
    ];
    let (body, pdf) = shared().run_and_download("image", "image-to-pdf", &parts, "{}");
    assert_eq!(body["pages"], 3, "{body}");
    let doc = Document::load_mem(&pdf).expect("a PDF");
    assert_eq!(doc.get_pages().len(), 3);
    for (w, h) in media_boxes(&doc) {
        assert!(
            (w - 595.0).abs() < 1.0 && (h - 842.0).abs() < 1.0,
            "{w}x{h}"
        );
    }
    // The JPEG is embedded as it was (DCTDecode, same bytes); the RGBA PNG has an SMask.
    let mut dct = 0;
    let mut smask = 0;
    for obj in doc.objects.values() {
        if let Object::Stream(s) = obj {
            if s.dict.get(b"Subtype").and_then(|o| o.as_name()).ok() == Some(b"Image".as_slice()) {
                if s.dict.get(b"Filter").and_then(|o| o.as_name()).ok()
                    == Some(b"DCTDecode".as_slice())
                {
                    assert_eq!(s.content, jpeg);
                    dct += 1;
                }
                if s.dict.has(b"SMask") {
                    smask += 1;
                }
            }
        }
    }
    assert_eq!((dct, smask), (1, 1));

    let (_, pdf) = shared().run_and_download(
        "image",
        "image-to-pdf",
        &parts[..1],
        r#"{"pageSize":"Letter","orientation":"landscape","margin":0}"#,
    );
    let doc = Document::load_mem(&pdf).unwrap();
    let boxes = media_boxes(&doc);
    assert_eq!(boxes.len(), 1);
    assert!(
        (boxes[0].0 - 792.0).abs() < 1.0 && (boxes[0].1 - 612.0).abs() < 1.0,
        "{boxes:?}"
    );
}

/// Seed 001's `targetSize` ({value, unit}): a PDF that would be larger is brought under
/// the cap by re-encoding the picture; pypdf and qpdf read the result.
#[test]
fn image_to_pdf_meets_a_target_size() {
    // A 1600 × 1200 noisy picture: several MB as lossless Flate.
    let mut seed = 0x9e37_79b9u32;
    let noisy = RgbImage::from_fn(1600, 1200, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed % 40) as u8;
        Rgb([(x / 7) as u8 ^ n, (y / 5) as u8 ^ n, 128u8.wrapping_add(n)])
    });
    let png = fixtures::encode(&DynamicImage::ImageRgb8(noisy), ImageFormat::Png);
    let (_, plain) = shared().run_and_download(
        "image",
        "image-to-pdf",
        &[("file", "n.png", png.clone())],
        "{}",
    );
    assert!(
        plain.len() > 1_000_000,
        "{} bytes without a target",
        plain.len()
    );
    let (body, pdf) = shared().run_and_download(
        "image",
        "image-to-pdf",
        &[("file", "n.png", png.clone())],
        r#"{"targetSize":{"value":300,"unit":"KB"}}"#,
    );
    assert_eq!(body["targetMet"], true, "{body}");
    assert!(pdf.len() <= 300 * 1024, "{} bytes", pdf.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys\nfrom pypdf import PdfReader\nr = PdfReader(sys.argv[1])\n\
             xo = r.pages[0][\"/Resources\"][\"/XObject\"]\n\
             im = [v.get_object() for v in xo.values()]\n\
             print(len(r.pages), len(im), im[0][\"/Filter\"], im[0][\"/Width\"] > 0)",
        )
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1 1 /DCTDecode True",
        "one page with one re-encoded JPEG"
    );
    let check = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    for bad in [
        r#"{"targetSize":{"value":10,"unit":"KB"}}"#,
        r#"{"targetSize":{"value":1,"unit":"GB"}}"#,
        r#"{"targetSize":"small"}"#,
    ] {
        let r = shared().run_tool(
            "image",
            "image-to-pdf",
            "n.png",
            fixtures::png_rgba(8, 8),
            bad,
        );
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{bad}");
    }
}

#[test]
fn image_to_pdf_rejects_bad_input_and_settings() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "image",
        "image-to-pdf",
        "a.png",
        solid(20, 20, [1, 1, 1]),
        ("a.pdf", fixtures::pdf(1, "x")),
    );
    for (settings, field) in [
        (r#"{"pageSize":"B5"}"#, "pageSize"),
        (r#"{"orientation":"sideways"}"#, "orientation"),
        (r#"{"margin":501}"#, "margin"),
        (r#"{"pageSize":"A5","margin":300}"#, "margin"),
    ] {
        let r = lathe.run_tool(
            "image",
            "image-to-pdf",
            "a.png",
            solid(20, 20, [1, 1, 1]),
            settings,
        );
        assert_invalid(&r, field);
    }
    lathe.assert_healthy();
}

#[test]
fn image_to_pdf_without_collate_makes_one_pdf_per_image() {
    let parts = [
        ("files", "a.png", solid(40, 20, [200, 0, 0])),
        ("files", "b.jpg", fixtures::jpeg(20, 40)),
    ];
    let (_, zip) = shared().run_and_download(
        "image",
        "image-to-pdf",
        &parts,
        r#"{"collate":false,"pageSize":"A5"}"#,
    );
    let entries = unzip(&zip);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["a.pdf", "b.pdf"]);
    for (_, pdf) in &entries {
        let doc = Document::load_mem(pdf).unwrap();
        let boxes = media_boxes(&doc);
        assert_eq!(boxes.len(), 1);
        assert!((boxes[0].0 - 420.0).abs() < 1.0 && (boxes[0].1 - 595.0).abs() < 1.0);
    }
}
