//! `pdf/booklet-pdf`: impose a PDF as a saddle-stitched booklet.
//!
//! Pages are padded with blanks to a multiple of four and laid out two per side of a
//! landscape sheet (twice the first page's width): sheet 1 front is `[n, 1]`, its back
//! `[2, n-1]`, sheet 2 front `[n-2, 3]`, and so on. Printed double-sided, folded and
//! stapled, the sheets read in order. With `perSheet` 4, two such sides share one sheet
//! (one above the other), to be cut apart after printing.

use lathe_pdf_kit::impose::{displayed_size, impose, Grid, PerSheetSettings};
use lathe_pdf_kit::{load, one_pdf_tool_info, pdf_output, PageTree};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};

/// `perSheet`: 2 (default) or 4.
fn per_sheet(settings: &PerSheetSettings) -> Result<u32, ToolError> {
    match settings.count(2) {
        Some(2) => Ok(2),
        Some(4) => Ok(4),
        _ => Err(invalid_settings(format!(
            "perSheet must be 2 or 4, got {}",
            settings.given()
        ))),
    }
}

/// The booklet order of `pages` pages: two slots per side, `None` for padding blanks.
fn booklet_order(pages: u32) -> Vec<Option<u32>> {
    let n = pages.div_ceil(4) * 4;
    let slot = |p: u32| (p <= pages).then_some(p);
    let mut order = Vec::with_capacity(n as usize);
    for i in 0..n / 4 {
        let (lo, hi) = (2 * i + 1, n - 2 * i);
        order.extend([slot(hi), slot(lo), slot(lo + 1), slot(hi - 1)]);
    }
    order
}

/// For four per side: the fronts of two consecutive booklet sheets share one printed side
/// (one above the other), and their backs share the next.
fn stack_pairs(order: &[Option<u32>]) -> Vec<Option<u32>> {
    let mut out = Vec::with_capacity(order.len() + 4);
    for pair in order.chunks(8) {
        let side = |sheet: usize, back: usize| -> [Option<u32>; 2] {
            let at = sheet * 4 + back * 2;
            [
                pair.get(at).copied().flatten(),
                pair.get(at + 1).copied().flatten(),
            ]
        };
        for back in 0..2 {
            out.extend(side(0, back));
            out.extend(side(1, back));
        }
    }
    out
}

struct Booklet;

impl Tool for Booklet {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "booklet-pdf",
            "Booklet PDF",
            "Arrange pages for a saddle-stitched booklet: two pages per side of a landscape sheet, in folding order.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "perSheet": {"enum": [2, 4], "default": 2, "description": "pages per printed side: 2, or 4 (two booklet sides stacked, to be cut apart)"}
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: PerSheetSettings = parse_settings(settings)?;
        let per_sheet = per_sheet(&settings)?;
        let input = &inputs[0];
        let doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let (w, h) = displayed_size(&doc, tree.pages[0]);
        let mut order = booklet_order(tree.len());
        if per_sheet == 4 {
            order = stack_pairs(&order);
        }
        let (grid, sheet) = if per_sheet == 4 {
            (Grid { cols: 2, rows: 2 }, (2.0 * w, 2.0 * h))
        } else {
            (Grid { cols: 2, rows: 1 }, (2.0 * w, h))
        };
        let mut out = impose(&doc, &tree, &order, grid, sheet)?;
        let sides = order.len().div_ceil(grid.cells());
        Ok(
            pdf_output(&mut out, format!("{}-booklet.pdf", input.stem()))?.with_extra(
                serde_json::json!({
                    "pageCount": sides,
                    "sourcePageCount": tree.len(),
                    "blankPages": order.iter().filter(|s| s.is_none()).count(),
                }),
            ),
        )
    }
}

lathe_tool_sdk::export_tool!(Booklet);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_pads_and_folds() {
        assert_eq!(
            booklet_order(8),
            [8, 1, 2, 7, 6, 3, 4, 5].map(Some).to_vec()
        );
        assert_eq!(booklet_order(3), vec![None, Some(1), Some(2), Some(3)]);
        let stacked = stack_pairs(&booklet_order(8));
        assert_eq!(stacked, [8, 1, 6, 3, 2, 7, 4, 5].map(Some).to_vec());
        let stacked = stack_pairs(&booklet_order(4));
        assert_eq!(
            stacked,
            vec![Some(4), Some(1), None, None, Some(2), Some(3), None, None]
        );
    }
}
