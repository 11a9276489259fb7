//! Embedded SQLite backend for Lathe's key-value factor.
//!
//! One file in the data directory holds every store (a `store` column separates labels), so
//! state survives restarts. WAL mode lets readers proceed while a writer commits.

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use lathe_factor_key_value::Backend;
use rusqlite::{params, Connection, OptionalExtension};

/// A key-value store backed by an SQLite database file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    label: String,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and the store `label` in it.
    pub fn open(path: &Path, label: &str) -> anyhow::Result<Self> {
        let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
                PRIMARY KEY (store, key))",
            [],
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
            label: label.to_string(),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Backend for SqliteStore {
    fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .query_row(params![self.label, key], |row| row.get(0))
            .optional()?)
    }

    fn set(&self, key: &str, value: &[u8]) -> anyhow::Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT(store, key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![self.label, key, value])?;
        Ok(())
    }

    fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .execute(params![self.label, key])?;
        Ok(())
    }

    fn exists(&self, key: &str) -> anyhow::Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .query_row(params![self.label, key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn get_keys(&self) -> anyhow::Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")?;
        let keys = stmt
            .query_map(params![self.label], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(keys)
    }

    fn keys_with_prefix(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT key FROM spin_key_value WHERE store = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key",
        )?;
        let keys = stmt
            .query_map(params![self.label, prefix], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_reopening_and_stores_are_separate() {
        let dir = std::env::temp_dir().join(format!("lathe-kv-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kv.db");
        {
            let a = SqliteStore::open(&path, "default").unwrap();
            let b = SqliteStore::open(&path, "other").unwrap();
            a.set("job/1", b"one").unwrap();
            a.set("queue/1", b"q").unwrap();
            b.set("job/1", b"b-one").unwrap();
            a.set("job/1", b"uno").unwrap();
            assert_eq!(
                a.keys_with_prefix("job/").unwrap(),
                vec!["job/1".to_string()]
            );
        }
        let a = SqliteStore::open(&path, "default").unwrap();
        assert_eq!(a.get("job/1").unwrap().as_deref(), Some(&b"uno"[..]));
        assert!(a.exists("queue/1").unwrap());
        a.delete("queue/1").unwrap();
        assert!(!a.exists("queue/1").unwrap());
        assert_eq!(a.get_keys().unwrap().len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
