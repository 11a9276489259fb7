//! Host imports for native tools: `lathe:tool/ffmpeg` and `lathe:tool/progress`.
//!
//! Native tools choose ffmpeg arguments; this factor runs the real `ffmpeg`/`ffprobe`
//! binaries in a fresh scratch directory with a cleared environment, no stdin and a time
//! limit, and refuses arguments that could reach outside that directory (absolute paths,
//! `..`, URLs and protocol prefixes).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

/// Generated bindings for the `native-tool` world: the tool export plus these imports.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../../../wit",
        world: "native-tool",
        imports: { default: trappable },
        // One set of host-side Rust types for `lathe:tool/types`, shared with the tool linker.
        with: { "lathe:tool/types": lathe_factor_tool_link::bindings::lathe::tool::types },
    });
}

use bindings::lathe::tool::{ffmpeg, progress, types};

/// Receives progress reports of the running job.
pub type ProgressSink = Box<dyn FnMut(u8, &str) + Send>;

/// Says whether the running job was canceled; a running ffmpeg or ffprobe is then killed.
pub type CancelCheck = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;

/// How often a running process is checked for cancellation.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// Per-call state of the ffmpeg and progress imports.
pub struct FfmpegState {
    ffmpeg: PathBuf,
    ffprobe: PathBuf,
    timeout: Duration,
    progress: ProgressSink,
    canceled: CancelCheck,
}

impl FfmpegState {
    /// State that runs the given binaries with `timeout` per invocation, killing them as
    /// soon as `canceled` says so.
    pub fn new(
        ffmpeg: PathBuf,
        ffprobe: PathBuf,
        timeout: Duration,
        progress: ProgressSink,
        canceled: CancelCheck,
    ) -> Self {
        Self {
            ffmpeg,
            ffprobe,
            timeout,
            progress,
            canceled,
        }
    }
}

/// Whether a file name is a plain name inside the scratch directory.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('-')
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Whether an argument stays inside the scratch directory.
fn safe_arg(arg: &str) -> bool {
    !(arg.starts_with('/')
        || arg.contains("..")
        || arg.contains("://")
        || arg.contains('\0')
        || [
            "file:", "pipe:", "concat:", "subfile:", "data:", "tcp:", "udp:", "http:", "https:",
            "crypto:",
        ]
        .iter()
        .any(|p| arg.starts_with(p)))
}

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
        "flac" => "audio/flac",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "gif" => "image/gif",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "srt" => "application/x-subrip",
        "vtt" => "text/vtt",
        _ => "application/octet-stream",
    }
}

fn write_inputs(dir: &Path, inputs: &[types::InputFile]) -> Result<(), String> {
    for input in inputs {
        if !safe_name(&input.name) {
            return Err(format!(
                "input name '{}' is not a plain file name",
                input.name
            ));
        }
        std::fs::write(dir.join(&input.name), &input.data)
            .map_err(|e| format!("scratch write failed: {e}"))?;
    }
    Ok(())
}

fn run_with_timeout(
    mut cmd: Command,
    timeout: Duration,
    canceled: &CancelCheck,
) -> Result<std::process::Output, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_clear();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    // Drain pipes on threads so a chatty process cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok();
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).ok();
        buf
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.wait_timeout(CANCEL_POLL).map_err(|e| e.to_string())? {
            break status;
        }
        let over_time = started.elapsed() >= timeout;
        if over_time || canceled() {
            child.kill().ok();
            child.wait().ok();
            return Err(if over_time {
                format!("timed out after {} s", timeout.as_secs())
            } else {
                "was stopped: the job was canceled".to_string()
            });
        }
    };
    Ok(std::process::Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}

/// The last few lines of a tool's stderr, without paths, for an error message.
fn summarize(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    tail.join("; ").chars().take(400).collect()
}

impl ffmpeg::Host for FfmpegState {
    fn run(
        &mut self,
        args: Vec<String>,
        inputs: Vec<types::InputFile>,
        outputs: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<types::OutputFile>, String>> {
        if let Some(bad) = args.iter().find(|a| !safe_arg(a)) {
            return Ok(Err(format!("argument '{bad}' is not allowed")));
        }
        if let Some(bad) = outputs.iter().find(|n| !safe_name(n)) {
            return Ok(Err(format!("output name '{bad}' is not a plain file name")));
        }
        let dir = tempfile::tempdir()?;
        if let Err(e) = write_inputs(dir.path(), &inputs) {
            return Ok(Err(e));
        }
        let mut cmd = Command::new(&self.ffmpeg);
        cmd.current_dir(dir.path())
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
            .args(&args);
        let output = match run_with_timeout(cmd, self.timeout, &self.canceled) {
            Ok(o) => o,
            Err(e) => return Ok(Err(format!("ffmpeg {e}"))),
        };
        if !output.status.success() {
            return Ok(Err(format!(
                "ffmpeg could not process the input: {}",
                summarize(&output.stderr)
            )));
        }
        let mut files = Vec::new();
        for name in outputs {
            match std::fs::read(dir.path().join(&name)) {
                Ok(data) => files.push(types::OutputFile {
                    media_type: media_type_for(&name).to_string(),
                    name,
                    data,
                }),
                Err(_) => return Ok(Err(format!("ffmpeg produced no '{name}'"))),
            }
        }
        Ok(Ok(files))
    }

    fn probe(&mut self, input: types::InputFile) -> wasmtime::Result<Result<String, String>> {
        let dir = tempfile::tempdir()?;
        let name = if safe_name(&input.name) {
            input.name.clone()
        } else {
            "input.bin".to_string()
        };
        std::fs::write(dir.path().join(&name), &input.data)?;
        let mut cmd = Command::new(&self.ffprobe);
        cmd.current_dir(dir.path())
            .args([
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
            ])
            .arg(&name);
        let output = match run_with_timeout(cmd, self.timeout, &self.canceled) {
            Ok(o) => o,
            Err(e) => return Ok(Err(format!("ffprobe {e}"))),
        };
        if !output.status.success() {
            return Ok(Err(format!(
                "not a readable media file: {}",
                summarize(&output.stderr)
            )));
        }
        Ok(Ok(String::from_utf8_lossy(&output.stdout).into_owned()))
    }
}

impl progress::Host for FfmpegState {
    fn report(&mut self, percent: u8, message: String) -> wasmtime::Result<()> {
        (self.progress)(percent.min(100), &message);
        Ok(())
    }
}

impl types::Host for FfmpegState {}

/// Adds the ffmpeg, progress and types imports to a linker.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut FfmpegState,
) -> wasmtime::Result<()> {
    type D = wasmtime::component::HasSelf<FfmpegState>;
    types::add_to_linker::<T, D>(linker, get)?;
    ffmpeg::add_to_linker::<T, D>(linker, get)?;
    progress::add_to_linker::<T, D>(linker, get)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_cannot_leave_the_scratch_directory() {
        for bad in [
            "/etc/passwd",
            "../x.wav",
            "http://example.com/a",
            "file:secret",
            "concat:a|b",
        ] {
            assert!(!safe_arg(bad), "{bad} must be refused");
        }
        for good in [
            "-i",
            "input.mp4",
            "-vn",
            "-codec:a",
            "libmp3lame",
            "scale=800:-1",
            "0:a",
        ] {
            assert!(safe_arg(good), "{good} must be allowed");
        }
        assert!(!safe_name("../a"));
        assert!(!safe_name("-x.mp4"));
        assert!(safe_name("input.mp4"));
    }
}
