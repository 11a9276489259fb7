//! ZIP helpers for tools that return several files as one archive.

use std::io::{Cursor, Write};

use crate::{OutputFile, ToolError};

/// Packs files into a ZIP (deflate), keeping their names; duplicate names get `_1`, `_2`, ...
pub fn zip_files(files: &[OutputFile]) -> Result<Vec<u8>, ToolError> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut seen = std::collections::HashSet::new();
    for file in files {
        let name = unique_name(&mut seen, &file.name);
        writer
            .start_file(name, options)
            .map_err(|e| ToolError::Failed(e.to_string()))?;
        writer
            .write_all(&file.data)
            .map_err(|e| ToolError::Failed(e.to_string()))?;
    }
    let cursor = writer
        .finish()
        .map_err(|e| ToolError::Failed(e.to_string()))?;
    Ok(cursor.into_inner())
}

fn unique_name(seen: &mut std::collections::HashSet<String>, name: &str) -> String {
    if seen.insert(name.to_string()) {
        return name.to_string();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    (1..)
        .map(|n| format!("{stem}_{n}{ext}"))
        .find(|candidate| seen.insert(candidate.clone()))
        .expect("an unused name exists")
}
