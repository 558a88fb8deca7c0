//! The OpenAPI document against the router, and the reference page made from it.

use super::no_such_route;
use crate::common::{problem, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;

/// The served document is OpenAPI 3.1 whose every `$ref` resolves, and it matches the router
/// both ways: each documented operation is routed (it answers 401 to a call without a token,
/// not 404 or 405), and each documented path refuses every other method with 405, while paths
/// outside the document are 404.
#[tokio::test]
async fn the_openapi_document_and_the_router_agree() {
    let app = spawn_app().await;
    let res = app.get("/api/openapi.json", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    serde_json::from_value::<utoipa::openapi::OpenApi>(doc.clone()).expect("a valid document");

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        assert!(
            doc.pointer(r.trim_start_matches('#')).is_some(),
            "dangling {r}"
        );
    }

    let methods = ["get", "post", "put", "patch", "delete"];
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 3);
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", "1");
        for method in methods {
            let req = app.client.request(
                method.to_uppercase().parse().unwrap(),
                app.url(&format!("/api/v1{concrete}")),
            );
            let res = req.send().await.unwrap();
            if item.get(method).is_some() {
                operations += 1;
                assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
                let security = &item[method]["security"][0]["bearer"][0];
                assert!(
                    security.as_str().is_some_and(|s| s.contains(':')),
                    "{method} {path}: no scope"
                );
            } else {
                assert_eq!(
                    res.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path}"
                );
            }
        }
    }
    assert_eq!(operations, 7);
    for path in [
        "/api/v1/tokens",
        "/api/v1/me/tokens",
        "/api/v1/users/1/sessions",
    ] {
        let res = app.get(path, None).await;
        assert_eq!(
            problem(res, StatusCode::NOT_FOUND).await,
            no_such_route(),
            "{path}"
        );
    }
    // The reference page lists every operation and problem type.
    let page = app.get("/api/docs", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for needle in [
        "GET /api/v1/me",
        "DELETE /api/v1/users/{id}",
        "problem-insufficient-scope",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
}
