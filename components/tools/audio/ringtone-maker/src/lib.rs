//! `audio/ringtone-maker`: up to 30 seconds of audio as a phone ringtone, with short
//! fades at both ends (native tool: ffmpeg). iPhone M4R (AAC in MP4) by default.

use lathe_media_kit::audio::{audio_duration, filtered_audio, pre_roll_seek, start_inside};
use lathe_media_kit::catalog::one_audio_file_info;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::settings::start_seconds;
use lathe_media_kit::{fmt_num, AudioFormat};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The ringtone's file type: not in seed 001, which names none; M4R unless asked.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RingtoneFormat {
    /// iPhone ringtone: AAC in an MP4 file named `.m4r`.
    #[default]
    M4r,
    /// The same AAC file named `.m4a` (Android and most players).
    M4a,
    /// MP3 (every Android phone).
    Mp3,
}

/// Seed 001's settings `startS` (default 0) and `durationS` (1 to 30, default 30), plus
/// the optional `format`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    start_s: f64,
    #[serde(default = "default_duration")]
    duration_s: f64,
    #[serde(default)]
    format: RingtoneFormat,
}

fn default_duration() -> f64 {
    30.0
}

/// Fades of a ringtone of `length` seconds: in over a tenth (at most 0.5 s), out over a
/// fifth (at most 1 s).
fn fades(length: f64) -> String {
    let fade_in = (length * 0.1).min(0.5);
    let fade_out = (length * 0.2).min(1.0);
    format!(
        "afade=t=in:st=0:d={},afade=t=out:st={}:d={}",
        fmt_num(fade_in),
        fmt_num(length - fade_out),
        fmt_num(fade_out)
    )
}

/// The tool.
struct RingtoneMaker;

impl Tool for RingtoneMaker {
    fn describe() -> ToolInfo {
        one_audio_file_info(
            (
                "ringtone-maker",
                "Ringtone Maker",
                "Cut up to 30 seconds of audio into a phone ringtone (iPhone M4R by default) with short fades.",
            ),
            serde_json::json!({
                "startS": {"type": "number", "minimum": 0, "default": 0},
                "durationS": {"type": "number", "minimum": 1, "maximum": 30, "default": 30},
                "format": {"type": "string", "enum": ["m4r", "m4a", "mp3"], "default": "m4r"}
            }),
            Produces::by_setting("format", &["m4r", "m4a", "mp3"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let start = start_seconds(settings.start_s)?;
        let wanted = check_range("durationS", settings.duration_s, 1.0, 30.0)?;
        let (audio, ext) = match settings.format {
            RingtoneFormat::M4r => (AudioFormat::M4a, "m4r"),
            RingtoneFormat::M4a => (AudioFormat::M4a, "m4a"),
            RingtoneFormat::Mp3 => (AudioFormat::Mp3, "mp3"),
        };
        let mut output = single_output(
            &inputs[0],
            Needs::Audio,
            audio.extension(),
            "Making the ringtone",
            |info| {
                let total = audio_duration(info);
                start_inside(start, total)?;
                let length = wanted.min(total - start);
                // A fast seek to a second ahead, then the exact cut inside the filter, so
                // that the fades see the ringtone's own timeline (an output `-ss` would
                // cut after them).
                let (before_input, seek) = pre_roll_seek(start);
                let filter = format!(
                    "atrim=start={}:duration={},asetpts=PTS-STARTPTS,{}",
                    fmt_num(start - seek),
                    fmt_num(length),
                    fades(length)
                );
                Ok(Plan {
                    before_input,
                    args: filtered_audio(audio, &filter),
                    duration: Some(length),
                    ..Plan::default()
                })
            },
        )?;
        // `output.m4a` (the ipod muxer) becomes `<stem>.m4r`; the bytes are the same.
        for file in &mut output.files {
            if let Some(stem) = file.name.strip_suffix(audio.extension()) {
                file.name = format!("{stem}{ext}");
            }
        }
        Ok(output)
    }
}

lathe_native_sdk::export_native_tool!(RingtoneMaker);

#[cfg(test)]
mod tests {
    #[test]
    fn fades_fit_short_ringtones() {
        assert_eq!(
            super::fades(30.0),
            "afade=t=in:st=0:d=0.5,afade=t=out:st=29:d=1"
        );
        assert_eq!(
            super::fades(2.0),
            "afade=t=in:st=0:d=0.2,afade=t=out:st=1.6:d=0.4"
        );
    }
}
