//! End-to-end tests of the layout tools border, circle-crop, image-pad, stitch, split,
//! sprite-sheet and collage, through the HTTP API of one shared host.

use std::io::{Cursor, Read};

use image::{DynamicImage, GenericImageView, ImageFormat, Rgba, RgbaImage};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared, Value};

const RED: Rgba<u8> = Rgba([255, 0, 0, 255]);
const GREEN: Rgba<u8> = Rgba([0, 255, 0, 255]);
const BLUE: Rgba<u8> = Rgba([0, 0, 255, 255]);
const YELLOW: Rgba<u8> = Rgba([255, 255, 0, 255]);
const WHITE: Rgba<u8> = Rgba([255, 255, 255, 255]);

/// A PNG of the RGB test pattern.
fn pattern_png(width: u32, height: u32) -> Vec<u8> {
    fixtures::encode(
        &DynamicImage::ImageRgb8(fixtures::pattern_rgb(width, height)),
        ImageFormat::Png,
    )
}

/// An opaque PNG of one colour.
fn solid_png(width: u32, height: u32, color: Rgba<u8>) -> Vec<u8> {
    fixtures::encode(
        &DynamicImage::ImageRgba8(RgbaImage::from_pixel(width, height, color)),
        ImageFormat::Png,
    )
}

/// A JPEG of one colour.
fn solid_jpeg(width: u32, height: u32, color: Rgba<u8>) -> Vec<u8> {
    let img = DynamicImage::ImageRgba8(RgbaImage::from_pixel(width, height, color));
    fixtures::encode(&DynamicImage::ImageRgb8(img.to_rgb8()), ImageFormat::Jpeg)
}

fn run(tool: &str, name: &str, data: Vec<u8>, settings: &str) -> (Value, Vec<u8>) {
    shared().run_and_download("image", tool, &[("file", name, data)], settings)
}

fn run_files(tool: &str, files: Vec<(&str, Vec<u8>)>, settings: &str) -> (Value, Vec<u8>) {
    let parts: Vec<_> = files.into_iter().map(|(n, d)| ("files", n, d)).collect();
    shared().run_and_download("image", tool, &parts, settings)
}

/// Runs a one-file tool expecting 400 INVALID_SETTINGS; returns the message.
fn invalid(tool: &str, data: Vec<u8>, settings: &str) -> String {
    let r = shared().run_tool("image", tool, "in.png", data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
    r.json()["error"].as_str().unwrap().to_string()
}

/// Runs a multi-file tool expecting 400 INVALID_SETTINGS; returns the message.
fn invalid_files(tool: &str, settings: &str) -> String {
    let parts = [
        ("files", "a.png", solid_png(20, 20, RED)),
        ("files", "b.png", solid_png(20, 20, BLUE)),
    ];
    let r = shared().run_tool_files("image", tool, &parts, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
    r.json()["error"].as_str().unwrap().to_string()
}

/// The standard bad-input cases of a multi-file tool.
fn assert_multi_rejects_bad_input(tool: &str) {
    let lathe = shared();
    let r = lathe.run_tool_files(
        "image",
        tool,
        &[("files", "a.png", solid_png(20, 20, RED))],
        "{}",
    );
    r.assert_client_error(400);
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let r = lathe.run_tool_files(
        "image",
        tool,
        &[
            ("files", "a.png", solid_png(20, 20, RED)),
            ("files", "b.png", garbage),
        ],
        "{}",
    );
    assert!((400..500).contains(&r.status), "garbage: {}", r.status);
    r.assert_client_error(r.status);
    let r = lathe.run_tool_files(
        "image",
        tool,
        &[
            ("files", "a.png", solid_png(20, 20, RED)),
            ("files", "notes.txt", b"not an image".to_vec()),
        ],
        "{}",
    );
    assert!((400..500).contains(&r.status), "wrong type: {}", r.status);
    r.assert_client_error(r.status);
    invalid_files(tool, "{not json");
    lathe.assert_healthy();
}

fn wrong_type() -> (&'static str, Vec<u8>) {
    ("notes.txt", b"just some text, not an image".to_vec())
}

fn close(a: Rgba<u8>, b: Rgba<u8>, tolerance: i32) -> bool {
    a.0.iter()
        .zip(b.0.iter())
        .all(|(x, y)| (*x as i32 - *y as i32).abs() <= tolerance)
}

fn assert_close(img: &DynamicImage, x: u32, y: u32, want: Rgba<u8>, tolerance: i32) {
    let got = img.get_pixel(x, y);
    assert!(
        close(got, want, tolerance),
        "pixel ({x},{y}) is {got:?}, want {want:?}"
    );
}

/// The entries of a ZIP: (name, bytes), in archive order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("result is a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_string(), data)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// border

#[test]
fn border_adds_border_and_padding() {
    let (body, bytes) = run(
        "border",
        "red.png",
        solid_png(60, 40, RED),
        r##"{"borderWidth":5,"borderColor":"#00ff00","padding":3,"paddingColor":"#00f"}"##,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (76, 56));
    assert_eq!(body["width"], 76);
    for (x, y) in [(0, 0), (75, 55), (4, 30), (40, 0)] {
        assert_close(&out, x, y, GREEN, 0);
    }
    for (x, y) in [(5, 5), (7, 30), (70, 50)] {
        assert_close(&out, x, y, BLUE, 0);
    }
    for (x, y) in [(8, 8), (38, 28), (67, 47)] {
        assert_close(&out, x, y, RED, 0);
    }
}

/// Seed 001's `style`: a gradient runs from `color` to `gradientColor` across the
/// diagonal; a pattern alternates `color` and `patternColor` in stripes.
#[test]
fn border_styles_gradient_and_pattern() {
    let (_, bytes) = run(
        "border",
        "red.png",
        solid_png(60, 40, RED),
        r##"{"width":10,"color":"#000000","style":"gradient","gradientColor":"#ffffff"}"##,
    );
    let out = fixtures::decode(&bytes).to_rgba8();
    assert_eq!(out.dimensions(), (80, 60));
    let (start, end) = (out.get_pixel(0, 0)[0], out.get_pixel(79, 59)[0]);
    assert!(start < 10 && end > 245, "black to white: {start} .. {end}");
    let middle = out.get_pixel(79, 0)[0];
    assert!((100..=160).contains(&middle), "half way: {middle}");
    // The picture itself is untouched.
    assert_close(&fixtures::decode(&bytes), 40, 30, RED, 0);

    let (_, bytes) = run(
        "border",
        "red.png",
        solid_png(60, 40, RED),
        r##"{"width":12,"color":"#0000ff","style":"pattern","patternColor":"#00ff00"}"##,
    );
    let out = fixtures::decode(&bytes);
    // Stripes 4 px wide along the diagonal: (0,0) blue, (4,0) green, (8,0) blue.
    assert_close(&out, 0, 0, BLUE, 0);
    assert_close(&out, 4, 0, GREEN, 0);
    assert_close(&out, 8, 0, BLUE, 0);
    let status = shared()
        .run_tool(
            "image",
            "border",
            "a.png",
            solid_png(10, 10, RED),
            r#"{"style":"dotted"}"#,
        )
        .assert_client_error(400);
    assert_eq!(status, "INVALID_SETTINGS");
}

#[test]
fn border_doc_aliases_and_jpeg_stays_jpeg() {
    let (_, bytes) = run(
        "border",
        "photo.jpg",
        fixtures::jpeg(50, 30),
        r##"{"width":4,"color":"#FFFF00"}"##,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (58, 38));
    assert_close(&out, 1, 1, YELLOW, 30);
}

#[test]
fn border_rounded_corners_are_transparent() {
    let (body, bytes) = run(
        "border",
        "photo.jpg",
        solid_jpeg(80, 60, RED),
        r#"{"borderWidth":4,"cornerRadius":20}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    assert_eq!(body["filename"], "photo.png");
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (88, 68));
    for (x, y) in [(0, 0), (87, 0), (0, 67), (87, 67), (2, 2)] {
        assert_eq!(out.get_pixel(x, y).0[3], 0, "corner ({x},{y})");
    }
    assert_close(&out, 44, 0, Rgba([0, 0, 0, 255]), 0);
    assert_close(&out, 44, 34, RED, 8);
}

#[test]
fn border_shadow_grows_the_canvas() {
    let (_, bytes) = run(
        "border",
        "red.png",
        solid_png(40, 40, RED),
        r#"{"borderWidth":2,"shadow":true,"shadowBlur":10,"shadowOffsetY":5}"#,
    );
    let out = fixtures::decode(&bytes);
    // 40 + 2·2 border + 2·(10 blur + 5 offset) shadow margin.
    assert_eq!(out.dimensions(), (74, 74));
    assert_eq!(out.get_pixel(0, 0).0[3], 0, "far corner is clear");
    // Under the frame's bottom edge the shadow darkens the transparent margin.
    assert!(out.get_pixel(37, 60).0[3] > 0, "shadow below the frame");
    assert_close(&out, 37, 37, RED, 0);
}

#[test]
fn border_rejects_bad_input_and_settings() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "border",
        "p.png",
        pattern_png(40, 30),
        wrong_type(),
    );
    let msg = invalid("border", pattern_png(40, 30), r#"{"borderWidth":5000}"#);
    assert!(msg.contains("borderWidth"), "{msg}");
    let msg = invalid(
        "border",
        pattern_png(40, 30),
        r##"{"borderColor":"#12345"}"##,
    );
    assert!(msg.contains("borderColor"), "{msg}");
    invalid(
        "border",
        pattern_png(40, 30),
        r#"{"shadow":true,"shadowOffsetX":99}"#,
    );
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// circle-crop

#[test]
fn circle_crop_makes_a_transparent_disc() {
    let (body, bytes) = run("circle-crop", "p.png", pattern_png(100, 80), "{}");
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (80, 80));
    assert_eq!(body["width"], 80);
    for (x, y) in [(0, 0), (79, 0), (0, 79), (79, 79), (8, 8)] {
        assert_eq!(out.get_pixel(x, y).0[3], 0, "corner ({x},{y})");
    }
    for (x, y) in [(40, 40), (40, 2), (2, 40), (70, 40)] {
        assert_eq!(out.get_pixel(x, y).0[3], 255, "inside ({x},{y})");
    }
    // Centred crop: the centre pixel is the source's centre.
    let src = DynamicImage::ImageRgb8(fixtures::pattern_rgb(100, 80));
    assert_close(&out, 40, 40, src.get_pixel(50, 40), 0);
    // The edge is antialiased: some pixels are partly transparent.
    let partial = (0..80)
        .filter(|&x| {
            let a = out.get_pixel(x, 10).0[3];
            a > 0 && a < 255
        })
        .count();
    assert!(partial > 0, "antialiased edge expected");
}

#[test]
fn circle_crop_output_size_border_and_background() {
    let (_, bytes) = run(
        "circle-crop",
        "red.jpg",
        solid_jpeg(120, 90, RED),
        r##"{"outputSize":64,"borderWidth":6,"borderColor":"#00ff00","background":"#0000ff"}"##,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (64, 64));
    assert_close(&out, 1, 1, BLUE, 40);
    assert_close(&out, 32, 2, GREEN, 60);
    assert_close(&out, 32, 32, RED, 40);
}

#[test]
fn circle_crop_zoom_and_offset_pick_the_region() {
    // Left half red, right half blue: zoom 2 at offsetX 0 sees only red.
    let img = RgbaImage::from_fn(200, 100, |x, _| if x < 100 { RED } else { BLUE });
    let png = fixtures::encode(&DynamicImage::ImageRgba8(img), ImageFormat::Png);
    let (_, bytes) = run(
        "circle-crop",
        "h.png",
        png.clone(),
        r#"{"zoom":2,"offsetX":0}"#,
    );
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (50, 50));
    assert_close(&out, 25, 25, RED, 0);
    let (_, bytes) = run("circle-crop", "h.png", png, r#"{"zoom":2,"offsetX":1}"#);
    assert_close(&fixtures::decode(&bytes), 25, 25, BLUE, 0);
}

#[test]
fn circle_crop_rejects_bad_input_and_settings() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "circle-crop",
        "p.png",
        pattern_png(40, 30),
        wrong_type(),
    );
    let msg = invalid("circle-crop", pattern_png(40, 30), r#"{"zoom":10}"#);
    assert!(msg.contains("zoom"), "{msg}");
    invalid("circle-crop", pattern_png(40, 30), r#"{"outputSize":8}"#);
    invalid(
        "circle-crop",
        pattern_png(40, 30),
        r#"{"background":"clear"}"#,
    );
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// image-pad

#[test]
fn image_pad_square_with_colour() {
    let (_, bytes) = run("image-pad", "red.png", solid_png(160, 90, RED), "{}");
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (160, 160));
    assert_close(&out, 0, 0, WHITE, 0);
    assert_close(&out, 80, 20, WHITE, 0);
    assert_close(&out, 80, 80, RED, 0);
    // The image is centred: rows 35..125 are red.
    assert_close(&out, 80, 35, RED, 0);
    assert_close(&out, 80, 124, RED, 0);
    assert_close(&out, 80, 34, WHITE, 0);
    assert_close(&out, 80, 125, WHITE, 0);
}

#[test]
fn image_pad_exact_ratios() {
    for (settings, ratio) in [
        (r##"{"target":"16:9","color":"#00ff00"}"##, (16, 9)),
        (r#"{"target":"3:4"}"#, (3, 4)),
        (r#"{"target":"custom","ratioW":5,"ratioH":2}"#, (5, 2)),
    ] {
        let (_, bytes) = run("image-pad", "p.png", pattern_png(100, 100), settings);
        let (w, h) = fixtures::decode(&bytes).dimensions();
        assert_eq!(w * ratio.1, h * ratio.0, "{settings}: {w}x{h}");
        assert!(w >= 100 && h >= 100, "{settings}: never crops ({w}x{h})");
    }
    let (_, bytes) = run(
        "image-pad",
        "p.png",
        pattern_png(100, 100),
        r##"{"target":"16:9","color":"#00ff00"}"##,
    );
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (192, 108));
    assert_close(&out, 2, 54, GREEN, 0);
}

#[test]
fn image_pad_padding_transparent_and_blur() {
    // 10 % of 100 px on every side → 120x120 content, already square.
    let (_, bytes) = run(
        "image-pad",
        "red.jpg",
        solid_jpeg(100, 100, RED),
        r#"{"padding":10,"background":"transparent"}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (120, 120));
    assert_eq!(out.get_pixel(5, 5).0[3], 0);
    assert_close(&out, 60, 60, RED, 8);

    let (_, bytes) = run(
        "image-pad",
        "red.png",
        solid_png(90, 30, RED),
        r#"{"background":"blur"}"#,
    );
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (90, 90));
    // The blurred cover of a red image is red, not white.
    assert_close(&out, 2, 2, RED, 10);
}

#[test]
fn image_pad_rejects_bad_input_and_settings() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "image-pad",
        "p.png",
        pattern_png(40, 30),
        wrong_type(),
    );
    let msg = invalid("image-pad", pattern_png(40, 30), r#"{"padding":60}"#);
    assert!(msg.contains("padding"), "{msg}");
    invalid("image-pad", pattern_png(40, 30), r#"{"target":"5:4"}"#);
    invalid(
        "image-pad",
        pattern_png(40, 30),
        r#"{"target":"custom","ratioW":0}"#,
    );
    invalid(
        "image-pad",
        pattern_png(40, 30),
        r#"{"background":"mirror"}"#,
    );
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// stitch

#[test]
fn stitch_horizontal_with_gap() {
    let (body, bytes) = run_files(
        "stitch",
        vec![
            ("a.png", solid_png(40, 30, RED)),
            ("b.png", solid_png(50, 30, BLUE)),
        ],
        r#"{"gap":10}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (100, 30));
    assert_eq!(body["width"], 100);
    assert_close(&out, 5, 15, RED, 0);
    assert_close(&out, 39, 15, RED, 0);
    assert_close(&out, 45, 15, WHITE, 0);
    assert_close(&out, 50, 15, BLUE, 0);
    assert_close(&out, 99, 29, BLUE, 0);
}

#[test]
fn stitch_fit_scales_to_the_smallest_height() {
    let (_, bytes) = run_files(
        "stitch",
        vec![
            ("a.png", solid_png(40, 30, RED)),
            ("b.png", solid_png(100, 60, BLUE)),
            ("c.png", solid_png(30, 30, GREEN)),
        ],
        r#"{"format":"jpeg"}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (40 + 50 + 30, 30));
    assert_close(&out, 20, 15, RED, 30);
    assert_close(&out, 65, 15, BLUE, 30);
    assert_close(&out, 105, 15, GREEN, 30);
}

#[test]
fn stitch_vertical_original_and_grid() {
    let (_, bytes) = run_files(
        "stitch",
        vec![
            ("a.png", solid_png(40, 20, RED)),
            ("b.png", solid_png(20, 10, BLUE)),
        ],
        r##"{"direction":"vertical","resizeMode":"original","alignment":"start","border":5,"backgroundColor":"#00ff00"}"##,
    );
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (50, 40));
    assert_close(&out, 2, 2, GREEN, 0);
    assert_close(&out, 10, 10, RED, 0);
    assert_close(&out, 10, 30, BLUE, 0);
    assert_close(&out, 35, 30, GREEN, 0);

    let colors = [RED, GREEN, BLUE, YELLOW];
    let files: Vec<(&str, Vec<u8>)> = ["a.png", "b.png", "c.png", "d.png"]
        .into_iter()
        .zip(colors)
        .map(|(n, c)| (n, solid_png(20, 20, c)))
        .collect();
    let (_, bytes) = run_files(
        "stitch",
        files,
        r#"{"direction":"grid","gridColumns":2,"gap":4}"#,
    );
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (44, 44));
    assert_close(&out, 10, 10, RED, 0);
    assert_close(&out, 34, 10, GREEN, 0);
    assert_close(&out, 10, 34, BLUE, 0);
    assert_close(&out, 34, 34, YELLOW, 0);
    assert_close(&out, 22, 22, WHITE, 0);
}

#[test]
fn stitch_caps_the_canvas() {
    // Ten 1x20000 strips 1000 px apart: 9010 x 20000 = 180 MP > 100 MP.
    let strip = solid_png(1, 20_000, RED);
    let files: Vec<(&str, Vec<u8>)> = (0..10).map(|_| ("s.png", strip.clone())).collect();
    let parts: Vec<_> = files.into_iter().map(|(n, d)| ("files", n, d)).collect();
    let r = shared().run_tool_files(
        "image",
        "stitch",
        &parts,
        r#"{"resizeMode":"original","gap":1000}"#,
    );
    r.assert_client_error(413);
    shared().assert_healthy();
}

#[test]
fn stitch_rejects_bad_input_and_settings() {
    assert_multi_rejects_bad_input("stitch");
    let msg = invalid_files("stitch", r#"{"gap":5000}"#);
    assert!(msg.contains("gap"), "{msg}");
    invalid_files("stitch", r#"{"direction":"diagonal"}"#);
    invalid_files("stitch", r#"{"format":"gif"}"#);
    invalid_files("stitch", r#"{"gridColumns":1}"#);
}

// ---------------------------------------------------------------------------------------
// split

#[test]
fn split_default_grid_covers_the_image() {
    let src = DynamicImage::ImageRgb8(fixtures::pattern_rgb(100, 70));
    let (body, bytes) = run("split", "pic.png", pattern_png(100, 70), "{}");
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 9);
    assert_eq!(body["rows"], 3);
    let mut widths = 0;
    let mut heights = 0;
    for r in 1..=3 {
        for c in 1..=3 {
            let name = format!("pic_r{r}_c{c}.png");
            let (_, data) = entries
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{name} missing"));
            let tile = fixtures::decode(data);
            if r == 1 {
                widths += tile.width();
            }
            if c == 1 {
                heights += tile.height();
            }
        }
    }
    assert_eq!((widths, heights), (100, 70));
    let (_, data) = entries.iter().find(|(n, _)| n == "pic_r2_c2.png").unwrap();
    let tile = fixtures::decode(data);
    assert_eq!(tile.dimensions(), (33, 23));
    assert_eq!(tile.get_pixel(0, 0), src.get_pixel(33, 23));
    assert_eq!(tile.get_pixel(5, 7), src.get_pixel(38, 30));
}

#[test]
fn split_tile_size_and_format() {
    let (_, bytes) = run(
        "split",
        "pic.png",
        pattern_png(100, 60),
        r#"{"tileWidth":40,"rows":2,"outputFormat":"jpg"}"#,
    );
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 6);
    let mut widths = 0;
    for c in 1..=3 {
        let name = format!("pic_r1_c{c}.jpg");
        let (_, data) = entries.iter().find(|(n, _)| *n == name).expect("tile");
        assert_eq!(fixtures::format_of(data), ImageFormat::Jpeg);
        let tile = fixtures::decode(data);
        assert_eq!(tile.height(), 30);
        widths += tile.width();
    }
    assert_eq!(widths, 100);
}

/// Seed 001's settings: `mode` grid/rows/cols with `rows` and `cols`.
#[test]
fn split_takes_seed_001_mode_rows_and_cols() {
    let (_, bytes) = run(
        "split",
        "pic.png",
        pattern_png(90, 60),
        r#"{"mode":"grid","rows":2,"cols":4}"#,
    );
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 8, "2 x 4 tiles");
    for (name, data) in &entries {
        let tile = fixtures::decode(data);
        assert_eq!(tile.height(), 30, "{name}");
        assert!(
            (22..=23).contains(&tile.width()),
            "{name}: {}",
            tile.width()
        );
    }
    assert!(entries.iter().any(|(n, _)| n == "pic_r2_c4.png"));
    // Horizontal strips: `rows` of the full width.
    let (_, bytes) = run(
        "split",
        "pic.png",
        pattern_png(90, 60),
        r#"{"mode":"rows","rows":3}"#,
    );
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 3);
    for (_, data) in &entries {
        assert_eq!(fixtures::decode(data).dimensions(), (90, 20));
    }
    // Vertical strips: `cols` of the full height.
    let (_, bytes) = run(
        "split",
        "pic.png",
        pattern_png(90, 60),
        r#"{"mode":"cols","cols":2}"#,
    );
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 2);
    for (_, data) in &entries {
        assert_eq!(fixtures::decode(data).dimensions(), (45, 60));
    }
    invalid("split", pattern_png(40, 30), r#"{"mode":"diagonal"}"#);
}

#[test]
fn split_rejects_bad_input_and_settings() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "split",
        "p.png",
        pattern_png(40, 30),
        wrong_type(),
    );
    let msg = invalid("split", pattern_png(40, 30), r#"{"columns":0}"#);
    assert!(msg.contains("columns"), "{msg}");
    invalid("split", pattern_png(40, 30), r#"{"rows":101}"#);
    invalid("split", pattern_png(40, 30), r#"{"tileWidth":5}"#);
    invalid("split", pattern_png(40, 30), r#"{"outputFormat":"avif"}"#);
    invalid("split", pattern_png(40, 30), r#"{"columns":50}"#);
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// sprite-sheet

#[test]
fn sprite_sheet_frames_match_pixels() {
    let (body, bytes) = run_files(
        "sprite-sheet",
        vec![
            ("red.png", solid_png(20, 10, RED)),
            ("green.png", solid_png(10, 30, GREEN)),
            ("blue.png", solid_png(15, 15, BLUE)),
        ],
        r#"{"columns":2,"padding":4,"background":"transparent"}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let out = fixtures::decode(&bytes);
    // Cells 20x30; 2 columns, 2 rows, 4 px padding around each.
    assert_eq!(out.dimensions(), (4 + 2 * 24, 4 + 2 * 34));
    assert_eq!(body["width"], out.width());
    assert_eq!(body["height"], out.height());
    let frames = body["frames"].as_array().expect("frames");
    assert_eq!(frames.len(), 3);
    for (frame, (name, color, size)) in frames.iter().zip([
        ("red.png", RED, (20, 10)),
        ("green.png", GREEN, (10, 30)),
        ("blue.png", BLUE, (15, 15)),
    ]) {
        assert_eq!(frame["name"], name);
        let (x, y) = (
            frame["x"].as_u64().unwrap() as u32,
            frame["y"].as_u64().unwrap() as u32,
        );
        assert_eq!(
            (
                frame["width"].as_u64().unwrap() as u32,
                frame["height"].as_u64().unwrap() as u32
            ),
            size
        );
        assert_close(&out, x, y, color, 0);
        assert_close(&out, x + size.0 - 1, y + size.1 - 1, color, 0);
        if x > 0 {
            assert_eq!(out.get_pixel(x - 1, y).0[3], 0, "{name}: padding before it");
        }
    }
    assert_eq!(
        (frames[1]["x"].as_u64(), frames[2]["y"].as_u64()),
        (Some(28), Some(38))
    );
}

#[test]
fn sprite_sheet_rejects_bad_input_and_settings() {
    assert_multi_rejects_bad_input("sprite-sheet");
    let msg = invalid_files("sprite-sheet", r#"{"columns":20}"#);
    assert!(msg.contains("columns"), "{msg}");
    invalid_files("sprite-sheet", r#"{"padding":100}"#);
    invalid_files("sprite-sheet", r##"{"background":"#xyz"}"##);
}

// ---------------------------------------------------------------------------------------
// collage

#[test]
fn collage_two_horizontal_cells_show_their_images() {
    let (body, bytes) = run_files(
        "collage",
        vec![
            ("a.png", pattern_png(300, 200)),
            ("b.png", solid_png(50, 80, BLUE)),
        ],
        r#"{"templateId":"2-horizontal","width":400,"gap":10}"#,
    );
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (400, 200));
    assert_eq!(body["width"], 400);
    assert_close(&out, 3, 3, WHITE, 0);
    assert_close(&out, 200, 100, WHITE, 0);
    assert_close(&out, 300, 100, BLUE, 0);
    // The left cell shows the pattern (red rises left to right).
    let (l, r) = (out.get_pixel(20, 100), out.get_pixel(180, 100));
    assert!(r.0[0] > l.0[0] + 50, "pattern gradient: {l:?} {r:?}");
}

#[test]
fn collage_grid_with_aspect_ratio_and_alias() {
    let colors = [RED, GREEN, BLUE, YELLOW];
    let files: Vec<(&str, Vec<u8>)> = ["a.png", "b.png", "c.png", "d.png"]
        .into_iter()
        .zip(colors)
        .map(|(n, c)| (n, solid_png(30, 60, c)))
        .collect();
    let (_, bytes) = run_files(
        "collage",
        files,
        r#"{"template":"4-grid","width":300,"aspectRatio":"3:2","gap":0,"outputFormat":"jpeg"}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    let out = fixtures::decode(&bytes);
    assert_eq!(out.dimensions(), (300, 200));
    assert_close(&out, 75, 50, RED, 30);
    assert_close(&out, 225, 50, GREEN, 30);
    assert_close(&out, 75, 150, BLUE, 30);
    assert_close(&out, 225, 150, YELLOW, 30);
}

#[test]
fn collage_rejects_bad_input_and_settings() {
    assert_multi_rejects_bad_input("collage");
    let msg = invalid_files("collage", r#"{"templateId":"7-spiral"}"#);
    assert!(msg.contains("4-grid"), "lists valid ids: {msg}");
    invalid_files("collage", r#"{"gap":900}"#);
    invalid_files("collage", r#"{"aspectRatio":"wide"}"#);
    invalid_files("collage", r#"{"width":50}"#);
}
