//! Loads the manifest's HTTP components, each `.wasm` file compiled (or loaded ahead of
//! time) once however many routes use it.
//!
//! Dependencies are resolved by Spin's rules ([`crate::compose::plan`]). When every import
//! they satisfy is a `lathe:tool` interface, the tool is linked at the instance level
//! (`lathe-factor-tool-link`): the gateway is compiled once for all routes and each tool once.
//! Any other dependency is composed into a new component exactly as Spin composes it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use lathe_factor_key_value::Backend;
use lathe_factor_tool_link::{is_linkable, ToolExports, ToolLinkState, STREAM_TOOL, TOOL};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::compose;
use crate::manifest;
use crate::runtime::{self, Limits, RequestState};
use crate::server::{HttpComponent, LinkedTool};

/// Compiled components and pre-linked instances, shared between routes.
pub struct Loader {
    engine: Engine,
    cache_dir: PathBuf,
    limits: Limits,
    base: Linker<RequestState>,
    linked: Linker<RequestState>,
    dependency: Linker<RequestState>,
    files: HashMap<PathBuf, Component>,
    pres: HashMap<(PathBuf, bool), ProxyPre<RequestState>>,
    tools: HashMap<PathBuf, LinkedTool>,
    /// Tools composed into a component (not linked); the worker registers their catalog
    /// entries.
    pub composed_tools: Vec<PathBuf>,
    /// Whether to instantiate each linked tool once at load, to check its exports' types
    /// and register its catalog entry (`--check`, which `up` runs in a child process).
    register: bool,
}

impl Loader {
    /// A loader over `engine`, caching compilations of composed components in `cache_dir`.
    pub fn new(
        engine: &Engine,
        cache_dir: &Path,
        limits: Limits,
        register: bool,
    ) -> anyhow::Result<Self> {
        let base = runtime::http_linker(engine)?;
        let linked = runtime::linked_http_linker(&base)?;
        Ok(Self {
            engine: engine.clone(),
            cache_dir: cache_dir.to_path_buf(),
            limits,
            base,
            linked,
            dependency: runtime::dependency_linker(engine)?,
            files: HashMap::new(),
            pres: HashMap::new(),
            tools: HashMap::new(),
            composed_tools: Vec::new(),
            register,
        })
    }

    /// The compiled component in `file`, loaded once.
    pub fn file(&mut self, file: &Path) -> anyhow::Result<Component> {
        if let Some(c) = self.files.get(file) {
            return Ok(c.clone());
        }
        let component = runtime::load_file(&self.engine, file, &self.cache_dir)?;
        self.files.insert(file.to_path_buf(), component.clone());
        Ok(component)
    }

    fn proxy_pre(
        &mut self,
        id: &str,
        file: &Path,
        linked: bool,
    ) -> anyhow::Result<ProxyPre<RequestState>> {
        if let Some(pre) = self.pres.get(&(file.to_path_buf(), linked)) {
            return Ok(pre.clone());
        }
        let component = self.file(file)?;
        let pre = self.pre_of(id, &component, linked)?;
        self.pres.insert((file.to_path_buf(), linked), pre.clone());
        Ok(pre)
    }

    fn pre_of(
        &self,
        id: &str,
        component: &Component,
        linked: bool,
    ) -> anyhow::Result<ProxyPre<RequestState>> {
        let linker = if linked { &self.linked } else { &self.base };
        let instance_pre = linker
            .instantiate_pre(component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("linking component '{id}'"))?;
        ProxyPre::new(instance_pre)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("component '{id}' is not an HTTP handler"))
    }

    /// Loads the component `c` with its variables and dependencies; writes the catalog entry
    /// of a linked tool into `kv`.
    pub async fn load(
        &mut self,
        c: &manifest::Component,
        app_vars: &HashMap<String, String>,
        kv: &dyn Backend,
    ) -> anyhow::Result<HttpComponent> {
        let variables = runtime::component_variables(&c.id, &c.variables, app_vars)?;
        let (pre, tool) = if c.dependencies.is_empty() {
            (self.proxy_pre(&c.id, &c.source, false)?, None)
        } else {
            self.load_with_dependencies(c, kv).await.with_context(|| {
                format!("failed to resolve dependencies for component {:?}", c.id)
            })?
        };
        Ok(HttpComponent {
            id: c.id.clone(),
            pre,
            allowed_stores: Arc::new(c.key_value_stores.clone()),
            variables: Arc::new(variables),
            tool,
        })
    }

    async fn load_with_dependencies(
        &mut self,
        c: &manifest::Component,
        kv: &dyn Backend,
    ) -> anyhow::Result<(ProxyPre<RequestState>, Option<LinkedTool>)> {
        let main_bytes = std::fs::read(&c.source).with_context(|| {
            format!(
                "failed to read component source from disk at path {:?}",
                c.source
            )
        })?;
        let dep_bytes = compose::read_dependencies(&c.dependencies)?;
        let plan = compose::plan(&c.id, &main_bytes, &c.dependencies, &dep_bytes)?;
        let links = plan.links;
        let tool_link = links.iter().find(|l| l.import == TOOL);
        let linkable = c.dependencies.len() == 1
            && tool_link.is_some()
            && links.iter().all(|l| is_linkable(&l.import));
        if !linkable {
            // Compose as Spin does; the result is a component of its own.
            let bytes =
                compose::compose_bytes(&c.id, main_bytes, &c.dependencies, dep_bytes, &links)?;
            let component = runtime::compile(&self.engine, &bytes, &self.cache_dir)
                .with_context(|| format!("component '{}'", c.id))?;
            self.composed_tools
                .extend(c.dependencies.iter().map(|d| d.path.clone()));
            return Ok((self.pre_of(&c.id, &component, false)?, None));
        }
        // The forwarders define both tool interfaces; one the keys left unsatisfied must
        // fail as it fails under Spin, where nothing provides it.
        for import in &plan.main_imports {
            if (import == TOOL || import == STREAM_TOOL)
                && !links.iter().any(|l| l.import == *import)
            {
                bail!(
                    "component imports instance `{import}`, but a matching implementation was not found in the linker"
                );
            }
        }
        let dep = &c.dependencies[0];
        let tool = match self.tools.get(&dep.path) {
            Some(tool) => tool.clone(),
            None => {
                let stream_link = links.iter().find(|l| l.import == STREAM_TOOL);
                let tool = self
                    .link_tool(&dep.path, &tool_link.unwrap().export, stream_link.map(|l| l.export.as_str()), kv)
                    .await
                    .with_context(|| {
                        format!(
                            "dependency '{}' exports '{}' which is not compatible with import '{TOOL}'",
                            dep.name,
                            tool_link.unwrap().export
                        )
                    })?;
                self.tools.insert(dep.path.clone(), tool.clone());
                tool
            }
        };
        Ok((self.proxy_pre(&c.id, &c.source, true)?, Some(tool)))
    }

    /// Prepares a tool for instance-level linking, checks its exports' types by
    /// instantiating it once, and registers its catalog entry from `describe()`.
    async fn link_tool(
        &mut self,
        file: &Path,
        tool_export: &str,
        stream_export: Option<&str>,
        kv: &dyn Backend,
    ) -> anyhow::Result<LinkedTool> {
        let component = self.file(file)?;
        let exports = ToolExports::find(&component, tool_export, stream_export)?;
        let pre = self
            .dependency
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)?;
        if !self.register {
            return Ok(LinkedTool { pre, exports });
        }
        let state = RequestState::new(
            "",
            Arc::new(HashMap::new()),
            Arc::new(Vec::new()),
            Arc::new(HashMap::new()),
            self.limits,
        );
        let mut store = Store::new(&self.engine, state);
        store.set_epoch_deadline(u64::MAX / 2);
        fn get(s: &mut RequestState) -> &mut ToolLinkState {
            &mut s.tool_link
        }
        ToolLinkState::instantiate(&mut store, &pre, &exports, get).await?;
        let info = ToolLinkState::describe(&mut store, get).await?;
        crate::worker::write_catalog_entry(kv, &info).await?;
        Ok(LinkedTool { pre, exports })
    }
}
