//! Small quick-xml helpers for the XML parts of a package.

use quick_xml::events::BytesStart;
use quick_xml::Reader;

/// The local name of an element or attribute (after any `prefix:`), lower-cased.
pub fn local(name: &[u8]) -> String {
    let n = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    String::from_utf8_lossy(n).to_ascii_lowercase()
}

/// The unescaped value of attribute `key` (a lower-case local name) of an element; the
/// raw value where it does not unescape.
pub fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (local(a.key.as_ref()) == key).then(|| {
            a.unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
        })
    })
}

/// A new reader over XML bytes, tolerant of unmatched end tags.
pub fn reader(data: &[u8]) -> Reader<&[u8]> {
    let mut r = Reader::from_reader(data);
    r.config_mut().check_end_names = false;
    r
}
