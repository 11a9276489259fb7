//! Settings parsing: JSON into a tool's typed settings, with errors a client can act on.

use serde::de::DeserializeOwned;

use crate::ToolError;

/// Parses the settings JSON string into `T`. Unknown fields are the struct's business
/// (tools normally ignore them, as the peer does). A parse or type error becomes
/// [`ToolError::InvalidSettings`] naming the field.
pub fn parse_settings<T: DeserializeOwned>(settings: &str) -> Result<T, ToolError> {
    let text = if settings.trim().is_empty() {
        "{}"
    } else {
        settings
    };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ToolError::InvalidSettings(format!("settings must be a JSON object: {e}")))?;
    if !value.is_object() {
        return Err(ToolError::InvalidSettings(
            "settings must be a JSON object".into(),
        ));
    }
    serde_json::from_value(value).map_err(|e| ToolError::InvalidSettings(e.to_string()))
}

/// Checks that `value` lies in `min..=max`, naming the field in the error.
pub fn check_range<T: PartialOrd + std::fmt::Display>(
    field: &str,
    value: T,
    min: T,
    max: T,
) -> Result<T, ToolError> {
    if value < min || value > max {
        return Err(ToolError::InvalidSettings(format!(
            "{field} must be between {min} and {max}, got {value}"
        )));
    }
    Ok(value)
}
