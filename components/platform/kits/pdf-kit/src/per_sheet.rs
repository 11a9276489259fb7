//! The `perSheet` setting of the imposition tools (booklet, n-up).

use serde::Deserialize;
use serde_json::Value;

/// The settings of an imposition tool: `perSheet` (also `persheet`, `per_sheet`), the
/// pages placed on each sheet.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PerSheetSettings {
    /// The value as given.
    #[serde(alias = "persheet", alias = "per_sheet")]
    pub per_sheet: Option<Value>,
}

impl PerSheetSettings {
    /// `perSheet` as a whole number: `default` when absent or null, the value of a number
    /// or numeric string, else `None`.
    pub fn count(&self, default: u64) -> Option<u64> {
        match &self.per_sheet {
            None | Some(Value::Null) => Some(default),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(_) => None,
        }
    }

    /// `perSheet` as given, for an error message (empty when absent).
    pub fn given(&self) -> String {
        self.per_sheet
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}
