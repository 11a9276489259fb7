//! End-to-end tests of the format tools svg-to-raster, barcode-generate, barcode-read and
//! gif-webp through the HTTP API of one shared host, checking the real output.

use std::io::Cursor;

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::codecs::webp::WebPDecoder;
use image::metadata::LoopCount;
use image::{AnimationDecoder, Delay, DynamicImage, Frame, ImageFormat, Rgb, RgbImage, RgbaImage};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared, Reply};
use serde_json::{json, Value};

fn wrong_type() -> (&'static str, Vec<u8>) {
    ("a.pdf", fixtures::pdf(1, "x"))
}

/// Runs a one-file tool, asserts 200 and downloads the result.
fn run(tool: &str, name: &str, data: Vec<u8>, settings: Value) -> (Value, Vec<u8>) {
    shared().run_and_download(
        "image",
        tool,
        &[("file", name, data)],
        &settings.to_string(),
    )
}

/// Whether two colours are within `tol` on every channel.
fn near(a: &[u8], b: &[u8], tol: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= tol)
}

// ---------------------------------------------------------------------------------------
// svg-to-raster

/// A 100 × 50 SVG: left half red, right half blue.
const HALVES_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50">
  <rect x="0" y="0" width="50" height="50" fill="#ff0000"/>
  <rect x="50" y="0" width="50" height="50" fill="#0000ff"/>
</svg>"##;

#[test]
fn svg_renders_at_the_requested_width_with_colours_in_place() {
    let (body, bytes) = run(
        "svg-to-raster",
        "halves.svg",
        HALVES_SVG.into(),
        json!({"width": 400}),
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let img = fixtures::decode(&bytes).to_rgba8();
    assert_eq!(img.dimensions(), (400, 200));
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(400), Some(200))
    );
    assert!(near(&img.get_pixel(100, 100).0, &[255, 0, 0, 255], 2));
    assert!(near(&img.get_pixel(300, 100).0, &[0, 0, 255, 255], 2));
    assert!(near(&img.get_pixel(5, 5).0, &[255, 0, 0, 255], 2));
    assert!(near(&img.get_pixel(395, 195).0, &[0, 0, 255, 255], 2));
}

#[test]
fn svg_size_follows_dpi_height_scale_and_box() {
    // Default 300 DPI: the SVG's 72-DPI size × 300/72.
    let (_, bytes) = run("svg-to-raster", "a.svg", HALVES_SVG.into(), json!({}));
    let img = fixtures::decode(&bytes);
    assert_eq!((img.width(), img.height()), (417, 208));
    // dpi 144 doubles.
    let (_, bytes) = run(
        "svg-to-raster",
        "a.svg",
        HALVES_SVG.into(),
        json!({"dpi": 144}),
    );
    assert_eq!(fixtures::decode(&bytes).width(), 200);
    // Doc name `scale`.
    let (_, bytes) = run(
        "svg-to-raster",
        "a.svg",
        HALVES_SVG.into(),
        json!({"scale": 3}),
    );
    assert_eq!(fixtures::decode(&bytes).width(), 300);
    // Height alone keeps the aspect ratio.
    let (_, bytes) = run(
        "svg-to-raster",
        "a.svg",
        HALVES_SVG.into(),
        json!({"height": 30}),
    );
    let img = fixtures::decode(&bytes);
    assert_eq!((img.width(), img.height()), (60, 30));
    // Both: exact canvas, drawing fitted and centred on the background.
    let (_, bytes) = run(
        "svg-to-raster",
        "a.svg",
        HALVES_SVG.into(),
        json!({"width": 200, "height": 200, "backgroundColor": "#00ff00"}),
    );
    let img = fixtures::decode(&bytes).to_rgb8();
    assert_eq!(img.dimensions(), (200, 200));
    assert_eq!(img.get_pixel(100, 10), &Rgb([0, 255, 0]), "letterbox above");
    assert_eq!(
        img.get_pixel(100, 190),
        &Rgb([0, 255, 0]),
        "letterbox below"
    );
    assert!(near(&img.get_pixel(50, 100).0, &[255, 0, 0], 2));
    assert!(near(&img.get_pixel(150, 100).0, &[0, 0, 255], 2));
}

#[test]
fn svg_background_and_formats() {
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">
      <circle cx="20" cy="20" r="10" fill="#000"/></svg>"##;
    // Transparent by default.
    let (_, bytes) = run("svg-to-raster", "c.svg", svg.into(), json!({"width": 40}));
    let img = fixtures::decode(&bytes).to_rgba8();
    assert_eq!(img.get_pixel(1, 1)[3], 0, "corner is transparent");
    assert_eq!(img.get_pixel(20, 20).0, [0, 0, 0, 255]);
    // JPEG with a background colour (peer name `outputFormat`, doc names `format`, `background`).
    let (_, bytes) = run(
        "svg-to-raster",
        "c.svg",
        svg.into(),
        json!({"width": 80, "outputFormat": "jpg", "backgroundColor": "#ffff00", "quality": 95}),
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    let img = fixtures::decode(&bytes).to_rgb8();
    assert!(near(&img.get_pixel(2, 2).0, &[255, 255, 0], 8));
    assert!(near(&img.get_pixel(40, 40).0, &[0, 0, 0], 8));
    let (body, bytes) = run(
        "svg-to-raster",
        "c.svg",
        svg.into(),
        json!({"width": 40, "format": "webp", "background": "#ffffff"}),
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::WebP);
    assert!(body["downloadUrl"].as_str().unwrap().ends_with("c.webp"));
}

#[test]
fn svg_text_renders_with_the_bundled_font() {
    // A font family the host surely lacks: falls back to the bundled DejaVu.
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60">
      <rect width="200" height="60" fill="#ffffff"/>
      <text x="10" y="45" font-family="Some Missing Font, sans-serif" font-size="36" fill="#000000">Lathe</text>
    </svg>"##;
    let (_, bytes) = run("svg-to-raster", "t.svg", svg.into(), json!({"width": 200}));
    let img = fixtures::decode(&bytes).to_rgb8();
    let dark = |x0: u32, x1: u32, y0: u32, y1: u32| {
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                if img.get_pixel(x, y)[0] < 100 {
                    n += 1;
                }
            }
        }
        n
    };
    assert!(dark(10, 120, 10, 50) > 200, "text drew dark pixels");
    assert_eq!(dark(150, 200, 0, 60), 0, "nothing right of the text");
    assert_eq!(dark(0, 200, 50, 60), 0, "nothing below the baseline area");
}

#[test]
fn svg_ignores_external_references() {
    // A file path and a URL in <image>: skipped, not read; the rest still renders.
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="20">
      <image href="/etc/passwd" width="20" height="20"/>
      <image xlink:href="http://127.0.0.1:1/x.png" width="20" height="20"/>
      <rect x="0" y="0" width="10" height="20" fill="#00ff00"/>
    </svg>"##;
    let (_, bytes) = run("svg-to-raster", "e.svg", svg.into(), json!({"width": 20}));
    let img = fixtures::decode(&bytes).to_rgba8();
    assert_eq!(img.get_pixel(5, 10).0, [0, 255, 0, 255]);
    assert_eq!(img.get_pixel(15, 10)[3], 0);
}

#[test]
fn svg_rejects_bad_input() {
    let lathe = shared();
    for (settings, status, code) in [
        (json!({"outputFormat": "avif"}), 400, "INVALID_SETTINGS"),
        (json!({"outputFormat": "nope"}), 400, "INVALID_SETTINGS"),
        (json!({"width": 0}), 400, "INVALID_SETTINGS"),
        (json!({"dpi": 5}), 400, "INVALID_SETTINGS"),
        (
            json!({"backgroundColor": "red-ish"}),
            400,
            "INVALID_SETTINGS",
        ),
        (json!({"width": 65536, "height": 65536}), 413, "TOO_LARGE"),
        (json!({"dpi": 2400, "width": null}), 200, ""),
    ] {
        let r = lathe.run_tool(
            "image",
            "svg-to-raster",
            "a.svg",
            HALVES_SVG.into(),
            &settings.to_string(),
        );
        if status == 200 {
            assert_eq!(
                r.status,
                200,
                "{settings}: {}",
                String::from_utf8_lossy(&r.body)
            );
        } else {
            assert_eq!(r.assert_client_error(status), code, "{settings}");
        }
    }
    // Not an SVG, with an .svg name.
    let r = lathe.run_tool(
        "image",
        "svg-to-raster",
        "x.svg",
        b"<html>nope</html>".to_vec(),
        "{}",
    );
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    assert_rejects_bad_input(
        lathe,
        "image",
        "svg-to-raster",
        "a.svg",
        HALVES_SVG.into(),
        ("a.png", fixtures::png_rgba(4, 4)),
    );
}

#[test]
fn svg_batch_answers_a_zip_of_rasters() {
    let lathe = shared();
    let token = lathe.admin_token();
    let circle = r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"><rect width="10" height="20" fill="#00ff00"/></svg>"##;
    let parts = [
        ("files", "halves.svg", HALVES_SVG.as_bytes().to_vec()),
        ("files", "green.svg", circle.as_bytes().to_vec()),
    ];
    let r = lathe.post_multipart(
        "/api/v1/tools/image/svg-to-raster/batch",
        Some(&token),
        &parts,
        Some(r#"{"width": 50, "outputFormat": "png"}"#),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.content_type.contains("zip"), "{}", r.content_type);
    let mut zip = zip::ZipArchive::new(Cursor::new(r.body)).unwrap();
    assert_eq!(zip.len(), 2);
    let mut read = |name: &str| {
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut data).unwrap();
        fixtures::decode(&data).to_rgba8()
    };
    let a = read("halves.png");
    assert_eq!(a.dimensions(), (50, 25));
    assert!(near(&a.get_pixel(10, 10).0, &[255, 0, 0, 255], 2));
    let b = read("green.png");
    assert_eq!(b.dimensions(), (50, 100));
    assert_eq!(b.get_pixel(25, 50).0, [0, 255, 0, 255]);
    // The main route with several SVGs answers a ZIP download of the same rasters.
    let parts = [
        ("files", "halves.svg", HALVES_SVG.as_bytes().to_vec()),
        ("files", "green.svg", circle.as_bytes().to_vec()),
    ];
    let (_, bytes) = lathe.run_and_download("image", "svg-to-raster", &parts, r#"{"width": 50}"#);
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut names: Vec<&str> = zip.file_names().collect();
    names.sort();
    assert_eq!(names, ["green.png", "halves.png"]);
    // One bad file fails the batch with its name.
    let parts = [
        ("files", "halves.svg", HALVES_SVG.as_bytes().to_vec()),
        ("files", "bad.svg", b"not svg".to_vec()),
    ];
    let r = lathe.post_multipart(
        "/api/v1/tools/image/svg-to-raster/batch",
        Some(&token),
        &parts,
        Some("{}"),
    );
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    assert!(r.json()["error"].as_str().unwrap().contains("bad.svg"));
}

// ---------------------------------------------------------------------------------------
// barcode-generate and barcode-read

/// Posts a JSON body to barcode-generate.
fn generate(body: Value) -> Reply {
    let lathe = shared();
    lathe.post_json(
        "/api/v1/tools/image/barcode-generate",
        Some(&lathe.admin_token()),
        &body,
    )
}

/// Runs barcode-generate and downloads the PNG.
fn barcode_png(body: Value) -> (Value, Vec<u8>) {
    let lathe = shared();
    let r = generate(body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let json = r.json();
    let d = lathe.get(
        json["downloadUrl"].as_str().unwrap(),
        Some(&lathe.admin_token()),
    );
    assert_eq!(d.status, 200);
    assert_eq!(fixtures::format_of(&d.body), ImageFormat::Png);
    (json, d.body)
}

/// Runs barcode-read on an image; returns the response JSON.
fn read_codes(name: &str, data: Vec<u8>) -> Value {
    let r = shared().run_tool("image", "barcode-read", name, data, "{}");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert!(
        body.get("downloadUrl").is_none(),
        "barcode-read makes no file: {body}"
    );
    body
}

/// Generates a code, reads it back through the API, and checks format and text.
fn round_trip(kind: &str, text: &str, expect_text: &str) -> DynamicImage {
    let (meta, png) = barcode_png(json!({"text": text, "type": kind}));
    assert_eq!(meta["type"], kind);
    let body = read_codes("code.png", png.clone());
    let codes = body["barcodes"].as_array().unwrap();
    assert_eq!(codes.len(), 1, "{kind}: {body}");
    assert_eq!(codes[0]["format"], kind, "{body}");
    assert_eq!(codes[0]["text"], expect_text, "{body}");
    assert_eq!(body["count"], 1);
    let pos = &codes[0]["position"];
    assert!(pos["width"].as_u64().unwrap() > 10, "{body}");
    fixtures::decode(&png)
}

#[test]
fn qr_round_trip_through_generate_and_read() {
    let text = "https://example.com/lathe?x=1";
    let img = round_trip("qrcode", text, text);
    // An independent decoder agrees.
    let mut prepared = rqrr::PreparedImage::prepare(img.to_luma8());
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    assert_eq!(grids[0].decode().unwrap().1, text);
    // Doc alias `QR`, scale 8 → modules 8 px: 21 modules + 2 × 4 quiet = 29 × 8.
    let (meta, png) = barcode_png(json!({"text": "A", "type": "QR", "scale": 8}));
    assert_eq!(meta["type"], "qrcode");
    let img = fixtures::decode(&png);
    assert_eq!((img.width(), img.height()), (232, 232));
}

#[test]
fn code128_round_trip_and_text_line() {
    let img = round_trip("code128", "LATHE-128 ok", "LATHE-128 ok");
    assert_eq!(
        img.to_rgb8().get_pixel(0, 0),
        &Rgb([255, 255, 255]),
        "quiet zone"
    );
    // Without the human-readable line the image is shorter; bars fill the same width.
    let (_, png) = barcode_png(json!({"text": "LATHE-128 ok", "includeText": false}));
    let plain = fixtures::decode(&png);
    assert_eq!(plain.width(), img.width());
    assert!(plain.height() < img.height());
    // The text line has dark pixels under the bars.
    let rgb = img.to_rgb8();
    let y0 = plain.height() - 10 * 3; // below the bottom quiet zone of the plain code
    let dark_below = (y0..img.height())
        .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| rgb.get_pixel(x, y)[0] < 100)
        .count();
    assert!(dark_below > 50, "caption drawn");
    // Colours and scale.
    let (meta, png) = barcode_png(json!({
        "text": "abc", "type": "code128", "scale": 1, "foreground": "#102030",
        "background": "#f0f0f0", "includeText": false
    }));
    let img = fixtures::decode(&png).to_rgb8();
    assert_eq!(meta["height"], 70, "50 modules of bars + 2 × 10 quiet");
    assert_eq!(img.get_pixel(0, 0), &Rgb([0xf0, 0xf0, 0xf0]));
    assert!(img.pixels().any(|p| *p == Rgb([0x10, 0x20, 0x30])));
}

#[test]
fn ean13_round_trip_with_check_digit() {
    // 12 digits get their check digit; 13 with the right one are kept.
    let (meta, _) = barcode_png(json!({"text": "590123412345", "type": "ean13"}));
    assert_eq!(meta["text"], "5901234123457");
    round_trip("ean13", "5901234123457", "5901234123457");
    round_trip("upca", "03600029145", "036000291452");
}

#[test]
fn more_types_round_trip() {
    round_trip("datamatrix", "Lathe DataMatrix 42", "Lathe DataMatrix 42");
    round_trip("code39", "LATHE 39", "LATHE 39");
    round_trip("pdf417", "Lathe PDF417", "Lathe PDF417");
    round_trip("ean8", "9638507", "96385074");
    // ITF-14 reads back as ITF.
    let (meta, png) = barcode_png(json!({"text": "1540014128876", "type": "itf14"}));
    assert_eq!(meta["text"], "15400141288763");
    let body = read_codes("itf.png", png);
    assert_eq!(body["barcodes"][0]["format"], "itf", "{body}");
    assert_eq!(body["barcodes"][0]["text"], "15400141288763");
}

#[test]
fn unusual_content_generates_and_reads() {
    // (type, text, format read back, text read back)
    for (kind, text, format, expect) in [
        ("datamatrix", "héllo €", "datamatrix", "héllo €"),
        ("qrcode", "日本語 ✓", "qrcode", "日本語 ✓"),
        ("aztec", "Lathe Aztec ü", "aztec", "Lathe Aztec ü"),
        (
            "pdf417",
            "x".repeat(256).as_str(),
            "pdf417",
            "x".repeat(256).as_str(),
        ),
        ("code93", "LATHE93", "code93", "LATHE93"),
        ("codabar", "A123456B", "codabar", "123456"),
        ("upce", "0123456", "upce", "01234565"),
        ("itf", "123456", "itf", "123456"),
    ] {
        let (meta, png) = barcode_png(json!({"text": text, "type": kind, "scale": 2}));
        assert_eq!(meta["type"], kind);
        let body = read_codes("c.png", png);
        assert_eq!(body["barcodes"][0]["format"], format, "{kind}: {body}");
        assert_eq!(body["barcodes"][0]["text"], expect, "{kind}: {body}");
    }
    // Lower-case Code 39 uses extended mode; it still makes a readable symbol.
    let (_, png) = barcode_png(json!({"text": "abc", "type": "code39"}));
    let body = read_codes("c.png", png);
    assert_eq!(body["barcodes"][0]["format"], "code39", "{body}");
}

#[test]
fn barcode_read_finds_several_codes_and_none() {
    let (_, qr) = barcode_png(json!({"text": "first code", "type": "qrcode", "scale": 4}));
    let (_, bar) = barcode_png(json!({"text": "SECOND", "type": "code128", "includeText": false}));
    let qr = fixtures::decode(&qr).to_rgb8();
    let bar = fixtures::decode(&bar).to_rgb8();
    let mut canvas = RgbImage::from_pixel(
        qr.width() + bar.width() + 40,
        qr.height().max(bar.height()) + 40,
        Rgb([255, 255, 255]),
    );
    image::imageops::replace(&mut canvas, &qr, 20, 20);
    image::imageops::replace(&mut canvas, &bar, 20 + qr.width() as i64 + 20, 20);
    let png = fixtures::encode(&DynamicImage::ImageRgb8(canvas), ImageFormat::Png);
    let body = read_codes("two.png", png);
    let mut found: Vec<(String, String)> = body["barcodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["format"].as_str().unwrap().into(),
                c["text"].as_str().unwrap().into(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("code128".to_string(), "SECOND".to_string()),
            ("qrcode".to_string(), "first code".to_string())
        ],
        "{body}"
    );
    // The QR sits in the left part of the image.
    let qr_pos = body["barcodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["format"] == "qrcode")
        .unwrap()["position"]
        .clone();
    assert!(
        qr_pos["x"].as_u64().unwrap() < qr.width() as u64 + 20,
        "{qr_pos}"
    );

    // No code: 200 with an empty list.
    let body = read_codes("plain.jpg", fixtures::jpeg(200, 120));
    assert_eq!(body["barcodes"], json!([]), "{body}");
    assert_eq!(body["count"], 0);
}

#[test]
fn barcode_generate_rejects_invalid_content() {
    for (body, why) in [
        (
            json!({"text": "59012341234X", "type": "ean13"}),
            "letters in EAN-13",
        ),
        (
            json!({"text": "5901234123458", "type": "ean13"}),
            "wrong check digit",
        ),
        (json!({"text": "12345", "type": "ean13"}), "too short"),
        (
            json!({"text": "03600029145X", "type": "upca"}),
            "letters in UPC-A",
        ),
        (json!({"text": "123", "type": "itf"}), "odd ITF"),
        (
            json!({"text": "héllo", "type": "code128"}),
            "non-ASCII Code 128",
        ),
        (json!({"text": "x", "type": "nope"}), "bad type"),
        (json!({"type": "code128"}), "no text"),
        (json!({"text": ""}), "empty text"),
        (
            json!({"text": "x".repeat(257), "type": "qrcode"}),
            "too long",
        ),
        (json!({"text": "x", "scale": 9}), "scale too big"),
        (json!({"text": "x", "scale": 1.5}), "fractional scale"),
        (json!({"text": "x", "foreground": "blue"}), "bad colour"),
    ] {
        let r = generate(body.clone());
        assert_eq!(
            r.assert_client_error(400),
            "INVALID_SETTINGS",
            "{why}: {body}"
        );
    }
    shared().assert_healthy();
}

#[test]
fn barcode_read_rejects_bad_input() {
    let lathe = shared();
    let r = lathe.run_tool(
        "image",
        "barcode-read",
        "a.png",
        fixtures::png_rgba(8, 8),
        r#"{"tryHarder":"yes"}"#,
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    assert_rejects_bad_input(
        lathe,
        "image",
        "barcode-read",
        "a.png",
        fixtures::png_rgba(8, 8),
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// gif-webp

const COLORS: [[u8; 4]; 3] = [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255]];
const DELAYS_MS: [u32; 3] = [100, 200, 300];

/// A 3-frame 40 × 30 GIF: red, green, blue frames with a white square at (x = 10·i, 5).
fn three_frame_gif(repeat: Repeat) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new_with_speed(&mut out, 10);
        enc.set_repeat(repeat).unwrap();
        for (i, c) in COLORS.iter().enumerate() {
            let img = RgbaImage::from_fn(40, 30, |x, y| {
                let sq = x >= 10 * i as u32 && x < 10 * i as u32 + 8 && (5..13).contains(&y);
                image::Rgba(if sq { [255, 255, 255, 255] } else { *c })
            });
            enc.encode_frame(Frame::from_parts(
                img,
                0,
                0,
                Delay::from_numer_denom_ms(DELAYS_MS[i], 1),
            ))
            .unwrap();
        }
    }
    out
}

/// A loop count as a number (0 = forever).
fn plays(l: LoopCount) -> u32 {
    match l {
        LoopCount::Infinite => 0,
        LoopCount::Finite(n) => n.get(),
    }
}

fn frame_ms(f: &Frame) -> u32 {
    let (n, d) = f.delay().numer_denom_ms();
    n / d
}

/// Checks three frames against the source colours, delays and white squares.
fn check_frames(frames: &[Frame], w: u32, h: u32, tol: u8) {
    assert_eq!(frames.len(), 3);
    for (i, f) in frames.iter().enumerate() {
        let buf = f.buffer();
        assert_eq!(buf.dimensions(), (w, h));
        assert_eq!(frame_ms(f), DELAYS_MS[i], "frame {i} delay");
        let sx = w as f32 / 40.0;
        assert!(
            near(&buf.get_pixel((35.0 * sx) as u32, h - 2).0, &COLORS[i], tol),
            "frame {i} colour: {:?}",
            buf.get_pixel((35.0 * sx) as u32, h - 2)
        );
        let sq = buf.get_pixel(((10 * i) as f32 * sx + 4.0 * sx) as u32, (9.0 * sx) as u32);
        assert!(
            near(&sq.0, &[255, 255, 255, 255], tol),
            "frame {i} square: {sq:?}"
        );
    }
}

#[test]
fn gif_becomes_animated_webp_and_back() {
    let gif = three_frame_gif(Repeat::Infinite);
    let (body, webp) = run("gif-webp", "anim.gif", gif, json!({}));
    assert_eq!(fixtures::format_of(&webp), ImageFormat::WebP);
    assert!(body["downloadUrl"].as_str().unwrap().ends_with("anim.webp"));
    assert_eq!(body["frames"], 3);
    assert_eq!(body["lossless"], true);
    let dec = WebPDecoder::new(Cursor::new(&webp)).unwrap();
    assert_eq!(plays(dec.loop_count()), 0);
    let frames = dec.into_frames().collect_frames().unwrap();
    check_frames(&frames, 40, 30, 6);

    // And back to GIF.
    let (body, gif2) = run("gif-webp", "anim.webp", webp, json!({"quality": 100}));
    assert_eq!(fixtures::format_of(&gif2), ImageFormat::Gif);
    assert_eq!(body["frames"], 3);
    let dec = GifDecoder::new(Cursor::new(&gif2)).unwrap();
    assert_eq!(plays(dec.loop_count()), 0);
    let frames = dec.into_frames().collect_frames().unwrap();
    check_frames(&frames, 40, 30, 6);
}

#[test]
fn gif_webp_keeps_finite_loops_and_resizes() {
    // GIF "repeat twice" = three plays; WebP counts plays.
    let gif = three_frame_gif(Repeat::Finite(2));
    let (_, webp) = run("gif-webp", "a.gif", gif, json!({"resizePercent": 50}));
    let dec = WebPDecoder::new(Cursor::new(&webp)).unwrap();
    assert_eq!(plays(dec.loop_count()), 3);
    let frames = dec.into_frames().collect_frames().unwrap();
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0].buffer().dimensions(), (20, 15));
    assert!(near(&frames[1].buffer().get_pixel(18, 14).0, &COLORS[1], 2));
    let (_, gif2) = run("gif-webp", "a.webp", webp, json!({}));
    let dec = GifDecoder::new(Cursor::new(&gif2)).unwrap();
    assert_eq!(plays(dec.loop_count()), 2);
    assert_eq!(dec.into_frames().count(), 3);

    // A still WebP becomes a one-frame GIF.
    let still = fixtures::encode(
        &DynamicImage::ImageRgba8(RgbaImage::from_pixel(12, 9, image::Rgba([0, 0, 255, 255]))),
        ImageFormat::WebP,
    );
    let (body, gif3) = run("gif-webp", "still.webp", still, json!({}));
    assert_eq!(body["frames"], 1);
    let img = fixtures::decode(&gif3).to_rgba8();
    assert_eq!(img.dimensions(), (12, 9));
    assert!(near(&img.get_pixel(5, 5).0, &[0, 0, 255, 255], 4));
}

/// The VP8L bitstream of a lossless WebP made by the `image` crate.
fn vp8l(img: &RgbaImage) -> Vec<u8> {
    let file = fixtures::encode(&DynamicImage::ImageRgba8(img.clone()), ImageFormat::WebP);
    assert_eq!(&file[12..16], b"VP8L", "simple lossless WebP");
    let size = u32::from_le_bytes(file[16..20].try_into().unwrap()) as usize;
    file[20..20 + size].to_vec()
}

/// Appends a RIFF chunk (padded to even length).
fn chunk(out: &mut Vec<u8>, name: &[u8], data: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

/// A hand-made animated WebP (as libwebp's optimiser writes them): a red 30 × 20 frame
/// disposed to background, then a 1 × 1 transparent frame (so the canvas is cleared),
/// then a blue frame; plays twice.
fn disposing_webp() -> Vec<u8> {
    let le24 = |v: u32| v.to_le_bytes()[..3].to_vec();
    let mut body = b"WEBP".to_vec();
    let mut vp8x = vec![0x12, 0, 0, 0];
    vp8x.extend(le24(29));
    vp8x.extend(le24(19));
    chunk(&mut body, b"VP8X", &vp8x);
    chunk(&mut body, b"ANIM", &[255, 255, 255, 255, 2, 0]);
    let frames = [
        (
            RgbaImage::from_pixel(30, 20, image::Rgba([255, 0, 0, 255])),
            50,
            0b11u8,
        ),
        (
            RgbaImage::from_pixel(1, 1, image::Rgba([0, 0, 0, 0])),
            60,
            0b00,
        ),
        (
            RgbaImage::from_pixel(30, 20, image::Rgba([0, 0, 255, 255])),
            70,
            0b10,
        ),
    ];
    for (img, ms, flags) in frames {
        let mut anmf = [
            le24(0),
            le24(0),
            le24(img.width() - 1),
            le24(img.height() - 1),
            le24(ms),
        ]
        .concat();
        anmf.push(flags);
        chunk(&mut anmf, b"VP8L", &vp8l(&img));
        chunk(&mut body, b"ANMF", &anmf);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn webp_disposal_keeps_transparency_in_the_gif() {
    let webp = disposing_webp();
    let (body, gif) = run("gif-webp", "d.webp", webp, json!({}));
    assert_eq!(body["frames"], 3);
    assert_eq!(body["loop"], 2);
    let dec = GifDecoder::new(Cursor::new(&gif)).unwrap();
    assert_eq!(plays(dec.loop_count()), 1, "two plays = one GIF repetition");
    let frames = dec.into_frames().collect_frames().unwrap();
    let px: Vec<[u8; 4]> = frames
        .iter()
        .map(|f| f.buffer().get_pixel(5, 5).0)
        .collect();
    assert!(near(&px[0], &[255, 0, 0, 255], 4), "{px:?}");
    assert_eq!(px[1][3], 0, "cleared to transparent, not red: {px:?}");
    assert!(near(&px[2], &[0, 0, 255, 255], 4), "{px:?}");
    let ms: Vec<u32> = frames.iter().map(frame_ms).collect();
    assert_eq!(ms, [50, 60, 70]);
}

#[test]
fn gif_webp_rejects_bad_input() {
    let lathe = shared();
    let gif = three_frame_gif(Repeat::Infinite);
    for settings in [
        json!({"resizePercent": 5}),
        json!({"resizePercent": 101}),
        json!({"quality": 0}),
        json!({"quality": 50.5}),
        json!({"lossless": "yes"}),
    ] {
        let r = lathe.run_tool(
            "image",
            "gif-webp",
            "a.gif",
            gif.clone(),
            &settings.to_string(),
        );
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{settings}");
    }
    // A PNG renamed .gif.
    let r = lathe.run_tool("image", "gif-webp", "a.gif", fixtures::png_rgba(4, 4), "{}");
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    assert_rejects_bad_input(
        lathe,
        "image",
        "gif-webp",
        "a.gif",
        gif,
        ("a.png", fixtures::png_rgba(4, 4)),
    );
}
