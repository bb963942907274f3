//! The layer rule of ARCHITECTURE.md, held by reading every `crate::…`
//! path in `src/`: the site layers (`config`, `content`, `site`, `render`,
//! `output`) know nothing of federation, the store or anything above them;
//! the store and the small helpers under everything use only each other;
//! `federation::protocol` does no I/O; only the front ends (`commands`, the
//! sidecar) reach the actions.
//!
//! `KNOWN` lists the crossings that still exist (none since issue #10).
//! The test fails on a new crossing, and on a listed one that is gone (so
//! the list only shrinks). A second test fails on any circle of imports
//! between files that are not each other's parent or child.

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
    for name in [
        "protocol.rs",
        "protocol_conv.rs",
        "protocol_epochs.rs",
        "protocol_reject.rs",
    ] {
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

/// The module path of a file: `src/a/b.rs` and `src/a/b/mod.rs` are
/// `["a", "b"]`; `src/lib.rs` and `src/main.rs` are the crate root.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Every path a file names through `crate::` or `super::` (groups
/// expanded), outside comments and its unit tests, as absolute module paths.
fn named_paths(text: &str, here: &[String]) -> Vec<Vec<String>> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let flat: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = Vec::new();
    let bytes = flat.as_bytes();
    let mut i = 0;
    while i < flat.len() {
        let rest = &flat[i..];
        let (base, skip) =
            if rest.starts_with("crate::") && !is_ident_byte(bytes, i.wrapping_sub(1)) {
                (Vec::new(), "crate::".len())
            } else if rest.starts_with("super::") && !is_ident_byte(bytes, i.wrapping_sub(1)) {
                let mut base = here[..here.len().saturating_sub(1)].to_vec();
                let mut skip = "super::".len();
                while flat[i + skip..].starts_with("super::") {
                    base.pop();
                    skip += "super::".len();
                }
                (base, skip)
            } else {
                i += rest.chars().next().map_or(1, char::len_utf8);
                continue;
            };
        i += skip;
        expand(&flat[i..], base, &mut out);
    }
    out
}

fn is_ident_byte(bytes: &[u8], at: usize) -> bool {
    bytes
        .get(at)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// `a::b::{c, d::e}` after a prefix: every path it names.
fn expand(text: &str, mut base: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut rest = text;
    loop {
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 1;
                let mut end = group.len();
                for (k, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        end = k;
                        break;
                    }
                }
                let inner = &group[..end];
                let mut level = 0;
                let mut start = 0;
                for (k, c) in inner
                    .char_indices()
                    .chain(std::iter::once((inner.len(), ',')))
                {
                    match c {
                        '{' => level += 1,
                        '}' => level -= 1,
                        ',' if level == 0 => {
                            expand(inner[start..k].trim(), base.clone(), out);
                            start = k + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            break;
        }
        base.push(ident.clone());
        rest = &rest[ident.len()..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    out.push(base);
}

/// Strongly connected groups of more than one file (Tarjan), each sorted.
fn circles(
    edges: &std::collections::BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
) -> Vec<Vec<Vec<String>>> {
    struct T<'a> {
        edges: &'a std::collections::BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: std::collections::HashMap<&'a Vec<String>, (usize, usize)>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        next: usize,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Vec<String>) {
        t.index.insert(v, (t.next, t.next));
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        for w in t.edges.get(v).into_iter().flatten() {
            let Some((w, _)) = t.edges.get_key_value(w) else {
                continue;
            };
            if !t.index.contains_key(w) {
                visit(t, w);
                let low = t.index[w].1.min(t.index[v].1);
                t.index.get_mut(v).unwrap().1 = low;
            } else if t.on.contains(w) {
                let low = t.index[w].0.min(t.index[v].1);
                t.index.get_mut(v).unwrap().1 = low;
            }
        }
        if t.index[v].0 == t.index[v].1 {
            let mut group = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                t.found.push(group);
            }
        }
    }
    let mut t = T {
        edges,
        index: Default::default(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.found
}

/// The file edges of `src/`: A → B when A names something of B, and B is
/// neither A's parent nor its child (a module and its own parts may use
/// each other).
fn file_edges() -> std::collections::BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(&src, f)).collect();
    let mut edges = std::collections::BTreeMap::new();
    for file in &files {
        let here = module_path(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        let mut to = BTreeSet::new();
        for path in named_paths(&text, &here) {
            // The longest prefix that is a file.
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains(p));
            let Some(target) = target else { continue };
            let related = target.starts_with(&here) || here.starts_with(&target);
            if !related {
                to.insert(target);
            }
        }
        edges.entry(here).or_insert_with(BTreeSet::new).extend(to);
    }
    edges
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let found = circles(&file_edges());
    let named: Vec<String> = found
        .iter()
        .map(|g| {
            g.iter()
                .map(|m| m.join("::"))
                .collect::<Vec<_>>()
                .join(" <-> ")
        })
        .collect();
    assert!(named.is_empty(), "circles of imports: {named:#?}");
}

#[test]
fn the_circle_finder_finds_circles_and_paths() {
    let here = vec!["http".to_string(), "message".to_string()];
    let paths = named_paths(
        "use super::front::{Head, x::{y, z}};\nlet a = crate::store::Store::open(); // crate::cli\nsuper::super::lib_item();",
        &here,
    );
    let joined: BTreeSet<String> = paths.iter().map(|p| p.join("::")).collect();
    for want in [
        "http::front::Head",
        "http::front::x::y",
        "http::front::x::z",
        "store::Store::open",
        "lib_item",
    ] {
        assert!(joined.contains(want), "{want} in {joined:?}");
    }
    assert!(!joined.iter().any(|p| p.contains("cli")));
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
    let mut edges = std::collections::BTreeMap::new();
    edges.insert(m("a"), [m("b")].into_iter().collect::<BTreeSet<_>>());
    edges.insert(m("b"), [m("c")].into_iter().collect());
    edges.insert(m("c"), [m("a")].into_iter().collect());
    edges.insert(m("d"), [m("a")].into_iter().collect());
    assert_eq!(circles(&edges), vec![vec![m("a"), m("b"), m("c")]]);
}
