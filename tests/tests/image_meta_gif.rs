//! End-to-end tests of the image tools strip-metadata and gif-tools, through the HTTP API
//! of one shared host.

use std::io::Cursor;

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::{AnimationDecoder, Delay, DynamicImage, Frame, GenericImageView, ImageFormat, Rgba};
use lathe_tests::{assert_rejects_bad_input, fixtures, shared, Value};

fn run(tool: &str, name: &str, data: Vec<u8>, settings: &str) -> (Value, Vec<u8>) {
    shared().run_and_download("image", tool, &[("file", name, data)], settings)
}

/// Runs a tool expecting a 400 INVALID_SETTINGS.
fn invalid(tool: &str, name: &str, data: Vec<u8>, settings: &str) {
    let r = shared().run_tool("image", tool, name, data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
}

fn wrong_type() -> (&'static str, Vec<u8>) {
    ("notes.txt", b"just some text, not an image".to_vec())
}

// ---------------------------------------------------------------------------------------
// strip-metadata fixtures

/// A big-endian EXIF block: IFD0 with Orientation and a GPS IFD pointer; the GPS IFD
/// holds a GPSLatitude of three rationals (numerators 0x0BADCAFE) stored out of line.
fn exif_tiff(orientation: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"MM\0\x2a");
    t.extend_from_slice(&8u32.to_be_bytes());
    // IFD0 at 8: 2 entries, ends at 8 + 2 + 24 + 4 = 38.
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&0x0112u16.to_be_bytes());
    t.extend_from_slice(&3u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0x8825u16.to_be_bytes());
    t.extend_from_slice(&4u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&38u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len(), 38);
    // GPS IFD at 38: 1 entry, ends at 38 + 2 + 12 + 4 = 56; values at 56.
    t.extend_from_slice(&1u16.to_be_bytes());
    t.extend_from_slice(&0x0002u16.to_be_bytes());
    t.extend_from_slice(&5u16.to_be_bytes());
    t.extend_from_slice(&3u32.to_be_bytes());
    t.extend_from_slice(&56u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len(), 56);
    for _ in 0..3 {
        t.extend_from_slice(&0x0BAD_CAFEu32.to_be_bytes());
        t.extend_from_slice(&1u32.to_be_bytes());
    }
    t
}

/// Inserts a JPEG segment right after SOI.
fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A JPEG of the test pattern with an EXIF APP1 (with GPS) and an XMP APP1 segment.
fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let jpeg = fixtures::jpeg(width, height);
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&exif_tiff(orientation));
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>lathe</x:xmpmeta>".to_vec();
    with_segment(&with_segment(&jpeg, 0xE1, &xmp), 0xE1, &exif)
}

/// The (marker, payload) of each JPEG segment before the scan.
fn jpeg_segments(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
    let mut pos = 2;
    let mut out = Vec::new();
    while pos + 4 <= bytes.len() {
        assert_eq!(bytes[pos], 0xFF, "marker expected at {pos}");
        let marker = bytes[pos + 1];
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]) as usize;
        out.push((marker, bytes[pos + 4..pos + 2 + len].to_vec()));
        pos += 2 + len;
    }
    out
}

fn has_exif(bytes: &[u8]) -> bool {
    jpeg_segments(bytes)
        .iter()
        .any(|(m, p)| *m == 0xE1 && p.starts_with(b"Exif\0\0"))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
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

/// Inserts a chunk right after a PNG's IHDR.
fn png_with_chunk(png: &[u8], kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let ihdr_end = 8 + 8 + 13 + 4;
    let mut chunk = kind.to_vec();
    chunk.extend_from_slice(body);
    let mut out = png[..ihdr_end].to_vec();
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

fn png_chunk_types(png: &[u8]) -> Vec<String> {
    let mut pos = 8;
    let mut out = Vec::new();
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&png[pos + 4..pos + 8]).into_owned());
        pos += 12 + len;
    }
    out
}

// ---------------------------------------------------------------------------------------
// strip-metadata

#[test]
fn strip_metadata_removes_exif_losslessly() {
    let src = jpeg_with_exif(64, 48, 1);
    assert!(has_exif(&src));
    let (body, bytes) = run("strip-metadata", "photo.jpg", src.clone(), "{}");
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Jpeg);
    assert!(!has_exif(&bytes), "EXIF segment left");
    assert!(!contains(&bytes, b"<x:xmpmeta>"), "XMP left");
    assert_eq!(body["reencoded"], false, "{body}");
    let removed = body["removed"].as_array().unwrap();
    assert!(removed.iter().any(|v| v == "exif"), "{body}");
    assert!(removed.iter().any(|v| v == "xmp"), "{body}");
    assert!(body["bytesSaved"].as_i64().unwrap() > 0, "{body}");
    assert_eq!(
        fixtures::decode(&bytes).to_rgb8(),
        fixtures::decode(&src).to_rgb8(),
        "pixels must be untouched"
    );
    // The scan data is copied byte for byte.
    assert_eq!(
        src.len() - bytes.len(),
        body["bytesSaved"].as_i64().unwrap() as usize
    );
}

#[test]
fn strip_metadata_selected_blocks_only() {
    let src = jpeg_with_exif(64, 48, 1);
    let (_, bytes) = run(
        "strip-metadata",
        "photo.jpg",
        src.clone(),
        r#"{"stripAll":false,"stripXmp":true}"#,
    );
    assert!(has_exif(&bytes), "EXIF must stay");
    assert!(!contains(&bytes, b"<x:xmpmeta>"), "XMP left");
}

#[test]
fn strip_metadata_gps_only_keeps_the_rest_of_exif() {
    let src = jpeg_with_exif(64, 48, 1);
    assert!(contains(&src, &0x0BAD_CAFEu32.to_be_bytes()));
    let (body, bytes) = run(
        "strip-metadata",
        "photo.jpg",
        src.clone(),
        r#"{"stripAll":false,"stripGps":true}"#,
    );
    assert!(has_exif(&bytes), "EXIF must stay");
    assert!(contains(&bytes, b"<x:xmpmeta>"), "XMP must stay");
    assert!(
        !contains(&bytes, &0x0BAD_CAFEu32.to_be_bytes()),
        "GPS values left"
    );
    assert_eq!(body["removed"], serde_json::json!(["gps"]), "{body}");
    assert_eq!(bytes.len(), src.len());
    // IFD0 no longer points at a GPS IFD; the orientation entry is intact.
    let (_, exif) = jpeg_segments(&bytes)
        .into_iter()
        .find(|(m, p)| *m == 0xE1 && p.starts_with(b"Exif\0\0"))
        .unwrap();
    let tiff = &exif[6..];
    assert_eq!(
        u16::from_be_bytes([tiff[8], tiff[9]]),
        1,
        "one IFD0 entry left"
    );
    assert_eq!(u16::from_be_bytes([tiff[10], tiff[11]]), 0x0112);
    assert_eq!(
        fixtures::decode(&bytes).to_rgb8(),
        fixtures::decode(&src).to_rgb8()
    );
}

#[test]
fn strip_metadata_rotated_jpeg_is_turned_upright() {
    // Stored 64x48 with orientation 6: upright it is 48x64.
    let (body, bytes) = run(
        "strip-metadata",
        "portrait.jpg",
        jpeg_with_exif(64, 48, 6),
        "{}",
    );
    assert_eq!(body["reencoded"], true, "{body}");
    assert!(!has_exif(&bytes));
    assert_eq!(fixtures::decode(&bytes).dimensions(), (48, 64));
}

#[test]
fn strip_metadata_png_text_chunk_is_removed() {
    let png = fixtures::encode(
        &DynamicImage::ImageRgb8(fixtures::pattern_rgb(40, 30)),
        ImageFormat::Png,
    );
    let src = png_with_chunk(&png, b"tEXt", b"Comment\0secret note");
    assert!(png_chunk_types(&src).contains(&"tEXt".to_string()));
    let (body, bytes) = run("strip-metadata", "p.png", src.clone(), "{}");
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    let types = png_chunk_types(&bytes);
    assert!(!types.contains(&"tEXt".to_string()), "{types:?}");
    assert!(!contains(&bytes, b"secret note"));
    assert_eq!(
        body["bytesSaved"].as_i64(),
        Some((src.len() - bytes.len()) as i64)
    );
    assert_eq!(
        fixtures::decode(&bytes).to_rgb8(),
        fixtures::decode(&src).to_rgb8()
    );
}

#[test]
fn strip_metadata_rejects_bad_input() {
    let jpeg = jpeg_with_exif(32, 32, 1);
    invalid(
        "strip-metadata",
        "p.jpg",
        jpeg.clone(),
        r#"{"stripAll":"yes"}"#,
    );
    assert_rejects_bad_input(
        shared(),
        "image",
        "strip-metadata",
        "p.jpg",
        jpeg,
        wrong_type(),
    );
    // A truncated JPEG is a client error, not a crash.
    let mut cut = jpeg_with_exif(32, 32, 1);
    cut.truncate(30);
    let r = shared().run_tool("image", "strip-metadata", "cut.jpg", cut, "{}");
    assert!((400..500).contains(&r.status), "{}", r.status);
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// gif-tools

const COLOURS: [[u8; 4]; 3] = [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255]];

/// A 3-frame 40x30 GIF: red, green, blue; 100 ms each.
fn three_frame_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut out);
        enc.set_repeat(Repeat::Infinite).unwrap();
        for c in COLOURS {
            let buf = image::RgbaImage::from_pixel(40, 30, Rgba(c));
            enc.encode_frame(Frame::from_parts(
                buf,
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            ))
            .unwrap();
        }
    }
    out
}

fn frames_of(gif: &[u8]) -> Vec<Frame> {
    assert_eq!(fixtures::format_of(gif), ImageFormat::Gif);
    GifDecoder::new(Cursor::new(gif))
        .unwrap()
        .into_frames()
        .collect_frames()
        .unwrap()
}

fn close(a: Rgba<u8>, b: [u8; 4]) -> bool {
    a.0.iter()
        .zip(b.iter())
        .all(|(x, y)| (*x as i32 - *y as i32).abs() <= 8)
}

fn colour_of(frame: &Frame) -> Rgba<u8> {
    *frame.buffer().get_pixel(5, 5)
}

fn delay_ms(frame: &Frame) -> f64 {
    let (n, d) = frame.delay().numer_denom_ms();
    n as f64 / d as f64
}

#[test]
fn gif_resize_scales_every_frame() {
    let (body, bytes) = run("gif-tools", "a.gif", three_frame_gif(), r#"{"width":20}"#);
    assert_eq!(body["filename"], "a.gif");
    let frames = frames_of(&bytes);
    assert_eq!(frames.len(), 3);
    for (f, c) in frames.iter().zip(COLOURS) {
        assert_eq!(f.buffer().dimensions(), (20, 15));
        assert!(close(colour_of(f), c), "{:?}", colour_of(f));
    }
    let (_, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r#"{"mode":"resize","percentage":200}"#,
    );
    assert_eq!(frames_of(&bytes)[0].buffer().dimensions(), (80, 60));
}

#[test]
fn gif_reverse_reverses_frame_order() {
    let (_, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r#"{"mode":"reverse"}"#,
    );
    let frames = frames_of(&bytes);
    assert_eq!(frames.len(), 3);
    for (f, c) in frames.iter().zip(COLOURS.iter().rev()) {
        assert!(close(colour_of(f), *c), "{:?} vs {c:?}", colour_of(f));
    }
}

#[test]
fn gif_speed_halves_delays() {
    let (_, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r#"{"action":"speed","speedFactor":2}"#,
    );
    let frames = frames_of(&bytes);
    assert_eq!(frames.len(), 3);
    for f in &frames {
        assert_eq!(delay_ms(f), 50.0);
    }
}

#[test]
fn gif_rotate_and_optimize() {
    let (_, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r#"{"mode":"rotate","angle":90,"loop":3}"#,
    );
    let frames = frames_of(&bytes);
    assert_eq!(frames[0].buffer().dimensions(), (30, 40));
    let (body, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r#"{"mode":"optimize"}"#,
    );
    assert_eq!(body["frames"], 3);
    assert_eq!(frames_of(&bytes).len(), 3);
}

#[test]
fn gif_extract_single_frame_as_png() {
    let (body, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r#"{"mode":"extract","extractMode":"single","frameNumber":1}"#,
    );
    assert_eq!(fixtures::format_of(&bytes), ImageFormat::Png);
    assert_eq!(body["filename"], "a-frame-1.png");
    let img = fixtures::decode(&bytes);
    assert_eq!(img.dimensions(), (40, 30));
    assert!(close(img.get_pixel(5, 5), COLOURS[1]));
}

#[test]
fn gif_extract_all_frames_is_a_zip() {
    let (_, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r#"{"mode":"extract","extractMode":"all"}"#,
    );
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP archive");
    assert_eq!(zip.len(), 3);
    for (i, c) in COLOURS.iter().enumerate() {
        let mut entry = zip.by_index(i).unwrap();
        assert!(entry.name().ends_with(".png"), "{}", entry.name());
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        assert!(close(fixtures::decode(&data).get_pixel(5, 5), *c));
    }
}

/// Seed 001's `action` values: `extract-frames` gives every frame; `add-text` captions
/// every frame and leaves the rest of the picture alone.
#[test]
fn gif_seed_001_actions_extract_frames_and_add_text() {
    let (body, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r#"{"action":"extract-frames"}"#,
    );
    assert_eq!(body["frames"], 3, "{body}");
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP archive");
    assert_eq!(zip.len(), 3);
    let (body, bytes) = run(
        "gif-tools",
        "a.gif",
        three_frame_gif(),
        r##"{"action":"add-text","text":"HI","position":"bottom","fontSize":14,"color":"#ffffff"}"##,
    );
    assert_eq!(body["frames"], 3, "{body}");
    let frames = frames_of(&bytes);
    assert_eq!(frames.len(), 3);
    for (f, c) in frames.iter().zip(COLOURS) {
        let buf = f.buffer();
        assert_eq!(buf.dimensions(), (40, 30));
        // The top rows keep the frame's colour.
        assert!(close(*buf.get_pixel(3, 2), c), "{:?}", buf.get_pixel(3, 2));
        // The caption's white fill and dark outline are drawn in the lower half.
        let lower: Vec<Rgba<u8>> = (15..30)
            .flat_map(|y| (0..40).map(move |x| (x, y)))
            .map(|(x, y)| *buf.get_pixel(x, y))
            .collect();
        let white = lower
            .iter()
            .filter(|p| p[0] > 200 && p[1] > 200 && p[2] > 200)
            .count();
        // Outline pixels are darker than the pure colour of the frame (max channel 255).
        let dark = lower
            .iter()
            .filter(|p| p[0].max(p[1]).max(p[2]) < 160)
            .count();
        assert!(white > 5 && dark > 5, "white {white}, dark {dark}");
    }
    for settings in [
        r#"{"action":"add-text"}"#,
        r#"{"action":"add-text","text":"x","position":"sideways"}"#,
        r#"{"action":"add-text","text":"x","color":"white-ish"}"#,
    ] {
        invalid("gif-tools", "a.gif", three_frame_gif(), settings);
    }
}

#[test]
fn gif_tools_rejects_bad_input() {
    let gif = three_frame_gif();
    for settings in [
        r#"{"mode":"explode"}"#,
        r#"{"mode":"speed","speedFactor":50}"#,
        r#"{"mode":"rotate","angle":45}"#,
        r#"{"mode":"extract","frameNumber":3}"#,
        r#"{"mode":"extract","extractFormat":"bmp"}"#,
        r#"{"mode":"resize"}"#,
        r#"{"width":0}"#,
        r#"{"loop":101}"#,
    ] {
        invalid("gif-tools", "a.gif", gif.clone(), settings);
    }
    assert_rejects_bad_input(shared(), "image", "gif-tools", "a.gif", gif, wrong_type());
    // A PNG is not a GIF.
    let png = fixtures::encode(
        &DynamicImage::ImageRgb8(fixtures::pattern_rgb(8, 8)),
        ImageFormat::Png,
    );
    let r = shared().run_tool("image", "gif-tools", "p.png", png, "{}");
    assert!((400..500).contains(&r.status), "{}", r.status);
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// vectorize

/// A PNG of a black square (20..60) on a white 80x80 background.
fn black_square_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(80, 80, |x, y| {
        if (20..60).contains(&x) && (20..60).contains(&y) {
            image::Rgb([0, 0, 0])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    fixtures::encode(&DynamicImage::ImageRgb8(img), ImageFormat::Png)
}

#[test]
fn vectorize_bw_traces_the_square() {
    let (body, bytes) = run("vectorize", "square.png", black_square_png(), "{}");
    assert_eq!(body["filename"], "square.svg");
    let svg = String::from_utf8(bytes).unwrap();
    assert!(svg.contains("<svg"), "{svg}");
    assert!(svg.contains("<path"), "{svg}");
    assert!(body["paths"].as_u64().unwrap() >= 1, "{body}");
    // Inverted, the white surround is traced instead: still a path.
    let (_, bytes) = run(
        "vectorize",
        "square.png",
        black_square_png(),
        r#"{"invert":true,"pathMode":"polygon"}"#,
    );
    assert!(String::from_utf8(bytes).unwrap().contains("<path"));
}

#[test]
fn vectorize_color_mode() {
    let (_, bytes) = run(
        "vectorize",
        "pattern.jpg",
        fixtures::jpeg(64, 48),
        r#"{"colorMode":"color","colorPrecision":12,"filterSpeckle":2}"#,
    );
    let svg = String::from_utf8(bytes).unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"));
    assert!(svg.contains("fill=\"#"), "colour fills expected");
}

#[test]
fn vectorize_rejects_bad_input() {
    let png = black_square_png();
    for settings in [
        r#"{"colorMode":"sepia"}"#,
        r#"{"threshold":300}"#,
        r#"{"colorPrecision":0}"#,
        r#"{"filterSpeckle":500}"#,
        r#"{"pathMode":"curvy"}"#,
        r#"{"cornerThreshold":-1}"#,
    ] {
        invalid("vectorize", "s.png", png.clone(), settings);
    }
    assert_rejects_bad_input(shared(), "image", "vectorize", "s.png", png, wrong_type());
    shared().assert_healthy();
}
