//! Test inputs generated on the fly (no binary fixtures in the repository).

use std::io::Cursor;

/// A camera-like RGB test pattern: gradients plus detail, so codecs and resamplers have
/// real work and orientation mistakes are visible.
pub fn pattern_rgb(width: u32, height: u32) -> image::RgbImage {
    image::RgbImage::from_fn(width, height, |x, y| {
        let r = (x * 255 / width.max(1)) as u8;
        let g = (y * 255 / height.max(1)) as u8;
        let b = (((x / 8) ^ (y / 8)) & 1) as u8 * 200;
        image::Rgb([r, g, b])
    })
}

/// Encodes an image in a format.
pub fn encode(img: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A JPEG of the test pattern.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(
        &image::DynamicImage::ImageRgb8(pattern_rgb(width, height)),
        image::ImageFormat::Jpeg,
    )
}

/// A PNG with an alpha channel (left half opaque red, right half transparent).
pub fn png_rgba(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgba([255, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 255, 0])
        }
    });
    encode(
        &image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::Png,
    )
}

/// Decodes image bytes (panics if they are not an image).
pub fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("result decodes as an image")
}

/// The format of image bytes.
pub fn format_of(bytes: &[u8]) -> image::ImageFormat {
    image::guess_format(bytes).expect("known image format")
}

/// A PDF with `pages` pages; page `i` (1-based) shows the text `"<label> page i"` and has
/// a MediaBox of `width` × `height` points.
pub fn pdf(pages: u32, label: &str) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for i in 1..=pages {
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 24.into()]),
                Operation::new("Td", vec![72.into(), 700.into()]),
                Operation::new(
                    "Tj",
                    vec![Object::string_literal(format!("{label} page {i}"))],
                ),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        });
        kids.push(page_id.into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => pages as i64, "Resources" => resources_id,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// The text of each page of a PDF, in page order.
pub fn pdf_page_texts(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).expect("result is a PDF");
    let pages = doc.get_pages();
    pages
        .keys()
        .map(|n| {
            doc.extract_text(&[*n])
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .collect()
}

/// A short WAV-free test video with an audio track, made by ffmpeg (lavfi sources).
pub fn video_with_audio(seconds: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clip.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("testsrc=size=160x120:rate=10:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={seconds}"))
        .args(["-c:v", "mpeg4", "-c:a", "aac", "-shortest"])
        .arg(&out)
        .status()
        .expect("ffmpeg is installed (.ci/run installs it)");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// Runs `qpdf --check` (an independent PDF reader) on `bytes`: status 0 means a sound file,
/// 2 or 3 a damaged one (errors or warnings); stdout and stderr say what it found.
pub fn qpdf_check(bytes: &[u8]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("check.pdf");
    std::fs::write(&path, bytes).expect("write PDF");
    std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("qpdf is installed (.ci/run installs it)")
}
