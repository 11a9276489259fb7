//! Typed access to the Spin key-value store: JSON records and chunked files.
//!
//! Files are stored in chunks of [`CHUNK`] bytes (`<prefix>/<n>`), so a large result never
//! needs one huge value, which some backends (Redis, Fermyon Cloud) cap.

use serde::{de::DeserializeOwned, Serialize};
use spin_sdk::key_value::Store;

use crate::{ApiError, ApiResult};

/// Size of one stored chunk.
pub const CHUNK: usize = 1 << 20;

/// Opens the default store.
pub fn open() -> ApiResult<Store> {
    Ok(Store::open_default()?)
}

/// Reads a JSON record.
pub fn get_json<T: DeserializeOwned>(store: &Store, key: &str) -> ApiResult<Option<T>> {
    match store.get(key)? {
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ApiError::internal(format!("corrupt record {key}: {e}"))),
        None => Ok(None),
    }
}

/// Writes a JSON record.
pub fn set_json<T: Serialize>(store: &Store, key: &str, value: &T) -> ApiResult<()> {
    let bytes = serde_json::to_vec(value).map_err(ApiError::internal)?;
    Ok(store.set(key, &bytes)?)
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

/// Writes a file as chunks under `prefix` piece by piece, holding at most one chunk.
pub struct ChunkWriter<'a> {
    store: &'a Store,
    prefix: String,
    buffer: Vec<u8>,
    chunks: u32,
    size: u64,
}

impl<'a> ChunkWriter<'a> {
    /// A writer for `<prefix>/<n>`.
    pub fn new(store: &'a Store, prefix: impl Into<String>) -> Self {
        Self {
            store,
            prefix: prefix.into(),
            buffer: Vec::new(),
            chunks: 0,
            size: 0,
        }
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends `data`, storing every full chunk.
    pub fn write(&mut self, mut data: &[u8]) -> ApiResult<()> {
        self.size += data.len() as u64;
        while !data.is_empty() {
            let room = CHUNK - self.buffer.len();
            let take = room.min(data.len());
            self.buffer.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buffer.len() == CHUNK {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> ApiResult<()> {
        if !self.buffer.is_empty() {
            self.store
                .set(&format!("{}/{}", self.prefix, self.chunks), &self.buffer)?;
            self.chunks += 1;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Stores the last partial chunk; returns the chunk count and total size.
    pub fn finish(mut self) -> ApiResult<(u32, u64)> {
        self.flush()?;
        Ok((self.chunks, self.size))
    }
}

/// Reads chunk `index` under `prefix`.
pub fn get_chunk(store: &Store, prefix: &str, index: u32) -> ApiResult<Vec<u8>> {
    store
        .get(&format!("{prefix}/{index}"))?
        .ok_or_else(|| ApiError::internal(format!("missing chunk {prefix}/{index}")))
}

/// Writes `data` as chunks under `prefix`; returns the chunk count.
pub fn put_chunks(store: &Store, prefix: &str, data: &[u8]) -> ApiResult<u32> {
    let mut count = 0;
    for (i, chunk) in data.chunks(CHUNK).enumerate() {
        store.set(&format!("{prefix}/{i}"), chunk)?;
        count += 1;
    }
    Ok(count)
}

/// Reads `count` chunks under `prefix` back into one buffer.
pub fn get_chunks(store: &Store, prefix: &str, count: u32, size: u64) -> ApiResult<Vec<u8>> {
    let mut data = Vec::with_capacity(size as usize);
    for i in 0..count {
        let chunk = store
            .get(&format!("{prefix}/{i}"))?
            .ok_or_else(|| ApiError::internal(format!("missing chunk {prefix}/{i}")))?;
        data.extend_from_slice(&chunk);
    }
    Ok(data)
}

/// Deletes `count` chunks under `prefix`.
pub fn delete_chunks(store: &Store, prefix: &str, count: u32) -> ApiResult<()> {
    for i in 0..count {
        store.delete(&format!("{prefix}/{i}"))?;
    }
    Ok(())
}
