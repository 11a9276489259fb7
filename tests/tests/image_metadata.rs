//! End-to-end tests of optimize-for-web (and `/preview`), edit-metadata (and `/inspect`),
//! strip-metadata `/inspect` and gif-tools `/info`, through the HTTP API of one shared host.

use std::io::Cursor;

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, DynamicImage, Frame, GenericImageView, ImageFormat, Rgba};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared, Reply, Value};

fn run(tool: &str, name: &str, data: Vec<u8>, settings: &str) -> (Value, Vec<u8>) {
    shared().run_and_download("image", tool, &[("file", name, data)], settings)
}

/// Calls a tool's sub-route with one file.
fn operation(tool: &str, op: &str, name: &str, data: Vec<u8>, settings: &str) -> Reply {
    let lathe = shared();
    let token = lathe.admin_token();
    lathe.post_multipart(
        &format!("/api/v1/tools/image/{tool}/{op}"),
        Some(&token),
        &[("file", name, data)],
        Some(settings),
    )
}

/// Calls a JSON sub-route and returns its body.
fn operation_json(tool: &str, op: &str, name: &str, data: Vec<u8>) -> Value {
    let r = operation(tool, op, name, data, "{}");
    assert_eq!(
        r.status,
        200,
        "{tool}/{op}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

fn wrong_type() -> (&'static str, Vec<u8>) {
    ("notes.txt", b"just some text, not an image".to_vec())
}

fn garbage() -> Vec<u8> {
    (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect()
}

/// A photo-like PNG: the test pattern with sensor-like noise, so it does not compress
/// unrealistically well.
fn photo_png(width: u32, height: u32) -> Vec<u8> {
    let mut img = fixtures::pattern_rgb(width, height);
    let mut seed = 0x2545_F491u32;
    for px in img.pixels_mut() {
        for c in px.0.iter_mut() {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *c = c.saturating_add((seed >> 28) as u8);
        }
    }
    fixtures::encode(&DynamicImage::ImageRgb8(img), ImageFormat::Png)
}

/// A PNG of the test pattern.
fn pattern_png(width: u32, height: u32) -> Vec<u8> {
    fixtures::encode(
        &DynamicImage::ImageRgb8(fixtures::pattern_rgb(width, height)),
        ImageFormat::Png,
    )
}

fn exif_of(bytes: &[u8]) -> exif::Exif {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .expect("result has readable EXIF")
}

fn exif_text(e: &exif::Exif, tag: exif::Tag) -> Option<String> {
    match &e.get_field(tag, exif::In::PRIMARY)?.value {
        exif::Value::Ascii(parts) => Some(String::from_utf8_lossy(parts.first()?).to_string()),
        _ => None,
    }
}

/// Decimal degrees of a GPS coordinate as kamadak-exif reads it.
fn exif_degrees(e: &exif::Exif, tag: exif::Tag, reference: exif::Tag) -> f64 {
    let exif::Value::Rational(v) = &e.get_field(tag, exif::In::PRIMARY).unwrap().value else {
        panic!("{tag} is not rational");
    };
    let deg = v[0].to_f64() + v[1].to_f64() / 60.0 + v[2].to_f64() / 3600.0;
    match exif_text(e, reference).as_deref() {
        Some("S") | Some("W") => -deg,
        _ => deg,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Asserts two images decode to the same pixels.
fn same_pixels(a: &[u8], b: &[u8]) {
    let (a, b) = (fixtures::decode(a), fixtures::decode(b));
    assert_eq!(a.dimensions(), b.dimensions());
    assert!(
        a.to_rgba8().as_raw() == b.to_rgba8().as_raw(),
        "pixels changed"
    );
}

// ---------------------------------------------------------------------------------------
// optimize-for-web

#[test]
fn optimize_for_web_defaults_to_webp_fits_max_width_and_shrinks_png() {
    let src = photo_png(400, 300);
    let (body, bytes) = run(
        "optimize-for-web",
        "photo.png",
        src.clone(),
        r#"{"maxWidth":200}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::WebP);
    assert_eq!(body["filename"], "photo.webp");
    let img = fixtures::decode(&bytes);
    assert_eq!(img.dimensions(), (200, 150));
    assert!(bytes.len() < src.len(), "{} >= {}", bytes.len(), src.len());
    // A limit larger than the image never enlarges it.
    let (_, bytes) = run(
        "optimize-for-web",
        "photo.png",
        src,
        r#"{"maxWidth":1000,"maxHeight":1000}"#,
    );
    assert_eq!(fixtures::decode(&bytes).dimensions(), (400, 300));
}

/// The WebP bitstream chunk of a RIFF WebP file: `VP8 ` (lossy) or `VP8L` (lossless),
/// found by walking the container's chunks (an extended file starts with `VP8X`).
fn webp_bitstream(bytes: &[u8]) -> String {
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WEBP");
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let fourcc = &bytes[at..at + 4];
        if fourcc == b"VP8 " || fourcc == b"VP8L" {
            return String::from_utf8_lossy(fourcc).into_owned();
        }
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        at += 8 + size + (size & 1);
    }
    panic!("no VP8/VP8L chunk");
}

#[test]
fn optimize_for_web_webp_is_lossy_at_quality_and_lossless_at_100() {
    // seed 001: quality 1..100 = 80 applies to WebP (sharp writes lossy WebP).
    let src = photo_png(320, 200);
    let (body, bytes) = run("optimize-for-web", "photo.png", src.clone(), "{}");
    assert_eq!(webp_bitstream(&bytes), "VP8 ", "default WebP must be lossy");
    assert_eq!(body["lossless"], false, "{body}");
    assert_eq!(body["quality"], 80, "{body}");
    let read = lathe_tests::pillow::pillow_read(&bytes);
    assert_eq!(
        (read["format"].as_str(), read["width"].as_u64()),
        (Some("WEBP"), Some(320))
    );
    let (low_body, low) = run(
        "optimize-for-web",
        "photo.png",
        src.clone(),
        r#"{"quality":20}"#,
    );
    assert_eq!(low_body["quality"], 20);
    assert!(
        low.len() < bytes.len(),
        "quality 20: {} >= {}",
        low.len(),
        bytes.len()
    );
    let (body, exact) = run(
        "optimize-for-web",
        "photo.png",
        src.clone(),
        r#"{"quality":100}"#,
    );
    assert_eq!(
        webp_bitstream(&exact),
        "VP8L",
        "quality 100 must be lossless"
    );
    assert_eq!(body["lossless"], true, "{body}");
    assert!(body["quality"].is_null(), "{body}");
    let original = fixtures::decode(&src).to_rgb8();
    assert_eq!(
        fixtures::decode(&exact).to_rgb8().as_raw(),
        original.as_raw(),
        "lossless WebP keeps every pixel"
    );
}

#[test]
fn optimize_for_web_jpeg_is_progressive_and_fits_max_height() {
    let (_, bytes) = run(
        "optimize-for-web",
        "big.jpg",
        fixtures::jpeg(320, 240),
        r#"{"format":"jpeg","quality":70,"maxHeight":120}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    assert_eq!(fixtures::decode(&bytes).dimensions(), (160, 120));
    // SOF2 marks a progressive JPEG.
    assert!(contains(&bytes, &[0xFF, 0xC2]), "not progressive");
    let (_, bytes) = run(
        "optimize-for-web",
        "big.jpg",
        fixtures::jpeg(320, 240),
        r#"{"format":"jpg","progressive":false}"#,
    );
    assert!(!contains(&bytes, &[0xFF, 0xC2]), "progressive although off");
    assert_eq!(fixtures::decode(&bytes).dimensions(), (320, 240));
}

#[test]
fn optimize_for_web_preview_returns_the_image() {
    let src = photo_png(300, 200);
    let r = operation(
        "optimize-for-web",
        "preview",
        "p.png",
        src.clone(),
        r#"{"maxWidth":150}"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.header("x-original-size"),
        Some(src.len().to_string().as_str())
    );
    assert_eq!(
        r.header("x-processed-size"),
        Some(r.body.len().to_string().as_str())
    );
    assert_eq!(r.header("x-width"), Some("150"));
    assert!(
        r.content_type.starts_with("image/webp"),
        "{}",
        r.content_type
    );
    assert_eq!(fixtures::format_of(&r.body), ImageFormat::WebP);
    assert_eq!(fixtures::decode(&r.body).dimensions(), (150, 100));
    assert!(r.body.len() < src.len());
}

#[test]
fn optimize_for_web_rejects_bad_input() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "optimize-for-web",
        "a.png",
        pattern_png(20, 20),
        wrong_type(),
    );
    for (settings, needle) in [
        (r#"{"format":"jxl"}"#, "webp, jpeg, png, avif"),
        (r#"{"format":"avif","speed":11}"#, "speed"),
        (r#"{"format":"bmp"}"#, "format"),
        (r#"{"quality":0}"#, "quality"),
        (r#"{"maxWidth":0}"#, "maxWidth"),
    ] {
        let r = shared().run_tool(
            "image",
            "optimize-for-web",
            "a.png",
            pattern_png(20, 20),
            settings,
        );
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{settings}");
        let msg = r.json()["error"].as_str().unwrap().to_string();
        assert!(msg.contains(needle), "{settings}: {msg}");
    }
    let r = operation("optimize-for-web", "preview", "g.png", garbage(), "{}");
    r.assert_client_error(400);
    let r = operation(
        "optimize-for-web",
        "preview",
        "a.png",
        pattern_png(20, 20),
        r#"{"format":"jxl"}"#,
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
}

// ---------------------------------------------------------------------------------------
// edit-metadata

const EDIT: &str = r#"{
    "artist": "Ada Lovelace",
    "copyright": "(c) 2024 Ada",
    "imageDescription": "A test pattern",
    "dateTimeOriginal": "2024-05-17T14:30:00",
    "gpsLatitude": 47.0707,
    "gpsLongitude": -15.4395,
    "gpsAltitude": 353.5,
    "keywords": ["alps", "river"],
    "title": "Pattern",
    "iptcCity": "Graz",
    "iptcCountry": "Austria"
}"#;

#[test]
fn edit_metadata_writes_exif_gps_and_keywords_on_jpeg_without_touching_pixels() {
    let src = fixtures::jpeg(64, 48);
    let (body, bytes) = run("edit-metadata", "photo.jpg", src.clone(), EDIT);
    assert_eq!(body["filename"], "photo.jpg");
    same_pixels(&src, &bytes);
    let e = exif_of(&bytes);
    assert_eq!(
        exif_text(&e, exif::Tag::Artist).as_deref(),
        Some("Ada Lovelace")
    );
    assert_eq!(
        exif_text(&e, exif::Tag::Copyright).as_deref(),
        Some("(c) 2024 Ada")
    );
    assert_eq!(
        exif_text(&e, exif::Tag::DateTimeOriginal).as_deref(),
        Some("2024:05:17 14:30:00")
    );
    let lat = exif_degrees(&e, exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef);
    let lon = exif_degrees(&e, exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef);
    assert!((lat - 47.0707).abs() < 1e-5, "{lat}");
    assert!((lon + 15.4395).abs() < 1e-5, "{lon}");
    // Keywords and IPTC-style fields are in the XMP packet.
    assert!(contains(&bytes, b"http://ns.adobe.com/xap/1.0/\0"));
    assert!(contains(&bytes, b"<rdf:li>alps</rdf:li>"));
    assert!(contains(&bytes, b"<photoshop:City>Graz</photoshop:City>"));

    // inspect reads all of it back.
    let v = operation_json("edit-metadata", "inspect", "photo.jpg", bytes.clone());
    assert_eq!(v["format"], "jpeg");
    assert_eq!(v["exif"]["image"]["Artist"], "Ada Lovelace");
    assert_eq!(v["exif"]["image"]["Copyright"], "(c) 2024 Ada");
    assert!((v["gps"]["latitude"].as_f64().unwrap() - 47.0707).abs() < 1e-5);
    assert!((v["gps"]["longitude"].as_f64().unwrap() + 15.4395).abs() < 1e-5);
    assert!((v["gps"]["altitude"].as_f64().unwrap() - 353.5).abs() < 1e-6);
    assert_eq!(v["xmp"]["dc:subject"], serde_json::json!(["alps", "river"]));
    assert_eq!(v["xmp"]["dc:title"], "Pattern");
    assert_eq!(v["xmp"]["dc:creator"], serde_json::json!(["Ada Lovelace"]));
    assert_eq!(v["xmp"]["photoshop:City"], "Graz");
    assert_eq!(v["xmp"]["photoshop:Country"], "Austria");

    // Adding keywords keeps the old ones; clearGps drops GPS and keeps the rest.
    let (_, again) = run(
        "edit-metadata",
        "photo.jpg",
        bytes,
        r#"{"keywords":["lake","alps"],"clearGps":true,"dateShift":"+1:30"}"#,
    );
    same_pixels(&src, &again);
    let e = exif_of(&again);
    assert!(e
        .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
        .is_none());
    assert_eq!(
        exif_text(&e, exif::Tag::Artist).as_deref(),
        Some("Ada Lovelace")
    );
    assert_eq!(
        exif_text(&e, exif::Tag::DateTimeOriginal).as_deref(),
        Some("2024:05:17 16:00:00")
    );
    let v = operation_json("edit-metadata", "inspect", "photo.jpg", again);
    assert_eq!(
        v["xmp"]["dc:subject"],
        serde_json::json!(["alps", "river", "lake"])
    );
    assert_eq!(v["xmp"]["photoshop:City"], "Graz");
    assert!(v["gps"].is_null(), "{}", v["gps"]);
}

#[test]
fn edit_metadata_png_and_webp_keep_pixels() {
    let png = fixtures::png_rgba(40, 30);
    let (_, bytes) = run(
        "edit-metadata",
        "a.png",
        png.clone(),
        r#"{"author":"Bob","keywords":"one, two","keywordsMode":"set"}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    same_pixels(&png, &bytes);
    assert_eq!(
        exif_text(&exif_of(&bytes), exif::Tag::Artist).as_deref(),
        Some("Bob")
    );
    let (_, bytes) = run(
        "edit-metadata",
        "a.png",
        bytes,
        r#"{"keywords":["three"],"keywordsMode":"set","fieldsToRemove":["Artist"]}"#,
    );
    same_pixels(&png, &bytes);
    let v = operation_json("edit-metadata", "inspect", "a.png", bytes);
    assert_eq!(v["format"], "png");
    assert_eq!(v["xmp"]["dc:subject"], serde_json::json!(["three"]));
    assert!(v["exif"]["image"].get("Artist").is_none(), "{}", v["exif"]);

    let webp = fixtures::encode(
        &DynamicImage::ImageRgb8(fixtures::pattern_rgb(32, 32)),
        ImageFormat::WebP,
    );
    let (_, bytes) = run(
        "edit-metadata",
        "w.webp",
        webp.clone(),
        r#"{"copyright":"CC0","gpsLatitude":-33.86,"gpsLongitude":151.21}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::WebP);
    same_pixels(&webp, &bytes);
    let e = exif_of(&bytes);
    assert_eq!(exif_text(&e, exif::Tag::Copyright).as_deref(), Some("CC0"));
    let lat = exif_degrees(&e, exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef);
    assert!((lat + 33.86).abs() < 1e-5, "{lat}");
}

#[test]
fn edit_metadata_rejects_bad_input() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "edit-metadata",
        "a.jpg",
        fixtures::jpeg(16, 16),
        wrong_type(),
    );
    for settings in [
        r#"{"gpsLatitude":95,"gpsLongitude":0}"#,
        r#"{"gpsLatitude":10}"#,
        r#"{"dateTime":"yesterday"}"#,
        r#"{"dateShift":"soon"}"#,
        r#"{"keywords":["a"],"keywordsMode":"replace"}"#,
        r#"{}"#,
    ] {
        let r = shared().run_tool(
            "image",
            "edit-metadata",
            "a.jpg",
            fixtures::jpeg(16, 16),
            settings,
        );
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{settings}");
    }
    // A BMP cannot be edited without re-encoding.
    let bmp = fixtures::encode(
        &DynamicImage::ImageRgb8(fixtures::pattern_rgb(8, 8)),
        ImageFormat::Bmp,
    );
    let r = shared().run_tool("image", "edit-metadata", "a.bmp", bmp, r#"{"artist":"x"}"#);
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    let r = operation("edit-metadata", "inspect", "g.jpg", garbage(), "{}");
    r.assert_client_error(400);
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// strip-metadata /inspect

/// A big-endian EXIF block: IFD0 with Artist, and a GPS IFD with latitude 10°30' N.
fn exif_with_gps() -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"MM\0\x2a");
    t.extend_from_slice(&8u32.to_be_bytes());
    // IFD0 at 8: 2 entries (Artist, GPS pointer), ends at 38; Artist text at 38 (8 bytes).
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&0x013Bu16.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&8u32.to_be_bytes());
    t.extend_from_slice(&38u32.to_be_bytes());
    t.extend_from_slice(&0x8825u16.to_be_bytes());
    t.extend_from_slice(&4u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&46u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(b"Someone\0");
    assert_eq!(t.len(), 46);
    // GPS IFD at 46: LatitudeRef "N", Latitude (3 rationals at 76); ends at 76.
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&0x0001u16.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&2u32.to_be_bytes());
    t.extend_from_slice(b"N\0\0\0");
    t.extend_from_slice(&0x0002u16.to_be_bytes());
    t.extend_from_slice(&5u16.to_be_bytes());
    t.extend_from_slice(&3u32.to_be_bytes());
    t.extend_from_slice(&76u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len(), 76);
    for (n, d) in [(10u32, 1u32), (30, 1), (0, 1)] {
        t.extend_from_slice(&n.to_be_bytes());
        t.extend_from_slice(&d.to_be_bytes());
    }
    t
}

/// A JPEG with an EXIF (with GPS) APP1 and a comment.
fn jpeg_with_gps() -> Vec<u8> {
    let jpeg = fixtures::jpeg(32, 24);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&exif_with_gps());
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    let comment = b"made by a test";
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(comment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn strip_metadata_inspect_reports_gps_and_blocks() {
    let v = operation_json("strip-metadata", "inspect", "gps.jpg", jpeg_with_gps());
    assert_eq!(v["format"], "jpeg");
    let present: Vec<&str> = v["present"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(present.contains(&"exif"), "{v}");
    assert!(present.contains(&"gps"), "{v}");
    assert!(present.contains(&"comments"), "{v}");
    assert!(
        !present.contains(&"icc") && !present.contains(&"xmp"),
        "{v}"
    );
    assert_eq!(v["gps"]["present"], true);
    assert!((v["gps"]["latitude"].as_f64().unwrap() - 10.5).abs() < 1e-9);
    assert_eq!(v["exif"]["present"], true);
    assert_eq!(v["exif"]["size"], exif_with_gps().len());
    assert_eq!(v["exif"]["fields"]["image"]["Artist"], "Someone");
    assert_eq!(
        v["comments"]["items"],
        serde_json::json!(["made by a test"])
    );

    // After stripping, inspect finds nothing.
    let (_, stripped) = run("strip-metadata", "gps.jpg", jpeg_with_gps(), "{}");
    let v = operation_json("strip-metadata", "inspect", "s.jpg", stripped);
    assert_eq!(v["present"], serde_json::json!([]), "{v}");
    assert_eq!(v["gps"]["present"], false);
}

#[test]
fn strip_metadata_inspect_rejects_bad_input() {
    let r = operation("strip-metadata", "inspect", "g.jpg", garbage(), "{}");
    r.assert_client_error(400);
    let r = operation(
        "strip-metadata",
        "inspect",
        "notes.txt",
        wrong_type().1,
        "{}",
    );
    r.assert_client_error(400);
    let r = operation(
        "strip-metadata",
        "inspect",
        "a.jpg",
        fixtures::jpeg(8, 8),
        "{not json",
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// gif-tools /info

/// A 4-frame 30x20 GIF with delays 100, 200, 300 and 50 ms.
fn timed_gif(repeat: Repeat) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut out);
        enc.set_repeat(repeat).unwrap();
        for (i, ms) in [100u32, 200, 300, 50].into_iter().enumerate() {
            let c = (i as u8) * 60;
            let buf = image::RgbaImage::from_pixel(30, 20, Rgba([c, 255 - c, 0, 255]));
            enc.encode_frame(Frame::from_parts(
                buf,
                0,
                0,
                Delay::from_numer_denom_ms(ms, 1),
            ))
            .unwrap();
        }
    }
    out
}

#[test]
fn gif_info_reports_frames_delays_and_loops() {
    let v = operation_json("gif-tools", "info", "t.gif", timed_gif(Repeat::Finite(3)));
    assert_eq!(v["frames"], 4);
    assert_eq!(v["width"], 30);
    assert_eq!(v["height"], 20);
    assert_eq!(v["delays"], serde_json::json!([100, 200, 300, 50]));
    assert_eq!(v["durationMs"], 650);
    assert_eq!(v["loop"], 3);
    assert_eq!(v["loopsForever"], false);
    let v = operation_json("gif-tools", "info", "t.gif", timed_gif(Repeat::Infinite));
    assert_eq!(v["loop"], 0);
    assert_eq!(v["loopsForever"], true);
    // The main route still works as before.
    let (_, bytes) = run(
        "gif-tools",
        "t.gif",
        timed_gif(Repeat::Infinite),
        r#"{"mode":"reverse"}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Gif);
}

#[test]
fn gif_info_rejects_bad_input() {
    let r = operation("gif-tools", "info", "g.gif", garbage(), "{}");
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    let r = operation("gif-tools", "info", "a.png", pattern_png(8, 8), "{}");
    r.assert_client_error(400);
    let mut cut = timed_gif(Repeat::Infinite);
    cut.truncate(40);
    let r = operation("gif-tools", "info", "cut.gif", cut, "{}");
    r.assert_client_error(400);
    shared().assert_healthy();
}
