//! The file types that flow through a pipeline, worked out before anything runs from each
//! tool's catalog entry: what it accepts (`accepts`) and what it writes (`produces`, with
//! `*` for "the type of its input" and `producesSetting` for a setting such as `format`
//! that names the type). A step that cannot take any type the step before may write is
//! refused up front.

use std::collections::BTreeSet;

use lathe_store_layout::CatalogEntry;
use serde_json::Value;

/// The types a step may receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flow {
    /// One of these extensions (normalised); empty: no file at all (JSON only).
    Known(BTreeSet<String>),
    /// Not known before it runs (a tool that declares nothing, or "the type of the input"
    /// when the input's type is not known, as for a saved pipeline).
    Unknown,
}

/// One spelling per type: lower case, `jpeg` → `jpg`, `tif` → `tiff`, `yml` → `yaml`,
/// `htm` → `html`, `markdown` → `md`.
pub fn normalize(ext: &str) -> String {
    let ext = ext.trim().trim_start_matches('.').to_ascii_lowercase();
    match ext.as_str() {
        "jpeg" | "jpe" => "jpg".into(),
        "tif" => "tiff".into(),
        "yml" => "yaml".into(),
        "htm" => "html".into(),
        "markdown" => "md".into(),
        _ => ext,
    }
}

/// The keys under which tools take an output format (one is declared, the others may be
/// its aliases).
const FORMAT_KEYS: &[&str] = &["format", "outputFormat", "output", "output_format"];

/// What image tools that declare no `accepts` (they recognise images by their content)
/// can read.
const IMAGE_TYPES: &[&str] = &[
    "jpg", "png", "webp", "gif", "tiff", "bmp", "ico", "avif", "heic", "heif", "svg", "jfif",
];

/// The types a step of `entry` takes in the hand-off check: its `accepts`; for an image
/// tool that declares none, the image types, unless it only packs whatever it is given
/// into a ZIP (bulk-rename); empty: any.
pub fn takes(entry: &CatalogEntry) -> Vec<String> {
    let packs_only = entry.produces.as_deref() == Some(&["zip".to_string()][..]);
    if entry.accepts.is_empty() && entry.section == "image" && !packs_only {
        return IMAGE_TYPES.iter().map(|t| t.to_string()).collect();
    }
    entry.accepts.clone()
}

/// Setting values that mean "keep the input's type".
fn keeps_input(value: &str) -> bool {
    matches!(
        value,
        "*" | "original" | "auto" | "same" | "keep" | "input" | ""
    )
}

impl Flow {
    /// The types of uploaded files, from their names (nothing uploaded: unknown).
    pub fn of_names<S: AsRef<str>>(names: &[S]) -> Flow {
        if names.is_empty() {
            return Flow::Unknown;
        }
        Flow::Known(
            names
                .iter()
                .map(|n| normalize(n.as_ref().rsplit_once('.').map_or("", |(_, e)| e)))
                .collect(),
        )
    }

    /// What a step of `entry` with `settings` writes when it receives `self`.
    pub fn through(&self, entry: &CatalogEntry, settings: &Value) -> Flow {
        let Some(types) = &entry.produces else {
            return Flow::Unknown;
        };
        // A step that names the format under another key the tool may take as an alias
        // (`outputFormat` for `format` ...) is not narrowed: any of the tool's types.
        let aliased = |name: &str| {
            settings.get(name).is_none()
                && FORMAT_KEYS
                    .iter()
                    .any(|k| *k != name && settings.get(*k).is_some())
        };
        let chosen = entry
            .produces_setting
            .as_deref()
            .filter(|name| !aliased(name))
            .and_then(|name| {
                settings
                    .get(name)
                    .or_else(|| entry.settings_schema["properties"][name].get("default"))
                    .and_then(Value::as_str)
                    .map(normalize)
            });
        let candidates: Vec<String> = match chosen {
            Some(value) if keeps_input(&value) => vec!["*".into()],
            // The named type, and a ZIP when the tool may write several files of it.
            Some(value) if types.iter().any(|t| normalize(t) == value) => {
                let zip = types.iter().any(|t| t == "zip") && value != "zip";
                let mut chosen = vec![value];
                if zip {
                    chosen.push("zip".into());
                }
                chosen
            }
            _ => types.clone(),
        };
        let mut out = BTreeSet::new();
        for candidate in candidates {
            if candidate == "?" {
                return Flow::Unknown;
            }
            if candidate == "*" {
                match self {
                    Flow::Known(input) => out.extend(input.iter().cloned()),
                    Flow::Unknown => return Flow::Unknown,
                }
            } else {
                out.insert(normalize(&candidate));
            }
        }
        Flow::Known(out)
    }

    /// Why a tool accepting `accepts` cannot take any file of this flow; `None` when it
    /// can (or when the flow is not known yet).
    pub fn refused_by(&self, accepts: &[String]) -> Option<String> {
        let Flow::Known(types) = self else {
            return None;
        };
        if types.is_empty() {
            return Some("the step before answers JSON only and writes no file".into());
        }
        if accepts.is_empty() {
            return None;
        }
        let taken = types
            .iter()
            .any(|t| accepts.iter().any(|a| normalize(a) == *t));
        (!taken).then(|| {
            format!(
                "it takes {} but the step before writes {}",
                accepts.join(", "),
                types.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(accepts: &[&str], produces: Option<&[&str]>, setting: Option<&str>) -> CatalogEntry {
        CatalogEntry {
            id: "t".into(),
            section: "image".into(),
            name: "T".into(),
            description: String::new(),
            settings_schema: json!({"properties": {"format": {"default": "png"}}}),
            kind: lathe_store_layout::ToolKind::Pure,
            min_inputs: 1,
            max_inputs: 1,
            accepts: accepts.iter().map(|s| s.to_string()).collect(),
            operations: Vec::new(),
            produces: produces.map(|p| p.iter().map(|s| s.to_string()).collect()),
            produces_setting: setting.map(str::to_string),
        }
    }

    fn known(types: &[&str]) -> Flow {
        Flow::Known(types.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn same_type_tools_pass_their_input_on() {
        let resize = entry(&["jpg", "png"], Some(&["*"]), None);
        let upload = Flow::of_names(&["Photo.JPEG"]);
        assert_eq!(upload, known(&["jpg"]));
        assert_eq!(upload.through(&resize, &json!({})), known(&["jpg"]));
        assert_eq!(Flow::Unknown.through(&resize, &json!({})), Flow::Unknown);
    }

    #[test]
    fn a_format_setting_names_the_type_or_its_default_does() {
        let convert = entry(
            &["jpg", "png"],
            Some(&["jpg", "png", "webp"]),
            Some("format"),
        );
        let input = known(&["png"]);
        assert_eq!(
            input.through(&convert, &json!({"format": "JPEG"})),
            known(&["jpg"])
        );
        assert_eq!(input.through(&convert, &json!({})), known(&["png"]));
        // A value the tool does not list: any of its types.
        assert_eq!(
            input.through(&convert, &json!({"format": "bogus"})),
            known(&["jpg", "png", "webp"])
        );
        let pages = entry(&["pdf"], Some(&["png", "jpg", "zip"]), Some("format"));
        assert_eq!(
            known(&["pdf"]).through(&pages, &json!({"format": "jpeg"})),
            known(&["jpg", "zip"])
        );
        // The format named under an alias: not narrowed.
        assert_eq!(
            input.through(&convert, &json!({"outputFormat": "webp"})),
            known(&["jpg", "png", "webp"])
        );
        // Any type: known once it ran.
        let unzip = entry(&["zip"], Some(&["?"]), None);
        assert_eq!(known(&["zip"]).through(&unzip, &json!({})), Flow::Unknown);
        let keeping = entry(&["jpg"], Some(&["*", "webp"]), Some("format"));
        assert_eq!(
            input.through(&keeping, &json!({"format": "original"})),
            known(&["png"])
        );
    }

    #[test]
    fn hand_offs_are_refused_only_when_no_type_fits() {
        let pdf_tool = ["pdf".to_string()];
        assert!(known(&["jpg"]).refused_by(&pdf_tool).is_some());
        assert!(known(&["jpg", "pdf"]).refused_by(&pdf_tool).is_none());
        assert!(Flow::Unknown.refused_by(&pdf_tool).is_none());
        assert!(known(&["jpg"]).refused_by(&[]).is_none());
        // JSON only: nothing can follow.
        assert!(known(&[]).refused_by(&[]).is_some());
        assert!(known(&["tiff"]).refused_by(&["tif".to_string()]).is_none());
        // Entries written before tools declared their outputs check nothing.
        // An image tool without `accepts` takes images only, unless it just packs files.
        let resize = entry(&[], Some(&["*"]), None);
        assert!(known(&["pdf"]).refused_by(&takes(&resize)).is_some());
        assert!(known(&["png"]).refused_by(&takes(&resize)).is_none());
        let rename = entry(&[], Some(&["zip"]), None);
        assert!(known(&["pdf"]).refused_by(&takes(&rename)).is_none());
        let old = entry(&["jpg"], None, None);
        assert_eq!(known(&["jpg"]).through(&old, &json!({})), Flow::Unknown);
    }
}
