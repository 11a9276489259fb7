//! The tools that draw every frame of one video anew (subtitles, a watermark, a
//! stabilised or blur-padded picture) and write an H.264/AAC MP4 of it, the audio kept.

use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::Input;

use crate::formats::{strings, VideoFormat, VideoQuality};

/// The extension of what these tools write.
pub const EXTENSION: &str = "mp4";

/// The maps of the picture `video` (a stream or a graph's label) and of the first audio
/// stream when there is one, then the MP4 encoders at the balanced quality.
fn mapped(video: &str, filter: Vec<String>) -> Vec<String> {
    let mut args = strings(&["-map", video, "-map", "0:a:0?"]);
    args.extend(filter);
    args.extend(VideoFormat::Mp4.encode_args(VideoQuality::Balanced));
    args
}

/// Output arguments for the first video stream through the `-vf` chain `filter`.
pub fn filtered_args(filter: String) -> Vec<String> {
    mapped("0:v:0", vec!["-vf".to_string(), filter])
}

/// Arguments for a `-filter_complex` `graph` that reads `[0:v:0]` and writes `[v]`.
pub fn graph_args(graph: String) -> Vec<String> {
    let mut args = vec!["-filter_complex".to_string(), graph];
    args.extend(mapped("[v]", Vec::new()));
    args
}

/// A run of `input` (under its scratch name) through `filter` into `output.mp4`; the
/// caller adds the filter's own files and the progress, then calls `run_named`.
pub fn filtered_run(input: &Input, filter: String) -> FfmpegRun {
    FfmpegRun::new()
        .args(["-i", input.name.as_str()])
        .args(filtered_args(filter))
        .writes(format!("output.{EXTENSION}"))
        .file(input.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_is_filtered_and_the_audio_kept() {
        let args = filtered_args("hflip".into());
        assert_eq!(
            args[..7],
            ["-map", "0:v:0", "-map", "0:a:0?", "-vf", "hflip", "-c:v"]
        );
        let graph = graph_args("[0:v:0]hflip[v]".into());
        assert_eq!(
            graph[..7],
            [
                "-filter_complex",
                "[0:v:0]hflip[v]",
                "-map",
                "[v]",
                "-map",
                "0:a:0?",
                "-c:v"
            ]
        );
    }
}
