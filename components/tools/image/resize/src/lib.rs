//! `image/resize`: scale an image by width, height or percentage with the five fit modes.

use lathe_image_kit::{decode_with_target, edited_output, image, resize_exact, DynamicImage};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The largest width or height accepted, as in the peer (16383 px).
const MAX_SIDE: u32 = 16_383;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    width: Option<f64>,
    height: Option<f64>,
    #[serde(default)]
    fit: Fit,
    percentage: Option<f64>,
    #[serde(default)]
    without_enlargement: bool,
    quality: Option<u8>,
}

/// How the image fits a width × height box (the same names as sharp/CSS `object-fit`).
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Fit {
    /// Fill the box, cropping the overflow (centre).
    Cover,
    /// Fit inside the box and pad to exactly the box (transparent, or white without alpha).
    #[default]
    Contain,
    /// Stretch to the box, ignoring aspect ratio.
    Fill,
    /// Fit inside the box; the result may be smaller on one side.
    Inside,
    /// Cover the box without cropping; the result may be larger on one side.
    Outside,
}

/// The geometry a resize will produce: the scaled image size, then an optional crop or pad
/// to the final canvas.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    scaled: (u32, u32),
    canvas: (u32, u32),
}

impl Plan {
    /// A plain scale to `size`, with no crop or pad.
    fn scale(size: (u32, u32)) -> Plan {
        Plan {
            scaled: size,
            canvas: size,
        }
    }
}

fn positive(field: &str, v: f64) -> Result<u32, ToolError> {
    if !(v.is_finite() && v >= 1.0 && v <= MAX_SIDE as f64) {
        return Err(invalid_settings(format!(
            "{field} must be between 1 and {MAX_SIDE}"
        )));
    }
    Ok(v.round() as u32)
}

fn plan(src: (u32, u32), s: &Settings) -> Result<Plan, ToolError> {
    let (sw, sh) = (src.0 as f64, src.1 as f64);
    let round = |v: f64| (v.round() as u32).max(1);
    let mut plan = if let Some(p) = s.percentage {
        if !(p.is_finite() && p > 0.0 && p <= 1000.0) {
            return Err(invalid_settings(
                "percentage must be greater than 0 and at most 1000",
            ));
        }
        Plan::scale((round(sw * p / 100.0), round(sh * p / 100.0)))
    } else {
        let w = s.width.map(|v| positive("width", v)).transpose()?;
        let h = s.height.map(|v| positive("height", v)).transpose()?;
        match (w, h) {
            (None, None) => {
                return Err(invalid_settings("give width, height or percentage"));
            }
            (Some(w), None) => Plan::scale((w, round(sh * w as f64 / sw))),
            (None, Some(h)) => Plan::scale((round(sw * h as f64 / sh), h)),
            (Some(w), Some(h)) => {
                let (fx, fy) = (w as f64 / sw, h as f64 / sh);
                match s.fit {
                    Fit::Fill => Plan::scale((w, h)),
                    Fit::Cover => {
                        let f = fx.max(fy);
                        Plan {
                            scaled: (round(sw * f).max(w), round(sh * f).max(h)),
                            canvas: (w, h),
                        }
                    }
                    Fit::Contain => {
                        let f = fx.min(fy);
                        Plan {
                            scaled: (round(sw * f).min(w), round(sh * f).min(h)),
                            canvas: (w, h),
                        }
                    }
                    Fit::Inside => {
                        let f = fx.min(fy);
                        Plan::scale((round(sw * f), round(sh * f)))
                    }
                    Fit::Outside => {
                        let f = fx.max(fy);
                        Plan::scale((round(sw * f), round(sh * f)))
                    }
                }
            }
        }
    };
    if s.without_enlargement && (plan.scaled.0 > src.0 || plan.scaled.1 > src.1) {
        plan = Plan::scale(src);
    }
    let (cw, ch) = plan.canvas;
    if cw > MAX_SIDE || ch > MAX_SIDE || plan.scaled.0 > MAX_SIDE || plan.scaled.1 > MAX_SIDE {
        return Err(invalid_settings(format!(
            "the result would exceed {MAX_SIDE} px on a side"
        )));
    }
    Ok(plan)
}

fn apply(image: &DynamicImage, plan: &Plan) -> Result<DynamicImage, ToolError> {
    let scaled = resize_exact(image, plan.scaled.0, plan.scaled.1)?;
    let (cw, ch) = plan.canvas;
    let (w, h) = plan.scaled;
    if (w, h) == (cw, ch) {
        return Ok(scaled);
    }
    if w >= cw && h >= ch {
        // Cover: crop the centre.
        return Ok(scaled.crop_imm((w - cw) / 2, (h - ch) / 2, cw, ch));
    }
    // Contain: centre on a transparent canvas (flattened to white by encoders without alpha).
    let mut canvas = image::RgbaImage::new(cw, ch);
    image::imageops::overlay(
        &mut canvas,
        &scaled.to_rgba8(),
        ((cw - w) / 2) as i64,
        ((ch - h) / 2) as i64,
    );
    Ok(DynamicImage::ImageRgba8(canvas))
}

struct Resize;

impl Tool for Resize {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "resize",
            "Resize",
            "Scale an image by width, height or percentage, with cover/contain/fill/inside/outside fitting.",
            serde_json::json!({
                    "width": {"type": "integer", "minimum": 1, "maximum": MAX_SIDE},
                    "height": {"type": "integer", "minimum": 1, "maximum": MAX_SIDE},
                    "fit": {"enum": ["cover", "contain", "fill", "inside", "outside"], "default": "contain"},
                    "percentage": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
                    "withoutEnlargement": {"type": "boolean", "default": false},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 80}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let input = &inputs[0];
        let head = lathe_image_kit::probe(input)?;
        let plan = plan(head.upright_dimensions(), &settings)?;
        let decoded = decode_with_target(input, plan.scaled.0, plan.scaled.1)?;
        let result = apply(&decoded.image, &plan)?;
        let quality = settings.quality.unwrap_or(80).clamp(1, 100);
        edited_output(
            input,
            &result,
            decoded.format,
            quality,
            serde_json::json!({}),
        )
    }
}

lathe_tool_sdk::export_tool!(Resize);
