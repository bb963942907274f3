//! Atomic output. Every build makes a complete new tree in a staging folder
//! — changed files written, unchanged ones hard-linked from the live tree —
//! and swaps it in whole (`renameat2(RENAME_EXCHANGE)` on Linux). A build
//! that fails or is killed leaves the live tree as it was; there is no
//! journal to replay. The tree swapped out is kept and recycled as the next
//! staging tree, so a build touches only what changed instead of making and
//! deleting every folder. The staging folder lives in the site's `.social/`
//! when that is on the output's file system (a rename cannot cross file
//! systems), otherwise hidden beside the output.

use crate::fsutil;
use anyhow::{anyhow, Context as _};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

mod recycle;
use recycle::Manifest;

pub struct Output {
    pub dir: PathBuf,
    staging: PathBuf,
    /// The tree the last build swapped out, recycled by the next one,
    /// and what it holds.
    previous: PathBuf,
    manifest: PathBuf,
    lock: PathBuf,
    /// Files left beside the output by older versions (journal, staging).
    legacy: Vec<PathBuf>,
    /// Files readable by the owner only (the private view).
    private: bool,
    /// Check every file of a recycled tree, not a sample (`build --verify`).
    pub verify_all: bool,
}

impl Output {
    /// The output `dir` of the site whose private folder is `work`
    /// (`<site>/.social`).
    pub fn new(dir: &Path, work: &Path) -> anyhow::Result<Output> {
        let name = dir
            .file_name()
            .ok_or_else(|| anyhow!("output folder {} has no name", dir.display()))?
            .to_string_lossy()
            .into_owned();
        let parent = dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let beside = |what: &str| parent.join(format!(".{name}.microsocial-{what}"));
        let legacy = vec![beside("staging"), beside("journal")];
        let builds = work.join("build");
        fsutil::create_closed_dir(&builds)?;
        // Keyed by the folder, not by how this command spelled it, so that
        // `--root w` and `--root /abs/w` lock each other out and share one
        // recycled tree.
        let key = xxhash_rust::xxh3::xxh3_64(fsutil::canonical(dir).to_string_lossy().as_bytes());
        // One name per output folder, so two outputs never share one.
        let side = |what: &str| match fsutil::same_file_system(&builds, parent) {
            true => builds.join(format!("{name}-{key:016x}.{what}")),
            false => beside(what),
        };
        Ok(Output {
            dir: dir.to_path_buf(),
            staging: side("staging"),
            previous: side("previous"),
            manifest: side("manifest"),
            lock: side("lock"),
            legacy,
            verify_all: false,
            private: false,
        })
    }

    /// An output whose files are created mode 0600 and folders 0700.
    pub fn new_private(dir: &Path, work: &Path) -> anyhow::Result<Output> {
        if dir.is_dir() {
            // Made open to others by an older version: close it.
            fsutil::create_closed_dir(dir)?;
        }
        Ok(Output {
            private: true,
            ..Output::new(dir, work)?
        })
    }

    /// Blocks until no other build writes this output, saying so if it waits.
    pub fn lock(&self) -> anyhow::Result<fsutil::Lock> {
        let what = format!("another build of {}", self.dir.display());
        fsutil::Lock::acquire(&self.lock, &what)
    }

    /// Removes what a killed build left: its staging tree, and the journal,
    /// staging and temporary files of older versions. A journal is never
    /// replayed: the next build compares the live tree with the cache and
    /// rewrites what differs. Call with the lock held.
    pub fn recover(&self) -> anyhow::Result<()> {
        let mut stale = self.legacy.clone();
        stale.push(self.staging.clone());
        for path in &stale {
            fsutil::remove_tree(path).with_context(|| {
                format!(
                    "cannot remove {} left by an earlier build; remove it by hand",
                    path.display()
                )
            })?;
        }
        let parent = self.dir.parent().unwrap_or(Path::new("."));
        let name = self.dir.file_name().unwrap_or_default().to_string_lossy();
        fsutil::remove_temp_files(parent, &format!("..{name}.microsocial-journal.tmp"))
    }

    pub fn begin(&self) -> anyhow::Result<Txn<'_>> {
        // The manifest describes the tree only until it is changed.
        let manifest = Manifest::load(&self.manifest);
        self.forget_previous()?;
        let recycled = manifest
            .filter(|_| self.previous.is_dir())
            .filter(|m| self.still_links(m))
            .filter(|_| std::fs::rename(&self.previous, &self.staging).is_ok());
        match &recycled {
            Some(m) => {
                for rel in &m.stale {
                    fsutil::remove_file_and_empty_parents(&self.staging, rel)?;
                }
            }
            None => {
                fsutil::remove_tree(&self.previous)
                    .with_context(|| format!("cannot remove {}", self.previous.display()))?;
                fsutil::create_dir(&self.staging, self.private)?;
            }
        }
        Ok(Txn {
            out: self,
            same: recycled.map(|m| m.same),
            done: false,
        })
    }

    /// Whether the swapped-out tree's files that the manifest calls the
    /// live ones still are (the same inode): a file replaced there behind
    /// the build's back would otherwise be published. Checks a sample of 64
    /// (a different one each build: the set's order is random per process),
    /// or every file with `verify_all`.
    fn still_links(&self, m: &Manifest) -> bool {
        use std::os::unix::fs::MetadataExt as _;
        let id = |p: &Path| {
            std::fs::symlink_metadata(p)
                .ok()
                .map(|m| (m.dev(), m.ino()))
        };
        let take = if self.verify_all { usize::MAX } else { 64 };
        for rel in m.same.iter().take(take) {
            let (recycled, live) = (id(&self.previous.join(rel)), id(&self.dir.join(rel)));
            if recycled.is_none() || recycled != live {
                eprintln!(
                    "warning: {} is not the file the last build left there (changed behind \
                     its back?); that tree is not trusted, and this build writes the site afresh",
                    self.previous.join(rel).display()
                );
                return false;
            }
        }
        true
    }

    /// Stops the swapped-out tree from being recycled (what it holds is no
    /// longer known); the next build removes it.
    pub fn forget_previous(&self) -> anyhow::Result<()> {
        fsutil::remove_tree(&self.manifest)
            .with_context(|| format!("cannot remove {}", self.manifest.display()))
    }
}

/// One build's new tree. Dropped without `commit`, it is removed, so a
/// failed build frees the space it took.
pub struct Txn<'a> {
    out: &'a Output,
    /// A recycled staging tree: its files that are the live ones.
    same: Option<HashSet<String>>,
    done: bool,
}

impl Txn<'_> {
    fn staged(&self, rel: &str) -> anyhow::Result<PathBuf> {
        let path = self.out.staging.join(rel);
        let Some(parent) = path.parent() else {
            return Ok(path);
        };
        let Err(e) = fsutil::create_dir(parent, self.out.private) else {
            return Ok(path);
        };
        if self.same.is_none() {
            return Err(e);
        }
        // A recycled tree may hold a file where a folder goes now.
        let mut at = self.out.staging.clone();
        for part in Path::new(rel)
            .parent()
            .into_iter()
            .flat_map(Path::components)
        {
            at.push(part);
            if at.is_file() {
                fsutil::remove_tree(&at)
                    .with_context(|| format!("cannot remove {}", at.display()))?;
            }
        }
        fsutil::create_dir(parent, self.out.private)?;
        Ok(path)
    }

    /// Stages new bytes for `rel` and returns the new file's metadata. Safe
    /// to call from several threads.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<std::fs::Metadata> {
        let path = self.staged(rel)?;
        fsutil::write_new(&path, bytes, self.out.private)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Carries an unchanged live file over, keeping its inode and mtime so
    /// rsync-style deploys skip it.
    pub fn keep(&self, rel: &str) -> anyhow::Result<()> {
        let from = self.out.dir.join(rel);
        if self.same.as_ref().is_some_and(|s| s.contains(rel)) {
            return Ok(()); // already the live file
        }
        let to = self.staged(rel)?;
        if self.same.is_some() {
            fsutil::remove_tree(&to).with_context(|| format!("cannot remove {}", to.display()))?;
        }
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).with_context(|| format!("cannot copy {}", from.display()))?;
        }
        Ok(())
    }

    /// Makes the new tree live in one step. `live` says which paths belong
    /// to it; `kept` are those carried over from the live tree; `old` is every
    /// file the live tree holds, if known (then the tree swapped out is kept
    /// with a manifest, to recycle).
    pub fn commit(
        mut self,
        live: &dyn Fn(&str) -> bool,
        kept: &[&str],
        old: Option<&[&str]>,
    ) -> anyhow::Result<()> {
        let out = self.out;
        if let Some(same) = &self.same {
            // Files of the recycled tree that no page needs any more.
            for rel in same.iter().filter(|r| !live(r)) {
                fsutil::remove_file_and_empty_parents(&out.staging, rel)?;
            }
        }
        self.done = true;
        if let Err(e) = swap(&out.staging, &out.dir) {
            let _ = fsutil::remove_tree(&out.staging);
            return Err(e);
        }
        if !out.staging.exists() {
            return Ok(()); // there was no previous site
        }
        let kept_set: HashSet<&str> = kept.iter().copied().collect();
        let manifest = old.map(|old| Manifest {
            same: kept.iter().map(|r| r.to_string()).collect(),
            stale: old
                .iter()
                .filter(|r| !kept_set.contains(*r))
                .map(|r| r.to_string())
                .collect(),
        });
        let kept_previous = manifest.is_some()
            && std::fs::rename(&out.staging, &out.previous).is_ok()
            && manifest
                .as_ref()
                .is_some_and(|m| m.save(&out.manifest).is_ok());
        if !kept_previous {
            let _ = out.forget_previous();
            for tree in [&out.staging, &out.previous] {
                if let Err(e) = fsutil::remove_tree(tree) {
                    eprintln!(
                        "warning: the new site is live, but the previous one at {} cannot be removed: {e}",
                        tree.display()
                    );
                }
            }
        }
        Ok(())
    }
}

impl Drop for Txn<'_> {
    fn drop(&mut self) {
        if !self.done {
            if let Err(e) = fsutil::remove_tree(&self.out.staging) {
                eprintln!(
                    "warning: cannot remove the unfinished build at {}: {e}",
                    self.out.staging.display()
                );
            }
        }
    }
}

/// Puts `new` where `old` is; the previous tree, if any, is left at `new`.
/// On Linux both trees are exchanged atomically; elsewhere there is a
/// moment with no tree at `old`.
fn swap(new: &Path, old: &Path) -> anyhow::Result<()> {
    if !old.exists() {
        return std::fs::rename(new, old)
            .with_context(|| format!("cannot move the new site to {}", old.display()));
    }
    if fsutil::exchange(new, old)? {
        return Ok(());
    }
    let aside = new.with_extension("aside");
    fsutil::remove_tree(&aside).with_context(|| format!("cannot remove {}", aside.display()))?;
    std::fs::rename(old, &aside).with_context(|| {
        format!(
            "cannot move {} aside to replace it (is it read-only?)",
            old.display()
        )
    })?;
    std::fs::rename(new, old)
        .with_context(|| format!("cannot move the new site to {}", old.display()))?;
    std::fs::rename(&aside, new).with_context(|| format!("cannot move {} away", aside.display()))
}
