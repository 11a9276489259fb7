//! Embedded SQLite backend for Lathe's key-value factor: Spin's store type `"spin"`.
//!
//! One file holds every store configured on it (a `store` column separates labels, the
//! table is Spin's `spin_key_value`), so state survives restarts. WAL mode lets readers
//! proceed while a writer commits.
//!
//! The calls are synchronous SQLite work inside async methods: on a local file they take
//! microseconds, so they run on the caller's thread. (Spin wraps them in
//! `tokio::task::block_in_place`, which would forbid calling from the native worker's
//! plain threads.)

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use lathe_factor_key_value::runtime_config::MakeStore;
use lathe_factor_key_value::Backend;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Deserialize;

/// The runtime config type name Spin gives this backend.
pub const RUNTIME_CONFIG_TYPE: &str = "spin";

/// A key-value store backed by an SQLite database.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    label: String,
}

/// The fields of a `type = "spin"` table.
#[derive(Deserialize)]
struct SqliteConfig {
    /// The database file; relative to the runtime config file's folder; none = in memory.
    path: Option<PathBuf>,
}

/// The maker of `type = "spin"` stores; relative paths resolve against `base_dir` (the
/// runtime config file's folder), as in Spin.
pub fn store_type(base_dir: Option<PathBuf>) -> MakeStore {
    Box::new(move |label, table| {
        let config: SqliteConfig = table
            .try_into()
            .context("could not parse key-value runtime config")?;
        let store = match config.path {
            Some(path) => {
                let path = match &base_dir {
                    Some(base) if path.is_relative() => base.join(path),
                    _ => path,
                };
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).with_context(|| {
                        format!(
                            "failed to create key value store's parent directory: '{}'",
                            parent.display()
                        )
                    })?;
                }
                SqliteStore::open(&path, label)?
            }
            None => SqliteStore::in_memory(label)?,
        };
        Ok(Arc::new(store) as Arc<dyn Backend>)
    })
}

/// The table of a `type = "spin"` store in the file `path` (for defaults).
pub fn config_for(path: &Path) -> toml::Table {
    let mut table = toml::Table::new();
    table.insert(
        "path".into(),
        toml::Value::String(path.to_string_lossy().into_owned()),
    );
    table
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and the store `label` in it.
    pub fn open(path: &Path, label: &str) -> anyhow::Result<Self> {
        let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Self::with_connection(conn, label)
    }

    /// A store in a private in-memory database (gone when the process ends).
    pub fn in_memory(label: &str) -> anyhow::Result<Self> {
        Self::with_connection(Connection::open_in_memory()?, label)
    }

    fn with_connection(conn: Connection, label: &str) -> anyhow::Result<Self> {
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

#[async_trait::async_trait]
impl Backend for SqliteStore {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .query_row(params![self.label, key], |row| row.get(0))
            .optional()?)
    }

    async fn set(&self, key: &str, value: &[u8]) -> anyhow::Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT(store, key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![self.label, key, value])?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .execute(params![self.label, key])?;
        Ok(())
    }

    async fn exists(&self, key: &str) -> anyhow::Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .query_row(params![self.label, key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    async fn get_keys(&self) -> anyhow::Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")?;
        let keys = stmt
            .query_map(params![self.label], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(keys)
    }

    /// One `BEGIN IMMEDIATE` transaction: read, add, upsert, commit. `IMMEDIATE` takes the
    /// database's write lock before the read, so another connection to the same file (another
    /// label's store, another process) waits instead of reading the same old value. The
    /// counter is 8 little-endian bytes, as Spin's SQLite store writes it.
    async fn increment(&self, key: &str, delta: i64) -> anyhow::Result<i64> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value: Option<Vec<u8>> = tx
            .prepare_cached("SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2")?
            .query_row(params![self.label, key], |row| row.get(0))
            .optional()?;
        let next = lathe_factor_key_value::next_counter(value.as_deref(), delta)?;
        tx.prepare_cached(
            "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT(store, key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![self.label, key, next.to_le_bytes()])?;
        tx.commit()?;
        Ok(next)
    }

    /// One statement, so atomic: `UPDATE ... WHERE value = expected`, or for an absent key
    /// `INSERT ... ON CONFLICT DO NOTHING`; it swapped if it changed one row.
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> anyhow::Result<bool> {
        let conn = self.conn();
        let changed = match expected {
            Some(old) => conn
                .prepare_cached(
                    "UPDATE spin_key_value SET value = ?3 WHERE store = ?1 AND key = ?2 AND value = ?4",
                )?
                .execute(params![self.label, key, new, old])?,
            None => conn
                .prepare_cached(
                    "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT(store, key) DO NOTHING",
                )?
                .execute(params![self.label, key, new])?,
        };
        Ok(changed == 1)
    }

    async fn keys_with_prefix(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        // A range over the primary key `(store, key)`: `prefix <= key < end`, where `end` is
        // the prefix with its last character incremented, so SQLite walks only the matching
        // part of the index instead of every key of the store.
        let conn = self.conn();
        let keys = match prefix_end(prefix) {
            Some(end) => {
                let mut stmt = conn.prepare_cached(
                    "SELECT key FROM spin_key_value WHERE store = ?1 AND key >= ?2 AND key < ?3 ORDER BY key",
                )?;
                let keys = stmt
                    .query_map(params![self.label, prefix, end], |row| row.get(0))?
                    .collect::<Result<Vec<String>, _>>()?;
                keys
            }
            None => {
                let mut stmt = conn.prepare_cached(
                    "SELECT key FROM spin_key_value WHERE store = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key",
                )?;
                let keys = stmt
                    .query_map(params![self.label, prefix], |row| row.get(0))?
                    .collect::<Result<Vec<String>, _>>()?;
                keys
            }
        };
        Ok(keys)
    }
}

/// The smallest string above every string that starts with `prefix` (SQLite compares TEXT
/// bytewise): the prefix with its last character incremented. `None` for an empty prefix or
/// one ending in a character that cannot be incremented.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    let last = chars.pop()?;
    let next = char::from_u32(last as u32 + 1).filter(|c| last.is_ascii() && c.is_ascii())?;
    chars.push(next);
    Some(chars.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_survive_reopening_and_stores_are_separate() {
        let dir = std::env::temp_dir().join(format!("lathe-kv-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kv.db");
        {
            let a = SqliteStore::open(&path, "default").unwrap();
            let b = SqliteStore::open(&path, "other").unwrap();
            a.set("job/1", b"one").await.unwrap();
            a.set("queue/1", b"q").await.unwrap();
            b.set("job/1", b"b-one").await.unwrap();
            a.set("job/1", b"uno").await.unwrap();
            assert_eq!(
                a.keys_with_prefix("job/").await.unwrap(),
                vec!["job/1".to_string()]
            );
            assert_eq!(prefix_end("queue/").as_deref(), Some("queue0"));
            assert_eq!(prefix_end(""), None);
        }
        let a = SqliteStore::open(&path, "default").unwrap();
        assert_eq!(a.get("job/1").await.unwrap().as_deref(), Some(&b"uno"[..]));
        assert!(a.exists("queue/1").await.unwrap());
        a.delete("queue/1").await.unwrap();
        assert!(!a.exists("queue/1").await.unwrap());
        assert_eq!(a.get_keys().await.unwrap().len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Several threads increment one counter, some through a shared store, some through
    /// their own connection to the same file (as another label or process would): no
    /// increment is lost, each returns a distinct value, and the stored value is Spin's
    /// 8 little-endian bytes.
    #[test]
    fn increment_loses_nothing_under_contention() {
        const THREADS: usize = 8;
        const EACH: usize = 250;
        let dir = std::env::temp_dir().join(format!("lathe-kv-inc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kv.db");
        let shared = Arc::new(SqliteStore::open(&path, "default").unwrap());
        let threads: Vec<_> = (0..THREADS)
            .map(|i| {
                let store = if i % 2 == 0 {
                    shared.clone()
                } else {
                    Arc::new(SqliteStore::open(&path, "default").unwrap())
                };
                std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .unwrap();
                    (0..EACH)
                        .map(|_| rt.block_on(store.increment("hits", 1)).unwrap())
                        .collect::<Vec<i64>>()
                })
            })
            .collect();
        let mut seen: Vec<i64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        seen.sort_unstable();
        let total = (THREADS * EACH) as i64;
        assert_eq!(seen, (1..=total).collect::<Vec<_>>());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let stored = rt.block_on(shared.get("hits")).unwrap().unwrap();
        assert_eq!(stored, total.to_le_bytes().to_vec());
        assert_eq!(rt.block_on(shared.increment("hits", -total)).unwrap(), 0);
        drop(shared);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A value that is not 8 bytes is no counter: refused and left alone. Compare-and-swap
    /// writes only over the expected value, or into an absent key.
    #[tokio::test]
    async fn increment_errors_and_compare_and_swap() {
        let s = SqliteStore::in_memory("default").unwrap();
        s.set("text", b"12").await.unwrap();
        assert!(s.increment("text", 1).await.is_err());
        assert_eq!(s.get("text").await.unwrap().as_deref(), Some(&b"12"[..]));
        s.set("max", &i64::MAX.to_le_bytes()).await.unwrap();
        assert!(s.increment("max", 1).await.is_err());

        assert!(s.compare_and_swap("c", None, b"1").await.unwrap());
        assert!(!s.compare_and_swap("c", None, b"2").await.unwrap());
        assert!(!s.compare_and_swap("c", Some(b"0"), b"2").await.unwrap());
        assert!(s.compare_and_swap("c", Some(b"1"), b"2").await.unwrap());
        assert_eq!(s.get("c").await.unwrap().as_deref(), Some(&b"2"[..]));
        s.delete("c").await.unwrap();
        assert!(!s.compare_and_swap("c", Some(b"2"), b"3").await.unwrap());
        assert!(!s.exists("c").await.unwrap());
    }

    /// `type = "spin"`: a relative `path` lives beside the runtime config file; no `path`
    /// is an in-memory store (Spin's `DatabaseLocation::InMemory`).
    #[tokio::test]
    async fn spin_store_type_paths() {
        let dir = std::env::temp_dir().join(format!("lathe-kv-rc-{}", std::process::id()));
        let make = store_type(Some(dir.clone()));
        let table: toml::Table = "path = \"sub/kv.db\"".parse().unwrap();
        let store = make("default", table).unwrap();
        store.set("k", b"v").await.unwrap();
        assert!(dir.join("sub/kv.db").exists());
        let memory = make("default", toml::Table::new()).unwrap();
        assert_eq!(memory.get("k").await.unwrap(), None);
        let bad: toml::Table = "path = 3".parse().unwrap();
        assert!(make("default", bad).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
