//! `files/create-zip`: packs 2 to 50 files of any type into `archive.zip` (deflate).
//! Files with the same name get `_1`, `_2`, ... before the extension.

use lathe_tool_sdk::{
    unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError, ToolInfo,
};

struct CreateZip;

impl Tool for CreateZip {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "create-zip",
            section: Section::Files,
            name: "Create ZIP",
            description: "Pack 2 to 50 files of any type into archive.zip (deflate); repeated names get _1, _2, ... before the extension.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 2,
            max_inputs: 50,
            accepts: &[],
            produces: Produces::types(&["zip"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: serde_json::Value = lathe_tool_sdk::parse_settings(settings)?;
        if inputs.len() < 2 {
            return Err(unsupported("a ZIP needs at least 2 files"));
        }
        let count = inputs.len();
        let files: Vec<OutputFile> = inputs
            .into_iter()
            .map(|i| OutputFile::new(i.name, i.media_type, i.data))
            .collect();
        let zip = lathe_tool_sdk::archive::zip_files(&files)?;
        Ok(
            Output::file(OutputFile::new("archive.zip", "application/zip", zip))
                .with_extra(serde_json::json!({"entries": count})),
        )
    }
}

lathe_tool_sdk::export_tool!(CreateZip);
