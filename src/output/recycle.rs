//! What a swapped-out tree holds, written beside it, so the next build can
//! recycle it as its staging tree without walking or `stat`ing it: the files
//! that are still the live ones (same inode) and the others (older versions,
//! removed pages). Without a manifest the tree is not recycled.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

#[derive(Serialize, Deserialize, Default)]
pub struct Manifest {
    /// Files that are hard links of the live tree's files.
    pub same: HashSet<String>,
    /// Every other file the tree may hold.
    pub stale: Vec<String>,
}

impl Manifest {
    /// The manifest at `path`; `None` if missing or unreadable (the tree is
    /// then removed, not recycled).
    pub fn load(path: &Path) -> Option<Manifest> {
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        crate::fsutil::write_private(path, &serde_json::to_vec(self)?)
    }
}
