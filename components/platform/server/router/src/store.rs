//! Typed access to the Spin key-value store's records. Keys and record types are
//! `lathe_store_layout`'s; file bytes go through [`crate::blobs`].

use serde::{de::DeserializeOwned, Serialize};
use spin_sdk::key_value::Store;

use crate::{ApiError, ApiResult};

/// Opens the default store.
pub fn open() -> ApiResult<Store> {
    Ok(Store::open_default()?)
}

/// Reads a JSON record.
pub fn get_json<T: DeserializeOwned>(store: &Store, key: &str) -> ApiResult<Option<T>> {
    match store.get(key)? {
        Some(bytes) => lathe_store_layout::decode(&bytes)
            .map(Some)
            .map_err(|e| ApiError::internal(format!("corrupt record {key}: {e}"))),
        None => Ok(None),
    }
}

/// Writes a JSON record.
pub fn set_json<T: Serialize>(store: &Store, key: &str, value: &T) -> ApiResult<()> {
    Ok(store.set(key, &lathe_store_layout::encode(value))?)
}

/// Keys starting with `prefix` (the interface only lists all keys, so this filters).
pub fn keys_with_prefix(store: &Store, prefix: &str) -> ApiResult<Vec<String>> {
    let mut keys: Vec<String> = store
        .get_keys()?
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect();
    keys.sort();
    Ok(keys)
}
