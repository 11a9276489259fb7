//! End-to-end tests of the image utility tools (color-palette, histogram,
//! lqip-placeholder, image-to-base64, compare, find-duplicates, qr-generate) through the
//! HTTP API of one shared host, checking real values.

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared, Reply};
use serde_json::{json, Value};

/// A PNG of an RGB image.
fn png(img: RgbImage) -> Vec<u8> {
    fixtures::encode(&DynamicImage::ImageRgb8(img), ImageFormat::Png)
}

/// A solid-colour PNG.
fn solid(width: u32, height: u32, c: [u8; 3]) -> Vec<u8> {
    png(RgbImage::from_pixel(width, height, Rgb(c)))
}

/// A `width` × `height` image, left half `left`, right half `right`.
fn halves(width: u32, height: u32, left: [u8; 3], right: [u8; 3]) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        Rgb(if x < width / 2 { left } else { right })
    })
}

fn wrong_type() -> (&'static str, Vec<u8>) {
    ("a.pdf", fixtures::pdf(1, "x"))
}

/// Garbage bytes that are no image.
fn garbage() -> Vec<u8> {
    (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect()
}

/// Runs a JSON-only tool on several files; asserts 200 and returns the JSON.
fn run_json(tool: &str, parts: &[(&str, &str, Vec<u8>)], settings: &str) -> Value {
    let r = shared().run_tool_files("image", tool, parts, settings);
    assert_eq!(
        r.status,
        200,
        "{tool} failed: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

/// Asserts a 400 INVALID_SETTINGS whose message names `field`.
fn assert_invalid(r: &Reply, field: &str) {
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains(field), "message should name {field}: {msg}");
}

/// Runs a tool expecting 400 INVALID_SETTINGS naming `field`.
fn invalid(tool: &str, parts: &[(&str, &str, Vec<u8>)], settings: &str, field: &str) {
    let r = shared().run_tool_files("image", tool, parts, settings);
    assert_invalid(&r, field);
}

/// Decodes a `data:<mime>;base64,...` URI; returns the mime type and the bytes.
fn data_uri(uri: &str) -> (String, Vec<u8>) {
    let rest = uri.strip_prefix("data:").expect("data URI");
    let (mime, b64) = rest.split_once(";base64,").expect("base64 data URI");
    (mime.to_string(), base64_decode(b64))
}

/// Decodes standard base64 with padding (panics on anything else).
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    assert_eq!(bytes.len() % 4, 0, "base64 length");
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for &b in chunk {
            n <<= 6;
            if b == b'=' {
                pad += 1;
            } else {
                assert_eq!(pad, 0, "padding inside base64");
                n |= ALPHABET.iter().position(|&a| a == b).expect("base64 digit") as u32;
            }
        }
        let group = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&group[..3 - pad]);
    }
    out
}

// ---------------------------------------------------------------------------------------
// color-palette

#[test]
fn color_palette_finds_both_colours_of_a_two_colour_image() {
    let src = png(halves(80, 40, [255, 0, 0], [0, 0, 255]));
    let body = run_json("color-palette", &[("file", "a.png", src.clone())], "{}");
    let hex: Vec<&str> = body["hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(hex.contains(&"#ff0000"), "{body}");
    assert!(hex.contains(&"#0000ff"), "{body}");
    assert_eq!(body["count"], 2, "{body}");
    assert_eq!(body["colors"], body["hex"]);
    assert!(
        body.get("downloadUrl").is_none_or(|v| v.is_null()),
        "{body}"
    );

    let body = run_json(
        "color-palette",
        &[("file", "a.png", src.clone())],
        r#"{"format":"rgb","count":4}"#,
    );
    let colors = body["colors"].to_string();
    assert!(colors.contains("rgb(255, 0, 0)"), "{body}");
    assert!(colors.contains("rgb(0, 0, 255)"), "{body}");
    let body = run_json(
        "color-palette",
        &[("file", "a.png", src)],
        r#"{"format":"hsl"}"#,
    );
    let colors = body["colors"].to_string();
    assert!(colors.contains("hsl(0, 100%, 50%)"), "{body}");
    assert!(colors.contains("hsl(240, 100%, 50%)"), "{body}");
}

#[test]
fn color_palette_respects_count_on_a_colourful_image() {
    let src = png(fixtures::pattern_rgb(96, 64));
    for count in [2, 5, 16] {
        let body = run_json(
            "color-palette",
            &[("file", "a.png", src.clone())],
            &format!(r#"{{"count":{count}}}"#),
        );
        let n = body["hex"].as_array().unwrap().len();
        assert!(n >= 2 && n <= count, "count {count}: {body}");
        assert_eq!(body["count"], n);
    }
    // Deterministic.
    let a = run_json("color-palette", &[("file", "a.png", src.clone())], "{}");
    let b = run_json("color-palette", &[("file", "a.png", src)], "{}");
    assert_eq!(a["hex"], b["hex"]);
}

#[test]
fn color_palette_rejects_bad_input() {
    let good = solid(8, 8, [1, 2, 3]);
    invalid(
        "color-palette",
        &[("file", "a.png", good.clone())],
        r#"{"count":1}"#,
        "count",
    );
    invalid(
        "color-palette",
        &[("file", "a.png", good.clone())],
        r#"{"count":17}"#,
        "count",
    );
    invalid(
        "color-palette",
        &[("file", "a.png", good.clone())],
        r#"{"format":"cmyk"}"#,
        "format",
    );
    assert_rejects_bad_input(
        shared(),
        "image",
        "color-palette",
        "a.png",
        good,
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// histogram

#[test]
fn histogram_of_a_solid_image() {
    let (body, bytes) = shared().run_and_download(
        "image",
        "histogram",
        &[("file", "a.png", solid(20, 10, [10, 128, 250]))],
        "{}",
    );
    for (channel, v) in [("red", 10), ("green", 128), ("blue", 250)] {
        let s = &body[channel];
        assert_eq!(s["mean"].as_f64(), Some(v as f64), "{channel}: {s}");
        assert_eq!(s["min"], v, "{channel}");
        assert_eq!(s["max"], v, "{channel}");
        assert_eq!(s["median"], v, "{channel}");
        let bins = body["bins"][channel].as_array().unwrap();
        assert_eq!(bins.len(), 256);
        assert_eq!(bins[v as usize], 200);
        assert_eq!(bins.iter().map(|b| b.as_u64().unwrap()).sum::<u64>(), 200);
    }
    let chart = fixtures::decode(&bytes);
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    assert_eq!((chart.width(), chart.height()), (512, 256));
    // The red bar at level 10 is full height; nothing is drawn at level 0.
    let rgb = chart.to_rgb8();
    assert_eq!(rgb.get_pixel(20, 0)[0], 255);
    assert_eq!(rgb.get_pixel(0, 255), &Rgb([0, 0, 0]));
}

#[test]
fn histogram_log_scale_lifts_small_counts() {
    // 399 black pixels and one white one.
    let mut img = RgbImage::from_pixel(20, 20, Rgb([0, 0, 0]));
    img.put_pixel(0, 0, Rgb([255, 255, 255]));
    let height_at_white = |settings: &str| {
        let (body, bytes) = shared().run_and_download(
            "image",
            "histogram",
            &[("file", "a.png", png(img.clone()))],
            settings,
        );
        assert_eq!(body["red"]["max"], 255);
        assert_eq!(body["red"]["median"], 0);
        let rgb = fixtures::decode(&bytes).to_rgb8();
        (0..256)
            .filter(|&y| rgb.get_pixel(510, y)[0] == 255)
            .count()
    };
    let linear = height_at_white("{}");
    let log = height_at_white(r#"{"scale":"log"}"#);
    assert!(
        linear >= 1 && log > linear * 10,
        "linear {linear}, log {log}"
    );
}

#[test]
fn histogram_rejects_bad_input() {
    let good = solid(8, 8, [1, 2, 3]);
    invalid(
        "histogram",
        &[("file", "a.png", good.clone())],
        r#"{"scale":"cubic"}"#,
        "scale",
    );
    assert_rejects_bad_input(shared(), "image", "histogram", "a.png", good, wrong_type());
}

// ---------------------------------------------------------------------------------------
// lqip-placeholder

#[test]
fn lqip_is_tiny_and_its_data_uri_decodes() {
    let src = png(fixtures::pattern_rgb(300, 200));
    for (settings, format, width) in [
        ("{}", ImageFormat::WebP, 16),
        (
            r#"{"format":"png","width":32,"strategy":"pixelate"}"#,
            ImageFormat::Png,
            32,
        ),
        (
            r#"{"format":"jpeg","width":8,"strategy":"solid","quality":90}"#,
            ImageFormat::Jpeg,
            8,
        ),
        (r#"{"format":"png","blur":0}"#, ImageFormat::Png, 16),
    ] {
        let (body, bytes) = shared().run_and_download(
            "image",
            "lqip-placeholder",
            &[("file", "a.png", src.clone())],
            settings,
        );
        assert_eq!(body["width"], width, "{settings}: {body}");
        let height = body["height"].as_u64().unwrap() as u32;
        assert!(height <= width, "{settings}");
        let (mime, data) = data_uri(body["dataUri"].as_str().unwrap());
        assert_eq!(data, bytes, "{settings}: the data URI is the file");
        assert_eq!(fixtures::format_of(&data), format, "{settings}");
        assert_eq!(
            mime,
            format!(
                "image/{}",
                if format == ImageFormat::Jpeg {
                    "jpeg"
                } else if format == ImageFormat::Png {
                    "png"
                } else {
                    "webp"
                }
            )
        );
        let img = fixtures::decode(&data);
        assert_eq!((img.width(), img.height()), (width, height), "{settings}");
        assert!(img.width() <= width);
    }
    // Aspect ratio: 300x200 at width 16 is 16x11.
    let (body, _) =
        shared().run_and_download("image", "lqip-placeholder", &[("file", "a.png", src)], "{}");
    assert_eq!(body["height"], 11);
}

#[test]
fn lqip_solid_is_one_colour() {
    let src = png(halves(64, 64, [200, 0, 0], [0, 0, 200]));
    let (_, bytes) = shared().run_and_download(
        "image",
        "lqip-placeholder",
        &[("file", "a.png", src)],
        r#"{"strategy":"solid","format":"png"}"#,
    );
    let img = fixtures::decode(&bytes).to_rgb8();
    let first = *img.get_pixel(0, 0);
    assert!(img.pixels().all(|p| *p == first));
    assert!(
        (first[0] as i32 - 100).abs() <= 2 && (first[2] as i32 - 100).abs() <= 2,
        "{first:?}"
    );
}

#[test]
fn lqip_rejects_bad_input() {
    let good = solid(8, 8, [1, 2, 3]);
    let one = |s: &str, field: &str| {
        invalid(
            "lqip-placeholder",
            &[("file", "a.png", good.clone())],
            s,
            field,
        )
    };
    one(r#"{"width":3}"#, "width");
    one(r#"{"width":65}"#, "width");
    one(r#"{"blur":21}"#, "blur");
    one(r#"{"strategy":"swirl"}"#, "strategy");
    one(r#"{"format":"gif"}"#, "format");
    one(r#"{"quality":0}"#, "quality");
    assert_rejects_bad_input(
        shared(),
        "image",
        "lqip-placeholder",
        "a.png",
        good,
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// image-to-base64

#[test]
fn base64_round_trips_the_original_bytes_and_sizes() {
    let a = png(fixtures::pattern_rgb(40, 30));
    let b = fixtures::jpeg(64, 48);
    let body = run_json(
        "image-to-base64",
        &[("file", "a.png", a.clone()), ("file", "b.jpg", b.clone())],
        "{}",
    );
    assert_eq!(body["errors"], json!([]), "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (r, (name, bytes, mime, w, h)) in results.iter().zip([
        ("a.png", &a, "image/png", 40, 30),
        ("b.jpg", &b, "image/jpeg", 64, 48),
    ]) {
        assert_eq!(r["filename"], name);
        assert_eq!(r["mimeType"], mime);
        assert_eq!(
            (r["width"].as_u64(), r["height"].as_u64()),
            (Some(w), Some(h))
        );
        let (m, data) = data_uri(r["dataUri"].as_str().unwrap());
        assert_eq!(m, mime);
        assert_eq!(&data, bytes, "original bytes unchanged");
        assert_eq!(r["size"], data.len());
        let img = fixtures::decode(&data);
        assert_eq!((img.width() as u64, img.height() as u64), (w, h));
    }
}

#[test]
fn base64_converts_and_scales_down() {
    let a = png(fixtures::pattern_rgb(200, 100));
    let body = run_json(
        "image-to-base64",
        &[("file", "a.png", a.clone())],
        r#"{"outputFormat":"jpeg","maxWidth":50,"quality":70}"#,
    );
    let r = &body["results"][0];
    assert_eq!(r["mimeType"], "image/jpeg");
    assert_eq!(
        (r["width"].as_u64(), r["height"].as_u64()),
        (Some(50), Some(25))
    );
    let (_, data) = data_uri(r["dataUri"].as_str().unwrap());
    assert_eq!(fixtures::format_of(&data), ImageFormat::Jpeg);
    let img = fixtures::decode(&data);
    assert_eq!((img.width(), img.height()), (50, 25));
    // The doc name `format` works too; maxHeight alone; never enlarged.
    let body = run_json(
        "image-to-base64",
        &[("file", "a.png", a)],
        r#"{"format":"webp","maxHeight":400}"#,
    );
    let r = &body["results"][0];
    assert_eq!(r["mimeType"], "image/webp");
    let (_, data) = data_uri(r["dataUri"].as_str().unwrap());
    let img = fixtures::decode(&data);
    assert_eq!((img.width(), img.height()), (200, 100));
}

/// Seed 001's settings: `format` data-uri or plain, `mimeType` the type to encode to.
#[test]
fn base64_takes_seed_001_format_and_mime_type() {
    let b = fixtures::jpeg(64, 48);
    let body = run_json(
        "image-to-base64",
        &[("file", "b.jpg", b.clone())],
        r#"{"format":"data-uri"}"#,
    );
    let r = &body["results"][0];
    assert_eq!(r["format"], "data-uri");
    let (mime, data) = data_uri(r["dataUri"].as_str().unwrap());
    assert_eq!(mime, "image/jpeg");
    assert_eq!(data, b, "unchanged bytes");
    assert!(r.get("base64").is_none(), "{r}");
    let body = run_json(
        "image-to-base64",
        &[("file", "b.jpg", b)],
        r#"{"format":"plain","mimeType":"image/png"}"#,
    );
    let r = &body["results"][0];
    assert_eq!(r["format"], "plain");
    assert_eq!(r["mimeType"], "image/png");
    assert!(r.get("dataUri").is_none(), "{r}");
    let text = r["base64"].as_str().unwrap();
    assert!(!text.starts_with("data:"));
    let data = base64_decode(text);
    assert_eq!(fixtures::format_of(&data), ImageFormat::Png);
    assert_eq!(fixtures::decode(&data).width(), 64);
    for bad in [r#"{"mimeType":"image/gif"}"#, r#"{"format":"hex"}"#] {
        let r = shared().run_tool(
            "image",
            "image-to-base64",
            "a.jpg",
            fixtures::jpeg(8, 8),
            bad,
        );
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{bad}");
    }
}

#[test]
fn base64_reports_unreadable_files_and_rejects_bad_input() {
    let good = solid(8, 8, [1, 2, 3]);
    let body = run_json(
        "image-to-base64",
        &[
            ("file", "a.png", good.clone()),
            ("file", "bad.png", garbage()),
        ],
        "{}",
    );
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert_eq!(body["errors"][0]["filename"], "bad.png", "{body}");
    let one = |s: &str, field: &str| {
        invalid(
            "image-to-base64",
            &[("file", "a.png", good.clone())],
            s,
            field,
        )
    };
    one(r#"{"outputFormat":"avif"}"#, "outputFormat");
    one(r#"{"quality":101}"#, "quality");
    one(r#"{"maxWidth":-1}"#, "maxWidth");
    one(r#"{"maxHeight":1.5}"#, "maxHeight");
    let parts: Vec<(&str, &str, Vec<u8>)> =
        (0..21).map(|_| ("file", "a.png", good.clone())).collect();
    let r = shared().run_tool_files("image", "image-to-base64", &parts, "{}");
    assert!((400..500).contains(&r.status), "21 files: {}", r.status);
    assert_rejects_bad_input(
        shared(),
        "image",
        "image-to-base64",
        "a.png",
        good,
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// compare

#[test]
fn compare_identical_and_different_images() {
    let a = png(fixtures::pattern_rgb(64, 48));
    let (body, bytes) = shared().run_and_download(
        "image",
        "compare",
        &[("file", "a.png", a.clone()), ("file", "b.png", a.clone())],
        "{}",
    );
    assert_eq!(body["similarity"].as_f64(), Some(100.0), "{body}");
    assert_eq!(body["dimensions"]["a"], json!({"width": 64, "height": 48}));
    assert_eq!(body["dimensions"]["b"], json!({"width": 64, "height": 48}));
    let diff = fixtures::decode(&bytes).to_rgb8();
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    assert_eq!(diff.dimensions(), (64, 48));
    assert!(
        diff.pixels().all(|p| *p != Rgb([255, 0, 0])),
        "nothing changed"
    );

    // The right half of the second image differs.
    let black = png(RgbImage::from_pixel(40, 20, Rgb([0, 0, 0])));
    let half = png(halves(40, 20, [0, 0, 0], [255, 255, 255]));
    let (body, bytes) = shared().run_and_download(
        "image",
        "compare",
        &[("file", "a.png", black.clone()), ("file", "b.png", half)],
        "{}",
    );
    let similarity = body["similarity"].as_f64().unwrap();
    assert!((similarity - 50.0).abs() < 0.01, "{body}");
    let diff = fixtures::decode(&bytes).to_rgb8();
    assert_eq!(diff.get_pixel(30, 10), &Rgb([255, 0, 0]));
    assert_ne!(diff.get_pixel(5, 10), &Rgb([255, 0, 0]));

    // Different sizes are compared at the first image's size.
    let big = png(RgbImage::from_pixel(80, 40, Rgb([0, 0, 0])));
    let (body, _) = shared().run_and_download(
        "image",
        "compare",
        &[("file", "a.png", black), ("file", "b.png", big)],
        "{}",
    );
    assert_eq!(body["dimensions"]["b"], json!({"width": 80, "height": 40}));
    assert_eq!(body["similarity"].as_f64(), Some(100.0));
    let different = run_pair(&a, &solid(64, 48, [255, 255, 255]));
    assert!(different < 100.0);
}

fn run_pair(a: &[u8], b: &[u8]) -> f64 {
    let r = shared().run_tool_files(
        "image",
        "compare",
        &[("file", "a.png", a.to_vec()), ("file", "b.png", b.to_vec())],
        "{}",
    );
    assert_eq!(r.status, 200);
    r.json()["similarity"].as_f64().unwrap()
}

/// Seed 001's settings: `mode` side-by-side, overlay or diff, and `diffThreshold`.
#[test]
fn compare_takes_seed_001_mode_and_threshold() {
    let black = png(RgbImage::from_pixel(40, 20, Rgb([0, 0, 0])));
    let grey = png(RgbImage::from_pixel(40, 20, Rgb([40, 40, 40])));
    let parts = || {
        [
            ("file", "a.png", black.clone()),
            ("file", "b.png", grey.clone()),
        ]
    };
    let (body, bytes) =
        shared().run_and_download("image", "compare", &parts(), r#"{"mode":"side-by-side"}"#);
    assert_eq!(body["mode"], "side-by-side", "{body}");
    let img = fixtures::decode(&bytes).to_rgb8();
    assert_eq!(
        img.dimensions(),
        (88, 20),
        "two 40 px images and an 8 px gap"
    );
    assert_eq!(img.get_pixel(10, 10), &Rgb([0, 0, 0]));
    assert_eq!(img.get_pixel(42, 10), &Rgb([255, 255, 255]));
    assert_eq!(img.get_pixel(60, 10), &Rgb([40, 40, 40]));
    let (_, bytes) =
        shared().run_and_download("image", "compare", &parts(), r#"{"mode":"overlay"}"#);
    let img = fixtures::decode(&bytes).to_rgb8();
    assert_eq!(img.dimensions(), (40, 20));
    assert_eq!(img.get_pixel(10, 10), &Rgb([20, 20, 20]), "half of each");
    // A difference of 40 counts as a change below the threshold 30, not above 50.
    let (body, bytes) = shared().run_and_download(
        "image",
        "compare",
        &parts(),
        r#"{"mode":"diff","diffThreshold":30}"#,
    );
    assert_eq!(body["changedPixels"], 800, "{body}");
    assert_eq!(
        fixtures::decode(&bytes).to_rgb8().get_pixel(5, 5),
        &Rgb([255, 0, 0])
    );
    let (body, _) =
        shared().run_and_download("image", "compare", &parts(), r#"{"diffThreshold":50}"#);
    assert_eq!(body["changedPixels"], 0, "{body}");
    for bad in [r#"{"mode":"blink"}"#, r#"{"diffThreshold":300}"#] {
        let r = shared().run_tool_files("image", "compare", &parts(), bad);
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{bad}");
    }
}

#[test]
fn compare_rejects_bad_input() {
    let lathe = shared();
    let good = solid(8, 8, [1, 2, 3]);
    let r = lathe.run_tool("image", "compare", "a.png", good.clone(), "{}");
    r.assert_client_error(400);
    let r = lathe.run_tool_files(
        "image",
        "compare",
        &[
            ("file", "a.png", good.clone()),
            ("file", "b.png", garbage()),
        ],
        "{}",
    );
    assert!((400..500).contains(&r.status), "garbage: {}", r.status);
    r.assert_client_error(r.status);
    let three: Vec<(&str, &str, Vec<u8>)> =
        (0..3).map(|_| ("file", "a.png", good.clone())).collect();
    let r = lathe.run_tool_files("image", "compare", &three, "{}");
    assert!((400..500).contains(&r.status));
    let r = lathe.run_tool_files(
        "image",
        "compare",
        &[("file", "a.png", good.clone()), ("file", "b.png", good)],
        "{not json",
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    lathe.assert_healthy();
}

// ---------------------------------------------------------------------------------------
// find-duplicates

#[test]
fn find_duplicates_groups_a_resized_copy_with_its_original() {
    let original = fixtures::pattern_rgb(200, 150);
    let resized =
        image::imageops::resize(&original, 100, 75, image::imageops::FilterType::Triangle);
    let other = RgbImage::from_fn(200, 150, |x, y| {
        let v = if (x / 25 + y / 25) % 2 == 0 { 255 } else { 0 };
        Rgb([v, v / 2, 255 - v])
    });
    let parts = [
        ("file", "original.png", png(original)),
        ("file", "other.png", png(other)),
        (
            "file",
            "copy.jpg",
            fixtures::encode(&DynamicImage::ImageRgb8(resized), ImageFormat::Jpeg),
        ),
    ];
    let body = run_json("find-duplicates", &parts, "{}");
    assert_eq!(body["totalImages"], 3, "{body}");
    assert_eq!(
        body["duplicateGroups"],
        json!([["original.png", "copy.jpg"]]),
        "{body}"
    );
    assert_eq!(body["uniqueImages"], 2);
    let saveable = body["spaceSaveable"].as_u64().unwrap();
    let smaller = parts[0].2.len().min(parts[2].2.len()) as u64;
    assert_eq!(saveable, smaller, "{body}");
    // Threshold 0 with identical copies still groups them.
    let body = run_json(
        "find-duplicates",
        &[
            ("file", "x.png", parts[0].2.clone()),
            ("file", "y.png", parts[0].2.clone()),
            ("file", "z.png", parts[1].2.clone()),
        ],
        r#"{"threshold":0}"#,
    );
    assert_eq!(
        body["duplicateGroups"],
        json!([["x.png", "y.png"]]),
        "{body}"
    );
}

#[test]
fn find_duplicates_rejects_bad_input() {
    let lathe = shared();
    let good = png(fixtures::pattern_rgb(32, 32));
    let two = || {
        vec![
            ("file", "a.png", good.clone()),
            ("file", "b.png", good.clone()),
        ]
    };
    invalid(
        "find-duplicates",
        &two(),
        r#"{"threshold":21}"#,
        "threshold",
    );
    invalid(
        "find-duplicates",
        &two(),
        r#"{"threshold":-1}"#,
        "threshold",
    );
    let r = lathe.run_tool("image", "find-duplicates", "a.png", good.clone(), "{}");
    r.assert_client_error(400);
    let r = lathe.run_tool_files(
        "image",
        "find-duplicates",
        &[
            ("file", "a.png", good.clone()),
            ("file", "bad.png", garbage()),
        ],
        "{}",
    );
    assert!((400..500).contains(&r.status), "garbage: {}", r.status);
    r.assert_client_error(r.status);
    lathe.assert_healthy();
}

// ---------------------------------------------------------------------------------------
// qr-generate

/// Posts a JSON body to qr-generate.
fn qr(body: Value) -> Reply {
    let lathe = shared();
    lathe.post_json(
        "/api/v1/tools/image/qr-generate",
        Some(&lathe.admin_token()),
        &body,
    )
}

/// Runs qr-generate and downloads the PNG.
fn qr_image(body: Value) -> (Value, DynamicImage) {
    let lathe = shared();
    let r = qr(body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let json = r.json();
    let d = lathe.get(
        json["downloadUrl"].as_str().unwrap(),
        Some(&lathe.admin_token()),
    );
    assert_eq!(d.status, 200);
    assert_eq!(fixtures::format_of(&d.body), ImageFormat::Png);
    (json, fixtures::decode(&d.body))
}

/// Decodes the one QR code in an image.
fn decode_qr(img: &DynamicImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(img.to_luma8());
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code expected");
    grids[0].decode().expect("QR decodes").1
}

#[test]
fn qr_decodes_back_to_the_text() {
    let text = "https://example.com/lathe?q=1&x=ünïcode";
    let (_, img) = qr_image(json!({"text": text}));
    assert_eq!((img.width(), img.height()), (400, 400));
    assert_eq!(decode_qr(&img), text);
    // Quiet zone: the corner is background.
    assert_eq!(img.to_rgb8().get_pixel(2, 2), &Rgb([255, 255, 255]));

    // Doc names, colours, level H and a bigger size.
    let long = "Lathe ".repeat(40);
    let (body, img) = qr_image(json!({
        "data": long, "size": 800, "errorCorrectionLevel": "H",
        "colorDark": "#102030", "colorLight": "#f0f0f0", "margin": 2
    }));
    assert_eq!((img.width(), img.height()), (800, 800));
    assert_eq!(body["errorCorrection"], "H");
    assert_eq!(decode_qr(&img), long);
    let rgb = img.to_rgb8();
    assert_eq!(rgb.get_pixel(0, 0), &Rgb([0xf0, 0xf0, 0xf0]));
    assert!(rgb.pixels().any(|p| *p == Rgb([0x10, 0x20, 0x30])));
}

/// Seed 001's styling: `dotStyle`, `cornerStyle` and a `logo` (data URL); every variant
/// still decodes with rqrr, an independent QR reader.
#[test]
fn qr_styles_and_logo_still_decode() {
    let text = "https://example.com/styled";
    let (_, square) = qr_image(json!({"text": text, "size": 600}));
    let (_, dots) = qr_image(json!({
        "data": text, "size": 600, "dotStyle": "dots", "cornerStyle": "rounded"
    }));
    assert_eq!(decode_qr(&dots), text);
    // Discs ink less than full squares.
    let dark = |img: &DynamicImage| img.to_luma8().pixels().filter(|p| p[0] < 128).count();
    assert!(
        dark(&dots) * 10 < dark(&square) * 9,
        "{} vs {}",
        dark(&dots),
        dark(&square)
    );
    let (_, rounded) = qr_image(json!({"text": text, "size": 600, "dotStyle": "rounded"}));
    assert_eq!(decode_qr(&rounded), text);

    // A red logo in the middle; the level goes to H so the code still reads.
    let logo = png(RgbImage::from_pixel(30, 30, Rgb([255, 0, 0])));
    let uri = format!("data:image/png;base64,{}", base64_encode(&logo));
    let (body, img) = qr_image(json!({"text": text, "size": 600, "logo": uri}));
    assert_eq!(body["errorCorrection"], "H", "{body}");
    assert_eq!(body["logo"], true);
    assert_eq!(img.to_rgb8().get_pixel(300, 300), &Rgb([255, 0, 0]));
    assert_eq!(decode_qr(&img), text);

    for bad in [
        json!({"text": "x", "dotStyle": "stars"}),
        json!({"text": "x", "cornerStyle": "hearts"}),
        json!({"text": "x", "logo": "https://example.com/logo.png"}),
        json!({"text": "x", "logo": "data:image/png;base64,AAAA"}),
    ] {
        assert_eq!(
            qr(bad.clone()).assert_client_error(400),
            "INVALID_SETTINGS",
            "{bad}"
        );
    }
}

/// Standard base64 with padding (the tests' own encoder).
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn qr_rejects_bad_input() {
    let lathe = shared();
    assert_invalid(&qr(json!({})), "text");
    assert_invalid(&qr(json!({"text": ""})), "text");
    assert_invalid(&qr(json!({"text": "x".repeat(2001)})), "text");
    assert_invalid(&qr(json!({"text": "x", "size": 99})), "size");
    assert_invalid(&qr(json!({"text": "x", "size": 10001})), "size");
    assert_invalid(
        &qr(json!({"text": "x", "errorCorrection": "Z"})),
        "errorCorrection",
    );
    assert_invalid(&qr(json!({"text": "x", "foreground": "#12"})), "foreground");
    assert_invalid(
        &qr(json!({"text": "x", "background": "blue"})),
        "background",
    );
    // 2000 bytes at level H do not fit in any QR version.
    assert_invalid(
        &qr(json!({"text": "x".repeat(2000), "errorCorrection": "H"})),
        "text",
    );
    // A file is not taken.
    let r = lathe.run_tool(
        "image",
        "qr-generate",
        "a.png",
        solid(8, 8, [0, 0, 0]),
        r#"{"text":"x"}"#,
    );
    assert!((400..500).contains(&r.status), "file: {}", r.status);
    lathe.assert_healthy();
}
