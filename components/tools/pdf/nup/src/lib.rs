//! `pdf/nup-pdf`: print several pages on each sheet (2, 3, 4, 8, 9, 12 or 16 up).
//!
//! Each source page becomes a Form XObject drawn, scaled to fit, in its cell of a grid on a
//! sheet the size of the first page (turned to landscape for the grids that are wider than
//! tall: 2, 3, 8 and 12 up). Cells are filled row by row from the top left.

use lathe_pdf_kit::impose::{displayed_size, impose, Grid, PerSheetSettings};
use lathe_pdf_kit::{load, one_pdf_tool_info, pdf_output, PageTree};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};

/// The pages per sheet when none is given.
const DEFAULT_PER_SHEET: u64 = 2;

/// The grid for `perSheet` (columns × rows).
fn grid(settings: &PerSheetSettings) -> Result<Grid, ToolError> {
    let (cols, rows) = match settings.count(DEFAULT_PER_SHEET) {
        Some(2) => (2, 1),
        Some(3) => (3, 1),
        Some(4) => (2, 2),
        Some(8) => (4, 2),
        Some(9) => (3, 3),
        Some(12) => (4, 3),
        Some(16) => (4, 4),
        _ => {
            return Err(invalid_settings(format!(
                "perSheet must be 2, 3, 4, 8, 9, 12 or 16, got {}",
                settings.given()
            )))
        }
    };
    Ok(Grid { cols, rows })
}

struct Nup;

impl Tool for Nup {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "nup-pdf",
            "N-up PDF",
            "Place 2, 3, 4, 8, 9, 12 or 16 pages on each sheet, each scaled to fit its cell.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "perSheet": {"enum": [2, 3, 4, 8, 9, 12, 16], "default": DEFAULT_PER_SHEET}
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: PerSheetSettings = parse_settings(settings)?;
        let grid = grid(&settings)?;
        let input = &inputs[0];
        let doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let (w, h) = displayed_size(&doc, tree.pages[0]);
        let (short, long) = (w.min(h), w.max(h));
        let sheet = if grid.cols > grid.rows {
            (long, short)
        } else {
            (short, long)
        };
        let slots: Vec<Option<u32>> = (1..=tree.len()).map(Some).collect();
        let mut out = impose(&doc, &tree, &slots, grid, sheet)?;
        let sheets = slots.len().div_ceil(grid.cells());
        Ok(
            pdf_output(&mut out, format!("{}-nup.pdf", input.stem()))?.with_extra(
                serde_json::json!({
                    "pageCount": sheets,
                    "sourcePageCount": tree.len(),
                    "perSheet": grid.cells(),
                }),
            ),
        )
    }
}

lathe_tool_sdk::export_tool!(Nup);
