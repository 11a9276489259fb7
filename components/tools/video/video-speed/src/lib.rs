//! `video/video-speed`: a video played faster or slower, its audio with it, at the same
//! pitch by default (native tool: ffmpeg).

use lathe_media_kit::audio::atempo_chain;
use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::fmt_num;
use lathe_media_kit::video_edit::{edit_video, AudioEdit, Edit};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `factor` 0.25 to 4 (default 2: twice as fast) and `keepPitch`
/// (default true; false plays the sound faster and higher, like a tape).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default = "default_factor")]
    factor: f64,
    #[serde(default = "default_keep_pitch")]
    keep_pitch: bool,
}

fn default_factor() -> f64 {
    2.0
}

fn default_keep_pitch() -> bool {
    true
}

/// The audio filter: `atempo` stages keep the pitch; otherwise the samples are declared
/// at a higher (or lower) rate and resampled back, which moves the pitch with the speed.
fn audio_filter(factor: f64, keep_pitch: bool, sample_rate: u32) -> String {
    if keep_pitch {
        atempo_chain(factor)
    } else {
        let rate = sample_rate.max(8000);
        format!(
            "asetrate={},aresample={rate}",
            (rate as f64 * factor).round() as u64
        )
    }
}

/// The tool.
struct VideoSpeed;

impl Tool for VideoSpeed {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "video-speed",
                "Video Speed",
                "Speed a video up or slow it down (0.25× to 4×), keeping the audio's pitch or not.",
            ),
            serde_json::json!({
                "factor": {"type": "number", "minimum": 0.25, "maximum": 4, "default": 2},
                "keepPitch": {"type": "boolean", "default": true}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let factor = check_range("factor", settings.factor, 0.25, 4.0)?;
        edit_video(&inputs[0], "Changing speed", |info| {
            let rate = info.audio.as_ref().map(|a| a.sample_rate).unwrap_or(0);
            Ok(Edit {
                video_filter: Some(format!("setpts=PTS/{}", fmt_num(factor))),
                audio: AudioEdit::Filter(audio_filter(factor, settings.keep_pitch, rate)),
                duration: Some(info.duration / factor),
                ..Edit::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(VideoSpeed);

#[cfg(test)]
mod tests {
    #[test]
    fn pitch_is_kept_by_tempo_or_moved_by_rate() {
        assert_eq!(super::audio_filter(2.0, true, 44100), "atempo=2");
        assert_eq!(
            super::audio_filter(2.0, false, 44100),
            "asetrate=88200,aresample=44100"
        );
    }
}
