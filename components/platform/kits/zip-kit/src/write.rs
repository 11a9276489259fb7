//! Writing archives in memory.

use std::io::{Cursor, Write};

use lathe_tool_sdk::ToolError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// A ZIP archive being written in memory; every failure becomes
/// `ToolError::Failed("<failure>: <reason>")`.
pub struct ZipOut {
    zip: ZipWriter<Cursor<Vec<u8>>>,
    failure: &'static str,
}

impl ZipOut {
    /// A new, empty archive; `failure` starts its error messages (e.g. "could not write
    /// the EPUB").
    pub fn new(failure: &'static str) -> Self {
        ZipOut {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
            failure,
        }
    }

    fn fail(&self, e: &dyn std::fmt::Display) -> ToolError {
        ToolError::Failed(format!("{}: {e}", self.failure))
    }

    fn add(&mut self, name: &str, method: CompressionMethod, data: &[u8]) -> Result<(), ToolError> {
        let options = SimpleFileOptions::default().compression_method(method);
        self.zip
            .start_file(name, options)
            .map_err(|e| self.fail(&e))?;
        self.zip.write_all(data).map_err(|e| self.fail(&e))
    }

    /// Adds an entry stored as it is (uncompressed).
    pub fn stored(&mut self, name: &str, data: &[u8]) -> Result<(), ToolError> {
        self.add(name, CompressionMethod::Stored, data)
    }

    /// Adds a deflated entry.
    pub fn deflated(&mut self, name: &str, data: &[u8]) -> Result<(), ToolError> {
        self.add(name, CompressionMethod::Deflated, data)
    }

    /// The archive's bytes.
    pub fn finish(self) -> Result<Vec<u8>, ToolError> {
        let failure = self.failure;
        let cursor = self
            .zip
            .finish()
            .map_err(|e| ToolError::Failed(format!("{failure}: {e}")))?;
        Ok(cursor.into_inner())
    }
}
