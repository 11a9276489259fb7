//! Plumbing for streaming Lathe tools: tools that convert one input into one output piece
//! by piece.
//!
//! A tool that can stream implements [`StreamTool`] besides `lathe_tool_sdk::Tool` and
//! exports with [`export_stream_tool!`]; `spin.toml` then composes it with the stream gateway,
//! which feeds it the upload chunk by chunk from the store and stores each output piece as it
//! comes, so neither side ever holds the whole file.

use std::cell::RefCell;

use lathe_tool_sdk::ToolError;

/// Generated bindings for the `streaming-tool` world. Used by [`export_stream_tool!`].
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "streaming-tool",
        path: "../../../../wit",
        pub_export_macro: true,
        export_macro_name: "export_streaming",
        default_bindings_module: "lathe_stream_sdk::bindings",
    });

    /// The world exports `types` (see `wit/tool.wit`), so its bindings live under
    /// `exports`; this alias gives them the path the shared glue uses for every world.
    pub mod lathe {
        /// `lathe:tool`.
        pub mod tool {
            pub use crate::bindings::exports::lathe::tool::types;
        }
    }
}

lathe_tool_sdk::__world_glue!(stream_glue, crate::bindings, Pure);

use bindings::exports::lathe::tool::stream_tool as wit;

/// The output file a conversion produces.
#[derive(Debug, Clone)]
pub struct StreamPlan {
    /// Output file name.
    pub output_name: String,
    /// Output media type.
    pub media_type: String,
}

/// One conversion in progress.
pub trait Converter: 'static {
    /// Consumes the next input bytes; returns output bytes that are ready.
    fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, ToolError>;
    /// Ends the input; returns the last output bytes and extra response fields.
    fn finish(&mut self) -> Result<(Vec<u8>, Option<serde_json::Value>), ToolError>;
}

/// A tool that can stream some of its conversions.
pub trait StreamTool: lathe_tool_sdk::Tool {
    /// Its converter.
    type Converter: Converter;
    /// Starts a conversion of `input_name` with `settings` (a JSON string), or `None` when
    /// this input or these settings need the whole file (the gateway then calls `run`).
    fn open(
        input_name: &str,
        settings: &str,
    ) -> Result<Option<(Self::Converter, StreamPlan)>, ToolError>;
}

/// The resource wrapper the bindings hand out (resource methods take `&self`).
#[doc(hidden)]
pub struct ConverterCell<C: Converter>(RefCell<C>);

impl<C: Converter> wit::GuestConverter for ConverterCell<C> {
    fn push(&self, chunk: Vec<u8>) -> Result<Vec<u8>, stream_glue::ToolErrorOf> {
        self.0
            .borrow_mut()
            .push(&chunk)
            .map_err(stream_glue::to_wit_error)
    }

    fn finish(&self) -> Result<wit::StreamEnd, stream_glue::ToolErrorOf> {
        let (data, extra) = self
            .0
            .borrow_mut()
            .finish()
            .map_err(stream_glue::to_wit_error)?;
        Ok(wit::StreamEnd {
            data,
            extra: extra
                .filter(serde_json::Value::is_object)
                .map(|v| v.to_string())
                .unwrap_or_default(),
        })
    }
}

/// Opens a conversion for the bindings.
#[doc(hidden)]
pub fn open<T: StreamTool>(
    input_name: String,
    settings: String,
) -> Result<Option<(wit::Converter, wit::StreamPlan)>, stream_glue::ToolErrorOf> {
    let settings = if settings.trim().is_empty() {
        "{}".to_string()
    } else {
        settings
    };
    match T::open(&input_name, &settings).map_err(stream_glue::to_wit_error)? {
        None => Ok(None),
        Some((converter, plan)) => Ok(Some((
            wit::Converter::new(ConverterCell(RefCell::new(converter))),
            wit::StreamPlan {
                output_name: plan.output_name,
                media_type: plan.media_type,
            },
        ))),
    }
}

/// Exports a tool that implements both `lathe_tool_sdk::Tool` and [`StreamTool`].
#[macro_export]
macro_rules! export_stream_tool {
    ($tool:ty) => {
        struct __LatheStreamExport;
        impl $crate::bindings::exports::lathe::tool::tool::Guest for __LatheStreamExport {
            fn describe() -> $crate::bindings::lathe::tool::types::ToolInfo {
                $crate::stream_glue::describe::<$tool>()
            }
            fn run(
                inputs: ::std::vec::Vec<$crate::bindings::lathe::tool::types::InputFile>,
                settings: ::std::string::String,
            ) -> ::std::result::Result<
                $crate::bindings::lathe::tool::types::ToolOutput,
                $crate::bindings::lathe::tool::types::ToolError,
            > {
                $crate::stream_glue::run::<$tool>(inputs, settings)
            }
            fn run_operation(
                operation: ::std::string::String,
                inputs: ::std::vec::Vec<$crate::bindings::lathe::tool::types::InputFile>,
                settings: ::std::string::String,
            ) -> ::std::result::Result<
                $crate::bindings::lathe::tool::types::ToolOutput,
                $crate::bindings::lathe::tool::types::ToolError,
            > {
                $crate::stream_glue::run_operation::<$tool>(operation, inputs, settings)
            }
        }
        impl $crate::bindings::exports::lathe::tool::stream_tool::Guest
            for __LatheStreamExport
        {
            type Converter = $crate::ConverterCell<<$tool as $crate::StreamTool>::Converter>;
            fn open(
                input_name: ::std::string::String,
                settings: ::std::string::String,
            ) -> ::std::result::Result<
                ::std::option::Option<(
                    $crate::bindings::exports::lathe::tool::stream_tool::Converter,
                    $crate::bindings::exports::lathe::tool::stream_tool::StreamPlan,
                )>,
                $crate::bindings::lathe::tool::types::ToolError,
            > {
                $crate::open::<$tool>(input_name, settings)
            }
        }
        $crate::bindings::export_streaming!(__LatheStreamExport with_types_in $crate::bindings);
    };
}
