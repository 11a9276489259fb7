//! Plumbing for native Lathe tools: tools that need host capabilities (ffmpeg, native image
//! codecs, progress reporting) which only Lathe's native worker provides. A native tool implements
//! `lathe_tool_sdk::Tool` exactly like a pure one and exports it with
//! [`export_native_tool!`]; [`FfmpegRun`], [`probe`] and [`report_progress`] reach the host.

mod capabilities;

pub use capabilities::{
    decode_heif, ffmpeg, host_encode, probe, report_progress, CodecError, FfmpegOutput, FfmpegRun,
    HostEncode, HostFormat,
};

/// Generated bindings for the `native-tool` world.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "native-tool",
        path: "../../../../wit",
        pub_export_macro: true,
        export_macro_name: "export_native",
        default_bindings_module: "lathe_native_sdk::bindings",
    });
}

lathe_tool_sdk::__world_glue!(native_glue, crate::bindings, Native);

/// Exports a `lathe_tool_sdk::Tool` implementation as a native Lathe tool.
#[macro_export]
macro_rules! export_native_tool {
    ($tool:ty) => {
        struct __LatheToolExport;
        impl $crate::bindings::exports::lathe::tool::tool::Guest for __LatheToolExport {
            fn describe() -> $crate::bindings::lathe::tool::types::ToolInfo {
                $crate::native_glue::describe::<$tool>()
            }
            fn run(
                inputs: ::std::vec::Vec<$crate::bindings::lathe::tool::types::InputFile>,
                settings: ::std::string::String,
            ) -> ::std::result::Result<
                $crate::bindings::lathe::tool::types::ToolOutput,
                $crate::bindings::lathe::tool::types::ToolError,
            > {
                $crate::native_glue::run::<$tool>(inputs, settings)
            }
            fn run_operation(
                operation: ::std::string::String,
                inputs: ::std::vec::Vec<$crate::bindings::lathe::tool::types::InputFile>,
                settings: ::std::string::String,
            ) -> ::std::result::Result<
                $crate::bindings::lathe::tool::types::ToolOutput,
                $crate::bindings::lathe::tool::types::ToolError,
            > {
                $crate::native_glue::run_operation::<$tool>(operation, inputs, settings)
            }
        }
        $crate::bindings::export_native!(__LatheToolExport with_types_in $crate::bindings);
    };
}
