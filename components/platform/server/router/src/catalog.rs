//! The tool catalog, built from the tools' own descriptions.
//!
//! Each tool gateway writes its tool's entry (`catalog/<section>/<id>`, a
//! [`CatalogEntry`]) when it first serves a request; the host writes every entry when it
//! checks the app (`lathe-host --check`), and after a Spin deployment `cargo xtask
//! register <url>` sends each tool route one request. The native worker writes the entries
//! of native tools when it starts.

use lathe_store_layout::keys;
use spin_sdk::key_value::Store;

pub use lathe_store_layout::CatalogEntry;

use crate::store::{get_json, keys_with_prefix, set_json};
use crate::ApiResult;

/// Writes a catalog entry if it is missing or changed.
pub fn register(store: &Store, entry: &CatalogEntry) -> ApiResult<()> {
    let key = entry.store_key();
    let current: Option<CatalogEntry> = get_json(store, &key).ok().flatten();
    if current.as_ref() != Some(entry) {
        set_json(store, &key, entry)?;
    }
    Ok(())
}

/// One entry.
pub fn get(store: &Store, section: &str, id: &str) -> ApiResult<Option<CatalogEntry>> {
    get_json(store, &keys::catalog(section, id))
}

/// Every entry, sorted by section and id.
pub fn list(store: &Store) -> ApiResult<Vec<CatalogEntry>> {
    let mut tools = Vec::new();
    for key in keys_with_prefix(store, keys::CATALOG_PREFIX)? {
        if let Some(entry) = get_json::<CatalogEntry>(store, &key)? {
            tools.push(entry);
        }
    }
    Ok(tools)
}
