//! `video/images-to-video`: 1 to 60 images shown one after the other as an H.264 MP4
//! slideshow, each fitted into the frame on black bars (native tool: ffmpeg).

use lathe_media_kit::concat::ConcatGraph;
use lathe_media_kit::formats::h264_args;
use lathe_media_kit::video_compose::{fit_filter, probe_video, IMAGE_EXTENSIONS};
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The frame size of the slideshow.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    /// 1920 × 1080.
    #[serde(rename = "1080p")]
    FullHd,
    /// 1280 × 720.
    #[default]
    #[serde(rename = "720p")]
    Hd,
    /// 1080 × 1080.
    #[serde(rename = "square")]
    Square,
}

impl Resolution {
    fn size(self) -> (u32, u32) {
        match self {
            Resolution::FullHd => (1920, 1080),
            Resolution::Hd => (1280, 720),
            Resolution::Square => (1080, 1080),
        }
    }
}

/// Seed 001's settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default = "default_seconds")]
    seconds_per_image: f64,
    #[serde(default)]
    resolution: Resolution,
    #[serde(default = "default_fps")]
    fps: f64,
}

fn default_seconds() -> f64 {
    2.0
}

fn default_fps() -> f64 {
    30.0
}

/// The graph: each image's first frame fitted into `size`, repeated for `frames` frames
/// at `fps`, the pieces joined in upload order.
fn slideshow_graph(count: usize, size: (u32, u32), frames: u64, fps: u32) -> String {
    let fit = fit_filter(size.0, size.1);
    let mut graph = ConcatGraph::new();
    for i in 0..count {
        graph.push(
            &format!(
                "[{i}:v:0]trim=end_frame=1,{fit},loop=loop={}:size=1:start=0,setpts=N/{fps}/TB",
                frames - 1
            ),
            &format!("v{i}"),
        );
    }
    graph.join(count, (1, 0), "[v]")
}

/// The tool.
struct ImagesToVideo;

impl Tool for ImagesToVideo {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "images-to-video",
            section: Section::Video,
            name: "Images to Video",
            description: "Make a slideshow video (MP4) from 1 to 60 images.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "secondsPerImage": {"type": "number", "minimum": 0.5, "maximum": 10, "default": 2},
                    "resolution": {"type": "string", "enum": ["1080p", "720p", "square"], "default": "720p"},
                    "fps": {"type": "integer", "minimum": 10, "maximum": 60, "default": 30}
                }
            }),
            min_inputs: 1,
            max_inputs: 60,
            accepts: IMAGE_EXTENSIONS,
            produces: Produces::types(&["mp4"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let seconds = check_range("secondsPerImage", settings.seconds_per_image, 0.5, 10.0)?;
        let fps = check_range("fps", settings.fps, 10.0, 60.0)?.round() as u32;
        let frames = (seconds * fps as f64).round().max(1.0) as u64;
        let mut run = FfmpegRun::new();
        for (i, source) in inputs.iter().enumerate() {
            let (input, _, _) = probe_video(source, i)?;
            run = run.arg("-i").arg(input.name.clone()).file(input);
        }
        let size = settings.resolution.size();
        let graph = slideshow_graph(inputs.len(), size, frames, fps);
        let total = inputs.len() as f64 * frames as f64 / fps as f64;
        let out = "output.mp4".to_string();
        let file = run
            .args(["-filter_complex", graph.as_str(), "-map", "[v]", "-r"])
            .arg(fps.to_string())
            .args(h264_args(23))
            .args(["-movflags", "+faststart"])
            .writes(out)
            .progress(total, 5, 99, "Making slideshow")
            .run_named(inputs[0].stem(), "mp4")?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(ImagesToVideo);

#[cfg(test)]
mod tests {
    #[test]
    fn each_image_is_held_for_its_frames() {
        let graph = super::slideshow_graph(2, (1280, 720), 60, 30);
        assert!(graph.contains("[1:v:0]trim=end_frame=1,scale=1280:720:"));
        assert!(graph.contains("loop=loop=59:size=1:start=0,setpts=N/30/TB[v1]"));
        assert!(graph.ends_with("[v0][v1]concat=n=2:v=1:a=0[v]"));
    }
}
