//! Roster: a self-hosted accounts and profiles server.
//!
//! One crate built twice: with `ssr` it is the server (axum + Leptos server rendering + SQLite),
//! with `hydrate` it is the wasm that makes the same pages interactive in the browser.

pub mod account;
pub mod admin;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod components;
pub mod domain;
pub mod error;
pub mod profiles;
#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser build: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Tells end-to-end tests (and curious people) that the page is now interactive.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
