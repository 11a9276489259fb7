//! `video/burn-subtitles`: an SRT, WebVTT or ASS subtitle file drawn into a video's
//! picture (hard subtitles, shown by every player) with the bundled font (native tool:
//! ffmpeg, libass).

use lathe_media_kit::formats::EVEN_SIZE;
use lathe_media_kit::redraw::{filtered_run, EXTENSION};
use lathe_media_kit::video_compose::{
    probe_input, probe_video, video_and_subtitle, VIDEO_OR_SUBTITLE_EXTENSIONS,
};
use lathe_media_kit::{fmt_num, font_file};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's setting: `fontSize` (ASS points, on libass's 288-line reference frame).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default = "default_font_size")]
    font_size: f64,
}

fn default_font_size() -> f64 {
    24.0
}

/// The `subtitles` filter over `subs` with the bundled DejaVu Sans (`font.ttf` in the
/// scratch directory) at `size`.
fn subtitles_filter(subs: &str, size: f64) -> String {
    format!(
        "subtitles=filename={subs}:fontsdir=.:force_style='FontName=DejaVu Sans,FontSize={}',\
         {EVEN_SIZE},format=yuv420p",
        fmt_num(size)
    )
}

/// The tool.
struct BurnSubtitles;

impl Tool for BurnSubtitles {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "burn-subtitles",
            section: Section::Video,
            name: "Burn Subtitles",
            description: "Draw subtitles (.srt, .vtt, .ass) into a video's picture so every player shows them.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "fontSize": {"type": "integer", "minimum": 8, "maximum": 72, "default": 24}
                }
            }),
            min_inputs: 2,
            max_inputs: 2,
            accepts: VIDEO_OR_SUBTITLE_EXTENSIONS,
            produces: Produces::types(&["mp4"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let size = check_range("fontSize", settings.font_size, 8.0, 72.0)?.round();
        let (v, s) = video_and_subtitle(&inputs)?;
        let (video, info, _) = probe_video(&inputs[v], 0)?;
        // The subtitle file goes in under a fixed scratch name, probed like any input.
        let sub_ext = inputs[s].extension();
        let (mut subs, _) = probe_input(&inputs[s], 1)?;
        subs.name = format!("subs.{sub_ext}");
        let file = filtered_run(&video, subtitles_filter(&subs.name, size))
            .file(subs)
            .file(font_file())
            .progress(info.duration, 5, 99, "Burning subtitles")
            .run_named(inputs[v].stem(), EXTENSION)?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(BurnSubtitles);

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundled_font_is_forced() {
        let filter = super::subtitles_filter("subs.srt", 24.0);
        assert!(filter.starts_with(
            "subtitles=filename=subs.srt:fontsdir=.:force_style='FontName=DejaVu Sans,FontSize=24'"
        ));
    }
}
