//! Small filesystem helpers with error context.

use anyhow::Context as _;
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so readers see the old or the new file, never a
/// partial one: temp file in the same folder, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    replace(path, bytes, false)
}

/// [`write_atomic`] for private state (caches, the private view): missing
/// folders are created 0700 and the file 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    replace(path, bytes, true)
}

/// A private folder (0700), closed even if an older version made it open
/// to others.
pub fn create_closed_dir(dir: &Path) -> anyhow::Result<()> {
    create_dir(dir, true)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    Ok(())
}

fn replace(path: &Path, bytes: &[u8], private: bool) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if private {
        create_closed_dir(dir)?;
    } else {
        create_dir(dir, false)?;
    }
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// Creates `path` with `bytes`, refusing to replace an existing file.
pub fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Creates `dir` and its parents; `private` ones are mode 0700.
pub fn create_dir(dir: &Path, private: bool) -> anyhow::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(0o700);
    }
    b.create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

/// Writes a new file at `path` (mode 0600 if `private`), replacing a link
/// rather than writing through it, and returns what it wrote (one `fstat`).
/// The exclusive create is tried first: in a new tree nothing is there, and
/// the `lstat` of a replace is paid only when something is.
pub fn write_new(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<std::fs::Metadata> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut file = match opts.open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            remove_tree(path)?;
            opts.open(path)?
        }
        other => other?,
    };
    file.write_all(bytes)?;
    file.metadata()
}

/// Removes a file or a whole tree; missing is fine. Folders made read-only
/// are made writable first, so a read-only tree cannot block later builds.
pub fn remove_tree(path: &Path) -> std::io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return std::fs::remove_file(path);
    }
    if std::fs::remove_dir_all(path).is_ok() {
        return Ok(());
    }
    #[cfg(unix)]
    for entry in walkdir::WalkDir::new(path).into_iter().flatten() {
        use std::os::unix::fs::PermissionsExt as _;
        if entry.file_type().is_dir() {
            let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o700));
        }
    }
    std::fs::remove_dir_all(path)
}

/// Removes the files in `dir` whose names start with `prefix` (temporary
/// files a killed process leaked).
pub fn remove_temp_files(dir: &Path, prefix: &str) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let path = entry.path();
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove the leftover {}", path.display()))?;
        }
    }
    Ok(())
}

/// Removes the file `dir/rel` (missing, or now a folder, is fine) and the
/// folders that leaves empty, up to `dir`.
pub fn remove_file_and_empty_parents(dir: &Path, rel: &str) -> anyhow::Result<()> {
    let path = dir.join(rel);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if !m.is_dir() => std::fs::remove_file(&path)
            .with_context(|| format!("cannot remove {}", path.display()))?,
        _ => return Ok(()),
    }
    let mut at = path.parent();
    while let Some(p) = at.filter(|p| *p != dir && p.starts_with(dir)) {
        if std::fs::remove_dir(p).is_err() {
            break; // not empty
        }
        at = p.parent();
    }
    Ok(())
}

/// Whether `a` and `b` (existing folders) are on one file system, so a
/// rename can move things between them.
pub fn same_file_system(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        a.parent() == b.parent()
    }
}

/// Exchanges `a` and `b` atomically. `Ok(false)`: not supported here (the
/// caller falls back to two renames).
pub fn exchange(a: &Path, b: &Path) -> anyhow::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
        let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
        // SAFETY: two valid NUL-terminated paths; renameat2 does not retain them.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
            _ => Err(e).with_context(|| {
                format!(
                    "cannot swap the new site into {0} (is it read-only? `chmod -R u+w {0}`)",
                    b.display()
                )
            }),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Ok(false)
    }
}

/// An exclusive advisory lock held until dropped (one build per output at a time).
pub struct Lock(#[allow(dead_code)] File);

impl Lock {
    /// Takes the lock at `path`; while `what` holds it, says on stderr that
    /// it waits, and for which process.
    pub fn acquire(path: &Path, what: &str) -> anyhow::Result<Lock> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open lock file {}", path.display()))?;
        // Called through the trait: std's inherent `try_lock` is newer than our MSRV.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(path).unwrap_or_default();
                let holder = match holder.trim() {
                    "" => String::new(),
                    pid => format!(", process {pid}"),
                };
                eprintln!(
                    "waiting for {what} to finish (lock {}{holder})",
                    path.display()
                );
                fs4::FileExt::lock(&file)
                    .with_context(|| format!("cannot lock {}", path.display()))?;
            }
            Err(fs4::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
        // Tell the next waiter who holds it.
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all(std::process::id().to_string().as_bytes()));
        Ok(Lock(file))
    }
}

/// `.social/` under the site root: state, keys and private builds.
/// One spelling of `dir` however it was given (`w/public`, `./w/public`,
/// `/abs/w/public`, through a symlink): its parent resolved, its own name
/// kept (the folder itself may not exist yet). Keys locks and caches, so
/// two spellings of one folder share them. As given if the parent is gone.
pub fn canonical(dir: &Path) -> std::path::PathBuf {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (parent.canonicalize(), dir.file_name()) {
        (Ok(p), Some(name)) => p.join(name),
        _ => dir.to_path_buf(),
    }
}

pub fn private_dir(root: &Path) -> std::path::PathBuf {
    root.join(".social")
}

/// A fresh random 128-bit id as 32 hex digits: message ids, temporary
/// names, secrets (two of them for 256 bits).
pub fn new_id() -> anyhow::Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(crate::hex::encode(&b))
}
