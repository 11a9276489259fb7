//! Minimal DOCX (Office Open XML WordprocessingML) writer for Lathe's tools, and in
//! [`read`] a reader of a document's text as Markdown.
//!
//! The package is written with `lathe-zip-kit` (the `zip` crate) rather than with `docx-rs`: the
//! workspace already builds `zip` 2 (deflate only) for `wasm32-wasip2`, while `docx-rs`
//! pulls in image decoding and more dependencies that the tools do not need. Only the
//! parts Word requires are written: `[Content_Types].xml`, `_rels/.rels`,
//! `word/document.xml`, `word/styles.xml` and `word/_rels/document.xml.rels`.
//!
//! Lists are written as indented `ListParagraph` paragraphs whose text starts with the
//! bullet (`•`) or number (`1.`), so no `numbering.xml` is needed.

pub mod read;

use lathe_tool_sdk::ToolError;

use lathe_zip_kit::ZipOut;

/// The MIME type of a `.docx` file.
pub const DOCX_MIME: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A run of text with one set of character formatting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    /// The text of the run (any Unicode; characters XML cannot hold are dropped).
    pub text: String,
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// Monospace (Courier New).
    pub code: bool,
    /// Struck through.
    pub strike: bool,
}

impl Run {
    /// A plain run of text.
    pub fn plain(text: impl Into<String>) -> Run {
        Run {
            text: text.into(),
            ..Run::default()
        }
    }
}

/// The paragraph style of a paragraph.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Style {
    /// The default body style.
    #[default]
    Normal,
    /// `Heading1` … `Heading6` (the level is clamped to 1..=6).
    Heading(u8),
    /// A monospace code block line (style `Code`).
    Code,
    /// A list item (style `ListParagraph`), indented by its nesting level.
    ListItem,
    /// A block quote (style `Quote`).
    Quote,
}

/// One paragraph: a style, an indent level (for lists and quotes) and its runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    /// The paragraph style.
    pub style: Style,
    /// Extra indentation steps (0 = none), each 360 twentieths of a point.
    pub indent: u8,
    /// The runs of text.
    pub runs: Vec<Run>,
}

/// Builds the body of a document paragraph by paragraph and writes the package.
#[derive(Debug, Default)]
pub struct DocxBuilder {
    body: String,
    paragraphs: usize,
}

/// Escapes text for XML content, dropping characters XML 1.0 cannot contain.
pub use lathe_tool_sdk::escape_markup as escape_xml;

impl DocxBuilder {
    /// An empty document.
    pub fn new() -> DocxBuilder {
        DocxBuilder::default()
    }

    /// How many paragraphs (including page breaks) were added.
    pub fn len(&self) -> usize {
        self.paragraphs
    }

    /// Whether nothing was added yet.
    pub fn is_empty(&self) -> bool {
        self.paragraphs == 0
    }

    /// The size in bytes of the document XML so far (for output bounds).
    pub fn xml_len(&self) -> usize {
        self.body.len()
    }

    /// Adds a paragraph.
    pub fn paragraph(&mut self, paragraph: &Paragraph) {
        self.paragraphs += 1;
        self.body.push_str("<w:p>");
        let style = match paragraph.style {
            Style::Normal => None,
            Style::Heading(level) => Some(format!("Heading{}", level.clamp(1, 6))),
            Style::Code => Some("Code".to_string()),
            Style::ListItem => Some("ListParagraph".to_string()),
            Style::Quote => Some("Quote".to_string()),
        };
        if style.is_some() || paragraph.indent > 0 {
            self.body.push_str("<w:pPr>");
            if let Some(style) = style {
                self.body
                    .push_str(&format!("<w:pStyle w:val=\"{style}\"/>"));
            }
            if paragraph.indent > 0 {
                let left = 360 * u32::from(paragraph.indent.min(20));
                self.body
                    .push_str(&format!("<w:ind w:left=\"{left}\" w:hanging=\"360\"/>"));
            }
            self.body.push_str("</w:pPr>");
        }
        for run in &paragraph.runs {
            self.run(run);
        }
        self.body.push_str("</w:p>");
    }

    /// Adds one paragraph of plain text.
    pub fn text_paragraph(&mut self, text: &str) {
        self.paragraph(&Paragraph {
            runs: vec![Run::plain(text)],
            ..Paragraph::default()
        });
    }

    /// Adds a page break (a paragraph holding `<w:br w:type="page"/>`).
    pub fn page_break(&mut self) {
        self.paragraphs += 1;
        self.body
            .push_str("<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>");
    }

    fn run(&mut self, run: &Run) {
        if run.text.is_empty() {
            return;
        }
        self.body.push_str("<w:r>");
        if run.bold || run.italic || run.code || run.strike {
            self.body.push_str("<w:rPr>");
            if run.code {
                self.body.push_str("<w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\" w:cs=\"Courier New\"/>");
            }
            if run.bold {
                self.body.push_str("<w:b/>");
            }
            if run.italic {
                self.body.push_str("<w:i/>");
            }
            if run.strike {
                self.body.push_str("<w:strike/>");
            }
            self.body.push_str("</w:rPr>");
        }
        // Line breaks inside a run become <w:br/>, tabs <w:tab/>.
        for (i, line) in run.text.split('\n').enumerate() {
            if i > 0 {
                self.body.push_str("<w:br/>");
            }
            for (j, part) in line.split('\t').enumerate() {
                if j > 0 {
                    self.body.push_str("<w:tab/>");
                }
                if !part.is_empty() {
                    self.body.push_str("<w:t xml:space=\"preserve\">");
                    self.body.push_str(&escape_xml(&part.replace('\r', "")));
                    self.body.push_str("</w:t>");
                }
            }
        }
        self.body.push_str("</w:r>");
    }

    /// The complete `word/document.xml`.
    pub fn document_xml(&self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>{}<w:sectPr><w:pgSz w:w=\"12240\" w:h=\"15840\"/><w:pgMar w:top=\"1440\" w:right=\"1440\" w:bottom=\"1440\" w:left=\"1440\" w:header=\"720\" w:footer=\"720\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>",
            self.body
        )
    }

    /// Writes the `.docx` package (a ZIP file).
    pub fn finish(&self, title: &str) -> Result<Vec<u8>, ToolError> {
        let mut zip = ZipOut::new("writing the DOCX failed");
        let parts: [(&str, String); 7] = [
            ("[Content_Types].xml", CONTENT_TYPES.to_string()),
            ("_rels/.rels", ROOT_RELS.to_string()),
            ("docProps/core.xml", core_xml(title)),
            ("docProps/app.xml", APP_XML.to_string()),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
            ("word/styles.xml", styles_xml()),
            ("word/document.xml", self.document_xml()),
        ];
        for (name, content) in parts {
            zip.deflated(name, content.as_bytes())?;
        }
        zip.finish()
    }
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/><Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/></Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/><Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/></Relationships>";

const DOCUMENT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>";

const APP_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>Lathe</Application></Properties>";

fn core_xml(title: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>Lathe</dc:creator></cp:coreProperties>", escape_xml(title))
}

fn styles_xml() -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Calibri\" w:hAnsi=\"Calibri\" w:cs=\"Calibri\"/><w:sz w:val=\"22\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>");
    let sizes = [40, 32, 28, 26, 24, 22];
    for (i, size) in sizes.iter().enumerate() {
        let level = i + 1;
        s.push_str(&format!("<w:style w:type=\"paragraph\" w:styleId=\"Heading{level}\"><w:name w:val=\"heading {level}\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"120\"/><w:outlineLvl w:val=\"{i}\"/></w:pPr><w:rPr><w:b/><w:sz w:val=\"{size}\"/></w:rPr></w:style>"));
    }
    s.push_str("<w:style w:type=\"paragraph\" w:styleId=\"Code\"><w:name w:val=\"Code\"/><w:basedOn w:val=\"Normal\"/><w:pPr><w:spacing w:after=\"0\"/><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F2F2F2\"/></w:pPr><w:rPr><w:rFonts w:ascii=\"Courier New\" w:hAnsi=\"Courier New\" w:cs=\"Courier New\"/><w:sz w:val=\"20\"/></w:rPr></w:style>");
    s.push_str("<w:style w:type=\"paragraph\" w:styleId=\"ListParagraph\"><w:name w:val=\"List Paragraph\"/><w:basedOn w:val=\"Normal\"/><w:pPr><w:spacing w:after=\"60\"/><w:ind w:left=\"720\" w:hanging=\"360\"/></w:pPr></w:style>");
    s.push_str("<w:style w:type=\"paragraph\" w:styleId=\"Quote\"><w:name w:val=\"Quote\"/><w:basedOn w:val=\"Normal\"/><w:pPr><w:ind w:left=\"720\"/></w:pPr><w:rPr><w:i/><w:color w:val=\"595959\"/></w:rPr></w:style>");
    s.push_str("</w:styles>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_package() {
        let mut b = DocxBuilder::new();
        b.paragraph(&Paragraph {
            style: Style::Heading(1),
            indent: 0,
            runs: vec![Run::plain("Title & <more>")],
        });
        b.page_break();
        b.text_paragraph("a\u{1}b");
        let xml = b.document_xml();
        assert!(xml.contains("<w:pStyle w:val=\"Heading1\"/>"));
        assert!(xml.contains("Title &amp; &lt;more&gt;"));
        assert!(xml.contains("w:type=\"page\""));
        assert!(xml.contains(">ab<"));
        let bytes = b.finish("t").unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
