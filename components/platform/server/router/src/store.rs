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

/// Edits the JSON record at `key` (absent: `T::default()`) with `change` and writes it
/// back only if nobody wrote the key since it was read (the store's compare-and-swap,
/// `wasi:keyvalue/atomics`; Redis `WATCH`/`MULTI` or a SQLite transaction underneath),
/// else reads it again and re-applies `change`: concurrent edits of one record never lose
/// each other's changes. An error from `change` is returned and nothing is written.
pub fn update_json<T, R>(key: &str, mut change: impl FnMut(&mut T) -> ApiResult<R>) -> ApiResult<R>
where
    T: DeserializeOwned + Serialize + Default,
{
    use spin_sdk::wit::wasi::keyvalue::{atomics, store};
    let failed = |what: &str, e: &dyn std::fmt::Debug| {
        ApiError::internal(format!("wasi:keyvalue {what} of {key}: {e:?}"))
    };
    let bucket = store::open("default").map_err(|e| failed("open", &e))?;
    // Each retry means another writer won; a handful of rounds settles any real contention.
    for _ in 0..16 {
        let cas = atomics::Cas::new(&bucket, key).map_err(|e| failed("cas", &e))?;
        let mut record = match cas.current().map_err(|e| failed("read", &e))? {
            Some(bytes) => lathe_store_layout::decode(&bytes)
                .map_err(|e| ApiError::internal(format!("corrupt record {key}: {e}")))?,
            None => T::default(),
        };
        let answer = change(&mut record)?;
        match atomics::swap(cas, &lathe_store_layout::encode(&record)) {
            Ok(()) => return Ok(answer),
            Err(atomics::CasError::CasFailed(_)) => continue,
            Err(atomics::CasError::StoreError(e)) => return Err(failed("swap", &e)),
        }
    }
    Err(ApiError::new(
        503,
        "BUSY",
        "The record is being changed by many requests at once; try again",
    ))
}

/// Writes `value` at `key` only if the key is absent (the store's compare-and-swap);
/// `false` when it exists or another writer claimed it first. For unique names: of two
/// requests claiming one name at once, exactly one wins.
pub fn claim(key: &str, value: &[u8]) -> ApiResult<bool> {
    use spin_sdk::wit::wasi::keyvalue::{atomics, store};
    let failed = |what: &str, e: &dyn std::fmt::Debug| {
        ApiError::internal(format!("wasi:keyvalue {what} of {key}: {e:?}"))
    };
    let bucket = store::open("default").map_err(|e| failed("open", &e))?;
    let cas = atomics::Cas::new(&bucket, key).map_err(|e| failed("cas", &e))?;
    if cas.current().map_err(|e| failed("read", &e))?.is_some() {
        return Ok(false);
    }
    match atomics::swap(cas, value) {
        Ok(()) => Ok(true),
        Err(atomics::CasError::CasFailed(_)) => Ok(false),
        Err(atomics::CasError::StoreError(e)) => Err(failed("swap", &e)),
    }
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
