//! Where file bytes live: a [`Blobs`] store holds each file as numbered chunks of
//! [`CHUNK_SIZE`] bytes under its blob prefix (`lathe_store_layout::keys::input` /
//! `output`). Records (jobs, results, users) stay in the key-value store; only bytes go
//! through this seam, so moving them elsewhere touches neither the tools nor the job logic.
//!
//! Today's backend is [`KvBlobs`], the same Spin key-value store (`default`), which is what
//! the native worker reads and writes too. An S3-compatible backend for the distributed
//! deployment is one more implementation of [`Blobs`] (object key = chunk key) and the
//! matching reader in the host worker.

use lathe_store_layout::{keys, FileRef, CHUNK_SIZE};
use spin_sdk::key_value::Store;

use crate::{ApiError, ApiResult};

/// A store of file chunks.
pub trait Blobs {
    /// Stores chunk `index` of the file at `prefix`.
    fn put_chunk(&self, prefix: &str, index: u32, data: &[u8]) -> ApiResult<()>;
    /// Chunk `index` of the file at `prefix`, if stored.
    fn chunk(&self, prefix: &str, index: u32) -> ApiResult<Option<Vec<u8>>>;
    /// Deletes chunk `index` of the file at `prefix` (missing is fine).
    fn delete_chunk(&self, prefix: &str, index: u32) -> ApiResult<()>;
    /// Deletes every chunk of every file whose prefix starts with `prefix` (for uploads
    /// abandoned halfway, whose chunk counts are unknown).
    fn delete_all_under(&self, prefix: &str) -> ApiResult<()>;
}

/// Blobs kept in the Spin key-value store, one value per chunk.
pub struct KvBlobs {
    store: Store,
}

impl KvBlobs {
    /// Blobs in `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Blobs for KvBlobs {
    fn put_chunk(&self, prefix: &str, index: u32, data: &[u8]) -> ApiResult<()> {
        Ok(self.store.set(&keys::chunk(prefix, index), data)?)
    }

    fn chunk(&self, prefix: &str, index: u32) -> ApiResult<Option<Vec<u8>>> {
        Ok(self.store.get(&keys::chunk(prefix, index))?)
    }

    fn delete_chunk(&self, prefix: &str, index: u32) -> ApiResult<()> {
        Ok(self.store.delete(&keys::chunk(prefix, index))?)
    }

    fn delete_all_under(&self, prefix: &str) -> ApiResult<()> {
        for key in crate::store::keys_with_prefix(&self.store, prefix)? {
            self.store.delete(&key)?;
        }
        Ok(())
    }
}

/// The blob store of this deployment (the default key-value store).
pub fn open() -> ApiResult<Box<dyn Blobs>> {
    Ok(Box::new(KvBlobs::new(crate::store::open()?)))
}

/// Writes a file as chunks under `prefix` piece by piece, holding at most one chunk.
pub struct ChunkWriter<'a> {
    blobs: &'a dyn Blobs,
    prefix: String,
    buffer: Vec<u8>,
    chunks: u32,
    size: u64,
}

impl<'a> ChunkWriter<'a> {
    /// A writer for the file at `prefix`.
    pub fn new(blobs: &'a dyn Blobs, prefix: impl Into<String>) -> Self {
        Self {
            blobs,
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
            let room = CHUNK_SIZE - self.buffer.len();
            let take = room.min(data.len());
            self.buffer.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buffer.len() == CHUNK_SIZE {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> ApiResult<()> {
        if !self.buffer.is_empty() {
            self.blobs
                .put_chunk(&self.prefix, self.chunks, &self.buffer)?;
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

/// Chunk `index` of the file at `prefix`; a missing chunk is a server error.
pub fn get_chunk(blobs: &dyn Blobs, prefix: &str, index: u32) -> ApiResult<Vec<u8>> {
    blobs
        .chunk(prefix, index)?
        .ok_or_else(|| ApiError::internal(format!("missing chunk {prefix}/{index}")))
}

/// Writes `data` as the file at `prefix`; returns its chunk count.
pub fn put_file(blobs: &dyn Blobs, prefix: &str, data: &[u8]) -> ApiResult<u32> {
    let mut writer = ChunkWriter::new(blobs, prefix);
    writer.write(data)?;
    Ok(writer.finish()?.0)
}

/// Reads the file `file` stored at `prefix` back into one buffer.
pub fn read_file(blobs: &dyn Blobs, prefix: &str, file: &FileRef) -> ApiResult<Vec<u8>> {
    let mut data = Vec::with_capacity(file.size as usize);
    for index in 0..file.chunks {
        data.extend_from_slice(&get_chunk(blobs, prefix, index)?);
    }
    Ok(data)
}

/// Deletes the `chunks` chunks of the file at `prefix`.
pub fn delete_file(blobs: &dyn Blobs, prefix: &str, chunks: u32) -> ApiResult<()> {
    for index in 0..chunks {
        blobs.delete_chunk(prefix, index)?;
    }
    Ok(())
}
