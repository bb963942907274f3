//! Helpers shared by the build and fault tests: fixture sites in temporary
//! folders, driven through the real binary.
#![allow(dead_code)] // each test crate uses its own subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_microsocial");

pub fn run(root: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

pub fn ok(root: &Path, args: &[&str]) -> String {
    let out = run(root, args);
    assert!(
        out.status.success(),
        "{args:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn fails(root: &Path, args: &[&str]) -> String {
    let out = run(root, args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn site(per_page: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content/posts")).unwrap();
    std::fs::write(
        dir.path().join("social.toml"),
        format!("[site]\ntitle = \"Test\"\nbase_url = \"https://t.example/\"\nauthor = \"Tess\"\nposts_per_page = {per_page}\n"),
    )
    .unwrap();
    dir
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

pub fn post(root: &Path, day: u32, slug: &str, extra: &str, body: &str) {
    write(
        root,
        &format!("content/posts/2026-01-{day:02}-{slug}.md"),
        &format!("+++\ntitle = \"Post {slug}\"\n{extra}+++\n\n{body}\n"),
    );
}

pub fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every file under `dir`: relative path → bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A built site with one post, `one`.
pub fn built_site() -> tempfile::TempDir {
    let dir = site(10);
    post(dir.path(), 1, "one", "", "first");
    ok(dir.path(), &["build"]);
    dir
}
