//! ZIP containers for Lathe's tools.
//!
//! - [`read`]: opening an archive with its entry count bounded, checking every entry on
//!   the central directory before anything is decompressed (unsafe names, encryption,
//!   declared sizes, compression ratio), and reading an entry never past what it declares.
//! - [`write`]: a ZIP writer with stored or deflated entries and one failure message.
//! - [`xml`]: small quick-xml helpers for the XML parts of a package.
//! - [`epub`]: the EPUB package: finding its chapters on reading, writing a whole book.

pub mod epub;
pub mod names;
pub mod read;
pub mod write;
pub mod xml;

pub use names::unsafe_name;
pub use read::{open, read_declared, CheckedArchive, Entry, Limits, ReadFailure, Wording};
pub use write::ZipOut;
pub use zip;
