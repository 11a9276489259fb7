//! The common shape of the tools that edit one video and keep its container: an optional
//! video filter (the picture is re-encoded only when there is one, or when the container
//! cannot hold the codec), what happens to the audio, and sizes computed from the frame
//! as it is shown.

use lathe_tool_sdk::{invalid_settings, Input, Output, ToolError};

use crate::formats::{strings, EVEN_SIZE};
use crate::probe::MediaInfo;
use crate::run::{single_output, Needs, Plan};
use crate::settings::{end_after, even_down, start_seconds};
use crate::video_compose::{
    audio_args_for, kept_container, muxer_args, video_args_for, video_encoder,
};

/// What an edit does to the audio track.
#[derive(Debug, Default, Clone, PartialEq)]
pub enum AudioEdit {
    /// Copied when the container holds its codec, else re-encoded.
    #[default]
    Keep,
    /// Run through this `-af` filter chain and re-encoded.
    Filter(String),
    /// Removed.
    Drop,
}

/// What an edit does, built from the probed input.
#[derive(Debug, Default, Clone)]
pub struct Edit {
    /// Arguments before `-i` (a seek, a length).
    pub before_input: Vec<String>,
    /// The `-vf` chain; `None` copies the picture when the container takes its codec.
    pub video_filter: Option<String>,
    /// The audio track.
    pub audio: AudioEdit,
    /// Output arguments after the encoders (e.g. `-t 5`).
    pub extra: Vec<String>,
    /// Output duration in seconds, when it is not the input's (for progress).
    pub duration: Option<f64>,
}

/// The arguments of an [`Edit`] for an input probed as `info`, written as `container`.
pub fn edit_args(container: &str, info: &MediaInfo, edit: &Edit) -> Vec<String> {
    let codec = info.video.as_ref().map(|v| v.codec.as_str()).unwrap_or("");
    let mut args = strings(&["-map", "0:v:0"]);
    let audio = info.audio.as_ref().map(|a| a.codec.as_str());
    let keep_audio = audio.is_some() && edit.audio != AudioEdit::Drop;
    if keep_audio {
        args.extend(strings(&["-map", "0:a:0"]));
    }
    match &edit.video_filter {
        Some(filter) => {
            args.extend(["-vf".to_string(), format!("{filter},{EVEN_SIZE}")]);
            args.extend(video_encoder(container));
        }
        None => args.extend(video_args_for(container, codec)),
    }
    if keep_audio {
        match &edit.audio {
            AudioEdit::Filter(filter) => {
                args.extend(["-af".to_string(), filter.clone()]);
                args.extend(audio_args_for(container, None));
            }
            _ => args.extend(audio_args_for(container, audio)),
        }
    } else {
        args.push("-an".into());
    }
    args.extend(strings(&["-sn", "-dn"]));
    args.extend(muxer_args(container));
    args.extend(edit.extra.iter().cloned());
    args
}

/// Runs a one-video edit: probe (a video stream is required), the [`Edit`] built from
/// the probe, the result in the input's container ([`kept_container`]) named after it.
pub fn edit_video(
    source: &Input,
    message: &str,
    build: impl FnOnce(&MediaInfo) -> Result<Edit, ToolError>,
) -> Result<Output, ToolError> {
    let container = kept_container(&source.extension());
    single_output(source, Needs::Video, container, message, |info| {
        let edit = build(info)?;
        Ok(Plan {
            before_input: edit.before_input.clone(),
            args: edit_args(container, info, &edit),
            duration: edit.duration,
            ..Plan::default()
        })
    })
}

/// Runs a one-video edit that only filters the picture: `build` returns the `-vf` chain
/// for the probed input; the audio is kept (see [`edit_video`]).
pub fn filter_video(
    source: &Input,
    message: &str,
    build: impl FnOnce(&MediaInfo) -> Result<String, ToolError>,
) -> Result<Output, ToolError> {
    edit_video(source, message, |info| {
        Ok(Edit {
            video_filter: Some(build(info)?),
            ..Edit::default()
        })
    })
}

/// `value` rounded to the nearest even number, at least 2.
fn even_round(value: f64) -> u32 {
    (((value / 2.0).round() as u32) * 2).max(2)
}

/// The even frame size that brings the shorter side of `w` × `h` down to `short` pixels,
/// keeping the aspect ratio; `None` when it is already that small (never enlarges).
pub fn shrink_short_side(w: u32, h: u32, short: u32) -> Option<(u32, u32)> {
    let current = w.min(h);
    if current <= short || current == 0 {
        return None;
    }
    let scale = short as f64 / current as f64;
    let fit = |side: u32| even_round(side as f64 * scale);
    Some(if w <= h {
        (even_down(short), fit(h))
    } else {
        (fit(w), even_down(short))
    })
}

/// The even frame size that brings the shorter side of `w` × `h` to `short` pixels, up or
/// down, keeping the aspect ratio.
pub fn scale_short_side(w: u32, h: u32, short: u32) -> (u32, u32) {
    let scale = short as f64 / w.min(h).max(1) as f64;
    let fit = |side: u32| even_round(side as f64 * scale);
    if w <= h {
        (even_down(short), fit(h))
    } else {
        (fit(w), even_down(short))
    }
}

/// Seed 001's `startS`/`endS` against a file of `duration` seconds: the start and the
/// length to keep. A start at or past the end, or an end not after the start, is 400; an
/// end past the file means to the end.
pub fn time_range(start: f64, end: f64, duration: f64) -> Result<(f64, f64), ToolError> {
    let start = start_seconds(start)?;
    let end = end_after(start, end)?;
    if duration > 0.0 && start >= duration {
        return Err(invalid_settings(format!(
            "startS ({start}) is past the end of the video ({duration:.2} s)"
        )));
    }
    let end = if duration > 0.0 {
        end.min(duration)
    } else {
        end
    };
    Ok((start, end - start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(codec: &str, audio: Option<&str>) -> MediaInfo {
        let mut streams = vec![serde_json::json!({
            "codec_type": "video", "codec_name": codec, "width": 320, "height": 240,
            "avg_frame_rate": "10/1"
        })];
        if let Some(a) = audio {
            streams.push(serde_json::json!({
                "codec_type": "audio", "codec_name": a, "channels": 2, "sample_rate": "44100"
            }));
        }
        MediaInfo::from_report(
            serde_json::json!({"format": {"duration": "2.0"}, "streams": streams}),
        )
    }

    #[test]
    fn a_picture_without_filter_is_copied_and_audio_follows_the_edit() {
        let keep = edit_args("mp4", &info("h264", Some("aac")), &Edit::default());
        assert!(keep.windows(2).any(|w| w == ["-c:v", "copy"]));
        assert!(keep.windows(2).any(|w| w == ["-c:a", "copy"]));
        let drop = Edit {
            audio: AudioEdit::Drop,
            ..Edit::default()
        };
        let muted = edit_args("mp4", &info("h264", Some("aac")), &drop);
        assert!(muted.contains(&"-an".to_string()));
        assert!(!muted.contains(&"0:a:0".to_string()));
        let filtered = Edit {
            video_filter: Some("hflip".into()),
            audio: AudioEdit::Filter("atempo=2".into()),
            ..Edit::default()
        };
        let args = edit_args("webm", &info("vp9", Some("opus")), &filtered);
        assert!(args.contains(&format!("hflip,{EVEN_SIZE}")));
        assert!(args.contains(&"libvpx-vp9".to_string()));
        assert!(args.windows(2).any(|w| w == ["-c:a", "libopus"]));
        // No audio track: nothing to map.
        let silent = edit_args("mp4", &info("h264", None), &filtered);
        assert!(silent.contains(&"-an".to_string()));
        assert!(!silent.contains(&"-af".to_string()));
    }

    #[test]
    fn short_sides_shrink_but_never_grow() {
        assert_eq!(shrink_short_side(1920, 1080, 720), Some((1280, 720)));
        assert_eq!(shrink_short_side(1080, 1920, 480), Some((480, 854)));
        assert_eq!(shrink_short_side(640, 360, 720), None);
        assert_eq!(scale_short_side(640, 360, 720), (1280, 720));
        assert_eq!(scale_short_side(1080, 1920, 360), (360, 640));
    }

    #[test]
    fn time_ranges_are_checked_and_clamped() {
        assert_eq!(time_range(1.0, 3.0, 10.0), Ok((1.0, 2.0)));
        assert_eq!(time_range(1.0, 30.0, 10.0), Ok((1.0, 9.0)));
        assert!(time_range(3.0, 3.0, 10.0).is_err());
        assert!(time_range(-1.0, 3.0, 10.0).is_err());
        assert!(time_range(10.0, 12.0, 10.0).is_err());
    }
}
