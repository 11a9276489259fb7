//! `pdf/pdf-to-image`: render PDF pages to PNG, JPEG or WebP images.
//!
//! Pages are rasterised in the sandbox by `hayro`, a pure-Rust PDF renderer (standard 14
//! fonts are embedded in it, so PDFs that do not embed their fonts still show text). One
//! selected page gives one image; several give several files, which the router zips.
//!
//! Sub-routes: `info` answers `{pageCount, pages: [{page, width, height, rotation}]}`
//! (sizes in points as displayed, i.e. with `/Rotate` applied) and `preview` answers one
//! page (setting `page`, default 1) as a PNG at a small resolution (`dpi`, default 72).

use hayro::hayro_syntax::page::{Page, Rotation};
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{RenderCache, RenderSettings};
use lathe_image_kit::{encode, DynamicImage, EncodeOptions, ImageFormat};
use lathe_pdf_kit::parse_page_ranges;
use lathe_tool_sdk::settings::optional_number as number;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// The most pixels one rendered page may have (as image-kit's decode cap).
const MAX_PAGE_PIXELS: u64 = 100_000_000;

/// The most pixels all rendered pages of one run may have together.
const MAX_TOTAL_PIXELS: u64 = 400_000_000;

/// The most pages a document may have.
const MAX_PAGES: usize = 10_000;

/// Resolution bounds and default (snapotter: dpi 36..2400 = 150).
const MIN_DPI: f64 = 36.0;
const MAX_DPI: f64 = 2400.0;
const DEFAULT_DPI: f64 = 150.0;

/// Resolution of the `preview` sub-route unless `dpi` is given.
const PREVIEW_DPI: f64 = 72.0;

/// Highest resolution the `preview` sub-route accepts (it is meant to be cheap).
const MAX_PREVIEW_DPI: f64 = 300.0;

/// The settings of the main route and of `preview`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    format: Option<String>,
    dpi: Option<Value>,
    quality: Option<Value>,
    color_mode: Option<String>,
    pages: Option<Value>,
    range: Option<String>,
    page: Option<Value>,
}

/// How the rendered pixels are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColorMode {
    /// RGB.
    Color,
    /// 8-bit luminance.
    Grayscale,
    /// Pure black and white (luminance thresholded at the middle).
    BlackWhite,
}

/// The output format: png (default), jpg/jpeg or webp.
fn format(name: Option<&str>) -> Result<ImageFormat, ToolError> {
    match name.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("png") => Ok(ImageFormat::Png),
        Some("jpg" | "jpeg") => Ok(ImageFormat::Jpeg),
        Some("webp") => Ok(ImageFormat::WebP),
        Some(other) => Err(invalid_settings(format!(
            "format '{other}' is not supported; use one of png, jpg, webp"
        ))),
    }
}

/// The colour mode: color (default), grayscale or bw.
fn color_mode(name: Option<&str>) -> Result<ColorMode, ToolError> {
    match name.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("color" | "colour" | "rgb") => Ok(ColorMode::Color),
        Some("grayscale" | "greyscale" | "gray" | "grey") => Ok(ColorMode::Grayscale),
        Some("bw" | "blackwhite" | "black-white" | "mono" | "monochrome") => {
            Ok(ColorMode::BlackWhite)
        }
        Some(other) => Err(invalid_settings(format!(
            "colorMode '{other}' is not supported; use one of color, grayscale, bw"
        ))),
    }
}

/// The resolution in dots per inch, within `min..=max`.
fn dpi(value: Option<&Value>, default: f64, max: f64) -> Result<f64, ToolError> {
    let dpi = number(value, "dpi")?.unwrap_or(default);
    if !(MIN_DPI..=max).contains(&dpi) {
        return Err(invalid_settings(format!(
            "dpi must be between {MIN_DPI} and {max}, got {dpi}"
        )));
    }
    Ok(dpi)
}

/// JPEG and WebP quality 1..=100 (default 85).
fn quality(value: Option<&Value>) -> Result<u8, ToolError> {
    let q = number(value, "quality")?.unwrap_or(85.0);
    if !(1.0..=100.0).contains(&q) {
        return Err(invalid_settings(format!(
            "quality must be between 1 and 100, got {q}"
        )));
    }
    Ok(q.round() as u8)
}

/// The 1-based pages to render: all of them for `"all"` or nothing, else a qpdf range.
fn selected_pages(settings: &Settings, count: u32) -> Result<Vec<u32>, ToolError> {
    let spec = match (&settings.pages, &settings.range) {
        (Some(Value::String(s)), _) => s.trim().to_string(),
        (Some(Value::Number(n)), _) => n.to_string(),
        (Some(Value::Null) | None, Some(r)) => r.trim().to_string(),
        (Some(Value::Null) | None, None) => String::new(),
        (Some(other), _) => {
            return Err(invalid_settings(format!(
                "pages must be \"all\" or a page range such as 1-3,5, got {other}"
            )))
        }
    };
    if spec.is_empty() || spec.eq_ignore_ascii_case("all") {
        return Ok((1..=count).collect());
    }
    parse_page_ranges(&spec, count)
}

/// Parses the document with hayro (the empty user password is tried, as readers do).
fn open(input: &Input) -> Result<Pdf, ToolError> {
    let head = &input.data[..input.data.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(unsupported(format!("'{}' is not a PDF file", input.name)));
    }
    let pdf = Pdf::new(input.data.clone()).map_err(|e| match e {
        LoadPdfError::Decryption(_) => unsupported(format!(
            "'{}' is password-protected; remove the password first",
            input.name
        )),
        LoadPdfError::Invalid => {
            unsupported(format!("'{}' could not be read as a PDF", input.name))
        }
    })?;
    let count = pdf.pages().len();
    if count == 0 {
        return Err(unsupported(format!("'{}' has no pages", input.name)));
    }
    if count > MAX_PAGES {
        return Err(ToolError::TooLarge(format!(
            "the PDF has more than {MAX_PAGES} pages"
        )));
    }
    Ok(pdf)
}

/// The single input of a sub-route (the SDK checks counts only for the main route).
fn one_input(inputs: Vec<Input>) -> Result<Input, ToolError> {
    let mut inputs = inputs.into_iter();
    match (inputs.next(), inputs.next()) {
        (Some(input), None) => Ok(input),
        (None, _) => Err(unsupported("upload one PDF file")),
        (Some(_), Some(_)) => Err(unsupported("this operation takes one PDF file")),
    }
}

/// The rotation in degrees.
fn degrees(rotation: Rotation) -> u32 {
    match rotation {
        Rotation::None => 0,
        Rotation::Horizontal => 90,
        Rotation::Flipped => 180,
        Rotation::FlippedHorizontal => 270,
    }
}

/// Pixel size of a page rendered at `dpi` (rounded, at least 1×1).
fn pixel_size(page: &Page<'_>, dpi: f64) -> (u64, u64) {
    let (w, h) = page.render_dimensions();
    let scale = dpi / 72.0;
    let px = |v: f32| ((f64::from(v) * scale).round() as u64).max(1);
    (px(w), px(h))
}

/// Refuses a page over the per-page limits.
fn check_page(n: u32, (w, h): (u64, u64), dpi: f64) -> Result<(), ToolError> {
    if w > u64::from(u16::MAX) || h > u64::from(u16::MAX) || w * h > MAX_PAGE_PIXELS {
        return Err(ToolError::TooLarge(format!(
            "page {n} would be {w}x{h} pixels at {dpi} dpi, over the limit of {} megapixels \
             (and 65535 pixels a side); choose a lower dpi",
            MAX_PAGE_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

/// Renders a page onto white at `dpi` and converts it to the colour mode.
fn render_page<'a>(
    page: &'a Page<'a>,
    cache: &RenderCache<'a>,
    dpi: f64,
    mode: ColorMode,
) -> Result<DynamicImage, ToolError> {
    let (w, h) = pixel_size(page, dpi);
    let (pw, ph) = page.render_dimensions();
    let (width, height) = (w as u16, h as u16);
    // Scale each axis so that the page fills the rounded pixel size exactly.
    let transform =
        hayro::kurbo::Affine::scale_non_uniform(
            w as f64 / f64::from(pw.max(1.0)),
            h as f64 / f64::from(ph.max(1.0)),
        ) * hayro::hayro_interpret::util::TransformExt::to_kurbo(&page.initial_transform(true));
    let mut ctx = RenderContext::new(width, height);
    hayro::render_into(
        page,
        cache,
        &hayro::hayro_interpret::InterpreterSettings::default(),
        &RenderSettings::default(),
        &mut ctx,
        transform,
    );
    ctx.flush();
    let mut pixmap = Pixmap::new(width, height);
    ctx.render_with(
        &mut pixmap,
        &mut Resources::default(),
        RasterizerSettings {
            target_init: TargetInit::Clear(WHITE),
            ..Default::default()
        },
    );
    drop(ctx);
    // The background is opaque white, so premultiplied RGBA is plain RGBA with alpha 255.
    let mut rgba = pixmap.take_rgba8(hayro::vello_cpu::peniko::ImageAlphaType::AlphaPremultiplied);
    let (w32, h32) = (u32::from(width), u32::from(height));
    let short = || ToolError::Failed("the renderer returned a short pixel buffer".into());
    match mode {
        ColorMode::Color => {
            // Pack RGBA into RGB in place (each write lands at or before its read).
            let pixels = rgba.len() / 4;
            for i in 0..pixels {
                rgba.copy_within(i * 4..i * 4 + 3, i * 3);
            }
            rgba.truncate(pixels * 3);
            lathe_image_kit::image::RgbImage::from_raw(w32, h32, rgba)
                .map(DynamicImage::ImageRgb8)
                .ok_or_else(short)
        }
        ColorMode::Grayscale | ColorMode::BlackWhite => {
            let pixels = rgba.len() / 4;
            for i in 0..pixels {
                let p = &rgba[i * 4..i * 4 + 3];
                // Rec. 601 luma, as image's to_luma8 and most viewers use.
                let y =
                    (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114 + 500)
                        / 1000;
                rgba[i] = if mode == ColorMode::BlackWhite {
                    if y >= 128 {
                        255
                    } else {
                        0
                    }
                } else {
                    y as u8
                };
            }
            rgba.truncate(pixels);
            lathe_image_kit::image::GrayImage::from_raw(w32, h32, rgba)
                .map(DynamicImage::ImageLuma8)
                .ok_or_else(short)
        }
    }
}

/// The name of a color mode for the response.
fn mode_name(mode: ColorMode) -> &'static str {
    match mode {
        ColorMode::Color => "color",
        ColorMode::Grayscale => "grayscale",
        ColorMode::BlackWhite => "bw",
    }
}

struct PdfToImage;

impl Tool for PdfToImage {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "pdf-to-image",
            section: Section::Pdf,
            name: "PDF to Image",
            description: "Render PDF pages to PNG, JPEG or WebP images at a chosen resolution.",
            settings_schema: json!({
                "type": "object",
                "properties": {
                    "format": {"enum": ["png", "jpg", "jpeg", "webp"], "default": "png"},
                    "dpi": {"type": "number", "minimum": MIN_DPI, "maximum": MAX_DPI, "default": DEFAULT_DPI},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 85, "description": "JPEG and WebP quality (PNG, WebP at 100 and black-and-white WebP pages are lossless)."},
                    "colorMode": {"enum": ["color", "grayscale", "bw"], "default": "color"},
                    "pages": {"type": "string", "default": "all", "description": "\"all\" or a qpdf page range, e.g. 1-3,5,z"},
                    "page": {"type": "integer", "minimum": 1, "default": 1, "description": "Page shown by the preview sub-route."}
                }
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &["pdf"],
            produces: Produces::by_setting("format", &["png", "jpg", "webp", "zip"]),
        }
    }

    const OPERATIONS: &'static [&'static str] = &["info", "preview"];

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let format = format(settings.format.as_deref())?;
        let dpi = dpi(settings.dpi.as_ref(), DEFAULT_DPI, MAX_DPI)?;
        let quality = quality(settings.quality.as_ref())?;
        let mode = color_mode(settings.color_mode.as_deref())?;
        let input = &inputs[0];
        let pdf = open(input)?;
        let pages = pdf.pages();
        let numbers = selected_pages(&settings, pages.len() as u32)?;
        // Check every size before rendering anything.
        let mut total = 0u64;
        for &n in &numbers {
            let size = pixel_size(&pages[n as usize - 1], dpi);
            check_page(n, size, dpi)?;
            total += size.0 * size.1;
        }
        if total > MAX_TOTAL_PIXELS {
            return Err(ToolError::TooLarge(format!(
                "the selected pages would be {} megapixels at {dpi} dpi, over the limit of {}; \
                 choose fewer pages or a lower dpi",
                total / 1_000_000,
                MAX_TOTAL_PIXELS / 1_000_000
            )));
        }
        // Black-and-white pages stay exact: WebP at 100 is lossless.
        let quality = if mode == ColorMode::BlackWhite && format == ImageFormat::WebP {
            100
        } else {
            quality
        };
        let cache = RenderCache::new();
        let mut files = Vec::with_capacity(numbers.len());
        let mut listed = Vec::with_capacity(numbers.len());
        for &n in &numbers {
            let image = render_page(&pages[n as usize - 1], &cache, dpi, mode)?;
            let bytes = encode(&image, format, EncodeOptions { quality })?;
            let name = format!("{}-page-{n}.{}", input.stem(), format.extension());
            listed.push(json!({
                "page": n, "name": name, "width": image.width(),
                "height": image.height(), "size": bytes.len(),
            }));
            files.push(OutputFile::new(name, format.media_type(), bytes));
        }
        Ok(Output::files(files).with_extra(json!({
            "pageCount": pages.len(),
            "renderedPages": numbers.len(),
            "format": format.extension(),
            "dpi": dpi,
            "colorMode": mode_name(mode),
            "pages": listed,
        })))
    }

    fn run_operation(
        operation: &str,
        inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let input = one_input(inputs)?;
        let pdf = open(&input)?;
        let pages = pdf.pages();
        match operation {
            "info" => {
                let list: Vec<Value> = pages
                    .iter()
                    .enumerate()
                    .map(|(i, page)| {
                        let (w, h) = page.render_dimensions();
                        json!({
                            "page": i + 1,
                            "width": (f64::from(w) * 100.0).round() / 100.0,
                            "height": (f64::from(h) * 100.0).round() / 100.0,
                            "rotation": degrees(page.rotation()),
                        })
                    })
                    .collect();
                Ok(Output::default().with_extra(json!({
                    "pageCount": pages.len(),
                    "pages": list,
                })))
            }
            "preview" => {
                let count = pages.len() as u32;
                let n = match number(settings.page.as_ref(), "page")? {
                    None => 1,
                    Some(p) if p.fract() == 0.0 && p >= 1.0 && p <= f64::from(count) => p as u32,
                    Some(p) => {
                        return Err(invalid_settings(format!(
                            "page {p} does not exist (the document has {count} pages)"
                        )))
                    }
                };
                let dpi = dpi(settings.dpi.as_ref(), PREVIEW_DPI, MAX_PREVIEW_DPI)?;
                let mode = color_mode(settings.color_mode.as_deref())?;
                let page = &pages[n as usize - 1];
                check_page(n, pixel_size(page, dpi), dpi)?;
                let image = render_page(page, &RenderCache::new(), dpi, mode)?;
                let bytes = encode(&image, ImageFormat::Png, EncodeOptions::default())?;
                let (width, height) = (image.width(), image.height());
                Ok(Output::file(OutputFile::new(
                    format!("{}-page-{n}.png", input.stem()),
                    "image/png",
                    bytes,
                ))
                .with_extra(json!({
                    "page": n, "pageCount": count, "width": width, "height": height, "dpi": dpi,
                })))
            }
            other => Err(unsupported(format!("this tool has no operation '{other}'"))),
        }
    }
}

lathe_tool_sdk::export_tool!(PdfToImage);
