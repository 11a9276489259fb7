//! The tool catalog, built from the tools' own descriptions.
//!
//! Each tool gateway writes its tool's entry (`catalog/<section>/<id>`) when it first
//! serves a request (the host's warm-up sends one to every tool route at start; after a
//! Spin deployment `cargo xtask register <url>` does the same). The native worker writes
//! the entries of native tools when it starts.

use serde_json::Value;
use spin_sdk::key_value::Store;

use crate::store::{get_json, keys_with_prefix};
use crate::ApiResult;

/// Writes a catalog entry if it is missing or changed.
pub fn register(store: &Store, entry: &Value) -> ApiResult<()> {
    let key = format!(
        "catalog/{}/{}",
        entry["section"].as_str().unwrap_or_default(),
        entry["id"].as_str().unwrap_or_default()
    );
    let current: Option<Value> = get_json(store, &key)?;
    if current.as_ref() != Some(entry) {
        crate::store::set_json(store, &key, entry)?;
    }
    Ok(())
}

/// One entry.
pub fn get(store: &Store, section: &str, id: &str) -> ApiResult<Option<Value>> {
    get_json(store, &format!("catalog/{section}/{id}"))
}

/// Every entry, sorted by section and id.
pub fn list(store: &Store) -> ApiResult<Vec<Value>> {
    let mut tools = Vec::new();
    for key in keys_with_prefix(store, "catalog/")? {
        if let Some(entry) = get_json::<Value>(store, &key)? {
            tools.push(entry);
        }
    }
    Ok(tools)
}
