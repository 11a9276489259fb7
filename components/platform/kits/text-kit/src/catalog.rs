//! The catalog entries shared by the overlay tools: a caption drawn on one image, or a
//! second image laid over the first.

use lathe_tool_sdk::{Produces, Section, ToolInfo};
use serde_json::{json, Value};

/// Longest caption the caption tools take, in characters.
pub const MAX_CAPTION_CHARS: usize = 500;

/// The catalog entry of a tool that draws a required `text` (at most
/// [`MAX_CAPTION_CHARS`] characters, read with [`crate::required_text`]) in a bundled
/// `font` (read with [`crate::Face::from_setting`], bold by default) on one image and
/// writes it in the image's format at `quality` (see [`crate::draw_on`]); `properties`
/// holds the tool's other settings.
pub fn caption_tool_info(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    mut properties: Value,
) -> ToolInfo {
    properties["text"] = json!({"type": "string", "minLength": 1, "maxLength": MAX_CAPTION_CHARS});
    properties["font"] = json!({"type": "string", "description": "sans, bold, serif, mono, impact, ... (bundled DejaVu faces)", "default": "bold"});
    properties["quality"] = quality_property();
    let mut info = lathe_image_kit::one_image_tool_info(id, name, description, properties);
    info.settings_schema["required"] = json!(["text"]);
    info
}

/// The catalog entry of a tool that lays the second of two images over the first and
/// writes the result in the first one's format at `quality` (see [`crate::draw_pair`]);
/// `properties` holds the tool's other settings.
pub fn pair_tool_info(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    mut properties: Value,
) -> ToolInfo {
    properties["quality"] = quality_property();
    ToolInfo {
        id,
        section: Section::Image,
        name,
        description,
        settings_schema: json!({"type": "object", "properties": properties}),
        min_inputs: 2,
        max_inputs: 2,
        accepts: &[],
        produces: Produces::types(&["*", "png"]),
    }
}

/// The `quality` setting of the overlay tools (lossy outputs; 90 by default).
fn quality_property() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 90})
}
