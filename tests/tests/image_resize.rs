//! `image/resize` end to end: every fit mode, percentage, no enlargement, formats, alpha,
//! shrink-on-load sizes, and bad input.

use lathe_tests::{assert_rejects_bad_input, fixtures, shared};

fn resize(
    file: &str,
    data: Vec<u8>,
    settings: &str,
) -> (serde_json::Value, image::DynamicImage, Vec<u8>) {
    let (body, bytes) =
        shared().run_and_download("image", "resize", &[("file", file, data)], settings);
    (body, fixtures::decode(&bytes), bytes)
}

#[test]
fn width_only_keeps_aspect_and_format() {
    let (body, img, bytes) = resize("photo.jpg", fixtures::jpeg(400, 300), r#"{"width":200}"#);
    assert_eq!((img.width(), img.height()), (200, 150));
    assert_eq!(fixtures::format_of(&bytes), image::ImageFormat::Jpeg);
    assert_eq!(
        body["originalSize"].as_u64().unwrap() as usize,
        fixtures::jpeg(400, 300).len()
    );
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(200), Some(150))
    );
}

#[test]
fn large_jpeg_uses_shrink_on_load_and_stays_faithful() {
    // 3000x2000 to 300 wide: decoded at 1/8 scale in the DCT, then resampled.
    let src = fixtures::pattern_rgb(3000, 2000);
    let jpeg = fixtures::encode(
        &image::DynamicImage::ImageRgb8(src.clone()),
        image::ImageFormat::Jpeg,
    );
    let (_, img, _) = resize("big.jpg", jpeg, r#"{"width":300}"#);
    assert_eq!((img.width(), img.height()), (300, 200));
    // The horizontal red gradient survives: left is dark, right is bright.
    let rgb = img.to_rgb8();
    assert!(rgb.get_pixel(5, 100)[0] < 40, "{:?}", rgb.get_pixel(5, 100));
    assert!(
        rgb.get_pixel(295, 100)[0] > 215,
        "{:?}",
        rgb.get_pixel(295, 100)
    );
    assert!(rgb.get_pixel(150, 5)[1] < 40 && rgb.get_pixel(150, 195)[1] > 200);
}

#[test]
fn fit_modes() {
    let src = fixtures::jpeg(400, 200);
    let (_, img, _) = resize(
        "a.jpg",
        src.clone(),
        r#"{"width":100,"height":100,"fit":"cover"}"#,
    );
    assert_eq!((img.width(), img.height()), (100, 100));
    let (_, img, _) = resize(
        "a.jpg",
        src.clone(),
        r#"{"width":100,"height":100,"fit":"contain"}"#,
    );
    assert_eq!((img.width(), img.height()), (100, 100));
    // Letterbox bars of contain on a JPEG are white.
    let top = img.to_rgb8().get_pixel(50, 2).0;
    assert!(top.iter().all(|&c| c > 240), "{top:?}");
    let (_, img, _) = resize(
        "a.jpg",
        src.clone(),
        r#"{"width":100,"height":100,"fit":"fill"}"#,
    );
    assert_eq!((img.width(), img.height()), (100, 100));
    let (_, img, _) = resize(
        "a.jpg",
        src.clone(),
        r#"{"width":100,"height":100,"fit":"inside"}"#,
    );
    assert_eq!((img.width(), img.height()), (100, 50));
    let (_, img, _) = resize(
        "a.jpg",
        src,
        r#"{"width":100,"height":100,"fit":"outside"}"#,
    );
    assert_eq!((img.width(), img.height()), (200, 100));
}

#[test]
fn percentage_and_without_enlargement() {
    let (_, img, _) = resize("a.jpg", fixtures::jpeg(400, 200), r#"{"percentage":25}"#);
    assert_eq!((img.width(), img.height()), (100, 50));
    let (_, img, _) = resize(
        "a.jpg",
        fixtures::jpeg(400, 200),
        r#"{"width":800,"withoutEnlargement":true}"#,
    );
    assert_eq!((img.width(), img.height()), (400, 200));
    let (_, img, _) = resize("a.jpg", fixtures::jpeg(400, 200), r#"{"height":400}"#);
    assert_eq!((img.width(), img.height()), (800, 400));
}

#[test]
fn png_alpha_is_kept() {
    let (_, img, bytes) = resize(
        "alpha.png",
        fixtures::png_rgba(200, 100),
        r#"{"width":100}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), image::ImageFormat::Png);
    let rgba = img.to_rgba8();
    assert_eq!(rgba.get_pixel(10, 25).0, [255, 0, 0, 255]);
    assert_eq!(
        rgba.get_pixel(90, 25).0[3],
        0,
        "transparent half stays transparent"
    );
}

#[test]
fn bad_input_is_rejected() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "image",
        "resize",
        "a.jpg",
        fixtures::jpeg(16, 16),
        ("a.pdf", fixtures::pdf(1, "x")),
    );
    for settings in [
        r#"{}"#,
        r#"{"width":0}"#,
        r#"{"width":-5}"#,
        r#"{"width":"wide"}"#,
        r#"{"width":100000}"#,
        r#"{"percentage":0}"#,
        r#"{"width":10,"height":10,"fit":"squash"}"#,
    ] {
        let r = lathe.run_tool("image", "resize", "a.jpg", fixtures::jpeg(16, 16), settings);
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{settings}");
    }
    // A decompression bomb: a tiny PNG claiming 100000 x 100000 pixels.
    let r = lathe.run_tool(
        "image",
        "resize",
        "bomb.png",
        png_header_only(100_000, 100_000),
        r#"{"width":10}"#,
    );
    assert!(matches!(r.status, 400 | 413), "{}", r.status);
    r.assert_client_error(r.status);
    // A truncated JPEG is recovered the way libjpeg does (missing blocks grey), or refused
    // with a clear error; never a crash.
    let mut cut = fixtures::jpeg(300, 200);
    cut.truncate(cut.len() / 3);
    let r = lathe.run_tool("image", "resize", "cut.jpg", cut, r#"{"width":10}"#);
    if r.status == 200 {
        let url = r.json()["downloadUrl"].as_str().unwrap().to_string();
        let img = fixtures::decode(&lathe.get(&url, Some(&lathe.admin_token())).body);
        assert_eq!((img.width(), img.height()), (10, 7));
    } else {
        assert!((400..500).contains(&r.status), "{}", r.status);
        r.assert_client_error(r.status);
    }
    lathe.assert_healthy();
}

/// A PNG signature and IHDR claiming a huge size, with no pixel data.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&ihdr);
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
