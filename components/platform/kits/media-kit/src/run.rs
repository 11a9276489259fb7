//! Scratch names, probing, output naming and the runner for the common shape of a media
//! tool: one input, ffmpeg arguments, one output.

use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{Input, Output, OutputFile, ToolError};

use crate::probe::MediaInfo;

/// The input under its scratch name `input-<index>.<ext>`: a client's file name never
/// reaches ffmpeg's command line.
pub fn scratch(source: &Input, index: usize) -> Input {
    let ext = source.extension();
    let ext = if !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        ext
    } else {
        "bin".to_string()
    };
    Input {
        name: format!("input-{index}.{ext}"),
        media_type: source.media_type.clone(),
        data: source.data.clone(),
    }
}

/// `file` renamed to `<stem>.<ext>` for the download.
pub fn renamed(mut file: OutputFile, stem: &str, ext: &str) -> OutputFile {
    file.name = format!("{stem}.{ext}");
    file
}

/// The bundled DejaVu Sans font as a scratch file `font.ttf` (for `drawtext`/`subtitles`),
/// so text looks the same on every server and ffmpeg needs no system font.
pub fn font_file() -> Input {
    Input {
        name: "font.ttf".into(),
        media_type: "font/ttf".into(),
        data: dejavu::sans::regular().to_vec(),
    }
}

/// Free text as a scratch file (`drawtext=textfile=...`), so it never becomes filter syntax.
pub fn text_file(name: &str, text: &str) -> Input {
    Input {
        name: name.into(),
        media_type: "text/plain".into(),
        data: text.as_bytes().to_vec(),
    }
}

/// What a one-input tool needs from its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// A video stream.
    Video,
    /// An audio stream.
    Audio,
}

/// The ffmpeg arguments of a one-input tool, around `-i input`.
#[derive(Debug, Default, Clone)]
pub struct Plan {
    /// Arguments before `-i` (e.g. `-ss` for a fast seek).
    pub before_input: Vec<String>,
    /// Arguments after `-i input` and before the output name.
    pub args: Vec<String>,
    /// Extra scratch files (fonts, text, subtitles).
    pub files: Vec<Input>,
    /// How long the output will be, in seconds; `None`: the input's duration.
    pub duration: Option<f64>,
    /// Output extension; `None`: the tool's default.
    pub extension: Option<String>,
}

impl Plan {
    /// A plan of these arguments after the input.
    pub fn new<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Plan {
            args: args.into_iter().map(Into::into).collect(),
            ..Plan::default()
        }
    }
}

/// The only input under its scratch name, probed (content must match the extension; the
/// needed stream must be there).
pub fn probed(source: &Input, needs: Needs) -> Result<(Input, MediaInfo), ToolError> {
    let input = scratch(source, 0);
    let info = MediaInfo::probe(&input, &source.extension())?;
    match needs {
        Needs::Video => {
            info.require_video()?;
        }
        Needs::Audio => {
            info.require_audio()?;
        }
    }
    Ok((input, info))
}

/// A run that reads only `input`'s first video stream (`-i input -map 0:v:0`, no audio,
/// subtitles or data); the caller adds the filter and the output.
pub fn picture_only(input: &Input) -> FfmpegRun {
    FfmpegRun::new()
        .args(["-i", input.name.as_str()])
        .args(["-map", "0:v:0", "-an", "-sn", "-dn"])
        .file(input.clone())
}

/// Several outputs of one input named `<stem>-<label>-<n>.<ext>` for the download, `n`
/// counted from 1 with `digits` digits (`clip-frame-0001.png`).
pub fn numbered(
    files: Vec<OutputFile>,
    (stem, label, digits): (&str, &str, usize),
    ext: &str,
) -> Vec<OutputFile> {
    files
        .into_iter()
        .enumerate()
        .map(|(i, f)| renamed(f, &format!("{stem}-{label}-{:0digits$}", i + 1), ext))
        .collect()
}

/// Runs a one-input, one-output tool: scratch name, probe (content must match the
/// extension; the needed stream must be there), `ffmpeg [before] -i input [args] out`, with
/// progress from 5 to 99 %, and names the result `<client stem>.<ext>`.
pub fn single_output(
    source: &Input,
    needs: Needs,
    default_ext: &str,
    message: &str,
    build: impl FnOnce(&MediaInfo) -> Result<Plan, ToolError>,
) -> Result<Output, ToolError> {
    let (input, info) = probed(source, needs)?;
    let plan = build(&info)?;
    let ext = plan
        .extension
        .clone()
        .unwrap_or_else(|| default_ext.to_string());
    let out = format!("output.{ext}");
    let mut run = FfmpegRun::new()
        .args(plan.before_input)
        .arg("-i")
        .arg(input.name.clone())
        .args(plan.args)
        .arg(out.clone())
        .file(input)
        .output(out)
        .progress(plan.duration.unwrap_or(info.duration), 5, 99, message);
    for file in plan.files {
        run = run.file(file);
    }
    let mut files = run.run()?.files;
    let file = files.remove(0);
    Ok(Output::file(renamed(file, source.stem(), &ext)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_outputs_count_from_one() {
        let file = |name: &str| OutputFile::new(name.to_string(), "image/png", Vec::new());
        let names: Vec<String> = numbered(
            vec![file("frame-0001.png"), file("frame-0002.png")],
            ("clip", "frame", 4),
            "png",
        )
        .into_iter()
        .map(|f| f.name)
        .collect();
        assert_eq!(names, ["clip-frame-0001.png", "clip-frame-0002.png"]);
    }
}
