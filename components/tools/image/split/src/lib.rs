//! `image/split`: cut an image into a grid of tiles, returned as a ZIP.
//!
//! Seed 001's settings: `mode` `grid` (`rows` × `cols` tiles, the default), `rows`
//! (horizontal strips) or `cols` (vertical strips); `cols` is the peer's `columns`.
//!
//! With `columns` × `rows` the tile edges are at `floor(i · size / n)`, so the tiles cover
//! the image exactly. `tileWidth`/`tileHeight` (≥ 10 px) override the counts: tiles of that
//! size from the top-left, the last row/column taking the remainder. Tiles are named
//! `<stem>_r<row>_c<col>.<ext>` (1-based); at most 100 rows and 100 columns.

use lathe_image_kit::{decode, encode, EncodeOptions};
use lathe_layout_kit as kit;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// Most rows or columns (the peer's MAX_SPLIT_GRID).
const MAX_GRID: u32 = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    /// Seed 001: `grid` (rows × columns), `rows` (horizontal strips), `cols` (vertical).
    mode: Option<String>,
    #[serde(alias = "cols")]
    columns: f64,
    rows: f64,
    tile_width: Option<f64>,
    tile_height: Option<f64>,
    output_format: Option<String>,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: None,
            columns: 3.0,
            rows: 3.0,
            tile_width: None,
            tile_height: None,
            output_format: None,
            quality: 90.0,
        }
    }
}

/// Tile edges along one axis of length `len`: `count` equal parts, or parts of `tile` px.
fn edges(axis: &str, len: u32, count: u32, tile: Option<u32>) -> Result<Vec<u32>, ToolError> {
    let edges: Vec<u32> = match tile {
        Some(t) => {
            let n = len.div_ceil(t);
            if n > MAX_GRID {
                return Err(invalid_settings(format!(
                    "tiles of {t} px make {n} {axis}s; the limit is {MAX_GRID}"
                )));
            }
            (0..=n).map(|i| (i * t).min(len)).collect()
        }
        None => {
            if count > len {
                return Err(invalid_settings(format!(
                    "{count} {axis}s do not fit in {len} px"
                )));
            }
            (0..=count)
                .map(|i| (i as u64 * len as u64 / count as u64) as u32)
                .collect()
        }
    };
    Ok(edges)
}

struct Split;

impl Tool for Split {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            (
                "split",
                Section::Image,
                "Split",
                "Cut an image into a grid of tiles (ZIP).",
            ),
            serde_json::json!({
                    "mode": {"enum": ["grid", "rows", "cols"], "default": "grid", "description": "grid: rows × cols tiles; rows: horizontal strips; cols: vertical strips."},
                    "cols": {"type": "integer", "minimum": 1, "maximum": MAX_GRID, "default": 3, "description": "Seed 001's name of columns."},
                    "columns": {"type": "integer", "minimum": 1, "maximum": MAX_GRID, "default": 3},
                    "rows": {"type": "integer", "minimum": 1, "maximum": MAX_GRID, "default": 3},
                    "tileWidth": {"type": "integer", "minimum": 10},
                    "tileHeight": {"type": "integer", "minimum": 10},
                    "outputFormat": {"enum": ["original", "png", "jpg", "webp"], "default": "original"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
            }),
            &[],
            Produces::types(&["*", "png", "jpg", "webp", "zip"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let mut columns = kit::int("columns", s.columns, 1, MAX_GRID as i64)? as u32;
        let mut rows = kit::int("rows", s.rows, 1, MAX_GRID as i64)? as u32;
        match s.mode.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("grid") => {}
            // Strips: only the one axis is cut.
            Some("rows") => columns = 1,
            Some("cols") | Some("columns") => rows = 1,
            Some(other) => {
                return Err(invalid_settings(format!(
                    "mode must be grid, rows or cols, got '{other}'"
                )))
            }
        }
        let tile_w = s
            .tile_width
            .map(|v| kit::int("tileWidth", v, 10, u32::MAX as i64))
            .transpose()?;
        let tile_h = s
            .tile_height
            .map(|v| kit::int("tileHeight", v, 10, u32::MAX as i64))
            .transpose()?;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;
        if let Some(f) = s.output_format.as_deref() {
            let f = f.trim().to_ascii_lowercase();
            if !["original", "png", "jpg", "jpeg", "webp"].contains(&f.as_str()) {
                return Err(invalid_settings(format!(
                    "outputFormat must be one of original, png, jpg, webp, got '{f}'"
                )));
            }
        }

        let input = &inputs[0];
        let decoded = decode(input)?;
        let format =
            kit::output_format("outputFormat", s.output_format.as_deref(), decoded.format)?;
        let img = &decoded.image;
        let xs = edges("column", img.width(), columns, tile_w.map(|v| v as u32))?;
        let ys = edges("row", img.height(), rows, tile_h.map(|v| v as u32))?;
        let mut files = Vec::with_capacity((xs.len() - 1) * (ys.len() - 1));
        let mut tiles = Vec::new();
        for (r, y) in ys.windows(2).enumerate() {
            for (c, x) in xs.windows(2).enumerate() {
                let (w, h) = (x[1] - x[0], y[1] - y[0]);
                let tile = img.crop_imm(x[0], y[0], w, h);
                let bytes = encode(&tile, format, EncodeOptions { quality })?;
                let name = format!(
                    "{}_r{}_c{}.{}",
                    input.stem(),
                    r + 1,
                    c + 1,
                    format.extension()
                );
                tiles.push(serde_json::json!({"name": name, "x": x[0], "y": y[0], "width": w, "height": h}));
                files.push(OutputFile::new(name, format.media_type(), bytes));
            }
        }
        Ok(Output::files(files).with_extra(serde_json::json!({
            "rows": ys.len() - 1,
            "columns": xs.len() - 1,
            "tiles": tiles,
        })))
    }
}

lathe_tool_sdk::export_tool!(Split);
