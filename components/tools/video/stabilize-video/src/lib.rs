//! `video/stabilize-video`: camera shake removed in two passes, `vidstabdetect` measuring
//! the motion and `vidstabtransform` smoothing it (native tool: ffmpeg).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::formats::EVEN_SIZE;
use lathe_media_kit::redraw::{filtered_run, EXTENSION};
use lathe_media_kit::run::{picture_only, probed, Needs};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's setting: `smoothing`, how many frames the camera path is averaged over.
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default = "default_smoothing")]
    smoothing: f64,
}

fn default_smoothing() -> f64 {
    15.0
}

/// The motion file the first pass writes and the second reads.
const TRANSFORMS: &str = "transforms.trf";

/// The second pass's filter: the smoothed path, zoomed just enough to hide moving
/// borders, lightly sharpened (the transform softens the picture).
fn transform_filter(smoothing: u32) -> String {
    format!(
        "vidstabtransform=input={TRANSFORMS}:smoothing={smoothing}:optzoom=1:interpol=bicubic,\
         unsharp=5:5:0.8:3:3:0.4,{EVEN_SIZE},format=yuv420p"
    )
}

/// The tool.
struct StabilizeVideo;

impl Tool for StabilizeVideo {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "stabilize-video",
                "Stabilize Video",
                "Smooth out camera shake (two-pass vid.stab).",
            ),
            serde_json::json!({
                "smoothing": {"type": "integer", "minimum": 5, "maximum": 60, "default": 15}
            }),
            Produces::types(&["mp4"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let smoothing = check_range("smoothing", settings.smoothing, 5.0, 60.0)?.round() as u32;
        let source = &inputs[0];
        let (input, info) = probed(source, Needs::Video)?;
        let detect = format!("vidstabdetect=shakiness=5:accuracy=15:result={TRANSFORMS}");
        let mut measured = picture_only(&input)
            .args(["-vf", detect.as_str(), "-f", "null", "-"])
            .output(TRANSFORMS)
            .progress(info.duration, 5, 40, "Measuring camera motion")
            .run()?
            .files;
        let transforms = Input {
            name: TRANSFORMS.into(),
            media_type: "application/octet-stream".into(),
            data: measured.remove(0).data,
        };
        let file = filtered_run(&input, transform_filter(smoothing))
            .file(transforms)
            .progress(info.duration, 40, 99, "Stabilizing video")
            .run_named(source.stem(), EXTENSION)?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(StabilizeVideo);

#[cfg(test)]
mod tests {
    #[test]
    fn the_second_pass_reads_the_first_passes_file() {
        let filter = super::transform_filter(15);
        assert!(filter.starts_with("vidstabtransform=input=transforms.trf:smoothing=15:"));
    }
}
