//! XMP packets: reading the simple and array properties of `rdf:Description`s and
//! writing a packet from such properties.
//!
//! Hand-written on quick-xml because no maintained pure-Rust crate reads and writes XMP.
//! Nested structures (qualifiers, `rdf:parseType="Resource"`, structs inside arrays) are
//! not represented: [`parse_xmp`] leaves them out.

use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::NsReader;

const RDF: &[u8] = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XML_NS: &[u8] = b"http://www.w3.org/XML/1998/namespace";

/// The value of an XMP property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmpValue {
    /// A simple text value.
    Text(String),
    /// An unordered array (`rdf:Bag`), e.g. `dc:subject`.
    Bag(Vec<String>),
    /// An ordered array (`rdf:Seq`), e.g. `dc:creator`.
    Seq(Vec<String>),
    /// A language alternative (`rdf:Alt`): (language, text) pairs, e.g. `dc:title`.
    Alt(Vec<(String, String)>),
}

/// One XMP property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmpProperty {
    /// Namespace URI.
    pub namespace: String,
    /// Prefix used for the namespace.
    pub prefix: String,
    /// Local name.
    pub name: String,
    /// Value.
    pub value: XmpValue,
}

impl XmpProperty {
    /// A property in a namespace.
    pub fn new(namespace: &str, prefix: &str, name: &str, value: XmpValue) -> Self {
        Self {
            namespace: namespace.into(),
            prefix: prefix.into(),
            name: name.into(),
            value,
        }
    }
}

fn is_rdf(ns: &ResolveResult, local: &[u8], name: &[u8]) -> bool {
    matches!(ns, ResolveResult::Bound(Namespace(n)) if *n == RDF) && local == name
}

fn ns_of(ns: &ResolveResult) -> Option<String> {
    match ns {
        ResolveResult::Bound(Namespace(n)) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

fn prefix_of(e: &BytesStart) -> String {
    e.name()
        .prefix()
        .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned())
        .unwrap_or_default()
}

/// A property being read.
struct Pending {
    prop: XmpProperty,
    /// Depth of the property element.
    depth: usize,
    /// Whether a nested structure made it unrepresentable.
    complex: bool,
    /// `xml:lang` of the current `rdf:li`.
    lang: String,
    /// Text of the current `rdf:li` (or of the simple value).
    text: String,
    in_li: bool,
}

/// Reads the simple and array properties of every `rdf:Description` of an XMP packet.
/// Malformed XML ends the reading; what was read so far is returned.
pub fn parse_xmp(packet: &str) -> Vec<XmpProperty> {
    let mut reader = NsReader::from_str(packet);
    reader.config_mut().trim_text(true);
    let mut props = Vec::new();
    let mut depth = 0usize;
    // Depth of the rdf:Description element we are in, if any.
    let mut description: Option<usize> = None;
    let mut pending: Option<Pending> = None;
    while let Ok((ns, event)) = reader.read_resolved_event() {
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                depth += 1;
                let local = e.local_name();
                if description.is_none() && is_rdf(&ns, local.as_ref(), b"Description") {
                    // Attributes of the description are simple properties.
                    for attr in e.attributes().flatten() {
                        let (ans, alocal) = reader.resolve_attribute(attr.key);
                        let Some(uri) = ns_of(&ans) else { continue };
                        if uri.as_bytes() == RDF || attr.key.as_ref().starts_with(b"xmlns") {
                            continue;
                        }
                        let prefix = attr
                            .key
                            .prefix()
                            .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned())
                            .unwrap_or_default();
                        let value = attr
                            .unescape_value()
                            .map(|v| v.into_owned())
                            .unwrap_or_default();
                        props.push(XmpProperty::new(
                            &uri,
                            &prefix,
                            &String::from_utf8_lossy(alocal.as_ref()),
                            XmpValue::Text(value),
                        ));
                    }
                    if !empty {
                        description = Some(depth);
                    }
                } else if let Some(d) = description {
                    match &mut pending {
                        None if depth == d + 1 => {
                            let Some(uri) = ns_of(&ns) else {
                                if empty {
                                    depth -= 1;
                                }
                                continue;
                            };
                            let mut p = Pending {
                                prop: XmpProperty::new(
                                    &uri,
                                    &prefix_of(e),
                                    &String::from_utf8_lossy(local.as_ref()),
                                    XmpValue::Text(String::new()),
                                ),
                                depth,
                                complex: false,
                                lang: String::new(),
                                text: String::new(),
                                in_li: false,
                            };
                            for attr in e.attributes().flatten() {
                                let (ans, alocal) = reader.resolve_attribute(attr.key);
                                if is_rdf(&ans, alocal.as_ref(), b"resource") {
                                    p.text = attr
                                        .unescape_value()
                                        .map(|v| v.into_owned())
                                        .unwrap_or_default();
                                } else if is_rdf(&ans, alocal.as_ref(), b"parseType") {
                                    p.complex = true;
                                }
                            }
                            if empty {
                                if !p.complex {
                                    p.prop.value = XmpValue::Text(p.text);
                                    props.push(p.prop);
                                }
                            } else {
                                pending = Some(p);
                            }
                        }
                        Some(p) if depth == p.depth + 1 => {
                            let kind = local.as_ref();
                            p.prop.value = if is_rdf(&ns, kind, b"Bag") {
                                XmpValue::Bag(Vec::new())
                            } else if is_rdf(&ns, kind, b"Seq") {
                                XmpValue::Seq(Vec::new())
                            } else if is_rdf(&ns, kind, b"Alt") {
                                XmpValue::Alt(Vec::new())
                            } else {
                                p.complex = true;
                                p.prop.value.clone()
                            };
                        }
                        Some(p) if depth == p.depth + 2 && is_rdf(&ns, local.as_ref(), b"li") => {
                            p.in_li = !empty;
                            p.text.clear();
                            p.lang.clear();
                            for attr in e.attributes().flatten() {
                                let (ans, alocal) = reader.resolve_attribute(attr.key);
                                if matches!(&ans, ResolveResult::Bound(Namespace(n)) if *n == XML_NS)
                                    && alocal.as_ref() == b"lang"
                                {
                                    p.lang = attr
                                        .unescape_value()
                                        .map(|v| v.into_owned())
                                        .unwrap_or_default();
                                } else if is_rdf(&ans, alocal.as_ref(), b"parseType") {
                                    p.complex = true;
                                }
                            }
                            if empty {
                                push_item(p);
                            }
                        }
                        Some(p) => p.complex = true,
                        None => {}
                    }
                }
                if empty {
                    depth -= 1;
                }
            }
            Event::Text(t) => {
                if let Some(p) = &mut pending {
                    let text = t.unescape().map(|c| c.into_owned()).unwrap_or_default();
                    if depth == p.depth || (p.in_li && depth == p.depth + 2) {
                        p.text.push_str(&text);
                    }
                }
            }
            Event::CData(t) => {
                if let Some(p) = &mut pending {
                    p.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                if let Some(p) = &mut pending {
                    if p.in_li && depth == p.depth + 2 {
                        push_item(p);
                        p.in_li = false;
                    } else if depth == p.depth {
                        let mut p = pending.take().expect("pending is Some");
                        if !p.complex {
                            if let XmpValue::Text(_) = p.prop.value {
                                p.prop.value = XmpValue::Text(std::mem::take(&mut p.text));
                            }
                            props.push(p.prop);
                        }
                    }
                }
                if description == Some(depth) {
                    description = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    props
}

fn push_item(p: &mut Pending) {
    let text = std::mem::take(&mut p.text);
    match &mut p.prop.value {
        XmpValue::Bag(items) | XmpValue::Seq(items) => items.push(text),
        XmpValue::Alt(items) => {
            let lang = if p.lang.is_empty() {
                "x-default".to_string()
            } else {
                std::mem::take(&mut p.lang)
            };
            items.push((lang, text));
        }
        XmpValue::Text(_) => p.complex = true,
    }
}

/// Namespace URI of Dublin Core (`dc:title`, `dc:creator`, `dc:subject`, ...).
pub const DC: &str = "http://purl.org/dc/elements/1.1/";
/// Namespace URI of Photoshop's IPTC-style properties (`photoshop:City`, ...).
pub const PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";

impl XmpValue {
    /// A language alternative with the one `x-default` entry `text` (how `dc:title`,
    /// `dc:rights` and `dc:description` hold plain text).
    pub fn default_alt(text: &str) -> XmpValue {
        XmpValue::Alt(vec![("x-default".into(), text.into())])
    }
}

/// Sets the property `name` of `namespace` to `value`: replaces it where it is, or adds
/// it (written with `prefix`) at the end.
pub fn set_property(
    props: &mut Vec<XmpProperty>,
    namespace: &str,
    prefix: &str,
    name: &str,
    value: XmpValue,
) {
    match props
        .iter_mut()
        .find(|p| p.namespace == namespace && p.name == name)
    {
        Some(p) => p.value = value,
        None => props.push(XmpProperty::new(namespace, prefix, name, value)),
    }
}

/// Sets the keywords (`dc:subject`, a bag): `keywords` are trimmed, empty and repeated
/// ones dropped, and they follow the keywords already there when `add` is true, or
/// replace them. An empty result removes `dc:subject`. Returns the change for a report:
/// `dc:subject`, or `-dc:subject` when it was removed.
pub fn set_keywords(
    props: &mut Vec<XmpProperty>,
    keywords: Vec<String>,
    add: bool,
) -> &'static str {
    let mut list = Vec::new();
    if add {
        if let Some(XmpValue::Bag(old) | XmpValue::Seq(old)) = props
            .iter()
            .find(|p| p.namespace == DC && p.name == "subject")
            .map(|p| p.value.clone())
        {
            list = old;
        }
    }
    for k in keywords {
        let k = k.trim().to_string();
        if !k.is_empty() && !list.contains(&k) {
            list.push(k);
        }
    }
    if list.is_empty() {
        props.retain(|p| !(p.namespace == DC && p.name == "subject"));
        "-dc:subject"
    } else {
        set_property(props, DC, "dc", "subject", XmpValue::Bag(list));
        "dc:subject"
    }
}

/// Removes the properties written `prefix:name` (the prefix compared ignoring case);
/// returns whether there was one.
pub fn remove_property(props: &mut Vec<XmpProperty>, prefix: &str, name: &str) -> bool {
    let before = props.len();
    props.retain(|p| !(p.prefix.eq_ignore_ascii_case(prefix) && p.name == name));
    props.len() < before
}

/// Writes an XMP packet (with `xpacket` wrapper and padding for in-place editing).
pub fn write_xmp(props: &[XmpProperty]) -> String {
    let mut namespaces: Vec<(&str, &str)> = Vec::new();
    for p in props {
        if !namespaces.iter().any(|(prefix, _)| *prefix == p.prefix) {
            namespaces.push((&p.prefix, &p.namespace));
        }
    }
    let mut out = String::from(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"Lathe\">\n \
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n  \
         <rdf:Description rdf:about=\"\"",
    );
    for (prefix, uri) in &namespaces {
        out.push_str(&format!("\n    xmlns:{prefix}=\"{}\"", escape(*uri)));
    }
    out.push_str(">\n");
    for p in props {
        let tag = format!("{}:{}", p.prefix, p.name);
        match &p.value {
            XmpValue::Text(t) => out.push_str(&format!("   <{tag}>{}</{tag}>\n", escape(t))),
            XmpValue::Bag(items) | XmpValue::Seq(items) => {
                let kind = if matches!(p.value, XmpValue::Bag(_)) {
                    "Bag"
                } else {
                    "Seq"
                };
                out.push_str(&format!("   <{tag}>\n    <rdf:{kind}>\n"));
                for item in items {
                    out.push_str(&format!("     <rdf:li>{}</rdf:li>\n", escape(item)));
                }
                out.push_str(&format!("    </rdf:{kind}>\n   </{tag}>\n"));
            }
            XmpValue::Alt(items) => {
                out.push_str(&format!("   <{tag}>\n    <rdf:Alt>\n"));
                for (lang, text) in items {
                    out.push_str(&format!(
                        "     <rdf:li xml:lang=\"{}\">{}</rdf:li>\n",
                        escape(lang),
                        escape(text)
                    ));
                }
                out.push_str(&format!("    </rdf:Alt>\n   </{tag}>\n"));
            }
        }
    }
    out.push_str("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n");
    // Padding lets other editors grow the packet in place.
    for _ in 0..10 {
        out.push_str(&" ".repeat(99));
        out.push('\n');
    }
    out.push_str("<?xpacket end=\"w\"?>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let props = vec![
            XmpProperty::new(
                "http://purl.org/dc/elements/1.1/",
                "dc",
                "subject",
                XmpValue::Bag(vec!["a & b".into(), "c".into()]),
            ),
            XmpProperty::new(
                "http://purl.org/dc/elements/1.1/",
                "dc",
                "title",
                XmpValue::Alt(vec![("x-default".into(), "T".into())]),
            ),
            XmpProperty::new(
                "http://ns.adobe.com/photoshop/1.0/",
                "photoshop",
                "City",
                XmpValue::Text("Graz".into()),
            ),
        ];
        let packet = write_xmp(&props);
        assert_eq!(parse_xmp(&packet), props);
    }

    #[test]
    fn keywords_add_set_and_clear() {
        let mut props = Vec::new();
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            set_keywords(&mut props, words(&[" a", "b", "a", ""]), true),
            "dc:subject"
        );
        assert_eq!(
            set_keywords(&mut props, words(&["c", "b"]), true),
            "dc:subject"
        );
        assert_eq!(props[0].value, XmpValue::Bag(words(&["a", "b", "c"])));
        set_keywords(&mut props, words(&["z"]), false);
        assert_eq!(props[0].value, XmpValue::Bag(words(&["z"])));
        assert_eq!(set_keywords(&mut props, Vec::new(), false), "-dc:subject");
        assert!(props.is_empty());
        set_property(&mut props, DC, "dc", "title", XmpValue::default_alt("T"));
        assert!(remove_property(&mut props, "DC", "title"));
        assert!(!remove_property(&mut props, "dc", "title"));
    }

    #[test]
    fn attributes_are_properties() {
        let packet = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Cam"/></rdf:RDF></x:xmpmeta>"#;
        let props = parse_xmp(packet);
        assert_eq!(props.len(), 1);
        assert_eq!(props[0].name, "CreatorTool");
        assert_eq!(props[0].value, XmpValue::Text("Cam".into()));
    }
}
