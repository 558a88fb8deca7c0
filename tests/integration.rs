//! The integration suite, one test binary: each module drives the real router over HTTP on
//! port 0 with a fresh SQLite file (`common::spawn_app`). One binary links the app once instead
//! of once per file, which saves minutes and gigabytes per build. `logs.rs` stays a binary of
//! its own because it installs a global tracing subscriber.

mod common;

mod accounts;
mod admin;
mod api;
mod architecture;
mod audit;
mod concurrency;
mod connections;
mod database;
mod languages;
mod mail;
mod nodes;
mod oidc;
mod ops;
mod pages;
mod process;
mod profiles;
mod security;
mod sessions;
mod throttles;
mod two_factor;
