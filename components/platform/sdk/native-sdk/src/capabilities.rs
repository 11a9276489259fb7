//! Host capabilities for native tools: ffmpeg and progress reporting.

use crate::bindings::lathe::tool::{ffmpeg as ffi, progress, types as t};
use lathe_tool_sdk::{Input, OutputFile, ToolError};

/// Reports progress of the current job (0..=100) with a short message.
pub fn report_progress(percent: u8, message: &str) {
    progress::report(percent.min(100), message);
}

/// Runs ffmpeg with `args` over `inputs` (written to the scratch directory under their
/// names) and reads back the files named in `outputs`.
pub fn ffmpeg(
    args: &[String],
    inputs: &[Input],
    outputs: &[String],
) -> Result<Vec<OutputFile>, ToolError> {
    let inputs: Vec<t::InputFile> = inputs.iter().map(to_wit).collect();
    ffi::run(args, &inputs, outputs)
        .map(|files| {
            files
                .into_iter()
                .map(|f| OutputFile {
                    name: f.name,
                    media_type: f.media_type,
                    data: f.data,
                })
                .collect()
        })
        .map_err(ToolError::Failed)
}

/// Runs ffprobe on one input and returns its parsed JSON report. A file ffprobe cannot read
/// is an unsupported input.
pub fn probe(input: &Input) -> Result<serde_json::Value, ToolError> {
    let json = ffi::probe(&to_wit(input)).map_err(ToolError::UnsupportedInput)?;
    serde_json::from_str(&json).map_err(|e| ToolError::Failed(format!("ffprobe report: {e}")))
}

fn to_wit(input: &Input) -> t::InputFile {
    t::InputFile {
        name: input.name.clone(),
        media_type: input.media_type.clone(),
        data: input.data.clone(),
    }
}
