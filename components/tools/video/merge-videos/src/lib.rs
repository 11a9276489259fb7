//! `video/merge-videos`: 2 to 10 clips joined one after the other, each brought to the
//! first clip's size and frame rate (native tool: ffmpeg).

use lathe_media_kit::concat::ConcatGraph;
use lathe_media_kit::settings::even_down;
use lathe_media_kit::settings::no_settings;
use lathe_media_kit::video_compose::{display_size, fit_filter, probe_video};
use lathe_media_kit::{fmt_num, VideoFormat, VideoQuality, VIDEO_EXTENSIONS};
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{Input, Output, Produces, Section, Tool, ToolError, ToolInfo};

/// What the graph needs to know of one clip.
#[derive(Debug, Clone, Copy)]
struct Clip {
    /// Whether it has an audio stream.
    audio: bool,
    /// Its duration in seconds.
    duration: f64,
}

/// The `concat` graph: every clip fitted into `size` at `fps`, its audio resampled to
/// 48 kHz stereo (silence for a clip without audio), all joined in upload order. Without
/// any audio the result has none either.
fn merge_graph(clips: &[Clip], size: (u32, u32), fps: f64) -> String {
    let with_audio = clips.iter().any(|c| c.audio);
    let fit = fit_filter(size.0, size.1);
    let fps = fmt_num(fps);
    let mut graph = ConcatGraph::new();
    for (i, clip) in clips.iter().enumerate() {
        graph.push(&format!("[{i}:v:0]{fit},fps={fps}"), &format!("v{i}"));
        if with_audio {
            let chain = if clip.audio {
                format!("[{i}:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo")
            } else {
                format!(
                    "anullsrc=r=48000:cl=stereo,atrim=duration={}",
                    fmt_num(clip.duration.max(0.001))
                )
            };
            graph.push(&chain, &format!("a{i}"));
        }
    }
    let outputs = if with_audio { "[v][a]" } else { "[v]" };
    graph.join(clips.len(), (1, u8::from(with_audio)), outputs)
}

/// The tool.
struct MergeVideos;

impl Tool for MergeVideos {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "merge-videos",
            section: Section::Video,
            name: "Merge Videos",
            description: "Join 2 to 10 videos one after another, all at the first video's size and frame rate.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 2,
            max_inputs: 10,
            accepts: VIDEO_EXTENSIONS,
            produces: Produces::types(&["mp4"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
        let mut run = FfmpegRun::new();
        let mut clips = Vec::new();
        let mut size = (0, 0);
        let mut fps = 30.0;
        for (i, source) in inputs.iter().enumerate() {
            let (input, info, video) = probe_video(source, i)?;
            if i == 0 {
                let (w, h) = display_size(&info).unwrap_or((video.width, video.height));
                size = (even_down(w), even_down(h));
                if video.fps > 0.0 && video.fps <= 120.0 {
                    fps = video.fps;
                }
            }
            clips.push(Clip {
                audio: info.audio.is_some(),
                duration: info.duration,
            });
            run = run.arg("-i").arg(input.name.clone()).file(input);
        }
        let graph = merge_graph(&clips, size, fps);
        let with_audio = clips.iter().any(|c| c.audio);
        let total: f64 = clips.iter().map(|c| c.duration).sum();
        let format = VideoFormat::Mp4;
        let out = format!("output.{}", format.extension());
        run = run.args(["-filter_complex", graph.as_str(), "-map", "[v]"]);
        if with_audio {
            run = run.args(["-map", "[a]"]);
        }
        let file = run
            .args(format.encode_args(VideoQuality::Balanced))
            .writes(out)
            .progress(total, 5, 99, "Merging videos")
            .run_named(inputs[0].stem(), format.extension())?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(MergeVideos);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_without_audio_gets_silence() {
        let clips = [
            Clip {
                audio: true,
                duration: 2.0,
            },
            Clip {
                audio: false,
                duration: 1.5,
            },
        ];
        let graph = merge_graph(&clips, (160, 120), 10.0);
        assert!(graph.contains("anullsrc=r=48000:cl=stereo,atrim=duration=1.5[a1]"));
        assert!(graph.ends_with("[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]"));
        let silent = [clips[1], clips[1]];
        assert!(merge_graph(&silent, (160, 120), 10.0).ends_with("[v0][v1]concat=n=2:v=1:a=0[v]"));
    }
}
