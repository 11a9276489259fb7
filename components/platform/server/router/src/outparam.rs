//! Answering through Spin's streaming response outparam (async handlers): a buffered
//! [`Response`], or a stored file sent chunk by chunk so it is never held whole.

use futures::SinkExt;
use spin_sdk::http::{Headers, OutgoingResponse, Response, ResponseOutparam};

use crate::blobs::Blobs;

fn outgoing(status: u16, headers: &[(String, Vec<u8>)]) -> OutgoingResponse {
    let fields = Headers::from_list(headers).unwrap_or_else(|_| Headers::new());
    let response = OutgoingResponse::new(fields);
    response.set_status_code(status).ok();
    response
}

/// Sends a buffered response.
pub async fn send(out: ResponseOutparam, response: Response) {
    let mut headers: Vec<(String, Vec<u8>)> = response
        .headers()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("x-request-id"))
    {
        headers.push((
            "x-request-id".into(),
            crate::request_id::current().into_bytes(),
        ));
    }
    let outgoing = outgoing(*response.status(), &headers);
    let mut body = outgoing.take_body();
    out.set(outgoing);
    body.send(response.into_body()).await.ok();
}

/// Sends the `chunks` chunks of the file at blob prefix `prefix` as a 200 with `headers`, one at a time. A
/// chunk missing halfway ends the body early (the status is already sent); the client sees
/// a short body against `content-length`.
pub async fn send_chunks(
    out: ResponseOutparam,
    blobs: &dyn Blobs,
    headers: &[(String, String)],
    prefix: &str,
    chunks: u32,
) {
    let mut headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
        .collect();
    headers.push((
        "x-request-id".into(),
        crate::request_id::current().into_bytes(),
    ));
    let outgoing = outgoing(200, &headers);
    let mut body = outgoing.take_body();
    out.set(outgoing);
    for index in 0..chunks {
        let Ok(chunk) = crate::blobs::get_chunk(blobs, prefix, index) else {
            return;
        };
        if body.send(chunk).await.is_err() {
            return;
        }
    }
}
