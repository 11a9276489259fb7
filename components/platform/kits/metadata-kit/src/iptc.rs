//! IPTC-IIM datasets from a Photoshop image-resource block (JPEG APP13).
//!
//! Hand-written: the format is a few lines of framing and no maintained pure-Rust crate
//! reads it.

use serde_json::{Map, Value};

/// IPTC-IIM record-2 datasets shown, with their names.
const DATASETS: &[(u8, &str)] = &[
    (5, "ObjectName"),
    (15, "Category"),
    (20, "SupplementalCategories"),
    (25, "Keywords"),
    (40, "SpecialInstructions"),
    (55, "DateCreated"),
    (60, "TimeCreated"),
    (80, "By-line"),
    (85, "By-lineTitle"),
    (90, "City"),
    (92, "Sub-location"),
    (95, "Province-State"),
    (100, "Country-PrimaryLocationCode"),
    (101, "Country-PrimaryLocationName"),
    (103, "OriginalTransmissionReference"),
    (105, "Headline"),
    (110, "Credit"),
    (115, "Source"),
    (116, "CopyrightNotice"),
    (118, "Contact"),
    (120, "Caption-Abstract"),
    (122, "Writer-Editor"),
];

/// Datasets that may repeat (shown as arrays).
const REPEATABLE: &[u8] = &[20, 25, 80, 85, 118, 122];

/// The IPTC-IIM resource (id 0x0404) of a Photoshop image-resource block.
fn iim_resource(block: &[u8]) -> Option<&[u8]> {
    let mut pos = 0usize;
    while pos + 12 <= block.len() {
        if &block[pos..pos + 4] != b"8BIM" {
            return None;
        }
        let id = u16::from_be_bytes([block[pos + 4], block[pos + 5]]);
        // Pascal-string name, padded to an even length (length byte included).
        let name_len = *block.get(pos + 6)? as usize;
        let mut at = pos + 6 + name_len + 1;
        at += at % 2;
        let size = u32::from_be_bytes(block.get(at..at + 4)?.try_into().ok()?) as usize;
        let data_at = at + 4;
        let data = block.get(data_at..data_at.checked_add(size)?)?;
        if id == 0x0404 {
            return Some(data);
        }
        pos = data_at + size + (size % 2);
    }
    None
}

/// Record-2 datasets of a Photoshop APP13 block as JSON (`{"Keywords": [..], "City": ".."}`);
/// None when the block holds no IPTC-IIM data.
pub fn iptc_json(block: &[u8]) -> Option<Value> {
    let iim = iim_resource(block)?;
    let mut map = Map::new();
    let mut pos = 0usize;
    while pos + 5 <= iim.len() && iim[pos] == 0x1C {
        let (record, dataset) = (iim[pos + 1], iim[pos + 2]);
        let size = u16::from_be_bytes([iim[pos + 3], iim[pos + 4]]) as usize;
        if size & 0x8000 != 0 {
            break; // Extended datasets are not used for text fields.
        }
        let Some(data) = iim.get(pos + 5..pos + 5 + size) else {
            break;
        };
        pos += 5 + size;
        if record != 2 {
            continue;
        }
        let Some((_, name)) = DATASETS.iter().find(|(n, _)| *n == dataset) else {
            continue;
        };
        let text = Value::String(String::from_utf8_lossy(data).into_owned());
        if REPEATABLE.contains(&dataset) {
            if let Value::Array(items) = map
                .entry(name.to_string())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                items.push(text);
            }
        } else {
            map.insert(name.to_string(), text);
        }
    }
    Some(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keywords_and_city() {
        let mut iim = Vec::new();
        for (ds, text) in [(25u8, "a"), (25, "b"), (90, "Graz")] {
            iim.extend_from_slice(&[0x1C, 2, ds, 0, text.len() as u8]);
            iim.extend_from_slice(text.as_bytes());
        }
        let mut block = b"8BIM\x04\x04\0\0".to_vec();
        block.extend_from_slice(&(iim.len() as u32).to_be_bytes());
        block.extend_from_slice(&iim);
        let v = iptc_json(&block).unwrap();
        assert_eq!(v["Keywords"], serde_json::json!(["a", "b"]));
        assert_eq!(v["City"], "Graz");
    }
}
