//! Writing an EPUB 3 book from chapters of XHTML body content.

use lathe_tool_sdk::escape_markup as escape;
use lathe_tool_sdk::ToolError;

use super::EPUB_MIME;
use crate::write::ZipOut;

/// One chapter: its title and its XHTML body content.
#[derive(Debug)]
pub struct EpubChapter {
    /// The chapter's title (its page title and table-of-contents entry).
    pub title: String,
    /// The XHTML content of its `<body>`.
    pub body: String,
}

/// A 64-bit FNV-1a hash.
fn fnv(data: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A UUID (version 4 layout) derived from the content and the time, for the book's
/// `urn:uuid` identifier.
pub fn book_uuid(data: &[u8], now: u64) -> String {
    let a = fnv(data, now);
    let b = fnv(data, a ^ 0x9e37_79b9_7f4a_7c15);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    lathe_store_layout::uuid_v4(bytes)
}

/// `YYYY-MM-DDThh:mm:ssZ` for a Unix time (the `dcterms:modified` form).
pub fn iso_date(secs: u64) -> String {
    lathe_store_layout::iso8601(secs.saturating_mul(1000)).replace(".000Z", "Z")
}

/// The XHTML page of one chapter.
fn chapter_xhtml(chapter: &EpubChapter) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" xml:lang=\"en\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape(&chapter.title),
        chapter.body
    )
}

/// Everything that goes into the book's metadata.
pub struct EpubMeta<'a> {
    /// The book's title.
    pub title: &'a str,
    /// Its author, if any.
    pub author: Option<&'a str>,
    /// Its identifier, a UUID (see [`book_uuid`]).
    pub uuid: String,
    /// Its modification date (see [`iso_date`]).
    pub modified: String,
}

/// Writes the EPUB 3 archive: `mimetype` first and stored, then `META-INF/container.xml`,
/// `OEBPS/content.opf` (language `en`), `OEBPS/nav.xhtml` (table of contents) and
/// `OEBPS/chapter-N.xhtml` per chapter.
pub fn write_epub(chapters: &[EpubChapter], meta: &EpubMeta) -> Result<Vec<u8>, ToolError> {
    let mut zip = ZipOut::new("could not write the EPUB");
    zip.stored("mimetype", EPUB_MIME.as_bytes())?;
    zip.deflated(
        "META-INF/container.xml",
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n<rootfiles>\n<rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/>\n</rootfiles>\n</container>\n",
    )?;
    let mut manifest = String::from(
        "<item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" properties=\"nav\"/>\n",
    );
    let mut spine = String::new();
    let mut toc = String::new();
    for (i, chapter) in chapters.iter().enumerate() {
        let n = i + 1;
        manifest.push_str(&format!(
            "<item id=\"chapter-{n}\" href=\"chapter-{n}.xhtml\" media-type=\"application/xhtml+xml\"/>\n"
        ));
        spine.push_str(&format!("<itemref idref=\"chapter-{n}\"/>\n"));
        toc.push_str(&format!(
            "<li><a href=\"chapter-{n}.xhtml\">{}</a></li>\n",
            escape(&chapter.title)
        ));
    }
    let creator = meta
        .author
        .map(|a| format!("<dc:creator>{}</dc:creator>\n", escape(a)))
        .unwrap_or_default();
    let opf = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"bookid\" xml:lang=\"en\">\n<metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<dc:identifier id=\"bookid\">urn:uuid:{}</dc:identifier>\n<dc:title>{}</dc:title>\n{creator}<dc:language>en</dc:language>\n<meta property=\"dcterms:modified\">{}</meta>\n</metadata>\n<manifest>\n{manifest}</manifest>\n<spine>\n{spine}</spine>\n</package>\n",
        meta.uuid,
        escape(meta.title),
        meta.modified
    );
    zip.deflated("OEBPS/content.opf", opf.as_bytes())?;
    let nav = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" xml:lang=\"en\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n</head>\n<body>\n<nav epub:type=\"toc\" id=\"toc\">\n<h1>Contents</h1>\n<ol>\n{toc}</ol>\n</nav>\n</body>\n</html>\n",
        escape(meta.title)
    );
    zip.deflated("OEBPS/nav.xhtml", nav.as_bytes())?;
    for (i, chapter) in chapters.iter().enumerate() {
        zip.deflated(
            &format!("OEBPS/chapter-{}.xhtml", i + 1),
            chapter_xhtml(chapter).as_bytes(),
        )?;
    }
    zip.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_ids() {
        assert_eq!(iso_date(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_date(951_782_400), "2000-02-29T00:00:00Z");
        let id = book_uuid(b"x", 1);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
