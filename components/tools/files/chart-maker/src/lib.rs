//! `files/chart-maker`: a bar, line, area, scatter or pie chart from CSV or JSON data, as
//! PNG or SVG.
//!
//! Data comes from an uploaded `.csv`/`.tsv` (header row; first column = labels, numeric
//! columns = series) or `.json` file, or from the `data` setting (same JSON shapes, see
//! `series::from_json`). The chart is drawn with `plotters`' SVG backend; PNG output is that
//! SVG rendered by `resvg` with the bundled DejaVu fonts (no system fonts). Settings:
//! `kind` (bar, line, pie, scatter, area; default bar), `title` (≤ 120 characters), `width`
//! (320..=2048, default 960), `height` (240..=1536, default 540), `format` (png or svg),
//! `xLabel`, `yLabel`, `colors` (hex colours) and `legend` (default: when several series).

use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use plotters::prelude::*;
use resvg::{tiny_skia, usvg};
use serde::Deserialize;
use serde_json::Value;

use lathe_data_kit::series::{self, Data};
use lathe_data_kit::settings::optional_text;

/// The most bytes of data accepted.
const MAX_INPUT: usize = 10 << 20;
/// The longest title.
const MAX_TITLE: usize = 120;
/// Default colours (Tableau 10).
const PALETTE: [(u8, u8, u8); 10] = [
    (0x4e, 0x79, 0xa7),
    (0xf2, 0x8e, 0x2b),
    (0xe1, 0x57, 0x59),
    (0x76, 0xb7, 0xb2),
    (0x59, 0xa1, 0x4f),
    (0xed, 0xc9, 0x48),
    (0xb0, 0x7a, 0xa1),
    (0xff, 0x9d, 0xa7),
    (0x9c, 0x75, 0x5f),
    (0xba, 0xb0, 0xac),
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "type", alias = "chartType")]
    kind: Option<Value>,
    title: Option<Value>,
    width: Option<Value>,
    height: Option<Value>,
    #[serde(alias = "output", alias = "outputFormat")]
    format: Option<Value>,
    #[serde(alias = "xAxisLabel", alias = "x_label")]
    x_label: Option<Value>,
    #[serde(alias = "yAxisLabel", alias = "y_label")]
    y_label: Option<Value>,
    #[serde(alias = "colours", alias = "palette")]
    colors: Option<Value>,
    legend: Option<Value>,
    data: Option<Value>,
}

/// The chart type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Bar,
    Line,
    Area,
    Scatter,
    Pie,
}

/// Checked settings.
struct Chart {
    kind: Kind,
    title: Option<String>,
    width: u32,
    height: u32,
    svg: bool,
    x_label: Option<String>,
    y_label: Option<String>,
    colors: Vec<RGBColor>,
    legend: Option<bool>,
}

/// An integer setting in a range, with a default.
fn int(name: &str, v: Option<&Value>, min: u32, max: u32, default: u32) -> Result<u32, ToolError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.fract() == 0.0 && n >= f64::from(min) && n <= f64::from(max) => Ok(n as u32),
        _ => Err(invalid_settings(format!(
            "{name} must be a whole number from {min} to {max}, got {v}"
        ))),
    }
}

/// A `#rgb` or `#rrggbb` colour.
fn hex(s: &str) -> Option<RGBColor> {
    let h = s.trim().trim_start_matches('#');
    let digits: Vec<u8> = h
        .chars()
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()?;
    match digits.len() {
        3 => Some(RGBColor(digits[0] * 17, digits[1] * 17, digits[2] * 17)),
        6 | 8 => Some(RGBColor(
            digits[0] * 16 + digits[1],
            digits[2] * 16 + digits[3],
            digits[4] * 16 + digits[5],
        )),
        _ => None,
    }
}

impl Chart {
    fn from(s: &Settings) -> Result<Chart, ToolError> {
        let kind = match s.kind.as_ref().filter(|v| !v.is_null()) {
            None => Kind::Bar,
            Some(v) => match v.as_str().map(|t| t.trim().to_ascii_lowercase()).as_deref() {
                Some("bar" | "column") => Kind::Bar,
                Some("line") => Kind::Line,
                Some("area") => Kind::Area,
                Some("scatter" | "point" | "points") => Kind::Scatter,
                Some("pie") => Kind::Pie,
                _ => {
                    return Err(invalid_settings(format!(
                        "kind must be one of bar, line, pie, scatter, area, got {v}"
                    )))
                }
            },
        };
        let svg = match s.format.as_ref().filter(|v| !v.is_null()) {
            None => false,
            Some(v) => match v.as_str().map(|t| t.trim().to_ascii_lowercase()).as_deref() {
                Some("png") => false,
                Some("svg") => true,
                _ => {
                    return Err(invalid_settings(format!(
                        "format must be png or svg, got {v}"
                    )))
                }
            },
        };
        let colors = match s.colors.as_ref().filter(|v| !v.is_null()) {
            None => Vec::new(),
            Some(v) => {
                let items: Vec<String> = match v {
                    Value::String(t) => t.split(',').map(|p| p.trim().to_string()).collect(),
                    Value::Array(a) => a
                        .iter()
                        .map(|x| x.as_str().map(str::to_string).unwrap_or_default())
                        .collect(),
                    _ => vec![String::new()],
                };
                if items.len() > 64 {
                    return Err(invalid_settings("colors may hold at most 64 colours"));
                }
                items
                    .iter()
                    .filter(|t| !t.is_empty() || items.len() == 1)
                    .map(|t| {
                        hex(t).ok_or_else(|| {
                            invalid_settings(format!(
                                "colors must be hex colours like #4e79a7, got {v}"
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?
            }
        };
        let legend = match s.legend.as_ref().filter(|v| !v.is_null()) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(v) => {
                return Err(invalid_settings(format!(
                    "legend must be true or false, got {v}"
                )))
            }
        };
        Ok(Chart {
            kind,
            title: optional_text("title", s.title.as_ref(), MAX_TITLE)?,
            width: int("width", s.width.as_ref(), 320, 2048, 960)?,
            height: int("height", s.height.as_ref(), 240, 1536, 540)?,
            svg,
            x_label: optional_text("xLabel", s.x_label.as_ref(), MAX_TITLE)?,
            y_label: optional_text("yLabel", s.y_label.as_ref(), MAX_TITLE)?,
            colors,
            legend,
        })
    }

    /// The colour of series or slice `i`.
    fn color(&self, i: usize) -> RGBColor {
        if self.colors.is_empty() {
            let (r, g, b) = PALETTE[i % PALETTE.len()];
            RGBColor(r, g, b)
        } else {
            self.colors[i % self.colors.len()]
        }
    }
}

/// Turns a plotters error into a tool error.
fn fail(e: impl std::fmt::Display) -> ToolError {
    ToolError::Failed(format!("drawing the chart failed: {e}"))
}

/// A "nice" value range for the values, including zero for bar and area charts.
fn value_range(data: &Data, with_zero: bool) -> (f64, f64) {
    let values = data.series.iter().flat_map(|s| s.values.iter().flatten());
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(*v), b.max(*v))
    });
    if with_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if (hi - lo).abs() < f64::EPSILON {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = (hi - lo) * 0.08;
    let lo = if with_zero && lo >= 0.0 { lo } else { lo - pad };
    let hi = if with_zero && hi <= 0.0 { hi } else { hi + pad };
    (lo, hi)
}

/// A short number for axis labels.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A label cut to `max` characters.
fn cut(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Draws the chart as SVG text.
fn draw_svg(chart: &Chart, data: &Data) -> Result<String, ToolError> {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (chart.width, chart.height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let scale = (f64::from(chart.width.min(chart.height)) / 540.0).clamp(0.6, 2.5);
        let title_size = (26.0 * scale).round();
        let label_size = (14.0 * scale).round();
        if chart.kind == Kind::Pie {
            draw_pie(chart, data, &root, title_size, label_size)?;
        } else {
            draw_xy(chart, data, &root, title_size, label_size)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// Draws a pie of the first series (negative and missing values count as zero).
fn draw_pie<DB: DrawingBackend>(
    chart: &Chart,
    data: &Data,
    root: &DrawingArea<DB, plotters::coord::Shift>,
    title_size: f64,
    label_size: f64,
) -> Result<(), ToolError>
where
    DB::ErrorType: 'static,
{
    let area = match &chart.title {
        Some(t) => root
            .titled(t, ("sans-serif", title_size).into_font())
            .map_err(fail)?,
        None => root.clone(),
    };
    let series = &data.series[0];
    let sizes: Vec<f64> = series
        .values
        .iter()
        .map(|v| v.unwrap_or(0.0).max(0.0))
        .collect();
    let total: f64 = sizes.iter().sum();
    if total <= 0.0 {
        return Err(unsupported("a pie chart needs positive values"));
    }
    let colors: Vec<RGBColor> = (0..sizes.len()).map(|i| chart.color(i)).collect();
    let labels: Vec<String> = data.labels.iter().map(|l| cut(l, 24)).collect();
    let (w, h) = area.dim_in_pixel();
    let center = (w as i32 / 2, h as i32 / 2);
    let radius = f64::from(w.min(h)) * 0.36;
    let mut pie = Pie::new(&center, &radius, &sizes, &colors, &labels);
    pie.start_angle(-90.0);
    pie.label_style(("sans-serif", label_size).into_font().color(&BLACK));
    pie.label_offset(radius * 0.12);
    pie.percentages(("sans-serif", label_size * 0.9).into_font().color(&WHITE));
    area.draw(&pie).map_err(fail)?;
    Ok(())
}

/// Draws a bar, line, area or scatter chart.
fn draw_xy<DB: DrawingBackend>(
    chart: &Chart,
    data: &Data,
    root: &DrawingArea<DB, plotters::coord::Shift>,
    title_size: f64,
    label_size: f64,
) -> Result<(), ToolError>
where
    DB::ErrorType: 'static,
{
    let n = data.labels.len();
    // Scatter charts use the labels as numeric x values when they all are numbers.
    let numeric_x: Option<Vec<f64>> = if chart.kind == Kind::Scatter {
        data.labels
            .iter()
            .map(|l| l.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect()
    } else {
        None
    };
    let xs: Vec<f64> = match &numeric_x {
        Some(v) => v.clone(),
        None => (0..n).map(|i| i as f64).collect(),
    };
    let (x_lo, x_hi) = match &numeric_x {
        Some(v) => {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let pad = ((hi - lo) * 0.05).max(0.5);
            (lo - pad, hi + pad)
        }
        None => (-0.5, n as f64 - 0.5),
    };
    let (y_lo, y_hi) = value_range(data, matches!(chart.kind, Kind::Bar | Kind::Area));
    let unit = label_size as u32;
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(unit)
        .x_label_area_size(unit * 3)
        .y_label_area_size(unit * 4);
    if let Some(t) = &chart.title {
        builder.caption(t, ("sans-serif", title_size).into_font());
    }
    let mut ctx = builder
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(fail)?;
    let max_labels = ((chart.width as usize) / (unit as usize * 5)).max(2);
    let labels = data.labels.clone();
    let categorical = numeric_x.is_none();
    let x_fmt = move |x: &f64| -> String {
        if !categorical {
            return short(*x);
        }
        let r = x.round();
        if (x - r).abs() > 1e-6 || r < 0.0 {
            return String::new();
        }
        labels
            .get(r as usize)
            .map(|l| cut(l, 16))
            .unwrap_or_default()
    };
    let y_fmt = |y: &f64| short(*y);
    let mut mesh = ctx.configure_mesh();
    mesh.x_labels(if categorical {
        n.min(max_labels) + 1
    } else {
        max_labels
    })
    .y_labels(8)
    .x_label_formatter(&x_fmt)
    .y_label_formatter(&y_fmt)
    .label_style(("sans-serif", label_size * 0.9).into_font())
    .axis_desc_style(("sans-serif", label_size).into_font())
    .light_line_style(RGBColor(235, 235, 235))
    .bold_line_style(RGBColor(215, 215, 215));
    if categorical {
        mesh.disable_x_mesh();
    }
    if let Some(l) = &chart.x_label {
        mesh.x_desc(l.as_str());
    }
    if let Some(l) = &chart.y_label {
        mesh.y_desc(l.as_str());
    }
    mesh.draw().map_err(fail)?;

    let groups = data.series.len();
    let single_bar_series = chart.kind == Kind::Bar && groups == 1;
    let stroke = (label_size / 6.0).max(1.5) as u32;
    for (k, series) in data.series.iter().enumerate() {
        let color = chart.color(k);
        let points: Vec<(f64, f64)> = series
            .values
            .iter()
            .zip(&xs)
            .filter_map(|(v, x)| v.map(|v| (*x, v)))
            .collect();
        let annotation = match chart.kind {
            Kind::Bar => {
                let slot = 0.8 / groups as f64;
                let bars = series.values.iter().enumerate().filter_map(|(i, v)| {
                    let v = (*v)?;
                    let x0 = i as f64 - 0.4 + slot * k as f64 + slot * 0.06;
                    let x1 = x0 + slot * 0.88;
                    let fill = if single_bar_series {
                        chart.color(i)
                    } else {
                        color
                    };
                    Some(Rectangle::new([(x0, 0.0), (x1, v)], fill.filled()))
                });
                ctx.draw_series(bars).map_err(fail)?
            }
            Kind::Line => {
                ctx.draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(stroke),
                ))
                .map_err(fail)?;
                ctx.draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new(*p, stroke + 2, color.filled())),
                )
                .map_err(fail)?
            }
            Kind::Area => ctx
                .draw_series(
                    AreaSeries::new(points.iter().copied(), 0.0, color.mix(0.35))
                        .border_style(color.stroke_width(stroke)),
                )
                .map_err(fail)?,
            Kind::Scatter => ctx
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new(*p, stroke + 3, color.mix(0.8).filled())),
                )
                .map_err(fail)?,
            Kind::Pie => unreachable!("pie charts are drawn by draw_pie"),
        };
        annotation
            .label(cut(&series.name, 32))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
    }
    let legend = chart.legend.unwrap_or(groups > 1);
    if legend {
        ctx.configure_series_labels()
            .label_font(("sans-serif", label_size * 0.9).into_font())
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(fail)?;
    }
    Ok(())
}

/// Renders SVG text to PNG with the bundled fonts.
fn svg_to_png(svg: &str) -> Result<Vec<u8>, ToolError> {
    let mut opt = usvg::Options {
        resources_dir: None,
        font_family: "DejaVu Sans".into(),
        ..Default::default()
    };
    let db = opt.fontdb_mut();
    for font in [
        dejavu::sans::regular(),
        dejavu::sans::bold(),
        dejavu::sans::oblique(),
    ] {
        db.load_font_data(font.to_vec());
    }
    db.set_sans_serif_family("DejaVu Sans");
    db.set_serif_family("DejaVu Sans");
    db.set_monospace_family("DejaVu Sans");
    let tree = usvg::Tree::from_str(svg, &opt).map_err(fail)?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| ToolError::Failed("the chart has no area".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(fail)
}

/// Reads the chart data from the upload or the `data` setting.
fn load_data(inputs: &[Input], setting: Option<&Value>) -> Result<Data, ToolError> {
    if let Some(input) = inputs.first() {
        let text = input.text(MAX_INPUT)?;
        return match input.extension().as_str() {
            "json" => {
                let v: Value = serde_json::from_str(text)
                    .map_err(|e| unsupported(format!("'{}' is not valid JSON: {e}", input.name)))?;
                series::from_json(&v)
            }
            _ => series::from_csv(text),
        };
    }
    match setting.filter(|v| !v.is_null()) {
        Some(Value::String(s)) => {
            // A string holds CSV text or JSON text.
            match serde_json::from_str::<Value>(s) {
                Ok(v) if v.is_array() || v.is_object() => series::from_json(&v),
                _ => series::from_csv(s),
            }
        }
        Some(v) => series::from_json(v).map_err(|e| match e {
            ToolError::UnsupportedInput(m) => invalid_settings(format!("data: {m}")),
            other => other,
        }),
        None => Err(unsupported(
            "upload a CSV or JSON file, or give the values in the data setting",
        )),
    }
}

struct ChartMaker;

impl Tool for ChartMaker {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "chart-maker",
            section: Section::Files,
            name: "Chart Maker",
            description:
                "Draw a bar, line, area, scatter or pie chart from CSV or JSON data as PNG or SVG.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "kind": {"enum": ["bar", "line", "pie", "scatter", "area"], "default": "bar"},
                    "title": {"type": "string", "maxLength": MAX_TITLE},
                    "width": {"type": "integer", "minimum": 320, "maximum": 2048, "default": 960},
                    "height": {"type": "integer", "minimum": 240, "maximum": 1536, "default": 540},
                    "format": {"enum": ["png", "svg"], "default": "png"},
                    "xLabel": {"type": "string"},
                    "yLabel": {"type": "string"},
                    "colors": {"type": "array", "items": {"type": "string"}, "description": "hex colours, used in turn"},
                    "legend": {"type": "boolean", "description": "default: shown when there are several series"},
                    "data": {"description": "chart data when no file is uploaded: {\"labels\": [...], \"values\": [...]}, [{\"label\": ..., \"value\": ...}], {\"A\": 1} or CSV text"}
                }
            }),
            min_inputs: 0,
            max_inputs: 1,
            accepts: &["csv", "tsv", "txt", "json"],
            produces: Produces::by_setting("format", &["png", "svg"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let chart = Chart::from(&s)?;
        let data = load_data(&inputs, s.data.as_ref())?;
        let svg = draw_svg(&chart, &data)?;
        let stem = inputs
            .first()
            .map(|i| i.stem().to_string())
            .unwrap_or_else(|| "chart".to_string());
        let extra = serde_json::json!({
            "width": chart.width,
            "height": chart.height,
            "points": data.labels.len(),
            "series": data.series.len(),
        });
        let file = if chart.svg {
            OutputFile::new(format!("{stem}.svg"), "image/svg+xml", svg.into_bytes())
        } else {
            OutputFile::new(format!("{stem}.png"), "image/png", svg_to_png(&svg)?)
        };
        Ok(Output::file(file).with_extra(extra))
    }
}

lathe_tool_sdk::export_tool!(ChartMaker);
