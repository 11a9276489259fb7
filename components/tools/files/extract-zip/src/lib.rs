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

use lathe_tool_sdk::{
    unsupported, Input, Output, OutputFile, Produces, Section, Tool, ToolError, ToolInfo,
};
use lathe_zip_kit::{CheckedArchive, Limits, Wording};

/// The archive's limits: 1000 entries (files, directories and links), 200 MiB per entry,
/// 500 MiB in all, a compression ratio of at most 100 for entries over 1 MiB (smaller ones
/// cannot be bombs), stored or deflated entries only; links are skipped.
const LIMITS: Limits = Limits {
    max_entries: 1000,
    max_entry_bytes: 200 << 20,
    max_total_bytes: 500 << 20,
    max_ratio: Some((100, 1 << 20)),
    skip_symlinks: true,
    stored_or_deflated_only: true,
};
/// How errors name the archive.
const WORDING: Wording = Wording {
    unreadable: "not a readable ZIP archive",
    noun: "archive",
    entries: "entries",
    encrypted_note: "; password-protected archives are not supported",
    mismatch_shows_size: true,
};

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

/// Extracts the archive; returns the files and the number of skipped entries.
fn extract(data: &[u8]) -> Result<(Vec<OutputFile>, usize), ToolError> {
    // Every entry is checked from its headers alone before anything is decompressed.
    let mut archive = CheckedArchive::open(data, &LIMITS, &WORDING)?;
    let planned = archive.entries().to_vec();
    if planned.is_empty() {
        return Err(unsupported("the archive holds no files"));
    }
    let mut seen = HashSet::new();
    let mut files = Vec::with_capacity(planned.len());
    for entry in &planned {
        let out = archive.read(entry)?;
        let name = unique_name(&mut seen, flat_name(&entry.name));
        files.push(OutputFile::new(name.clone(), media_type(&name), out));
    }
    Ok((files, archive.skipped_links()))
}

struct ExtractZip;

impl Tool for ExtractZip {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("extract-zip", Section::Files, "Extract ZIP", "Extract the files of a ZIP archive (one file comes back as itself, several as a ZIP of flattened names: dir/a.txt becomes dir_a.txt). Directories and symbolic links are skipped; encrypted entries, unsafe paths and archives over 1000 entries, 200 MiB per entry, 500 MiB in all or a compression ratio over 100 are refused before extracting."),
            serde_json::json!({}),
            &["zip"],
            // One entry comes back as itself (any type), several as a ZIP.
            Produces::ANY,
        )
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
        assert_eq!(flat_name("docs/a/b.txt"), "docs_a_b.txt");
        let mut seen = HashSet::new();
        assert_eq!(unique_name(&mut seen, "a.txt".into()), "a.txt");
        assert_eq!(unique_name(&mut seen, "a.txt".into()), "a_1.txt");
    }
}
