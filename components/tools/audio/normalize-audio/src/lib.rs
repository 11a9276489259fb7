//! `audio/normalize-audio`: audio normalized to -16 LUFS (EBU R128) in two passes, a
//! measurement and a linear gain (native tool: ffmpeg).

use lathe_media_kit::audio::{filtered_audio, kept_format, output_rate, AUDIO_OR_VIDEO_EXTENSIONS};
use lathe_media_kit::{fmt_num, renamed, scratch, MediaInfo};
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{parse_settings, Input, Output, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The tool has no settings (unknown fields are ignored).
#[derive(Debug, Deserialize)]
struct Settings {}

/// The loudness target: -16 LUFS integrated, -1.5 dBTP true peak, 11 LU range.
const TARGET: &str = "I=-16:TP=-1.5:LRA=11";

/// What `loudnorm` measured in the first pass.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Measured {
    i: f64,
    tp: f64,
    lra: f64,
    thresh: f64,
    offset: f64,
}

impl Measured {
    /// Reads the JSON block `loudnorm` prints at the end of the log; `None` when the
    /// audio is too quiet to measure (silence: `-inf`).
    fn parse(log: &str) -> Result<Option<Self>, ToolError> {
        let missing = || ToolError::Failed("loudnorm printed no measurement".into());
        let from = log.rfind("Parsed_loudnorm").ok_or_else(missing)?;
        let rest = &log[from..];
        let open = rest.find('{').ok_or_else(missing)?;
        let close = rest[open..].find('}').ok_or_else(missing)? + open;
        let json: serde_json::Value =
            serde_json::from_str(&rest[open..=close]).map_err(|_| missing())?;
        let get = |key: &str| -> Result<f64, ToolError> {
            json[key]
                .as_str()
                .and_then(|v| v.trim().parse::<f64>().ok())
                .ok_or_else(missing)
        };
        let m = Measured {
            i: get("input_i")?,
            tp: get("input_tp")?,
            lra: get("input_lra")?,
            thresh: get("input_thresh")?,
            offset: get("target_offset")?,
        };
        let finite = [m.i, m.tp, m.lra, m.thresh, m.offset]
            .iter()
            .all(|v| v.is_finite());
        Ok((finite && m.i > -70.0).then_some(m))
    }

    /// The second pass: a linear gain from these measurements (loudnorm falls back to
    /// its dynamic mode by itself when the true-peak limit forbids a linear one).
    fn filter(&self) -> String {
        format!(
            "loudnorm={TARGET}:measured_I={}:measured_TP={}:measured_LRA={}:measured_thresh={}:offset={}:linear=true:print_format=none",
            fmt_num(self.i.clamp(-99.0, 0.0)),
            fmt_num(self.tp.clamp(-99.0, 99.0)),
            fmt_num(self.lra.clamp(0.0, 99.0)),
            fmt_num(self.thresh.clamp(-99.0, 0.0)),
            fmt_num(self.offset.clamp(-99.0, 99.0)),
        )
    }
}

/// The tool.
struct NormalizeAudio;

impl Tool for NormalizeAudio {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "normalize-audio",
            section: Section::Audio,
            name: "Normalize Audio",
            description: "Normalize loudness to -16 LUFS (EBU R128) with a two-pass linear gain.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 1,
            max_inputs: 1,
            accepts: AUDIO_OR_VIDEO_EXTENSIONS,
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        let source = &inputs[0];
        let input = scratch(source, 0);
        let info = MediaInfo::probe(&input, &source.extension())?;
        let rate = info.require_audio()?.sample_rate;
        let format = kept_format(source);
        let measure = format!("loudnorm={TARGET}:print_format=json");
        let log = FfmpegRun::new()
            .args([
                "-i",
                input.name.as_str(),
                "-map",
                "0:a:0",
                "-af",
                measure.as_str(),
            ])
            .args(["-f", "null", "null"])
            .file(input.clone())
            .progress(info.duration, 5, 45, "Measuring loudness")
            .with_log()
            .run()?
            .log;
        // Silence stays as it is: there is no loudness to correct.
        let filter = match Measured::parse(&log)? {
            Some(m) => format!(
                "{},aformat=sample_rates={}",
                m.filter(),
                output_rate(format, rate)
            ),
            None => String::new(),
        };
        let out = format!("output.{}", format.extension());
        let mut files = FfmpegRun::new()
            .arg("-i")
            .arg(input.name.clone())
            .args(filtered_audio(format, &filter))
            .arg(out.clone())
            .file(input)
            .output(out)
            .progress(info.duration, 50, 99, "Normalizing loudness")
            .run()?
            .files;
        let file = files.remove(0);
        Ok(Output::file(renamed(
            file,
            source.stem(),
            format.extension(),
        )))
    }
}

lathe_native_sdk::export_native_tool!(NormalizeAudio);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_measurement() {
        let log = "size=N/A\n[Parsed_loudnorm_0 @ 0x55] \n{\n\t\"input_i\" : \"-51.75\",\n\t\"input_tp\" : \"-48.07\",\n\t\"input_lra\" : \"0.00\",\n\t\"input_thresh\" : \"-61.75\",\n\t\"output_i\" : \"-16.05\",\n\t\"target_offset\" : \"0.05\"\n}\n";
        let m = Measured::parse(log).unwrap().unwrap();
        assert_eq!(m.i, -51.75);
        assert!(m.filter().contains("measured_I=-51.75:measured_TP=-48.07"));
        let silent = log.replace("-51.75", "-inf");
        assert_eq!(Measured::parse(&silent).unwrap(), None);
        assert!(Measured::parse("nothing").is_err());
    }
}
