//! `cargo xtask bench`: placeholder replaced below.

use std::path::Path;

/// Runs the benchmarks.
pub fn run(_root: &Path, _args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
