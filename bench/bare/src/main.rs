//! `bare MANIFEST PORT`: serves, for each `method path` in MANIFEST (JSON lines of
//! `{"method", "path", "status", "content_type", "content_encoding", "body_file"}`), the
//! recorded bytes from memory, with nothing else on the way: the ceiling Roster is measured
//! against. Any other request gets 404.

use std::{collections::HashMap, sync::Arc};

use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

struct Recorded {
    status: StatusCode,
    content_type: HeaderValue,
    content_encoding: Option<HeaderValue>,
    body: Bytes,
}

type Table = Arc<HashMap<(String, String), Recorded>>;

async fn answer(State(table): State<Table>, req: Request) -> Response {
    let key = (
        req.method().as_str().to_owned(),
        req.uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    );
    match table.get(&key) {
        Some(r) => {
            let mut res = (r.status, r.body.clone()).into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, r.content_type.clone());
            if let Some(enc) = &r.content_encoding {
                res.headers_mut().insert(header::CONTENT_ENCODING, enc.clone());
            }
            res
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (manifest, port) = (&args[1], &args[2]);
    let dir = std::path::Path::new(manifest).parent().unwrap().to_path_buf();
    let mut table = HashMap::new();
    for line in std::fs::read_to_string(manifest).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let body = std::fs::read(dir.join(s("body_file"))).unwrap();
        table.insert(
            (s("method"), s("path")),
            Recorded {
                status: StatusCode::from_u16(v["status"].as_u64().unwrap() as u16).unwrap(),
                content_type: HeaderValue::from_str(&s("content_type")).unwrap(),
                content_encoding: v["content_encoding"]
                    .as_str()
                    .map(|e| HeaderValue::from_str(e).unwrap()),
                body: Bytes::from(body),
            },
        );
    }
    let app = axum::Router::new()
        .fallback(answer)
        .with_state(Arc::new(table));
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
