//! End-to-end tests of the overlay tools watermark-text, watermark-image, text-overlay,
//! compose and meme-generator (with its `meme-templates` operation), through the HTTP API
//! of one shared host.

use image::{DynamicImage, GenericImageView, ImageFormat, Rgba, RgbaImage};
use lathe_tests::{assert_rejects_bad_input, fixtures, json, shared, Value};

const GREY: Rgba<u8> = Rgba([128, 128, 128, 255]);
const WHITE: Rgba<u8> = Rgba([255, 255, 255, 255]);
const RED: Rgba<u8> = Rgba([255, 0, 0, 255]);
const BLUE: Rgba<u8> = Rgba([20, 40, 160, 255]);

/// An opaque PNG of one colour.
fn solid_png(width: u32, height: u32, color: Rgba<u8>) -> Vec<u8> {
    fixtures::encode(
        &DynamicImage::ImageRgba8(RgbaImage::from_pixel(width, height, color)),
        ImageFormat::Png,
    )
}

fn run(tool: &str, data: Vec<u8>, settings: &str) -> (Value, RgbaImage) {
    let (body, bytes) =
        shared().run_and_download("image", tool, &[("file", "in.png", data)], settings);
    (body, fixtures::decode(&bytes).to_rgba8())
}

fn run_two(tool: &str, second: &str, a: Vec<u8>, b: Vec<u8>, settings: &str) -> RgbaImage {
    let (_, bytes) = shared().run_and_download(
        "image",
        tool,
        &[("file", "base.png", a), (second, "top.png", b)],
        settings,
    );
    fixtures::decode(&bytes).to_rgba8()
}

/// Runs a one-file tool expecting 400 INVALID_SETTINGS.
fn invalid(tool: &str, data: Vec<u8>, settings: &str) {
    let r = shared().run_tool("image", tool, "in.png", data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
}

/// Runs a two-file tool expecting a 400.
fn rejected_two(tool: &str, a: Vec<u8>, b: Vec<u8>, settings: &str) -> String {
    let r = shared().run_tool_files(
        "image",
        tool,
        &[("file", "a.png", a), ("file", "b.png", b)],
        settings,
    );
    r.assert_client_error(400)
}

/// Number of pixels in the rectangle that differ from `color` by more than 8 in a channel.
fn changed(img: &RgbaImage, x0: u32, y0: u32, x1: u32, y1: u32, color: Rgba<u8>) -> usize {
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            if (0..4).any(|c| p.0[c].abs_diff(color.0[c]) > 8) {
                n += 1;
            }
        }
    }
    n
}

/// Counts near-white and near-black pixels in a rectangle.
fn white_and_black(img: &RgbaImage, x0: u32, y0: u32, x1: u32, y1: u32) -> (usize, usize) {
    let (mut white, mut black) = (0, 0);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y).0;
            if p[..3].iter().all(|&c| c >= 235) {
                white += 1;
            }
            if p[..3].iter().all(|&c| c <= 25) {
                black += 1;
            }
        }
    }
    (white, black)
}

#[test]
fn watermark_text_marks_the_centre_and_nothing_far_away() {
    let (body, img) = run(
        "watermark-text",
        solid_png(400, 300, GREY),
        r##"{"text":"LATHE","fontSize":48,"color":"#000000","opacity":100}"##,
    );
    assert_eq!(img.dimensions(), (400, 300));
    assert_eq!(body["width"], 400);
    assert!(
        changed(&img, 120, 110, 280, 190, GREY) > 300,
        "text drawn in the centre"
    );
    let (_, black) = white_and_black(&img, 120, 110, 280, 190);
    assert!(black > 100, "opaque black glyph pixels");
    for (x0, y0) in [(0, 0), (340, 0), (0, 240), (340, 240)] {
        assert_eq!(
            changed(&img, x0, y0, x0 + 60, y0 + 60, GREY),
            0,
            "corner {x0},{y0}"
        );
    }
}

#[test]
fn watermark_text_corner_rotation_tiling_and_jpeg() {
    let (_, img) = run(
        "watermark-text",
        solid_png(400, 300, GREY),
        r##"{"text":"(c) me","fontSize":30,"color":"#FFFFFF","opacity":80,"position":"bottom-right"}"##,
    );
    assert!(changed(&img, 250, 230, 400, 300, GREY) > 50);
    assert_eq!(changed(&img, 0, 0, 200, 150, GREY), 0);

    let (_, rotated) = run(
        "watermark-text",
        solid_png(400, 400, GREY),
        r#"{"text":"DIAGONAL TEXT","fontSize":40,"opacity":100,"rotation":-45}"#,
    );
    // -45° turns the text anticlockwise: it rises from bottom-left to top-right.
    assert!(changed(&rotated, 220, 100, 280, 160, GREY) > 20);
    assert!(changed(&rotated, 120, 240, 180, 300, GREY) > 20);
    assert_eq!(changed(&rotated, 100, 100, 160, 160, GREY), 0);
    assert_eq!(changed(&rotated, 240, 240, 300, 300, GREY), 0);

    let (_, tiled) = run(
        "watermark-text",
        solid_png(500, 400, GREY),
        r#"{"text":"SAMPLE","fontSize":24,"opacity":60,"position":"tiled","rotation":30}"#,
    );
    for (x0, y0) in [(0, 0), (250, 0), (0, 200), (250, 200)] {
        assert!(
            changed(&tiled, x0, y0, x0 + 250, y0 + 200, GREY) > 100,
            "tiles in quadrant {x0},{y0}"
        );
    }

    let (_, bytes) = shared().run_and_download(
        "image",
        "watermark-text",
        &[("file", "photo.jpg", fixtures::jpeg(320, 240))],
        r#"{"text":"hello"}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    assert_eq!(fixtures::decode(&bytes).dimensions(), (320, 240));
}

#[test]
fn watermark_text_with_zero_opacity_changes_nothing() {
    let (_, img) = run(
        "watermark-text",
        solid_png(200, 100, GREY),
        r#"{"text":"invisible","opacity":0}"#,
    );
    assert_eq!(changed(&img, 0, 0, 200, 100, GREY), 0);
}

#[test]
fn watermark_text_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "image",
        "watermark-text",
        "in.png",
        solid_png(20, 20, GREY),
        ("notes.txt", b"hello".to_vec()),
    );
    let png = || solid_png(40, 40, GREY);
    invalid("watermark-text", png(), "{}");
    invalid("watermark-text", png(), r#"{"text":"  "}"#);
    invalid(
        "watermark-text",
        png(),
        r#"{"text":"x","color":"blue-ish"}"#,
    );
    invalid("watermark-text", png(), r#"{"text":"x","opacity":150}"#);
    invalid("watermark-text", png(), r#"{"text":"x","fontSize":4}"#);
    invalid("watermark-text", png(), r#"{"text":"x","rotation":720}"#);
    invalid(
        "watermark-text",
        png(),
        r#"{"text":"x","position":"somewhere"}"#,
    );
    let long = "x".repeat(501);
    invalid(
        "watermark-text",
        png(),
        &json!({ "text": long }).to_string(),
    );
}

#[test]
fn watermark_image_goes_to_the_chosen_corner() {
    let img = run_two(
        "watermark-image",
        "watermark",
        solid_png(300, 200, WHITE),
        solid_png(100, 100, RED),
        r#"{"position":"top-left","opacity":100,"scale":20}"#,
    );
    assert_eq!(img.dimensions(), (300, 200));
    // 20% of 300 px = a 60 × 60 logo, 6 px (3% of 200) from the edges.
    assert_eq!(*img.get_pixel(30, 30), RED);
    assert_eq!(*img.get_pixel(8, 8), RED);
    assert_eq!(changed(&img, 0, 70, 300, 200, WHITE), 0);
    assert_eq!(changed(&img, 70, 0, 300, 200, WHITE), 0);

    // Default: bottom-right at 50% opacity, a pink square.
    let img = run_two(
        "watermark-image",
        "watermark",
        solid_png(300, 200, WHITE),
        solid_png(100, 50, RED),
        "{}",
    );
    let p = img.get_pixel(300 - 6 - 20, 200 - 6 - 10).0;
    assert!(p[0] >= 250 && (110..=145).contains(&p[1]), "{p:?}");
    assert_eq!(changed(&img, 0, 0, 200, 150, WHITE), 0);
}

#[test]
fn watermark_image_with_zero_opacity_changes_nothing() {
    let img = run_two(
        "watermark-image",
        "watermark",
        solid_png(120, 80, GREY),
        solid_png(50, 50, RED),
        r#"{"opacity":0,"position":"center"}"#,
    );
    assert_eq!(changed(&img, 0, 0, 120, 80, GREY), 0);
}

#[test]
fn watermark_image_rejects_bad_input() {
    let png = || solid_png(40, 40, GREY);
    let garbage: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
    rejected_two("watermark-image", png(), garbage.clone(), "{}");
    rejected_two("watermark-image", garbage, png(), "{}");
    assert_eq!(
        rejected_two("watermark-image", png(), png(), r#"{"opacity":101}"#),
        "INVALID_SETTINGS"
    );
    assert_eq!(
        rejected_two("watermark-image", png(), png(), r#"{"scale":0}"#),
        "INVALID_SETTINGS"
    );
    assert_eq!(
        rejected_two(
            "watermark-image",
            png(),
            png(),
            r#"{"position":"tiled-ish"}"#
        ),
        "INVALID_SETTINGS"
    );
    // Only one file: the watermark is missing.
    let r = shared().run_tool("image", "watermark-image", "a.png", png(), "{}");
    r.assert_client_error(400);
    shared().assert_healthy();
}

#[test]
fn text_overlay_writes_in_the_chosen_band() {
    let (_, img) = run(
        "text-overlay",
        solid_png(400, 300, BLUE),
        r#"{"text":"Hello overlay","position":"top","backgroundBox":true,"fontSize":32}"#,
    );
    assert_eq!(img.dimensions(), (400, 300));
    let (white, _) = white_and_black(&img, 0, 0, 400, 100);
    assert!(white > 100, "white text in the top band");
    assert_eq!(changed(&img, 0, 150, 400, 300, BLUE), 0);

    let (_, img) = run(
        "text-overlay",
        solid_png(400, 300, BLUE),
        r#"{"text":"Bottom caption that is long enough to wrap onto a second line","fontSize":28}"#,
    );
    let (white, _) = white_and_black(&img, 0, 180, 400, 300);
    assert!(white > 100, "white text in the bottom band");
    assert_eq!(changed(&img, 0, 0, 400, 120, BLUE), 0);

    // Explicit x/y place the text's box there.
    let (_, img) = run(
        "text-overlay",
        solid_png(400, 300, BLUE),
        r##"{"text":"xy","x":10,"y":10,"fontSize":24,"shadow":false,"color":"#FF0000"}"##,
    );
    assert!(changed(&img, 0, 0, 80, 60, BLUE) > 20);
    assert_eq!(changed(&img, 100, 100, 400, 300, BLUE), 0);
}

#[test]
fn text_overlay_rejects_bad_input() {
    assert_rejects_bad_input(
        shared(),
        "image",
        "text-overlay",
        "in.png",
        solid_png(20, 20, GREY),
        ("notes.txt", b"hello".to_vec()),
    );
    let png = || solid_png(40, 40, GREY);
    invalid("text-overlay", png(), "{}");
    invalid("text-overlay", png(), r##"{"text":"x","color":"#12345"}"##);
    invalid(
        "text-overlay",
        png(),
        r##"{"text":"x","backgroundColor":"#zzzzzz","backgroundBox":true}"##,
    );
    invalid("text-overlay", png(), r#"{"text":"x","fontSize":500}"#);
    invalid(
        "text-overlay",
        png(),
        r#"{"text":"x","position":"nowhere"}"#,
    );
}

#[test]
fn compose_layers_the_overlay_at_its_position() {
    let img = run_two(
        "compose",
        "overlay",
        solid_png(200, 150, WHITE),
        solid_png(50, 50, RED),
        r#"{"x":20,"y":30,"blendMode":"multiply"}"#,
    );
    assert_eq!(img.dimensions(), (200, 150));
    assert_eq!(*img.get_pixel(40, 50), RED);
    assert_eq!(*img.get_pixel(20, 30), RED);
    assert_eq!(*img.get_pixel(19, 30), WHITE);
    assert_eq!(*img.get_pixel(70, 80), WHITE);

    // An overlay bigger than the base is clipped: the output keeps the base size.
    let img = run_two(
        "compose",
        "overlay",
        solid_png(200, 150, GREY),
        solid_png(300, 300, WHITE),
        r#"{"x":100,"y":100,"opacity":50}"#,
    );
    assert_eq!(img.dimensions(), (200, 150));
    let p = img.get_pixel(150, 120).0;
    assert!((188..=195).contains(&p[0]), "half-way grey to white: {p:?}");
    assert_eq!(*img.get_pixel(50, 50), GREY);

    // Screen with black changes nothing; difference with itself is black.
    let img = run_two(
        "compose",
        "overlay",
        solid_png(60, 60, GREY),
        solid_png(60, 60, Rgba([0, 0, 0, 255])),
        r#"{"blendMode":"screen"}"#,
    );
    assert_eq!(changed(&img, 0, 0, 60, 60, GREY), 0);
    let img = run_two(
        "compose",
        "overlay",
        solid_png(60, 60, GREY),
        solid_png(60, 60, GREY),
        r#"{"blend":"difference"}"#,
    );
    assert_eq!(*img.get_pixel(30, 30), Rgba([0, 0, 0, 255]));
}

#[test]
fn compose_rejects_bad_input() {
    let png = || solid_png(40, 40, GREY);
    let garbage: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
    rejected_two("compose", png(), garbage, "{}");
    assert_eq!(
        rejected_two("compose", png(), png(), r#"{"opacity":-1}"#),
        "INVALID_SETTINGS"
    );
    assert_eq!(
        rejected_two("compose", png(), png(), r#"{"blendMode":"dodge-ish"}"#),
        "INVALID_SETTINGS"
    );
    assert_eq!(
        rejected_two("compose", png(), png(), r#"{"x":-5}"#),
        "INVALID_SETTINGS"
    );
    let r = shared().run_tool("image", "compose", "a.png", png(), "{}");
    r.assert_client_error(400);
    shared().assert_healthy();
}

#[test]
fn meme_text_is_white_with_black_outline_in_the_top_band() {
    let grey = Rgba([120, 120, 120, 255]);
    let (_, img) = run(
        "meme-generator",
        solid_png(600, 400, grey),
        r#"{"textBoxes":[{"id":"top","text":"one does not simply"}]}"#,
    );
    assert_eq!(img.dimensions(), (600, 400));
    let (white, black) = white_and_black(&img, 0, 0, 600, 130);
    assert!(white > 200, "white fill: {white}");
    assert!(black > 200, "black outline: {black}");
    assert_eq!(changed(&img, 0, 200, 600, 400, grey), 0, "no bottom text");

    // Both shortcuts; a long bottom text is wrapped and shrunk to stay inside the image.
    let (_, img) = run(
        "meme-generator",
        solid_png(600, 400, grey),
        r#"{"topText":"top","bottomText":"a considerably longer bottom line of text that has to wrap over several lines"}"#,
    );
    let (tw, tb) = white_and_black(&img, 0, 0, 600, 130);
    let (bw, bb) = white_and_black(&img, 0, 270, 600, 400);
    assert!(tw > 100 && tb > 100 && bw > 100 && bb > 100);
    assert_eq!(
        changed(&img, 0, 150, 600, 250, grey),
        0,
        "middle left alone"
    );
    assert_eq!(
        changed(&img, 0, 390, 600, 400, grey),
        0,
        "bottom margin kept"
    );

    // A JPEG stays a JPEG.
    let (_, bytes) = shared().run_and_download(
        "image",
        "meme-generator",
        &[("file", "cat.jpg", fixtures::jpeg(300, 200))],
        r#"{"textLayout":"center","textBoxes":[{"text":"hi"}]}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
}

#[test]
fn meme_templates_list_and_render() {
    let lathe = shared();
    let token = lathe.admin_token();
    let r = lathe.post_multipart(
        "/api/v1/tools/image/meme-generator/meme-templates",
        Some(&token),
        &[],
        Some("{}"),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let list = r.json();
    let templates = list["templates"].as_array().expect("templates array");
    assert!((3..=5).contains(&templates.len()), "{list}");
    for t in templates {
        assert!(t["id"].is_string() && t["name"].is_string(), "{t}");
        let (w, h) = (t["width"].as_u64().unwrap(), t["height"].as_u64().unwrap());
        let boxes = t["textBoxes"].as_array().unwrap();
        assert!(!boxes.is_empty());
        for b in boxes {
            assert!(b["id"].is_string());
            assert!(b["x"].as_u64().unwrap() + b["width"].as_u64().unwrap() <= w);
            assert!(b["y"].as_u64().unwrap() + b["height"].as_u64().unwrap() <= h);
        }
    }

    // Rendering each template (multipart without a file) gives an image of its size.
    for t in templates {
        let id = t["id"].as_str().unwrap();
        let texts: Vec<Value> = t["textBoxes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| json!({"id": b["id"], "text": format!("text for {}", b["id"].as_str().unwrap())}))
            .collect();
        let settings = json!({"templateId": id, "textBoxes": texts}).to_string();
        let (body, bytes) = lathe.run_and_download("image", "meme-generator", &[], &settings);
        assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png, "{body}");
        let img = fixtures::decode(&bytes);
        assert_eq!(
            (img.width() as u64, img.height() as u64),
            (t["width"].as_u64().unwrap(), t["height"].as_u64().unwrap()),
            "{id}"
        );
    }

    // A JSON body is template mode too.
    let first = &templates[0];
    let r = lathe.post_json(
        "/api/v1/tools/image/meme-generator",
        Some(&token),
        &json!({"templateId": first["id"], "textBoxes": [{"id": "top", "text": "json body"}]}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let url = r.json()["downloadUrl"].as_str().unwrap().to_string();
    let d = lathe.get(&url, Some(&token));
    let img = fixtures::decode(&d.body).to_rgba8();
    assert_eq!(img.width() as u64, first["width"].as_u64().unwrap());
    let (white, black) = white_and_black(&img, 0, 0, img.width(), img.height() / 3);
    assert!(white > 50 && black > 50);
}

#[test]
fn meme_generator_rejects_bad_input() {
    let lathe = shared();
    let token = lathe.admin_token();
    // No file and no template.
    let r = lathe.post_multipart(
        "/api/v1/tools/image/meme-generator",
        Some(&token),
        &[],
        Some(r#"{"textBoxes":[{"text":"x"}]}"#),
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    let r = lathe.post_multipart(
        "/api/v1/tools/image/meme-generator",
        Some(&token),
        &[],
        Some(r#"{"templateId":"no-such-template"}"#),
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    let garbage: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
    let r = lathe.run_tool("image", "meme-generator", "garbage.png", garbage, "{}");
    r.assert_client_error(400);
    let png = || solid_png(40, 40, GREY);
    invalid("meme-generator", png(), r#"{"fontFamily":"wingdings"}"#);
    invalid("meme-generator", png(), r#"{"textColor":"white!"}"#);
    invalid("meme-generator", png(), r#"{"fontSize":1000}"#);
    invalid("meme-generator", png(), r#"{"textLayout":"diagonal"}"#);
    invalid("meme-generator", png(), "{not json");
    lathe.assert_healthy();
}

#[test]
fn meme_templates_route_lists_and_serves_template_images() {
    let lathe = shared();
    let token = lathe.admin_token();
    assert_eq!(lathe.get("/api/v1/meme-templates", None).status, 401);
    let r = lathe.get("/api/v1/meme-templates", Some(&token));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let list = r.json();
    let first = &list["templates"][0];
    let id = first["id"].as_str().expect("template id");
    let full = lathe.get(
        &format!("/api/v1/meme-templates/full/{id}.png"),
        Some(&token),
    );
    assert_eq!(full.status, 200);
    assert_eq!(full.content_type, "image/png");
    let img = fixtures::decode(&full.body);
    assert_eq!(img.width() as u64, first["width"].as_u64().unwrap());
    assert_eq!(
        full.header("x-width"),
        Some(img.width().to_string().as_str())
    );
    let thumb = lathe.get(
        &format!("/api/v1/meme-templates/thumbs/{id}.png"),
        Some(&token),
    );
    assert_eq!(thumb.status, 200);
    assert!(fixtures::decode(&thumb.body).width() <= 240);
    lathe
        .get(
            "/api/v1/meme-templates/full/no-such-template.png",
            Some(&token),
        )
        .assert_client_error(400);
    lathe
        .get("/api/v1/meme-templates/../api/v1/users", Some(&token))
        .assert_client_error(404);
}
