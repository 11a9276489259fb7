//! End-to-end tests of the image tools crop, rotate, convert, compress and info, through
//! the HTTP API of one shared host.

use image::{DynamicImage, GenericImageView, ImageFormat, Rgba};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared, Value};

/// A PNG of the RGB test pattern (lossless, so pixels can be compared exactly).
fn pattern_png(width: u32, height: u32) -> Vec<u8> {
    fixtures::encode(
        &DynamicImage::ImageRgb8(fixtures::pattern_rgb(width, height)),
        ImageFormat::Png,
    )
}

/// A minimal big-endian EXIF block (TIFF header + IFD0) with Make = "Lathe" and an
/// orientation.
fn exif_tiff(orientation: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"MM\0\x2a");
    t.extend_from_slice(&8u32.to_be_bytes()); // IFD0 offset
    t.extend_from_slice(&2u16.to_be_bytes()); // two entries
                                              // Make (0x010F), ASCII, 6 bytes at offset 38 (8 + 2 + 2 * 12 + 4).
    t.extend_from_slice(&0x010Fu16.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&6u32.to_be_bytes());
    t.extend_from_slice(&38u32.to_be_bytes());
    // Orientation (0x0112), SHORT, 1 value stored inline.
    t.extend_from_slice(&0x0112u16.to_be_bytes());
    t.extend_from_slice(&3u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    assert_eq!(t.len(), 38);
    t.extend_from_slice(b"Lathe\0");
    t
}

/// A JPEG of the test pattern stored `width` × `height` with an EXIF APP1 segment giving
/// `orientation` (inserted right after SOI).
fn jpeg_with_orientation(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let jpeg = fixtures::jpeg(width, height);
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&exif_tiff(orientation));
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A PNG of pseudo-random RGB noise (incompressible losslessly).
fn noise_png(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_F491u32;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        };
        image::Rgb([next(), next(), next()])
    });
    fixtures::encode(&DynamicImage::ImageRgb8(img), ImageFormat::Png)
}

/// CRC-32 (IEEE) as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Inserts a pHYs chunk (pixels per metre, unit = metre) right after a PNG's IHDR.
fn png_with_phys(png: &[u8], pixels_per_metre: u32) -> Vec<u8> {
    let ihdr_end = 8 + 8 + 13 + 4;
    assert_eq!(&png[12..16], b"IHDR");
    let mut chunk = b"pHYs".to_vec();
    chunk.extend_from_slice(&pixels_per_metre.to_be_bytes());
    chunk.extend_from_slice(&pixels_per_metre.to_be_bytes());
    chunk.push(1);
    let mut out = png[..ihdr_end].to_vec();
    out.extend_from_slice(&9u32.to_be_bytes());
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

/// A JPEG of the test pattern whose JFIF header says `dpi`.
fn jpeg_with_dpi(width: u32, height: u32, dpi: u16) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 85);
    encoder.set_pixel_density(PixelDensity::dpi(dpi));
    DynamicImage::ImageRgb8(fixtures::pattern_rgb(width, height))
        .write_with_encoder(encoder)
        .unwrap();
    out
}

fn run(tool: &str, name: &str, data: Vec<u8>, settings: &str) -> (Value, Vec<u8>) {
    shared().run_and_download("image", tool, &[("file", name, data)], settings)
}

/// Runs a tool expecting a 400 INVALID_SETTINGS; returns the error message.
fn invalid(tool: &str, name: &str, data: Vec<u8>, settings: &str) -> String {
    let r = shared().run_tool("image", tool, name, data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
    r.json()["error"].as_str().unwrap().to_string()
}

fn wrong_type() -> (&'static str, Vec<u8>) {
    ("notes.txt", b"just some text, not an image".to_vec())
}

fn close(a: Rgba<u8>, b: Rgba<u8>, tolerance: i32) -> bool {
    a.0.iter()
        .zip(b.0.iter())
        .all(|(x, y)| (*x as i32 - *y as i32).abs() <= tolerance)
}

// ---------------------------------------------------------------------------------------
// crop

#[test]
fn crop_pixels_cuts_the_right_region() {
    let src = DynamicImage::ImageRgb8(fixtures::pattern_rgb(120, 80));
    let (body, bytes) = run(
        "crop",
        "pattern.png",
        pattern_png(120, 80),
        r#"{"left":30,"top":20,"width":50,"height":40}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    assert_eq!(body["filename"], "pattern.png");
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (50, 40));
    for (x, y) in [(0, 0), (10, 5), (49, 39), (25, 17)] {
        assert_eq!(
            out.get_pixel(x, y),
            src.get_pixel(30 + x, 20 + y),
            "pixel ({x},{y})"
        );
    }
}

#[test]
fn crop_percent_and_jpeg_keeps_format() {
    let (_, bytes) = run(
        "crop",
        "photo.jpg",
        fixtures::jpeg(200, 100),
        r#"{"left":50,"top":25,"width":50,"height":50,"unit":"percent"}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    assert_eq!(fixtures::decode(&bytes).dimensions(), (100, 50));
}

#[test]
fn crop_uses_upright_dimensions_of_exif_rotated_jpeg() {
    // Stored 64x48 with orientation 6: upright it is 48x64, so a 48x64 box fits exactly.
    let (_, bytes) = run(
        "crop",
        "portrait.jpg",
        jpeg_with_orientation(64, 48, 6),
        r#"{"width":48,"height":64}"#,
    );
    assert_eq!(fixtures::decode(&bytes).dimensions(), (48, 64));
}

#[test]
fn crop_rejects_boxes_outside_the_image_and_bad_values() {
    let png = pattern_png(120, 80);
    let msg = invalid(
        "crop",
        "p.png",
        png.clone(),
        r#"{"left":100,"top":0,"width":50,"height":40}"#,
    );
    assert!(msg.contains("not inside"), "{msg}");
    invalid(
        "crop",
        "p.png",
        png.clone(),
        r#"{"left":0,"top":0,"width":120,"height":81}"#,
    );
    invalid(
        "crop",
        "p.png",
        png.clone(),
        r#"{"left":60,"top":0,"width":50,"height":50,"unit":"percent"}"#,
    );
    invalid(
        "crop",
        "p.png",
        png.clone(),
        r#"{"left":-1,"top":0,"width":10,"height":10}"#,
    );
    invalid(
        "crop",
        "p.png",
        png.clone(),
        r#"{"left":0,"top":0,"width":0,"height":10}"#,
    );
    invalid("crop", "p.png", png.clone(), r#"{"width":10}"#);
    invalid(
        "crop",
        "p.png",
        png.clone(),
        r#"{"width":10,"height":10,"unit":"inch"}"#,
    );
    assert_rejects_bad_input(shared(), "image", "crop", "p.png", png, wrong_type());
}

// ---------------------------------------------------------------------------------------
// rotate

#[test]
fn rotate_90_swaps_dimensions_and_moves_corners_clockwise() {
    let src = DynamicImage::ImageRgb8(fixtures::pattern_rgb(60, 40));
    let (body, bytes) = run("rotate", "p.png", pattern_png(60, 40), r#"{"angle":90}"#);
    assert_eq!(body["width"], 40);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (40, 60));
    // Clockwise: source (x, y) lands at (H - 1 - y, x).
    assert_eq!(
        out.get_pixel(39, 0),
        src.get_pixel(0, 0),
        "top-left goes to top-right"
    );
    assert_eq!(
        out.get_pixel(0, 0),
        src.get_pixel(0, 39),
        "bottom-left goes to top-left"
    );
    assert_eq!(
        out.get_pixel(0, 59),
        src.get_pixel(59, 39),
        "bottom-right goes to bottom-left"
    );
    assert_eq!(out.get_pixel(39 - 7, 13), src.get_pixel(13, 7));
}

#[test]
fn rotate_negative_90_is_270_and_180_is_exact() {
    let src = DynamicImage::ImageRgb8(fixtures::pattern_rgb(60, 40));
    let (_, bytes) = run("rotate", "p.png", pattern_png(60, 40), r#"{"angle":-90}"#);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (40, 60));
    assert_eq!(
        out.get_pixel(0, 0),
        src.get_pixel(59, 0),
        "top-right goes to top-left"
    );
    let (_, bytes) = run("rotate", "p.png", pattern_png(60, 40), r#"{"angle":540}"#);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (60, 40));
    assert_eq!(out.get_pixel(0, 0), src.get_pixel(59, 39));
    assert_eq!(out.get_pixel(10, 3), src.get_pixel(49, 36));
}

#[test]
fn rotate_mirrors_and_aliases() {
    let src = DynamicImage::ImageRgb8(fixtures::pattern_rgb(60, 40));
    for settings in [r#"{"horizontal":true}"#, r#"{"flipH":true}"#] {
        let (_, bytes) = run("rotate", "p.png", pattern_png(60, 40), settings);
        let out = fixtures::decode(&bytes);
        assert_eq!(out.dimensions(), (60, 40));
        assert_eq!(out.get_pixel(0, 0), src.get_pixel(59, 0), "{settings}");
        assert_eq!(out.get_pixel(5, 30), src.get_pixel(54, 30), "{settings}");
    }
    for settings in [r#"{"vertical":true}"#, r#"{"flipV":true}"#] {
        let (_, bytes) = run("rotate", "p.png", pattern_png(60, 40), settings);
        let out = fixtures::decode(&bytes);
        assert_eq!(out.get_pixel(0, 0), src.get_pixel(0, 39), "{settings}");
        assert_eq!(out.get_pixel(5, 30), src.get_pixel(5, 9), "{settings}");
    }
}

#[test]
fn rotate_any_angle_enlarges_canvas_with_transparent_or_white_corners() {
    // PNG: transparent corners, opaque centre that matches the source centre.
    let src = DynamicImage::ImageRgb8(fixtures::pattern_rgb(60, 40));
    let (_, bytes) = run("rotate", "p.png", pattern_png(60, 40), r#"{"angle":45}"#);
    let out = fixtures::decode(&bytes);
    let (w, h) = out.dimensions();
    // (60 + 40) / sqrt(2) = 70.7
    assert!((70..=72).contains(&w) && (70..=72).contains(&h), "{w}x{h}");
    assert_eq!(out.get_pixel(0, 0)[3], 0, "corner is transparent");
    assert_eq!(out.get_pixel(w - 1, h - 1)[3], 0, "corner is transparent");
    let centre = out.get_pixel(w / 2, h / 2);
    assert_eq!(centre[3], 255);
    assert!(
        close(centre, src.get_pixel(30, 20), 12) || close(centre, src.get_pixel(29, 19), 12),
        "{centre:?}"
    );
    // JPEG: no alpha, corners white.
    let (_, bytes) = run(
        "rotate",
        "photo.jpg",
        fixtures::jpeg(60, 40),
        r#"{"angle":30}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    let out = fixtures::decode(&bytes);
    assert!(
        out.width() > 60 && out.height() > 40,
        "{:?}",
        out.dimensions()
    );
    assert!(
        close(out.get_pixel(0, 0), Rgba([255, 255, 255, 255]), 8),
        "{:?}",
        out.get_pixel(0, 0)
    );
}

#[test]
fn rotate_rejects_bad_settings_and_input() {
    let png = pattern_png(30, 20);
    invalid("rotate", "p.png", png.clone(), r#"{"angle":"ninety"}"#);
    invalid("rotate", "p.png", png.clone(), r#"{"horizontal":"yes"}"#);
    assert_rejects_bad_input(shared(), "image", "rotate", "p.png", png, wrong_type());
}

// ---------------------------------------------------------------------------------------
// convert

#[test]
fn convert_to_every_format() {
    let cases = [
        ("jpg", ImageFormat::Jpeg),
        ("jpeg", ImageFormat::Jpeg),
        ("png", ImageFormat::Png),
        ("webp", ImageFormat::WebP),
        ("gif", ImageFormat::Gif),
        ("tiff", ImageFormat::Tiff),
        ("bmp", ImageFormat::Bmp),
    ];
    for (name, format) in cases {
        let (body, bytes) = run(
            "convert",
            "pic.png",
            fixtures::png_rgba(40, 30),
            &format!(r#"{{"format":"{name}"}}"#),
        );
        assert_eq!(fixtures::format_of(&bytes), format, "{name}");
        let ext = format.extensions_str()[0];
        let filename = body["filename"].as_str().unwrap();
        assert!(filename.starts_with("pic."), "{filename}");
        assert_eq!(fixtures::decode(&bytes).dimensions(), (40, 30), "{name}");
        if format != ImageFormat::Jpeg {
            assert!(
                filename.ends_with(ext)
                    || (format == ImageFormat::Tiff && filename.ends_with("tiff")),
                "{filename}"
            );
        }
    }
}

/// WebP honours `quality`: lossy (a VP8 stream) below 100, smaller at lower quality and
/// close to the source; 100 is lossless (VP8L) and exact.
#[test]
fn convert_to_webp_honours_quality() {
    let src = noise_free_photo(320, 240);
    let mut sizes = Vec::new();
    for quality in [30, 90] {
        let (_, bytes) = run(
            "convert",
            "pic.png",
            src.clone(),
            &format!(r#"{{"format":"webp","quality":{quality}}}"#),
        );
        assert_eq!(&bytes[12..16], b"VP8 ", "lossy WebP at {quality}");
        let out = fixtures::decode(&bytes).to_rgb8();
        let orig = fixtures::decode(&src).to_rgb8();
        assert_eq!(out.dimensions(), (320, 240));
        let diff: f64 = out
            .pixels()
            .zip(orig.pixels())
            .map(|(a, b)| {
                (0..3)
                    .map(|c| (a[c] as f64 - b[c] as f64).abs())
                    .sum::<f64>()
            })
            .sum::<f64>()
            / (320.0 * 240.0 * 3.0);
        assert!(diff < 12.0, "mean error {diff} at {quality}");
        sizes.push(bytes.len());
    }
    assert!(sizes[0] < sizes[1], "quality 30 is smaller: {sizes:?}");
    let (_, bytes) = run(
        "convert",
        "pic.png",
        src.clone(),
        r#"{"format":"webp","quality":100}"#,
    );
    assert_eq!(&bytes[12..16], b"VP8L", "quality 100 is lossless");
    assert_eq!(
        fixtures::decode(&bytes).to_rgb8(),
        fixtures::decode(&src).to_rgb8()
    );
}

/// A smooth RGB gradient with soft detail as PNG (a photo-like source for lossy codecs).
fn noise_free_photo(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let wave = ((x as f64 / 9.0).sin() * 40.0 + (y as f64 / 13.0).cos() * 40.0) as i32;
        image::Rgb([
            (x * 255 / w) as u8,
            (128 + wave).clamp(0, 255) as u8,
            (y * 255 / h) as u8,
        ])
    });
    fixtures::encode(&image::DynamicImage::ImageRgb8(img), ImageFormat::Png)
}

#[test]
fn convert_keeps_alpha_or_flattens_on_white() {
    let (_, bytes) = run(
        "convert",
        "pic.png",
        fixtures::png_rgba(40, 30),
        r#"{"format":"png"}"#,
    );
    let out = fixtures::decode(&bytes);
    assert!(out.color().has_alpha());
    assert_eq!(out.get_pixel(35, 10)[3], 0, "transparent stays transparent");
    assert_eq!(out.get_pixel(5, 10), Rgba([255, 0, 0, 255]));
    let (_, bytes) = run(
        "convert",
        "pic.png",
        fixtures::png_rgba(40, 30),
        r#"{"format":"webp"}"#,
    );
    assert_eq!(
        fixtures::decode(&bytes).get_pixel(35, 10)[3],
        0,
        "webp keeps alpha"
    );
    let (body, bytes) = run(
        "convert",
        "pic.png",
        fixtures::png_rgba(40, 30),
        r#"{"format":"jpg","quality":95}"#,
    );
    assert_eq!(body["filename"], "pic.jpg");
    let out = fixtures::decode(&bytes);
    assert!(
        close(out.get_pixel(35, 10), Rgba([255, 255, 255, 255]), 6),
        "{:?}",
        out.get_pixel(35, 10)
    );
    assert!(
        close(out.get_pixel(5, 10), Rgba([255, 0, 0, 255]), 12),
        "{:?}",
        out.get_pixel(5, 10)
    );
}

#[test]
fn convert_jpeg_quality_changes_size() {
    let (_, low) = run(
        "convert",
        "p.png",
        pattern_png(300, 200),
        r#"{"format":"jpg","quality":20}"#,
    );
    let (_, high) = run(
        "convert",
        "p.png",
        pattern_png(300, 200),
        r#"{"format":"jpg","quality":95}"#,
    );
    assert!(low.len() < high.len(), "{} vs {}", low.len(), high.len());
}

#[test]
fn convert_rejects_unsupported_formats_and_bad_settings() {
    let png = pattern_png(30, 20);
    let msg = invalid("convert", "p.png", png.clone(), r#"{"format":"jxl"}"#);
    assert!(msg.contains("not supported"), "{msg}");
    invalid("convert", "p.png", png.clone(), r#"{}"#);
    invalid(
        "convert",
        "p.png",
        png.clone(),
        r#"{"format":"jpg","quality":0}"#,
    );
    invalid(
        "convert",
        "p.png",
        png.clone(),
        r#"{"format":"jpg","quality":101}"#,
    );
    assert_rejects_bad_input(shared(), "image", "convert", "p.png", png, wrong_type());
}

// ---------------------------------------------------------------------------------------
// compress

#[test]
fn compress_quality_mode_lower_quality_is_smaller() {
    let jpeg = fixtures::jpeg(400, 300);
    let (b30, q30) = run("compress", "photo.jpg", jpeg.clone(), r#"{"quality":30}"#);
    let (_, q90) = run("compress", "photo.jpg", jpeg, r#"{"quality":90}"#);
    assert_eq!(fixtures::format_of(&q30), ImageFormat::Jpeg);
    assert_eq!(fixtures::format_of(&q90), ImageFormat::Jpeg);
    assert_eq!(b30["quality"], 30);
    assert_eq!(fixtures::decode(&q30).dimensions(), (400, 300));
    assert!(
        q30.len() < q90.len(),
        "q30 {} vs q90 {}",
        q30.len(),
        q90.len()
    );
}

#[test]
fn compress_png_stays_png_and_lossless() {
    let input = fixtures::png_rgba(200, 100);
    let (body, bytes) = run("compress", "a.png", input.clone(), "{}");
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    assert!(
        bytes.len() <= input.len(),
        "{} > {}",
        bytes.len(),
        input.len()
    );
    assert_eq!(body["quality"], Value::Null);
    assert_eq!(
        fixtures::decode(&bytes).to_rgba8(),
        fixtures::decode(&input).to_rgba8(),
        "lossless"
    );
}

#[test]
fn compress_target_size_fits() {
    let jpeg = fixtures::jpeg(800, 600);
    for kb in [60u64, 20] {
        let (body, bytes) = run(
            "compress",
            "photo.jpg",
            jpeg.clone(),
            &format!(r#"{{"mode":"targetSize","targetSizeKb":{kb}}}"#),
        );
        assert!(
            bytes.len() as u64 <= kb * 1024,
            "{kb} KB target: got {} bytes",
            bytes.len()
        );
        assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
        let q = body["quality"].as_u64().unwrap();
        assert!((1..=95).contains(&q), "{body}");
        let out = fixtures::decode(&bytes);
        assert_eq!(
            (
                body["width"].as_u64().unwrap(),
                body["height"].as_u64().unwrap()
            ),
            (out.width() as u64, out.height() as u64)
        );
    }
}

#[test]
fn compress_target_size_downscales_when_quality_is_not_enough() {
    let jpeg = fixtures::jpeg(800, 600);
    let (body, bytes) = run(
        "compress",
        "photo.jpg",
        jpeg,
        r#"{"mode":"targetSize","targetSizeKb":3}"#,
    );
    assert!(bytes.len() <= 3 * 1024, "{} bytes", bytes.len());
    let out = fixtures::decode(&bytes);
    assert!(
        out.width() < 800 && out.height() < 600,
        "{:?}",
        out.dimensions()
    );
    assert_eq!(body["resized"], true);
    // The aspect ratio survives the downscale.
    let ratio = out.width() as f64 / out.height() as f64;
    assert!((ratio - 4.0 / 3.0).abs() < 0.05, "{ratio}");
}

#[test]
fn compress_target_size_png_stays_png_if_it_fits_else_becomes_jpeg() {
    // The smooth pattern compresses well losslessly: a generous target keeps PNG.
    let (body, bytes) = run(
        "compress",
        "p.png",
        pattern_png(200, 100),
        r#"{"mode":"targetSize","targetSizeKb":500}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png, "{body}");
    assert!(bytes.len() <= 500 * 1024);
    // Noise does not compress losslessly: the result must become a JPEG to fit.
    let png = noise_png(300, 200);
    assert!(png.len() > 100 * 1024, "noise PNG is {} bytes", png.len());
    let (body, bytes) = run(
        "compress",
        "n.png",
        png,
        r#"{"mode":"targetSize","targetSizeKb":40}"#,
    );
    assert!(bytes.len() <= 40 * 1024, "{} bytes", bytes.len());
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    assert_eq!(body["filename"], "n.jpg");
}

#[test]
fn compress_rejects_bad_settings_and_input() {
    let jpeg = fixtures::jpeg(64, 48);
    invalid(
        "compress",
        "a.jpg",
        jpeg.clone(),
        r#"{"mode":"targetSize"}"#,
    );
    invalid(
        "compress",
        "a.jpg",
        jpeg.clone(),
        r#"{"mode":"targetSize","targetSizeKb":0}"#,
    );
    invalid(
        "compress",
        "a.jpg",
        jpeg.clone(),
        r#"{"mode":"targetSize","targetSizeKb":-5}"#,
    );
    invalid("compress", "a.jpg", jpeg.clone(), r#"{"quality":0}"#);
    invalid("compress", "a.jpg", jpeg.clone(), r#"{"quality":101}"#);
    invalid("compress", "a.jpg", jpeg.clone(), r#"{"mode":"smallest"}"#);
    assert_rejects_bad_input(shared(), "image", "compress", "a.jpg", jpeg, wrong_type());
}

// ---------------------------------------------------------------------------------------
// info

fn info(name: &str, data: Vec<u8>) -> Value {
    let r = shared().run_tool("image", "info", name, data, "{}");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert!(
        body.get("downloadUrl").is_none(),
        "info makes no file: {body}"
    );
    body
}

#[test]
fn info_reports_png_facts() {
    let png = fixtures::png_rgba(50, 30);
    let body = info("a.png", png.clone());
    assert_eq!(body["width"], 50, "{body}");
    assert_eq!(body["height"], 30);
    assert_eq!(body["storedWidth"], 50);
    assert_eq!(body["format"], "png");
    assert_eq!(body["size"], png.len() as u64);
    assert_eq!(body["hasAlpha"], true);
    assert_eq!(body["channels"], 4);
    assert_eq!(body["bitDepth"], 8);
    assert_eq!(body["colorType"], "rgba");
    assert_eq!(body["orientation"], 1);
    assert_eq!(body["hasExif"], false);
    assert_eq!(body["hasIcc"], false);
    let rgb = info("b.png", pattern_png(17, 9));
    assert_eq!(
        (rgb["width"].as_u64(), rgb["height"].as_u64()),
        (Some(17), Some(9))
    );
    assert_eq!(rgb["hasAlpha"], false);
    assert_eq!(rgb["channels"], 3);
}

#[test]
fn info_reports_jpeg_and_exif_orientation() {
    let plain = info("a.jpg", fixtures::jpeg(64, 48));
    assert_eq!(plain["format"], "jpeg", "{plain}");
    assert_eq!(
        (plain["width"].as_u64(), plain["height"].as_u64()),
        (Some(64), Some(48))
    );
    assert_eq!(plain["hasAlpha"], false);
    assert_eq!(plain["orientation"], 1);

    let rotated = info("b.jpg", jpeg_with_orientation(64, 48, 6));
    assert_eq!(rotated["orientation"], 6, "{rotated}");
    assert_eq!(
        (rotated["width"].as_u64(), rotated["height"].as_u64()),
        (Some(48), Some(64)),
        "upright size"
    );
    assert_eq!(
        (
            rotated["storedWidth"].as_u64(),
            rotated["storedHeight"].as_u64()
        ),
        (Some(64), Some(48))
    );
    assert_eq!(rotated["hasExif"], true);
    assert_eq!(rotated["exif"]["Make"], "Lathe");
    assert_eq!(
        plain["dpi"],
        Value::Null,
        "the encoder wrote only an aspect ratio"
    );
}

#[test]
fn info_reads_dpi_from_jfif_and_phys() {
    let jpeg = info("c.jpg", jpeg_with_dpi(32, 16, 300));
    assert_eq!(jpeg["dpi"].as_f64(), Some(300.0), "{jpeg}");
    // 11811 px/m = 299.9994 dpi.
    let png = info("d.png", png_with_phys(&pattern_png(20, 10), 11811));
    assert_eq!(png["width"], 20, "{png}");
    assert_eq!(png["dpi"].as_f64(), Some(300.0), "{png}");
    let plain = info("e.png", pattern_png(20, 10));
    assert_eq!(plain["dpi"], Value::Null);
}

#[test]
fn info_rejects_bad_input() {
    let r = shared().run_tool("image", "info", "a.png", pattern_png(10, 10), "[1,2]");
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    assert_rejects_bad_input(
        shared(),
        "image",
        "info",
        "a.png",
        pattern_png(10, 10),
        wrong_type(),
    );
}
