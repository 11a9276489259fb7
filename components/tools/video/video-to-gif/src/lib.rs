//! `video/video-to-gif`: a stretch of a video as an animated GIF with a palette made for
//! it (native tool: ffmpeg).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::fmt_num;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Seed 001's settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default = "default_fps")]
    fps: f64,
    #[serde(default = "default_width")]
    width: f64,
    #[serde(default)]
    start_s: f64,
    #[serde(default = "default_duration")]
    duration_s: f64,
}

fn default_fps() -> f64 {
    12.0
}

fn default_width() -> f64 {
    480.0
}

fn default_duration() -> f64 {
    5.0
}

/// The graph: frame rate and width first (fewer, smaller frames), then one palette made
/// from the whole stretch and applied with light dithering.
fn gif_graph(fps: f64, width: u32) -> String {
    format!(
        "[0:v:0]fps={},scale={width}:-1:flags=lanczos,split[a][b];\
         [a]palettegen[p];[b][p]paletteuse=dither=bayer:bayer_scale=5[v]",
        fmt_num(fps)
    )
}

/// The tool.
struct VideoToGif;

impl Tool for VideoToGif {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "video-to-gif",
                "Video to GIF",
                "Turn up to 60 seconds of a video into an animated GIF.",
            ),
            serde_json::json!({
                "fps": {"type": "integer", "minimum": 1, "maximum": 30, "default": 12},
                "width": {"type": "integer", "minimum": 64, "maximum": 1280, "default": 480},
                "startS": {"type": "number", "minimum": 0, "default": 0},
                "durationS": {"type": "number", "exclusiveMinimum": 0, "maximum": 60, "default": 5}
            }),
            Produces::types(&["gif"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let fps = check_range("fps", settings.fps, 1.0, 30.0)?.round();
        let width = check_range("width", settings.width, 64.0, 1280.0)?.round() as u32;
        let start = check_range("startS", settings.start_s, 0.0, f64::MAX)?;
        let wanted = settings.duration_s;
        if !(wanted > 0.0 && wanted <= 60.0) {
            return Err(invalid_settings(format!(
                "durationS must be more than 0 and at most 60, got {wanted}"
            )));
        }
        single_output(&inputs[0], Needs::Video, "gif", "Making GIF", |info| {
            if info.duration > 0.0 && start >= info.duration {
                return Err(invalid_settings(format!(
                    "startS ({start}) is past the end of the video ({:.2} s)",
                    info.duration
                )));
            }
            let length = if info.duration > 0.0 {
                wanted.min(info.duration - start)
            } else {
                wanted
            };
            Ok(Plan {
                before_input: vec!["-ss".into(), fmt_num(start), "-t".into(), fmt_num(length)],
                args: vec![
                    "-filter_complex".into(),
                    gif_graph(fps, width),
                    "-map".into(),
                    "[v]".into(),
                    "-loop".into(),
                    "0".into(),
                ],
                duration: Some(length),
                ..Plan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(VideoToGif);

#[cfg(test)]
mod tests {
    #[test]
    fn one_palette_for_the_whole_stretch() {
        let graph = super::gif_graph(12.0, 480);
        assert!(graph.starts_with("[0:v:0]fps=12,scale=480:-1"));
        assert!(graph.contains("palettegen") && graph.contains("paletteuse"));
    }
}
