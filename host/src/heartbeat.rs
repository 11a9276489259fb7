//! The native worker's heartbeat and counter sweeping.
//!
//! Every few seconds the worker rewrites `worker/<id>` ([`WorkerBeat`]: start time, threads,
//! GPU presence), which `GET /api/v1/admin/health` lists. Once a minute it also deletes
//! the rate-limit windows, daily run counters and failed-login counters that are over
//! (`rate/…` older than two minutes, `runs/…` older than yesterday, `login-failures/…`
//! older than the previous 15-minute window) and heartbeats of workers gone for an hour:
//! the key-value interface has no expiry, so someone must.

use std::sync::Arc;
use std::time::Duration;

use lathe_factor_key_value::Backend;
use lathe_store_layout::{decode, encode, keys, WorkerBeat};

use crate::worker::now_ms;

/// How often the heartbeat is written.
const BEAT_EVERY: Duration = Duration::from_secs(5);

/// Whether this machine shows a GPU device (NVIDIA, AMD KFD or a DRM render node).
fn gpu_present() -> bool {
    ["/dev/nvidia0", "/dev/kfd", "/dev/dri/renderD128"]
        .iter()
        .any(|p| std::path::Path::new(p).exists())
}

/// Starts the heartbeat thread of a worker with `threads` threads.
pub fn spawn(kv: Arc<dyn Backend>, rt: tokio::runtime::Handle, threads: usize) {
    let mut id = [0u8; 8];
    getrandom::getrandom(&mut id).ok();
    let mut beat = WorkerBeat {
        id: id.iter().map(|b| format!("{b:02x}")).collect(),
        started_at: now_ms(),
        last_seen_at: 0,
        threads: threads.max(1) as u32,
        gpu: gpu_present(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    std::thread::spawn(move || {
        let mut last_sweep = 0;
        loop {
            beat.last_seen_at = now_ms();
            if let Err(e) = rt.block_on(kv.set(&keys::worker(&beat.id), &encode(&beat))) {
                eprintln!("lathe-worker: heartbeat: {e:#}");
            }
            if beat.last_seen_at.saturating_sub(last_sweep) >= 60_000 {
                last_sweep = beat.last_seen_at;
                if let Err(e) = sweep_counters(kv.as_ref(), &rt, beat.last_seen_at) {
                    eprintln!("lathe-worker: counter sweep: {e:#}");
                }
            }
            std::thread::sleep(BEAT_EVERY);
        }
    });
}

/// Deletes finished rate windows, run and failed-login counters, and heartbeats an hour
/// old.
pub fn sweep_counters(
    kv: &dyn Backend,
    rt: &tokio::runtime::Handle,
    now_ms: u64,
) -> anyhow::Result<usize> {
    let minute = now_ms / 60_000;
    let day = now_ms / 86_400_000;
    // The last segment of a counter key is its window number.
    let window = |key: &str| key.rsplit('/').next().and_then(|w| w.parse::<u64>().ok());
    let mut removed = 0;
    for key in rt.block_on(kv.keys_with_prefix(keys::RATE_PREFIX))? {
        if window(&key).is_some_and(|w| w + 2 < minute) {
            rt.block_on(kv.delete(&key))?;
            removed += 1;
        }
    }
    for key in rt.block_on(kv.keys_with_prefix(keys::RUNS_PREFIX))? {
        if window(&key).is_some_and(|d| d + 1 < day) {
            rt.block_on(kv.delete(&key))?;
            removed += 1;
        }
    }
    let login_window = now_ms / keys::LOGIN_FAILURES_WINDOW_MS;
    for key in rt.block_on(kv.keys_with_prefix(keys::LOGIN_FAILURES_PREFIX))? {
        if window(&key).is_some_and(|w| w + 1 < login_window) {
            rt.block_on(kv.delete(&key))?;
            removed += 1;
        }
    }
    for key in rt.block_on(kv.keys_with_prefix(keys::WORKER_PREFIX))? {
        let stale = rt
            .block_on(kv.get(&key))?
            .and_then(|b| decode::<WorkerBeat>(&b).ok())
            .is_none_or(|w| now_ms.saturating_sub(w.last_seen_at) > 3_600_000);
        if stale {
            rt.block_on(kv.delete(&key))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_factor_key_value::MemoryBackend;

    #[test]
    fn finished_counter_windows_are_swept_current_ones_kept() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let kv = MemoryBackend::default();
        let now = 40 * 86_400_000 + 5 * keys::LOGIN_FAILURES_WINDOW_MS + 1234;
        let (minute, day) = (now / 60_000, now / 86_400_000);
        let login = now / keys::LOGIN_FAILURES_WINDOW_MS;
        let old = [
            keys::rate("user-a", minute - 3),
            keys::runs("a", day - 2),
            keys::login_failures("mallory", login - 2),
        ];
        let kept = [
            keys::rate("user-a", minute),
            keys::runs("a", day),
            keys::login_failures("mallory", login),
            keys::login_failures("mallory", login - 1),
        ];
        for key in old.iter().chain(&kept) {
            rt.block_on(kv.increment(key, 1)).unwrap();
        }
        let removed = sweep_counters(&kv, rt.handle(), now).unwrap();
        assert_eq!(removed, old.len());
        for key in &old {
            assert!(rt.block_on(kv.get(key)).unwrap().is_none(), "{key} kept");
        }
        for key in &kept {
            assert!(rt.block_on(kv.get(key)).unwrap().is_some(), "{key} swept");
        }
    }
}
