//! `video/embed-subtitles`: a subtitle file added to a video as a soft subtitle track with
//! a language tag (mov_text in MP4/MOV, SRT in MKV, WebVTT in WebM); picture and sound
//! are copied (native tool: ffmpeg).

use lathe_media_kit::video_compose::{
    audio_args_for, kept_container, muxer_args, probe_input, probe_video, video_and_subtitle,
    video_args_for, VIDEO_OR_SUBTITLE_EXTENSIONS,
};
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Seed 001's setting: the track's `language` (ISO 639-2, three letters).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default = "default_language")]
    language: String,
}

fn default_language() -> String {
    "eng".into()
}

/// The language code as stored: three ASCII letters, lower case.
fn language_code(value: &str) -> Result<String, ToolError> {
    let code = value.trim().to_ascii_lowercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err(invalid_settings(format!(
            "language must be an ISO 639-2 code of three letters (eng, fra, deu ...), got '{value}'"
        )))
    }
}

/// The text subtitle codec each container stores.
fn subtitle_codec(container: &str) -> &'static str {
    match container {
        "mkv" => "srt",
        "webm" => "webvtt",
        _ => "mov_text",
    }
}

/// The tool.
struct EmbedSubtitles;

impl Tool for EmbedSubtitles {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "embed-subtitles",
            section: Section::Video,
            name: "Embed Subtitles",
            description: "Add a subtitle file to a video as a track players can switch on and off.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "language": {"type": "string", "pattern": "^[A-Za-z]{3}$", "default": "eng"}
                }
            }),
            min_inputs: 2,
            max_inputs: 2,
            accepts: VIDEO_OR_SUBTITLE_EXTENSIONS,
            produces: Produces::types(&["mp4", "mov", "mkv", "webm"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let language = language_code(&settings.language)?;
        let (v, s) = video_and_subtitle(&inputs)?;
        let (video, info, stream) = probe_video(&inputs[v], 0)?;
        let (subs, _) = probe_input(&inputs[s], 1)?;
        let container = kept_container(&inputs[v].extension());
        // The video's own text subtitle tracks stay, the new one comes last.
        let kept: Vec<usize> = info
            .subtitles
            .iter()
            .filter(|t| t.is_text())
            .map(|t| t.index)
            .collect();
        let mut run = FfmpegRun::new()
            .args(["-i", video.name.as_str(), "-i", subs.name.as_str()])
            .args(["-map", "0:v:0", "-map", "0:a?"]);
        for index in &kept {
            run = run.args(["-map".to_string(), format!("0:s:{index}")]);
        }
        // Tracks already in this container are copied, others converted.
        let codec = subtitle_codec(container);
        let kept_codec = if inputs[v].extension() == container {
            "copy"
        } else {
            codec
        };
        let out = format!("output.{container}");
        let file = run
            .args(["-map", "1:0"])
            .args(video_args_for(container, &stream.codec))
            .args(audio_args_for(
                container,
                info.audio.as_ref().map(|a| a.codec.as_str()),
            ))
            .args(["-c:s", kept_codec])
            .args([format!("-c:s:{}", kept.len()), codec.to_string()])
            .args([
                format!("-metadata:s:s:{}", kept.len()),
                format!("language={language}"),
            ])
            .args(muxer_args(container))
            .writes(out)
            .file(video)
            .file(subs)
            .progress(info.duration, 5, 99, "Embedding subtitles")
            .run_named(inputs[v].stem(), container)?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(EmbedSubtitles);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_three_letters() {
        assert_eq!(language_code("FRA").unwrap(), "fra");
        assert!(language_code("en").is_err());
        assert!(language_code("e1g").is_err());
        assert_eq!(subtitle_codec("webm"), "webvtt");
    }
}
