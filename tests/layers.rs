//! The layer rule of ARCHITECTURE.md, held by reading every `crate::…`
//! path in `src/`: the site layers (`config`, `content`, `site`, `render`,
//! `output`) know nothing of federation, the store or anything above them;
//! the store and the small helpers under everything use only each other;
//! `federation::protocol` does no I/O; only the front ends (`commands`, the
//! sidecar) reach the actions.
//!
//! `KNOWN` lists the crossings that still exist (none since issue #10).
//! The test fails on a new crossing, and on a listed one that is gone (so
//! the list only shrinks).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SITE_LAYERS: &[&str] = &["config", "content", "site", "render", "output"];
const ABOVE_SITE: &[&str] = &[
    "federation",
    "store",
    "pipeline",
    "actions",
    "sidecar",
    "commands",
    "cli",
    "http",
    "webmention",
    "check",
    "deploy",
    "web",
];
/// The ground floor: the store and small helpers, which everything may
/// use; they use only each other.
const GROUND: &[&str] = &[
    "store",
    "fsutil",
    "siteurl",
    "timezone",
    "problem",
    "words",
    "faultpoint",
    "hex",
];
const FRONT_ENDS: &[&str] = &["commands", "cli", "sidecar", "actions", "web"];

/// (module, what it reaches) pairs that break the rule today.
const KNOWN: &[(&str, &str)] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/render/feeds.rs` → `render`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::name` a file mentions outside comments, including inside
/// `use crate::{a, b}` groups.
fn reaches(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let name = part.trim().split("::").next().unwrap_or("").trim();
                    if !name.is_empty() {
                        found.insert(name.to_string());
                    }
                }
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn layers_import_only_downwards() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut crossings = BTreeSet::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        for target in reaches(&text) {
            let bad = (SITE_LAYERS.contains(&module.as_str())
                && ABOVE_SITE.contains(&target.as_str()))
                || (GROUND.contains(&module.as_str()) && !GROUND.contains(&target.as_str()))
                || (target == "actions" && !FRONT_ENDS.contains(&module.as_str()))
                || ((target == "commands" || target == "cli")
                    && !["commands", "cli", "main", "lib"].contains(&module.as_str()));
            if bad {
                crossings.insert((module.clone(), format!("crate::{target}"), file.clone()));
            }
        }
    }
    let known: BTreeSet<(String, String)> = KNOWN
        .iter()
        .map(|(m, t)| (m.to_string(), t.to_string()))
        .collect();
    let new: Vec<_> = crossings
        .iter()
        .filter(|(m, t, _)| !known.contains(&(m.clone(), t.clone())))
        .collect();
    assert!(new.is_empty(), "layers reach upwards: {new:#?}");
    for (m, t) in &known {
        assert!(
            crossings.iter().any(|(cm, ct, _)| cm == m && ct == t),
            "{m} no longer reaches {t}: remove it from KNOWN"
        );
    }
}

#[test]
fn the_protocol_module_does_no_io() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/federation");
    // protocol.rs and its parts (protocol_conv.rs, protocol_epochs.rs);
    // the tests file may do what it likes.
    let mut text = String::new();
    for name in ["protocol.rs", "protocol_conv.rs", "protocol_epochs.rs"] {
        text += &std::fs::read_to_string(dir.join(name)).unwrap();
    }
    for io in [
        "std::fs",
        "std::net",
        "std::process",
        "ureq",
        "rusqlite",
        "tiny_http",
        "crate::store",
        "super::client",
    ] {
        assert!(!text.contains(io), "federation::protocol mentions {io}");
    }
}

#[test]
fn the_reader_sees_grouped_and_qualified_paths() {
    let found = reaches("use crate::{store::Store, federation::protocol};\nlet x = crate::render::page(); // crate::cli");
    let want: BTreeSet<String> = ["store", "federation", "render"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, want);
}
