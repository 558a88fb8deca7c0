#!/usr/bin/env python3
"""Bytes of wasm and JS (brotli, as served) each kind of visitor downloads, from a release build
made with `cargo leptos build --release --precompress --split`.

Every page loads the JS glue, the main module and the split loader; a page of a lazy route also
loads the chunks the split manifest lists for its view (`components::lazy_page!`). Each visitor
kind below is the union over the pages that visitor opens. Usage: `bench/wasm-bytes.py
[SITE_PKG_DIR [HASH_TXT]]` (defaults: target/site/pkg, target/release/hash.txt).
"""
import json
import os
import sys

pkg = sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg"
hash_txt = sys.argv[2] if len(sys.argv) > 2 else "target/release/hash.txt"
hashes = dict(
    (k.strip(), v.strip())
    for k, v in (line.split(":", 1) for line in open(hash_txt) if ":" in line)
)


def br(name):
    return os.path.getsize(os.path.join(pkg, name + ".br"))


base = {
    f"roster.{hashes['js']}.js": br(f"roster.{hashes['js']}.js"),
    f"roster.{hashes['wasm']}.wasm": br(f"roster.{hashes['wasm']}.wasm"),
}
manifest = {}
if "manifest" in hashes:
    base[f"__wasm_split.{hashes['split']}.js"] = br(f"__wasm_split.{hashes['split']}.js")
    manifest = json.load(open(os.path.join(pkg, f"__wasm_split_manifest.{hashes['manifest']}.json")))


def route(prefix):
    keys = [k for k in manifest if k.startswith(f"__{prefix}_route_view_")]
    return [f"{c}.wasm" for k in keys for c in manifest[k]]


signed_in = ["profile", "settings", "password", "sessions", "security_settings",
             "tokens_settings", "apps_settings", "account"]
admin = ["admin_users", "admin_user", "admin_new_user", "admin_import", "admin_audit",
         "admin_outbox", "admin_clients"]
kinds = {
    "signed-out visitor (home, sign-in)": [],
    "newcomer (+ sign-up)": ["sign_up"],
    "signed-in person (+ profile and every settings tab)": signed_in,
    "administrator (+ the admin console)": signed_in + admin,
    "everything (+ API docs, OIDC consent and sign-out)": signed_in + admin
    + ["api_docs", "authorize", "logout"],
}
print(f"| visitor | files | brotli KB |\n| --- | --- | --- |")
for kind, routes in kinds.items():
    files = dict(base)
    for r in routes:
        for chunk in route(r):
            files[chunk] = br(chunk)
    print(f"| {kind} | {len(files)} | {sum(files.values()) / 1000:.0f} |")
