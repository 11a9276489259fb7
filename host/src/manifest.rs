//! The part of Spin's manifest (`spin_manifest_version = 2`) that Lathe's host uses.
//!
//! Unknown fields are ignored here (Spin itself validates them strictly; `spin up` remains
//! the reference). Paths are relative to the manifest's directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

use lathe_factor_variables::AppVariable;

/// A loaded manifest with paths made absolute.
#[derive(Debug)]
pub struct App {
    /// Application name.
    pub name: String,
    /// Application variables.
    pub variables: HashMap<String, AppVariable>,
    /// HTTP routes in manifest order.
    pub routes: Vec<HttpTrigger>,
    /// Components by id.
    pub components: HashMap<String, Component>,
}

/// One `[[trigger.http]]` entry.
#[derive(Debug, Clone)]
pub struct HttpTrigger {
    /// The route pattern (`/api/...`, `/api/v1/health`).
    pub route: String,
    /// Component id.
    pub component: String,
}

/// One `[component.<id>]` entry.
#[derive(Debug, Clone)]
pub struct Component {
    /// Component id.
    pub id: String,
    /// Wasm file.
    pub source: PathBuf,
    /// Component variables (templates over application variables).
    pub variables: HashMap<String, String>,
    /// Key-value store labels the component may open.
    pub key_value_stores: Vec<String>,
    /// Component dependencies: import name to the wasm file that satisfies it.
    pub dependencies: Vec<(String, PathBuf)>,
    /// For a native tool's route: the native tool component run by the worker
    /// (`[component.<id>.tool.lathe] native = "..."`; Spin ignores `tool` tables).
    pub native_tool: Option<PathBuf>,
}

#[derive(Deserialize)]
struct RawManifest {
    spin_manifest_version: u32,
    application: RawApplication,
    #[serde(default)]
    variables: HashMap<String, RawVariable>,
    #[serde(default)]
    trigger: RawTriggers,
    #[serde(default)]
    component: HashMap<String, RawComponent>,
}

#[derive(Deserialize)]
struct RawApplication {
    name: String,
}

#[derive(Deserialize, Default)]
struct RawVariable {
    default: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    secret: bool,
}

#[derive(Deserialize, Default)]
struct RawTriggers {
    #[serde(default)]
    http: Vec<RawHttpTrigger>,
}

#[derive(Deserialize)]
struct RawHttpTrigger {
    route: String,
    component: String,
}

#[derive(Deserialize)]
struct RawComponent {
    source: String,
    #[serde(default)]
    variables: HashMap<String, String>,
    #[serde(default, alias = "key-value-stores")]
    key_value_stores: Vec<String>,
    #[serde(default)]
    dependencies: HashMap<String, RawDependency>,
    #[serde(default)]
    tool: HashMap<String, toml::Table>,
}

#[derive(Deserialize)]
struct RawDependency {
    path: String,
}

/// Reads and checks a manifest.
pub fn load(path: &Path) -> anyhow::Result<App> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let raw: RawManifest =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    if raw.spin_manifest_version != 2 {
        bail!("only spin_manifest_version = 2 is supported");
    }
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut components = HashMap::new();
    for (id, c) in raw.component {
        let native_tool = c
            .tool
            .get("lathe")
            .and_then(|t| t.get("native"))
            .and_then(|v| v.as_str())
            .map(|p| base.join(p));
        components.insert(
            id.clone(),
            Component {
                id: id.clone(),
                source: base.join(&c.source),
                variables: c.variables,
                key_value_stores: c.key_value_stores,
                dependencies: c
                    .dependencies
                    .into_iter()
                    .map(|(name, d)| (name, base.join(d.path)))
                    .collect(),
                native_tool,
            },
        );
    }
    let routes: Vec<HttpTrigger> = raw
        .trigger
        .http
        .into_iter()
        .map(|t| HttpTrigger {
            route: t.route,
            component: t.component,
        })
        .collect();
    for route in &routes {
        if !components.contains_key(&route.component) {
            bail!(
                "route {} names unknown component '{}'",
                route.route,
                route.component
            );
        }
    }
    let variables = raw
        .variables
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                AppVariable {
                    default: v.default,
                    required: v.required,
                    secret: v.secret,
                },
            )
        })
        .collect();
    Ok(App {
        name: raw.application.name,
        variables,
        routes,
        components,
    })
}
