//! `pdf/split-pdf`: split a PDF into several PDFs, by page ranges or every N pages.
//!
//! Each output holds only the objects its pages reach, with stream data as it is. Several
//! outputs are returned as a list (the router zips them); a single output is the PDF itself.

use std::collections::HashSet;

use lathe_pdf_kit::{load, parse_page_groups, save, PageTree, PdfBuilder};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// The largest chunk size of `every` mode.
const MAX_EVERY: u64 = 500;

/// The most output files one run may produce.
const MAX_OUTPUTS: usize = 10_000;

/// The most bytes all outputs together may take.
const MAX_TOTAL_BYTES: usize = 1 << 30;

#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Mode {
    /// Each comma-separated item of `range` becomes one file (no range: one file per page).
    #[default]
    Range,
    /// Chunks of `everyN` pages.
    Every,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    mode: Mode,
    range: Option<String>,
    #[serde(alias = "everyn", alias = "every_n")]
    every_n: Option<serde_json::Value>,
}

fn every_n(value: Option<&serde_json::Value>) -> Result<u32, ToolError> {
    let Some(value) = value else {
        return Err(invalid_settings(
            "everyN is required in every mode (1 to 500)",
        ));
    };
    let n = match value {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (1..=MAX_EVERY).contains(&n) => Ok(n as u32),
        _ => Err(invalid_settings(format!(
            "everyN must be an integer from 1 to {MAX_EVERY}, got {value}"
        ))),
    }
}

/// The page groups (1-based page numbers) that become output files.
fn groups(settings: &Settings, page_count: u32) -> Result<Vec<Vec<u32>>, ToolError> {
    match settings.mode {
        Mode::Every => {
            let n = every_n(settings.every_n.as_ref())?;
            let pages: Vec<u32> = (1..=page_count).collect();
            Ok(pages.chunks(n as usize).map(<[u32]>::to_vec).collect())
        }
        Mode::Range => match settings.range.as_deref().map(str::trim) {
            None | Some("") => Ok((1..=page_count).map(|p| vec![p]).collect()),
            Some(spec) => parse_page_groups(spec, page_count),
        },
    }
}

/// `<stem>-<p>.pdf` for one page, `<stem>-pages-<first>-<last>.pdf` for several; repeats of
/// a name get `-copyN`.
fn file_name(stem: &str, group: &[u32], used: &mut HashSet<String>) -> String {
    let base = match group {
        [one] => format!("{stem}-{one}"),
        [first, .., last] => format!("{stem}-pages-{first}-{last}"),
        [] => format!("{stem}-empty"),
    };
    let mut name = format!("{base}.pdf");
    let mut copy = 2;
    while !used.insert(name.clone()) {
        name = format!("{base}-copy{copy}.pdf");
        copy += 1;
    }
    name
}

struct Split;

impl Tool for Split {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("split-pdf", Section::Pdf, "Split PDF", "Split a PDF into several files by page ranges (each comma-separated range becomes a file) or every N pages."),
            serde_json::json!({
                "mode": {"enum": ["range", "every"], "default": "range"},
                "range": {"type": "string", "description": "qpdf page ranges, e.g. 1-3,5,z; each comma-separated item becomes one file; default one file per page"},
                "everyN": {"type": "integer", "minimum": 1, "maximum": MAX_EVERY}
            }),
            &["pdf"],
            Produces::types(&["pdf", "zip"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let input = &inputs[0];
        let doc = load(input)?;
        let tree = PageTree::of(&doc)?;
        let groups = groups(&settings, tree.len())?;
        if groups.len() > MAX_OUTPUTS {
            return Err(invalid_settings(format!(
                "the split would make more than {MAX_OUTPUTS} files"
            )));
        }
        let stem = input.stem();
        let mut used = HashSet::new();
        let mut files = Vec::with_capacity(groups.len());
        let mut total = 0usize;
        for group in &groups {
            let pages: Vec<_> = group.iter().filter_map(|&n| tree.page(n)).collect();
            let mut builder = PdfBuilder::new();
            builder.add_pages(&doc, &tree, &pages)?;
            let bytes = save(&mut builder.finish())?;
            total += bytes.len();
            if total > MAX_TOTAL_BYTES {
                return Err(ToolError::TooLarge(
                    "the split files would exceed 1 GiB together".into(),
                ));
            }
            files.push(OutputFile::new(
                file_name(stem, group, &mut used),
                "application/pdf",
                bytes,
            ));
        }
        let extra = serde_json::json!({"pageCount": tree.len(), "fileCount": files.len()});
        Ok(Output::files(files).with_extra(extra))
    }
}

lathe_tool_sdk::export_tool!(Split);
