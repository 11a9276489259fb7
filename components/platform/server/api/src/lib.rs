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
    if matches!(head.method(), Method::Get) {
        if let ["api", "v1", "download", job, file] = lathe_router::segments(&head).as_slice() {
            let opened = lathe_router::store::open().and_then(|store| {
                let principal = lathe_router::auth::authenticate(&store, &head)?;
                let download = lathe_router::jobs::download_head(&store, &principal, job, file)?;
                Ok((lathe_router::blobs::open()?, download))
            });
            match opened {
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
            return;
        }
        if let ["api", "v1", "files", id, "download"] = lathe_router::segments(&head).as_slice() {
            let opened = lathe_router::store::open().and_then(|store| {
                let principal = lathe_router::auth::authenticate(&store, &head)?;
                let download = lathe_router::library::download_head(&store, &principal, id)?;
                Ok((lathe_router::blobs::open()?, download))
            });
            match opened {
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
            return;
        }
        if let ["api", "v1", "jobs", job, "progress"] = lathe_router::segments(&head).as_slice() {
            let job = job.to_string();
            lathe_router::progress_stream::stream(&head, &job, out).await;
            return;
        }
    }
    let response = match Request::try_from_incoming_request(req).await {
        Ok(req) => lathe_router::api::handle(req),
        Err(e) => lathe_router::ApiError::bad_request(format!("Could not read the request: {e}"))
            .into_response(),
    };
    outparam::send(out, response).await;
}
