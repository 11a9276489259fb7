//! `video/reverse-video`: a video played backwards, sound included (native tool: ffmpeg).
//!
//! ffmpeg's `reverse` filter keeps every frame it reverses in memory, so a whole video at
//! once would need gigabytes (five minutes of 1080p is ~28 GB of raw frames). The video is
//! therefore reversed in chunks sized to a fixed memory budget, and the reversed chunks
//! are joined last-first by stream copy: memory stays bounded whatever the length.

use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::formats::EVEN_SIZE;
use lathe_media_kit::settings::no_settings;
use lathe_media_kit::video_compose::{
    audio_args_for, kept_container, muxer_args, probe_input, video_encoder,
};
use lathe_media_kit::{fmt_num, renamed};
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{unsupported, Input, Output, Tool, ToolError, ToolInfo};

/// The longest video reversed (seed 001: 5 minutes).
const MAX_SECONDS: f64 = 300.0;

/// Raw frames one chunk may hold in memory (8-bit 4:2:0).
const CHUNK_BUDGET_BYTES: f64 = 384.0 * 1024.0 * 1024.0;

/// Seconds per chunk for `w` × `h` frames at `fps`: as many as the budget holds, between
/// a fifth of a second and ten.
fn chunk_seconds(w: u32, h: u32, fps: f64) -> f64 {
    let frame = w as f64 * h as f64 * 1.5;
    let per_second = frame * if fps > 0.0 { fps } else { 30.0 };
    (CHUNK_BUDGET_BYTES / per_second).clamp(0.2, 10.0)
}

/// `(start, length)` of every chunk of a `duration`-second video.
fn chunks(duration: f64, chunk: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut start = 0.0;
    while duration - start > 0.001 {
        out.push((start, chunk.min(duration - start)));
        start += chunk;
    }
    out
}

/// The concat list that plays `names` last first.
fn reversed_list(names: &[String]) -> String {
    let mut list = String::from("ffconcat version 1.0\n");
    for name in names.iter().rev() {
        list.push_str(&format!("file {name}\n"));
    }
    list
}

/// The tool.
struct ReverseVideo;

impl Tool for ReverseVideo {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "reverse-video",
                "Reverse Video",
                "Play a video backwards, sound included (videos up to 5 minutes).",
            ),
            serde_json::json!({}),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
        let source = &inputs[0];
        let (input, info) = probe_input(source, 0)?;
        let video = info.require_video()?.clone();
        let duration = info.require_duration()?;
        if duration > MAX_SECONDS {
            return Err(unsupported(format!(
                "reverse-video takes videos of at most 5 minutes; this one lasts {duration:.0} s"
            )));
        }
        let container = kept_container(&source.extension());
        let has_audio = info.audio.is_some();
        let parts = chunks(
            duration,
            chunk_seconds(video.width, video.height, video.fps),
        );
        let count = parts.len();
        let mut pieces = Vec::with_capacity(count);
        for (i, (start, length)) in parts.into_iter().enumerate() {
            let name = format!("chunk-{i:04}.{container}");
            let mut args: Vec<String> = vec![
                "-ss".into(),
                fmt_num(start),
                "-t".into(),
                fmt_num(length),
                "-i".into(),
                input.name.clone(),
                "-map".into(),
                "0:v:0".into(),
                "-vf".into(),
                format!("format=yuv420p,reverse,{EVEN_SIZE}"),
            ];
            args.extend(video_encoder(container));
            if has_audio {
                args.extend([
                    "-map".into(),
                    "0:a:0".into(),
                    "-af".into(),
                    "areverse".into(),
                ]);
                args.extend(audio_args_for(container, None));
            } else {
                args.push("-an".into());
            }
            args.extend(["-sn".into(), "-dn".into(), name.clone()]);
            let from = 5 + (85 * i / count) as u8;
            let to = 5 + (85 * (i + 1) / count) as u8;
            let file = FfmpegRun::new()
                .args(args)
                .file(input.clone())
                .output(name.clone())
                .progress(length, from, to, "Reversing video")
                .run()?
                .files
                .remove(0);
            pieces.push(Input {
                name,
                media_type: file.media_type,
                data: file.data,
            });
        }
        let names: Vec<String> = pieces.iter().map(|p| p.name.clone()).collect();
        let out = format!("output.{container}");
        let mut join = FfmpegRun::new()
            .args([
                "-f",
                "concat",
                "-i",
                "chunks.ffconcat",
                "-map",
                "0",
                "-c",
                "copy",
            ])
            .args(muxer_args(container))
            .arg(out.clone())
            .file(Input {
                name: "chunks.ffconcat".into(),
                media_type: "text/plain".into(),
                data: reversed_list(&names).into_bytes(),
            })
            .output(out)
            .progress(duration, 90, 99, "Joining");
        for piece in pieces {
            join = join.file(piece);
        }
        let file = join.run()?.files.remove(0);
        Ok(Output::file(renamed(file, source.stem(), container)))
    }
}

lathe_native_sdk::export_native_tool!(ReverseVideo);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_fit_the_budget_and_cover_the_video() {
        let c = chunk_seconds(1920, 1080, 30.0);
        assert!(1920.0 * 1080.0 * 1.5 * 30.0 * c <= CHUNK_BUDGET_BYTES + 1.0);
        assert_eq!(chunk_seconds(160, 120, 10.0), 10.0);
        assert_eq!(chunk_seconds(7680, 4320, 120.0), 0.2);
        let parts = chunks(25.0, 10.0);
        assert_eq!(parts, vec![(0.0, 10.0), (10.0, 10.0), (20.0, 5.0)]);
        let names = vec!["a.mp4".to_string(), "b.mp4".to_string()];
        assert_eq!(
            reversed_list(&names),
            "ffconcat version 1.0\nfile b.mp4\nfile a.mp4\n"
        );
    }
}
