//! `files/yaml-json`: YAML to JSON and JSON to YAML; the direction follows the extension.
//!
//! A YAML stream of several documents becomes a JSON array of the documents. Aliases are
//! expanded under two limits: serde_yaml's own cap on alias jumps and a cap on the number
//! of values produced ([`node_budget`]), so a "billion laughs" document fails fast with a
//! client error instead of exhausting memory. Merge keys (`<<`) are resolved, tags dropped,
//! and non-string keys written as their text.

use std::cell::Cell;

use lathe_data_kit::{write_json, ReadOptions, Value};
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError,
    ToolInfo,
};
use serde::Deserialize;

/// The largest input accepted (10 MiB).
pub const MAX_INPUT: usize = 10 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    /// Indent the JSON output.
    #[serde(default = "yes")]
    pretty: bool,
    /// JSON → YAML: write a top-level array as a stream of documents.
    #[serde(default)]
    multi_document: bool,
}

fn yes() -> bool {
    true
}

/// The most values a YAML input of `len` bytes may expand to: two per input byte plus a
/// million for legitimate use of aliases.
pub fn node_budget(len: usize) -> u64 {
    2 * len as u64 + 1_000_000
}

/// YAML → JSON value: one document as itself, several (or none) as an array.
fn yaml_to_value(data: &[u8]) -> Result<(Value, usize), ToolError> {
    let text = lathe_data_kit::text(data)?;
    let options = ReadOptions {
        merge_keys: true,
        max_nodes: node_budget(text.len()),
    };
    let used = Cell::new(0);
    let mut docs = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = lathe_data_kit::deserialize(document, &options, &used)
            .map_err(|e| unsupported(format!("invalid YAML: {e}")))?;
        docs.push(value);
    }
    let count = docs.len();
    let value = if count == 1 {
        docs.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(docs)
    };
    Ok((value, count))
}

/// JSON → YAML text.
fn json_to_yaml(data: &[u8], multi_document: bool) -> Result<Vec<u8>, ToolError> {
    let value = lathe_data_kit::parse_json(data)?;
    let yaml = |v: &Value| {
        serde_yaml::to_string(v).map_err(|e| ToolError::Failed(format!("writing YAML failed: {e}")))
    };
    match &value {
        Value::Array(items) if multi_document => {
            let mut out = String::new();
            for item in items {
                out.push_str("---\n");
                out.push_str(&yaml(item)?);
            }
            Ok(out.into_bytes())
        }
        _ => Ok(yaml(&value)?.into_bytes()),
    }
}

struct YamlJson;

impl Tool for YamlJson {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            (
                "yaml-json",
                Section::Files,
                "YAML ↔ JSON",
                "Convert YAML (several documents become an array) to JSON, or JSON to YAML.",
            ),
            serde_json::json!({
                "pretty": {"type": "boolean", "default": true, "description": "YAML → JSON: indent the output."},
                "multiDocument": {"type": "boolean", "default": false,
                    "description": "JSON → YAML: write a top-level array as one YAML document per item."}
            }),
            &["yaml", "yml", "json"],
            Produces::types(&["json", "yaml"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let input = inputs.first().ok_or_else(|| unsupported("no file given"))?;
        if input.data.len() > MAX_INPUT {
            return Err(ToolError::TooLarge(format!(
                "the file is {} bytes; this tool accepts up to {MAX_INPUT} bytes (10 MB)",
                input.data.len()
            )));
        }
        if input.extension() == "json" {
            let yaml = json_to_yaml(&input.data, settings.multi_document)?;
            Ok(Output::file(OutputFile::new(
                format!("{}.yaml", input.stem()),
                "application/yaml",
                yaml,
            )))
        } else {
            let (value, documents) = yaml_to_value(&input.data)?;
            let mut out = Vec::with_capacity(input.data.len() * 2 + 16);
            write_json(&value, settings.pretty, &mut out);
            out.push(b'\n');
            let file = OutputFile::new(format!("{}.json", input.stem()), "application/json", out);
            Ok(Output::file(file).with_extra(serde_json::json!({"documents": documents})))
        }
    }
}

lathe_tool_sdk::export_tool!(YamlJson);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_merges_and_bombs() {
        let (v, n) = yaml_to_value(b"a: 1\n---\nb: [x, 2]\n").unwrap();
        assert_eq!(n, 2);
        assert_eq!(v.to_json_string(), r#"[{"a":1},{"b":["x",2]}]"#);
        let (v, _) =
            yaml_to_value(b"base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n1: !tag z\n").unwrap();
        assert_eq!(
            v.to_json_string(),
            r#"{"base":{"x":1,"y":2},"d":{"y":3,"x":1},"1":"z"}"#
        );
        let mut bomb = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        for (i, c) in "bcdefghi".chars().enumerate() {
            let p = (b'a' + i as u8) as char;
            bomb.push_str(&format!(
                "{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
            ));
        }
        assert!(yaml_to_value(bomb.as_bytes()).is_err());
        let mut wide = String::from("a: &a [");
        wide.push_str(&"1,".repeat(20_000));
        wide.push_str("1]\nb: [");
        wide.push_str(&"*a,".repeat(20_000));
        wide.push_str("*a]\n");
        assert!(yaml_to_value(wide.as_bytes()).is_err());
        assert_eq!(
            json_to_yaml(br#"{"b":"007","a":[1,true]}"#, false).unwrap(),
            b"b: '007'\na:\n- 1\n- true\n"
        );
    }
}
