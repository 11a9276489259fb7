//! End-to-end tests of the analysis-driven image tools (image-enhancement with its
//! `analyze` sub-route, noise-removal, content-aware-resize, smart-crop, beautify) through
//! the HTTP API of one shared host, checking real pixels and JSON.

use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared, Value};

/// A PNG of an RGB image.
fn png(img: RgbImage) -> Vec<u8> {
    fixtures::encode(&DynamicImage::ImageRgb8(img), ImageFormat::Png)
}

/// A PNG of an RGBA image.
fn png_rgba(img: RgbaImage) -> Vec<u8> {
    fixtures::encode(&DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

/// Runs an image tool on `a.png`; returns the response JSON and the decoded result.
fn run(tool: &str, data: Vec<u8>, settings: &str) -> (Value, DynamicImage) {
    let (body, bytes) =
        shared().run_and_download("image", tool, &[("file", "a.png", data)], settings);
    (body, fixtures::decode(&bytes))
}

/// Runs a tool expecting 400 INVALID_SETTINGS.
fn invalid(tool: &str, data: Vec<u8>, settings: &str) {
    let r = shared().run_tool("image", tool, "a.png", data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
}

fn wrong_type() -> (&'static str, Vec<u8>) {
    ("a.pdf", fixtures::pdf(1, "x"))
}

/// Rec. 601 luma values of an image.
fn lumas(img: &DynamicImage) -> Vec<f64> {
    img.to_rgb8()
        .pixels()
        .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
        .collect()
}

/// Mean and standard deviation of a sample.
fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Deterministic pseudo-random bytes (xorshift).
fn noise_source(seed: u32) -> impl FnMut() -> u32 {
    let mut s = seed.max(1);
    move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    }
}

/// A dark, low-contrast version of the test pattern (values squeezed into 25..75).
fn dark_flat(width: u32, height: u32) -> RgbImage {
    let src = fixtures::pattern_rgb(width, height);
    RgbImage::from_fn(width, height, |x, y| {
        let p = src.get_pixel(x, y);
        Rgb(p.0.map(|v| 25 + (v as u32 * 50 / 255) as u8))
    })
}

/// A flat grey image with strong per-channel noise (roughly Gaussian, σ ≈ 23).
fn noisy_flat(width: u32, height: u32) -> RgbImage {
    let mut rnd = noise_source(7);
    RgbImage::from_fn(width, height, |_, _| {
        Rgb([0; 3].map(|_: u8| {
            let n: i32 = (0..3).map(|_| (rnd() % 81) as i32 - 40).sum::<i32>();
            (128 + n * 4 / 5).clamp(0, 255) as u8
        }))
    })
}

// ---------------------------------------------------------------------------------------
// image-enhancement

#[test]
fn enhancement_brightens_and_stretches_a_dark_flat_image() {
    let src = dark_flat(96, 64);
    let (m0, s0) = mean_std(&lumas(&DynamicImage::ImageRgb8(src.clone())));
    let (body, out) = run("image-enhancement", png(src), "{}");
    assert_eq!(out.dimensions(), (96, 64));
    let (m1, s1) = mean_std(&lumas(&out));
    assert!(m1 > m0 + 30.0, "mean {m0:.1} -> {m1:.1}");
    assert!(s1 > s0 * 1.8, "std-dev {s0:.1} -> {s1:.1}");
    let applied: Vec<&str> = body["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(applied.contains(&"contrast"), "{body}");

    // Low-light mode at a higher intensity lifts it too.
    let (_, strong) = run(
        "image-enhancement",
        png(dark_flat(96, 64)),
        r#"{"mode":"low-light","intensity":90}"#,
    );
    assert!(mean_std(&lumas(&strong)).0 > m0 + 30.0);
}

#[test]
fn enhancement_with_everything_off_or_zero_intensity_keeps_pixels() {
    let src = dark_flat(48, 32);
    let off = r#"{"corrections":{"exposure":false,"contrast":false,"whiteBalance":false,"saturation":false,"sharpness":false,"denoise":false}}"#;
    let (_, out) = run("image-enhancement", png(src.clone()), off);
    assert_eq!(out.to_rgb8().as_raw(), src.as_raw());
    let (_, out) = run("image-enhancement", png(src.clone()), r#"{"intensity":0}"#);
    assert_eq!(out.to_rgb8().as_raw(), src.as_raw());
}

#[test]
fn enhancement_white_balance_removes_a_blue_cast() {
    let src = RgbImage::from_fn(64, 48, |x, y| {
        let v = (x + y) as u8 + 60;
        Rgb([v / 2, v / 2 + 10, v.saturating_add(60)])
    });
    let cast = |img: &DynamicImage| {
        let rgb = img.to_rgb8();
        let n = (rgb.width() * rgb.height()) as f64;
        let sum = |c: usize| rgb.pixels().map(|p| p[c] as f64).sum::<f64>() / n;
        sum(2) - sum(0)
    };
    let before = cast(&DynamicImage::ImageRgb8(src.clone()));
    let (_, out) = run(
        "image-enhancement",
        png(src),
        r#"{"corrections":{"exposure":false,"contrast":false,"saturation":false,"sharpness":false,"denoise":false}}"#,
    );
    let after = cast(&out);
    assert!(
        after.abs() < before.abs() * 0.5,
        "blue-red {before:.1} -> {after:.1}"
    );
}

/// Calls the analyze sub-route on one PNG.
fn analyze(data: Vec<u8>, settings: &str) -> lathe_tests::Reply {
    let lathe = shared();
    let token = lathe.admin_token();
    lathe.post_multipart(
        "/api/v1/tools/image/image-enhancement/analyze",
        Some(&token),
        &[("file", "a.png", data)],
        Some(settings),
    )
}

#[test]
fn enhancement_analyze_reports_statistics_and_recommendations() {
    let r = analyze(png(dark_flat(96, 64)), "{}");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    let stats = &j["statistics"];
    let mean = stats["meanBrightness"].as_f64().unwrap();
    assert!((25.0..75.0).contains(&mean), "{j}");
    assert!(stats["stdDev"].as_f64().unwrap() < 25.0, "{j}");
    assert!(stats["dynamicRange"].as_f64().unwrap() <= 51.0, "{j}");
    assert!(stats["noise"].as_f64().unwrap() >= 0.0);
    assert!(stats["sharpness"].as_f64().unwrap() >= 0.0);
    assert_eq!(j["width"], 96);
    assert_eq!(j["height"], 64);
    let recs = &j["recommendations"];
    assert_eq!(recs["exposure"]["recommended"], true, "{j}");
    assert!(recs["exposure"]["strength"].as_f64().unwrap() > 0.5, "{j}");
    assert_eq!(recs["contrast"]["recommended"], true, "{j}");
    assert_eq!(recs["contrast"]["apply"], true, "{j}");

    // A bright, contrasty, neutral image needs no exposure or white-balance fix.
    let r = analyze(
        png(fixtures::pattern_rgb(96, 64)),
        r#"{"mode":"landscape"}"#,
    );
    let j = r.json();
    assert_eq!(j["mode"], "landscape");
    assert!(
        j["statistics"]["meanBrightness"].as_f64().unwrap() > 80.0,
        "{j}"
    );
    assert_eq!(j["recommendations"]["contrast"]["apply"], false, "{j}");

    // A strong blue cast shows up per channel and recommends white balance.
    let blue = RgbImage::from_pixel(32, 32, Rgb([80, 90, 170]));
    let j = analyze(png(blue), "{}").json();
    assert!(
        j["statistics"]["colorCast"]["b"].as_f64().unwrap() > 40.0,
        "{j}"
    );
    assert!(
        j["statistics"]["colorCast"]["r"].as_f64().unwrap() < -10.0,
        "{j}"
    );
    assert_eq!(
        j["recommendations"]["whiteBalance"]["recommended"], true,
        "{j}"
    );

    // Noise is measured: a noisy flat image reads much noisier than a clean one.
    let j = analyze(png(noisy_flat(64, 64)), "{}").json();
    assert!(j["statistics"]["noise"].as_f64().unwrap() > 8.0, "{j}");
    assert_eq!(j["recommendations"]["denoise"]["recommended"], true, "{j}");
}

#[test]
fn enhancement_rejects_bad_input_and_settings() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "image",
        "image-enhancement",
        "a.png",
        png(dark_flat(16, 16)),
        wrong_type(),
    );
    invalid(
        "image-enhancement",
        png(dark_flat(16, 16)),
        r#"{"mode":"vivid"}"#,
    );
    invalid(
        "image-enhancement",
        png(dark_flat(16, 16)),
        r#"{"intensity":150}"#,
    );
    invalid(
        "image-enhancement",
        png(dark_flat(16, 16)),
        r#"{"corrections":{"exposure":"yes"}}"#,
    );
    // The sub-route: no file, garbage, bad settings.
    let token = lathe.admin_token();
    let r = lathe.post_multipart(
        "/api/v1/tools/image/image-enhancement/analyze",
        Some(&token),
        &[],
        Some("{}"),
    );
    r.assert_client_error(400);
    let r = analyze(b"definitely not an image".to_vec(), "{}");
    r.assert_client_error(400);
    let r = analyze(png(dark_flat(16, 16)), r#"{"mode":"nope"}"#);
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
}

// ---------------------------------------------------------------------------------------
// noise-removal

#[test]
fn noise_removal_tiers_flatten_a_noisy_flat_image() {
    let src = noisy_flat(96, 80);
    let (m0, s0) = mean_std(&lumas(&DynamicImage::ImageRgb8(src.clone())));
    assert!(s0 > 10.0);
    for (settings, limit) in [
        (r#"{}"#, 0.45),
        (r#"{"tier":"quick","strength":100}"#, 0.6),
        (r#"{"tier":"quality"}"#, 0.45),
        (r#"{"tier":"maximum","strength":80}"#, 0.35),
    ] {
        let (_, out) = run("noise-removal", png(src.clone()), settings);
        assert_eq!(out.dimensions(), (96, 80), "{settings}");
        let (m1, s1) = mean_std(&lumas(&out));
        assert!(s1 < s0 * limit, "{settings}: std-dev {s0:.1} -> {s1:.1}");
        assert!((m1 - m0).abs() < 4.0, "{settings}: mean {m0:.1} -> {m1:.1}");
    }
}

#[test]
fn noise_removal_keeps_alpha_and_edges() {
    // Left half dark, right half light, both noisy; alpha is a gradient.
    let noisy = noisy_flat(64, 48);
    let src = RgbaImage::from_fn(64, 48, |x, y| {
        let p = noisy.get_pixel(x, y);
        let shift: i32 = if x < 32 { -70 } else { 70 };
        let c = p.0.map(|v| (v as i32 + shift).clamp(0, 255) as u8);
        Rgba([c[0], c[1], c[2], (y * 5) as u8 + 10])
    });
    let (_, out) = run(
        "noise-removal",
        png_rgba(src.clone()),
        r#"{"tier":"quality"}"#,
    );
    let out = out.to_rgba8();
    for (a, b) in out.pixels().zip(src.pixels()) {
        assert_eq!(a[3], b[3], "alpha must be kept");
    }
    // The edge survives: columns 29 and 34 stay far apart.
    let col = |x: u32| (0..48).map(|y| out.get_pixel(x, y)[1] as f64).sum::<f64>() / 48.0;
    assert!(col(34) - col(29) > 100.0, "{} vs {}", col(29), col(34));
}

#[test]
fn noise_removal_output_format_and_bad_input() {
    let (body, bytes) = shared().run_and_download(
        "image",
        "noise-removal",
        &[("file", "a.png", png(noisy_flat(32, 32)))],
        r#"{"format":"jpeg","quality":80}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg, "{body}");
    assert_rejects_bad_input(
        shared(),
        "image",
        "noise-removal",
        "a.png",
        png(noisy_flat(16, 16)),
        wrong_type(),
    );
    let img = || png(noisy_flat(16, 16));
    invalid("noise-removal", img(), r#"{"tier":"ultra"}"#);
    invalid("noise-removal", img(), r#"{"strength":500}"#);
    invalid("noise-removal", img(), r#"{"format":"avif"}"#);
}

// ---------------------------------------------------------------------------------------
// content-aware-resize

/// A 200 × 100 light-grey image with a 40 × 40 red square at (80, 30).
fn square_scene() -> RgbImage {
    RgbImage::from_fn(200, 100, |x, y| {
        if (80..120).contains(&x) && (30..70).contains(&y) {
            Rgb([220, 20, 30])
        } else {
            Rgb([200, 200, 200])
        }
    })
}

/// Bounding box (w, h) and pixel count of the red pixels.
fn red_box(img: &DynamicImage) -> (u32, u32, u32) {
    let rgb = img.to_rgb8();
    let (mut x0, mut y0, mut x1, mut y1, mut n) = (u32::MAX, u32::MAX, 0, 0, 0);
    for (x, y, p) in rgb.enumerate_pixels() {
        if p[0] > 180 && p[1] < 80 && p[2] < 80 {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
            n += 1;
        }
    }
    assert!(n > 0, "red square is gone");
    (x1 - x0 + 1, y1 - y0 + 1, n)
}

#[test]
fn content_aware_resize_keeps_the_object_at_full_size() {
    let (body, out) = run(
        "content-aware-resize",
        png(square_scene()),
        r#"{"width":140}"#,
    );
    assert_eq!(out.dimensions(), (140, 100), "{body}");
    assert_eq!(red_box(&out), (40, 40, 1600));
    assert_eq!(body["seamsRemoved"]["vertical"], 60);

    let (_, out) = run(
        "content-aware-resize",
        png(square_scene()),
        r#"{"height":70}"#,
    );
    assert_eq!(out.dimensions(), (200, 70));
    assert_eq!(red_box(&out), (40, 40, 1600));

    // Enlarging inserts seams in the background only.
    let (_, out) = run(
        "content-aware-resize",
        png(square_scene()),
        r#"{"width":260,"height":120}"#,
    );
    assert_eq!(out.dimensions(), (260, 120));
    assert_eq!(red_box(&out), (40, 40, 1600));

    // square: the shorter side wins.
    let (_, out) = run(
        "content-aware-resize",
        png(square_scene()),
        r#"{"square":true}"#,
    );
    assert_eq!(out.dimensions(), (100, 100));
    assert_eq!(red_box(&out), (40, 40, 1600));
}

#[test]
fn content_aware_resize_rejects_bad_input() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "content-aware-resize",
        "a.png",
        png(square_scene()),
        wrong_type(),
    );
    let img = || png(square_scene());
    invalid("content-aware-resize", img(), "{}");
    invalid("content-aware-resize", img(), r#"{"width":0}"#);
    invalid("content-aware-resize", img(), r#"{"width":500}"#);
    invalid(
        "content-aware-resize",
        img(),
        r#"{"width":150,"protectFaces":true}"#,
    );
    invalid(
        "content-aware-resize",
        img(),
        r#"{"width":150,"blurRadius":50}"#,
    );
}

// ---------------------------------------------------------------------------------------
// smart-crop

/// A 300 × 200 flat grey image with a colourful, detailed 60 × 60 patch at (220, 70).
fn detail_scene() -> RgbImage {
    let mut rnd = noise_source(99);
    RgbImage::from_fn(300, 200, |x, y| {
        if (220..280).contains(&x) && (70..130).contains(&y) {
            let v = rnd();
            Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8 | 0x80])
        } else {
            Rgb([128, 128, 128])
        }
    })
}

/// Pixels that are not the flat grey.
fn non_grey(img: &DynamicImage) -> usize {
    img.to_rgb8()
        .pixels()
        .filter(|p| p.0.iter().any(|c| c.abs_diff(128) > 12))
        .count()
}

#[test]
fn smart_crop_attention_and_entropy_find_the_detail() {
    for settings in [
        r#"{"width":100,"height":200}"#,
        r#"{"mode":"subject","strategy":"entropy","width":100,"height":200}"#,
        r#"{"mode":"attention","width":100,"height":200}"#,
    ] {
        let (_, out) = run("smart-crop", png(detail_scene()), settings);
        assert_eq!(out.dimensions(), (100, 200), "{settings}");
        // The whole 60 × 60 patch is inside (a centred crop would hold none of it).
        assert!(non_grey(&out) > 3400, "{settings}: {}", non_grey(&out));
    }
    // Scaling: a 100 × 100 crop covers a 200 × 200 window at half size.
    let (body, out) = run(
        "smart-crop",
        png(detail_scene()),
        r#"{"strategy":"entropy","width":100,"height":100}"#,
    );
    assert_eq!(out.dimensions(), (100, 100), "{body}");
    assert!(non_grey(&out) > 700, "{}", non_grey(&out));
}

#[test]
fn smart_crop_trim_removes_a_uniform_border_exactly() {
    let pattern = fixtures::pattern_rgb(50, 30);
    let src = RgbImage::from_fn(120, 90, |x, y| {
        if (20..70).contains(&x) && (40..70).contains(&y) {
            *pattern.get_pixel(x - 20, y - 40)
        } else {
            Rgb([255, 255, 255])
        }
    });
    let (body, out) = run("smart-crop", png(src.clone()), r#"{"mode":"trim"}"#);
    assert_eq!(out.dimensions(), (50, 30), "{body}");
    assert_eq!(out.to_rgb8().as_raw(), pattern.as_raw());
    assert_eq!(body["trimmed"], true);

    // Pad to a square with the pad colour.
    let (_, out) = run(
        "smart-crop",
        png(src),
        r##"{"mode":"content","padToSquare":true,"padColor":"#00ff00"}"##,
    );
    assert_eq!(out.dimensions(), (50, 50));
    assert_eq!(out.to_rgb8().get_pixel(0, 0).0, [0, 255, 0]);
    assert_eq!(out.to_rgb8().get_pixel(49, 49).0, [0, 255, 0]);
}

#[test]
fn smart_crop_rejects_bad_input_and_face_mode() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "smart-crop",
        "a.png",
        png(detail_scene()),
        wrong_type(),
    );
    let img = || png(detail_scene());
    invalid(
        "smart-crop",
        img(),
        r#"{"mode":"face","width":100,"height":100}"#,
    );
    invalid("smart-crop", img(), r#"{"strategy":"random"}"#);
    invalid("smart-crop", img(), r#"{"width":-5}"#);
    invalid("smart-crop", img(), r#"{"mode":"trim","threshold":300}"#);
}

// ---------------------------------------------------------------------------------------
// beautify

fn near(a: [u8; 4], b: [u8; 4], tolerance: u8) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|(x, y)| x.abs_diff(*y) <= tolerance)
}

#[test]
fn beautify_pads_onto_a_gradient_with_the_shot_in_the_middle() {
    let shot = fixtures::pattern_rgb(80, 60);
    let (body, out) = run("beautify", png(shot.clone()), "{}");
    assert_eq!(out.dimensions(), (208, 188), "{body}");
    let out = out.to_rgba8();
    // Default gradient #667eea -> #764ba2 at 135 degrees: top-left to bottom-right.
    assert!(
        near(out.get_pixel(0, 0).0, [0x66, 0x7e, 0xea, 255], 3),
        "{:?}",
        out.get_pixel(0, 0)
    );
    assert!(
        near(out.get_pixel(207, 187).0, [0x76, 0x4b, 0xa2, 255], 3),
        "{:?}",
        out.get_pixel(207, 187)
    );
    // The screenshot sits unchanged in the middle (away from its rounded corners).
    assert_eq!(
        out.get_pixel(64 + 40, 64 + 30).0[..3],
        shot.get_pixel(40, 30).0
    );
}

#[test]
fn beautify_solid_transparent_frames_and_presets() {
    let shot = || png(fixtures::pattern_rgb(80, 60));
    let (_, out) = run(
        "beautify",
        shot(),
        r##"{"backgroundType":"solid","backgroundColor":"#ff0000","padding":20,"shadowPreset":"none"}"##,
    );
    let out = out.to_rgba8();
    assert_eq!(out.dimensions(), (120, 100));
    for (x, y) in [(0, 0), (119, 0), (0, 99), (119, 99)] {
        assert_eq!(out.get_pixel(x, y).0, [255, 0, 0, 255]);
    }
    let (_, out) = run(
        "beautify",
        shot(),
        r#"{"backgroundType":"transparent","padding":10,"frame":"macos-dark","shadowPreset":"none"}"#,
    );
    let out = out.to_rgba8();
    assert_eq!(out.width(), 100);
    assert!(out.height() > 80, "the title bar adds height");
    assert_eq!(out.get_pixel(0, 0).0[3], 0);
    let (_, out) = run(
        "beautify",
        shot(),
        r##"{"socialPreset":"twitter","frame":"iphone","backgroundType":"radial-gradient","gradientStops":[{"color":"#000000","position":0},{"color":"#ffffff","position":100}]}"##,
    );
    assert_eq!(out.dimensions(), (1200, 675));
    let out = out.to_rgba8();
    assert!(
        out.get_pixel(0, 0).0[0] > 200,
        "radial gradient ends white in the corners"
    );
}

#[test]
fn beautify_rejects_bad_input() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "beautify",
        "a.png",
        png(fixtures::pattern_rgb(20, 20)),
        wrong_type(),
    );
    let img = || png(fixtures::pattern_rgb(20, 20));
    invalid("beautify", img(), r#"{"frame":"commodore-64"}"#);
    invalid("beautify", img(), r#"{"padding":999}"#);
    invalid("beautify", img(), r#"{"backgroundType":"image"}"#);
    let long = "x".repeat(201);
    invalid(
        "beautify",
        img(),
        &format!(r#"{{"watermarkText":"{long}"}}"#),
    );
    invalid(
        "beautify",
        img(),
        &format!(r#"{{"frame":"macos-light","frameTitle":"{long}"}}"#),
    );
    invalid(
        "beautify",
        img(),
        r#"{"watermarkText":"hi","watermarkPosition":"middle-earth"}"#,
    );
    invalid(
        "beautify",
        img(),
        r#"{"watermarkText":"hi","watermarkOpacity":150}"#,
    );
    invalid(
        "beautify",
        img(),
        r##"{"gradientStops":[{"color":"#fff","position":0}]}"##,
    );
    invalid("beautify", img(), r#"{"outputFormat":"gif"}"#);
}

/// Pixels of `img` inside `x0..x1` × `y0..y1` for which `ink` holds.
fn count_ink(
    img: &RgbaImage,
    (x0, x1): (u32, u32),
    (y0, y1): (u32, u32),
    ink: fn([u8; 4]) -> bool,
) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| ink(img.get_pixel(x, y).0))
        .count()
}

#[test]
fn beautify_draws_the_frame_title_in_the_title_bar() {
    let shot = || png(fixtures::pattern_rgb(400, 100));
    let base = r##""backgroundType":"solid","backgroundColor":"#808080","padding":20,"shadowPreset":"none""##;
    let dark_ink: fn([u8; 4]) -> bool = |p| p[..3].iter().all(|&v| v < 100);
    let light_ink: fn([u8; 4]) -> bool = |p| p[..3].iter().all(|&v| v > 190);
    // Expected centre of the title: the middle of the canvas for window frames, the
    // middle of the address field (x 70..386 of the 400 px bar, plus padding) for browsers.
    for (frame, ink, centre) in [
        ("macos-light", dark_ink, 220.0),
        ("macos-dark", light_ink, 220.0),
        ("windows-light", dark_ink, 220.0),
        ("windows-dark", light_ink, 220.0),
        ("browser-light", dark_ink, 248.0),
        ("browser-dark", light_ink, 248.0),
    ] {
        let (_, plain) = run(
            "beautify",
            shot(),
            &format!(r#"{{{base},"frame":"{frame}"}}"#),
        );
        let (_, titled) = run(
            "beautify",
            shot(),
            &format!(r#"{{{base},"frame":"{frame}","frameTitle":"Hello Lathe"}}"#),
        );
        let (plain, titled) = (plain.to_rgba8(), titled.to_rgba8());
        assert_eq!(plain.dimensions(), titled.dimensions(), "{frame}");
        let (w, h) = plain.dimensions();
        assert_eq!(w, 440, "{frame}");
        // The bar is 28 px high (4 % of 400, at least 28), under 20 px of padding; the
        // title sits around its middle, clear of the window buttons.
        let bar_rows = (20, 20 + 28);
        let middle = (w / 2 - 60, w / 2 + 60);
        assert_eq!(
            count_ink(&plain, middle, bar_rows, ink),
            0,
            "{frame}: ink without a title"
        );
        let n = count_ink(&titled, middle, bar_rows, ink);
        assert!(n > 20, "{frame}: only {n} title pixels");
        // Centred: the mean x of the new ink pixels is the expected centre.
        let new_ink: Vec<u32> = (bar_rows.0..bar_rows.1)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| ink(titled.get_pixel(x, y).0) && !ink(plain.get_pixel(x, y).0))
            .map(|(x, _)| x)
            .collect();
        let mean = new_ink.iter().map(|&x| x as f64).sum::<f64>() / new_ink.len() as f64;
        assert!(
            (mean - centre).abs() < 8.0,
            "{frame}: title centred at x {mean:.1}"
        );
        // Nothing changes outside the title bar.
        for y in bar_rows.1..h {
            for x in 0..w {
                assert_eq!(
                    plain.get_pixel(x, y),
                    titled.get_pixel(x, y),
                    "{frame} ({x},{y})"
                );
            }
        }
    }
    // Device frames have no title bar: the title is ignored.
    let (_, plain) = run(
        "beautify",
        shot(),
        &format!(r#"{{{base},"frame":"iphone"}}"#),
    );
    let (_, titled) = run(
        "beautify",
        shot(),
        &format!(r#"{{{base},"frame":"iphone","frameTitle":"Hello"}}"#),
    );
    assert_eq!(plain.to_rgba8().as_raw(), titled.to_rgba8().as_raw());
}

/// Bounding box (x0, y0, x1, y1 exclusive) of the pixels that differ between `a` and `b`.
fn changed_box(a: &RgbaImage, b: &RgbaImage) -> Option<(u32, u32, u32, u32)> {
    let mut bbox: Option<(u32, u32, u32, u32)> = None;
    for (x, y, p) in a.enumerate_pixels() {
        if p != b.get_pixel(x, y) {
            let (x0, y0, x1, y1) = bbox.unwrap_or((x, y, x + 1, y + 1));
            bbox = Some((x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)));
        }
    }
    bbox
}

#[test]
fn beautify_draws_the_watermark_in_the_corner() {
    let shot = || png(fixtures::pattern_rgb(80, 60));
    for base in [
        "",
        r##""backgroundType":"solid","backgroundColor":"#ffffff","shadowPreset":"none","##,
    ] {
        let (_, plain) = run(
            "beautify",
            shot(),
            &format!("{{{}}}", base.trim_end_matches(',')),
        );
        let (_, marked) = run(
            "beautify",
            shot(),
            &format!(r#"{{{base}"watermarkText":"Lathe"}}"#),
        );
        let (plain, marked) = (plain.to_rgba8(), marked.to_rgba8());
        assert_eq!(plain.dimensions(), (208, 188));
        assert_eq!(marked.dimensions(), (208, 188));
        let (x0, y0, x1, y1) = changed_box(&plain, &marked).expect("the watermark changed nothing");
        // Default position bottom-right: only the bottom-right corner changes, and it
        // reaches close to the corner (3 % margin).
        assert!(x0 >= 104 && y0 >= 94, "changed box {x0},{y0}..{x1},{y1}");
        assert!(
            x1 >= 208 - 16 && y1 >= 188 - 16,
            "changed box {x0},{y0}..{x1},{y1}"
        );
        // Semi-transparent: no changed pixel is pure white or pure black text.
        let mut changed = 0;
        for (x, y, p) in marked.enumerate_pixels() {
            if p != plain.get_pixel(x, y) {
                changed += 1;
                assert!(
                    p.0[..3] != [255, 255, 255] && p.0[..3] != [0, 0, 0],
                    "{p:?}"
                );
            }
        }
        assert!(changed > 30, "{changed} changed pixels");
        if !base.is_empty() {
            // On white, the text is dark.
            let darker = (x0..x1)
                .flat_map(|x| (y0..y1).map(move |y| (x, y)))
                .filter(|&(x, y)| marked.get_pixel(x, y).0[0] < 200)
                .count();
            assert!(darker > 20, "{darker} dark pixels");
        }
    }
    // Top-left instead; opacity 0 draws nothing.
    let (_, plain) = run("beautify", shot(), "{}");
    let (_, marked) = run(
        "beautify",
        shot(),
        r#"{"watermarkText":"Lathe","watermarkPosition":"top-left","watermarkOpacity":80}"#,
    );
    let (plain, marked) = (plain.to_rgba8(), marked.to_rgba8());
    let (_, _, x1, y1) = changed_box(&plain, &marked).expect("the watermark changed nothing");
    assert!(x1 <= 104 && y1 <= 94, "changed box ends at {x1},{y1}");
    let (_, invisible) = run(
        "beautify",
        shot(),
        r#"{"watermarkText":"Lathe","watermarkOpacity":0}"#,
    );
    assert_eq!(invisible.to_rgba8().as_raw(), plain.as_raw());
}
