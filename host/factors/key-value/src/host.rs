//! The host side of `fermyon:spin/key-value`: store handles over labelled backends.

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};

use crate::bindings::fermyon::spin::key_value::{self as kv, Error};
use crate::Backend;

/// What a `store` resource refers to.
pub struct StoreHandle {
    backend: Arc<dyn Backend>,
}

/// Per-instance key-value state: the stores this component may open and its open handles.
pub struct KeyValueState {
    stores: Arc<HashMap<String, Arc<dyn Backend>>>,
    allowed: Arc<Vec<String>>,
    table: ResourceTable,
}

impl KeyValueState {
    /// State for one instance. `stores` maps labels to backends; `allowed` is the
    /// component's `key_value_stores` list from the manifest.
    pub fn new(stores: Arc<HashMap<String, Arc<dyn Backend>>>, allowed: Arc<Vec<String>>) -> Self {
        Self {
            stores,
            allowed,
            table: ResourceTable::new(),
        }
    }

    fn backend(&self, store: &Resource<StoreHandle>) -> wasmtime::Result<Arc<dyn Backend>> {
        Ok(self.table.get(store)?.backend.clone())
    }
}

fn other(e: anyhow::Error) -> Error {
    Error::Other(e.to_string())
}

impl kv::Host for KeyValueState {}

impl kv::HostStore for KeyValueState {
    fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<StoreHandle>, Error>> {
        if !self.allowed.iter().any(|l| l == &label) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(backend) = self.stores.get(&label).cloned() else {
            return Ok(Err(Error::NoSuchStore));
        };
        Ok(Ok(self.table.push(StoreHandle { backend })?))
    }

    fn get(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        Ok(self.backend(&store)?.get(&key).map_err(other))
    }

    fn set(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.backend(&store)?.set(&key, &value).map_err(other))
    }

    fn delete(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.backend(&store)?.delete(&key).map_err(other))
    }

    fn exists(
        &mut self,
        store: Resource<StoreHandle>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        Ok(self.backend(&store)?.exists(&key).map_err(other))
    }

    fn get_keys(
        &mut self,
        store: Resource<StoreHandle>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        Ok(self.backend(&store)?.get_keys().map_err(other))
    }

    fn drop(&mut self, store: Resource<StoreHandle>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}
