//! What CLI commands change under a running sidecar: `social.toml` and the
//! keys. Before each use the sidecar compares the files' size and mtime
//! with the last load (a few `stat`s) and reloads when they moved. Friends
//! need nothing here: they are read from the database every time.

use crate::config::Config;
use crate::federation::client::Client;
use crate::federation::{keys, Me};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Everything read from files at one moment.
pub struct Snapshot {
    pub config: Config,
    pub me: Me,
    pub client: Client,
    /// Every identity that opens what is sent to us: current key first.
    pub identities: Vec<age::x25519::Identity>,
}

impl Snapshot {
    pub fn new(config: Config, me: Me, client: Client) -> Snapshot {
        let identities = me.keys.identities();
        Snapshot {
            config,
            me,
            client,
            identities,
        }
    }

    fn load(root: &Path) -> anyhow::Result<Snapshot> {
        let (config, _) = Config::load(root)?;
        let me = Me::new(&config, keys::load(root)?)?;
        let client = Client::for_site(root, &config.federation)?;
        Ok(Snapshot::new(config, me, client))
    }
}

/// Size and mtime of each watched path (None when missing).
type Stamp = Vec<Option<(SystemTime, u64)>>;

pub struct Live {
    paths: Vec<PathBuf>,
    root: PathBuf,
    state: Mutex<(Stamp, Arc<Snapshot>)>,
}

/// What `current` did, for the log.
pub enum Reloaded {
    No,
    Yes,
    Failed(anyhow::Error),
}

impl Live {
    pub fn new(root: &Path, first: Snapshot) -> Live {
        let keys = keys::private_dir(root).join("keys");
        // The folder's mtime moves when `keys rotate` renames and adds files.
        let paths = vec![
            root.join(crate::config::CONFIG_FILE),
            keys.clone(),
            keys.join("signing.key"),
            keys.join("encryption.key"),
        ];
        let stamp = stamp(&paths);
        Live {
            paths,
            root: root.to_path_buf(),
            state: Mutex::new((stamp, Arc::new(first))),
        }
    }

    /// The current settings, reloaded first if a watched file changed. A
    /// file that fails to load (say, half-edited) keeps the previous
    /// settings until it changes again.
    pub fn current(&self) -> (Arc<Snapshot>, Reloaded) {
        let now = stamp(&self.paths);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.0 == now {
            return (Arc::clone(&state.1), Reloaded::No);
        }
        state.0 = now;
        match Snapshot::load(&self.root) {
            Ok(snap) => {
                state.1 = Arc::new(snap);
                (Arc::clone(&state.1), Reloaded::Yes)
            }
            Err(e) => (Arc::clone(&state.1), Reloaded::Failed(e)),
        }
    }
}

fn stamp(paths: &[PathBuf]) -> Stamp {
    paths
        .iter()
        .map(|p| {
            let m = std::fs::metadata(p).ok()?;
            Some((m.modified().ok()?, m.len()))
        })
        .collect()
}

impl super::Sidecar {
    /// Config and keys as the files hold them now (see `reload`).
    pub(super) fn settings(&self) -> Arc<Snapshot> {
        let (snap, reloaded) = self.live.current();
        match reloaded {
            Reloaded::No => {}
            Reloaded::Yes => {
                self.log.set_level(&snap.config.sidecar.log_level);
                tracing::info!("reloaded social.toml and keys");
            }
            Reloaded::Failed(e) => tracing::error!("keeping the previous settings: {e:#}"),
        }
        snap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("social.toml"),
            "[site]\ntitle = \"T\"\nbase_url = \"https://a.example/\"\n",
        )
        .unwrap();
        keys::ensure(dir.path()).unwrap();
        dir
    }

    #[test]
    fn rotation_and_config_edits_are_picked_up() {
        let dir = site();
        let live = Live::new(dir.path(), Snapshot::load(dir.path()).unwrap());
        let (first, r) = live.current();
        assert!(matches!(r, Reloaded::No));
        let rotated = keys::rotate_encryption(dir.path()).unwrap();
        let (snap, r) = live.current();
        assert!(matches!(r, Reloaded::Yes));
        assert_eq!(
            snap.me.keys.encryption_public(),
            rotated.encryption_public()
        );
        assert_eq!(snap.identities.len(), 2, "the old key still opens old mail");
        assert_ne!(
            snap.me.keys.encryption_public(),
            first.me.keys.encryption_public()
        );

        let cfg = dir.path().join("social.toml");
        let text = std::fs::read_to_string(&cfg).unwrap();
        std::fs::write(
            &cfg,
            format!("{text}[federation]\nmax_pings_per_minute = 7\n"),
        )
        .unwrap();
        let (snap, _) = live.current();
        assert_eq!(snap.config.federation.max_pings_per_minute, 7);

        // A broken edit keeps the last good settings and says why.
        std::fs::write(&cfg, "[site]\ntitle = \n").unwrap();
        let (snap, r) = live.current();
        assert!(matches!(r, Reloaded::Failed(e) if e.to_string().contains("social.toml")));
        assert_eq!(snap.config.federation.max_pings_per_minute, 7);
    }
}
