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

/// A number setting that may also come as a string (form fields send strings): `None`
/// when absent, null or an empty string; 400 when it is not a finite number.
pub fn optional_number(
    value: Option<&serde_json::Value>,
    name: &str,
) -> Result<Option<f64>, ToolError> {
    let Some(value) = value else { return Ok(None) };
    let n = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) if s.trim().is_empty() => return Ok(None),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(ToolError::InvalidSettings(format!(
            "{name} must be a number, got {value}"
        ))),
    }
}

/// Like [`optional_number`], with `default` when absent and `min..=max` enforced.
pub fn lenient_number(
    value: Option<&serde_json::Value>,
    name: &str,
    min: f64,
    max: f64,
    default: f64,
) -> Result<f64, ToolError> {
    match optional_number(value, name)? {
        None => Ok(default),
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(_) => Err(ToolError::InvalidSettings(format!(
            "{name} must be a number from {min} to {max}"
        ))),
    }
}

/// Like [`lenient_number`] for a whole number.
pub fn lenient_integer(
    value: Option<&serde_json::Value>,
    name: &str,
    min: i64,
    max: i64,
    default: i64,
) -> Result<i64, ToolError> {
    match optional_number(value, name)? {
        None => Ok(default),
        Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(n as i64),
        Some(_) => Err(ToolError::InvalidSettings(format!(
            "{name} must be a whole number from {min} to {max}"
        ))),
    }
}

/// A required `text` setting taken as it is (not trimmed): 400 when absent or empty, or
/// longer than `max_chars` characters.
pub fn required_text(text: Option<&str>, max_chars: usize) -> Result<&str, ToolError> {
    let text = text.unwrap_or("");
    if text.is_empty() {
        return Err(ToolError::InvalidSettings("text is required".into()));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(ToolError::InvalidSettings(format!(
            "text must be at most {max_chars} characters, got {chars}"
        )));
    }
    Ok(text)
}
