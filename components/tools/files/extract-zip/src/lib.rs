//! `files/extract-zip`: returns the files inside a ZIP archive.
//!
//! Safety checks run on the central directory BEFORE anything is decompressed: at most
//! 1000 entries, 200 MiB per entry, 500 MiB in all (declared sizes), a compression ratio of
//! at most 100 for entries over 1 MiB, no encrypted entries, only stored or deflated
//! entries, and no unsafe names (`..` components, absolute paths, drive letters). While
//! decompressing the same limits are enforced on the real bytes: an entry may not produce
//! more than it declares (so a lying header cannot get past the limits).
//!
//! Directories and symbolic links are skipped (links are never followed or written).
//! Nested names are flattened: `docs/a/b.txt` becomes `docs_a_b.txt`; repeated names
//! get `_1`, `_2`, ... before the extension. One file comes back as itself, several are
//! zipped by the router.

use std::collections::HashSet;
use std::io::{Cursor, Read};

use lathe_tool_sdk::{
    unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError, ToolInfo,
};

/// Most entries (files, directories and links) in one archive.
const MAX_ENTRIES: usize = 1000;
/// Most bytes one entry may hold.
const MAX_ENTRY_BYTES: u64 = 200 << 20;
/// Most bytes all entries together may hold.
const MAX_TOTAL_BYTES: u64 = 500 << 20;
/// Highest uncompressed-to-compressed size ratio of one entry.
const MAX_RATIO: u64 = 100;
/// Entries up to this size are exempt from the ratio check (they cannot be bombs).
const RATIO_EXEMPT_BYTES: u64 = 1 << 20;

/// Whether `name` is a safe relative path: no `..`, no absolute path, no drive letter.
fn unsafe_name(name: &str) -> bool {
    let n = name.replace('\\', "/");
    if n.starts_with('/') || n.contains('\0') {
        return true;
    }
    let b = n.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return true;
    }
    n.split('/').any(|c| c == "..")
}

/// The flattened output name of a safe entry name: path components joined with `_`,
/// control characters replaced.
fn flat_name(name: &str) -> String {
    let joined = name
        .replace('\\', "/")
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("_");
    let clean: String = joined
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    if clean.is_empty() {
        "file".to_string()
    } else {
        clean
    }
}

/// Makes `name` unique within `seen` with `_1`, `_2`, ... before the extension.
fn unique_name(seen: &mut HashSet<String>, name: String) -> String {
    if seen.insert(name.clone()) {
        return name;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name.as_str(), ""),
    };
    let mut n = 1u32;
    loop {
        let candidate = format!("{stem}_{n}{ext}");
        if seen.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// A media type for an extracted file, from its extension.
fn media_type(name: &str) -> &'static str {
    match lathe_tool_sdk::extension_of(name).as_str() {
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "html" | "htm" => "text/html",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// What the pre-check learned about one entry.
struct Planned {
    index: usize,
    name: String,
    size: u64,
}

/// Extracts the archive; returns the files and the number of skipped entries.
fn extract(data: &[u8]) -> Result<(Vec<OutputFile>, usize), ToolError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(data))
        .map_err(|e| unsupported(format!("not a readable ZIP archive: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(ToolError::TooLarge(format!(
            "the archive has {} entries (max {MAX_ENTRIES})",
            archive.len()
        )));
    }
    // Pass 1: check every entry from its headers alone.
    let mut planned = Vec::new();
    let mut skipped = 0usize;
    let mut total = 0u64;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| unsupported(format!("entry {}: {e}", index + 1)))?;
        let name = entry.name().to_string();
        if unsafe_name(&name) {
            return Err(unsupported(format!(
                "entry '{name}' has an unsafe path (.., absolute path or drive letter)"
            )));
        }
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            skipped += 1;
            continue;
        }
        if entry.encrypted() {
            return Err(unsupported(format!(
                "entry '{name}' is encrypted; password-protected archives are not supported"
            )));
        }
        match entry.compression() {
            zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated => {}
            other => {
                return Err(unsupported(format!(
                    "entry '{name}' uses an unsupported compression method ({other:?})"
                )))
            }
        }
        let size = entry.size();
        if size > MAX_ENTRY_BYTES {
            return Err(ToolError::TooLarge(format!(
                "entry '{name}' would expand to {size} bytes (max {MAX_ENTRY_BYTES})"
            )));
        }
        let compressed = entry.compressed_size().max(1);
        if size > RATIO_EXEMPT_BYTES && size / compressed > MAX_RATIO {
            return Err(unsupported(format!(
                "entry '{name}' has a compression ratio of {} (max {MAX_RATIO}); refusing a possible ZIP bomb",
                size / compressed
            )));
        }
        total = total.saturating_add(size);
        if total > MAX_TOTAL_BYTES {
            return Err(ToolError::TooLarge(format!(
                "the archive would expand to more than {MAX_TOTAL_BYTES} bytes"
            )));
        }
        planned.push(Planned { index, name, size });
    }
    if planned.is_empty() {
        return Err(unsupported("the archive holds no files"));
    }
    // Pass 2: decompress, never reading more than an entry declares.
    let mut seen = HashSet::new();
    let mut files = Vec::with_capacity(planned.len());
    for p in planned {
        let entry = archive
            .by_index(p.index)
            .map_err(|e| unsupported(format!("entry '{}': {e}", p.name)))?;
        let mut out = Vec::with_capacity(p.size.min(16 << 20) as usize);
        entry
            .take(p.size + 1)
            .read_to_end(&mut out)
            .map_err(|e| unsupported(format!("entry '{}' is corrupt: {e}", p.name)))?;
        if out.len() as u64 != p.size {
            return Err(unsupported(format!(
                "entry '{}' does not match its declared size ({} bytes declared)",
                p.name, p.size
            )));
        }
        let name = unique_name(&mut seen, flat_name(&p.name));
        files.push(OutputFile::new(name.clone(), media_type(&name), out));
    }
    Ok((files, skipped))
}

struct ExtractZip;

impl Tool for ExtractZip {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "extract-zip",
            section: Section::Files,
            name: "Extract ZIP",
            description: "Extract the files of a ZIP archive (one file comes back as itself, several as a ZIP of flattened names: dir/a.txt becomes dir_a.txt). Directories and symbolic links are skipped; encrypted entries, unsafe paths and archives over 1000 entries, 200 MiB per entry, 500 MiB in all or a compression ratio over 100 are refused before extracting.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &["zip"],
            // One entry comes back as itself (any type), several as a ZIP.
            produces: Produces::ANY,
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: serde_json::Value = lathe_tool_sdk::parse_settings(settings)?;
        let input = inputs.first().ok_or_else(|| unsupported("no file given"))?;
        let (files, skipped) = extract(&input.data)?;
        let count = files.len();
        Ok(Output::files(files)
            .with_extra(serde_json::json!({"entries": count, "skippedLinks": skipped})))
    }
}

lathe_tool_sdk::export_tool!(ExtractZip);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for bad in [
            "../a",
            "a/../../b",
            "/etc/passwd",
            "C:/x",
            "c:x",
            "\\abs",
            "a\\..\\b",
        ] {
            assert!(unsafe_name(bad), "{bad}");
        }
        for ok in ["a.txt", "a/b.txt", "./a", "a..b"] {
            assert!(!unsafe_name(ok), "{ok}");
        }
        assert_eq!(flat_name("docs/a/b.txt"), "docs_a_b.txt");
        let mut seen = HashSet::new();
        assert_eq!(unique_name(&mut seen, "a.txt".into()), "a.txt");
        assert_eq!(unique_name(&mut seen, "a.txt".into()), "a_1.txt");
    }
}
