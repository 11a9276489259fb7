//! An in-memory [`Backend`]: one map behind a lock, so increments and compare-and-swap are
//! atomic. For tests (the host's and its factors'), and for anything that needs a store that
//! lives no longer than the process.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::{next_counter, Backend};

/// A store held in memory.
#[derive(Default)]
pub struct MemoryBackend(Mutex<HashMap<String, Vec<u8>>>);

#[async_trait::async_trait]
impl Backend for MemoryBackend {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    async fn set(&self, key: &str, value: &[u8]) -> anyhow::Result<()> {
        self.0.lock().unwrap().insert(key.into(), value.into());
        Ok(())
    }
    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.0.lock().unwrap().remove(key);
        Ok(())
    }
    async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        Ok(self.0.lock().unwrap().contains_key(key))
    }
    async fn get_keys(&self) -> anyhow::Result<Vec<String>> {
        Ok(self.0.lock().unwrap().keys().cloned().collect())
    }
    async fn increment(&self, key: &str, delta: i64) -> anyhow::Result<i64> {
        let mut map = self.0.lock().unwrap();
        let next = next_counter(map.get(key).map(Vec::as_slice), delta)?;
        map.insert(key.into(), next.to_le_bytes().to_vec());
        Ok(next)
    }
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> anyhow::Result<bool> {
        let mut map = self.0.lock().unwrap();
        if map.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        map.insert(key.into(), new.into());
        Ok(true)
    }
}
