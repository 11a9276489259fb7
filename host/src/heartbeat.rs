//! The native worker's heartbeat and counter sweeping.
//!
//! Every few seconds the worker rewrites `worker/<id>` ([`WorkerBeat`]: start time, threads,
//! GPU presence), which `GET /api/v1/admin/health` lists. Once a minute it also deletes
//! the rate-limit windows and daily run counters that are over (`rate/…` older than two
//! minutes, `runs/…` older than yesterday) and heartbeats of workers gone for an hour: the
//! key-value interface has no expiry, so someone must.

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

/// Deletes finished rate windows and run counters, and heartbeats an hour old.
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
