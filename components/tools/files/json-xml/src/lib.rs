//! `files/json-xml`: JSON to XML and XML to JSON; the direction follows the extension.
//!
//! JSON → XML: the document goes under one root element (`rootName`, default `root`);
//! object keys become child elements (names that are not XML names are sanitised), arrays
//! repeat the element of their key (a top-level array gives `<item>` elements), keys
//! starting with `@` become attributes and `#text` becomes the element's text.
//!
//! XML → JSON (the reverse, read as a stream): the root element's content becomes the JSON
//! document; elements become objects, repeated siblings arrays, attributes `@name` keys, and
//! text either the value itself (an element with only text) or a `#text` key. DOCTYPE
//! declarations are refused (no entity expansion, no external entities) and nesting is
//! capped at [`MAX_DEPTH`] levels.

use std::collections::HashSet;

use indexmap::IndexMap;
use lathe_data_kit::{write_json, Value};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, OutputFile, Produces, Section,
    Tool, ToolError, ToolInfo,
};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use serde::Deserialize;

/// The deepest element nesting accepted in XML input.
pub const MAX_DEPTH: usize = 256;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    /// Name of the root element (JSON → XML).
    #[serde(default = "default_root")]
    root_name: String,
    /// Indent the output.
    #[serde(default = "yes")]
    pretty: bool,
}

fn default_root() -> String {
    "root".into()
}

fn yes() -> bool {
    true
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_numeric() || matches!(c, '-' | '.' | ':' | '\u{B7}')
}

/// Whether `name` is an XML element name (a conservative subset of the XML `Name` rule).
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// Makes `key` a valid XML name: other characters become `_`, and a name that does not
/// start with a letter or `_` gets a `_` in front.
fn sanitize(key: &str) -> String {
    let mut name: String = key
        .chars()
        .map(|c| if is_name_char(c) { c } else { '_' })
        .collect();
    if !name.chars().next().is_some_and(is_name_start) {
        name.insert(0, '_');
    }
    name
}

/// Replaces characters XML 1.0 cannot hold (most control characters, U+FFFE, U+FFFF)
/// with U+FFFD.
fn xml_chars(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
    };
    if text.chars().any(bad) {
        text.chars()
            .map(|c| if bad(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

type XmlWriter = Writer<Vec<u8>>;

fn io_error(e: std::io::Error) -> ToolError {
    ToolError::Failed(format!("writing XML failed: {e}"))
}

fn write_text_element(w: &mut XmlWriter, name: &str, text: &str) -> Result<(), ToolError> {
    w.write_event(Event::Start(BytesStart::new(name)))
        .map_err(io_error)?;
    if !text.is_empty() {
        w.write_event(Event::Text(BytesText::new(&xml_chars(text))))
            .map_err(io_error)?;
    }
    w.write_event(Event::End(BytesEnd::new(name)))
        .map_err(io_error)
}

/// Writes `value` as element(s) named `name`.
fn write_value(w: &mut XmlWriter, name: &str, value: &Value) -> Result<(), ToolError> {
    match value {
        Value::Null => w
            .write_event(Event::Empty(BytesStart::new(name)))
            .map_err(io_error),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            write_text_element(w, name, &value.scalar_text())
        }
        Value::Array(items) => {
            for item in items {
                if let Value::Array(inner) = item {
                    // An array in an array: one element holding `<item>`s.
                    w.write_event(Event::Start(BytesStart::new(name)))
                        .map_err(io_error)?;
                    for x in inner {
                        write_value(w, "item", x)?;
                    }
                    w.write_event(Event::End(BytesEnd::new(name)))
                        .map_err(io_error)?;
                } else {
                    write_value(w, name, item)?;
                }
            }
            Ok(())
        }
        Value::Object(map) => write_object(w, name, map),
    }
}

/// Writes an object as one element: `@` keys as attributes, `#text` as text, the rest as
/// child elements.
fn write_object(
    w: &mut XmlWriter,
    name: &str,
    map: &IndexMap<String, Value>,
) -> Result<(), ToolError> {
    let mut start = BytesStart::new(name);
    let mut seen = HashSet::new();
    let mut has_content = false;
    for (k, v) in map {
        match k.strip_prefix('@') {
            Some(attr) => {
                let attr = sanitize(attr);
                if seen.insert(attr.clone()) {
                    start.push_attribute((attr.as_str(), xml_chars(&v.scalar_text()).as_ref()));
                }
            }
            None => has_content = true,
        }
    }
    if !has_content {
        return w.write_event(Event::Empty(start)).map_err(io_error);
    }
    w.write_event(Event::Start(start)).map_err(io_error)?;
    for (k, v) in map {
        if k == "#text" {
            let text = v.scalar_text();
            if !text.is_empty() {
                w.write_event(Event::Text(BytesText::new(&xml_chars(&text))))
                    .map_err(io_error)?;
            }
        } else if !k.starts_with('@') {
            write_value(w, &sanitize(k), v)?;
        }
    }
    w.write_event(Event::End(BytesEnd::new(name)))
        .map_err(io_error)
}

/// JSON → XML.
fn json_to_xml(data: &[u8], settings: &Settings) -> Result<Vec<u8>, ToolError> {
    let value = lathe_data_kit::parse_json(data)?;
    let out = Vec::with_capacity(data.len() * 2 + 64);
    let mut w = if settings.pretty {
        Writer::new_with_indent(out, b' ', 2)
    } else {
        Writer::new(out)
    };
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io_error)?;
    if !settings.pretty {
        w.get_mut().push(b'\n');
    }
    let root = settings.root_name.as_str();
    match &value {
        Value::Object(map) => write_object(&mut w, root, map)?,
        Value::Array(_) => {
            w.write_event(Event::Start(BytesStart::new(root)))
                .map_err(io_error)?;
            write_value(&mut w, "item", &value)?;
            w.write_event(Event::End(BytesEnd::new(root)))
                .map_err(io_error)?;
        }
        scalar => write_value(&mut w, root, scalar)?,
    }
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

/// An element being read.
struct Frame {
    name: String,
    attrs: Vec<(String, String)>,
    children: IndexMap<String, Value>,
    text: String,
}

impl Frame {
    fn open(e: &BytesStart) -> Result<Frame, ToolError> {
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let mut attrs = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| {
                unsupported(format!("malformed XML attribute in <{name}>: {err}"))
            })?;
            let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
            let value = attr.unescape_value().map_err(|err| {
                unsupported(format!("malformed XML attribute {key} in <{name}>: {err}"))
            })?;
            attrs.push((key, value.into_owned()));
        }
        Ok(Frame {
            name,
            attrs,
            children: IndexMap::new(),
            text: String::new(),
        })
    }

    /// Adds a finished child element; repeated names become arrays.
    fn add_child(&mut self, name: String, value: Value) {
        match self.children.get_mut(&name) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = std::mem::replace(existing, Value::Null);
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                self.children.insert(name, value);
            }
        }
    }

    /// The element as a JSON value: its text when it has only text, else an object.
    fn close(self) -> (String, Value) {
        let text = self.text.trim();
        if self.attrs.is_empty() && self.children.is_empty() {
            return (self.name, Value::String(text.to_string()));
        }
        let mut map = IndexMap::with_capacity(self.attrs.len() + self.children.len() + 1);
        for (k, v) in self.attrs {
            map.insert(format!("@{k}"), Value::String(v));
        }
        if !text.is_empty() {
            map.insert("#text".to_string(), Value::String(text.to_string()));
        }
        for (k, v) in self.children {
            map.insert(k, v);
        }
        (self.name, Value::Object(map))
    }
}

/// XML → JSON. Returns the JSON value of the root element's content and the root's name.
fn xml_to_value(data: &[u8]) -> Result<(Value, String), ToolError> {
    let text = lathe_data_kit::text(data)?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<(String, Value)> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            unsupported(format!(
                "malformed XML at byte {}: {e}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() && stack.is_empty() => {
                return Err(unsupported("malformed XML: more than one root element"));
            }
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(unsupported(format!(
                        "XML elements nest deeper than {MAX_DEPTH} levels"
                    )));
                }
                stack.push(Frame::open(&e)?);
            }
            Event::Empty(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(unsupported(format!(
                        "XML elements nest deeper than {MAX_DEPTH} levels"
                    )));
                }
                let (name, value) = Frame::open(&e)?.close();
                match stack.last_mut() {
                    Some(parent) => parent.add_child(name, value),
                    None => root = Some((name, value)),
                }
            }
            Event::End(_) => {
                let Some(frame) = stack.pop() else {
                    return Err(unsupported("malformed XML: an end tag without a start tag"));
                };
                let (name, value) = frame.close();
                match stack.last_mut() {
                    Some(parent) => parent.add_child(name, value),
                    None => root = Some((name, value)),
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| {
                    unsupported(format!(
                        "malformed XML at byte {}: {e}",
                        reader.buffer_position()
                    ))
                })?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => {
                        return Err(unsupported("malformed XML: text outside the root element"))
                    }
                }
            }
            Event::CData(c) => {
                let s = String::from_utf8_lossy(&c);
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&s),
                    None => {
                        return Err(unsupported("malformed XML: CDATA outside the root element"))
                    }
                }
            }
            Event::DocType(_) => return Err(unsupported(
                "XML with a DOCTYPE declaration is not accepted (entity declarations are disabled)",
            )),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(unsupported(format!(
            "malformed XML: <{}> is never closed",
            open.name
        )));
    }
    let (name, value) = root.ok_or_else(|| unsupported("malformed XML: no root element"))?;
    Ok((value, name))
}

struct JsonXml;

impl Tool for JsonXml {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("json-xml", Section::Files, "JSON ↔ XML", "Convert JSON to XML (keys as elements, @keys as attributes, #text as text) or XML to JSON."),
            serde_json::json!({
                "rootName": {"type": "string", "default": "root", "description": "JSON → XML: name of the root element."},
                "pretty": {"type": "boolean", "default": true, "description": "Indent the output."}
            }),
            &["json", "xml"],
            Produces::types(&["json", "xml"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        if !is_xml_name(&settings.root_name) {
            return Err(invalid_settings(
                "rootName must be an XML element name (a letter or _ first)",
            ));
        }
        let input = inputs.first().ok_or_else(|| unsupported("no file given"))?;
        if input.extension() == "xml" {
            let (value, root) = xml_to_value(&input.data)?;
            let mut out = Vec::with_capacity(input.data.len() + 16);
            write_json(&value, settings.pretty, &mut out);
            out.push(b'\n');
            let file = OutputFile::new(format!("{}.json", input.stem()), "application/json", out);
            Ok(Output::file(file).with_extra(serde_json::json!({"rootName": root})))
        } else {
            let xml = json_to_xml(&input.data, &settings)?;
            Ok(Output::file(OutputFile::new(
                format!("{}.xml", input.stem()),
                "application/xml",
                xml,
            )))
        }
    }
}

lathe_tool_sdk::export_tool!(JsonXml);
