//! The EPUB package: [`package`] finds a book's title and chapters in reading order,
//! [`chapter`] turns a chapter's XHTML into simplified HTML or Markdown, [`book`] writes
//! an EPUB 3 book.

pub mod book;
pub mod chapter;
pub mod package;

pub use book::{book_uuid, iso_date, write_epub, EpubChapter, EpubMeta};
pub use package::{resolve, spine_of, MAX_CHAPTERS};

/// The media type of an EPUB book (also the content of its `mimetype` entry).
pub const EPUB_MIME: &str = "application/epub+zip";
