//! The owner's name, bio and avatar: edits to `social.toml` that keep its
//! comments and layout (`toml_edit`; the file is never regenerated).

use super::post::{Hooks, Written};
use super::Outcome;
use crate::config::{Config, CONFIG_FILE};
use crate::upload::Image;
use anyhow::{anyhow, Context as _};
use std::path::{Path, PathBuf};

/// What to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub name: Option<String>,
    /// An empty bio removes the key.
    pub bio: Option<String>,
    /// Stored as `static/avatar.<ext>`.
    pub avatar: Option<Image>,
}

/// Writes the changes (the new file must still load as a configuration, or
/// nothing is written), records them and publishes.
pub fn update(root: &Path, p: &Profile, hooks: &Hooks) -> anyhow::Result<Outcome> {
    let path = root.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut changed = vec![PathBuf::from(CONFIG_FILE)];
    let avatar = p.avatar.as_ref().map(|a| {
        let name = format!("avatar.{}", a.kind.extension());
        (PathBuf::from("static").join(&name), name, a)
    });
    let new = edit_toml(
        &text,
        p.name.as_deref(),
        p.bio.as_deref(),
        avatar.as_ref().map(|a| a.1.as_str()),
    )
    .with_context(|| format!("cannot edit {}", path.display()))?;
    Config::parse(&new, &path).map_err(|e| anyhow!("the new settings would not load: {e}"))?;
    if let Some((rel, _, img)) = &avatar {
        crate::fsutil::write_atomic(&root.join(rel), &img.bytes)?;
        changed.push(rel.clone());
    }
    crate::fsutil::write_atomic(&path, new.as_bytes())?;
    let w = Written {
        id: None,
        paths: changed,
        summary: "profile updated".into(),
        visible: true,
    };
    super::post::publish(root, &w, hooks)
}

/// `text` with `[site]` `author`, `bio` and `avatar` set; every other byte
/// (comments, order, spacing, a comment after a changed value) kept.
pub fn edit_toml(
    text: &str,
    name: Option<&str>,
    bio: Option<&str>,
    avatar: Option<&str>,
) -> anyhow::Result<String> {
    let mut doc: toml_edit::DocumentMut = text.parse()?;
    let site = doc
        .get_mut("site")
        .and_then(|s| s.as_table_like_mut())
        .ok_or_else(|| anyhow!("no [site] table"))?;
    if let Some(n) = name {
        set_keeping_decor(site, "author", Some(n.trim()));
    }
    if let Some(b) = bio {
        let b = b.trim();
        set_keeping_decor(site, "bio", (!b.is_empty()).then_some(b));
    }
    if let Some(a) = avatar {
        set_keeping_decor(site, "avatar", Some(a));
    }
    Ok(doc.to_string())
}

fn set_keeping_decor(t: &mut dyn toml_edit::TableLike, key: &str, v: Option<&str>) {
    let Some(v) = v else {
        t.remove(key);
        return;
    };
    let mut value = toml_edit::Value::from(v);
    match t.get_mut(key) {
        // Replaced in place: the key, and comments around it, stay.
        Some(item) => {
            if let Some(old) = item.as_value() {
                *value.decor_mut() = old.decor().clone();
            }
            *item = toml_edit::Item::Value(value);
        }
        None => {
            t.insert(key, toml_edit::Item::Value(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMENTED: &str = "# My site.\n[site]\ntitle = \"T\"   # shown on every page\n\
        base_url = \"https://a.example/\"\n# who I am\nauthor = \"Ann\"  # my name\n\n\
        [federation]\n# keep\n";

    #[test]
    fn only_the_changed_value_changes() {
        let out = edit_toml(COMMENTED, Some("Ann Lee"), None, None).unwrap();
        assert_eq!(out, COMMENTED.replace("\"Ann\"", "\"Ann Lee\""));
    }

    #[test]
    fn new_keys_land_in_site_and_empty_bio_goes() {
        let out = edit_toml(COMMENTED, None, Some("Hi"), Some("avatar.png")).unwrap();
        let c = Config::parse(&out, Path::new("social.toml")).unwrap();
        assert_eq!(c.site.bio.as_deref(), Some("Hi"));
        assert_eq!(c.site.avatar.as_deref(), Some("avatar.png"));
        assert!(out.starts_with("# My site.\n[site]\ntitle = \"T\"   # shown on every page\n"));
        let back = edit_toml(&out, None, Some(""), None).unwrap();
        assert!(!back.contains("bio"), "{back}");
    }
}
