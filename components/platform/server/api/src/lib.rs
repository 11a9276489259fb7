//! The `api` Spin component: health, auth, users, API keys, the catalog and downloads.
//!
//! Downloads and job progress (Server-Sent Events) are streamed chunk by chunk from the blob store (a result may be far larger than
//! the component should hold); every other route is answered by `lathe_router::api`.

use lathe_router::outparam;
use lathe_router::upload::head_of;
use spin_sdk::http::conversions::TryFromIncomingRequest;
use spin_sdk::http::{IncomingRequest, Method, Request, ResponseOutparam};
use spin_sdk::http_component;

#[http_component]
async fn handle(req: IncomingRequest, out: ResponseOutparam) {
    let head = head_of(&req);
    lathe_router::request_id::begin(&head);
    if matches!(head.method(), Method::Get) {
        if let ["api", "v1", "download", job, file] = lathe_router::segments(&head).as_slice() {
            let opened = lathe_router::store::open().and_then(|store| {
                let principal = lathe_router::auth::authenticate(&store, &head)?;
                lathe_router::jobs::download_head(&store, &principal, job, file)
            });
            return send_stored(out, opened).await;
        }
        if let ["api", "v1", "files", id, "download"] = lathe_router::segments(&head).as_slice() {
            let query = head.query().to_string();
            let opened = lathe_router::store::open().and_then(|store| {
                if lathe_router::presign::is_signed(&query) {
                    // A shared link: its signature stands in for a credential.
                    let file = lathe_router::presign::signed_download(&store, id, &query)?;
                    return Ok(lathe_router::library::download_of(file));
                }
                let principal = lathe_router::auth::authenticate(&store, &head)?;
                lathe_router::library::download_head(&store, &principal, id)
            });
            return send_stored(out, opened).await;
        }
        if let ["api", "v1", "files", id, "thumbnail"] = lathe_router::segments(&head).as_slice() {
            let opened = lathe_router::store::open().and_then(|store| {
                let principal = lathe_router::auth::authenticate(&store, &head)?;
                let blobs = lathe_router::blobs::open()?;
                lathe_router::previews::thumbnail(&store, blobs.as_ref(), &principal, id)
            });
            return send_stored(out, opened).await;
        }
        if let ["api", "v1", "jobs", job, "progress"] = lathe_router::segments(&head).as_slice() {
            let job = job.to_string();
            lathe_router::progress_stream::stream(&head, &job, out).await;
            return;
        }
    }
    if matches!(head.method(), Method::Post)
        && lathe_router::segments(&head).as_slice() == ["api", "v1", "files", "upload"]
    {
        // Library uploads stream into the store; they are never held whole.
        let response = match lathe_router::library::upload_streamed(req).await {
            Ok(body) => lathe_router::json_response(201, &body),
            Err(e) => e.into_response(),
        };
        return outparam::send(out, response).await;
    }
    if matches!(head.method(), Method::Put) {
        if let ["api", "v1", "files", "presigned", id] = lathe_router::segments(&head).as_slice() {
            let (id, query) = (id.to_string(), head.query().to_string());
            let response = match lathe_router::presign::receive(req, &id, &query).await {
                Ok(body) => lathe_router::json_response(201, &body),
                Err(e) => e.into_response(),
            };
            return outparam::send(out, response).await;
        }
    }
    let response = match Request::try_from_incoming_request(req).await {
        Ok(req) => lathe_router::api::handle(req),
        Err(e) => lathe_router::ApiError::bad_request(format!("Could not read the request: {e}"))
            .into_response(),
    };
    outparam::send(out, response).await;
}

/// Streams a stored file (a job's output, a library version), or answers the error.
async fn send_stored(
    out: ResponseOutparam,
    opened: lathe_router::ApiResult<lathe_router::jobs::DownloadHead>,
) {
    match opened.and_then(|d| Ok((lathe_router::blobs::open()?, d))) {
        Ok((blobs, download)) => {
            outparam::send_chunks(
                out,
                blobs.as_ref(),
                &download.headers,
                &download.prefix,
                download.file.chunks,
            )
            .await
        }
        Err(e) => outparam::send(out, e.into_response()).await,
    }
}
