//! Reading archives: the entry count bounded on opening, every entry checked on the
//! central directory before anything is decompressed, and no entry read past the size it
//! declares (so a lying header cannot get past the limits).

use std::collections::HashMap;
use std::io::{Cursor, Read};

use lathe_tool_sdk::{unsupported, ToolError};
use zip::ZipArchive;

use crate::names::unsafe_name;

/// How a tool names an archive and its entries in its error messages.
#[derive(Debug, Clone, Copy)]
pub struct Wording {
    /// The start of the error for data that is not a ZIP archive, before `: <reason>`
    /// (e.g. "not a readable ZIP archive").
    pub unreadable: &'static str,
    /// What the archive is ("archive", "book", "document", "workbook").
    pub noun: &'static str,
    /// What its entries are in the entry-count error ("entries", "parts").
    pub entries: &'static str,
    /// Added after "entry '<name>' is encrypted" (empty, or e.g. "; password-protected
    /// archives are not supported").
    pub encrypted_note: &'static str,
    /// Whether a size mismatch names the declared size ("(N bytes declared)").
    pub mismatch_shows_size: bool,
}

/// The per-entry limits [`CheckedArchive::open`] enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most entries (files, directories and links).
    pub max_entries: usize,
    /// Most bytes one entry may declare.
    pub max_entry_bytes: u64,
    /// Most bytes all entries together may declare.
    pub max_total_bytes: u64,
    /// Highest uncompressed-to-compressed ratio and the size up to which an entry is
    /// exempt from it; `None`: no ratio check.
    pub max_ratio: Option<(u64, u64)>,
    /// Skip (and count) symbolic links instead of treating them as files.
    pub skip_symlinks: bool,
    /// Refuse entries compressed other than stored or deflated.
    pub stored_or_deflated_only: bool,
}

/// Opens `data` as a ZIP archive of at most `max_entries` entries.
pub fn open<D: AsRef<[u8]>>(
    data: D,
    max_entries: usize,
    words: &Wording,
) -> Result<ZipArchive<Cursor<D>>, ToolError> {
    let archive = ZipArchive::new(Cursor::new(data))
        .map_err(|e| unsupported(format!("{}: {e}", words.unreadable)))?;
    if archive.len() > max_entries {
        return Err(ToolError::TooLarge(format!(
            "the {} has {} {} (max {max_entries})",
            words.noun,
            archive.len(),
            words.entries
        )));
    }
    Ok(archive)
}

/// Why an entry's bytes could not be read in full.
#[derive(Debug)]
pub enum ReadFailure {
    /// Decompressing failed.
    Corrupt(std::io::Error),
    /// The entry produced a different number of bytes than it declares.
    WrongSize,
}

/// Reads all of `entry`, which declares `size` bytes: never more than `size + 1` bytes
/// are read, and any other length than `size` is a [`ReadFailure::WrongSize`].
pub fn read_declared(entry: impl Read, size: u64) -> Result<Vec<u8>, ReadFailure> {
    let mut out = Vec::with_capacity(size.min(16 << 20) as usize);
    entry
        .take(size + 1)
        .read_to_end(&mut out)
        .map_err(ReadFailure::Corrupt)?;
    if out.len() as u64 != size {
        return Err(ReadFailure::WrongSize);
    }
    Ok(out)
}

/// A file entry that passed the checks.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its index in the archive.
    pub index: usize,
    /// Its name as stored.
    pub name: String,
    /// The bytes it declares.
    pub size: u64,
}

/// An archive whose file entries all passed the [`Limits`]; reads them on demand.
pub struct CheckedArchive<D> {
    archive: ZipArchive<Cursor<D>>,
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
    skipped_links: usize,
    words: Wording,
}

impl<D: AsRef<[u8]>> CheckedArchive<D> {
    /// Opens `data` and checks every entry from its headers alone: names, then (for files)
    /// links, encryption, compression, declared size, ratio and the running total.
    /// Directories are passed over.
    pub fn open(data: D, limits: &Limits, words: &Wording) -> Result<Self, ToolError> {
        let mut archive = open(data, limits.max_entries, words)?;
        let mut entries = Vec::new();
        let mut skipped_links = 0usize;
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
            if limits.skip_symlinks && entry.is_symlink() {
                skipped_links += 1;
                continue;
            }
            if entry.encrypted() {
                return Err(unsupported(format!(
                    "entry '{name}' is encrypted{}",
                    words.encrypted_note
                )));
            }
            if limits.stored_or_deflated_only {
                match entry.compression() {
                    zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated => {}
                    other => {
                        return Err(unsupported(format!(
                            "entry '{name}' uses an unsupported compression method ({other:?})"
                        )))
                    }
                }
            }
            let size = entry.size();
            if size > limits.max_entry_bytes {
                return Err(ToolError::TooLarge(format!(
                    "entry '{name}' would expand to {size} bytes (max {})",
                    limits.max_entry_bytes
                )));
            }
            if let Some((max_ratio, exempt)) = limits.max_ratio {
                let compressed = entry.compressed_size().max(1);
                if size > exempt && size / compressed > max_ratio {
                    return Err(unsupported(format!(
                        "entry '{name}' has a compression ratio of {} (max {max_ratio}); refusing a possible ZIP bomb",
                        size / compressed
                    )));
                }
            }
            total = total.saturating_add(size);
            if total > limits.max_total_bytes {
                return Err(ToolError::TooLarge(format!(
                    "the {} would expand to more than {} bytes",
                    words.noun, limits.max_total_bytes
                )));
            }
            entries.push(Entry { index, name, size });
        }
        let by_name = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        Ok(CheckedArchive {
            archive,
            entries,
            by_name,
            skipped_links,
            words: *words,
        })
    }

    /// The file entries, in archive order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many symbolic links were skipped.
    pub fn skipped_links(&self) -> usize {
        self.skipped_links
    }

    /// The bytes of `entry`, never more than it declares.
    pub fn read(&mut self, entry: &Entry) -> Result<Vec<u8>, ToolError> {
        let name = &entry.name;
        let file = self
            .archive
            .by_index(entry.index)
            .map_err(|e| unsupported(format!("entry '{name}': {e}")))?;
        read_declared(file, entry.size).map_err(|failure| match failure {
            ReadFailure::Corrupt(e) => unsupported(format!("entry '{name}' is corrupt: {e}")),
            ReadFailure::WrongSize if self.words.mismatch_shows_size => unsupported(format!(
                "entry '{name}' does not match its declared size ({} bytes declared)",
                entry.size
            )),
            ReadFailure::WrongSize => {
                unsupported(format!("entry '{name}' does not match its declared size"))
            }
        })
    }

    /// The bytes of the file entry called `name` (the last one of that name).
    pub fn read_named(&mut self, name: &str) -> Result<Vec<u8>, ToolError> {
        let entry = self
            .by_name
            .get(name)
            .map(|&i| self.entries[i].clone())
            .ok_or_else(|| unsupported(format!("the {} has no entry '{name}'", self.words.noun)))?;
        self.read(&entry)
    }
}
