//! Spin's key-value interfaces for the Lathe host: `fermyon:spin/key-value@2.0.0` and
//! `wasi:keyvalue@0.2.0-draft2` (`store`, `atomics`, `batch`).
//!
//! `lib.rs` links the WIT bindings; [`host`] implements them over any [`Backend`];
//! [`runtime_config`] reads the `[key_value_store.<label>]` tables of a Spin runtime config
//! file; each backend (the embedded SQLite one lives in `lathe-key-value-sqlite`) is a crate
//! of its own.
//! As in Spin, both interfaces reach the same stores: a component may open only the stores
//! its manifest entry lists in `key_value_stores`, and a key set through one interface is
//! read by the other. `fermyon:spin/key-value` has no atomic read-modify-write;
//! `wasi:keyvalue/atomics` has one: `increment` (a counter stored as Spin's SQLite store
//! stores it, see [`next_counter`]) and compare-and-swap, both atomic in the backend.
//!
//! Label rules follow Spin v4.0.2: a label in `key_value_stores` is kebab-case or
//! snake_case (`crates/manifest/src/schema/v2.rs`, [`validate_label`]); without a runtime
//! config only the `default` store is defined (`crates/runtime-config`), and a component
//! naming any other label stops the app from starting (`crates/factor-key-value`,
//! [`check_component_stores`]). At run time a label outside the component's list is
//! `access-denied`.

mod host;
mod memory;
pub mod runtime_config;

pub use memory::MemoryBackend;

pub use host::KeyValueState;

/// Generated bindings for `fermyon:spin/key-value@2.0.0` and `wasi:keyvalue@0.2.0-draft2`.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "key-value-host",
        imports: { default: async | trappable },
        with: {
            "fermyon:spin/key-value.store": crate::host::StoreHandle,
            "wasi:keyvalue/store.bucket": crate::host::BucketHandle,
            "wasi:keyvalue/atomics.cas": crate::host::CasHandle,
        },
    });
}

/// The one store `spin up` defines without a runtime config.
pub const DEFAULT_STORE: &str = "default";

/// Most stores one instance may hold open (`DEFAULT_STORE_TABLE_CAPACITY` in Spin).
pub const STORE_TABLE_CAPACITY: usize = 256;

/// Largest `get` or `get-keys` result Spin returns (`MAX_HOST_BUFFERED_BYTES`, 128 MiB).
pub const MAX_HOST_BUFFERED_BYTES: usize = 128 << 20;

/// Spin's manifest rule for a `key_value_stores` label: a kebab-case or a snake_case id
/// (words of ASCII letters and digits, each starting with a letter and all one case).
/// Spin's error text is `expected kebab-case or snake_case`.
pub fn validate_label(label: &str) -> Result<(), String> {
    if lathe_spin_ids::check_id(label, '-', false).is_ok()
        || lathe_spin_ids::check_id(label, '_', false).is_ok()
    {
        Ok(())
    } else {
        Err(format!("{label:?}: expected kebab-case or snake_case"))
    }
}

/// Start-up checks on one component's `key_value_stores`, as `spin up` makes them:
/// every label is valid ([`validate_label`]) and `defined` (with no runtime config,
/// only [`DEFAULT_STORE`]). Spin's error: `unknown key_value_stores label "x" for
/// component "y"`.
pub fn check_component_stores(
    component_id: &str,
    labels: &[String],
    defined: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    for label in labels {
        if let Err(reason) = validate_label(label) {
            anyhow::bail!("component {component_id:?}: key_value_stores: {reason}");
        }
    }
    for label in labels {
        anyhow::ensure!(
            defined(label),
            "unknown key_value_stores label {label:?} for component {component_id:?}"
        );
    }
    Ok(())
}

/// Whether `spin up` without a runtime config defines the store `label`.
pub fn defined_without_runtime_config(label: &str) -> bool {
    label == DEFAULT_STORE
}

/// A key-value store backend. Implementations must be safe to share between requests.
///
/// The methods are async, as Spin's `Store` trait is, so a network backend (Redis, a
/// cloud table) waits for its server without holding a runtime thread; a local backend
/// simply answers at once.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// The value of `key`, if any.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// Stores `value` under `key`, replacing any earlier value.
    async fn set(&self, key: &str, value: &[u8]) -> anyhow::Result<()>;
    /// Removes `key`; removing a missing key is not an error.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// Whether `key` exists.
    async fn exists(&self, key: &str) -> anyhow::Result<bool>;
    /// Every key in the store.
    async fn get_keys(&self) -> anyhow::Result<Vec<String>>;
    /// Atomically adds `delta` to the counter under `key` (missing: 0), stores the sum as
    /// [`next_counter`] encodes it and returns it.
    async fn increment(&self, key: &str, delta: i64) -> anyhow::Result<i64>;
    /// Atomically sets `key` to `new` if its value is still `expected` (`None`: only if the
    /// key is absent). Returns whether it did.
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> anyhow::Result<bool>;
    /// Every key that starts with `prefix`, sorted (a host-side helper; the guest
    /// interface only has `get-keys`).
    async fn keys_with_prefix(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let mut keys: Vec<String> = self
            .get_keys()
            .await?
            .into_iter()
            .filter(|k| k.starts_with(prefix))
            .collect();
        keys.sort();
        Ok(keys)
    }
}

/// The counter `increment` stores after adding `delta` to the stored `value` (none: 0).
/// As in Spin's SQLite store (`crates/key-value-spin/src/store.rs`, `increment`), a counter
/// is 8 bytes, an `i64` little-endian: `i64::from_le_bytes`, `to_le_bytes`. A value of
/// another length is an error (Spin panics); so is an overflow (Redis `INCRBY`'s error).
pub fn next_counter(value: Option<&[u8]>, delta: i64) -> anyhow::Result<i64> {
    let current = match value {
        None => 0,
        Some(bytes) => i64::from_le_bytes(bytes.try_into().map_err(|_| {
            anyhow::anyhow!(
                "value is not a counter: {} bytes, expected 8 (i64, little-endian)",
                bytes.len()
            )
        })?),
    };
    current
        .checked_add(delta)
        .ok_or_else(|| anyhow::anyhow!("increment or decrement would overflow"))
}

/// Adds the key-value interfaces (`fermyon:spin/key-value@2.0.0` and `wasi:keyvalue`'s
/// `store`, `atomics`, `batch`) to a linker; `get` picks the state out of the store data.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut KeyValueState,
) -> wasmtime::Result<()> {
    bindings::KeyValueHost::add_to_linker::<T, wasmtime::component::HasSelf<KeyValueState>>(
        linker, get,
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::bindings::fermyon::spin::key_value::{Error, HostStore};

    /// State whose stores are `default` and `other`; `allowed` are the component's labels.
    pub(crate) fn state(allowed: &[&str]) -> KeyValueState {
        let mut stores: HashMap<String, Arc<dyn Backend>> = HashMap::new();
        stores.insert("default".into(), Arc::new(MemoryBackend::default()));
        stores.insert("other".into(), Arc::new(MemoryBackend::default()));
        KeyValueState::new(
            Arc::new(stores),
            Arc::new(allowed.iter().map(|s| s.to_string()).collect()),
        )
    }

    /// Spin `KeyValueDispatch::open`: `if self.allowed_stores.contains(&name) {...} else
    /// { Err(Error::AccessDenied) }`, for unknown labels too.
    #[tokio::test]
    async fn open_only_listed_labels() {
        let mut kv = state(&["default"]);
        let store = kv.open("default".into()).await.unwrap().unwrap();
        kv.set(store, "k".into(), b"v".to_vec())
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(
            kv.open("other".into()).await.unwrap(),
            Err(Error::AccessDenied)
        ));
        assert!(matches!(
            kv.open("nowhere".into()).await.unwrap(),
            Err(Error::AccessDenied)
        ));
    }

    /// `increment` stores Spin's SQLite counter bytes; anything but 8 bytes, or an
    /// overflow, is an error.
    #[test]
    fn counter_encoding() {
        assert_eq!(next_counter(None, 5).unwrap(), 5);
        assert_eq!(next_counter(Some(&7i64.to_le_bytes()), -10).unwrap(), -3);
        assert!(next_counter(Some(b"7"), 1).is_err());
        assert!(next_counter(Some(&i64::MAX.to_le_bytes()), 1).is_err());
    }

    /// Spin's store table has `DEFAULT_STORE_TABLE_CAPACITY` (256) slots; dropping a
    /// store frees one.
    #[tokio::test]
    async fn store_table_full_after_256_open_stores() {
        let mut kv = state(&["default"]);
        let mut handles = Vec::new();
        for _ in 0..STORE_TABLE_CAPACITY {
            handles.push(kv.open("default".into()).await.unwrap().unwrap());
        }
        assert!(matches!(
            kv.open("default".into()).await.unwrap(),
            Err(Error::StoreTableFull)
        ));
        HostStore::drop(&mut kv, handles.pop().unwrap())
            .await
            .unwrap();
        assert!(kv.open("default".into()).await.unwrap().is_ok());
    }

    /// Spin: `key_value_stores` is `kebab_or_snake_case`; without a runtime config only
    /// `default` is defined ("unknown key_value_stores label {label:?} for component
    /// {component_id:?}").
    #[test]
    fn label_rules_and_start_up_check() {
        for ok in [
            "default", "my-store", "my_store", "MY-STORE", "a1", "store2-b",
        ] {
            validate_label(ok).expect(ok);
        }
        for bad in [
            "", "my store", "1store", "My-store", "a-_b", "a--b", "a.b", "-a",
        ] {
            validate_label(bad).expect_err(bad);
        }
        let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        check_component_stores("api", &labels(&["default"]), defined_without_runtime_config)
            .unwrap();
        let err = check_component_stores(
            "api",
            &labels(&["default", "cache"]),
            defined_without_runtime_config,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"unknown key_value_stores label "cache" for component "api""#
        );
        assert!(check_component_stores("api", &labels(&["bad label"]), |_| true).is_err());
    }

    /// Lathe's spin.toml lists only `default`, which `spin up` defines.
    #[test]
    fn lathe_manifest_labels_are_defined() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../spin.toml"))
                .expect("spin.toml");
        let mut seen = 0;
        for line in text.lines() {
            if let Some(list) = line.strip_prefix("key_value_stores = ") {
                let labels: Vec<String> = list
                    .trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .map(|s| s.trim().trim_matches('"').to_string())
                    .collect();
                check_component_stores("c", &labels, defined_without_runtime_config).unwrap();
                seen += 1;
            }
        }
        assert!(seen > 0);
    }
}
