//! The host side of `fermyon:spin/key-value`: store handles over labelled backends, as
//! `crates/factor-key-value/src/host.rs` at Spin v4.0.2 serves them.

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};

use crate::bindings::fermyon::spin::key_value::{self as kv, Error};
use crate::{Backend, MAX_HOST_BUFFERED_BYTES, STORE_TABLE_CAPACITY};

/// What a `store` resource refers to.
pub struct StoreHandle {
    backend: Arc<dyn Backend>,
}

/// Per-instance key-value state: the stores this component may open and its open handles.
pub struct KeyValueState {
    stores: Arc<HashMap<String, Arc<dyn Backend>>>,
    allowed: Arc<Vec<String>>,
    table: ResourceTable,
    /// Stores open now (Spin's store table holds at most [`STORE_TABLE_CAPACITY`]).
    open_stores: usize,
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
        }
    }

    fn backend(&self, store: &Resource<StoreHandle>) -> wasmtime::Result<Arc<dyn Backend>> {
        Ok(self.table.get(store)?.backend.clone())
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

impl kv::Host for KeyValueState {}

impl kv::HostStore for KeyValueState {
    /// Spin: a label outside the component's `key_value_stores` is `access-denied`
    /// (whether or not such a store exists); more than 256 open stores is
    /// `store-table-full`.
    async fn open(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<StoreHandle>, Error>> {
        if !self.allowed.iter().any(|l| l == &label) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(backend) = self.stores.get(&label).cloned() else {
            // Unreachable once start-up has run `check_component_stores`.
            return Ok(Err(Error::NoSuchStore));
        };
        if self.open_stores >= STORE_TABLE_CAPACITY {
            return Ok(Err(Error::StoreTableFull));
        }
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
        Ok(value.and_then(|v| {
            let size = std::mem::size_of::<Option<Vec<u8>>>() + v.as_ref().map_or(0, Vec::len);
            if size > MAX_HOST_BUFFERED_BYTES {
                Err(too_large())
            } else {
                Ok(v)
            }
        }))
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
        Ok(keys.and_then(|keys| {
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
        }))
    }

    async fn drop(&mut self, store: Resource<StoreHandle>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        self.open_stores = self.open_stores.saturating_sub(1);
        Ok(())
    }
}
