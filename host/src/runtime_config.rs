//! The host's runtime configuration: a Spin runtime config file
//! (`spin up --runtime-config-file <FILE>`), so one file configures Spin and `lathe-host`.
//!
//! Each factor reads its own table: today that is the key-value factor's
//! `[key_value_store.<label>]` (see `lathe_factor_key_value::runtime_config`). A table Spin
//! knows but this host does not offer is refused by name rather than ignored; a table
//! nobody knows is refused as Spin refuses it (`unused runtime config key(s): ...`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use lathe_factor_key_value::runtime_config::RuntimeConfigResolver;
use lathe_factor_key_value::Backend;

/// Top-level keys of Spin's runtime config that Lathe's host does not implement.
const SPIN_ONLY_KEYS: &[&str] = &[
    "sqlite_database",
    "variables_provider",
    "config_provider",
    "llm_compute",
    "outbound_networking",
    "outbound_http",
    "outbound_redis",
    "outbound_pg",
    "outbound_mysql",
    "outbound_mqtt",
    "otel",
    "state_dir",
    "log_dir",
    "max_instance_memory",
    "client_tls",
];

/// A parsed runtime config file (or none).
pub struct RuntimeConfig {
    toml: toml::Table,
    /// The file's folder: relative store paths resolve against it, as in Spin.
    dir: Option<std::path::PathBuf>,
}

impl RuntimeConfig {
    /// Reads `path`, or an empty config without one. Errors use Spin's wording.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Ok(Self {
                toml: toml::Table::new(),
                dir: None,
            });
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read runtime config file '{}'", path.display()))?;
        let toml: toml::Table = toml::from_str(&text).with_context(|| {
            format!(
                "failed to parse runtime config file '{}' as toml",
                path.display()
            )
        })?;
        let mut unused = Vec::new();
        for key in toml.keys() {
            if key == "key_value_store" {
                continue;
            }
            if SPIN_ONLY_KEYS.contains(&key.as_str()) {
                anyhow::bail!(
                    "runtime config '{}': [{key}] is a Spin setting lathe-host does not \
                     support (it offers key-value stores only)",
                    path.display()
                );
            }
            unused.push(key.clone());
        }
        anyhow::ensure!(
            unused.is_empty(),
            "unused runtime config key(s): {}",
            unused.join(", ")
        );
        let dir = path
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        Ok(Self { toml, dir })
    }

    /// The key-value stores by label: those the file configures, plus `default` as a
    /// SQLite file at `default_path` unless the file configures it.
    pub fn key_value_stores(
        &self,
        default_path: &Path,
    ) -> anyhow::Result<HashMap<String, Arc<dyn Backend>>> {
        let mut resolver = RuntimeConfigResolver::new();
        resolver.register_store_type(
            lathe_key_value_sqlite::RUNTIME_CONFIG_TYPE,
            lathe_key_value_sqlite::store_type(self.dir.clone()),
        )?;
        resolver.add_default_store(
            lathe_factor_key_value::DEFAULT_STORE,
            lathe_key_value_sqlite::RUNTIME_CONFIG_TYPE,
            lathe_key_value_sqlite::config_for(default_path),
        );
        resolver.resolve(self.toml.get("key_value_store"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("lathe-rc-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("runtime-config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn stores_by_label_with_default() {
        let path = write(
            "ok",
            "[key_value_store.cache]\ntype = \"spin\"\npath = \"cache.db\"\n",
        );
        let rc = RuntimeConfig::load(Some(&path)).unwrap();
        let default_db = path.with_file_name("default.db");
        let stores = rc.key_value_stores(&default_db).unwrap();
        let mut labels: Vec<_> = stores.keys().cloned().collect();
        labels.sort();
        assert_eq!(labels, ["cache", "default"]);
        assert!(path.with_file_name("cache.db").exists());
        assert!(default_db.exists());
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        let spin_only = write("spin-only", "[sqlite_database.default]\ntype = \"spin\"\n");
        let err = RuntimeConfig::load(Some(&spin_only)).err().unwrap();
        assert!(err.to_string().contains("[sqlite_database]"), "{err}");
        let unknown = write("unknown", "[frobnicate]\nx = 1\n");
        let err = RuntimeConfig::load(Some(&unknown)).err().unwrap();
        assert_eq!(err.to_string(), "unused runtime config key(s): frobnicate");
        let redis = write(
            "redis",
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://x\"\n",
        );
        let rc = RuntimeConfig::load(Some(&redis)).unwrap();
        let err = rc
            .key_value_stores(Path::new("/nonexistent/kv.db"))
            .err()
            .unwrap();
        assert!(format!("{err:#}").contains("the store type 'redis' was not registered"));
        let missing = RuntimeConfig::load(Some(Path::new("/nonexistent/rc.toml")))
            .err()
            .unwrap();
        assert!(missing
            .to_string()
            .contains("failed to read runtime config file"));
    }
}
