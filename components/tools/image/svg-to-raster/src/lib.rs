//! `image/svg-to-raster`: render an SVG to PNG, JPEG, WebP, TIFF, GIF or BMP with resvg.
//!
//! Size: the SVG's own size (its `width`/`height`, else its `viewBox`) is taken at 72 DPI,
//! as librsvg and the peer do, and scaled by `dpi / 72` (default 300 DPI), or by `scale`
//! when given. `width` alone or `height` alone scales the drawing to that size keeping its
//! aspect ratio; both give exactly that canvas with the drawing fitted inside and centred.
//!
//! Rendering is sealed off from the machine: text uses only the DejaVu fonts bundled in the
//! component (no system fonts), `<image>` elements may only embed data URLs (never files
//! or network addresses), and embedded raster images over the decoding limit are skipped.
//! The output is limited to [`lathe_image_kit::MAX_PIXELS`] pixels (413 beyond).
//!
//! Several uploaded SVGs (up to 50) are each rendered with the same settings; the main
//! route then answers a ZIP download like any multi-file result, and the sub-route `batch`
//! answers the ZIP bytes directly (the peer's `/batch`).

use std::sync::Arc;

use lathe_color_kit::{hex_or, number};
use lathe_image_kit::{encode, image, DynamicImage, EncodeOptions, ImageFormat, MAX_PIXELS};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use resvg::{tiny_skia, usvg};
use serde::Deserialize;
use serde_json::json;

/// Settings, with the peer's documented alternative names as aliases.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    width: Option<f64>,
    height: Option<f64>,
    #[serde(alias = "density")]
    dpi: Option<f64>,
    scale: Option<f64>,
    quality: Option<f64>,
    #[serde(alias = "background")]
    background_color: Option<String>,
    #[serde(alias = "format")]
    output_format: Option<String>,
}

/// Most SVGs in one `batch` call.
const MAX_BATCH: usize = 50;
/// Most output pixels of one `batch` call, all images together.
const MAX_BATCH_PIXELS: u64 = 2 * MAX_PIXELS;

/// Largest `width` / `height` setting.
const MAX_SIDE: f64 = 65536.0;
/// Default rendering density.
const DEFAULT_DPI: f64 = 300.0;
/// The density at which an SVG's own pixel size is taken (librsvg's convention).
const BASE_DPI: f64 = 72.0;

/// A whole-number setting within a range, if present.
fn optional_whole(
    field: &str,
    value: Option<f64>,
    min: f64,
    max: f64,
) -> Result<Option<u32>, ToolError> {
    match value {
        None => Ok(None),
        Some(v) => {
            let v = number(field, Some(v), min, min, max)?;
            if v.fract() != 0.0 {
                return Err(invalid_settings(format!(
                    "{field} must be a whole number, got {v}"
                )));
            }
            Ok(Some(v as u32))
        }
    }
}

/// The output format: the image-kit formats, with a clear message for the peer's formats
/// Lathe cannot write (no pure-Rust AVIF/HEIF/JPEG XL encoder fits a component).
fn output_format(name: Option<&str>) -> Result<ImageFormat, ToolError> {
    let name = name.unwrap_or("png");
    match name.trim().to_ascii_lowercase().as_str() {
        "avif" | "heif" | "heic" | "jxl" => Err(invalid_settings(format!(
            "outputFormat '{name}' is not supported; use one of png, jpg, webp, tiff, gif, bmp"
        ))),
        _ => ImageFormat::from_name(name),
    }
}

/// Parsing options: bundled fonts only, no file or network access for `<image>`, and
/// embedded raster images checked against the pixel limit before the renderer decodes them.
fn options() -> usvg::Options<'static> {
    let mut opt = usvg::Options {
        resources_dir: None,
        font_family: "DejaVu Sans".into(),
        ..Default::default()
    };
    let default_data = usvg::ImageHrefResolver::default_data_resolver();
    opt.image_href_resolver = usvg::ImageHrefResolver {
        resolve_data: Box::new(move |mime, data: Arc<Vec<u8>>, opts| {
            if raster_too_large(&data) {
                return None;
            }
            default_data(mime, data, opts)
        }),
        // Plain hrefs are file paths or URLs: never followed.
        resolve_string: Box::new(|_, _| None),
    };
    let db = opt.fontdb_mut();
    for font in [
        dejavu::sans::regular(),
        dejavu::sans::bold(),
        dejavu::sans::oblique(),
        dejavu::sans::bold_oblique(),
        dejavu::serif::regular(),
        dejavu::serif::bold(),
        dejavu::sans_mono::regular(),
    ] {
        db.load_font_data(font.to_vec());
    }
    db.set_serif_family("DejaVu Serif");
    db.set_sans_serif_family("DejaVu Sans");
    db.set_monospace_family("DejaVu Sans Mono");
    db.set_cursive_family("DejaVu Sans");
    db.set_fantasy_family("DejaVu Sans");
    opt
}

/// Whether embedded bytes are a raster image whose header claims more than the pixel limit.
fn raster_too_large(data: &[u8]) -> bool {
    let Ok(reader) = image::ImageReader::new(std::io::Cursor::new(data)).with_guessed_format()
    else {
        return false;
    };
    if reader.format().is_none() {
        return false; // Not a raster image (e.g. a nested SVG): nothing to check here.
    }
    match reader.into_dimensions() {
        Ok((w, h)) => w as u64 * h as u64 > MAX_PIXELS,
        Err(_) => true,
    }
}

/// Output canvas size and the transform placing the drawing on it.
fn layout(
    s: &Settings,
    svg_w: f64,
    svg_h: f64,
) -> Result<(u32, u32, tiny_skia::Transform), ToolError> {
    let width = optional_whole("width", s.width, 1.0, MAX_SIDE)?;
    let height = optional_whole("height", s.height, 1.0, MAX_SIDE)?;
    let dpi = number("dpi", s.dpi, DEFAULT_DPI, 36.0, 2400.0)?;
    let (out_w, out_h, sx, sy, dx, dy) = match (width, height) {
        (Some(w), Some(h)) => {
            let k = (w as f64 / svg_w).min(h as f64 / svg_h);
            let dx = (w as f64 - svg_w * k) / 2.0;
            let dy = (h as f64 - svg_h * k) / 2.0;
            (w as f64, h as f64, k, k, dx, dy)
        }
        (Some(w), None) => {
            let k = w as f64 / svg_w;
            (w as f64, (svg_h * k).round().max(1.0), k, k, 0.0, 0.0)
        }
        (None, Some(h)) => {
            let k = h as f64 / svg_h;
            ((svg_w * k).round().max(1.0), h as f64, k, k, 0.0, 0.0)
        }
        (None, None) => {
            let k = match s.scale {
                Some(_) => number("scale", s.scale, 1.0, 0.01, 100.0)?,
                None => dpi / BASE_DPI,
            };
            let w = (svg_w * k).round().max(1.0);
            let h = (svg_h * k).round().max(1.0);
            // Stretch the rounding error away so the drawing fills the canvas exactly.
            (w, h, w / svg_w, h / svg_h, 0.0, 0.0)
        }
    };
    if out_w * out_h > MAX_PIXELS as f64 || out_w > MAX_SIDE || out_h > MAX_SIDE {
        return Err(ToolError::TooLarge(format!(
            "the rendered image would be {out_w}x{out_h} pixels; the limit is {} MP and {MAX_SIDE} pixels a side",
            MAX_PIXELS / 1_000_000
        )));
    }
    let transform =
        tiny_skia::Transform::from_row(sx as f32, 0.0, 0.0, sy as f32, dx as f32, dy as f32);
    Ok((out_w as u32, out_h as u32, transform))
}

/// Parses an SVG document.
fn parse_svg(data: &[u8]) -> Result<usvg::Tree, ToolError> {
    if data.starts_with(&[0x1f, 0x8b]) {
        return Err(ToolError::UnsupportedInput(
            "compressed SVG (svgz) is not supported; upload the uncompressed .svg".into(),
        ));
    }
    usvg::Tree::from_data(data, &options())
        .map_err(|e| ToolError::UnsupportedInput(format!("not a valid SVG: {e}")))
}

/// Renders one SVG input into the requested format.
fn render(input: &Input, s: &Settings) -> Result<(OutputFile, u32, u32), ToolError> {
    let format = output_format(s.output_format.as_deref())?;
    let quality = number("quality", s.quality, 90.0, 1.0, 100.0)?.round() as u8;
    let bg = hex_or(
        "backgroundColor",
        s.background_color.as_deref(),
        "#00000000",
    )?;
    let tree = parse_svg(&input.data)?;
    let size = tree.size();
    let (w, h, transform) = layout(s, size.width() as f64, size.height() as f64)?;
    let mut pixmap = tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| ToolError::TooLarge(format!("cannot allocate a {w}x{h} canvas")))?;
    pixmap.fill(tiny_skia::Color::from_rgba8(bg.r, bg.g, bg.b, bg.a));
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    let mut rgba = Vec::with_capacity(w as usize * h as usize * 4);
    for p in pixmap.pixels() {
        let c = p.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    let img = image::RgbaImage::from_raw(w, h, rgba)
        .ok_or_else(|| ToolError::Failed("pixel buffer size mismatch".into()))?;
    let image = if bg.a == 255 {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(img).to_rgb8())
    } else {
        DynamicImage::ImageRgba8(img)
    };
    let bytes = encode(&image, format, EncodeOptions { quality })?;
    let name = format!("{}.{}", input.stem(), format.extension());
    Ok((OutputFile::new(name, format.media_type(), bytes), w, h))
}

/// Renders several SVGs with the same settings, bounded by [`MAX_BATCH_PIXELS`] in all.
/// An input that is not an SVG fails the whole call, naming the file.
fn render_all(inputs: &[Input], s: &Settings) -> Result<Vec<OutputFile>, ToolError> {
    let mut files = Vec::with_capacity(inputs.len());
    let mut pixels = 0u64;
    for input in inputs {
        if input.extension() != "svg" {
            return Err(ToolError::UnsupportedInput(format!(
                "'{}' is not an .svg file",
                input.name
            )));
        }
        let (file, w, h) = render(input, s).map_err(|e| match e {
            ToolError::UnsupportedInput(m) => {
                ToolError::UnsupportedInput(format!("{}: {m}", input.name))
            }
            other => other,
        })?;
        pixels += w as u64 * h as u64;
        if pixels > MAX_BATCH_PIXELS {
            return Err(ToolError::TooLarge(format!(
                "the SVGs would render to more than {} MP in all",
                MAX_BATCH_PIXELS / 1_000_000
            )));
        }
        files.push(file);
    }
    Ok(files)
}

struct SvgToRaster;

impl Tool for SvgToRaster {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "svg-to-raster",
            section: Section::Image,
            name: "SVG to raster",
            description: "Render an SVG to PNG, JPEG, WebP, TIFF, GIF or BMP at a chosen size, DPI and background.",
            settings_schema: json!({
                "type": "object",
                "properties": {
                    "width": {"type": "integer", "minimum": 1, "maximum": 65536},
                    "height": {"type": "integer", "minimum": 1, "maximum": 65536},
                    "dpi": {"type": "number", "minimum": 36, "maximum": 2400, "default": 300,
                            "description": "The SVG's size is taken at 72 DPI and scaled by dpi/72."},
                    "scale": {"type": "number", "minimum": 0.01, "maximum": 100,
                              "description": "Scale factor; overrides dpi."},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90},
                    "backgroundColor": {"type": "string", "default": "#00000000"},
                    "outputFormat": {"type": "string", "enum": ["png", "jpg", "webp", "tiff", "gif", "bmp"], "default": "png"}
                }
            }),
            min_inputs: 1,
            max_inputs: MAX_BATCH as u32,
            accepts: &["svg"],
            produces: Produces::by_setting(
                "outputFormat",
                &["png", "jpg", "webp", "tiff", "gif", "bmp", "zip"],
            ),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        if let [input] = inputs.as_slice() {
            let (file, w, h) = render(input, &s)?;
            return Ok(Output::file(file).with_extra(json!({"width": w, "height": h})));
        }
        // Several SVGs: one raster each (the router zips them), like `batch`.
        Ok(Output::files(render_all(&inputs, &s)?))
    }

    const OPERATIONS: &'static [&'static str] = &["batch"];

    /// `batch`: every uploaded SVG rendered with the same settings, answered as one ZIP.
    fn run_operation(
        _operation: &str,
        inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        if inputs.is_empty() || inputs.len() > MAX_BATCH {
            return Err(ToolError::UnsupportedInput(format!(
                "batch takes 1 to {MAX_BATCH} SVG files, got {}",
                inputs.len()
            )));
        }
        let files = render_all(&inputs, &s)?;
        let zip = lathe_tool_sdk::archive::zip_files(&files)?;
        Ok(
            Output::file(OutputFile::new("svg-to-raster.zip", "application/zip", zip))
                .with_extra(json!({"count": files.len()})),
        )
    }
}

lathe_tool_sdk::export_tool!(SvgToRaster);
