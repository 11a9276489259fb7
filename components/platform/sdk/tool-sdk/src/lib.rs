//! Shared plumbing for Lathe tools.
//!
//! A tool crate implements [`Tool`] with plain Rust types and calls [`export_tool!`] (tools
//! that need the native worker use `lathe-native-sdk`'s `export_native_tool!` instead). This crate owns the WIT
//! bindings of `lathe:tool`, the conversions to and from them, settings parsing and the small
//! helpers every tool needs, so a tool crate holds only its own logic.

pub mod archive;
mod glue;
pub mod settings;

pub use settings::parse_settings;

#[doc(hidden)]
pub use serde_json as __serde_json;

/// Generated bindings for the `pure-tool` world. Used by [`export_tool!`].
#[doc(hidden)]
pub mod pure {
    wit_bindgen::generate!({
        world: "pure-tool",
        path: "../../../../wit",
        pub_export_macro: true,
        export_macro_name: "export_pure",
        default_bindings_module: "lathe_tool_sdk::pure",
    });
}

#[doc(hidden)]
pub use glue::pure_glue;

/// Which section of the API a tool lives in (`/api/v1/tools/<section>/<id>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Image tools.
    Image,
    /// Video tools.
    Video,
    /// Audio tools.
    Audio,
    /// PDF tools.
    Pdf,
    /// Data and document file tools.
    Files,
}

impl Section {
    /// The URL segment of the section.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Image => "image",
            Section::Video => "video",
            Section::Audio => "audio",
            Section::Pdf => "pdf",
            Section::Files => "files",
        }
    }
}

/// What a tool says about itself (becomes a catalog entry).
#[derive(Debug, Clone)]
pub struct ToolInfo {
    /// Tool id within its section, e.g. `resize`.
    pub id: &'static str,
    /// API section.
    pub section: Section,
    /// Human-readable name.
    pub name: &'static str,
    /// One-sentence description.
    pub description: &'static str,
    /// JSON Schema of the settings object.
    pub settings_schema: serde_json::Value,
    /// Fewest input files.
    pub min_inputs: u32,
    /// Most input files.
    pub max_inputs: u32,
    /// Accepted extensions (lower case, no dot); empty means any.
    pub accepts: &'static [&'static str],
    /// What it writes, so a pipeline can check every hand-off before anything runs.
    pub produces: Produces,
}

impl ToolInfo {
    /// The entry of a tool that takes exactly one file: its settings schema is an object
    /// with these `properties`.
    pub fn one_file(
        (id, section, name, description): (&'static str, Section, &'static str, &'static str),
        properties: serde_json::Value,
        accepts: &'static [&'static str],
        produces: Produces,
    ) -> ToolInfo {
        ToolInfo {
            id,
            section,
            name,
            description,
            settings_schema: serde_json::json!({"type": "object", "properties": properties}),
            min_inputs: 1,
            max_inputs: 1,
            accepts,
            produces,
        }
    }
}

/// The type of the file a tool writes, declared in its catalog entry: a pipeline checks
/// before it runs that each step can take what the step before writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Produces {
    /// Extensions of the files it may write (lower case, no dot); `*` stands for the type
    /// of its input (a tool that edits a file in its own format), `?` for "any type, known
    /// once it ran". Empty: the tool answers JSON only and writes no file, so nothing can
    /// follow it in a pipeline.
    pub types: &'static [&'static str],
    /// A setting whose value names the type written (`format`); when a step leaves it out,
    /// the default of the tool's settings schema counts, and failing that `types`.
    pub setting: Option<&'static str>,
}

impl Produces {
    /// A file of the input's own type.
    pub const SAME: Produces = Produces {
        types: &["*"],
        setting: None,
    };

    /// No file: the answer is JSON only.
    pub const NO_FILE: Produces = Produces {
        types: &[],
        setting: None,
    };

    /// A file of a type known only once it ran (an archive's entry): pipelines check the
    /// step after it when it runs.
    pub const ANY: Produces = Produces {
        types: &["?"],
        setting: None,
    };

    /// A file of one of `types` (`*`: the input's type).
    pub const fn types(types: &'static [&'static str]) -> Produces {
        Produces {
            types,
            setting: None,
        }
    }

    /// A file of the type the setting `setting` names, one of `types` (`*`: the input's
    /// type, e.g. when the setting is absent or says `original`).
    pub const fn by_setting(setting: &'static str, types: &'static [&'static str]) -> Produces {
        Produces {
            types,
            setting: Some(setting),
        }
    }
}

/// A file given to the tool.
#[derive(Debug, Clone)]
pub struct Input {
    /// Client file name.
    pub name: String,
    /// Media type sent by the client.
    pub media_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

impl Input {
    /// Lower-case extension of the file name, without the dot (empty if none).
    pub fn extension(&self) -> String {
        extension_of(&self.name)
    }

    /// The file name without its extension.
    pub fn stem(&self) -> &str {
        match self.name.rfind('.') {
            Some(i) if i > 0 => &self.name[..i],
            _ => &self.name,
        }
    }

    /// The file as UTF-8 text (a leading byte-order mark dropped): 413 over `max_bytes`,
    /// 400 when it is not UTF-8 or holds NUL bytes (a binary file).
    pub fn text(&self, max_bytes: usize) -> Result<&str, ToolError> {
        if self.data.len() > max_bytes {
            return Err(ToolError::TooLarge(format!(
                "'{}' is larger than {} MiB",
                self.name,
                max_bytes >> 20
            )));
        }
        let data = self
            .data
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.data);
        let text = std::str::from_utf8(data)
            .map_err(|_| unsupported(format!("'{}' is not UTF-8 text", self.name)))?;
        if text.contains('\0') {
            return Err(unsupported(format!("'{}' is not a text file", self.name)));
        }
        Ok(text)
    }
}

/// Escapes text for HTML or XML content and attribute values, dropping the control
/// characters XML 1.0 cannot contain (tab, newline and carriage return stay).
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Lower-case extension of a file name, without the dot (empty if none).
pub fn extension_of(name: &str) -> String {
    match name.rfind('.') {
        Some(i) if i + 1 < name.len() => name[i + 1..].to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// A file the tool produced.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// File name used in the download URL.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

impl OutputFile {
    /// A new output file.
    pub fn new(name: impl Into<String>, media_type: impl Into<String>, data: Vec<u8>) -> Self {
        Self {
            name: name.into(),
            media_type: media_type.into(),
            data,
        }
    }
}

/// What a successful run returns.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Produced files (several are zipped by the router).
    pub files: Vec<OutputFile>,
    /// Extra JSON fields merged into the API response.
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Output {
    /// An output of one file.
    pub fn file(file: OutputFile) -> Self {
        Self {
            files: vec![file],
            extra: None,
        }
    }

    /// An output of several files.
    pub fn files(files: Vec<OutputFile>) -> Self {
        Self { files, extra: None }
    }

    /// Adds extra JSON fields to the response.
    pub fn with_extra(mut self, extra: serde_json::Value) -> Self {
        if let serde_json::Value::Object(map) = extra {
            self.extra = Some(map);
        }
        self
    }
}

/// Why a run failed. Each variant is one [`ErrorKind`] of the store layout, which says the
/// HTTP status, code and message every gateway answers for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolError {
    /// Malformed or out-of-range settings (400 INVALID_SETTINGS).
    InvalidSettings(String),
    /// An input the tool cannot read (400 UNSUPPORTED_INPUT).
    UnsupportedInput(String),
    /// An input over a limit (413 TOO_LARGE).
    TooLarge(String),
    /// Processing failed (422 PROCESSING_FAILED).
    Failed(String),
}

pub use lathe_store_layout::ErrorKind;

impl ToolError {
    /// The kind of failure, as the API reports it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ToolError::InvalidSettings(_) => ErrorKind::InvalidSettings,
            ToolError::UnsupportedInput(_) => ErrorKind::UnsupportedInput,
            ToolError::TooLarge(_) => ErrorKind::TooLarge,
            ToolError::Failed(_) => ErrorKind::ProcessingFailed,
        }
    }

    /// The tool's own words.
    pub fn detail(&self) -> &str {
        match self {
            ToolError::InvalidSettings(m)
            | ToolError::UnsupportedInput(m)
            | ToolError::TooLarge(m)
            | ToolError::Failed(m) => m,
        }
    }
}

/// The message the client gets (`Invalid settings: ...`).
impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.kind().message(self.detail()))
    }
}

impl std::error::Error for ToolError {}

/// Shorthand for an invalid-settings error.
pub fn invalid_settings(msg: impl Into<String>) -> ToolError {
    ToolError::InvalidSettings(msg.into())
}

/// Shorthand for an unsupported-input error.
pub fn unsupported(msg: impl Into<String>) -> ToolError {
    ToolError::UnsupportedInput(msg.into())
}

/// A tool: describes itself and runs on files plus settings.
pub trait Tool {
    /// The catalog entry.
    fn describe() -> ToolInfo;
    /// Process `inputs` with the settings JSON string (`{}` when the client sent none).
    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError>;

    /// Names of the tool's sub-routes (`/api/v1/tools/<section>/<id>/<name>`), served by
    /// [`Tool::run_operation`]. Empty for most tools.
    const OPERATIONS: &'static [&'static str] = &[];

    /// Runs the sub-route `operation` (one of [`Tool::OPERATIONS`]). `inputs` are the
    /// uploaded files (possibly none), `settings` the JSON string. Return an [`Output`]
    /// without files and with `extra` to answer JSON, or with one file to answer its bytes
    /// (scalar `extra` fields become `X-...` headers). Operations create no job.
    fn run_operation(
        operation: &str,
        inputs: Vec<Input>,
        settings: &str,
    ) -> Result<Output, ToolError> {
        let _ = (inputs, settings);
        Err(ToolError::UnsupportedInput(format!(
            "this tool has no operation '{operation}'"
        )))
    }
}

/// Checks the number of inputs against the tool's declared bounds.
pub fn check_input_count(info: &ToolInfo, inputs: &[Input]) -> Result<(), ToolError> {
    let n = inputs.len() as u32;
    if n < info.min_inputs {
        return Err(ToolError::UnsupportedInput(format!(
            "this tool needs at least {} file(s), got {n}",
            info.min_inputs
        )));
    }
    if n > info.max_inputs {
        return Err(ToolError::UnsupportedInput(format!(
            "this tool takes at most {} file(s), got {n}",
            info.max_inputs
        )));
    }
    if !info.accepts.is_empty() {
        for input in inputs {
            let ext = input.extension();
            if !info.accepts.contains(&ext.as_str()) {
                return Err(ToolError::UnsupportedInput(format!(
                    "'{}' is not a supported file type for this tool (accepted: {})",
                    input.name,
                    info.accepts.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// Exports a [`Tool`] implementation as a pure (sandboxed) Lathe tool component.
#[macro_export]
macro_rules! export_tool {
    ($tool:ty) => {
        struct __LatheToolExport;
        impl $crate::pure::exports::lathe::tool::tool::Guest for __LatheToolExport {
            fn describe() -> $crate::pure::lathe::tool::types::ToolInfo {
                $crate::pure_glue::describe::<$tool>()
            }
            fn run(
                inputs: ::std::vec::Vec<$crate::pure::lathe::tool::types::InputFile>,
                settings: ::std::string::String,
            ) -> ::std::result::Result<
                $crate::pure::lathe::tool::types::ToolOutput,
                $crate::pure::lathe::tool::types::ToolError,
            > {
                $crate::pure_glue::run::<$tool>(inputs, settings)
            }
            fn run_operation(
                operation: ::std::string::String,
                inputs: ::std::vec::Vec<$crate::pure::lathe::tool::types::InputFile>,
                settings: ::std::string::String,
            ) -> ::std::result::Result<
                $crate::pure::lathe::tool::types::ToolOutput,
                $crate::pure::lathe::tool::types::ToolError,
            > {
                $crate::pure_glue::run_operation::<$tool>(operation, inputs, settings)
            }
        }
        $crate::pure::export_pure!(__LatheToolExport with_types_in $crate::pure);
    };
}
