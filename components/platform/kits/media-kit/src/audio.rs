//! Shared pieces of the audio tools: what they accept, encoders that work for every
//! bitrate, channel count and sample rate, and the `-af` runner most of them are.

use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{Input, Output, ToolError};

use crate::formats::{strings, AudioFormat};
use crate::probe::MediaInfo;
use crate::run::{single_output, Needs, Plan};

/// Audio files and video containers: the audio tools that read a video use its first
/// audio stream.
pub const AUDIO_OR_VIDEO_EXTENSIONS: &[&str] = &[
    "mp3", "wav", "flac", "aac", "m4a", "ogg", "oga", "opus", "wma", "aiff", "aif", "amr", "ac3",
    "mp4", "mov", "mkv", "webm", "avi", "m4v", "mpeg", "mpg", "flv", "wmv", "3gp", "ts", "mts",
    "m2ts", "ogv",
];

/// The bitrate of lossy outputs when a tool has no bitrate setting (kbps).
pub const DEFAULT_KBPS: u32 = 192;

/// Vorbis quality levels and the bitrate each gives for stereo 44.1 kHz (kbps).
const VORBIS_QUALITY: [(f64, f64); 12] = [
    (-1.0, 45.0),
    (0.0, 64.0),
    (1.0, 80.0),
    (2.0, 96.0),
    (3.0, 112.0),
    (4.0, 128.0),
    (5.0, 160.0),
    (6.0, 192.0),
    (7.0, 224.0),
    (8.0, 256.0),
    (9.0, 320.0),
    (10.0, 500.0),
];

/// Encoder arguments for `format` at about `kbps` (ignored by lossless formats). Unlike
/// [`AudioFormat::codec_args`] these open for any channel count and sample rate: Ogg
/// Vorbis gets the VBR quality nearest the bitrate (libvorbis refuses many managed
/// bitrates, e.g. 32k stereo or 256k mono), Opus is capped at 256 kbps (its limit per
/// channel), M4A is written for streaming (`+faststart`).
pub fn encoder_args(format: AudioFormat, kbps: u32) -> Vec<String> {
    match format {
        AudioFormat::Ogg => {
            let k = kbps as f64;
            let mut q = VORBIS_QUALITY[0].0;
            for pair in VORBIS_QUALITY.windows(2) {
                let ((q0, k0), (q1, k1)) = (pair[0], pair[1]);
                if k >= k0 {
                    q = if k >= k1 {
                        q1
                    } else {
                        q0 + (k - k0) / (k1 - k0) * (q1 - q0)
                    };
                }
            }
            vec![
                "-c:a".into(),
                "libvorbis".into(),
                "-q:a".into(),
                crate::fmt_num(q),
            ]
        }
        AudioFormat::Opus => format.codec_args(Some(kbps.min(256))),
        AudioFormat::M4a => {
            let mut a = format.codec_args(Some(kbps));
            a.extend(strings(&["-movflags", "+faststart"]));
            a
        }
        _ => format.codec_args(Some(kbps)),
    }
}

/// The format a tool without a format setting writes for `input`: the input's own when we
/// can write it, else MP3 (video containers, WMA, AIFF, AMR, AC-3).
pub fn kept_format(input: &Input) -> AudioFormat {
    AudioFormat::keeping(&input.extension())
}

/// A sample rate `format` can encode, as close to `rate` as it allows: Opus always 48 kHz;
/// MP3 and AAC the MPEG rates (else 44.1 kHz); the others `rate` itself (44.1 kHz when
/// unknown). For filters that change the rate (`loudnorm` works at 192 kHz).
pub fn output_rate(format: AudioFormat, rate: u32) -> u32 {
    const MPEG_RATES: [u32; 9] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
    match format {
        AudioFormat::Opus => 48000,
        AudioFormat::Mp3 | AudioFormat::M4a | AudioFormat::Aac => {
            if MPEG_RATES.contains(&rate) {
                rate
            } else {
                44100
            }
        }
        _ if rate == 0 => 44100,
        _ => rate.min(192_000),
    }
}

/// How long the first audio stream lasts: its own duration when ffprobe reports one (a
/// video's audio may end before its picture), else the container's.
pub fn audio_duration(info: &MediaInfo) -> f64 {
    info.stream_report("audio")
        .and_then(|s| s["duration"].as_str())
        .and_then(|d| d.parse::<f64>().ok())
        .filter(|d| *d > 0.0)
        .unwrap_or(info.duration)
}

/// Seconds decoded before a seek target (see [`seek_args`]).
pub const PRE_ROLL_S: f64 = 1.0;

/// A fast seek to [`PRE_ROLL_S`] before `start` (not before the file's start): the
/// arguments before `-i` (none at the file's start) and the time sought to, in seconds.
pub fn pre_roll_seek(start: f64) -> (Vec<String>, f64) {
    let pre = (start - PRE_ROLL_S).max(0.0);
    let before = if pre > 0.0 {
        vec!["-ss".to_string(), crate::fmt_num(pre)]
    } else {
        Vec::new()
    };
    (before, pre)
}

/// An exact start at `start` seconds: a fast seek before `-i` to a second earlier, then
/// an output `-ss` for the rest. A bare input seek makes some decoders (MP3's bit
/// reservoir) start with a few frames of silence; decoding a second ahead avoids that.
/// Returns the arguments before `-i` and those for the output.
pub fn seek_args(start: f64) -> (Vec<String>, Vec<String>) {
    let (before, pre) = pre_roll_seek(start);
    let after = if start - pre > 0.0 {
        vec!["-ss".to_string(), crate::fmt_num(start - pre)]
    } else {
        Vec::new()
    };
    (before, after)
}

/// 400 when `start` (seed 001's `startS`) is at or past the end of audio lasting
/// `duration` seconds.
pub fn start_inside(start: f64, duration: f64) -> Result<(), ToolError> {
    if start >= duration {
        return Err(lathe_tool_sdk::invalid_settings(format!(
            "startS ({start}) is past the end of the audio ({} s)",
            crate::fmt_num(duration)
        )));
    }
    Ok(())
}

/// A measuring pass: `filter` over `input`'s first audio stream, written nowhere, with
/// progress from `from` to `to` percent; returns ffmpeg's log, where the filter printed
/// what it measured (`loudnorm`, `silencedetect`).
pub fn measuring_log(
    input: &Input,
    filter: &str,
    duration: f64,
    (from, to): (u8, u8),
    message: &str,
) -> Result<String, ToolError> {
    Ok(FfmpegRun::new()
        .args(["-i", input.name.as_str(), "-map", "0:a:0", "-af", filter])
        .args(["-f", "null", "null"])
        .file(input.clone())
        .progress(duration, from, to, message)
        .with_log()
        .run()?
        .log)
}

/// An `atempo` chain whose product is `factor`: ffmpeg 5.1's `atempo` takes 0.5 to 2 per
/// stage, so 4 becomes `atempo=2,atempo=2` and 0.25 `atempo=0.5,atempo=0.5`.
pub fn atempo_chain(factor: f64) -> String {
    let mut rest = factor;
    let mut stages = Vec::new();
    while rest > 2.0 {
        stages.push(2.0);
        rest /= 2.0;
    }
    while rest < 0.5 {
        stages.push(0.5);
        rest /= 0.5;
    }
    stages.push(rest);
    stages
        .iter()
        .map(|s| format!("atempo={}", fmt_tempo(*s)))
        .collect::<Vec<_>>()
        .join(",")
}

/// A tempo with six decimals (three would make 4/3 speeds drift).
fn fmt_tempo(value: f64) -> String {
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Arguments of an audio-only output of the input's first audio stream through `filter`
/// (none when empty), encoded as `format` at [`DEFAULT_KBPS`].
pub fn filtered_audio(format: AudioFormat, filter: &str) -> Vec<String> {
    audio_args(format, filter, DEFAULT_KBPS)
}

/// [`filtered_audio`] at `kbps`.
pub fn audio_args(format: AudioFormat, filter: &str, kbps: u32) -> Vec<String> {
    let mut args = strings(&["-map", "0:a:0", "-vn", "-sn", "-dn"]);
    if !filter.is_empty() {
        args.push("-af".into());
        args.push(filter.to_string());
    }
    args.extend(encoder_args(format, kbps));
    args
}

/// What [`audio_filter_tool`]'s builder returns: the filter, and optionally arguments
/// before `-i` (a fast seek) and the output's duration when it is not the input's.
#[derive(Debug, Default, Clone)]
pub struct AudioPlan {
    /// The `-af` filter chain (empty: none).
    pub filter: String,
    /// Arguments before `-i`.
    pub before_input: Vec<String>,
    /// Arguments after the filter and encoder (e.g. `-t 5`).
    pub extra: Vec<String>,
    /// Output duration in seconds, when it differs from the input's.
    pub duration: Option<f64>,
}

/// The audio formats an audio tool writes (the input's, see [`kept_format`]).
pub const AUDIO_OUTPUTS: &[&str] = &["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"];

/// The catalog entry of an audio tool that takes one audio (or video) file and writes audio
/// in its format; `properties` is its settings schema's `properties` object.
pub fn one_audio_tool_info(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    properties: serde_json::Value,
) -> lathe_tool_sdk::ToolInfo {
    crate::catalog::one_audio_file_info(
        (id, name, description),
        properties,
        lathe_tool_sdk::Produces::types(AUDIO_OUTPUTS),
    )
}

/// The common audio tool: one input with an audio stream, one filter chain, the output in
/// the input's format ([`kept_format`]) named `<stem>.<ext>`.
pub fn audio_filter_tool(
    source: &Input,
    message: &str,
    build: impl FnOnce(&MediaInfo) -> Result<AudioPlan, ToolError>,
) -> Result<Output, ToolError> {
    let format = kept_format(source);
    single_output(source, Needs::Audio, format.extension(), message, |info| {
        let plan = build(info)?;
        let mut args = filtered_audio(format, &plan.filter);
        args.extend(plan.extra);
        Ok(Plan {
            before_input: plan.before_input,
            args,
            duration: plan.duration,
            ..Plan::default()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atempo_stages_stay_in_range() {
        assert_eq!(atempo_chain(1.5), "atempo=1.5");
        assert_eq!(atempo_chain(4.0), "atempo=2,atempo=2");
        assert_eq!(atempo_chain(3.0), "atempo=2,atempo=1.5");
        assert_eq!(atempo_chain(0.25), "atempo=0.5,atempo=0.5");
        assert_eq!(atempo_chain(0.3), "atempo=0.5,atempo=0.6");
    }

    #[test]
    fn vorbis_quality_follows_the_bitrate() {
        let q = |k| encoder_args(AudioFormat::Ogg, k)[3].clone();
        assert_eq!(q(32), "-1");
        assert_eq!(q(192), "6");
        assert_eq!(q(320), "9");
        assert_eq!(q(144), "4.5");
        assert_eq!(encoder_args(AudioFormat::Opus, 320)[3], "256k");
    }

    #[test]
    fn seeks_decode_a_second_ahead() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(seek_args(0.0), (vec![], vec![]));
        assert_eq!(seek_args(0.5), (vec![], s(&["-ss", "0.5"])));
        assert_eq!(seek_args(61.25), (s(&["-ss", "60.25"]), s(&["-ss", "1"])));
    }

    #[test]
    fn rates_fit_the_encoder() {
        assert_eq!(output_rate(AudioFormat::Opus, 44100), 48000);
        assert_eq!(output_rate(AudioFormat::Mp3, 96000), 44100);
        assert_eq!(output_rate(AudioFormat::Flac, 96000), 96000);
        assert_eq!(output_rate(AudioFormat::Wav, 0), 44100);
    }
}
