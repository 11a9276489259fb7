//! Running one child process for a host factor (ffmpeg, ffprobe, the image codecs' tools):
//! its own process group (so a kill reaches every child it starts), a cleared environment,
//! no stdin, a time limit, cancellation, and optionally ffmpeg-style `-progress` lines on
//! stdout turned into progress reports.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// Says whether the running job was canceled; a running process is then killed.
pub type CancelCheck = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;

/// How often a running process is checked for cancellation and progress.
const POLL: Duration = Duration::from_millis(100);
/// How much of a process's stderr is kept.
const LOG_LIMIT: usize = 64 * 1024;

/// How a finished process ended.
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// Its stdout, unless stdout carried progress.
    pub stdout: Vec<u8>,
    /// The last 64 KiB of its stderr.
    pub stderr: Vec<u8>,
}

/// Why a process did not finish.
#[derive(Debug)]
pub enum Stopped {
    /// It could not start.
    Spawn(String),
    /// It ran past the time limit and was killed.
    TimedOut(Duration),
    /// The job was canceled and it was killed.
    Canceled,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Spawn(e) => write!(f, "could not start: {e}"),
            Stopped::TimedOut(t) => write!(f, "timed out after {} s", t.as_secs()),
            Stopped::Canceled => f.write_str("was stopped: the job was canceled"),
        }
    }
}

/// Runs `cmd` to its end, the time limit or cancellation. With `on_progress`, stdout is
/// read as `key=value` progress lines (ffmpeg's `-progress` format) and each `out_time_us`
/// (microseconds encoded so far) is passed on from the calling thread.
pub fn run(
    mut cmd: Command,
    timeout: Duration,
    canceled: &CancelCheck,
    mut on_progress: Option<&mut dyn FnMut(u64)>,
) -> Result<Finished, Stopped> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_clear()
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| Stopped::Spawn(e.to_string()))?;
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    // Pipes drain on threads so a chatty process never blocks on a full pipe.
    let (times_tx, times_rx) = mpsc::channel::<u64>();
    let reads_progress = on_progress.is_some();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if reads_progress {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(us) = line.strip_prefix("out_time_us=") {
                    if let Ok(us) = us.trim().parse::<u64>() {
                        times_tx.send(us).ok();
                    }
                }
            }
        } else {
            let mut stdout = stdout;
            stdout.read_to_end(&mut buf).ok();
        }
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 8192];
        while let Ok(n) = stderr.read(&mut chunk) {
            if n == 0 {
                break;
            }
            kept.extend_from_slice(&chunk[..n]);
            if kept.len() > 2 * LOG_LIMIT {
                kept.drain(..kept.len() - LOG_LIMIT);
            }
        }
        if kept.len() > LOG_LIMIT {
            kept.drain(..kept.len() - LOG_LIMIT);
        }
        kept
    });
    let started = Instant::now();
    let pgid = child.id() as libc::pid_t;
    let status = loop {
        let waited = child.wait_timeout(POLL);
        if let Some(report) = on_progress.as_deref_mut() {
            if let Some(latest) = times_rx.try_iter().last() {
                report(latest);
            }
        }
        match waited {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                kill_group(pgid);
                child.wait().ok();
                return Err(Stopped::Spawn(e.to_string()));
            }
        }
        let over_time = started.elapsed() >= timeout;
        if over_time || canceled() {
            kill_group(pgid);
            child.wait().ok();
            return Err(if over_time {
                Stopped::TimedOut(timeout)
            } else {
                Stopped::Canceled
            });
        }
    };
    // The group may hold helpers the process started; none may outlive the call.
    kill_group(pgid);
    let stdout = out_thread.join().unwrap_or_default();
    if let Some(report) = on_progress {
        if let Some(latest) = times_rx.try_iter().last() {
            report(latest);
        }
    }
    Ok(Finished {
        status,
        stdout,
        stderr: err_thread.join().unwrap_or_default(),
    })
}

/// Kills every process of the group `pgid` (the child made it its own group).
fn kill_group(pgid: libc::pid_t) {
    // SAFETY: kill(2) with a negative pid only sends a signal; it touches no memory.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// The last few lines of a tool's stderr, without paths, for an error message.
pub fn summarize(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    tail.join("; ").chars().take(400).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_canceled_process_group_is_killed() {
        let mut cmd = Command::new("sh");
        // The shell's child must die too: it is in the same process group.
        cmd.args(["-c", "sleep 30 & sleep 30"]);
        let started = Instant::now();
        let canceled: CancelCheck =
            Arc::new(move || started.elapsed() > Duration::from_millis(300));
        let result = run(cmd, Duration::from_secs(20), &canceled, None);
        assert!(matches!(result, Err(Stopped::Canceled)));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn progress_lines_reach_the_callback() {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "echo out_time_us=1000; echo progress=continue; echo out_time_us=2000000",
        ]);
        let never: CancelCheck = Arc::new(|| false);
        let mut seen = Vec::new();
        let mut report = |us: u64| seen.push(us);
        let finished = run(cmd, Duration::from_secs(10), &never, Some(&mut report)).unwrap();
        assert!(finished.status.success());
        assert_eq!(seen.last(), Some(&2_000_000));
    }
}
