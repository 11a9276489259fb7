//! The part of Spin's manifest (`spin_manifest_version = 2`) that Lathe's host uses.
//!
//! Unknown fields are refused, as Spin refuses them; fields Spin knows but this host does not
//! use are accepted and ignored. Paths are relative to the manifest's directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

use lathe_factor_variables::AppVariable;

use crate::dependencies::{self, Dependency};

/// A loaded manifest with paths made absolute.
#[derive(Debug)]
pub struct App {
    /// Application name.
    pub name: String,
    /// Application version (`[application] version`).
    pub version: String,
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
    /// Component dependencies in manifest order, checked by Spin's manifest rules.
    pub dependencies: Vec<Dependency>,
    /// For a native tool's route: the native tool component run by the worker
    /// (`[component.<id>.tool.lathe] native = "..."`; Spin ignores `tool` tables).
    pub native_tool: Option<PathBuf>,
}

// The raw tables refuse unknown fields, as Spin's `AppManifest`, `AppDetails`, `Component`,
// `Variable` and HTTP trigger config do (crates/manifest/src/schema/v2.rs, `deny_unknown_fields`):
// a typo that `spin up` rejects must not load here. Fields Spin knows but this host does not
// use are accepted and ignored.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // fields Spin accepts; read only to refuse unknown ones
struct RawApplication {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    authors: Option<toml::Value>,
    #[serde(default)]
    targets: Option<toml::Value>,
    #[serde(default)]
    trigger: Option<toml::Value>,
    #[serde(default)]
    tool: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    default: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    secret: bool,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawTriggers {
    #[serde(default)]
    http: Vec<RawHttpTrigger>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawHttpTrigger {
    route: toml::Value,
    component: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    executor: Option<toml::Value>,
    #[serde(default)]
    static_response: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawComponent {
    source: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    variables: HashMap<String, String>,
    #[serde(default)]
    environment: Option<toml::Value>,
    #[serde(default)]
    files: Option<toml::Value>,
    #[serde(default)]
    exclude_files: Option<toml::Value>,
    #[serde(default)]
    allowed_http_hosts: Option<Vec<String>>,
    #[serde(default)]
    allowed_outbound_hosts: Option<Vec<String>>,
    #[serde(default, alias = "key-value-stores")]
    key_value_stores: Vec<String>,
    #[serde(default)]
    sqlite_databases: Option<toml::Value>,
    #[serde(default)]
    ai_models: Option<toml::Value>,
    #[serde(default)]
    targets: Option<toml::Value>,
    #[serde(default)]
    build: Option<toml::Value>,
    #[serde(default)]
    profile: Option<toml::Value>,
    #[serde(default)]
    dependencies: indexmap::IndexMap<String, RawDependency>,
    #[serde(default)]
    dependencies_inherit_configuration: Option<bool>,
    #[serde(default)]
    tool: HashMap<String, toml::Table>,
}

/// A dependency entry. Spin also accepts registry versions, `url`/`digest` and
/// `component = "<id>"`; this host loads local files only and says so.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDependency {
    Local {
        path: String,
        #[serde(default)]
        export: Option<String>,
        #[serde(default)]
        inherit_configuration: Option<toml::Value>,
    },
    Other(serde::de::IgnoredAny),
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
    for name in raw.variables.keys() {
        lathe_factor_variables::validate_manifest_name(name)
            .map_err(|reason| anyhow::anyhow!("invalid variable name {name:?}: {reason}"))?;
    }
    for (id, c) in raw.component {
        dependencies::check_kebab_id(&id)
            .map_err(|reason| anyhow::anyhow!("invalid ID `{id}`: {reason}"))?;
        for label in &c.key_value_stores {
            lathe_factor_key_value::validate_label(label).map_err(|reason| {
                anyhow::anyhow!("component {id:?}: key_value_stores: {reason}")
            })?;
        }
        // This host denies every outbound connection; a component that asks for some
        // would silently break, so it is refused here (Spin would allow them).
        let outbound = c
            .allowed_outbound_hosts
            .iter()
            .chain(c.allowed_http_hosts.iter())
            .flatten()
            .count();
        if outbound > 0 {
            bail!(
                "component {id:?} lists allowed_outbound_hosts; this host denies all outbound connections (run it under `spin up`)"
            );
        }
        let has_per_dependency_inherit = c.dependencies.values().any(|d| {
            matches!(
                d,
                RawDependency::Local {
                    inherit_configuration: Some(_),
                    ..
                }
            )
        });
        if c.dependencies_inherit_configuration.is_some() && has_per_dependency_inherit {
            bail!(
                "Component `{id}` specifies both `dependencies_inherit_configuration` and per-dependency `inherit_configuration`. These are mutually exclusive; use one or the other."
            );
        }
        let mut deps = Vec::new();
        for (key, raw_dep) in c.dependencies {
            let name = key
                .parse()
                .with_context(|| format!("component {id:?}: invalid dependency name {key:?}"))?;
            match raw_dep {
                RawDependency::Local { path, export, .. } => deps.push(Dependency {
                    name,
                    path: base.join(path),
                    export,
                }),
                RawDependency::Other(_) => bail!(
                    "component {id:?}: dependency {key:?} is not a local file; this host loads only `{{ path = \"...\" }}` dependencies (registry, URL and component references need `spin up`)"
                ),
            }
        }
        dependencies::validate(&id, &deps)?;
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
                dependencies: deps,
                native_tool,
            },
        );
    }
    let routes: Vec<HttpTrigger> = raw
        .trigger
        .http
        .into_iter()
        .map(|t| match t.route {
            toml::Value::String(route) => Ok(HttpTrigger {
                route,
                component: t.component,
            }),
            _ => bail!(
                "component {:?}: only string routes are supported by this host (`{{ private = true }}` needs `spin up`)",
                t.component
            ),
        })
        .collect::<anyhow::Result<_>>()?;
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
        version: raw.application.version.unwrap_or_default(),
        variables,
        routes,
        components,
    })
}
