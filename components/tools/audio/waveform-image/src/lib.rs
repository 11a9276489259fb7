//! `audio/waveform-image`: a PNG picture of an audio file's waveform in one colour on a
//! transparent background (native tool: ffmpeg).

use lathe_media_kit::catalog::one_audio_file_info;
use lathe_media_kit::ffmpeg_color;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `width` (256 to 3840, default 1024), `height` (64 to 1080,
/// default 256) and `color` (hex, default #4f46e5).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default = "default_width")]
    width: u32,
    #[serde(default = "default_height")]
    height: u32,
    #[serde(default = "default_color")]
    color: String,
}

fn default_width() -> u32 {
    1024
}

fn default_height() -> u32 {
    256
}

fn default_color() -> String {
    "#4f46e5".into()
}

/// The tool.
struct WaveformImage;

impl Tool for WaveformImage {
    fn describe() -> ToolInfo {
        one_audio_file_info(
            (
                "waveform-image",
                "Waveform Image",
                "Draw the waveform of audio as a PNG image (transparent background).",
            ),
            serde_json::json!({
                "width": {"type": "integer", "minimum": 256, "maximum": 3840, "default": 1024},
                "height": {"type": "integer", "minimum": 64, "maximum": 1080, "default": 256},
                "color": {"type": "string", "pattern": "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", "default": "#4f46e5"}
            }),
            Produces::types(&["png"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let width = check_range("width", settings.width, 256, 3840)?;
        let height = check_range("height", settings.height, 64, 1080)?;
        let color = ffmpeg_color("color", &settings.color)?;
        single_output(
            &inputs[0],
            Needs::Audio,
            "png",
            "Drawing the waveform",
            |_| {
                let graph = format!(
                "[0:a:0]showwavespic=s={width}x{height}:split_channels=0:colors={color}:draw=full[v]"
            );
                Ok(Plan::new([
                    "-filter_complex".to_string(),
                    graph,
                    "-map".into(),
                    "[v]".into(),
                    "-frames:v".into(),
                    "1".into(),
                ]))
            },
        )
    }
}

lathe_native_sdk::export_native_tool!(WaveformImage);
