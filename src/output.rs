//! Atomic output. A full build writes a complete tree beside the output folder
//! and swaps it in with one rename. An incremental build stages only changed
//! files, records the batch in a journal, then renames them into place; a
//! crash before the journal exists leaves the old site, after it the next run
//! finishes the batch. Either way no reader sees a half-written file.

use anyhow::{anyhow, Context as _};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub struct Output {
    pub dir: PathBuf,
    staging: PathBuf,
    journal: PathBuf,
    lock: PathBuf,
    /// Files readable by the owner only (the private view).
    private: bool,
}

#[derive(Serialize, Deserialize)]
struct Journal {
    writes: Vec<String>,
    deletes: Vec<String>,
}

impl Output {
    pub fn new(dir: &Path) -> anyhow::Result<Output> {
        let name = dir
            .file_name()
            .ok_or_else(|| anyhow!("output folder {} has no name", dir.display()))?
            .to_string_lossy()
            .into_owned();
        let parent = dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let side = |what: &str| parent.join(format!(".{name}.microsocial-{what}"));
        Ok(Output {
            dir: dir.to_path_buf(),
            staging: side("staging"),
            journal: side("journal"),
            lock: side("lock"),
            private: false,
        })
    }

    /// An output whose files are created mode 0600.
    pub fn new_private(dir: &Path) -> anyhow::Result<Output> {
        if dir.is_dir() {
            // Made open to others by an older version: close it.
            crate::fsutil::create_dirs(dir, true)?;
        }
        Ok(Output {
            private: true,
            ..Output::new(dir)?
        })
    }

    /// Blocks until no other build writes this output.
    pub fn lock(&self) -> anyhow::Result<crate::fsutil::Lock> {
        crate::fsutil::Lock::acquire(&self.lock)
    }

    /// Finishes a committed batch left by a killed build, or drops an
    /// uncommitted one. Call with the lock held.
    pub fn recover(&self) -> anyhow::Result<()> {
        if self.journal.exists() {
            let bytes = std::fs::read(&self.journal)
                .with_context(|| format!("cannot read {}", self.journal.display()))?;
            let journal: Journal = serde_json::from_slice(&bytes)
                .with_context(|| format!("corrupt build journal {}", self.journal.display()))?;
            self.apply(&journal)?;
        }
        if self.staging.exists() {
            std::fs::remove_dir_all(&self.staging)
                .with_context(|| format!("cannot remove {}", self.staging.display()))?;
        }
        Ok(())
    }

    pub fn begin(&self, full: bool) -> anyhow::Result<Txn<'_>> {
        crate::fsutil::create_dirs(&self.staging, self.private)?;
        Ok(Txn { out: self, full })
    }

    fn apply(&self, journal: &Journal) -> anyhow::Result<()> {
        for rel in &journal.writes {
            let from = self.staging.join(rel);
            let to = self.dir.join(rel);
            if !from.exists() {
                continue; // already moved before an interruption
            }
            if let Some(p) = to.parent() {
                crate::fsutil::create_dirs(p, self.private)?;
            }
            std::fs::rename(&from, &to)
                .with_context(|| format!("cannot move {} into place", to.display()))?;
        }
        for rel in &journal.deletes {
            let path = self.dir.join(rel);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()))
                }
            }
            // Drop folders the deletion emptied, up to the output root.
            let mut dir = path.parent();
            while let Some(d) = dir {
                if d == self.dir || std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
        let _ = std::fs::remove_file(&self.journal);
        if self.staging.exists() {
            std::fs::remove_dir_all(&self.staging)
                .with_context(|| format!("cannot remove {}", self.staging.display()))?;
        }
        Ok(())
    }
}

/// One build's pending changes.
pub struct Txn<'a> {
    out: &'a Output,
    pub full: bool,
}

impl Txn<'_> {
    fn staged(&self, rel: &str) -> anyhow::Result<PathBuf> {
        let path = self.out.staging.join(rel);
        if let Some(p) = path.parent() {
            crate::fsutil::create_dirs(p, self.out.private)?;
        }
        Ok(path)
    }

    /// Stages new bytes for `rel`. Safe to call from several threads.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.staged(rel)?;
        if !self.out.private {
            return std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()));
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        std::io::Write::write_all(
            &mut opts
                .open(&path)
                .with_context(|| format!("cannot create {}", path.display()))?,
            bytes,
        )
        .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Full builds only: carries an unchanged file over, keeping its inode and
    /// mtime so rsync-style deploys skip it.
    pub fn keep(&self, rel: &str) -> anyhow::Result<()> {
        let from = self.out.dir.join(rel);
        let to = self.staged(rel)?;
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).with_context(|| format!("cannot copy {}", from.display()))?;
        }
        Ok(())
    }

    /// Makes the staged changes live. `writes` and `deletes` matter for
    /// incremental builds; a full build replaces the whole tree.
    pub fn commit(self, writes: Vec<String>, deletes: Vec<String>) -> anyhow::Result<()> {
        let out = self.out;
        if self.full {
            return swap(&out.staging, &out.dir);
        }
        if writes.is_empty() && deletes.is_empty() {
            return std::fs::remove_dir_all(&out.staging)
                .with_context(|| format!("cannot remove {}", out.staging.display()));
        }
        let journal = Journal { writes, deletes };
        let bytes = serde_json::to_vec(&journal)?;
        crate::fsutil::write_atomic(&out.journal, &bytes)?;
        out.apply(&journal)
    }
}

/// Puts `new` where `old` is. On Linux both trees are exchanged atomically;
/// elsewhere there is a moment with no tree at `old`.
fn swap(new: &Path, old: &Path) -> anyhow::Result<()> {
    if !old.exists() {
        return std::fs::rename(new, old)
            .with_context(|| format!("cannot move the new site to {}", old.display()));
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let a = std::ffi::CString::new(new.as_os_str().as_bytes())?;
        let b = std::ffi::CString::new(old.as_os_str().as_bytes())?;
        // SAFETY: two valid NUL-terminated paths; renameat2 does not retain them.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            // `new` now holds the previous site.
            return std::fs::remove_dir_all(new)
                .with_context(|| format!("cannot remove the previous site at {}", new.display()));
        }
    }
    let previous = new.with_extension("previous");
    let _ = std::fs::remove_dir_all(&previous);
    std::fs::rename(old, &previous)
        .with_context(|| format!("cannot move {} aside", old.display()))?;
    std::fs::rename(new, old)
        .with_context(|| format!("cannot move the new site to {}", old.display()))?;
    std::fs::remove_dir_all(&previous)
        .with_context(|| format!("cannot remove the previous site at {}", previous.display()))
}
