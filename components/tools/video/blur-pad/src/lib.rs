//! `video/blur-pad`: a video brought to another aspect ratio by centring it over a blurred,
//! scaled-to-fill copy of itself (native tool: ffmpeg).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::redraw::{graph_args, EXTENSION};
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::video_compose::display_size;
use lathe_media_kit::{fmt_num, AspectTarget};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `target` ratio and `blur` strength (Gaussian sigma in pixels).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default = "default_target")]
    target: AspectTarget,
    #[serde(default = "default_blur")]
    blur: f64,
}

fn default_target() -> AspectTarget {
    AspectTarget::Landscape
}

fn default_blur() -> f64 {
    20.0
}

/// The graph: the frame split in two, one copy scaled to cover the canvas, cropped and
/// blurred, the other laid over its centre.
fn blur_pad_graph(canvas: (u32, u32), blur: f64) -> String {
    let (w, h) = canvas;
    format!(
        "[0:v:0]split=2[bg][fg];\
         [bg]scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1,\
         gblur=sigma={}[blurred];\
         [blurred][fg]overlay=(W-w)/2:(H-h)/2,setsar=1,format=yuv420p[v]",
        fmt_num(blur)
    )
}

/// The tool.
struct BlurPad;

impl Tool for BlurPad {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "blur-pad",
                "Blur Pad",
                "Fit a video to 16:9, 9:16, 1:1, 4:3 or 3:4 over a blurred copy of itself instead of black bars.",
            ),
            serde_json::json!({
                "target": {
                    "type": "string",
                    "enum": ["16:9", "9:16", "1:1", "4:3", "3:4"],
                    "default": "16:9"
                },
                "blur": {"type": "number", "minimum": 2, "maximum": 50, "default": 20}
            }),
            Produces::types(&["mp4"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let blur = check_range("blur", settings.blur, 2.0, 50.0)?;
        single_output(
            &inputs[0],
            Needs::Video,
            EXTENSION,
            "Padding video",
            |info| {
                let (w, h) = display_size(info).unwrap_or((0, 0));
                let canvas = settings.target.canvas_for(w, h);
                Ok(Plan::new(graph_args(blur_pad_graph(canvas, blur))))
            },
        )
    }
}

lathe_native_sdk::export_native_tool!(BlurPad);

#[cfg(test)]
mod tests {
    #[test]
    fn the_copy_covers_the_canvas_and_the_frame_sits_in_the_middle() {
        let graph = super::blur_pad_graph((214, 120), 20.0);
        assert!(graph.contains("scale=214:120:force_original_aspect_ratio=increase,crop=214:120"));
        assert!(graph.contains("gblur=sigma=20"));
        assert!(graph.contains("overlay=(W-w)/2:(H-h)/2"));
    }
}
