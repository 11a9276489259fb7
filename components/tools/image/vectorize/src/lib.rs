//! `image/vectorize`: trace a raster image into an SVG with vtracer.
//!
//! Black-and-white mode thresholds the luminance first (pixels darker than `threshold`
//! become black, `invert` swaps them) and traces the black shapes; colour mode clusters
//! colours and stacks one path per colour region. vtracer supports at most 8 bits of
//! colour precision, so `colorPrecision` values above 8 trace at 8.

use lathe_image_kit::decode;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;
use visioncortex::{ColorImage, PathSimplifyMode};
use vtracer::{ColorMode, Config, Hierarchical};

/// The most pixels an image may have to be traced (tracing is costly).
pub const MAX_TRACE_PIXELS: u64 = 25_000_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    color_mode: Option<String>,
    threshold: Option<i64>,
    color_precision: Option<i64>,
    layer_difference: Option<i64>,
    filter_speckle: Option<i64>,
    path_mode: Option<String>,
    corner_threshold: Option<i64>,
    invert: Option<bool>,
}

/// The vtracer config and pre-processing the settings ask for.
struct Plan {
    config: Config,
    binary: bool,
    threshold: u8,
    invert: bool,
}

fn plan(s: &Settings) -> Result<Plan, ToolError> {
    let binary = match s.color_mode.as_deref().unwrap_or("bw") {
        "bw" => true,
        "color" => false,
        other => {
            return Err(invalid_settings(format!(
                "colorMode must be bw or color, got '{other}'"
            )))
        }
    };
    let mode = match s.path_mode.as_deref().unwrap_or("spline") {
        "none" => PathSimplifyMode::None,
        "polygon" => PathSimplifyMode::Polygon,
        "spline" => PathSimplifyMode::Spline,
        other => {
            return Err(invalid_settings(format!(
                "pathMode must be none, polygon or spline, got '{other}'"
            )))
        }
    };
    let threshold = check_range("threshold", s.threshold.unwrap_or(128), 0, 255)? as u8;
    let precision = check_range("colorPrecision", s.color_precision.unwrap_or(6), 1, 16)?;
    let layer = check_range("layerDifference", s.layer_difference.unwrap_or(6), 1, 128)?;
    let speckle = check_range("filterSpeckle", s.filter_speckle.unwrap_or(4), 1, 256)?;
    let corner = check_range("cornerThreshold", s.corner_threshold.unwrap_or(60), 0, 180)?;
    let config = Config {
        color_mode: if binary {
            ColorMode::Binary
        } else {
            ColorMode::Color
        },
        hierarchical: Hierarchical::Stacked,
        filter_speckle: speckle as usize,
        color_precision: precision.min(8) as i32,
        layer_difference: layer as i32,
        mode,
        corner_threshold: corner as i32,
        ..Config::default()
    };
    Ok(Plan {
        config,
        binary,
        threshold,
        invert: s.invert.unwrap_or(false),
    })
}

struct Vectorize;

impl Tool for Vectorize {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            (
                "vectorize",
                Section::Image,
                "Vectorize",
                "Trace a raster image into an SVG (black and white or colour).",
            ),
            serde_json::json!({
                    "colorMode": {"enum": ["bw", "color"], "default": "bw"},
                    "threshold": {"type": "integer", "minimum": 0, "maximum": 255, "default": 128},
                    "colorPrecision": {"type": "integer", "minimum": 1, "maximum": 16, "default": 6},
                    "layerDifference": {"type": "integer", "minimum": 1, "maximum": 128, "default": 6},
                    "filterSpeckle": {"type": "integer", "minimum": 1, "maximum": 256, "default": 4},
                    "pathMode": {"enum": ["none", "polygon", "spline"], "default": "spline"},
                    "cornerThreshold": {"type": "integer", "minimum": 0, "maximum": 180, "default": 60},
                    "invert": {"type": "boolean", "default": false}
            }),
            &[],
            Produces::types(&["svg"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let plan = plan(&settings)?;
        let input = &inputs[0];
        let decoded = decode(input)?;
        let mut rgba = decoded.image.to_rgba8();
        let (width, height) = rgba.dimensions();
        if width as u64 * height as u64 > MAX_TRACE_PIXELS {
            return Err(ToolError::TooLarge(format!(
                "vectorize traces images up to {} megapixels",
                MAX_TRACE_PIXELS / 1_000_000
            )));
        }
        for p in rgba.pixels_mut() {
            let [r, g, b, a] = p.0;
            if plan.binary {
                // Transparent pixels count as white background.
                let luma = (r as u32 * 299 + g as u32 * 587 + b as u32 * 114) / 1000;
                let luma = (luma * a as u32 + 255 * (255 - a as u32)) / 255;
                let black = (luma < plan.threshold as u32) != plan.invert;
                let v = if black { 0 } else { 255 };
                p.0 = [v, v, v, 255];
            } else if plan.invert {
                p.0 = [255 - r, 255 - g, 255 - b, a];
            }
        }
        let image = ColorImage {
            pixels: rgba.into_raw(),
            width: width as usize,
            height: height as usize,
        };
        let svg = vtracer::convert(image, plan.config)
            .map_err(|e| ToolError::Failed(format!("tracing failed: {e}")))?;
        let paths = svg.paths.len();
        let text = svg.to_string();
        let file = OutputFile::new(
            format!("{}.svg", input.stem()),
            "image/svg+xml",
            text.into_bytes(),
        );
        Ok(Output::file(file).with_extra(serde_json::json!({
            "width": width,
            "height": height,
            "paths": paths
        })))
    }
}

lathe_tool_sdk::export_tool!(Vectorize);
