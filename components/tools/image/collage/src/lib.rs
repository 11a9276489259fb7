//! `image/collage`: arrange 2–20 images in a template of cells, each filled by its image
//! with a cover crop.
//!
//! Templates are cells given as fractions of the canvas; `gap` separates cells and frames
//! the canvas. The canvas is `width` wide and as tall as `aspectRatio` says (`free` = the
//! template's own ratio). Cell `i` shows image `i` (images repeat when there are fewer
//! images than cells; extra images are unused).

use lathe_layout_kit as kit;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// A template: id, natural aspect ratio (w, h) and cells as (x, y, w, h) fractions.
struct Template {
    id: &'static str,
    ratio: (f64, f64),
    cells: &'static [(f64, f64, f64, f64)],
}

const T: f64 = 1.0 / 3.0;

/// The templates clients can pick by `templateId`.
const TEMPLATES: &[Template] = &[
    Template {
        id: "2-horizontal",
        ratio: (2.0, 1.0),
        cells: &[(0.0, 0.0, 0.5, 1.0), (0.5, 0.0, 0.5, 1.0)],
    },
    Template {
        id: "2-vertical",
        ratio: (1.0, 2.0),
        cells: &[(0.0, 0.0, 1.0, 0.5), (0.0, 0.5, 1.0, 0.5)],
    },
    Template {
        id: "3-horizontal",
        ratio: (3.0, 1.0),
        cells: &[(0.0, 0.0, T, 1.0), (T, 0.0, T, 1.0), (2.0 * T, 0.0, T, 1.0)],
    },
    Template {
        id: "3-vertical",
        ratio: (1.0, 3.0),
        cells: &[(0.0, 0.0, 1.0, T), (0.0, T, 1.0, T), (0.0, 2.0 * T, 1.0, T)],
    },
    Template {
        id: "3-left-big",
        ratio: (3.0, 2.0),
        cells: &[
            (0.0, 0.0, 2.0 * T, 1.0),
            (2.0 * T, 0.0, T, 0.5),
            (2.0 * T, 0.5, T, 0.5),
        ],
    },
    Template {
        id: "4-grid",
        ratio: (1.0, 1.0),
        cells: &[
            (0.0, 0.0, 0.5, 0.5),
            (0.5, 0.0, 0.5, 0.5),
            (0.0, 0.5, 0.5, 0.5),
            (0.5, 0.5, 0.5, 0.5),
        ],
    },
    Template {
        id: "6-grid",
        ratio: (3.0, 2.0),
        cells: &[
            (0.0, 0.0, T, 0.5),
            (T, 0.0, T, 0.5),
            (2.0 * T, 0.0, T, 0.5),
            (0.0, 0.5, T, 0.5),
            (T, 0.5, T, 0.5),
            (2.0 * T, 0.5, T, 0.5),
        ],
    },
    Template {
        id: "9-grid",
        ratio: (1.0, 1.0),
        cells: &[
            (0.0, 0.0, T, T),
            (T, 0.0, T, T),
            (2.0 * T, 0.0, T, T),
            (0.0, T, T, T),
            (T, T, T, T),
            (2.0 * T, T, T, T),
            (0.0, 2.0 * T, T, T),
            (T, 2.0 * T, T, T),
            (2.0 * T, 2.0 * T, T, T),
        ],
    },
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    #[serde(alias = "template")]
    template_id: String,
    gap: f64,
    corner_radius: f64,
    background_color: String,
    output_format: String,
    quality: f64,
    width: f64,
    aspect_ratio: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            template_id: "2-horizontal".into(),
            gap: 8.0,
            corner_radius: 0.0,
            background_color: "#FFFFFF".into(),
            output_format: "png".into(),
            quality: 90.0,
            width: 1200.0,
            aspect_ratio: "free".into(),
        }
    }
}

fn template(id: &str) -> Result<&'static Template, ToolError> {
    TEMPLATES.iter().find(|t| t.id == id.trim()).ok_or_else(|| {
        let ids: Vec<&str> = TEMPLATES.iter().map(|t| t.id).collect();
        invalid_settings(format!(
            "unknown templateId '{id}'; valid ids: {}",
            ids.join(", ")
        ))
    })
}

/// Parses `free` (→ `natural`) or `W:H` with positive numbers.
fn aspect(value: &str, natural: (f64, f64)) -> Result<(f64, f64), ToolError> {
    let v = value.trim();
    if v.is_empty() || v.eq_ignore_ascii_case("free") {
        return Ok(natural);
    }
    let bad = || {
        invalid_settings(format!(
            "aspectRatio must be 'free' or 'W:H' (e.g. 16:9), got '{value}'"
        ))
    };
    let (w, h) = v.split_once(':').ok_or_else(bad)?;
    let w: f64 = w.trim().parse().map_err(|_| bad())?;
    let h: f64 = h.trim().parse().map_err(|_| bad())?;
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0 && w / h <= 20.0 && h / w <= 20.0) {
        return Err(bad());
    }
    Ok((w, h))
}

/// Pixel rectangle `(x, y, w, h)` of a cell on a `width` × `height` canvas with `gap`.
fn cell_rect(
    c: (f64, f64, f64, f64),
    width: u32,
    height: u32,
    gap: u32,
) -> Option<(u32, u32, u32, u32)> {
    let span = |f: f64, len: u32| ((f * (len as f64 - gap as f64)).round().max(0.0)) as u32;
    let (x0, x1) = (gap + span(c.0, width), span(c.0 + c.2, width));
    let (y0, y1) = (gap + span(c.1, height), span(c.1 + c.3, height));
    (x1 > x0 && y1 > y0).then(|| (x0, y0, x1 - x0, y1 - y0))
}

struct Collage;

impl Tool for Collage {
    fn describe() -> ToolInfo {
        let ids: Vec<&str> = TEMPLATES.iter().map(|t| t.id).collect();
        ToolInfo {
            id: "collage",
            section: Section::Image,
            name: "Collage",
            description:
                "Arrange 2 to 20 images in a template of cells, each cover-cropped to fit.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "templateId": {"enum": ids, "default": "2-horizontal"},
                    "gap": {"type": "integer", "minimum": 0, "maximum": 500, "default": 8},
                    "cornerRadius": {"type": "integer", "minimum": 0, "maximum": 500, "default": 0},
                    "backgroundColor": {"type": "string", "default": "#FFFFFF"},
                    "outputFormat": {"enum": ["png", "jpeg", "webp"], "default": "png"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90},
                    "width": {"type": "integer", "minimum": 100, "maximum": 8000, "default": 1200},
                    "aspectRatio": {"type": "string", "default": "free", "description": "'free' or 'W:H'"}
                }
            }),
            min_inputs: 2,
            max_inputs: 20,
            accepts: &[],
            produces: Produces::by_setting("outputFormat", &["png", "jpg", "webp"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let t = template(&s.template_id)?;
        let gap = kit::int("gap", s.gap, 0, 500)? as u32;
        let radius = kit::int("cornerRadius", s.corner_radius, 0, 500)? as f32;
        let background = kit::parse_color_or_transparent("backgroundColor", &s.background_color)?;
        let format = kit::restricted_format(
            "outputFormat",
            &s.output_format,
            &["png", "jpeg", "jpg", "webp"],
        )?;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;
        let width = kit::int("width", s.width, 100, 8000)? as u64;
        let (rw, rh) = aspect(&s.aspect_ratio, t.ratio)?;
        let height = ((width as f64 * rh / rw).round() as u64).max(1);
        let mut canvas = kit::canvas(width, height, background)?;
        let (cw, ch) = canvas.dimensions();
        let rects = t
            .cells
            .iter()
            .map(|&c| {
                cell_rect(c, cw, ch, gap).ok_or_else(|| {
                    invalid_settings(format!("gap {gap} leaves no room for the cells"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let images = kit::decode_all(&inputs)?;
        let mut cells = Vec::with_capacity(rects.len());
        for (i, &(x, y, w, h)) in rects.iter().enumerate() {
            let index = i % images.len();
            let mut tile = kit::cover(&images[index], w, h, (0.5, 0.5))?;
            kit::round_corners(&mut tile, radius);
            kit::overlay(&mut canvas, &tile, x as i64, y as i64);
            cells.push(
                serde_json::json!({"imageIndex": index, "x": x, "y": y, "width": w, "height": h}),
            );
        }
        let file = kit::canvas_file("collage", canvas, format, quality)?;
        Ok(Output::file(file)
            .with_extra(serde_json::json!({"width": cw, "height": ch, "cells": cells})))
    }
}

lathe_tool_sdk::export_tool!(Collage);
