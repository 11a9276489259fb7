//! `video/aspect-pad`: a video brought to another aspect ratio with bars of a colour
//! (native tool: ffmpeg).

use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::video_compose::display_size;
use lathe_media_kit::video_edit::filter_video;
use lathe_media_kit::{ffmpeg_color, AspectTarget};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `target` ratio (default 9:16, as the peer's code) and the bars'
/// `color` (default black).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default = "default_target")]
    target: AspectTarget,
    #[serde(default = "default_color")]
    color: String,
}

fn default_target() -> AspectTarget {
    AspectTarget::Portrait
}

fn default_color() -> String {
    "#000000".into()
}

/// The pad filter: the frame centred on the smallest canvas of the ratio that holds it.
fn pad_filter(canvas: (u32, u32), color: &str) -> String {
    let (w, h) = canvas;
    format!("pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color={color},setsar=1")
}

/// The tool.
struct AspectPad;

impl Tool for AspectPad {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "aspect-pad",
                "Aspect Pad",
                "Fit a video to 16:9, 9:16, 1:1, 4:3 or 3:4 with coloured bars; nothing is cut off.",
            ),
            serde_json::json!({
                "target": {
                    "type": "string",
                    "enum": ["16:9", "9:16", "1:1", "4:3", "3:4"],
                    "default": "9:16"
                },
                "color": {"type": "string", "default": "#000000", "description": "Hex colour of the bars."}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let color = ffmpeg_color("color", &settings.color)?;
        filter_video(&inputs[0], "Padding video", |info| {
            let (w, h) = display_size(info).unwrap_or((0, 0));
            Ok(pad_filter(settings.target.canvas_for(w, h), &color))
        })
    }
}

lathe_native_sdk::export_native_tool!(AspectPad);

#[cfg(test)]
mod tests {
    #[test]
    fn the_frame_sits_in_the_middle() {
        assert_eq!(
            super::pad_filter((160, 286), "0x000000"),
            "pad=160:286:(ow-iw)/2:(oh-ih)/2:color=0x000000,setsar=1"
        );
    }
}
