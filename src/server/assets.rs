//! The names of the built browser files (wasm, its JS glue, the stylesheet) and the `<head>`
//! tags that load them.
//!
//! Leptos' own `HydrationScripts` and `HashedStylesheet` find the hashed names by locating the
//! executable and reading `hash.txt` on every render: a `readlink`, a `stat` and two file reads
//! per page, on the async runtime. Roster reads the names once, when the router is built, and
//! keeps them in [`AppState`](super::AppState).

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use leptos::{config::LeptosOptions, prelude::*};

/// Paths of the built files as the browser fetches them, e.g. `/pkg/roster.<hash>.wasm`.
#[derive(Debug, Clone)]
pub struct AssetNames {
    pub js: String,
    pub wasm: String,
    pub css: String,
    /// The lazy routes' wasm chunks of a split build (`cargo leptos build --split`); `None`
    /// for a build without them.
    pub split: Option<SplitChunks>,
}

/// What `cargo leptos build --split` wrote beside the main module: the loader script the
/// main module imports chunks through, and for each lazy function (a lazy route's view) the
/// chunks it needs, so a page of a lazy route can ask for them in its `<head>` rather than
/// after the main module has run.
///
/// Held as Leptos' own `WasmSplitManifest` (the pkg path, lazy function id → chunk names
/// without `.wasm`, the loader's file name, e.g. `__wasm_split.<hash>.js`), built once and
/// shared by every render.
#[derive(Debug, Clone)]
pub struct SplitChunks(leptos::WasmSplitManifest);

impl AssetNames {
    /// The names `options` stands for. With `hash_files`, `hash.txt` beside the running
    /// executable gives each file's hash (`js: <hash>` lines, written by cargo-leptos); a file
    /// missing from it (or a missing `hash.txt`) keeps its plain name.
    pub fn from_options(options: &LeptosOptions) -> Self {
        let hashes = if options.hash_files {
            hash_file_path(options)
                .and_then(|path| read_hashes(&path))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let mut names = Self::new(options, &hashes);
        names.split = read_split_chunks(options, &hashes);
        names
    }

    /// The names from `hash_txt`, the contents of cargo-leptos' `hash.txt` (empty: no hashing).
    pub fn new(options: &LeptosOptions, hash_txt: &str) -> Self {
        let hash = |kind: &str| hash_of(hash_txt, kind);
        let stem = options.output_name.as_ref();
        let named = |kind: &str, plain: &str| match hash(kind) {
            Some(hash) => format!("/{}/{stem}.{hash}.{kind}", options.site_pkg_dir),
            None => format!("/{}/{plain}", options.site_pkg_dir),
        };
        // Without cargo-leptos (plain `cargo build`), wasm-bindgen's default name applies.
        let plain_wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            format!("{stem}.wasm")
        } else {
            format!("{stem}_bg.wasm")
        };
        Self {
            js: named("js", &format!("{stem}.js")),
            wasm: named("wasm", &plain_wasm),
            css: named("css", &format!("{stem}.css")),
            split: None,
        }
    }
}

/// The hash `hash_txt` (cargo-leptos' `hash.txt`, `kind: hash` lines) gives `kind` (`js`,
/// `wasm`, `css`, `manifest`, `split`), if any.
fn hash_of(hash_txt: &str, kind: &str) -> Option<String> {
    hash_txt.lines().find_map(|line| {
        let (file, hash) = line.trim().split_once(':')?;
        (file.trim() == kind).then(|| hash.trim().to_string())
    })
}

/// The file named `stem` with the hash `hash.txt` gives `kind` (`manifest`, `split`), e.g.
/// `__wasm_split.<hash>.js`, or its unhashed name.
fn split_file_name(hash_txt: &str, kind: &str, stem: &str, plain: &str, ext: &str) -> String {
    hash_of(hash_txt, kind).map_or_else(|| plain.to_string(), |hash| format!("{stem}.{hash}.{ext}"))
}

/// The chunks of a split build, read from its manifest in the site's pkg directory; `None`
/// when the build was not split (no manifest) or the manifest is unreadable (logged: pages
/// then still work, each chunk loading when its route first renders).
fn read_split_chunks(options: &LeptosOptions, hash_txt: &str) -> Option<SplitChunks> {
    let manifest = split_file_name(
        hash_txt,
        "manifest",
        "__wasm_split_manifest",
        "__wasm_split_manifest.json",
        "json",
    );
    let path = Path::new(options.site_root.as_ref())
        .join(options.site_pkg_dir.as_ref())
        .join(manifest);
    let text = std::fs::read_to_string(&path).ok()?;
    let chunks: HashMap<String, Vec<String>> = match serde_json::from_str(&text) {
        Ok(chunks) => chunks,
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "wasm split manifest unreadable");
            return None;
        }
    };
    let loader = split_file_name(
        hash_txt,
        "split",
        "__wasm_split",
        "__wasm_split.______________________.js",
        "js",
    );
    Some(SplitChunks(leptos::WasmSplitManifest(ArcStoredValue::new(
        (format!("/{}", options.site_pkg_dir), chunks, loader),
    ))))
}

/// Where cargo-leptos leaves `hash.txt` for a release build: beside the running executable.
pub fn hash_file_path(options: &LeptosOptions) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(options.hash_file.as_ref()))
}

fn read_hashes(path: &Path) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "hash file unreadable");
            None
        }
    }
}

/// The stylesheet link, the preload hints and the module script that loads the wasm and
/// hydrates the page (the same steps as Leptos' hydration script), carrying the response's CSP
/// nonce. Renders nothing outside a request of the app.
pub fn head_tags() -> impl IntoView {
    let names = use_context::<super::AppState>().map(|state| state.assets().clone());
    let nonce = leptos::nonce::use_nonce().map(|n| n.to_string());
    names.map(|names| {
        // leptos_axum adds preload links for the chunks of the lazy routes this page renders.
        if let Some(SplitChunks(manifest)) = &names.split {
            provide_context(manifest.clone());
        }
        let script = format!(
            "import({js:?}).then(m=>m.default({{module_or_path:{wasm:?}}}).then(()=>m.hydrate()));",
            js = names.js,
            wasm = names.wasm,
        );
        view! {
            <link rel="stylesheet" id="leptos" href=names.css.clone()/>
            <link rel="modulepreload" href=names.js.clone() crossorigin=""/>
            <link
                rel="preload"
                href=names.wasm.clone()
                r#as="fetch"
                r#type="application/wasm"
                crossorigin=""
            />
            <script type="module" nonce=nonce.clone()>
                {script}
            </script>
            // Passkeys (WebAuthn) are a browser API only a script reaches: this small file
            // shows the passkey buttons and runs them; everything else works without it.
            <script src="/passkeys.js" defer="" nonce=nonce></script>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(hash_files: bool) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("roster")
            .hash_files(hash_files)
            .build()
    }

    #[test]
    fn hashed_names_come_from_hash_txt() {
        let names = AssetNames::new(
            &options(true),
            "js: YCLPrFw-d5LOd0zZ_7sQsw\nwasm: PseydGDRb0XRFsoDoq42-w\ncss: w0bpYwt1kxrlzGsh55dxSQ\n",
        );
        assert_eq!(names.js, "/pkg/roster.YCLPrFw-d5LOd0zZ_7sQsw.js");
        assert_eq!(names.wasm, "/pkg/roster.PseydGDRb0XRFsoDoq42-w.wasm");
        assert_eq!(names.css, "/pkg/roster.w0bpYwt1kxrlzGsh55dxSQ.css");
    }

    #[test]
    fn a_split_build_names_its_loader_and_chunks() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir(site.path().join("pkg")).unwrap();
        std::fs::write(
            site.path().join("pkg/__wasm_split_manifest.M4n1f3st.json"),
            r#"{"admin_users_route_view_1": ["split_0", "shared_1"]}"#,
        )
        .unwrap();
        let options = LeptosOptions::builder()
            .output_name("roster")
            .hash_files(true)
            .site_root(site.path().to_str().unwrap())
            .build();
        let hashes = "js: a\nwasm: b\ncss: c\nmanifest: M4n1f3st\nsplit: L0ad3r\n";
        let SplitChunks(manifest) = read_split_chunks(&options, hashes).expect("split");
        let (pkg, chunks, loader) = manifest.0.get_value();
        assert_eq!(pkg, "/pkg");
        assert_eq!(loader, "__wasm_split.L0ad3r.js");
        assert_eq!(chunks["admin_users_route_view_1"], ["split_0", "shared_1"]);
        // A build without chunks (no manifest) has none.
        let unsplit = tempfile::tempdir().unwrap();
        let options = LeptosOptions::builder()
            .output_name("roster")
            .site_root(unsplit.path().to_str().unwrap())
            .build();
        assert!(read_split_chunks(&options, "").is_none());
    }

    #[test]
    fn plain_names_without_hashes() {
        let names = AssetNames::new(&options(false), "");
        assert_eq!(names.js, "/pkg/roster.js");
        assert_eq!(names.css, "/pkg/roster.css");
        assert!(names.wasm == "/pkg/roster.wasm" || names.wasm == "/pkg/roster_bg.wasm");
    }
}
