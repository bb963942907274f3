//! Front-matter fields checked one by one, each error naming the file and
//! the line of the field.

use super::frontmatter::FrontMatter;
use super::Kind;
use crate::problem::Problem;
use chrono::{DateTime, FixedOffset};
use std::path::Path;

/// Where a field's problem is reported.
#[derive(Clone, Copy)]
pub struct At<'a> {
    pub file: &'a Path,
    /// The whole source file, searched for the field's line only when a
    /// problem is reported (a search per field per file cost every build).
    pub text: &'a str,
    pub key: &'a str,
}

impl At<'_> {
    /// The field's line, or 1 when it is absent.
    fn line(self) -> usize {
        self.text
            .lines()
            .position(|l| l.trim_start().starts_with(self.key))
            .map_or(1, |i| i + 1)
    }

    fn problem(self, message: impl Into<String>) -> Problem {
        Problem::new(self.file, self.line(), message)
    }
    fn first_line(self, message: impl Into<String>) -> Problem {
        Problem::new(self.file, 1, message)
    }
}

/// The front matter's `date`, else the file name's; pages may have none.
pub fn date(
    fm: &FrontMatter,
    name_date: Option<DateTime<FixedOffset>>,
    kind: Kind,
    at: At,
) -> Result<DateTime<FixedOffset>, Problem> {
    match (&fm.date, name_date) {
        (Some(d), _) => d
            .to_datetime()
            .map_err(|m| at.problem(format!("field `date`: {m}"))),
        (None, Some(d)) => Ok(d),
        (None, None) if kind == Kind::Page => Ok(DateTime::UNIX_EPOCH.fixed_offset()),
        (None, None) => Err(at.first_line(
            "post has no date: add `date = 2026-11-24T09:30:00Z` to the front matter or name the file YYYY-MM-DD-slug.md",
        )),
    }
}

pub fn updated(fm: &FrontMatter, at: At) -> Result<Option<DateTime<FixedOffset>>, Problem> {
    fm.updated
        .as_ref()
        .map(|d| {
            d.to_datetime()
                .map_err(|m| at.problem(format!("field `updated`: {m}")))
        })
        .transpose()
}

/// `slug` from the front matter, else from the file name (without its date).
pub fn slug(fm: &FrontMatter, name_slug: &str, stem: &str, at: At) -> Result<String, Problem> {
    if let Some(s) = &fm.slug {
        let clean = slug::slugify(s);
        if clean.is_empty() {
            return Err(at.problem("field `slug` is empty"));
        }
        return Ok(clean);
    }
    let s = slug::slugify(if name_slug.is_empty() {
        stem
    } else {
        name_slug
    });
    if s.is_empty() {
        return Err(at.first_line(
            "cannot derive a slug from the file name: set `slug` in the front matter",
        ));
    }
    Ok(s)
}

/// Trimmed tags, without case-insensitive repeats; each needs a letter or digit.
pub fn tags(raw: &[String], at: At) -> Result<Vec<String>, Problem> {
    let mut tags: Vec<String> = Vec::new();
    for t in raw {
        let t = t.trim();
        if slug::slugify(t).is_empty() {
            return Err(at.problem(format!("field `tags`: tag `{t}` has no letters or digits")));
        }
        if !tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            tags.push(t.to_string());
        }
    }
    Ok(tags)
}

/// `visibility`: `public` (default) or `friends`, which pages cannot be.
pub fn friends_only(fm: &FrontMatter, kind: Kind, at: At) -> Result<bool, Problem> {
    let friends_only = match fm.visibility.as_deref() {
        None | Some("public") => false,
        Some("friends") => true,
        Some(other) => {
            return Err(at.problem(format!(
                "field `visibility`: `{other}` is not `public` or `friends`"
            )))
        }
    };
    if friends_only && kind == Kind::Page {
        return Err(
            at.problem("field `visibility`: pages are public; only posts can be friends-only")
        );
    }
    Ok(friends_only)
}

/// `in_reply_to`: an http(s) URL, kept as written (a friends-only post's
/// URL names a file, so no slash is added).
pub fn in_reply_to(fm: &FrontMatter, at: At) -> Result<Option<String>, Problem> {
    match fm.in_reply_to.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(u) if crate::siteurl::normalize(u).is_some() => Ok(Some(u.to_string())),
        Some(u) => Err(at.problem(format!("field `in_reply_to`: `{u}` is not an http(s) URL"))),
    }
}
