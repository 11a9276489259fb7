//! End-to-end tests of the image adjustment tools (adjust-colors, sharpening,
//! replace-color, color-blindness, duotone, pixelate, vignette) through the HTTP API of
//! one shared host, checking real pixels.

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared};

/// A PNG of an RGB image (lossless, so pixels can be compared exactly).
fn png(img: RgbImage) -> Vec<u8> {
    fixtures::encode(&DynamicImage::ImageRgb8(img), ImageFormat::Png)
}

/// A PNG of an RGBA image.
fn png_rgba(img: RgbaImage) -> Vec<u8> {
    fixtures::encode(&DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

/// The RGB test pattern as PNG.
fn pattern_png(width: u32, height: u32) -> Vec<u8> {
    png(fixtures::pattern_rgb(width, height))
}

/// A `width` × `height` image, left half `left`, right half `right`.
fn halves(width: u32, height: u32, left: [u8; 3], right: [u8; 3]) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        Rgb(if x < width / 2 { left } else { right })
    })
}

/// Runs a tool on `a.png` (or `name`) and returns the decoded result and its raw bytes.
fn run_named(tool: &str, name: &str, data: Vec<u8>, settings: &str) -> (DynamicImage, Vec<u8>) {
    let (_, bytes) = shared().run_and_download("image", tool, &[("file", name, data)], settings);
    (fixtures::decode(&bytes), bytes)
}

/// Runs a tool on a PNG and returns the decoded result.
fn run(tool: &str, data: Vec<u8>, settings: &str) -> DynamicImage {
    run_named(tool, "a.png", data, settings).0
}

/// Runs a tool expecting 400 INVALID_SETTINGS; returns the error message.
fn invalid(tool: &str, data: Vec<u8>, settings: &str) -> String {
    let r = shared().run_tool("image", tool, "a.png", data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
    r.json()["error"].as_str().unwrap().to_string()
}

/// Mean Rec. 709 luma of an image.
fn mean_luma(img: &DynamicImage) -> f64 {
    let rgb = img.to_rgb8();
    let sum: f64 = rgb
        .pixels()
        .map(|p| 0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64)
        .sum();
    sum / (rgb.width() * rgb.height()) as f64
}

fn wrong_type() -> (&'static str, Vec<u8>) {
    ("a.pdf", fixtures::pdf(1, "x"))
}

fn near(a: &[u8], b: &[u8], tolerance: i32) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (*x as i32 - *y as i32).abs() <= tolerance)
}

// ---------------------------------------------------------------------------------------
// adjust-colors

#[test]
fn adjust_colors_brightness_moves_mean_luminance() {
    let src = pattern_png(64, 48);
    let base = mean_luma(&fixtures::decode(&src));
    let brighter = mean_luma(&run("adjust-colors", src.clone(), r#"{"brightness":50}"#));
    let darker = mean_luma(&run("adjust-colors", src.clone(), r#"{"brightness":-50}"#));
    assert!(brighter > base + 20.0, "brighter {brighter} vs {base}");
    assert!(darker < base - 20.0, "darker {darker} vs {base}");
    let exposed = mean_luma(&run("adjust-colors", src.clone(), r#"{"exposure":50}"#));
    assert!(exposed > base + 10.0, "exposure {exposed} vs {base}");
    // No settings: the pixels come back unchanged.
    let same = run("adjust-colors", src.clone(), "{}").to_rgb8();
    assert_eq!(same, fixtures::decode(&src).to_rgb8());
}

#[test]
fn adjust_colors_effects_and_channels() {
    let src = pattern_png(64, 48);
    let orig = fixtures::decode(&src).to_rgb8();
    let gray = run("adjust-colors", src.clone(), r#"{"effect":"grayscale"}"#).to_rgb8();
    assert!(gray.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    let desat = run(
        "adjust-colors",
        src.clone(),
        r#"{"saturation":-100,"hue":40}"#,
    )
    .to_rgb8();
    assert!(desat.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    let inv = run("adjust-colors", src.clone(), r#"{"effect":"invert"}"#).to_rgb8();
    for (x, y) in [(0, 0), (37, 11), (63, 47)] {
        let (o, i) = (orig.get_pixel(x, y), inv.get_pixel(x, y));
        assert_eq!(i.0, [255 - o[0], 255 - o[1], 255 - o[2]], "({x},{y})");
    }
    let no_red = run("adjust-colors", src.clone(), r#"{"red":0}"#).to_rgb8();
    assert!(no_red.pixels().all(|p| p[0] == 0));
    assert_eq!(no_red.get_pixel(10, 40)[1], orig.get_pixel(10, 40)[1]);
    let sepia = run("adjust-colors", src.clone(), r#"{"effect":"sepia"}"#).to_rgb8();
    let p = sepia.get_pixel(32, 24);
    assert!(p[0] >= p[1] && p[1] >= p[2], "sepia is warm: {p:?}");
    let warm = run("adjust-colors", src, r#"{"temperature":60}"#).to_rgb8();
    let (w, o) = (warm.get_pixel(32, 24), orig.get_pixel(32, 24));
    assert!(w[0] > o[0] && w[2] < o[2], "warmer: {w:?} vs {o:?}");
}

#[test]
fn adjust_colors_keeps_alpha_and_format() {
    let src = RgbaImage::from_fn(20, 10, |x, _| {
        if x < 10 {
            Rgba([100, 50, 20, 255])
        } else {
            Rgba([100, 50, 20, 0])
        }
    });
    let out = run("adjust-colors", png_rgba(src), r#"{"brightness":20}"#).to_rgba8();
    assert_eq!(out.get_pixel(2, 2)[3], 255);
    assert_eq!(out.get_pixel(15, 2)[3], 0);
    assert!(out.get_pixel(2, 2)[0] > 100);
    let (img, bytes) = run_named(
        "adjust-colors",
        "b.jpg",
        fixtures::jpeg(40, 30),
        r#"{"contrast":30}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    assert_eq!((img.width(), img.height()), (40, 30));
    // Sharpness works and keeps the size.
    let sharp = run("adjust-colors", pattern_png(32, 32), r#"{"sharpness":80}"#);
    assert_eq!((sharp.width(), sharp.height()), (32, 32));
}

#[test]
fn adjust_colors_rejects_bad_settings() {
    let src = pattern_png(16, 16);
    assert!(invalid("adjust-colors", src.clone(), r#"{"brightness":101}"#).contains("brightness"));
    assert!(invalid("adjust-colors", src.clone(), r#"{"hue":200}"#).contains("hue"));
    assert!(invalid("adjust-colors", src.clone(), r#"{"red":-1}"#).contains("red"));
    invalid("adjust-colors", src.clone(), r#"{"effect":"bogus"}"#);
    invalid("adjust-colors", src.clone(), r#"{"contrast":"lots"}"#);
    assert_rejects_bad_input(
        shared(),
        "image",
        "adjust-colors",
        "a.png",
        src,
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// sharpening

/// 64 × 16: gray 80 on the left, gray 170 from x = 32; the edge lies between 31 and 32.
fn edge_png() -> Vec<u8> {
    png(halves(64, 16, [80, 80, 80], [170, 170, 170]))
}

#[test]
fn sharpening_steepens_edges_and_keeps_flat_areas() {
    for settings in [
        r#"{}"#,
        r#"{"method":"unsharp-mask","amount":150,"radius":1.5}"#,
        r#"{"method":"high-pass","strength":60}"#,
        r#"{"method":"high-pass","strength":60,"kernelSize":5}"#,
        r#"{"method":"adaptive","sigma":2,"denoise":"light"}"#,
    ] {
        let out = run("sharpening", edge_png(), settings).to_rgb8();
        let (a, b) = (
            out.get_pixel(31, 8)[0] as i32,
            out.get_pixel(32, 8)[0] as i32,
        );
        assert!(b - a > 90, "{settings}: edge {a} -> {b} should exceed 90");
        assert!(
            a < 80 && b > 170,
            "{settings}: overshoot expected, got {a}, {b}"
        );
        // Flat areas far from the edge stay flat and unchanged.
        for x in [2, 10, 50, 61] {
            let p = out.get_pixel(x, 8);
            let want = if x < 32 { 80 } else { 170 };
            assert!(near(&p.0, &[want; 3], 1), "{settings}: x={x} {p:?}");
        }
        assert!(out.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    }
    // Threshold above the detail: nothing changes.
    let out = run(
        "sharpening",
        edge_png(),
        r#"{"method":"unsharp-mask","threshold":200}"#,
    )
    .to_rgb8();
    assert_eq!(out, fixtures::decode(&edge_png()).to_rgb8());
}

#[test]
fn sharpening_rejects_bad_settings() {
    assert!(invalid("sharpening", edge_png(), r#"{"sigma":0.1}"#).contains("sigma"));
    assert!(invalid("sharpening", edge_png(), r#"{"amount":2000}"#).contains("amount"));
    assert!(invalid("sharpening", edge_png(), r#"{"kernelSize":4}"#).contains("kernelSize"));
    assert!(invalid("sharpening", edge_png(), r#"{"m2":21}"#).contains("m2"));
    invalid("sharpening", edge_png(), r#"{"method":"bogus"}"#);
    invalid("sharpening", edge_png(), r#"{"denoise":"max"}"#);
    assert_rejects_bad_input(
        shared(),
        "image",
        "sharpening",
        "a.png",
        edge_png(),
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// replace-color

fn red_blue_png() -> Vec<u8> {
    png(halves(40, 20, [255, 0, 0], [0, 0, 255]))
}

#[test]
fn replace_color_replaces_within_tolerance() {
    let out = run("replace-color", red_blue_png(), "{}").to_rgba8();
    assert_eq!(out.get_pixel(5, 5).0, [0, 255, 0, 255]);
    assert_eq!(out.get_pixel(30, 5).0, [0, 0, 255, 255]);
    let out = run(
        "replace-color",
        red_blue_png(),
        r##"{"sourceColor":"00f","targetColor":"#FFFF00"}"##,
    )
    .to_rgb8();
    assert_eq!(out.get_pixel(30, 5).0, [255, 255, 0]);
    assert_eq!(out.get_pixel(5, 5).0, [255, 0, 0]);
    // Tolerance is a Euclidean RGB distance: (200, 0, 0) is 55 away from red.
    let dim = png(halves(40, 20, [200, 0, 0], [0, 0, 255]));
    let out = run("replace-color", dim.clone(), r#"{"tolerance":50}"#).to_rgb8();
    assert_eq!(out.get_pixel(5, 5).0, [200, 0, 0]);
    let out = run("replace-color", dim, r#"{"tolerance":56}"#).to_rgb8();
    assert_eq!(out.get_pixel(5, 5).0, [0, 255, 0]);
}

#[test]
fn replace_color_make_transparent() {
    let (img, bytes) = run_named(
        "replace-color",
        "a.png",
        red_blue_png(),
        r#"{"makeTransparent":true}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let out = img.to_rgba8();
    assert_eq!(out.get_pixel(5, 5)[3], 0);
    assert_eq!(out.get_pixel(30, 5).0, [0, 0, 255, 255]);
    // A JPEG cannot hold alpha: the result is a PNG.
    let jpeg = fixtures::encode(
        &DynamicImage::ImageRgb8(halves(64, 32, [255, 0, 0], [0, 0, 255])),
        ImageFormat::Jpeg,
    );
    let (img, bytes) = run_named(
        "replace-color",
        "a.jpg",
        jpeg,
        r#"{"makeTransparent":true,"tolerance":60}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let out = img.to_rgba8();
    assert_eq!(out.get_pixel(8, 16)[3], 0);
    assert_eq!(out.get_pixel(56, 16)[3], 255);
}

#[test]
fn replace_color_rejects_bad_settings() {
    assert!(invalid("replace-color", red_blue_png(), r#"{"tolerance":256}"#).contains("tolerance"));
    assert!(invalid(
        "replace-color",
        red_blue_png(),
        r##"{"sourceColor":"#12"}"##
    )
    .contains("sourceColor"));
    assert!(invalid(
        "replace-color",
        red_blue_png(),
        r#"{"targetColor":"green"}"#
    )
    .contains("targetColor"));
    assert_rejects_bad_input(
        shared(),
        "image",
        "replace-color",
        "a.png",
        red_blue_png(),
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// color-blindness

fn red_gray_png() -> Vec<u8> {
    png(halves(20, 10, [255, 0, 0], [128, 128, 128]))
}

#[test]
fn color_blindness_changes_red_keeps_gray() {
    for sim in [
        "protanopia",
        "deuteranopia",
        "protanomaly",
        "deuteranomaly",
        "tritanopia",
        "tritanomaly",
        "achromatopsia",
        "blueConeMonochromacy",
    ] {
        let out = run(
            "color-blindness",
            red_gray_png(),
            &format!(r#"{{"simulationType":"{sim}"}}"#),
        )
        .to_rgb8();
        let gray = out.get_pixel(15, 5);
        assert!(
            near(&gray.0, &[128, 128, 128], 1),
            "{sim}: gray -> {gray:?}"
        );
        let red = out.get_pixel(2, 5);
        if sim != "tritanopia" && sim != "tritanomaly" {
            assert!(!near(&red.0, &[255, 0, 0], 40), "{sim}: red -> {red:?}");
        }
    }
    // Protanopia: pure red loses most of its redness and gains green (Machado 2009).
    let out = run(
        "color-blindness",
        red_gray_png(),
        r#"{"simulationType":"protanopia"}"#,
    )
    .to_rgb8();
    let red = out.get_pixel(2, 5);
    assert!(red[0] < 180 && red[1] > 60, "protanopia red -> {red:?}");
    let out = run(
        "color-blindness",
        red_gray_png(),
        r#"{"simulationType":"achromatopsia"}"#,
    )
    .to_rgb8();
    assert!(out.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    // Default is deuteranomaly: differs from the input.
    let out = run("color-blindness", red_gray_png(), "{}").to_rgb8();
    assert_ne!(out.get_pixel(2, 5).0, [255, 0, 0]);
}

#[test]
fn color_blindness_rejects_bad_settings() {
    invalid(
        "color-blindness",
        red_gray_png(),
        r#"{"simulationType":"colorblind"}"#,
    );
    invalid("color-blindness", red_gray_png(), r#"{"simulationType":3}"#);
    assert_rejects_bad_input(
        shared(),
        "image",
        "color-blindness",
        "a.png",
        red_gray_png(),
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// duotone

fn black_white_png() -> Vec<u8> {
    png(halves(20, 10, [0, 0, 0], [255, 255, 255]))
}

#[test]
fn duotone_maps_black_and_white_to_the_colours() {
    let out = run("duotone", black_white_png(), "{}").to_rgb8();
    assert_eq!(out.get_pixel(2, 2).0, [0x1e, 0x3a, 0x8a]);
    assert_eq!(out.get_pixel(15, 2).0, [0xfb, 0xbf, 0x24]);
    let out = run(
        "duotone",
        black_white_png(),
        r##"{"shadow":"#F00","highlight":"00FF00"}"##,
    )
    .to_rgb8();
    assert_eq!(out.get_pixel(2, 2).0, [255, 0, 0]);
    assert_eq!(out.get_pixel(15, 2).0, [0, 255, 0]);
    // Intensity 0 keeps the original; 50 lands halfway.
    let out = run("duotone", black_white_png(), r#"{"intensity":0}"#).to_rgb8();
    assert_eq!(out.get_pixel(2, 2).0, [0, 0, 0]);
    assert_eq!(out.get_pixel(15, 2).0, [255, 255, 255]);
    let out = run("duotone", black_white_png(), r#"{"intensity":50}"#).to_rgb8();
    assert!(
        near(&out.get_pixel(2, 2).0, &[15, 29, 69], 1),
        "{:?}",
        out.get_pixel(2, 2)
    );
    // Mid gray lands mid-gradient.
    let mid = png(RgbImage::from_pixel(4, 4, Rgb([128, 128, 128])));
    let out = run(
        "duotone",
        mid,
        r##"{"shadow":"#000000","highlight":"#ffffff"}"##,
    )
    .to_rgb8();
    assert!(near(&out.get_pixel(1, 1).0, &[128, 128, 128], 1));
}

#[test]
fn duotone_rejects_bad_settings() {
    assert!(invalid("duotone", black_white_png(), r#"{"intensity":101}"#).contains("intensity"));
    assert!(invalid("duotone", black_white_png(), r#"{"shadow":"zzz"}"#).contains("shadow"));
    assert!(invalid(
        "duotone",
        black_white_png(),
        r##"{"highlight":"#1234567"}"##
    )
    .contains("highlight"));
    assert_rejects_bad_input(
        shared(),
        "image",
        "duotone",
        "a.png",
        black_white_png(),
        wrong_type(),
    );
}

// ---------------------------------------------------------------------------------------
// pixelate

fn assert_blocks_uniform(img: &RgbImage, rect: (u32, u32, u32, u32), block: u32) {
    let (x0, y0, w, h) = rect;
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let bx = x0 + (x - x0) / block * block;
            let by = y0 + (y - y0) / block * block;
            assert_eq!(
                img.get_pixel(x, y),
                img.get_pixel(bx, by),
                "({x},{y}) vs block ({bx},{by})"
            );
        }
    }
}

#[test]
fn pixelate_makes_uniform_blocks() {
    let src = pattern_png(64, 44);
    let orig = fixtures::decode(&src).to_rgb8();
    let out = run("pixelate", src.clone(), r#"{"blockSize":8}"#).to_rgb8();
    assert_eq!(out.dimensions(), (64, 44));
    assert_blocks_uniform(&out, (0, 0, 64, 44), 8);
    assert_ne!(out, orig);
    // The block holds the average: the red channel of the pattern rises along x.
    let p = out.get_pixel(0, 0);
    let avg: u32 = (0..8).map(|x| orig.get_pixel(x, 0)[0] as u32).sum::<u32>() / 8;
    assert!((p[0] as i32 - avg as i32).abs() <= 1, "{p:?} vs {avg}");
    // Default block size is 12.
    let out = run("pixelate", src, "{}").to_rgb8();
    assert_blocks_uniform(&out, (0, 0, 64, 44), 12);
}

#[test]
fn pixelate_region_only() {
    let src = pattern_png(64, 48);
    let orig = fixtures::decode(&src).to_rgb8();
    let rect = (16, 8, 24, 20);
    let out = run(
        "pixelate",
        src,
        r#"{"blockSize":6,"region":{"left":16,"top":8,"width":24,"height":20}}"#,
    )
    .to_rgb8();
    assert_blocks_uniform(&out, rect, 6);
    for (x, y, p) in out.enumerate_pixels() {
        let inside = (16..40).contains(&x) && (8..28).contains(&y);
        if !inside {
            assert_eq!(p, orig.get_pixel(x, y), "outside ({x},{y}) changed");
        }
    }
    assert_ne!(out.get_pixel(17, 9), orig.get_pixel(17, 9));
}

#[test]
fn pixelate_rejects_bad_settings() {
    let src = pattern_png(32, 32);
    assert!(invalid("pixelate", src.clone(), r#"{"blockSize":1}"#).contains("blockSize"));
    assert!(invalid("pixelate", src.clone(), r#"{"blockSize":129}"#).contains("blockSize"));
    invalid(
        "pixelate",
        src.clone(),
        r#"{"region":{"left":20,"top":0,"width":20,"height":10}}"#,
    );
    invalid(
        "pixelate",
        src.clone(),
        r#"{"region":{"left":-1,"top":0,"width":5,"height":5}}"#,
    );
    invalid(
        "pixelate",
        src.clone(),
        r#"{"region":{"left":0,"top":0,"width":0,"height":5}}"#,
    );
    assert_rejects_bad_input(shared(), "image", "pixelate", "a.png", src, wrong_type());
}

// ---------------------------------------------------------------------------------------
// vignette

fn white_png() -> Vec<u8> {
    png(RgbImage::from_pixel(100, 80, Rgb([255, 255, 255])))
}

#[test]
fn vignette_darkens_corners_not_centre() {
    let out = run("vignette", white_png(), "{}").to_rgb8();
    let centre = out.get_pixel(50, 40);
    assert_eq!(centre.0, [255, 255, 255]);
    for (x, y) in [(0, 0), (99, 0), (0, 79), (99, 79)] {
        let c = out.get_pixel(x, y);
        assert!(c[0] < 160, "corner ({x},{y}) {c:?}");
    }
    // The edge midpoints are darkened less than the corners.
    assert!(out.get_pixel(0, 40)[0] > out.get_pixel(0, 0)[0]);
    // Strength 1 with a colour: corners take the colour.
    let out = run(
        "vignette",
        white_png(),
        r##"{"strength":1,"color":"#ff0000"}"##,
    )
    .to_rgb8();
    assert!(
        near(&out.get_pixel(0, 0).0, &[255, 0, 0], 8),
        "{:?}",
        out.get_pixel(0, 0)
    );
    assert_eq!(out.get_pixel(50, 40).0, [255, 255, 255]);
    // A moved centre: the new centre is untouched, the far side darkened.
    let out = run(
        "vignette",
        white_png(),
        r#"{"centerX":10,"centerY":10,"roundness":40}"#,
    )
    .to_rgb8();
    assert_eq!(out.get_pixel(10, 8).0, [255, 255, 255]);
    assert!(out.get_pixel(99, 79)[0] < 200);
}

#[test]
fn vignette_rejects_bad_settings() {
    assert!(invalid("vignette", white_png(), r#"{"strength":0}"#).contains("strength"));
    assert!(invalid("vignette", white_png(), r#"{"radius":150}"#).contains("radius"));
    assert!(invalid("vignette", white_png(), r#"{"centerX":-5}"#).contains("centerX"));
    assert!(invalid("vignette", white_png(), r##"{"color":"#zz0000"}"##).contains("color"));
    assert_rejects_bad_input(
        shared(),
        "image",
        "vignette",
        "a.png",
        white_png(),
        wrong_type(),
    );
}
