//! End-to-end tests of HEIC, HEIF and AVIF through `image/convert` (a native tool: the
//! host's libheif decodes HEIF-family inputs and writes HEIC and AVIF). Inputs are written
//! and outputs read by Pillow with pillow-heif, which share no code with Lathe.

use lathe_tests::pillow::{pillow_read, pillow_write};
use lathe_tests::{fixtures, shared};

fn convert(name: &str, data: Vec<u8>, settings: &str) -> (serde_json::Value, Vec<u8>) {
    shared().run_and_download("image", "convert", &[("file", name, data)], settings)
}

/// The mean of R, G and B that Pillow read.
fn mean(report: &serde_json::Value) -> Vec<f64> {
    report["mean"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn assert_close(a: &[f64], b: &[f64], tolerance: f64) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tolerance, "{a:?} vs {b:?}");
    }
}

#[test]
fn heic_input_converts_to_png_and_jpg() {
    let heic = pillow_write(96, 64, "HEIF", false);
    let source = pillow_read(&heic);
    let (body, png) = convert("IMG_0001.HEIC", heic.clone(), r#"{"format":"png"}"#);
    assert_eq!(body["filename"], "IMG_0001.png", "{body}");
    let read = pillow_read(&png);
    assert_eq!(read["format"], "PNG");
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(96), Some(64))
    );
    assert_close(&mean(&read), &mean(&source), 1.0);
    let (_, jpg) = convert("IMG_0001.heic", heic, r#"{"format":"jpg","quality":90}"#);
    let read = pillow_read(&jpg);
    assert_eq!(read["format"], "JPEG");
    assert_close(&mean(&read), &mean(&source), 3.0);
}

#[test]
fn heic_with_alpha_keeps_it_in_png() {
    let heic = pillow_write(80, 40, "HEIF", true);
    let (_, png) = convert("a.heic", heic, r#"{"format":"png"}"#);
    let read = pillow_read(&png);
    assert_eq!(read["mode"], "RGBA", "{read}");
}

#[test]
fn avif_input_converts_to_webp() {
    let avif = pillow_write(120, 90, "AVIF", false);
    let source = pillow_read(&avif);
    let (body, webp) = convert("photo.avif", avif, r#"{"format":"webp","quality":90}"#);
    assert_eq!(body["filename"], "photo.webp", "{body}");
    let read = pillow_read(&webp);
    assert_eq!(read["format"], "WEBP");
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(120), Some(90))
    );
    assert_close(&mean(&read), &mean(&source), 3.0);
}

#[test]
fn png_converts_to_heic_with_seed_settings() {
    let png = fixtures::png_rgba(160, 120);
    let source = pillow_read(&png);
    let (body, heic) = convert("p.png", png.clone(), r#"{"format":"heic","quality":80}"#);
    assert_eq!(body["filename"], "p.heic", "{body}");
    assert_eq!(body["format"], "heic", "{body}");
    assert_eq!(&heic[4..8], b"ftyp");
    let read = pillow_read(&heic);
    assert_eq!(read["format"], "HEIF");
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(160), Some(120))
    );
    assert_close(&mean(&read), &mean(&source), 4.0);
    // Quality moves the size.
    let (_, low) = convert("p.png", png, r#"{"format":"heic","quality":10}"#);
    assert!(
        low.len() < heic.len(),
        "q10 {} vs q80 {}",
        low.len(),
        heic.len()
    );
}

#[test]
fn jpg_converts_to_heif_named_heif() {
    let (body, heif) = convert("p.jpg", fixtures::jpeg(64, 48), r#"{"format":"heif"}"#);
    assert_eq!(body["filename"], "p.heif", "{body}");
    let read = pillow_read(&heif);
    assert_eq!(read["format"], "HEIF");
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(64), Some(48))
    );
}

#[test]
fn avif_output_reads_in_pillow() {
    let png = fixtures::png_rgba(128, 96);
    let source = pillow_read(&png);
    let (_, avif) = convert("p.png", png, r#"{"format":"avif","quality":80}"#);
    let read = pillow_read(&avif);
    assert_eq!(read["format"], "AVIF");
    assert_eq!(
        (read["width"].as_u64(), read["height"].as_u64()),
        (Some(128), Some(96))
    );
    assert_close(&mean(&read), &mean(&source), 4.0);
}

#[test]
fn broken_heif_inputs_are_client_errors() {
    let lathe = shared();
    let heic = pillow_write(64, 64, "HEIF", false);
    // A HEIF header with its data cut off, and a bare `ftyp` box.
    let truncated = heic[..heic.len() / 3].to_vec();
    let mut bare = vec![0, 0, 0, 16];
    bare.extend_from_slice(b"ftypheic\0\0\0\0");
    for (name, data) in [("cut.heic", truncated), ("bare.heic", bare)] {
        let r = lathe.run_tool("image", "convert", name, data, r#"{"format":"png"}"#);
        assert!((400..500).contains(&r.status), "{name}: {}", r.status);
        r.assert_client_error(r.status);
    }
    // Unknown output formats name the supported ones.
    let r = lathe.run_tool("image", "convert", "h.heic", heic, r#"{"format":"jxl"}"#);
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    assert!(
        r.json()["error"].as_str().unwrap().contains("heic"),
        "{}",
        r.json()
    );
    lathe.assert_healthy();
}
