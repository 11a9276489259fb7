//! `image/lqip-placeholder`: a tiny low-quality image placeholder (LQIP) and its data URI.
//!
//! The image is scaled to `width` pixels wide (height keeps the aspect ratio, at least one
//! pixel), then, by `strategy`:
//! * `blur`: a Gaussian blur of `blur` pixels (sigma, on the tiny image; 0 = none);
//! * `pixelate`: blocks of a quarter of the width (at least 2 px), each its average colour;
//! * `solid`: one flat average colour.
//!
//! It is encoded as WebP (lossless), PNG or JPEG (`quality`), and returned both as the file
//! and as `dataUri` in the response.

use base64::Engine;
use lathe_color_kit::{gaussian_blur, number, whole};
use lathe_image_kit::{
    decode_with_target, encode, image, resize_exact, DynamicImage, EncodeOptions, ImageFormat,
};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "size")]
    width: Option<f64>,
    blur: Option<f64>,
    strategy: Option<String>,
    #[serde(alias = "outputFormat")]
    format: Option<String>,
    quality: Option<f64>,
}

/// How the tiny image is softened.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Strategy {
    Blur,
    Pixelate,
    Solid,
}

/// Blurs RGBA8 pixels with premultiplied alpha so transparent pixels do not bleed.
fn blur_rgba(img: &image::RgbaImage, sigma: f32) -> image::RgbaImage {
    let (w, h) = img.dimensions();
    let mut buf = Vec::with_capacity((w * h * 4) as usize);
    for p in img.pixels() {
        let a = p[3] as f32 / 255.0;
        buf.extend_from_slice(&[
            p[0] as f32 * a,
            p[1] as f32 * a,
            p[2] as f32 * a,
            p[3] as f32,
        ]);
    }
    let out = gaussian_blur(&buf, w as usize, h as usize, 4, sigma);
    let mut result = image::RgbaImage::new(w, h);
    for (dst, px) in result.pixels_mut().zip(out.chunks_exact(4)) {
        let a = px[3].clamp(0.0, 255.0);
        let un = |v: f32| {
            if a > 0.0 {
                (v * 255.0 / a).clamp(0.0, 255.0).round() as u8
            } else {
                0
            }
        };
        *dst = image::Rgba([un(px[0]), un(px[1]), un(px[2]), a.round() as u8]);
    }
    result
}

/// Fills each `block` × `block` cell with its alpha-weighted average colour.
fn pixelate(img: &mut image::RgbaImage, block: u32) {
    let (w, h) = img.dimensions();
    let mut by = 0;
    while by < h {
        let mut bx = 0;
        while bx < w {
            let (x1, y1) = ((bx + block).min(w), (by + block).min(h));
            let avg = average(img, bx, by, x1, y1);
            for y in by..y1 {
                for x in bx..x1 {
                    img.put_pixel(x, y, avg);
                }
            }
            bx += block;
        }
        by += block;
    }
}

/// Alpha-weighted average colour of the rectangle `x0..x1` × `y0..y1`.
fn average(img: &image::RgbaImage, x0: u32, y0: u32, x1: u32, y1: u32) -> image::Rgba<u8> {
    let mut sum = [0u64; 4];
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            let a = p[3] as u64;
            for c in 0..3 {
                sum[c] += p[c] as u64 * a;
            }
            sum[3] += a;
        }
    }
    let n = ((x1 - x0) * (y1 - y0)) as u64;
    if sum[3] == 0 {
        return image::Rgba([0, 0, 0, 0]);
    }
    let c = |s: u64| ((s + sum[3] / 2) / sum[3]).min(255) as u8;
    image::Rgba([
        c(sum[0]),
        c(sum[1]),
        c(sum[2]),
        ((sum[3] + n / 2) / n) as u8,
    ])
}

struct Lqip;

impl Tool for Lqip {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            (
                "lqip-placeholder",
                Section::Image,
                "LQIP placeholder",
                "Make a tiny blurred, pixelated or solid placeholder image and its data URI.",
            ),
            json!({
                    "width": {"type": "integer", "minimum": 4, "maximum": 64, "default": 16},
                    "blur": {"type": "number", "minimum": 0, "maximum": 20, "default": 2},
                    "strategy": {"type": "string", "enum": ["blur", "pixelate", "solid"], "default": "blur"},
                    "format": {"type": "string", "enum": ["webp", "png", "jpeg"], "default": "webp"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}
            }),
            &[],
            Produces::by_setting("format", &["webp", "png", "jpg"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let width = whole("width", s.width, 16.0, 4.0, 64.0)?;
        let blur = number("blur", s.blur, 2.0, 0.0, 20.0)? as f32;
        let quality = whole("quality", s.quality, 50.0, 1.0, 100.0)? as u8;
        let strategy = match s
            .strategy
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("blur") => Strategy::Blur,
            Some("pixelate") => Strategy::Pixelate,
            Some("solid") => Strategy::Solid,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "strategy must be blur, pixelate or solid, got '{other}'"
                )))
            }
        };
        let format = match s.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("webp") => ImageFormat::WebP,
            Some("png") => ImageFormat::Png,
            Some("jpeg") | Some("jpg") => ImageFormat::Jpeg,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "format must be webp, png or jpeg, got '{other}'"
                )))
            }
        };
        let input = &inputs[0];
        let decoded = decode_with_target(input, width, 1)?;
        let (sw, sh) = (decoded.image.width(), decoded.image.height());
        let height = ((sh as f64 * width as f64 / sw as f64).round() as u32).clamp(1, 4096);
        let has_alpha = decoded.image.color().has_alpha();
        let small = resize_exact(&decoded.image, width, height)?;
        let mut rgba = small.to_rgba8();
        match strategy {
            Strategy::Blur if blur > 0.0 => rgba = blur_rgba(&rgba, blur),
            Strategy::Blur => {}
            Strategy::Pixelate => pixelate(&mut rgba, (width / 4).max(2)),
            Strategy::Solid => {
                let avg = average(&rgba, 0, 0, width, height);
                rgba.pixels_mut().for_each(|p| *p = avg);
            }
        }
        // encode() flattens alpha onto white for JPEG.
        let image = if has_alpha {
            DynamicImage::ImageRgba8(rgba)
        } else {
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba).to_rgb8())
        };
        let bytes = encode(&image, format, EncodeOptions { quality })?;
        let data_uri = format!(
            "data:{};base64,{}",
            format.media_type(),
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        );
        let name = format!("{}-lqip.{}", input.stem(), format.extension());
        Ok(
            Output::file(OutputFile::new(name, format.media_type(), bytes)).with_extra(json!({
                "dataUri": data_uri,
                "width": width,
                "height": height,
                "strategy": match strategy {
                    Strategy::Blur => "blur",
                    Strategy::Pixelate => "pixelate",
                    Strategy::Solid => "solid",
                },
                "format": if format == ImageFormat::Jpeg { "jpeg" } else { format.extension() },
            })),
        )
    }
}

lathe_tool_sdk::export_tool!(Lqip);
