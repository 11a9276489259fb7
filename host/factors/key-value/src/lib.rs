//! Spin's key-value interface (`fermyon:spin/key-value@2.0.0`) for the Lathe host.
//!
//! `lib.rs` links the WIT bindings; [`host`] implements them over any [`Backend`]; each
//! backend (the embedded SQLite one lives in `lathe-key-value-sqlite`) is a crate of its own.
//! As in Spin, a component may open only the stores its manifest entry lists in
//! `key_value_stores`, and the interface offers no atomic read-modify-write.

mod host;

pub use host::KeyValueState;

/// Generated bindings for `fermyon:spin/key-value@2.0.0`.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "key-value-host",
        imports: { default: trappable },
        with: { "fermyon:spin/key-value.store": crate::host::StoreHandle },
    });
}

/// A key-value store backend. Implementations must be safe to share between requests.
pub trait Backend: Send + Sync {
    /// The value of `key`, if any.
    fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// Stores `value` under `key`, replacing any earlier value.
    fn set(&self, key: &str, value: &[u8]) -> anyhow::Result<()>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// Whether `key` exists.
    fn exists(&self, key: &str) -> anyhow::Result<bool>;
    /// Every key in the store.
    fn get_keys(&self) -> anyhow::Result<Vec<String>>;
    /// Every key that starts with `prefix` (a host-side helper; the guest interface only
    /// has `get-keys`).
    fn keys_with_prefix(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        Ok(self
            .get_keys()?
            .into_iter()
            .filter(|k| k.starts_with(prefix))
            .collect())
    }
}

/// Adds the key-value interface to a linker; `get` picks the state out of the store data.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut KeyValueState,
) -> wasmtime::Result<()> {
    bindings::fermyon::spin::key_value::add_to_linker::<
        T,
        wasmtime::component::HasSelf<KeyValueState>,
    >(linker, get)
}
