//! The HTTP front: hyper accepts connections, Spin's routing picks a component, and each
//! request runs in a fresh instance (pooling allocator + pre-instantiation keep that cheap).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use lathe_factor_key_value::Backend;
use lathe_store_layout::Failure;

use lathe_factor_tool_link::{ToolExports, ToolLinkState};
use wasmtime::component::InstancePre;
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

use crate::headers;
use crate::loader::Loader;
use crate::manifest;
use crate::routing::Router;
use crate::runtime::{Limits, RequestState};

/// A loaded HTTP component, ready to instantiate per request.
pub struct HttpComponent {
    /// Component id from the manifest.
    pub id: String,
    /// Pre-instantiated component.
    pub pre: ProxyPre<RequestState>,
    /// Stores the component may open.
    pub allowed_stores: Arc<Vec<String>>,
    /// Its resolved variables.
    pub variables: Arc<HashMap<String, String>>,
    /// The tool linked into its imports at the instance level, if any.
    pub tool: Option<LinkedTool>,
}

/// A routed component, loaded on its route's first request (the start-up check has
/// already loaded and checked it once, in a child process).
pub struct LazyComponent {
    spec: manifest::Component,
    loaded: tokio::sync::OnceCell<Arc<HttpComponent>>,
}

impl LazyComponent {
    /// A component not loaded yet.
    pub fn new(spec: manifest::Component) -> Self {
        Self {
            spec,
            loaded: tokio::sync::OnceCell::new(),
        }
    }

    async fn get(&self, app: &App) -> anyhow::Result<Arc<HttpComponent>> {
        self.loaded
            .get_or_try_init(|| async {
                let mut loader = app.loader.lock().await;
                let component = loader
                    .load(&self.spec, &app.app_vars, app.kv.as_ref())
                    .await?;
                Ok::<_, anyhow::Error>(Arc::new(component))
            })
            .await
            .cloned()
    }
}

/// A dependency linked at the instance level: instantiated next to the component in each
/// request's store (see `lathe-factor-tool-link`).
#[derive(Clone)]
pub struct LinkedTool {
    /// The pre-linked tool component.
    pub pre: InstancePre<RequestState>,
    /// Where its `lathe:tool` functions are.
    pub exports: ToolExports,
}

/// Everything the server needs, shared by all connections.
pub struct App {
    /// `[application] name`, for Spin's `/.well-known/spin/info`.
    pub app_name: String,
    /// `[application] version`.
    pub app_version: String,
    /// Route table.
    pub router: Router<Arc<LazyComponent>>,
    /// Loads components on their first request.
    pub loader: tokio::sync::Mutex<Loader>,
    /// Resolved application variables.
    pub app_vars: HashMap<String, String>,
    /// The `default` store.
    pub kv: Arc<dyn Backend>,
    /// Key-value stores by label.
    pub stores: Arc<HashMap<String, Arc<dyn Backend>>>,
    /// Per-call limits.
    pub limits: Limits,
}

/// A request body from any source (a connection, or the host's own warm-up requests).
pub type Body = BoxBody<Bytes, hyper::Error>;

/// Why a component call ended without a response.
#[derive(Debug)]
struct Timeout;

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("time limit exceeded")
    }
}

impl std::error::Error for Timeout {}

/// An answer of Spin's trigger itself (no component involved).
fn spin_response(r: headers::SpinResponse) -> Response<HyperOutgoingBody> {
    let mut builder = Response::builder().status(r.status);
    if let Some(content_type) = r.content_type {
        builder = builder.header("content-type", content_type);
    }
    builder
        .body(
            Full::new(Bytes::from(r.body))
                .map_err(|never| match never {})
                .boxed_unsync(),
        )
        .expect("valid response")
}

fn json_error(status: StatusCode, code: &str, message: &str) -> Response<HyperOutgoingBody> {
    let body = serde_json::json!({ "error": message, "code": code }).to_string();
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(
            Full::new(Bytes::from(body))
                .map_err(|never| match never {})
                .boxed_unsync(),
        )
        .expect("valid response")
}

impl App {
    /// Handles one request: route, instantiate, call the component's handler.
    pub async fn handle(
        self: Arc<Self>,
        mut req: Request<Body>,
        client: SocketAddr,
    ) -> Response<HyperOutgoingBody> {
        // What Spin's HTTP trigger does before a component sees the request
        // (crates/trigger-http/src/server.rs and headers.rs at v4.0.2).
        headers::strip_forbidden_headers(req.headers_mut());
        let path = req.uri().path().to_string();
        if let Some(r) = headers::well_known_response(&path, &self.app_name, &self.app_version) {
            return spin_response(r);
        }
        let Some(matched) = self.router.route(&path) else {
            return spin_response(headers::SpinResponse::not_found());
        };
        let Ok(host) = headers::request_host(req.headers()) else {
            return spin_response(headers::SpinResponse::internal_error());
        };
        let path_and_query = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let spin = headers::spin_headers(&matched, "http", &host, &path_and_query, client);
        if headers::append_spin_headers(req.headers_mut(), spin).is_err() {
            return spin_response(headers::SpinResponse::internal_error());
        }
        let component = match matched.target.get(&self).await {
            Ok(component) => component,
            Err(e) => {
                eprintln!("lathe-host: loading {}: {e:#}", matched.target.spec.id);
                return spin_response(headers::SpinResponse::internal_error());
            }
        };
        match self.call(&component, req).await {
            Ok(resp) => resp,
            Err(resp) => resp,
        }
    }

    async fn call(
        &self,
        component: &HttpComponent,
        req: Request<Body>,
    ) -> Result<Response<HyperOutgoingBody>, Response<HyperOutgoingBody>> {
        let state = RequestState::new(
            &component.id,
            self.stores.clone(),
            component.allowed_stores.clone(),
            component.variables.clone(),
            self.limits,
        );
        let mut store = Store::new(component.pre.engine(), state);
        store.limiter(|s| &mut s.limiter);
        let started = Instant::now();
        let timeout = self.limits.timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if started.elapsed() > timeout {
                Err(wasmtime::Error::new(Timeout))
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        let internal = |e: wasmtime::Error| {
            eprintln!("lathe-host: {}: {e:#}", component.id);
            failure_response(&Failure::internal("Internal server error"))
        };
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(
                wasmtime_wasi_http::p2::bindings::http::types::Scheme::Http,
                req,
            )
            .map_err(internal)?;
        let out = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(internal)?;
        let pre = component.pre.clone();
        let tool = component.tool.clone();
        let id = component.id.clone();
        let task = tokio::task::spawn(async move {
            let result = async {
                if let Some(tool) = &tool {
                    ToolLinkState::instantiate(&mut store, &tool.pre, &tool.exports, |s| {
                        &mut s.tool_link
                    })
                    .await?;
                }
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req, out)
                    .await
            }
            .await;
            let memory_hit = store.data().limiter.hit;
            (result, memory_hit)
        });
        match receiver.await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(code)) => {
                eprintln!("lathe-host: {id}: component answered with error {code:?}");
                Err(failure_response(&Failure::internal(
                    "Internal server error",
                )))
            }
            Err(_) => {
                let (result, memory_hit) = match task.await {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("lathe-host: {id}: task failed: {e}");
                        return Err(failure_response(&Failure::internal(
                            "Internal server error",
                        )));
                    }
                };
                let error = match result {
                    Ok(()) => {
                        eprintln!("lathe-host: {id}: component sent no response");
                        return Err(failure_response(&Failure::internal(
                            "Internal server error",
                        )));
                    }
                    Err(e) => e,
                };
                Err(trap_response(&id, error, memory_hit, timeout))
            }
        }
    }
}

/// Turns a trapped call into a clear client error: the input drove the tool over a limit
/// or crashed it, and the server itself is fine. The wording is the store layout's, the
/// same a native job's result carries.
fn trap_response(
    id: &str,
    error: wasmtime::Error,
    memory_hit: bool,
    timeout: std::time::Duration,
) -> Response<HyperOutgoingBody> {
    let failure = if error.downcast_ref::<Timeout>().is_some() {
        eprintln!(
            "lathe-host: {id}: stopped after the {} s time limit",
            timeout.as_secs()
        );
        Failure::timeout(timeout.as_secs())
    } else if memory_hit {
        eprintln!("lathe-host: {id}: stopped at the memory limit");
        Failure::out_of_memory()
    } else {
        eprintln!("lathe-host: {id}: trapped: {error:#}");
        Failure::crashed()
    };
    failure_response(&failure)
}

/// The `{"error","code"}` response of a failure.
fn failure_response(failure: &Failure) -> Response<HyperOutgoingBody> {
    let status =
        StatusCode::from_u16(failure.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_error(status, failure.kind.code(), &failure.message)
}

/// Serves `app` on `listener` until the process ends.
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    loop {
        let (stream, client) = listener.accept().await?;
        stream.set_nodelay(true).ok();
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let app = app.clone();
                async move {
                    let req = req.map(|b| b.boxed());
                    Ok::<_, std::convert::Infallible>(app.handle(req, client).await)
                }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await
            {
                if !e.is_incomplete_message() {
                    eprintln!("lathe-host: connection error: {e}");
                }
            }
        });
    }
}

/// Sends a request to the app in-process (used for warm-up) and returns status and body.
pub async fn local_request(
    app: &Arc<App>,
    method: &str,
    path: &str,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .body(
            http_body_util::Empty::<Bytes>::new()
                .map_err(|never| match never {})
                .boxed(),
        )?;
    let resp = app
        .clone()
        .handle(req, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await;
    let status = resp.status();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .to_bytes();
    Ok((status, body))
}
