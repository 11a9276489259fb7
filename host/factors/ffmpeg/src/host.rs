//! The `lathe:tool/ffmpeg` and `lathe:tool/progress` imports.

use std::path::Path;
use std::process::Command;

use crate::bindings::lathe::tool::ffmpeg::{self, FfmpegCall, FfmpegResult};
use crate::bindings::lathe::tool::{progress, types};
use crate::confine::{
    check_input, safe_arg, safe_name, sequence_members, sequence_pattern, whitelist_inputs,
};
use crate::FfmpegState;
use lathe_child_process::{self as process, summarize};

/// Most files one sequence output may have (frames, segments).
const MAX_SEQUENCE_FILES: usize = 10_000;

fn media_type_for(name: &str) -> &'static str {
    match name
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "ogg" | "oga" => "audio/ogg",
        "opus" => "audio/opus",
        "flac" => "audio/flac",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "avi" => "video/x-msvideo",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "srt" => "application/x-subrip",
        "vtt" => "text/vtt",
        "ass" => "text/x-ssa",
        _ => "application/octet-stream",
    }
}

fn write_inputs(dir: &Path, inputs: &[types::InputFile]) -> Result<(), String> {
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    for input in inputs {
        if !safe_name(&input.name) {
            return Err(format!(
                "input name '{}' is not a plain file name",
                input.name
            ));
        }
        check_input(&input.data, &names)?;
        std::fs::write(dir.join(&input.name), &input.data)
            .map_err(|e| format!("scratch write failed: {e}"))?;
    }
    Ok(())
}

/// Reads back the files an ffmpeg run was asked for (sequences expanded).
fn read_outputs(dir: &Path, outputs: &[String]) -> Result<Vec<types::OutputFile>, String> {
    let mut files = Vec::new();
    for name in outputs {
        let names: Vec<String> = match sequence_pattern(name) {
            Some(pattern) => {
                let present: Vec<String> = std::fs::read_dir(dir)
                    .map_err(|e| format!("scratch read failed: {e}"))?
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect();
                let members: Vec<String> = sequence_members(pattern, &present)
                    .into_iter()
                    .cloned()
                    .collect();
                if members.is_empty() {
                    return Err(format!("ffmpeg produced no '{name}'"));
                }
                if members.len() > MAX_SEQUENCE_FILES {
                    return Err(format!(
                        "ffmpeg produced {} files; at most {MAX_SEQUENCE_FILES} are returned",
                        members.len()
                    ));
                }
                members
            }
            None => vec![name.clone()],
        };
        for name in names {
            match std::fs::read(dir.join(&name)) {
                Ok(data) => files.push(types::OutputFile {
                    media_type: media_type_for(&name).to_string(),
                    name,
                    data,
                }),
                Err(_) => return Err(format!("ffmpeg produced no '{name}'")),
            }
        }
    }
    Ok(files)
}

impl FfmpegState {
    fn run_call(&mut self, call: FfmpegCall) -> wasmtime::Result<Result<FfmpegResult, String>> {
        if let Some(bad) = call.args.iter().find(|a| !safe_arg(a)) {
            return Ok(Err(format!("argument '{bad}' is not allowed")));
        }
        if let Some(bad) = call
            .outputs
            .iter()
            .find(|n| !safe_name(&n.replace('%', "")))
        {
            return Ok(Err(format!("output name '{bad}' is not a plain file name")));
        }
        // Removed when this returns, on every path.
        let dir = tempfile::tempdir()?;
        if let Err(e) = write_inputs(dir.path(), &call.inputs) {
            return Ok(Err(e));
        }
        let plan = &call.progress;
        let loglevel = if call.want_log { "info" } else { "error" };
        let mut cmd = Command::new(&self.ffmpeg);
        cmd.current_dir(dir.path())
            .args(["-nostdin", "-hide_banner", "-nostats", "-y"])
            .args(["-loglevel", loglevel, "-progress", "pipe:1"])
            .args(whitelist_inputs(&call.args));
        (self.progress)(plan.start_percent.min(100), &plan.message);
        let (start, end) = (plan.start_percent.min(100), plan.end_percent.min(100));
        let total_ms = plan.duration_ms;
        let sink = &mut self.progress;
        let mut last = start;
        let mut on_time = |us: u64| {
            let now = percent_of(us, total_ms, start, end);
            if now > last {
                last = now;
                sink(now, &plan.message);
            }
        };
        let finished = match process::run(cmd, self.timeout, &self.canceled, Some(&mut on_time)) {
            Ok(f) => f,
            Err(e) => return Ok(Err(format!("ffmpeg {e}"))),
        };
        if !finished.status.success() {
            return Ok(Err(format!(
                "ffmpeg could not process the input: {}",
                summarize(&finished.stderr)
            )));
        }
        let files = match read_outputs(dir.path(), &call.outputs) {
            Ok(files) => files,
            Err(e) => return Ok(Err(e)),
        };
        if end > last {
            (self.progress)(end, &plan.message);
        }
        let log = if call.want_log {
            String::from_utf8_lossy(&finished.stderr).into_owned()
        } else {
            String::new()
        };
        Ok(Ok(FfmpegResult { files, log }))
    }
}

impl ffmpeg::Host for FfmpegState {
    fn run(&mut self, call: FfmpegCall) -> wasmtime::Result<Result<FfmpegResult, String>> {
        self.run_call(call)
    }

    fn probe(&mut self, input: types::InputFile) -> wasmtime::Result<Result<String, String>> {
        let dir = tempfile::tempdir()?;
        let name = if safe_name(&input.name) {
            input.name.clone()
        } else {
            "input.bin".to_string()
        };
        if let Err(e) = check_input(&input.data, &[]) {
            return Ok(Err(e));
        }
        std::fs::write(dir.path().join(&name), &input.data)?;
        let mut cmd = Command::new(&self.ffprobe);
        cmd.current_dir(dir.path())
            .args(["-v", "error", "-protocol_whitelist", "file"])
            .args(["-print_format", "json", "-show_format", "-show_streams"])
            .arg(&name);
        let finished = match process::run(cmd, self.timeout, &self.canceled, None) {
            Ok(f) => f,
            Err(e) => return Ok(Err(format!("ffprobe {e}"))),
        };
        if !finished.status.success() {
            return Ok(Err(format!(
                "not a readable media file: {}",
                summarize(&finished.stderr)
            )));
        }
        let report: serde_json::Value = match serde_json::from_slice(&finished.stdout) {
            Ok(r) => r,
            Err(_) => return Ok(Err("not a readable media file".into())),
        };
        if let Err(e) = self.limits.check(&report) {
            return Ok(Err(e));
        }
        Ok(Ok(String::from_utf8_lossy(&finished.stdout).into_owned()))
    }
}

impl progress::Host for FfmpegState {
    fn report(&mut self, percent: u8, message: String) -> wasmtime::Result<()> {
        (self.progress)(percent.min(100), &message);
        Ok(())
    }
}

impl types::Host for FfmpegState {}

/// The job progress for `done_us` of `total_ms` encoded, mapped onto `start..=end`.
fn percent_of(done_us: u64, total_ms: u64, start: u8, end: u8) -> u8 {
    if total_ms == 0 || end <= start {
        return start;
    }
    let fraction = (done_us as f64 / 1000.0 / total_ms as f64).clamp(0.0, 1.0);
    start + ((end - start) as f64 * fraction).round() as u8
}

#[cfg(test)]
mod tests {
    use super::percent_of;

    #[test]
    fn progress_maps_onto_the_range() {
        assert_eq!(percent_of(0, 10_000, 10, 90), 10);
        assert_eq!(percent_of(5_000_000, 10_000, 10, 90), 50);
        assert_eq!(percent_of(20_000_000, 10_000, 10, 90), 90);
        assert_eq!(percent_of(5_000_000, 0, 10, 90), 10);
    }
}
