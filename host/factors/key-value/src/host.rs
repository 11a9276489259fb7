//! The host side of `fermyon:spin/key-value` and `wasi:keyvalue`: store handles over
//! labelled backends, as `crates/factor-key-value/src/host.rs` at Spin v4.0.2 serves them.

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};

use crate::bindings::fermyon::spin::key_value::{self as kv, Error};
use crate::{Backend, MAX_HOST_BUFFERED_BYTES, STORE_TABLE_CAPACITY};

mod wasi;

/// What a `fermyon:spin/key-value` `store` resource refers to.
pub struct StoreHandle {
    backend: Arc<dyn Backend>,
}

/// What a `wasi:keyvalue/store` `bucket` resource refers to.
pub struct BucketHandle {
    backend: Arc<dyn Backend>,
}

/// What a `wasi:keyvalue/atomics` `cas` resource refers to: a key and the value its last
/// `current` saw (`None`: absent, or not read), which `swap` expects to find.
pub struct CasHandle {
    backend: Arc<dyn Backend>,
    key: String,
    seen: Option<Vec<u8>>,
}

/// Per-instance key-value state: the stores this component may open and its open handles.
pub struct KeyValueState {
    stores: Arc<HashMap<String, Arc<dyn Backend>>>,
    allowed: Arc<Vec<String>>,
    table: ResourceTable,
    /// Stores and buckets open now (Spin's one store table holds at most
    /// [`STORE_TABLE_CAPACITY`] of both together).
    open_stores: usize,
    /// CAS handles open now (Spin's CAS table has the same capacity).
    open_cas: usize,
}

impl KeyValueState {
    /// State for one instance. `stores` maps labels to backends; `allowed` is the
    /// component's `key_value_stores` list from the manifest.
    pub fn new(stores: Arc<HashMap<String, Arc<dyn Backend>>>, allowed: Arc<Vec<String>>) -> Self {
        Self {
            stores,
            allowed,
            table: ResourceTable::new(),
            open_stores: 0,
            open_cas: 0,
        }
    }

    fn backend(&self, store: &Resource<StoreHandle>) -> wasmtime::Result<Arc<dyn Backend>> {
        Ok(self.table.get(store)?.backend.clone())
    }

    fn bucket(&self, bucket: &Resource<BucketHandle>) -> wasmtime::Result<Arc<dyn Backend>> {
        Ok(self.table.get(bucket)?.backend.clone())
    }

    /// The backend `label` names, if this component may open it: Spin's rule for both
    /// interfaces (`access-denied` for a label outside `key_value_stores`, known or not;
    /// `no-such-store` for a listed label no store has) and the shared table's capacity.
    fn open_backend(&self, label: &str) -> Result<Arc<dyn Backend>, Error> {
        if !self.allowed.iter().any(|l| l == label) {
            return Err(Error::AccessDenied);
        }
        // `None` is unreachable once start-up has run `check_component_stores`.
        let backend = self.stores.get(label).cloned().ok_or(Error::NoSuchStore)?;
        if self.open_stores >= STORE_TABLE_CAPACITY {
            return Err(Error::StoreTableFull);
        }
        Ok(backend)
    }
}

fn other(e: anyhow::Error) -> Error {
    Error::Other(e.to_string())
}

/// Spin's error for a result over the host buffer limit.
fn too_large() -> Error {
    Error::Other(format!(
        "query result exceeds limit of {MAX_HOST_BUFFERED_BYTES} bytes"
    ))
}

/// `value` if it fits Spin's host buffer limit, as Spin's SQLite `get` measures it.
fn limit_value(value: Option<Vec<u8>>) -> Result<Option<Vec<u8>>, Error> {
    let size = std::mem::size_of::<Option<Vec<u8>>>() + value.as_ref().map_or(0, Vec::len);
    if size > MAX_HOST_BUFFERED_BYTES {
        Err(too_large())
    } else {
        Ok(value)
    }
}

/// `keys` if they fit Spin's host buffer limit, as Spin's SQLite `get_keys` measures them.
fn limit_keys(keys: Vec<String>) -> Result<Vec<String>, Error> {
    let size = std::mem::size_of::<Vec<String>>()
        + keys
            .iter()
            .map(|k| std::mem::size_of::<String>() + k.len())
            .sum::<usize>();
    if size > MAX_HOST_BUFFERED_BYTES {
        Err(too_large())
    } else {
        Ok(keys)
    }
}

impl kv::Host for KeyValueState {}

impl kv::HostStore for KeyValueState {
    /// Spin: a label outside the component's `key_value_stores` is `access-denied`
    /// (whether or not such a store exists); more than 256 open stores is
    /// `store-table-full`.
    async fn open(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<StoreHandle>, Error>> {
        let backend = match self.open_backend(&label) {
            Ok(backend) => backend,
            Err(e) => return Ok(Err(e)),
        };
        let handle = self.table.push(StoreHandle { backend })?;
        self.open_stores += 1;
        Ok(Ok(handle))
    }

    async fn get(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let value = self.backend(&store)?.get(&key).await.map_err(other);
        // Spin's SQLite store refuses results over MAX_HOST_BUFFERED_BYTES.
        Ok(value.and_then(limit_value))
    }

    async fn set(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.backend(&store)?.set(&key, &value).await.map_err(other))
    }

    async fn delete(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.backend(&store)?.delete(&key).await.map_err(other))
    }

    async fn exists(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        Ok(self.backend(&store)?.exists(&key).await.map_err(other))
    }

    async fn get_keys(
        &mut self,
        store: Resource<StoreHandle>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let keys = self.backend(&store)?.get_keys().await.map_err(other);
        Ok(keys.and_then(limit_keys))
    }

    async fn drop(&mut self, store: Resource<StoreHandle>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        self.open_stores = self.open_stores.saturating_sub(1);
        Ok(())
    }
}
