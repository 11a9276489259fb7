//! Settings the data-file tools share.

use lathe_tool_sdk::{invalid_settings, ToolError};
use serde_json::Value;

/// An optional text setting `name` of at most `max` characters, white space folded:
/// absent, null or blank is `None`; anything but a string is refused.
pub fn optional_text(
    name: &str,
    value: Option<&Value>,
    max: usize,
) -> Result<Option<String>, ToolError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
            if t.chars().count() > max {
                return Err(invalid_settings(format!(
                    "{name} must be at most {max} characters"
                )));
            }
            Ok((!t.is_empty()).then_some(t))
        }
        Some(other) => Err(invalid_settings(format!(
            "{name} must be a string, got {other}"
        ))),
    }
}
