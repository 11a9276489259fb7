//! The catalog entry and the output of a tool that edits one PDF into one PDF.

use lathe_tool_sdk::{Output, OutputFile, Produces, Section, ToolError, ToolInfo};
use lopdf::{Document, Object, ObjectId};

/// The MIME type of a PDF file.
pub const PDF_MIME: &str = "application/pdf";

/// The catalog entry of a PDF tool that takes one PDF and writes one PDF;
/// `settings_schema` is its whole settings schema.
pub fn one_pdf_tool_info(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    settings_schema: serde_json::Value,
) -> ToolInfo {
    ToolInfo {
        id,
        section: Section::Pdf,
        name,
        description,
        settings_schema,
        min_inputs: 1,
        max_inputs: 1,
        accepts: &["pdf"],
        produces: Produces::types(&["pdf"]),
    }
}

/// The settings schema of a tool whose one setting is the required qpdf page range
/// `name`, explained by `description`, with `alias` as a second name for it.
pub fn required_range_schema(name: &str, alias: &str, description: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            name: {"type": "string", "description": description},
            alias: {"type": "string", "description": format!("alias of {name}")}
        },
        "required": [name]
    })
}

/// Loads the input PDF (see [`crate::load`]), walks its page tree and parses the page
/// range `spec` against it (see [`crate::parse_page_ranges`]).
pub fn load_range(
    input: &lathe_tool_sdk::Input,
    spec: &str,
) -> Result<(Document, crate::PageTree, Vec<u32>), ToolError> {
    let doc = crate::load(input)?;
    let tree = crate::PageTree::of(&doc)?;
    let numbers = crate::parse_page_ranges(spec, tree.len())?;
    Ok((doc, tree, numbers))
}

/// Saves `doc` (see [`crate::save`]) as the tool's one output file, `file_name`.
pub fn pdf_output(doc: &mut Document, file_name: String) -> Result<Output, ToolError> {
    let bytes = crate::save(doc)?;
    Ok(Output::file(OutputFile::new(file_name, PDF_MIME, bytes)))
}

/// Sets `key` to `value` in the dictionary of page `page`; a page that is not a
/// dictionary is [`ToolError::UnsupportedInput`].
pub fn set_page_entry(
    doc: &mut Document,
    page: ObjectId,
    key: &str,
    value: impl Into<Object>,
) -> Result<(), ToolError> {
    doc.get_dictionary_mut(page)
        .map_err(|_| ToolError::UnsupportedInput("a page of the PDF is not a dictionary".into()))?
        .set(key, value);
    Ok(())
}
