//! The host side of `wasi:keyvalue@0.2.0-draft2` (`store`, `atomics`, `batch`) over the
//! same stores, allowed labels and store table as `fermyon:spin/key-value`, as
//! `crates/factor-key-value/src/host.rs` at Spin v4.0.2 serves it.

use std::sync::Arc;

use wasmtime::component::Resource;

use super::{limit_keys, limit_value, other, BucketHandle, CasHandle, KeyValueState};
use crate::bindings::fermyon::spin::key_value::Error as SpinError;
use crate::bindings::wasi::keyvalue::atomics::{self, CasError};
use crate::bindings::wasi::keyvalue::batch;
use crate::bindings::wasi::keyvalue::store::{self, Error, KeyResponse};
use crate::{Backend, MAX_HOST_BUFFERED_BYTES, STORE_TABLE_CAPACITY};

/// Spin's `to_wasi_err`: `wasi:keyvalue` has no `store-table-full`.
fn to_wasi(e: SpinError) -> Error {
    match e {
        SpinError::AccessDenied => Error::AccessDenied,
        SpinError::NoSuchStore => Error::NoSuchStore,
        SpinError::StoreTableFull => Error::Other("store table full".into()),
        SpinError::Other(msg) => Error::Other(msg),
    }
}

fn wasi_other(e: anyhow::Error) -> Error {
    to_wasi(other(e))
}

impl KeyValueState {
    /// A new CAS handle on `key` that has read nothing yet, within the CAS table's capacity
    /// (Spin: `other("too many compare_and_swaps opened")`).
    fn push_cas(
        &mut self,
        backend: Arc<dyn Backend>,
        key: String,
        seen: Option<Vec<u8>>,
    ) -> wasmtime::Result<Result<Resource<CasHandle>, Error>> {
        if self.open_cas >= STORE_TABLE_CAPACITY {
            return Ok(Err(Error::Other(
                "too many compare_and_swaps opened".into(),
            )));
        }
        let handle = self.table.push(CasHandle { backend, key, seen })?;
        self.open_cas += 1;
        Ok(Ok(handle))
    }
}

impl store::Host for KeyValueState {
    /// Spin: the same rules as `fermyon:spin/key-value`'s `open` (a label outside
    /// `key_value_stores` is `access-denied`), and the same table of open stores.
    async fn open(
        &mut self,
        identifier: String,
    ) -> wasmtime::Result<Result<Resource<BucketHandle>, Error>> {
        let backend = match self.open_backend(&identifier) {
            Ok(backend) => backend,
            Err(e) => return Ok(Err(to_wasi(e))),
        };
        let handle = self.table.push(BucketHandle { backend })?;
        self.open_stores += 1;
        Ok(Ok(handle))
    }
}

impl store::HostBucket for KeyValueState {
    async fn get(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let value = self.bucket(&bucket)?.get(&key).await.map_err(other);
        Ok(value.and_then(limit_value).map_err(to_wasi))
    }

    async fn set(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let backend = self.bucket(&bucket)?;
        Ok(backend.set(&key, &value).await.map_err(wasi_other))
    }

    async fn delete(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.bucket(&bucket)?.delete(&key).await.map_err(wasi_other))
    }

    async fn exists(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        Ok(self.bucket(&bucket)?.exists(&key).await.map_err(wasi_other))
    }

    /// Spin: every key in one response (`cursor: none`); a cursor is refused with
    /// `other("list_keys: cursor not supported")`.
    async fn list_keys(
        &mut self,
        bucket: Resource<BucketHandle>,
        cursor: Option<String>,
    ) -> wasmtime::Result<Result<KeyResponse, Error>> {
        if cursor.is_some() {
            return Ok(Err(Error::Other("list_keys: cursor not supported".into())));
        }
        let keys = self.bucket(&bucket)?.get_keys().await.map_err(other);
        Ok(keys
            .and_then(limit_keys)
            .map(|keys| KeyResponse { keys, cursor: None })
            .map_err(to_wasi))
    }

    async fn drop(&mut self, bucket: Resource<BucketHandle>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        self.open_stores = self.open_stores.saturating_sub(1);
        Ok(())
    }
}

impl batch::Host for KeyValueState {
    /// Each requested key in order, `none` where it is absent (as the WIT says; Spin's SQLite
    /// store leaves absent keys out), within Spin's host buffer limit.
    async fn get_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<(String, Option<Vec<u8>>)>, Error>> {
        let backend = self.bucket(&bucket)?;
        let mut size = std::mem::size_of::<Vec<String>>();
        let mut pairs = Vec::with_capacity(keys.len());
        for key in keys {
            let value = match backend.get(&key).await {
                Ok(value) => value,
                Err(e) => return Ok(Err(wasi_other(e))),
            };
            size += std::mem::size_of::<(String, Option<Vec<u8>>)>()
                + key.len()
                + value.as_ref().map_or(0, Vec::len);
            if size > MAX_HOST_BUFFERED_BYTES {
                return Ok(Err(to_wasi(super::too_large())));
            }
            pairs.push((key, value));
        }
        Ok(Ok(pairs))
    }

    /// Not atomic (the WIT allows partial results): stops at the first failing key.
    async fn set_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let backend = self.bucket(&bucket)?;
        for (key, value) in key_values {
            if let Err(e) = backend.set(&key, &value).await {
                return Ok(Err(wasi_other(e)));
            }
        }
        Ok(Ok(()))
    }

    /// Not atomic (the WIT allows partial results): stops at the first failing key.
    async fn delete_many(
        &mut self,
        bucket: Resource<BucketHandle>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let backend = self.bucket(&bucket)?;
        for key in keys {
            if let Err(e) = backend.delete(&key).await {
                return Ok(Err(wasi_other(e)));
            }
        }
        Ok(Ok(()))
    }
}

impl atomics::HostCas for KeyValueState {
    /// A handle on `key`; it reads nothing until `current`.
    async fn new(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
    ) -> wasmtime::Result<Result<Resource<CasHandle>, Error>> {
        let backend = self.bucket(&bucket)?;
        self.push_cas(backend, key, None)
    }

    /// Reads the value and remembers it as the one `swap` expects.
    async fn current(
        &mut self,
        cas: Resource<CasHandle>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let handle = self.table.get(&cas)?;
        let (backend, key) = (handle.backend.clone(), handle.key.clone());
        let value = match backend.get(&key).await {
            Ok(value) => value,
            Err(e) => return Ok(Err(wasi_other(e))),
        };
        self.table.get_mut(&cas)?.seen.clone_from(&value);
        Ok(limit_value(value).map_err(to_wasi))
    }

    async fn drop(&mut self, cas: Resource<CasHandle>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        self.open_cas = self.open_cas.saturating_sub(1);
        Ok(())
    }
}

impl atomics::Host for KeyValueState {
    /// The backend's atomic [`Backend::increment`]: a missing key starts at 0.
    async fn increment(
        &mut self,
        bucket: Resource<BucketHandle>,
        key: String,
        delta: i64,
    ) -> wasmtime::Result<Result<i64, Error>> {
        let backend = self.bucket(&bucket)?;
        Ok(backend.increment(&key, delta).await.map_err(wasi_other))
    }

    /// Writes `value` if the key still holds what `current` saw (absent, or never read:
    /// only if still absent, as Spin's `Cas` trait asks). Otherwise `cas-failed` with a
    /// fresh handle that has read the value now stored, as Spin returns it.
    async fn swap(
        &mut self,
        cas: Resource<CasHandle>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), CasError>> {
        let cas = self.table.delete(cas)?;
        self.open_cas = self.open_cas.saturating_sub(1);
        let swapped = cas
            .backend
            .compare_and_swap(&cas.key, cas.seen.as_deref(), &value)
            .await;
        let seen = match swapped {
            Ok(true) => return Ok(Ok(())),
            Ok(false) => cas.backend.get(&cas.key).await.map_err(other),
            Err(e) => Err(other(e)),
        };
        let seen = match seen.and_then(limit_value) {
            Ok(seen) => seen,
            Err(e) => return Ok(Err(CasError::StoreError(to_wasi(e)))),
        };
        Ok(match self.push_cas(cas.backend, cas.key, seen)? {
            Ok(fresh) => Err(CasError::CasFailed(fresh)),
            Err(e) => Err(CasError::StoreError(e)),
        })
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::component::Resource;

    use super::*;
    use crate::bindings::fermyon::spin::key_value::HostStore;
    use crate::bindings::wasi::keyvalue::store::HostBucket;
    use crate::tests::state;

    /// A borrow of `r`, as the guest passes `borrow<bucket>`.
    fn b(r: &Resource<BucketHandle>) -> Resource<BucketHandle> {
        Resource::new_borrow(r.rep())
    }

    /// A bucket on `default` of a component that may open only `default`.
    async fn default_bucket(kv: &mut KeyValueState) -> Resource<BucketHandle> {
        store::Host::open(kv, "default".into())
            .await
            .unwrap()
            .unwrap()
    }

    async fn inc(kv: &mut KeyValueState, bucket: &Resource<BucketHandle>, delta: i64) -> i64 {
        atomics::Host::increment(kv, b(bucket), "n".into(), delta)
            .await
            .unwrap()
            .unwrap()
    }

    /// Spin `wasi_keyvalue::store::Host::open`: a label outside `key_value_stores` is
    /// `access-denied` (known or not); a listed label without a store is `no-such-store`.
    #[tokio::test]
    async fn open_rules_match_spin_key_value() {
        let mut kv = state(&["default", "ghost"]);
        assert!(store::Host::open(&mut kv, "default".into())
            .await
            .unwrap()
            .is_ok());
        for denied in ["other", "nowhere"] {
            assert!(matches!(
                store::Host::open(&mut kv, denied.into()).await.unwrap(),
                Err(Error::AccessDenied)
            ));
        }
        assert!(matches!(
            store::Host::open(&mut kv, "ghost".into()).await.unwrap(),
            Err(Error::NoSuchStore)
        ));
    }

    /// Both interfaces share one table of 256 open stores; `wasi:keyvalue` has no
    /// `store-table-full`, so Spin answers `other("store table full")`.
    #[tokio::test]
    async fn store_table_is_shared() {
        let mut kv = state(&["default"]);
        let mut buckets = Vec::new();
        for i in 0..STORE_TABLE_CAPACITY {
            if i % 2 == 0 {
                buckets.push(default_bucket(&mut kv).await);
            } else {
                HostStore::open(&mut kv, "default".into())
                    .await
                    .unwrap()
                    .unwrap();
            }
        }
        assert!(matches!(
            store::Host::open(&mut kv, "default".into()).await.unwrap(),
            Err(Error::Other(m)) if m == "store table full"
        ));
        HostBucket::drop(&mut kv, buckets.pop().unwrap())
            .await
            .unwrap();
        assert!(HostStore::open(&mut kv, "default".into())
            .await
            .unwrap()
            .is_ok());
    }

    /// A key written through one interface is read through the other; a counter reads
    /// back as Spin's SQLite store writes it (8 bytes, little-endian).
    #[tokio::test]
    async fn interfaces_share_keys_and_increment_is_le_bytes() {
        let mut kv = state(&["default"]);
        let store = HostStore::open(&mut kv, "default".into())
            .await
            .unwrap()
            .unwrap();
        let bucket = default_bucket(&mut kv).await;
        let s = || Resource::new_borrow(store.rep());
        HostStore::set(&mut kv, s(), "k".into(), b"v".to_vec())
            .await
            .unwrap()
            .unwrap();
        let got = HostBucket::get(&mut kv, b(&bucket), "k".into()).await;
        assert_eq!(got.unwrap().unwrap().as_deref(), Some(&b"v"[..]));

        assert_eq!(inc(&mut kv, &bucket, 5).await, 5);
        assert_eq!(inc(&mut kv, &bucket, -2).await, 3);
        let raw = HostStore::get(&mut kv, s(), "n".into()).await.unwrap();
        assert_eq!(raw.unwrap(), Some(3i64.to_le_bytes().to_vec()));
        // Not a counter: refused, value kept.
        assert!(matches!(
            atomics::Host::increment(&mut kv, b(&bucket), "k".into(), 1)
                .await
                .unwrap(),
            Err(Error::Other(_))
        ));
        HostBucket::delete(&mut kv, b(&bucket), "n".into())
            .await
            .unwrap()
            .unwrap();
        assert!(!HostStore::exists(&mut kv, s(), "n".into())
            .await
            .unwrap()
            .unwrap());
    }

    /// Spin: `list-keys` answers every key with no cursor, and refuses a cursor.
    #[tokio::test]
    async fn list_keys_and_batch() {
        let mut kv = state(&["default"]);
        let bucket = default_bucket(&mut kv).await;
        let pairs = vec![("a".into(), b"1".to_vec()), ("b".into(), b"2".to_vec())];
        batch::Host::set_many(&mut kv, b(&bucket), pairs)
            .await
            .unwrap()
            .unwrap();
        let got = batch::Host::get_many(&mut kv, b(&bucket), vec!["b".into(), "x".into()]);
        assert_eq!(
            got.await.unwrap().unwrap(),
            vec![
                ("b".to_string(), Some(b"2".to_vec())),
                ("x".to_string(), None)
            ]
        );
        let listed = HostBucket::list_keys(&mut kv, b(&bucket), None).await;
        let mut listed = listed.unwrap().unwrap();
        listed.keys.sort();
        assert_eq!(
            (listed.keys, listed.cursor),
            (vec!["a".into(), "b".into()], None)
        );
        assert!(matches!(
            HostBucket::list_keys(&mut kv, b(&bucket), Some("a".into())).await.unwrap(),
            Err(Error::Other(m)) if m == "list_keys: cursor not supported"
        ));
        batch::Host::delete_many(&mut kv, b(&bucket), vec!["a".into(), "zz".into()])
            .await
            .unwrap()
            .unwrap();
        let listed = HostBucket::list_keys(&mut kv, b(&bucket), None).await;
        assert_eq!(listed.unwrap().unwrap().keys, vec!["b".to_string()]);
    }

    /// `swap` writes only over the value `current` saw; otherwise `cas-failed` hands back a
    /// fresh handle that has read the new value, and swapping that one succeeds.
    #[tokio::test]
    async fn compare_and_swap() {
        use atomics::{Host as _, HostCas};
        let mut kv = state(&["default"]);
        let bucket = default_bucket(&mut kv).await;
        // Absent key: swap inserts.
        let cas = HostCas::new(&mut kv, b(&bucket), "c".into()).await;
        let cas = cas.unwrap().unwrap();
        let c = Resource::new_borrow(cas.rep());
        assert_eq!(kv.current(c).await.unwrap().unwrap(), None);
        kv.swap(cas, b"1".to_vec()).await.unwrap().unwrap();
        // Read "1", someone writes "2", swap fails with a handle that saw "2".
        let cas = HostCas::new(&mut kv, b(&bucket), "c".into()).await;
        let cas = cas.unwrap().unwrap();
        let c = Resource::new_borrow(cas.rep());
        assert_eq!(kv.current(c).await.unwrap().unwrap(), Some(b"1".to_vec()));
        HostBucket::set(&mut kv, b(&bucket), "c".into(), b"2".to_vec())
            .await
            .unwrap()
            .unwrap();
        let Err(CasError::CasFailed(fresh)) = kv.swap(cas, b"x".to_vec()).await.unwrap() else {
            panic!("expected cas-failed");
        };
        assert_eq!(kv.table.get(&fresh).unwrap().seen, Some(b"2".to_vec()));
        kv.swap(fresh, b"3".to_vec()).await.unwrap().unwrap();
        let got = HostBucket::get(&mut kv, b(&bucket), "c".into()).await;
        assert_eq!(got.unwrap().unwrap(), Some(b"3".to_vec()));
        // Never read: only an absent key is written.
        let cas = HostCas::new(&mut kv, b(&bucket), "c".into()).await;
        let swapped = kv.swap(cas.unwrap().unwrap(), b"4".to_vec()).await;
        assert!(matches!(swapped.unwrap(), Err(CasError::CasFailed(_))));
        assert_eq!(kv.open_cas, 1);
    }
}
