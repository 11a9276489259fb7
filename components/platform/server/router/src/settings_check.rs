//! Checking a pipeline step's settings against its tool's settings schema before anything
//! runs, so a bad step 3 fails at once instead of after steps 1 and 2.
//!
//! Only the JSON Schema keywords the tools' schemas use are checked: `type`, `enum`,
//! `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength`,
//! `required` and `properties` (recursively). Hand-written because a full validator
//! (`jsonschema`) brings regex engines, formats and remote references into every gateway
//! for these few keywords. Like the tools' own parsers, a number or boolean may come as
//! a string ("800", "true"); the tool still parses the settings itself when it runs.

use serde_json::Value;

/// `Err(message)` naming the first setting that does not fit `schema`.
pub fn check(schema: &Value, settings: &Value) -> Result<(), String> {
    check_at(schema, settings, "settings")
}

fn check_at(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let Value::Object(rules) = schema else {
        return Ok(());
    };
    if let Some(allowed) = rules.get("enum").and_then(Value::as_array) {
        let matches = allowed
            .iter()
            .any(|a| a == value || as_text(a) == as_text(value));
        if !matches {
            let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
            return Err(format!("{path} must be one of {}", list.join(", ")));
        }
    }
    if let Some(kind) = rules.get("type").and_then(Value::as_str) {
        if !has_type(kind, value) {
            return Err(format!("{path} must be of type {kind}"));
        }
    }
    if let Some(n) = number(value) {
        let bound = |k: &str| rules.get(k).and_then(Value::as_f64);
        if bound("minimum").is_some_and(|m| n < m) {
            return Err(format!("{path} must be at least {}", rules["minimum"]));
        }
        if bound("maximum").is_some_and(|m| n > m) {
            return Err(format!("{path} must be at most {}", rules["maximum"]));
        }
        if bound("exclusiveMinimum").is_some_and(|m| n <= m) {
            return Err(format!(
                "{path} must be above {}",
                rules["exclusiveMinimum"]
            ));
        }
        if bound("exclusiveMaximum").is_some_and(|m| n >= m) {
            return Err(format!(
                "{path} must be below {}",
                rules["exclusiveMaximum"]
            ));
        }
    }
    if let Value::String(s) = value {
        let len = s.chars().count() as u64;
        if rules
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| len < m)
        {
            return Err(format!("{path} is too short"));
        }
        if rules
            .get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| len > m)
        {
            return Err(format!("{path} is too long"));
        }
    }
    if let Value::Object(fields) = value {
        if let Some(required) = rules.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    return Err(format!("{path}.{name} is required"));
                }
            }
        }
        if let Some(Value::Object(props)) = rules.get("properties") {
            for (name, sub) in props {
                if let Some(v) = fields.get(name) {
                    if !v.is_null() {
                        check_at(sub, v, &format!("{path}.{name}"))?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn has_type(kind: &str, v: &Value) -> bool {
    match kind {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean() || matches!(v.as_str(), Some("true" | "false")),
        "number" => number(v).is_some(),
        "integer" => number(v).is_some_and(|n| n.fract() == 0.0),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checks_the_keywords_tools_use() {
        let schema = json!({"type": "object", "properties": {
            "width": {"type": "integer", "minimum": 1, "maximum": 100},
            "fit": {"enum": ["cover", "contain"]},
            "p": {"type": "number", "exclusiveMinimum": 0},
            "strip": {"type": "boolean"},
        }, "required": ["width"]});
        assert!(check(&schema, &json!({"width": 50, "fit": "cover"})).is_ok());
        assert!(check(&schema, &json!({"width": "50", "strip": "true"})).is_ok());
        assert!(check(&schema, &json!({"width": 0}))
            .unwrap_err()
            .contains("width"));
        assert!(check(&schema, &json!({"width": 1.5})).is_err());
        assert!(check(&schema, &json!({"width": 5, "fit": "tile"})).is_err());
        assert!(check(&schema, &json!({"width": 5, "p": 0})).is_err());
        assert!(check(&schema, &json!({})).unwrap_err().contains("required"));
        assert!(check(&schema, &json!([1])).is_err());
    }
}
