//! `video/replace-audio`: a video's sound replaced by another file's audio; the picture is
//! kept as it is, the result ends with the shorter of the two (native tool: ffmpeg).

use lathe_media_kit::audio::{audio_duration, AUDIO_OR_VIDEO_EXTENSIONS};
use lathe_media_kit::settings::no_settings;
use lathe_media_kit::video_compose::{
    audio_args_for, kept_container, muxer_args, probe_input, video_args_for,
};
use lathe_media_kit::MediaInfo;
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{unsupported, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};

/// Which input gives the picture and which the sound, as `(video, audio)`: the one with a
/// video stream is the video; when both have one, the first is the video and the second
/// gives its audio.
fn roles(inputs: &[Input], infos: &[MediaInfo]) -> Result<(usize, usize), ToolError> {
    let has_video = |i: usize| infos[i].require_video().is_ok();
    let (video, audio) = match (has_video(0), has_video(1)) {
        (true, _) => (0, 1),
        (false, true) => (1, 0),
        (false, false) => {
            return Err(unsupported(
                "neither file has a video stream: send a video and an audio file",
            ))
        }
    };
    if infos[audio].audio.is_none() {
        return Err(unsupported(format!(
            "{}: the file contains no audio stream (send a video and an audio file)",
            inputs[audio].name
        )));
    }
    Ok((video, audio))
}

/// The tool.
struct ReplaceAudio;

impl Tool for ReplaceAudio {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "replace-audio",
            section: Section::Video,
            name: "Replace Audio",
            description:
                "Replace the sound of a video with an audio file (send the video and the audio).",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 2,
            max_inputs: 2,
            accepts: AUDIO_OR_VIDEO_EXTENSIONS,
            produces: Produces::types(&["mp4", "mov", "mkv", "webm"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
        let mut scratch = Vec::new();
        let mut infos = Vec::new();
        for (i, source) in inputs.iter().enumerate() {
            let (input, info) = probe_input(source, i)?;
            scratch.push(input);
            infos.push(info);
        }
        let (v, a) = roles(&inputs, &infos)?;
        let video = infos[v].require_video()?;
        let container = kept_container(&inputs[v].extension());
        let duration = infos[v].duration.min(audio_duration(&infos[a]));
        let out = format!("output.{container}");
        let audio_map = format!("{a}:a:0");
        let file = FfmpegRun::new()
            .args([
                "-i",
                scratch[0].name.as_str(),
                "-i",
                scratch[1].name.as_str(),
            ])
            .args(["-map".to_string(), format!("{v}:v:0")])
            .args(["-map", audio_map.as_str()])
            .args(video_args_for(container, &video.codec))
            .args(audio_args_for(container, None))
            .args(["-shortest", "-sn", "-dn"])
            .args(muxer_args(container))
            .writes(out)
            .file(scratch[0].clone())
            .file(scratch[1].clone())
            .progress(duration, 5, 99, "Replacing audio")
            .run_named(inputs[v].stem(), container)?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(ReplaceAudio);
