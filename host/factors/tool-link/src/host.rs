//! The forwarding definitions: each `lathe:tool` import of a gateway is a host function that
//! calls the same export of the tool instance bound to the request's store.

use wasmtime::bail;
use wasmtime::component::{
    Component, ComponentExportIndex, ComponentType, Instance, InstancePre, Lift, Linker, Lower,
    Resource, ResourceAny, ResourceType, TypedFunc,
};
use wasmtime::error::Context;
use wasmtime::{AsContextMut, StoreContextMut};

use crate::bindings::lathe::tool::types::{InputFile, ToolError, ToolInfo, ToolOutput};
use crate::{STREAM_TOOL, TOOL};

/// `stream-tool.stream-plan`.
#[derive(ComponentType, Lift, Lower, Clone, Debug)]
#[component(record)]
pub struct StreamPlan {
    #[component(name = "output-name")]
    output_name: String,
    #[component(name = "media-type")]
    media_type: String,
}

/// `stream-tool.stream-end`.
#[derive(ComponentType, Lift, Lower, Clone, Debug)]
#[component(record)]
pub struct StreamEnd {
    data: Vec<u8>,
    extra: String,
}

/// The gateway's view of a converter: a host resource standing for the tool's own.
pub struct Converter;

type ToolResult = Result<ToolOutput, ToolError>;
type OpenResult = Result<Option<(ResourceAny, StreamPlan)>, ToolError>;
type PushFunc = TypedFunc<(ResourceAny, Vec<u8>), (Result<Vec<u8>, ToolError>,)>;
type FinishFunc = TypedFunc<(ResourceAny,), (Result<StreamEnd, ToolError>,)>;
type OpenAnswer = Result<Option<(Resource<Converter>, StreamPlan)>, ToolError>;

/// Where a tool component's `lathe:tool` functions are, found once when it is loaded.
#[derive(Clone)]
pub struct ToolExports {
    describe: ComponentExportIndex,
    run: ComponentExportIndex,
    run_operation: ComponentExportIndex,
    stream: Option<StreamExports>,
}

#[derive(Clone)]
struct StreamExports {
    open: ComponentExportIndex,
    push: ComponentExportIndex,
    finish: ComponentExportIndex,
}

fn find(
    component: &Component,
    instance: &ComponentExportIndex,
    interface: &str,
    name: &str,
) -> wasmtime::Result<ComponentExportIndex> {
    component
        .get_export_index(Some(instance), name)
        .with_context(|| format!("the dependency's '{interface}' has no function '{name}'"))
}

impl ToolExports {
    /// Finds the functions of `tool_export` (the dependency's export that satisfies the
    /// gateway's `lathe:tool/tool` import) and, if given, of `stream_export`.
    pub fn find(
        component: &Component,
        tool_export: &str,
        stream_export: Option<&str>,
    ) -> wasmtime::Result<Self> {
        let tool = component
            .get_export_index(None, tool_export)
            .with_context(|| format!("the dependency does not export '{tool_export}'"))?;
        let stream = match stream_export {
            Some(name) => {
                let inst = component
                    .get_export_index(None, name)
                    .with_context(|| format!("the dependency does not export '{name}'"))?;
                Some(StreamExports {
                    open: find(component, &inst, name, "open")?,
                    push: find(component, &inst, name, "[method]converter.push")?,
                    finish: find(component, &inst, name, "[method]converter.finish")?,
                })
            }
            None => None,
        };
        Ok(Self {
            describe: find(component, &tool, tool_export, "describe")?,
            run: find(component, &tool, tool_export, "run")?,
            run_operation: find(component, &tool, tool_export, "run-operation")?,
            stream,
        })
    }
}

/// The tool instance's functions, typed (type-checked against the gateway's view).
#[derive(Clone, Copy)]
struct Bound {
    describe: TypedFunc<(), (ToolInfo,)>,
    run: TypedFunc<(Vec<InputFile>, String), (ToolResult,)>,
    run_operation: TypedFunc<(String, Vec<InputFile>, String), (ToolResult,)>,
    open: Option<TypedFunc<(String, String), (OpenResult,)>>,
    push: Option<PushFunc>,
    finish: Option<FinishFunc>,
}

/// Per-request state: the bound tool instance and the converters handed to the gateway.
#[derive(Default)]
pub struct ToolLinkState {
    bound: Option<Bound>,
    converters: Vec<Option<ResourceAny>>,
}

impl ToolLinkState {
    /// Instantiates the tool from `pre` in `store` and binds it, so that the gateway's
    /// imports reach it. Fails if the tool's functions do not have the expected types.
    pub async fn instantiate<T: Send + 'static>(
        mut store: impl AsContextMut<Data = T>,
        pre: &InstancePre<T>,
        exports: &ToolExports,
        get: fn(&mut T) -> &mut ToolLinkState,
    ) -> wasmtime::Result<()> {
        let instance = pre.instantiate_async(&mut store).await?;
        let bound = bind(&mut store, &instance, exports)?;
        get(store.as_context_mut().data_mut()).bound = Some(bound);
        Ok(())
    }

    /// Calls the bound tool's `describe` (the host fills the catalog with it).
    pub async fn describe<T: Send + 'static>(
        mut store: impl AsContextMut<Data = T>,
        get: fn(&mut T) -> &mut ToolLinkState,
    ) -> wasmtime::Result<ToolInfo> {
        let bound = get(store.as_context_mut().data_mut())
            .bound
            .context("no tool instance is linked to this component")?;
        Ok(bound.describe.call_async(&mut store, ()).await?.0)
    }

    fn insert(&mut self, converter: ResourceAny) -> u32 {
        if let Some(slot) = self.converters.iter().position(Option::is_none) {
            self.converters[slot] = Some(converter);
            return slot as u32;
        }
        self.converters.push(Some(converter));
        (self.converters.len() - 1) as u32
    }

    fn converter(&self, rep: u32) -> wasmtime::Result<ResourceAny> {
        self.converters
            .get(rep as usize)
            .copied()
            .flatten()
            .context("unknown converter handle")
    }
}

fn bind<T: Send + 'static>(
    mut store: impl AsContextMut<Data = T>,
    instance: &Instance,
    e: &ToolExports,
) -> wasmtime::Result<Bound> {
    let s = &mut store;
    Ok(Bound {
        describe: typed_func(&mut *s, instance, &e.describe, "describe")?,
        run: typed_func(&mut *s, instance, &e.run, "run")?,
        run_operation: typed_func(&mut *s, instance, &e.run_operation, "run-operation")?,
        open: match &e.stream {
            Some(st) => Some(typed_func(&mut *s, instance, &st.open, "open")?),
            None => None,
        },
        push: match &e.stream {
            Some(st) => Some(typed_func(&mut *s, instance, &st.push, "converter.push")?),
            None => None,
        },
        finish: match &e.stream {
            Some(st) => Some(typed_func(
                &mut *s,
                instance,
                &st.finish,
                "converter.finish",
            )?),
            None => None,
        },
    })
}

fn typed_func<T: Send + 'static, P, R>(
    store: impl AsContextMut<Data = T>,
    instance: &Instance,
    index: &ComponentExportIndex,
    what: &str,
) -> wasmtime::Result<TypedFunc<P, R>>
where
    P: wasmtime::component::ComponentNamedList + Lower,
    R: wasmtime::component::ComponentNamedList + Lift,
{
    instance
        .get_typed_func(store, index)
        .with_context(|| format!("the tool's '{what}' does not have the lathe:tool type"))
}

fn bound<T>(
    store: &mut StoreContextMut<'_, T>,
    get: fn(&mut T) -> &mut ToolLinkState,
) -> wasmtime::Result<Bound> {
    match get(store.data_mut()).bound {
        Some(b) => Ok(b),
        None => bail!("no tool instance is linked to this component"),
    }
}

/// Defines `lathe:tool/tool@0.2.0` and `lathe:tool/stream-tool@0.2.0` in `linker` as
/// forwarders to the tool bound in each store's [`ToolLinkState`].
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut ToolLinkState,
) -> wasmtime::Result<()> {
    let mut tool = linker.instance(TOOL)?;
    tool.func_wrap_async("describe", move |mut store, (): ()| {
        Box::new(async move {
            let f = bound(&mut store, get)?.describe;
            f.call_async(&mut store, ()).await
        })
    })?;
    tool.func_wrap_async("run", move |mut store, args: (Vec<InputFile>, String)| {
        Box::new(async move {
            let f = bound(&mut store, get)?.run;
            f.call_async(&mut store, args).await
        })
    })?;
    tool.func_wrap_async(
        "run-operation",
        move |mut store, args: (String, Vec<InputFile>, String)| {
            Box::new(async move {
                let f = bound(&mut store, get)?.run_operation;
                f.call_async(&mut store, args).await
            })
        },
    )?;

    let mut stream = linker.instance(STREAM_TOOL)?;
    stream.resource_async(
        "converter",
        ResourceType::host::<Converter>(),
        move |mut store, rep| {
            Box::new(async move {
                let state = get(store.data_mut());
                let taken = state
                    .converters
                    .get_mut(rep as usize)
                    .and_then(Option::take);
                if let Some(converter) = taken {
                    converter.resource_drop_async(&mut store).await?;
                }
                Ok(())
            })
        },
    )?;
    stream.func_wrap_async("open", move |mut store, args: (String, String)| {
        Box::new(async move {
            let f = bound(&mut store, get)?
                .open
                .context("the linked tool does not stream")?;
            let (opened,) = f.call_async(&mut store, args).await?;
            let answer: OpenAnswer = match opened {
                Ok(Some((converter, plan))) => {
                    let rep = get(store.data_mut()).insert(converter);
                    Ok(Some((Resource::new_own(rep), plan)))
                }
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            };
            Ok((answer,))
        })
    })?;
    stream.func_wrap_async(
        "[method]converter.push",
        move |mut store, (this, chunk): (Resource<Converter>, Vec<u8>)| {
            Box::new(async move {
                let f = bound(&mut store, get)?
                    .push
                    .context("the linked tool does not stream")?;
                let converter = get(store.data_mut()).converter(this.rep())?;
                f.call_async(&mut store, (converter, chunk)).await
            })
        },
    )?;
    stream.func_wrap_async(
        "[method]converter.finish",
        move |mut store, (this,): (Resource<Converter>,)| {
            Box::new(async move {
                let f = bound(&mut store, get)?
                    .finish
                    .context("the linked tool does not stream")?;
                let converter = get(store.data_mut()).converter(this.rep())?;
                f.call_async(&mut store, (converter,)).await
            })
        },
    )?;
    Ok(())
}
