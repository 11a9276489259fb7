//! Layout helpers shared by Lathe's layout tools (border, circle-crop, image-pad, stitch,
//! split, sprite-sheet, collage): hex colours, canvas limits, rounded-rectangle masks,
//! cover/contain scaling and output-format choice; [`decode_all`] and [`canvas_file`]
//! read the inputs and write the canvas of the multi-image layouts.

mod sheet;

pub use sheet::{canvas_file, decode_all};

use lathe_image_kit::image::{self, Rgba, RgbaImage};
use lathe_image_kit::{encode, resize_exact, DynamicImage, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{invalid_settings, Input, Output, OutputFile, ToolError};

/// Largest output canvas (width × height) a layout tool will allocate: 100 megapixels.
pub const MAX_CANVAS_PIXELS: u64 = 100_000_000;

/// Largest width or height of an output canvas (what PNG/WebP encoders handle well).
pub const MAX_CANVAS_SIDE: u64 = 65_535;

/// Parses a hex colour (`#RGB`, `#RRGGBB` or `#RRGGBBAA`, the `#` optional) for `field`.
pub fn parse_hex(field: &str, value: &str) -> Result<Rgba<u8>, ToolError> {
    let bad = || {
        invalid_settings(format!(
            "{field} must be a hex colour (#RGB, #RRGGBB or #RRGGBBAA), got '{value}'"
        ))
    };
    let hex = value.trim();
    let hex = hex.strip_prefix('#').unwrap_or(hex);
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).map_err(|_| bad());
    let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
    match hex.len() {
        3 => Ok(Rgba([digit(0)? * 17, digit(1)? * 17, digit(2)? * 17, 255])),
        6 => Ok(Rgba([pair(0)?, pair(2)?, pair(4)?, 255])),
        8 => Ok(Rgba([pair(0)?, pair(2)?, pair(4)?, pair(6)?])),
        _ => Err(bad()),
    }
}

/// Parses `"transparent"` (fully transparent) or a hex colour for `field`.
pub fn parse_color_or_transparent(field: &str, value: &str) -> Result<Rgba<u8>, ToolError> {
    if value.trim().eq_ignore_ascii_case("transparent") {
        Ok(Rgba([0, 0, 0, 0]))
    } else {
        parse_hex(field, value)
    }
}

/// Checks that a `width` × `height` canvas is non-empty and within [`MAX_CANVAS_PIXELS`]
/// and [`MAX_CANVAS_SIDE`]; returns the size as `u32`s. Too big is [`ToolError::TooLarge`].
pub fn check_canvas(width: u64, height: u64) -> Result<(u32, u32), ToolError> {
    if width == 0 || height == 0 {
        return Err(ToolError::Failed("the output would have no pixels".into()));
    }
    let pixels = width.saturating_mul(height);
    if pixels > MAX_CANVAS_PIXELS || width > MAX_CANVAS_SIDE || height > MAX_CANVAS_SIDE {
        return Err(ToolError::TooLarge(format!(
            "the output would be {width}x{height} px; the limit is {} MP and {MAX_CANVAS_SIDE} px a side",
            MAX_CANVAS_PIXELS / 1_000_000
        )));
    }
    Ok((width as u32, height as u32))
}

/// A new canvas of `width` × `height` filled with `color` (size checked by [`check_canvas`]).
pub fn canvas(width: u64, height: u64, color: Rgba<u8>) -> Result<RgbaImage, ToolError> {
    let (w, h) = check_canvas(width, height)?;
    Ok(RgbaImage::from_pixel(w, h, color))
}

/// Coverage (0.0..=1.0) of pixel `(x, y)` by a `width` × `height` rectangle with corners
/// rounded by `radius`, antialiased over about one pixel.
pub fn rounded_rect_coverage(x: u32, y: u32, width: u32, height: u32, radius: f32) -> f32 {
    let r = radius
        .min(width as f32 / 2.0)
        .min(height as f32 / 2.0)
        .max(0.0);
    if r <= 0.0 {
        return 1.0;
    }
    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
    // Nearest corner centre; pixels outside the corner squares are fully covered.
    let cx = if px < r {
        r
    } else if px > width as f32 - r {
        width as f32 - r
    } else {
        return 1.0;
    };
    let cy = if py < r {
        r
    } else if py > height as f32 - r {
        height as f32 - r
    } else {
        return 1.0;
    };
    let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
    (r - d + 0.5).clamp(0.0, 1.0)
}

/// Coverage (0.0..=1.0) of pixel `(x, y)` by the disc inscribed in a `size` × `size` square
/// shrunk by `inset` pixels on every side, antialiased over about one pixel.
pub fn disc_coverage(x: u32, y: u32, size: u32, inset: f32) -> f32 {
    let c = size as f32 / 2.0;
    let r = c - inset;
    if r <= 0.0 {
        return 0.0;
    }
    let d = ((x as f32 + 0.5 - c).powi(2) + (y as f32 + 0.5 - c).powi(2)).sqrt();
    (r - d + 0.5).clamp(0.0, 1.0)
}

/// Multiplies the alpha of every pixel of `img` by the rounded-rectangle coverage of the
/// whole image with corner `radius` (corners become transparent).
pub fn round_corners(img: &mut RgbaImage, radius: f32) {
    if radius <= 0.0 {
        return;
    }
    let (w, h) = img.dimensions();
    for (x, y, p) in img.enumerate_pixels_mut() {
        let c = rounded_rect_coverage(x, y, w, h, radius);
        if c < 1.0 {
            p.0[3] = (p.0[3] as f32 * c).round() as u8;
        }
    }
}

/// Fills the `width` × `height` rectangle at `(left, top)` of `canvas` with `color`,
/// clipped to the canvas (a plain overwrite, no blending).
pub fn fill_rect(
    canvas: &mut RgbaImage,
    left: i64,
    top: i64,
    width: u32,
    height: u32,
    color: Rgba<u8>,
) {
    let (cw, ch) = (canvas.width() as i64, canvas.height() as i64);
    let (x0, y0) = (left.max(0), top.max(0));
    let (x1, y1) = ((left + width as i64).min(cw), (top + height as i64).min(ch));
    for y in y0..y1 {
        for x in x0..x1 {
            canvas.put_pixel(x as u32, y as u32, color);
        }
    }
}

/// Draws `top` over `canvas` at `(x, y)` with source-over alpha blending.
pub fn overlay(canvas: &mut RgbaImage, top: &RgbaImage, x: i64, y: i64) {
    image::imageops::overlay(canvas, top, x, y);
}

/// Scales `img` (keeping its aspect ratio) to cover `width` × `height` and crops the
/// centre, shifted by `focus` (0.0..=1.0 on each axis, 0.5 = centre).
pub fn cover(
    img: &DynamicImage,
    width: u32,
    height: u32,
    focus: (f64, f64),
) -> Result<RgbaImage, ToolError> {
    let (sw, sh) = (img.width().max(1) as f64, img.height().max(1) as f64);
    let f = (width as f64 / sw).max(height as f64 / sh);
    let nw = ((sw * f).round() as u32).max(width);
    let nh = ((sh * f).round() as u32).max(height);
    let scaled = resize_exact(img, nw, nh)?.to_rgba8();
    let fx = focus.0.clamp(0.0, 1.0);
    let fy = focus.1.clamp(0.0, 1.0);
    let left = ((nw - width) as f64 * fx).round() as u32;
    let top = ((nh - height) as f64 * fy).round() as u32;
    Ok(image::imageops::crop_imm(&scaled, left, top, width, height).to_image())
}

/// Scales `img` (keeping its aspect ratio) to fit inside `width` × `height`; returns the
/// scaled image (at least 1 × 1).
pub fn contain(img: &DynamicImage, width: u32, height: u32) -> Result<RgbaImage, ToolError> {
    let (sw, sh) = (img.width().max(1) as f64, img.height().max(1) as f64);
    let f = (width as f64 / sw).min(height as f64 / sh);
    let nw = ((sw * f).round() as u32).clamp(1, width.max(1));
    let nh = ((sh * f).round() as u32).clamp(1, height.max(1));
    Ok(resize_exact(img, nw, nh)?.to_rgba8())
}

/// Resizes `img` to exactly `width` × `height` (aspect ratio not kept) as RGBA.
pub fn stretch(img: &DynamicImage, width: u32, height: u32) -> Result<RgbaImage, ToolError> {
    Ok(resize_exact(img, width.max(1), height.max(1))?.to_rgba8())
}

/// Parses an output format setting; `"original"` (or an empty value) keeps `source`
/// (PNG when Lathe cannot write the source format).
pub fn output_format(
    field: &str,
    value: Option<&str>,
    source: image::ImageFormat,
) -> Result<ImageFormat, ToolError> {
    match value.map(str::trim) {
        None | Some("") | Some("original") => {
            Ok(ImageFormat::from_image(source).unwrap_or(ImageFormat::Png))
        }
        Some(name) => ImageFormat::from_name(name)
            .map_err(|_| invalid_settings(format!("{field}: unsupported format '{name}'"))),
    }
}

/// Restricts a format to `allowed` names, for tools whose peer offers only a few.
pub fn restricted_format(
    field: &str,
    value: &str,
    allowed: &[&str],
) -> Result<ImageFormat, ToolError> {
    let v = value.trim().to_ascii_lowercase();
    if !allowed.contains(&v.as_str()) {
        return Err(invalid_settings(format!(
            "{field} must be one of {}, got '{value}'",
            allowed.join(", ")
        )));
    }
    ImageFormat::from_name(&v)
}

/// The format to write when the image may have transparent pixels: `preferred` if it keeps
/// alpha, otherwise PNG.
pub fn keep_alpha(preferred: ImageFormat) -> ImageFormat {
    if preferred.supports_alpha() {
        preferred
    } else {
        ImageFormat::Png
    }
}

/// Encodes a result in the format of its source image (`source`), or PNG when it has
/// transparent pixels that format cannot keep, named `<input stem>.<ext>`; the answer names
/// its `width` and `height`.
pub fn save_like_source(
    input: &Input,
    img: RgbaImage,
    source: image::ImageFormat,
    quality: u8,
) -> Result<Output, ToolError> {
    let source = ImageFormat::from_image(source).unwrap_or(ImageFormat::Png);
    let format = if has_transparency(&img) {
        keep_alpha(source)
    } else {
        source
    };
    let (w, h) = img.dimensions();
    let bytes = encode(
        &DynamicImage::ImageRgba8(img),
        format,
        EncodeOptions { quality },
    )?;
    let name = format!("{}.{}", input.stem(), format.extension());
    Ok(
        Output::file(OutputFile::new(name, format.media_type(), bytes))
            .with_extra(serde_json::json!({"width": w, "height": h})),
    )
}

/// Whether any pixel of `img` is not fully opaque.
pub fn has_transparency(img: &RgbaImage) -> bool {
    img.pixels().any(|p| p.0[3] < 255)
}

/// Checks that a numeric setting is finite and within `min..=max`; returns it.
pub fn number(field: &str, value: f64, min: f64, max: f64) -> Result<f64, ToolError> {
    if !value.is_finite() || value < min || value > max {
        return Err(invalid_settings(format!(
            "{field} must be between {min} and {max}, got {value}"
        )));
    }
    Ok(value)
}

/// Like [`number`], rounded to the nearest integer.
pub fn int(field: &str, value: f64, min: i64, max: i64) -> Result<i64, ToolError> {
    Ok(number(field, value, min as f64, max as f64)?.round() as i64)
}

/// Source-over blend of `src` (its alpha scaled by `coverage`, 0.0..=1.0) onto `dst`,
/// in straight (non-premultiplied) RGBA.
pub fn blend(dst: Rgba<u8>, src: Rgba<u8>, coverage: f32) -> Rgba<u8> {
    let sa = src.0[3] as f32 / 255.0 * coverage.clamp(0.0, 1.0);
    if sa <= 0.0 {
        return dst;
    }
    let da = dst.0[3] as f32 / 255.0;
    let oa = sa + da * (1.0 - sa);
    if oa <= 0.0 {
        return Rgba([0, 0, 0, 0]);
    }
    let mut out = [0u8; 4];
    for (i, o) in out.iter_mut().enumerate().take(3) {
        let c = (src.0[i] as f32 * sa + dst.0[i] as f32 * da * (1.0 - sa)) / oa;
        *o = c.round().clamp(0.0, 255.0) as u8;
    }
    out[3] = (oa * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgba(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(parse_hex("c", "#fff").unwrap(), Rgba([255, 255, 255, 255]));
        assert_eq!(parse_hex("c", "#102030").unwrap(), Rgba([16, 32, 48, 255]));
        assert_eq!(parse_hex("c", "10203040").unwrap(), Rgba([16, 32, 48, 64]));
        assert!(parse_hex("c", "#12").is_err());
        assert!(parse_hex("c", "#gggggg").is_err());
        assert!(parse_hex("c", "#ééé").is_err());
        assert!(parse_hex("c", "").is_err());
    }

    #[test]
    fn coverage() {
        assert_eq!(rounded_rect_coverage(0, 0, 100, 100, 20.0), 0.0);
        assert_eq!(rounded_rect_coverage(50, 50, 100, 100, 20.0), 1.0);
        assert_eq!(disc_coverage(0, 0, 100, 0.0), 0.0);
        assert_eq!(disc_coverage(50, 50, 100, 0.0), 1.0);
    }

    #[test]
    fn canvas_limit() {
        assert!(matches!(
            check_canvas(20_000, 20_000),
            Err(ToolError::TooLarge(_))
        ));
        assert!(check_canvas(100, 100).is_ok());
    }
}
