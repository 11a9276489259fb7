//! Shared pieces of the video tools that combine files (clips, audio, subtitles, images):
//! what they accept, probing several inputs, telling a video from its subtitle file,
//! fitting frames into one size and keeping a video's container when streams are copied.

use lathe_tool_sdk::{unsupported, Input, ToolError};

use crate::formats::{h264_args, strings, vp9_args, EVEN_SIZE};
use crate::probe::{MediaInfo, VideoStream};
use crate::run::scratch;

/// Still images the image-based video tools accept.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif"];

/// A video and a subtitle file (burning and embedding subtitles).
pub const VIDEO_OR_SUBTITLE_EXTENSIONS: &[&str] = &[
    "mp4", "mov", "mkv", "webm", "avi", "m4v", "mpeg", "mpg", "flv", "wmv", "3gp", "ts", "mts",
    "m2ts", "ogv", "srt", "vtt", "ass", "ssa",
];

/// Probes input `index` under its scratch name; an error names the client's file.
pub fn probe_input(source: &Input, index: usize) -> Result<(Input, MediaInfo), ToolError> {
    let input = scratch(source, index);
    let info = MediaInfo::probe(&input, &source.extension()).map_err(|e| named(source, e))?;
    Ok((input, info))
}

/// Probes input `index` as [`probe_input`] does and requires a video stream (a copy of it
/// comes third); an error names the client's file.
pub fn probe_video(
    source: &Input,
    index: usize,
) -> Result<(Input, MediaInfo, VideoStream), ToolError> {
    let (input, info) = probe_input(source, index)?;
    let video = info.require_video().map_err(|e| named(source, e))?.clone();
    Ok((input, info, video))
}

/// `error` with the client's file name in front (several inputs: which one is wrong).
pub fn named(source: &Input, error: ToolError) -> ToolError {
    let detail = format!("{}: {}", source.name, error.detail());
    match error {
        ToolError::InvalidSettings(_) => ToolError::InvalidSettings(detail),
        ToolError::UnsupportedInput(_) => ToolError::UnsupportedInput(detail),
        ToolError::TooLarge(_) => ToolError::TooLarge(detail),
        ToolError::Failed(_) => ToolError::Failed(detail),
    }
}

/// The size a video's frames are shown at: the stored size, turned when the stream says it
/// is rotated by 90° (ffmpeg turns such frames upright when it decodes them).
pub fn display_size(info: &MediaInfo) -> Option<(u32, u32)> {
    let video = info.video.as_ref()?;
    let stream = info.stream_report("video");
    let rotation = stream
        .and_then(|s| s["side_data_list"].as_array())
        .into_iter()
        .flatten()
        .find_map(|d| d["rotation"].as_f64())
        .or_else(|| {
            stream
                .and_then(|s| s["tags"]["rotate"].as_str())
                .and_then(|r| r.parse().ok())
        })
        .unwrap_or(0.0);
    let quarter = (rotation / 90.0).round() as i64;
    if quarter % 2 != 0 {
        Some((video.height, video.width))
    } else {
        Some((video.width, video.height))
    }
}

/// Filters that fit any frame into `w` × `h`: scaled down or up to fit, centred on black
/// bars, square pixels, 4:2:0.
pub fn fit_filter(w: u32, h: u32) -> String {
    format!(
        "scale={w}:{h}:force_original_aspect_ratio=decrease,\
         pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p"
    )
}

/// Which of two inputs is the video and which the subtitle file (by extension), as
/// `(video, subtitle)` indexes; 400 unless there is exactly one of each.
pub fn video_and_subtitle(inputs: &[Input]) -> Result<(usize, usize), ToolError> {
    let is_sub = |i: &Input| crate::SUBTITLE_EXTENSIONS.contains(&i.extension().as_str());
    let subs: Vec<usize> = (0..inputs.len()).filter(|&i| is_sub(&inputs[i])).collect();
    let videos: Vec<usize> = (0..inputs.len()).filter(|&i| !is_sub(&inputs[i])).collect();
    match (videos.as_slice(), subs.as_slice()) {
        ([v], [s]) => Ok((*v, *s)),
        _ => Err(unsupported(
            "send two files: one video and one subtitle file (.srt, .vtt, .ass or .ssa)",
        )),
    }
}

/// The container an edited copy of a video is written in: its own when it is MP4, MOV,
/// MKV or WebM (`.m4v` becomes MP4), else MP4.
pub fn kept_container(client_ext: &str) -> &'static str {
    match client_ext {
        "mov" => "mov",
        "mkv" => "mkv",
        "webm" => "webm",
        _ => "mp4",
    }
}

/// Whether a video stream of `codec` can be copied into `container` unchanged.
pub fn can_copy_video(container: &str, codec: &str) -> bool {
    match container {
        "mkv" => !codec.is_empty(),
        "webm" => matches!(codec, "vp8" | "vp9" | "av1"),
        "mov" => matches!(
            codec,
            "h264" | "hevc" | "mpeg4" | "av1" | "vp9" | "prores" | "mjpeg"
        ),
        _ => matches!(codec, "h264" | "hevc" | "mpeg4" | "av1" | "vp9"),
    }
}

/// Whether an audio stream of `codec` can be copied into `container` unchanged.
pub fn can_copy_audio(container: &str, codec: &str) -> bool {
    match container {
        "mkv" => !codec.is_empty(),
        "webm" => matches!(codec, "opus" | "vorbis"),
        _ => matches!(codec, "aac" | "mp3" | "ac3" | "eac3" | "alac"),
    }
}

/// The picture encoder of `container` (VP9 for WebM, H.264 for the others).
pub fn video_encoder(container: &str) -> Vec<String> {
    if container == "webm" {
        vp9_args(32)
    } else {
        h264_args(23)
    }
}

/// Video arguments for `container`: a copy when `codec` fits it, else a fresh encode
/// ([`video_encoder`]) with even dimensions.
pub fn video_args_for(container: &str, codec: &str) -> Vec<String> {
    if can_copy_video(container, codec) {
        return strings(&["-c:v", "copy"]);
    }
    let mut args = strings(&["-vf", EVEN_SIZE]);
    args.extend(video_encoder(container));
    args
}

/// Audio arguments for `container`: a copy when `codec` (`None`: the audio is new, e.g.
/// from another file) fits it, else Opus for WebM and AAC for the others.
pub fn audio_args_for(container: &str, codec: Option<&str>) -> Vec<String> {
    if codec.is_some_and(|c| can_copy_audio(container, c)) {
        return strings(&["-c:a", "copy"]);
    }
    if container == "webm" {
        strings(&["-c:a", "libopus", "-b:a", "128k"])
    } else {
        strings(&["-c:a", "aac", "-b:a", "192k"])
    }
}

/// Muxer options of `container` (MP4 and MOV start playing before they are downloaded).
pub fn muxer_args(container: &str) -> Vec<String> {
    match container {
        "mp4" | "mov" => strings(&["-movflags", "+faststart"]),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> Input {
        Input {
            name: name.into(),
            media_type: String::new(),
            data: Vec::new(),
        }
    }

    #[test]
    fn the_subtitle_file_is_told_apart_in_either_order() {
        assert_eq!(
            video_and_subtitle(&[input("a.mp4"), input("b.srt")]),
            Ok((0, 1))
        );
        assert_eq!(
            video_and_subtitle(&[input("b.VTT"), input("a.mkv")]),
            Ok((1, 0))
        );
        assert!(video_and_subtitle(&[input("a.mp4"), input("b.mp4")]).is_err());
        assert!(video_and_subtitle(&[input("a.srt"), input("b.ass")]).is_err());
    }

    #[test]
    fn streams_are_copied_only_into_containers_that_hold_them() {
        assert_eq!(kept_container("m4v"), "mp4");
        assert_eq!(kept_container("avi"), "mp4");
        assert_eq!(video_args_for("mp4", "h264"), ["-c:v", "copy"]);
        assert_eq!(video_args_for("webm", "h264")[3], "libvpx-vp9");
        assert_eq!(video_args_for("mp4", "wmv2")[3], "libx264");
        assert_eq!(audio_args_for("webm", Some("aac"))[1], "libopus");
        assert_eq!(audio_args_for("mkv", Some("pcm_s16le")), ["-c:a", "copy"]);
        assert_eq!(audio_args_for("mp4", None)[1], "aac");
    }

    #[test]
    fn rotated_videos_are_measured_upright() {
        let report = serde_json::json!({"format": {}, "streams": [{
            "codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
            "side_data_list": [{"rotation": -90}]
        }]});
        assert_eq!(
            display_size(&MediaInfo::from_report(report)),
            Some((1080, 1920))
        );
    }
}
