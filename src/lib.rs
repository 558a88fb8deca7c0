//! Roster: a self-hosted accounts and profiles server.
//!
//! One crate built twice: with `ssr` it is the server (axum + Leptos server rendering + SQLite),
//! with `hydrate` it is the wasm that makes the same pages interactive in the browser. Its
//! modules are layers that import only downward (`../shared/ARCHITECTURE.md`; the README's
//! development section; `tests/architecture.rs` keeps it so):
//!
//! ```text
//! L0 domain, paths, request     L1 error, i18n, components L2 server (infrastructure)
//! L3 store, audit               L4 auth
//! L5 profiles, account, tokens, mail, mfa (second factors), oidc (OpenID Connect provider)
//! L6 admin                      L7 rest (the JSON API)     L8 app (composition root)
//! ```

pub mod account;
pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod components;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod mfa;
pub mod oidc;
pub mod paths;
pub mod profiles;
#[cfg(feature = "ssr")]
pub mod request;
pub mod rest;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod store;
pub mod tokens;

/// Entry point of the browser build: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronous: a page of a lazy route (`components::lazy_page!`) first loads its wasm
    // chunk, then hydrates.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("the page has a body");
        let mounted = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        mounted.forget();
        // Tells end-to-end tests (and curious people) that the page is now interactive.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
