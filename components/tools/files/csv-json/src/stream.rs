//! CSV → JSON piece by piece, for the stream gateway: `csv-core`'s push parser keeps the
//! state between chunks, so memory stays at one record plus one chunk whatever the file size.
//! The output is byte for byte what the whole-file path (`csv_to_json`) writes.

use lathe_data_kit::write_indent;
use lathe_stream_sdk::Converter;
use lathe_tool_sdk::{unsupported, ToolError};

use crate::{json_keys, sniff_delimiter, write_cell, Settings};

/// The most bytes buffered to find the first line (for delimiter sniffing).
const SNIFF_LIMIT: usize = 1 << 20;

/// A CSV → JSON conversion in progress.
pub struct CsvToJson {
    infer: bool,
    pretty: bool,
    /// Fixed delimiter (`.tsv`), or `None` to sniff it from the first line.
    delimiter: Option<u8>,
    /// Input held back until the first line is complete.
    pending: Vec<u8>,
    reader: Option<csv_core::Reader>,
    fields: Vec<u8>,
    fields_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    keys: Option<Vec<Vec<u8>>>,
    rows: u64,
    /// Line where the current record started (for error messages).
    record_line: u64,
}

impl CsvToJson {
    /// A conversion with these settings; `tsv` fixes the delimiter to a tab.
    pub(crate) fn new(settings: &Settings, tsv: bool) -> Self {
        Self {
            infer: settings.infer_types,
            pretty: settings.pretty,
            delimiter: tsv.then_some(b'\t'),
            pending: Vec::new(),
            reader: None,
            fields: vec![0; 1024],
            fields_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            keys: None,
            rows: 0,
            record_line: 1,
        }
    }

    /// Builds the parser once the first line is known and feeds it what was held back.
    fn start(&mut self, out: &mut Vec<u8>) -> Result<(), ToolError> {
        let mut pending = std::mem::take(&mut self.pending);
        if pending.starts_with(b"\xEF\xBB\xBF") {
            pending.drain(..3);
        }
        let delimiter = self.delimiter.unwrap_or_else(|| {
            let line_end = pending
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(pending.len());
            sniff_delimiter(&String::from_utf8_lossy(&pending[..line_end]))
        });
        self.reader = Some(csv_core::ReaderBuilder::new().delimiter(delimiter).build());
        out.push(b'[');
        self.feed(&pending, out)
    }

    /// Parses `input` (never empty except at the end, where empty means end of input).
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), ToolError> {
        let at_end = input.is_empty();
        loop {
            let reader = self.reader.as_mut().expect("started");
            let (result, nin, nout, nend) = reader.read_record(
                input,
                &mut self.fields[self.fields_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[nin..];
            self.fields_len += nout;
            self.ends_len += nend;
            match result {
                csv_core::ReadRecordResult::InputEmpty => {
                    if input.is_empty() && !at_end {
                        return Ok(());
                    }
                }
                csv_core::ReadRecordResult::OutputFull => {
                    let len = self.fields.len();
                    self.fields.resize(len * 2, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len();
                    self.ends.resize(len * 2, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.record(out)?;
                    self.fields_len = 0;
                    self.ends_len = 0;
                    self.record_line = self.reader.as_ref().expect("started").line();
                }
                csv_core::ReadRecordResult::End => return Ok(()),
            }
        }
    }

    /// Writes one parsed record (the first one is the header).
    fn record(&mut self, out: &mut Vec<u8>) -> Result<(), ToolError> {
        let mut cells = Vec::with_capacity(self.ends_len);
        let mut start = 0;
        for &end in &self.ends[..self.ends_len] {
            let cell = std::str::from_utf8(&self.fields[start..end])
                .map_err(|_| unsupported("the file is not UTF-8 text"))?;
            cells.push(cell);
            start = end;
        }
        let Some(keys) = &self.keys else {
            self.keys = Some(json_keys(&csv::StringRecord::from(cells)));
            return Ok(());
        };
        if cells.len() != keys.len() {
            return Err(unsupported(format!(
                "row {} (line {}) has {} fields, header has {}",
                self.rows + 1,
                self.record_line,
                cells.len(),
                keys.len()
            )));
        }
        if self.rows > 0 {
            out.push(b',');
        }
        if self.pretty {
            write_indent(1, out);
        }
        out.push(b'{');
        for (i, (key, cell)) in keys.iter().zip(cells).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if self.pretty {
                write_indent(2, out);
            }
            out.extend_from_slice(key);
            out.extend_from_slice(if self.pretty { b": " } else { b":" });
            write_cell(cell, self.infer, out);
        }
        if self.pretty && !keys.is_empty() {
            write_indent(1, out);
        }
        out.push(b'}');
        self.rows += 1;
        Ok(())
    }
}

impl Converter for CsvToJson {
    fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, ToolError> {
        let mut out = Vec::new();
        if chunk.is_empty() {
            return Ok(out);
        }
        if self.reader.is_none() {
            self.pending.extend_from_slice(chunk);
            if self.pending.contains(&b'\n') || self.pending.len() >= SNIFF_LIMIT {
                self.start(&mut out)?;
            }
            return Ok(out);
        }
        self.feed(chunk, &mut out)?;
        Ok(out)
    }

    fn finish(&mut self) -> Result<(Vec<u8>, Option<serde_json::Value>), ToolError> {
        let mut out = Vec::new();
        if self.reader.is_none() {
            self.start(&mut out)?;
        }
        self.feed(&[], &mut out)?;
        if self.pretty && self.rows > 0 {
            write_indent(0, &mut out);
        }
        out.extend_from_slice(b"]\n");
        let columns = self.keys.as_ref().map_or(0, Vec::len);
        Ok((
            out,
            Some(serde_json::json!({"rows": self.rows, "columns": columns})),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed output equals the whole-file output for every chunk size.
    #[test]
    fn streamed_output_matches_whole_file_output() {
        let csv = "\u{feff}a,b,c\n1,\"x, \"\"y\"\"\n\",007\r\ntrue,,2.5\n\n4,5,6";
        for pretty in [true, false] {
            let settings = Settings {
                infer_types: true,
                pretty,
            };
            let (whole, rows, _) = crate::csv_to_json(csv.as_bytes(), None, &settings).unwrap();
            for size in [1, 2, 3, 5, 7, 64] {
                let mut conv = CsvToJson::new(&settings, false);
                let mut out = Vec::new();
                for piece in csv.as_bytes().chunks(size) {
                    out.extend(conv.push(piece).unwrap());
                }
                let (last, extra) = conv.finish().unwrap();
                out.extend(last);
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&whole),
                    "chunk size {size}"
                );
                assert_eq!(extra.unwrap()["rows"], rows);
            }
        }
    }

    #[test]
    fn ragged_rows_and_bad_utf8_are_client_errors() {
        let settings = Settings {
            infer_types: true,
            pretty: false,
        };
        let mut conv = CsvToJson::new(&settings, false);
        let err = conv.push(b"a,b\n1,2\n3\n").unwrap_err();
        assert!(matches!(err, ToolError::UnsupportedInput(_)), "{err:?}");
        let mut conv = CsvToJson::new(&settings, false);
        conv.push(b"a,b\n").unwrap();
        assert!(conv.push(b"\xff,1\n").is_err());
    }
}
