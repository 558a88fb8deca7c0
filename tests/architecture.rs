//! The layer rule of `../shared/ARCHITECTURE.md`, enforced: a module of `src/` imports only
//! from layers below its own, never from its own layer's neighbours or from above. Reads every
//! `src/**/*.rs` and fails naming each upward or sideways `crate::` path.
//!
//! ```text
//! L0  domain  paths  request          L1  error  i18n  (components just above: forms show errors)
//! L2  server                          L3  store  audit
//! L4  auth                            L5  profiles  account  tokens
//! L6  admin                           L7  rest
//! L8  app                             L9  lib.rs  main.rs  cli.rs (the crate roots)
//! ```

use std::{collections::BTreeMap, path::Path};

/// Each top-level module of `src/` and its layer. Halves order modules inside a layer where
/// one must build on the other; none is needed but `components` on `error`.
const LAYERS: [(&str, f32); 20] = [
    ("domain", 0.0),
    ("paths", 0.0),
    ("request", 0.0),
    ("error", 1.0),
    // The translations (`locales/*.json`): every page and mail reads them.
    ("i18n", 1.0),
    // The form pieces show `AppError` messages: they sit just above `error`, below the rest.
    ("components", 1.5),
    ("server", 2.0),
    ("store", 3.0),
    ("audit", 3.0),
    ("auth", 4.0),
    ("profiles", 5.0),
    ("account", 5.0),
    ("tokens", 5.0),
    ("mail", 5.0),
    ("mfa", 5.0),
    ("oidc", 5.0),
    ("admin", 6.0),
    ("rest", 7.0),
    ("app", 8.0),
    ("lib", 9.0),
];

/// Crate roots may name anything: they declare the modules (and `main.rs`/`cli.rs` are the
/// binary, which reaches the library as `roster::`, not `crate::`).
const ROOTS: [&str; 3] = ["lib", "main", "cli"];

/// The top-level modules that `text` names through `crate::` paths: `crate::a::..`,
/// `crate::{a::.., b, c::{..}}` (only the first segment of each path counts).
fn crate_modules(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    let ident = |from: usize| -> String {
        code[from..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(pos) = code[at..].find("crate::") {
        let start = at + pos;
        let preceded =
            start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        at = start + "crate::".len();
        if preceded {
            continue;
        }
        if bytes.get(at) == Some(&b'{') {
            // A group: each path at depth 1 starts after `{` or `,`.
            let mut depth = 0;
            let mut expect = true;
            let mut i = at;
            while i < bytes.len() {
                match bytes[i] {
                    b'{' => {
                        depth += 1;
                        expect = depth == 1;
                    }
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b',' if depth == 1 => expect = true,
                    b if expect && depth == 1 && (b.is_ascii_alphabetic() || b == b'_') => {
                        found.push(ident(i));
                        expect = false;
                    }
                    _ => {}
                }
                i += 1;
            }
            at = i;
        } else {
            found.push(ident(at));
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

/// `src/a/b.rs` and `src/a.rs` are module `a`; `src/lib.rs` is `lib`.
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn layer(module: &str) -> Option<f32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

#[test]
fn architecture_every_import_points_to_a_lower_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    for file in &files {
        let module = top_module(&src, file);
        if ROOTS.contains(&module.as_str()) {
            continue;
        }
        let Some(own) = layer(&module) else {
            unplaced.push(module);
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for named in crate_modules(&text) {
            if named == module {
                continue;
            }
            match layer(&named) {
                Some(theirs) if theirs < own => {}
                Some(theirs) => wrong
                    .entry(format!("{} (L{own})", file.display()))
                    .or_default()
                    .push(format!("{named} (L{theirs})")),
                None => unplaced.push(named),
            }
        }
    }
    unplaced.sort();
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules with no layer in tests/architecture.rs: {unplaced:?}"
    );
    assert!(
        wrong.is_empty(),
        "upward or sideways imports (a module may import only from lower layers):\n{}",
        wrong
            .iter()
            .map(|(file, names)| format!("  {file} -> {}", names.join(", ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn architecture_scan_sees_plain_paths_groups_and_nested_groups() {
    let text = r#"
        use crate::{
            app::X, // crate::admin in a comment does not count
            auth::{sessions, tokens},
            server,
        };
        use crate::store::users;
        fn f() { crate::rest::router(); notcrate::x(); }
    "#;
    let mut found = crate_modules(text);
    found.sort();
    assert_eq!(found, ["app", "auth", "rest", "server", "store"]);
}

#[test]
fn architecture_every_top_level_module_is_placed() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let module = top_module(&src, &path);
        assert!(
            ROOTS.contains(&module.as_str()) || layer(&module).is_some(),
            "src/{module} has no layer in tests/architecture.rs"
        );
    }
}

/// Every `<ActionForm>` names its own page first (`components::ReturnTo`), so a form posted
/// without JavaScript comes back to it with its errors even without a `Referer` (README,
/// Requests). A new form that forgets it fails here.
#[test]
fn architecture_every_action_form_names_its_page() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut missing = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("<ActionForm ") {
            let tag_end = at + text[at..].find('>').unwrap() + 1;
            if !text[tag_end..].trim_start().starts_with("<ReturnTo/>") {
                let line = text[..at].lines().count() + 1;
                missing.push(format!("{}:{line}", file.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "forms without <ReturnTo/> first: {missing:?}"
    );
}
