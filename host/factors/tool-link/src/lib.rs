//! Component dependencies linked at the instance level.
//!
//! Spin satisfies a gateway's `lathe:tool/tool` (and `stream-tool`) imports by composing the
//! tool component into the gateway (`spin_compose`). Composition produces one new component
//! per route, so the gateway's code would be compiled and stored once per tool. This factor
//! gives the same result without a new component: the tool is instantiated next to the
//! gateway in the same store, and the gateway's imports are host functions that forward each
//! call to the tool instance's exports. Semantically this is what the composed component
//! does (one gateway instance, one tool instance, the tool's exports wired to the gateway's
//! imports); the gateway and every tool are compiled once.
//!
//! * `lib.rs` — the interface names and the value types of `lathe:tool`;
//! * `host.rs` — the forwarding definitions and the per-request binding.

mod host;

pub use bindings::lathe::tool::types::{ToolInfo, ToolKind};
pub use host::{add_to_linker, ToolExports, ToolLinkState};

/// Value types of `lathe:tool/types`, generated from `wit/tool.wit`.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../../../wit",
        world: "pure-tool",
    });
}

/// The `lathe:tool/types` interface (types only: nothing to forward).
pub const TYPES: &str = "lathe:tool/types@0.2.0";
/// The `lathe:tool/tool` interface.
pub const TOOL: &str = "lathe:tool/tool@0.2.0";
/// The `lathe:tool/stream-tool` interface.
pub const STREAM_TOOL: &str = "lathe:tool/stream-tool@0.2.0";

/// Whether an import can be linked at the instance level by this factor.
pub fn is_linkable(import: &str) -> bool {
    [TYPES, TOOL, STREAM_TOOL].contains(&import)
}
