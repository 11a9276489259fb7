//! `audio/split-audio`: audio cut into pieces of a set length, into equal parts, or at
//! its silences (native tool: ffmpeg). Several pieces come back as a ZIP.

use lathe_media_kit::audio::{
    audio_duration, encoder_args, kept_format, measuring_log, pre_roll_seek, DEFAULT_KBPS,
};
use lathe_media_kit::catalog::one_audio_file_info;
use lathe_media_kit::fmt_num;
use lathe_media_kit::run::{numbered, probed, Needs};
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// How the audio is cut (seed 001's `mode`).
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Mode {
    /// Pieces of `segmentS` seconds (the last one shorter).
    #[default]
    Time,
    /// `parts` pieces of equal length.
    Parts,
    /// At the middle of every silence inside the audio.
    Silence,
}

/// Seed 001's settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    mode: Mode,
    #[serde(default = "default_segment")]
    segment_s: f64,
    #[serde(default = "default_parts")]
    parts: u32,
    #[serde(default = "default_threshold")]
    threshold_db: f64,
    #[serde(default = "default_min_silence")]
    min_silence_s: f64,
}

fn default_segment() -> f64 {
    60.0
}

fn default_parts() -> u32 {
    2
}

fn default_threshold() -> f64 {
    -40.0
}

fn default_min_silence() -> f64 {
    0.3
}

/// Most pieces one ffmpeg run writes (each is an open encoder and file).
const PIECES_PER_RUN: usize = 50;

/// A remainder shorter than this joins the piece before it.
const SHORTEST_PIECE_S: f64 = 0.1;

/// Where the pieces start, for pieces of `segment` seconds.
fn time_cuts(duration: f64, segment: f64) -> Vec<f64> {
    let mut starts = vec![0.0];
    let mut k = 1.0;
    while k * segment < duration - SHORTEST_PIECE_S {
        starts.push(k * segment);
        k += 1.0;
    }
    starts
}

/// Where the pieces start, for `parts` equal pieces.
fn part_cuts(duration: f64, parts: u32) -> Vec<f64> {
    (0..parts)
        .map(|k| duration * k as f64 / parts as f64)
        .collect()
}

/// The silences `silencedetect` logged, as (start, end) seconds.
fn silences(log: &str) -> Vec<(f64, f64)> {
    let value = |line: &str, key: &str| -> Option<f64> {
        let rest = &line[line.find(key)? + key.len()..];
        rest.split_whitespace().next()?.parse().ok()
    };
    let mut found = Vec::new();
    let mut open = None;
    for line in log.lines() {
        if let Some(start) = value(line, "silence_start:") {
            open = Some(start);
        } else if let Some(end) = value(line, "silence_end:") {
            if let Some(start) = open.take() {
                found.push((start, end));
            }
        }
    }
    if let Some(start) = open {
        found.push((start, f64::INFINITY));
    }
    found
}

/// Where the pieces start, cutting at the middle of every silence that has sound on both
/// sides (leading and trailing silences are no cut).
fn silence_cuts(duration: f64, silences: &[(f64, f64)]) -> Vec<f64> {
    let mut starts = vec![0.0];
    for &(start, end) in silences {
        let middle = (start + end) / 2.0;
        let inside = start > 0.05 && end < duration - 0.05;
        if inside && middle - starts[starts.len() - 1] >= SHORTEST_PIECE_S {
            starts.push(middle);
        }
    }
    starts
}

/// The tool.
struct SplitAudio;

impl Tool for SplitAudio {
    fn describe() -> ToolInfo {
        one_audio_file_info(
            (
                "split-audio",
                "Split Audio",
                "Split audio into pieces of a set length, into equal parts, or at its silences.",
            ),
            serde_json::json!({
                "mode": {"type": "string", "enum": ["time", "parts", "silence"], "default": "time"},
                "segmentS": {"type": "number", "minimum": 1, "maximum": 3600, "default": 60},
                "parts": {"type": "integer", "minimum": 2, "maximum": 20, "default": 2},
                "thresholdDb": {"type": "number", "minimum": -80, "maximum": -20, "default": -40},
                "minSilenceS": {"type": "number", "minimum": 0.1, "maximum": 10, "default": 0.3}
            }),
            Produces::types(&["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus", "zip"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let segment = check_range("segmentS", settings.segment_s, 1.0, 3600.0)?;
        let parts = check_range("parts", settings.parts, 2, 20)?;
        let threshold = check_range("thresholdDb", settings.threshold_db, -80.0, -20.0)?;
        let min_silence = check_range("minSilenceS", settings.min_silence_s, 0.1, 10.0)?;
        let source = &inputs[0];
        let (input, info) = probed(source, Needs::Audio)?;
        info.require_duration()?;
        let duration = audio_duration(&info);
        let mut first_percent = 5;
        let starts = match settings.mode {
            Mode::Time => time_cuts(duration, segment),
            Mode::Parts => part_cuts(duration, parts),
            Mode::Silence => {
                let detect = format!(
                    "silencedetect=noise={}dB:d={}",
                    fmt_num(threshold),
                    fmt_num(min_silence)
                );
                let log = measuring_log(&input, &detect, duration, (5, 30), "Finding silences")?;
                first_percent = 30;
                silence_cuts(duration, &silences(&log))
            }
        };
        if starts.len() > 10_000 {
            return Err(invalid_settings(format!(
                "that makes {} pieces; at most 10000",
                starts.len()
            )));
        }
        let format = kept_format(source);
        let ext = format.extension();
        let runs = starts.len().div_ceil(PIECES_PER_RUN);
        let span = (99 - first_percent) as usize;
        let mut files = Vec::with_capacity(starts.len());
        for (run_index, chunk) in starts.chunks(PIECES_PER_RUN).enumerate() {
            let first = run_index * PIECES_PER_RUN;
            // A fast input seek to a second before the run's first piece (see `seek_args`).
            let (before_input, seek) = pre_roll_seek(chunk[0]);
            let chunk_end = starts.get(first + chunk.len()).copied().unwrap_or(duration);
            let mut run = FfmpegRun::new()
                .args(before_input)
                .arg("-i")
                .arg(input.name.clone())
                .file(input.clone());
            for (k, &start) in chunk.iter().enumerate() {
                let index = first + k;
                let name = format!("part-{:03}.{ext}", index + 1);
                run = run.args(["-map", "0:a:0", "-vn", "-sn", "-dn"]);
                run = run.args(["-ss".to_string(), fmt_num(start - seek)]);
                if let Some(next) = starts.get(index + 1) {
                    run = run.args(["-t".to_string(), fmt_num(next - start)]);
                }
                run = run
                    .args(encoder_args(format, DEFAULT_KBPS))
                    .arg(name.clone())
                    .output(name);
            }
            let from = first_percent + (span * run_index / runs) as u8;
            let to = first_percent + (span * (run_index + 1) / runs) as u8;
            let made = run
                .progress(chunk_end - seek, from, to, "Splitting audio")
                .run()?
                .files;
            files.extend(made);
        }
        Ok(Output::files(numbered(
            files,
            (source.stem(), "part", 3),
            ext,
        )))
    }
}

lathe_native_sdk::export_native_tool!(SplitAudio);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_by_time_and_parts() {
        assert_eq!(time_cuts(5.0, 2.0), vec![0.0, 2.0, 4.0]);
        assert_eq!(time_cuts(4.05, 2.0), vec![0.0, 2.0]);
        assert_eq!(part_cuts(6.0, 3), vec![0.0, 2.0, 4.0]);
    }

    #[test]
    fn cuts_in_the_middle_of_inner_silences() {
        let log = "[silencedetect @ 0x1] silence_start: 0\n\
                   [silencedetect @ 0x1] silence_end: 0.7 | silence_duration: 0.7\n\
                   [silencedetect @ 0x1] silence_start: 1.7\n\
                   [silencedetect @ 0x1] silence_end: 2.7 | silence_duration: 1\n\
                   [silencedetect @ 0x1] silence_start: 3.7\n";
        let found = silences(log);
        assert_eq!(found[1], (1.7, 2.7));
        assert_eq!(silence_cuts(4.4, &found), vec![0.0, 2.2]);
    }
}
