//! `image/meme-generator`: classic memes — white text with a black outline, upper-case,
//! word-wrapped and auto-sized to its box — on your own image or on a built-in template.
//!
//! * Custom image mode: send one image; `textLayout` picks the boxes (`top-bottom`,
//!   `top-only`, `bottom-only`, `center`, `side-by-side`) whose texts come from `textBoxes`
//!   (`[{id, text}]`, ids `top`, `bottom`, `center`, `left`, `right`; boxes whose id does not
//!   match take the texts in order) or from the `topText` / `bottomText` shortcuts.
//! * Template mode: send no file and a `templateId`. The templates are drawn in code
//!   (gradients and flat panels, no third-party pictures); the `meme-templates` operation
//!   lists them with their sizes and text boxes. Template output is PNG.
//!
//! Without `fontSize` each box gets the largest size (8..=200 px) that fits it. The
//! outline is 1/14 of the font size. Fonts: the peer's names map onto the bundled DejaVu
//! faces (`anton`, `bebas-neue` → DejaVu Sans Condensed Bold; `arial-black` → Sans Bold;
//! `comic-sans`, `permanent-marker` → Sans Bold Oblique; `montserrat`, `roboto` → Sans Bold).

use lathe_image_kit::image::{Rgba, RgbaImage};
use lathe_layout_kit as kit;
use lathe_text_kit::{self as text, Align, Face, Stroke, Style};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;
use serde_json::json;

mod templates;

use templates::{Template, TEMPLATES};

/// Longest text of one box, in characters.
const MAX_BOX_CHARS: usize = 500;

/// The font family names the peer accepts.
const FONT_FAMILIES: &[&str] = &[
    "anton",
    "arial-black",
    "comic-sans",
    "montserrat",
    "bebas-neue",
    "permanent-marker",
    "roboto",
];

/// One text of `textBoxes`.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct TextBox {
    id: Option<String>,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    #[serde(alias = "template")]
    template_id: Option<String>,
    #[serde(alias = "layout")]
    text_layout: String,
    text_boxes: Vec<TextBox>,
    top_text: Option<String>,
    bottom_text: Option<String>,
    #[serde(alias = "font")]
    font_family: String,
    font_size: Option<f64>,
    #[serde(alias = "color")]
    text_color: String,
    stroke_color: String,
    stroke_width: Option<f64>,
    text_align: String,
    all_caps: bool,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            template_id: None,
            text_layout: "top-bottom".into(),
            text_boxes: Vec::new(),
            top_text: None,
            bottom_text: None,
            font_family: "anton".into(),
            font_size: None,
            text_color: "#ffffff".into(),
            stroke_color: "#000000".into(),
            stroke_width: None,
            text_align: "center".into(),
            all_caps: true,
            quality: 90.0,
        }
    }
}

/// Vertical placement of text inside its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAlign {
    /// Against the top edge.
    Top,
    /// Centred.
    Middle,
    /// Against the bottom edge.
    Bottom,
}

/// A rectangle that receives one text.
#[derive(Debug, Clone, Copy)]
pub struct BoxSpec {
    /// Id matched against `textBoxes[].id`.
    pub id: &'static str,
    /// Left edge, px.
    pub x: u32,
    /// Top edge, px.
    pub y: u32,
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// Where the text sits vertically.
    pub valign: VAlign,
}

/// Validated text styling.
struct Look {
    face: Face,
    size: Option<f32>,
    color: Rgba<u8>,
    stroke: Rgba<u8>,
    stroke_width: Option<f32>,
    align: Align,
    caps: bool,
}

fn look(s: &Settings) -> Result<Look, ToolError> {
    let family = s.font_family.trim().to_ascii_lowercase();
    let face = match family.as_str() {
        "anton" | "bebas-neue" | "impact" => Face::CondensedBold,
        "arial-black" | "montserrat" | "roboto" => Face::SansBold,
        "comic-sans" | "permanent-marker" => Face::SansBoldOblique,
        other => Face::from_name(other).ok_or_else(|| {
            invalid_settings(format!(
                "fontFamily must be one of {}; got '{}'",
                FONT_FAMILIES.join(", "),
                s.font_family
            ))
        })?,
    };
    let size = match s.font_size {
        Some(v) => Some(kit::number("fontSize", v, 8.0, 200.0)? as f32),
        None => None,
    };
    let stroke_width = match s.stroke_width {
        Some(v) => Some(kit::number("strokeWidth", v, 0.0, 50.0)? as f32),
        None => None,
    };
    Ok(Look {
        face,
        size,
        color: kit::parse_hex("textColor", &s.text_color)?,
        stroke: kit::parse_hex("strokeColor", &s.stroke_color)?,
        stroke_width,
        align: Align::from_name(&s.text_align).ok_or_else(|| {
            invalid_settings(format!(
                "textAlign must be left, center or right; got '{}'",
                s.text_align
            ))
        })?,
        caps: s.all_caps,
    })
}

/// The boxes of a custom-image layout on a `w` × `h` image.
fn layout_boxes(layout: &str, w: u32, h: u32) -> Result<Vec<BoxSpec>, ToolError> {
    let mx = ((w as f32) * 0.04).round() as u32;
    let my = ((h as f32) * 0.03).round() as u32;
    let band = ((h as f32) * 0.25).round().max(1.0) as u32;
    let inner = w.saturating_sub(2 * mx).max(1);
    let top = BoxSpec {
        id: "top",
        x: mx,
        y: my,
        width: inner,
        height: band,
        valign: VAlign::Top,
    };
    let bottom = BoxSpec {
        id: "bottom",
        x: mx,
        y: h.saturating_sub(my + band),
        width: inner,
        height: band,
        valign: VAlign::Bottom,
    };
    let half = (w / 2).saturating_sub(2 * mx).max(1);
    Ok(match layout.trim().to_ascii_lowercase().as_str() {
        "top-bottom" | "" => vec![top, bottom],
        "top-only" | "top" => vec![top],
        "bottom-only" | "bottom" => vec![bottom],
        "center" | "centre" | "middle" => vec![BoxSpec {
            id: "center",
            y: (h.saturating_sub(band + band / 5)) / 2,
            height: band + band / 5,
            valign: VAlign::Middle,
            ..top
        }],
        "side-by-side" => vec![
            BoxSpec {
                id: "left",
                width: half,
                ..top
            },
            BoxSpec {
                id: "right",
                x: w / 2 + mx,
                width: half,
                ..top
            },
        ],
        other => {
            return Err(invalid_settings(format!(
                "textLayout must be one of top-bottom, top-only, bottom-only, center, side-by-side; got '{other}'"
            )))
        }
    })
}

/// Pairs each box with its text: by id first, then unclaimed texts in order.
fn assign<'a>(boxes: &[BoxSpec], s: &'a Settings) -> Result<Vec<(BoxSpec, &'a str)>, ToolError> {
    let mut texts: Vec<(Option<&str>, &str)> = s
        .text_boxes
        .iter()
        .map(|t| (t.id.as_deref(), t.text.as_str()))
        .collect();
    if let Some(t) = &s.top_text {
        texts.push((Some("top"), t));
    }
    if let Some(t) = &s.bottom_text {
        texts.push((Some("bottom"), t));
    }
    if texts.iter().any(|t| t.1.chars().count() > MAX_BOX_CHARS) {
        return Err(invalid_settings(format!(
            "each text box holds at most {MAX_BOX_CHARS} characters"
        )));
    }
    let mut used = vec![false; texts.len()];
    let mut out: Vec<(BoxSpec, Option<&str>)> = boxes.iter().map(|b| (*b, None)).collect();
    for (b, slot) in out.iter_mut() {
        if let Some(i) = texts
            .iter()
            .enumerate()
            .position(|(i, t)| !used[i] && t.0 == Some(b.id))
        {
            used[i] = true;
            *slot = Some(texts[i].1);
        }
    }
    for (_, slot) in out.iter_mut().filter(|(_, s)| s.is_none()) {
        let known = |id: Option<&str>| id.is_some_and(|id| boxes.iter().any(|b| b.id == id));
        if let Some(i) = (0..texts.len()).find(|&i| !used[i] && !known(texts[i].0)) {
            used[i] = true;
            *slot = Some(texts[i].1);
        }
    }
    Ok(out
        .into_iter()
        .filter_map(|(b, t)| t.map(|t| (b, t)))
        .collect())
}

/// Draws `content` into box `b` of `img`.
fn draw_box(img: &mut RgbaImage, b: &BoxSpec, content: &str, l: &Look) -> Result<(), ToolError> {
    let content = if l.caps {
        content.to_uppercase()
    } else {
        content.to_string()
    };
    let content = content.trim();
    if content.is_empty() {
        return Ok(());
    }
    let base_size = 100.0;
    let mut style = Style::new(l.face, base_size, l.color);
    style.align = l.align;
    style.line_height = 1.1;
    let stroke_for = |size: f32| l.stroke_width.unwrap_or((size / 14.0).max(1.0));
    style.stroke = Some(Stroke {
        width: stroke_for(base_size),
        color: l.stroke,
    });
    let (bw, bh) = (b.width as f32, b.height as f32);
    let (size, lines) = match l.size {
        Some(size) => {
            style.size = size;
            style.stroke = Some(Stroke {
                width: stroke_for(size),
                color: l.stroke,
            });
            let room = (bw - 2.0 * stroke_for(size) - 2.0).max(1.0);
            (size, text::wrap(l.face, size, content, room))
        }
        None => text::fit(content, &style, bw, bh, 8.0, 200.0f32.min(bh).max(8.0)),
    };
    style.size = size;
    style.stroke = Some(Stroke {
        width: stroke_for(size),
        color: l.stroke,
    })
    .filter(|s| s.width > 0.0);
    let tile = text::render(&lines, &style)?;
    let (tw, th) = (tile.width() as i64, tile.height() as i64);
    let x = match l.align {
        Align::Left => b.x as i64,
        Align::Center => b.x as i64 + (b.width as i64 - tw) / 2,
        Align::Right => b.x as i64 + b.width as i64 - tw,
    };
    let y = match b.valign {
        VAlign::Top => b.y as i64,
        VAlign::Middle => b.y as i64 + (b.height as i64 - th) / 2,
        VAlign::Bottom => b.y as i64 + b.height as i64 - th,
    };
    text::draw(img, &tile, x, y, 1.0);
    Ok(())
}

/// The `meme-templates` listing.
fn template_list() -> serde_json::Value {
    let templates: Vec<_> = TEMPLATES
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "width": t.width,
                "height": t.height,
                "textBoxes": t.boxes.iter().map(|b| json!({
                    "id": b.id, "x": b.x, "y": b.y, "width": b.width, "height": b.height,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "templates": templates })
}

fn find_template(id: &str) -> Result<&'static Template, ToolError> {
    TEMPLATES.iter().find(|t| t.id == id.trim()).ok_or_else(|| {
        let ids: Vec<_> = TEMPLATES.iter().map(|t| t.id).collect();
        invalid_settings(format!(
            "unknown templateId '{id}'; available: {}",
            ids.join(", ")
        ))
    })
}

/// `GET /api/v1/meme-templates[/full|thumbs/<id>.png]`: the listing, or a template's
/// blank image at full size or as a 240 px wide thumbnail.
fn template_route(settings: &str) -> Result<Output, ToolError> {
    #[derive(serde::Deserialize, Default)]
    struct Route {
        #[serde(default)]
        path: String,
    }
    let route: Route = parse_settings(settings)?;
    let path = route.path.trim_matches('/');
    if path.is_empty() {
        return Ok(Output::default().with_extra(template_list()));
    }
    let (kind, file) = path
        .split_once('/')
        .ok_or_else(|| invalid_settings(format!("unknown template path '{path}'")))?;
    let id = file.strip_suffix(".png").unwrap_or(file);
    let t = find_template(id)?;
    let mut img = lathe_image_kit::DynamicImage::ImageRgba8(t.paint());
    match kind {
        "full" => {}
        "thumbs" => img = img.thumbnail(240, 240),
        _ => return Err(invalid_settings(format!("unknown template path '{path}'"))),
    }
    let bytes = lathe_image_kit::encode(
        &img,
        lathe_image_kit::ImageFormat::Png,
        lathe_image_kit::EncodeOptions::default(),
    )?;
    Ok(
        Output::file(OutputFile::new(format!("{}.png", t.id), "image/png", bytes))
            .with_extra(json!({"width": img.width(), "height": img.height()})),
    )
}

struct MemeGenerator;

impl Tool for MemeGenerator {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "meme-generator",
            section: Section::Image,
            name: "Meme Generator",
            description: "Classic outlined meme text on your image or on a built-in template.",
            settings_schema: json!({
                "type": "object",
                "properties": {
                    "templateId": {"type": "string", "enum": TEMPLATES.iter().map(|t| t.id).collect::<Vec<_>>(), "description": "render on a built-in template (send no file)"},
                    "textLayout": {"type": "string", "enum": ["top-bottom", "top-only", "bottom-only", "center", "side-by-side"], "default": "top-bottom"},
                    "textBoxes": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string", "maxLength": MAX_BOX_CHARS}}}, "default": []},
                    "topText": {"type": "string"},
                    "bottomText": {"type": "string"},
                    "fontFamily": {"type": "string", "enum": FONT_FAMILIES, "default": "anton"},
                    "fontSize": {"type": "number", "minimum": 8, "maximum": 200, "description": "auto-sized to each box when absent"},
                    "textColor": {"type": "string", "default": "#ffffff"},
                    "strokeColor": {"type": "string", "default": "#000000"},
                    "strokeWidth": {"type": "number", "minimum": 0, "maximum": 50, "description": "outline in px (default fontSize / 14)"},
                    "textAlign": {"type": "string", "enum": ["left", "center", "right"], "default": "center"},
                    "allCaps": {"type": "boolean", "default": true},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
                }
            }),
            min_inputs: 0,
            max_inputs: 1,
            accepts: &[],
            produces: Produces::types(&["*", "png"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let l = look(&s)?;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;
        match inputs.first() {
            Some(input) => text::draw_on(input, quality, |img| {
                let (w, h) = img.dimensions();
                let boxes = layout_boxes(&s.text_layout, w, h)?;
                for (b, content) in assign(&boxes, &s)? {
                    draw_box(img, &b, content, &l)?;
                }
                Ok(())
            }),
            None => {
                let id = s.template_id.as_deref().ok_or_else(|| {
                    invalid_settings(
                        "send an image file, or a templateId to use a built-in template (see meme-templates)",
                    )
                })?;
                let t = find_template(id)?;
                let mut img = t.paint();
                for (b, content) in assign(t.boxes, &s)? {
                    draw_box(&mut img, &b, content, &l)?;
                }
                let bytes = lathe_image_kit::encode(
                    &lathe_image_kit::DynamicImage::ImageRgba8(img),
                    lathe_image_kit::ImageFormat::Png,
                    lathe_image_kit::EncodeOptions { quality },
                )?;
                Ok(Output::file(OutputFile::new(
                    format!("meme-{}.png", t.id),
                    "image/png",
                    bytes,
                ))
                .with_extra(json!({"width": t.width, "height": t.height, "templateId": t.id})))
            }
        }
    }

    const OPERATIONS: &'static [&'static str] = &["meme-templates"];

    fn run_operation(
        operation: &str,
        _inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        match operation {
            "meme-templates" => template_route(settings),
            other => Err(ToolError::UnsupportedInput(format!(
                "meme-generator has no operation '{other}'"
            ))),
        }
    }
}

lathe_tool_sdk::export_tool!(MemeGenerator);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_by_id_then_order() {
        let s: Settings =
            serde_json::from_str(r#"{"textBoxes":[{"id":"bottom","text":"B"},{"text":"T"}]}"#)
                .unwrap();
        let boxes = layout_boxes("top-bottom", 100, 100).unwrap();
        let got: Vec<_> = assign(&boxes, &s)
            .unwrap()
            .into_iter()
            .map(|(b, t)| (b.id, t))
            .collect();
        assert_eq!(got, vec![("top", "T"), ("bottom", "B")]);
    }

    #[test]
    fn templates_paint_at_their_size() {
        for t in TEMPLATES {
            let img = t.paint();
            assert_eq!(img.dimensions(), (t.width, t.height), "{}", t.id);
            for b in t.boxes {
                assert!(b.x + b.width <= t.width && b.y + b.height <= t.height);
            }
        }
    }
}
