//! The `[key_value_store.<label>]` tables of a Spin runtime config file, read as
//! `spin up --runtime-config-file` reads them (Spin v4.0.2,
//! `crates/factor-key-value/src/runtime_config/spin.rs`):
//!
//! ```toml
//! [key_value_store.default]
//! type = "spin"            # SQLite; `path` relative to this file, none = in memory
//! path = "data/kv.db"
//! ```
//!
//! Each table names its backend by `type`; a backend crate registers a maker for its type
//! with [`RuntimeConfigResolver::register_store_type`]. Labels the file does not configure
//! but that have a default (the `default` store) get it, as in Spin.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use serde::Deserialize;

use crate::Backend;

/// Makes a backend for the store `label` from the rest of its table.
pub type MakeStore =
    Box<dyn Fn(&str, toml::Table) -> anyhow::Result<Arc<dyn Backend>> + Send + Sync>;

/// One `[key_value_store.<label>]` table.
#[derive(Deserialize, Clone)]
struct StoreConfig {
    #[serde(rename = "type")]
    type_: String,
    #[serde(flatten)]
    config: toml::Table,
}

/// Turns runtime config tables into backends by label.
#[derive(Default)]
pub struct RuntimeConfigResolver {
    types: HashMap<&'static str, MakeStore>,
    defaults: Vec<(String, StoreConfig)>,
}

impl RuntimeConfigResolver {
    /// A resolver with no store types.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the maker of store type `type_` (`"spin"`, `"redis"`, ...).
    pub fn register_store_type(
        &mut self,
        type_: &'static str,
        make: MakeStore,
    ) -> anyhow::Result<()> {
        if self.types.insert(type_, make).is_some() {
            anyhow::bail!("duplicate key value store type {type_:?}");
        }
        Ok(())
    }

    /// The store `label` gets when the file does not configure it.
    pub fn add_default_store(&mut self, label: &str, type_: &str, config: toml::Table) {
        self.defaults.push((
            label.to_string(),
            StoreConfig {
                type_: type_.to_string(),
                config,
            },
        ));
    }

    /// The backends of the `key_value_store` table of a runtime config (if any), plus the
    /// defaults of labels it leaves out. Errors name the label, in Spin's words.
    pub fn resolve(
        &self,
        key_value_store: Option<&toml::Value>,
    ) -> anyhow::Result<HashMap<String, Arc<dyn Backend>>> {
        let mut stores = HashMap::new();
        if let Some(table) = key_value_store {
            let table: HashMap<String, StoreConfig> = table
                .clone()
                .try_into()
                .context("invalid [key_value_store] table")?;
            for (label, config) in table {
                crate::validate_label(&label).map_err(anyhow::Error::msg)?;
                let store = self.make(&label, config).with_context(|| {
                    format!("could not configure key-value store with label '{label}'")
                })?;
                stores.insert(label, store);
            }
        }
        for (label, config) in &self.defaults {
            if !stores.contains_key(label) {
                let store = self.make(label, config.clone()).with_context(|| {
                    format!("could not configure key-value store with label '{label}'")
                })?;
                stores.insert(label.clone(), store);
            }
        }
        Ok(stores)
    }

    fn make(&self, label: &str, config: StoreConfig) -> anyhow::Result<Arc<dyn Backend>> {
        let make = self.types.get(config.type_.as_str()).with_context(|| {
            format!(
                "the store type '{}' was not registered with the config resolver",
                config.type_
            )
        })?;
        make(label, config.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Named;

    #[async_trait::async_trait]
    impl Backend for Named {
        async fn get(&self, _: &str) -> anyhow::Result<Option<Vec<u8>>> {
            Ok(None)
        }
        async fn set(&self, _: &str, _: &[u8]) -> anyhow::Result<()> {
            Ok(())
        }
        async fn delete(&self, _: &str) -> anyhow::Result<()> {
            Ok(())
        }
        async fn exists(&self, _: &str) -> anyhow::Result<bool> {
            Ok(false)
        }
        async fn get_keys(&self) -> anyhow::Result<Vec<String>> {
            Ok(Vec::new())
        }
        async fn increment(&self, _: &str, delta: i64) -> anyhow::Result<i64> {
            Ok(delta)
        }
        async fn compare_and_swap(
            &self,
            _: &str,
            _: Option<&[u8]>,
            _: &[u8],
        ) -> anyhow::Result<bool> {
            Ok(false)
        }
    }

    fn resolver() -> RuntimeConfigResolver {
        let mut r = RuntimeConfigResolver::new();
        r.register_store_type(
            "memory",
            Box::new(|_, table| {
                anyhow::ensure!(!table.contains_key("fail"), "asked to fail");
                Ok(Arc::new(Named) as Arc<dyn Backend>)
            }),
        )
        .unwrap();
        r.add_default_store("default", "memory", toml::Table::new());
        r
    }

    fn parse(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn defaults_and_configured_labels() {
        let r = resolver();
        let none = r.resolve(None).unwrap();
        assert_eq!(none.len(), 1);
        assert!(none.contains_key("default"));
        let file = parse("[key_value_store.cache]\ntype = \"memory\"\n");
        let stores = r.resolve(file.get("key_value_store")).unwrap();
        let mut labels: Vec<_> = stores.keys().cloned().collect();
        labels.sort();
        assert_eq!(labels, ["cache", "default"]);
    }

    #[test]
    fn errors_name_the_label_in_spins_words() {
        let mut r = resolver();
        let file = parse("[key_value_store.cache]\ntype = \"dynamo\"\n");
        let err = r.resolve(file.get("key_value_store")).err().unwrap();
        assert_eq!(
            format!("{err:#}"),
            "could not configure key-value store with label 'cache': the store type 'dynamo' \
             was not registered with the config resolver"
        );
        let file = parse("[key_value_store.cache]\npath = \"x\"\n");
        assert!(r.resolve(file.get("key_value_store")).is_err());
        let file = parse("[key_value_store.default]\ntype = \"memory\"\nfail = true\n");
        let err = r.resolve(file.get("key_value_store")).err().unwrap();
        assert!(format!("{err:#}").contains("asked to fail"));
        assert!(r
            .register_store_type("memory", Box::new(|_, _| unreachable!()))
            .is_err());
    }
}
