//! EBU R128 loudness normalisation in two passes (ffmpeg's `loudnorm`): a measurement,
//! then a linear gain from it. Shared by `audio/normalize-audio` and `video/video-loudnorm`.

use lathe_tool_sdk::{Input, ToolError};

use crate::audio::{measuring_log, output_rate};
use crate::{fmt_num, AudioFormat};

/// The loudness target: -16 LUFS integrated, -1.5 dBTP true peak, 11 LU range.
pub const TARGET: &str = "I=-16:TP=-1.5:LRA=11";

/// What `loudnorm` measured in the first pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    i: f64,
    tp: f64,
    lra: f64,
    thresh: f64,
    offset: f64,
}

impl Measured {
    /// Reads the JSON block `loudnorm` prints at the end of the log; `None` when the
    /// audio is too quiet to measure (silence: `-inf`).
    pub fn parse(log: &str) -> Result<Option<Self>, ToolError> {
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
    pub fn filter(&self) -> String {
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

/// The first pass over `input`'s first audio stream (progress 5 to `end_percent`);
/// `None` for silence, which has no loudness to correct.
pub fn measure(
    input: &Input,
    duration: f64,
    end_percent: u8,
) -> Result<Option<Measured>, ToolError> {
    let filter = format!("loudnorm={TARGET}:print_format=json");
    let log = measuring_log(
        input,
        &filter,
        duration,
        (5, end_percent),
        "Measuring loudness",
    )?;
    Measured::parse(&log)
}

/// Both passes' shared half for an output encoded as `format`: the first pass (progress 5
/// to 45 %), then the second pass's filter, resampled to a rate `format` takes near the
/// input's `rate` (`loudnorm` works at 192 kHz); `None` for silence.
pub fn normalizing_filter(
    input: &Input,
    duration: f64,
    format: AudioFormat,
    rate: u32,
) -> Result<Option<String>, ToolError> {
    Ok(measure(input, duration, 45)?.map(|m| {
        format!(
            "{},aformat=sample_rates={}",
            m.filter(),
            output_rate(format, rate)
        )
    }))
}

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
