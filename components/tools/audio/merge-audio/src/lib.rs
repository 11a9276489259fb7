//! `audio/merge-audio`: 2 to 10 audio files (or videos' audio) joined one after the other
//! (native tool: ffmpeg).

use lathe_media_kit::audio::{
    audio_duration, encoder_args, output_rate, AUDIO_OR_VIDEO_EXTENSIONS, DEFAULT_KBPS,
};
use lathe_media_kit::concat::ConcatGraph;
use lathe_media_kit::{scratch, AudioFormat, MediaInfo};
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Seed 001's setting: `format` of the result (also `ogg`, `aac` and `opus`).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    format: AudioFormat,
}

/// The `concat` graph: every input's first audio stream brought to one rate, layout and
/// sample format (concat needs them equal), then joined in upload order.
fn merge_graph(count: usize, rate: u32, layout: &str) -> String {
    let mut graph = ConcatGraph::new();
    for i in 0..count {
        graph.push(
            &format!(
                "[{i}:a:0]aformat=sample_fmts=fltp:sample_rates={rate}:channel_layouts={layout}"
            ),
            &format!("a{i}"),
        );
    }
    graph.join(count, (0, 1), "[out]")
}

/// The tool.
struct MergeAudio;

impl Tool for MergeAudio {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "merge-audio",
            section: Section::Audio,
            name: "Merge Audio",
            description: "Join 2 to 10 audio files one after another into one file.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "format": {
                        "type": "string",
                        "enum": ["mp3", "wav", "flac", "m4a", "ogg", "aac", "opus"],
                        "default": "mp3"
                    }
                }
            }),
            min_inputs: 2,
            max_inputs: 10,
            accepts: AUDIO_OR_VIDEO_EXTENSIONS,
            produces: Produces::by_setting(
                "format",
                &["mp3", "wav", "flac", "m4a", "ogg", "aac", "opus"],
            ),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let format = settings.format;
        let mut run = FfmpegRun::new();
        let mut total = 0.0;
        let mut first_rate = 0;
        let mut stereo = false;
        for (i, source) in inputs.iter().enumerate() {
            let input = scratch(source, i);
            let named = |e: ToolError| unsupported(format!("{}: {}", source.name, e.detail()));
            let info = MediaInfo::probe(&input, &source.extension()).map_err(named)?;
            let audio = info.require_audio().map_err(named)?;
            if i == 0 {
                first_rate = audio.sample_rate;
            }
            stereo |= audio.channels >= 2;
            total += audio_duration(&info);
            run = run.arg("-i").arg(input.name.clone()).file(input);
        }
        let layout = if stereo { "stereo" } else { "mono" };
        let graph = merge_graph(inputs.len(), output_rate(format, first_rate), layout);
        let out = format!("output.{}", format.extension());
        let file = run
            .args(["-filter_complex", graph.as_str(), "-map", "[out]"])
            .args(encoder_args(format, DEFAULT_KBPS))
            .writes(out)
            .progress(total, 5, 99, "Merging audio")
            .run_named(inputs[0].stem(), format.extension())?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(MergeAudio);

#[cfg(test)]
mod tests {
    #[test]
    fn the_graph_joins_every_input() {
        assert_eq!(
            super::merge_graph(2, 44100, "stereo"),
            "[0:a:0]aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=stereo[a0];\
             [1:a:0]aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=stereo[a1];\
             [a0][a1]concat=n=2:v=0:a=1[out]"
        );
    }
}
