//! The result sweeper: results expire `result_ttl_hours` (default 24) after their job
//! ended. Then their output files and stored inputs are deleted and the result record says
//! so (`filesDeletedAt`; downloads answer 410 `FILES_DELETED`); the job record itself stays
//! in the owner's history.

use std::time::Duration;

use lathe_factor_key_value::Backend;
use lathe_store_layout::{decode, encode, keys, Job, JobResult};

use crate::worker::now_ms;

/// Prefix of every result record.
const RESULT_PREFIX: &str = "result/";

/// How often to sweep for a time-to-live: a quarter of it, between 1 s and 60 s.
pub fn interval(ttl: Duration) -> Duration {
    (ttl / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
}

/// The time-to-live of `result_ttl_hours` (hours, fractions allowed); `None` for 0 (keep
/// results forever) or text that is not a number.
pub fn ttl_from_hours(text: &str) -> Option<Duration> {
    let hours: f64 = text.trim().parse().ok()?;
    (hours.is_finite() && hours > 0.0).then(|| Duration::from_secs_f64(hours * 3600.0))
}

/// Deletes the files of every result older than `ttl`; returns how many results expired.
pub fn sweep(
    kv: &dyn Backend,
    rt: &tokio::runtime::Handle,
    ttl: Duration,
) -> anyhow::Result<usize> {
    let cutoff = now_ms().saturating_sub(ttl.as_millis() as u64);
    let mut expired = 0;
    for key in rt.block_on(kv.keys_with_prefix(RESULT_PREFIX))? {
        let Some(bytes) = rt.block_on(kv.get(&key))? else {
            continue;
        };
        let Ok(mut result) = decode::<JobResult>(&bytes) else {
            continue;
        };
        if result.files_deleted_at.is_some() || result.completed_at > cutoff {
            continue;
        }
        let job_id = &key[RESULT_PREFIX.len()..];
        for file in &result.files {
            delete_chunks(kv, rt, &keys::output(job_id, &file.name), file.chunks)?;
        }
        if let Some(job) = rt.block_on(kv.get(&keys::job(job_id)))? {
            if let Ok(job) = decode::<Job>(&job) {
                if job.inputs_from.is_none() {
                    for (i, file) in job.inputs.iter().enumerate() {
                        delete_chunks(kv, rt, &keys::input(job_id, i), file.chunks)?;
                    }
                }
            }
        }
        result.files.clear();
        result.files_deleted_at = Some(now_ms());
        rt.block_on(kv.set(&key, &encode(&result)))?;
        expired += 1;
    }
    Ok(expired)
}

fn delete_chunks(
    kv: &dyn Backend,
    rt: &tokio::runtime::Handle,
    prefix: &str,
    chunks: u32,
) -> anyhow::Result<()> {
    for i in 0..chunks {
        rt.block_on(kv.delete(&keys::chunk(prefix, i)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_and_sweeps_are_spaced() {
        assert_eq!(ttl_from_hours("24"), Some(Duration::from_secs(86_400)));
        assert_eq!(ttl_from_hours("0.5"), Some(Duration::from_secs(1800)));
        assert_eq!(ttl_from_hours("0"), None);
        assert_eq!(ttl_from_hours("soon"), None);
        assert_eq!(
            interval(Duration::from_secs(86_400)),
            Duration::from_secs(60)
        );
        assert_eq!(interval(Duration::from_secs(2)), Duration::from_secs(1));
    }
}
