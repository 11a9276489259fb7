//! Shared helpers for Lathe's data-file tools (CSV, JSON, XML, YAML).
//!
//! - [`Value`]: a JSON value whose objects keep their keys in document order (serde_json's
//!   own `Value` sorts them unless a workspace-wide feature is switched on).
//! - [`deserialize`]: builds a [`Value`] from any self-describing serde format with a budget
//!   on the number of values, so formats with aliases (YAML) cannot expand without bound.
//! - [`write_json`] and [`write_json_str`]: a JSON writer (compact or indented) for [`Value`].
//! - [`text`] and [`parse_json`]: input checks with errors a client can act on.
//! - [`delimited`]: CSV readers and errors; [`series`]: labelled numeric series from CSV
//!   or JSON; [`settings`]: text settings.

pub mod delimited;
pub mod series;
pub mod settings;

use std::cell::Cell;
use std::fmt;

pub use indexmap::IndexMap;
use lathe_tool_sdk::{unsupported, ToolError};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value whose objects keep their keys in first-seen order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A finite number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object; a repeated key keeps its first place and its last value.
    Object(IndexMap<String, Value>),
}

impl Value {
    /// A short name of the value's type for error messages ("a number", "an array", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The value as compact JSON text.
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::new();
        write_json(self, false, &mut out);
        // The writer only emits UTF-8; the fallback is never taken.
        String::from_utf8(out).unwrap_or_default()
    }

    /// The text of a scalar as it would appear in a text format: strings as they are,
    /// numbers and booleans in JSON notation, null as the empty string. Arrays and objects
    /// become compact JSON.
    pub fn scalar_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Null => "".into(),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Number(n) => n.to_string().into(),
            Value::String(s) => s.as_str().into(),
            Value::Array(_) | Value::Object(_) => self.to_json_string().into(),
        }
    }

    /// A number from an `f64`; NaN and infinities (which JSON cannot hold) become the
    /// strings `.nan`, `.inf` and `-.inf`, as YAML writes them.
    pub fn from_f64(f: f64) -> Value {
        match serde_json::Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None if f.is_nan() => Value::String(".nan".into()),
            None if f > 0.0 => Value::String(".inf".into()),
            None => Value::String("-.inf".into()),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut m = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

/// How [`deserialize`] reads a document.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Resolve YAML merge keys (`<<: *base`): the merged mappings' entries are added where
    /// the mapping has no entry of that key.
    pub merge_keys: bool,
    /// The most values (scalars, arrays, objects and keys) the document may produce,
    /// counted after alias expansion.
    pub max_nodes: u64,
}

/// Reads one value from a self-describing serde deserializer (serde_json, serde_yaml)
/// into a [`Value`], counting values in `used` across calls and failing once more than
/// `options.max_nodes` are produced. Map keys that are not strings become their text
/// (numbers, booleans, `null`) or compact JSON (arrays, objects); YAML tags are dropped.
pub fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
    options: &ReadOptions,
    used: &Cell<u64>,
) -> Result<Value, D::Error> {
    Seed { options, used }.deserialize(deserializer)
}

#[derive(Clone, Copy)]
struct Seed<'a> {
    options: &'a ReadOptions,
    used: &'a Cell<u64>,
}

impl Seed<'_> {
    fn count<E: de::Error>(&self) -> Result<(), E> {
        let n = self.used.get() + 1;
        if n > self.options.max_nodes {
            return Err(E::custom(format!(
                "the document expands to more than {} values (too many alias repetitions?)",
                self.options.max_nodes
            )));
        }
        self.used.set(n);
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Deserializes a map key as a [`Value`] and turns it into a string.
struct KeySeed<'a>(Seed<'a>);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        Ok(match self.0.deserialize(deserializer)? {
            Value::String(s) => s,
            Value::Null => "null".into(),
            other => other.scalar_text().into_owned(),
        })
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        self.count()?;
        Ok(match i64::try_from(v) {
            Ok(i) => Value::Number(i.into()),
            Err(_) => Value::from_f64(v as f64),
        })
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        self.count()?;
        Ok(match u64::try_from(v) {
            Ok(u) => Value::Number(u.into()),
            Err(_) => Value::from_f64(v as f64),
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.count()?;
        Ok(Value::from_f64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        self.count()?;
        Ok(Value::String(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.count()?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.count()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.count()?;
        let mut out = IndexMap::new();
        let mut merges = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(self))? {
            let value = map.next_value_seed(self)?;
            if self.options.merge_keys && key == "<<" {
                merges.push(value);
            } else {
                out.insert(key, value);
            }
        }
        for merge in merges {
            let sources = match merge {
                Value::Object(m) => vec![m],
                Value::Array(items) => items
                    .into_iter()
                    .map(|item| match item {
                        Value::Object(m) => Ok(m),
                        other => Err(de::Error::custom(format!(
                            "a merge key (<<) needs mappings, got {}",
                            other.kind()
                        ))),
                    })
                    .collect::<Result<Vec<_>, A::Error>>()?,
                other => {
                    return Err(de::Error::custom(format!(
                        "a merge key (<<) needs a mapping or a list of mappings, got {}",
                        other.kind()
                    )))
                }
            };
            for source in sources {
                for (k, v) in source {
                    out.entry(k).or_insert(v);
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A YAML tag (`!custom value`): keep the value, drop the tag.
        let (_tag, variant): (de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant_seed(self)
    }
}

/// The input as UTF-8 text without a leading byte-order mark, or an
/// [`ToolError::UnsupportedInput`] naming the first bad byte.
pub fn text(data: &[u8]) -> Result<&str, ToolError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    std::str::from_utf8(data).map_err(|e| {
        unsupported(format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// The most values a JSON document may hold: one per input byte, plus some slack.
pub fn json_node_budget(len: usize) -> u64 {
    len as u64 + 1024
}

/// Parses a JSON document (UTF-8, optional byte-order mark) into a [`Value`], keeping
/// key order. Syntax errors become [`ToolError::UnsupportedInput`].
pub fn parse_json(data: &[u8]) -> Result<Value, ToolError> {
    let text = text(data)?;
    let options = ReadOptions {
        merge_keys: false,
        max_nodes: json_node_budget(text.len()),
    };
    let used = Cell::new(0);
    let mut de = serde_json::Deserializer::from_str(text);
    let value = deserialize(&mut de, &options, &used)
        .map_err(|e| unsupported(format!("invalid JSON: {e}")))?;
    de.end()
        .map_err(|e| unsupported(format!("invalid JSON: {e}")))?;
    Ok(value)
}

/// Appends `s` as a JSON string literal (quoted and escaped) to `out`.
pub fn write_json_str(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xf) as usize]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends a newline and `level` levels of two-space indentation to `out`.
pub fn write_indent(level: usize, out: &mut Vec<u8>) {
    out.push(b'\n');
    out.resize(out.len() + 2 * level, b' ');
}

/// Appends `value` as JSON to `out`: compact, or indented by two spaces like
/// `serde_json::to_string_pretty` when `pretty`.
pub fn write_json(value: &Value, pretty: bool, out: &mut Vec<u8>) {
    write_value(value, pretty, 0, out);
}

fn write_value(value: &Value, pretty: bool, level: usize, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_json_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if pretty {
                    write_indent(level + 1, out);
                }
                write_value(item, pretty, level + 1, out);
            }
            if pretty && !items.is_empty() {
                write_indent(level, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if pretty {
                    write_indent(level + 1, out);
                }
                write_json_str(k, out);
                out.extend_from_slice(if pretty { b": " } else { b":" });
                write_value(v, pretty, level + 1, out);
            }
            if pretty && !map.is_empty() {
                write_indent(level, out);
            }
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_round_trips() {
        let src = r#"{"b":1,"a":[true,null,"x\n\"y\u0001"],"c":{"z":1.5,"y":-2}}"#;
        let v = parse_json(src.as_bytes()).unwrap();
        assert_eq!(v.to_json_string(), src);
        let mut pretty = Vec::new();
        write_json(&v, true, &mut pretty);
        let ours: serde_json::Value = serde_json::from_slice(&pretty).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(src).unwrap();
        assert_eq!(ours, theirs);
        let small = parse_json(br#"{"b":[1,{}],"a":[]}"#).unwrap();
        let mut out = Vec::new();
        write_json(&small, true, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"b\": [\n    1,\n    {}\n  ],\n  \"a\": []\n}"
        );
    }

    #[test]
    fn rejects_bad_json_and_bad_utf8() {
        assert!(parse_json(b"{\"a\":").is_err());
        assert!(parse_json(b"[1] x").is_err());
        assert!(parse_json(b"\xff\xfe").is_err());
        let deep = "[".repeat(10_000);
        assert!(parse_json(deep.as_bytes()).is_err());
    }
}
