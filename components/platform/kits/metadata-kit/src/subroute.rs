//! The read-only `inspect` sub-route the metadata tools share.

use lathe_tool_sdk::{parse_settings, Input, ToolError};

/// Checks a call of the sub-route `expected` (e.g. `inspect`) and returns its one image:
/// another operation name, settings that are not JSON, no upload ("upload one image")
/// or several (`many` is the message) are refused.
pub fn one_image_operation<'a>(
    operation: &str,
    expected: &str,
    inputs: &'a [Input],
    settings: &str,
    many: &str,
) -> Result<&'a Input, ToolError> {
    if operation != expected {
        return Err(ToolError::UnsupportedInput(format!(
            "unknown operation '{operation}'"
        )));
    }
    let _: serde_json::Value = parse_settings(settings)?;
    match inputs {
        [one] => Ok(one),
        [] => Err(ToolError::UnsupportedInput("upload one image".into())),
        _ => Err(ToolError::UnsupportedInput(many.into())),
    }
}
