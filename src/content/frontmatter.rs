//! TOML front matter between `+++` lines.

use crate::problem::{line_of, Problem};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub date: Option<DateValue>,
    pub updated: Option<DateValue>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub draft: bool,
    pub summary: Option<String>,
    pub slug: Option<String>,
    /// `public` (default) or `friends`: readable by current friends only.
    pub visibility: Option<String>,
    /// The URL of the post this one answers.
    pub in_reply_to: Option<String>,
}

/// TOML datetimes, and quoted strings as people often write them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

impl DateValue {
    /// A day without a time of day (`date = 2026-11-24`).
    pub fn is_day_only(&self) -> bool {
        match self {
            DateValue::Toml(d) => d.time.is_none(),
            DateValue::Text(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").is_ok(),
        }
    }

    pub fn to_datetime(&self) -> Result<DateTime<FixedOffset>, String> {
        let text = match self {
            DateValue::Toml(d) => d.to_string(),
            DateValue::Text(s) => s.trim().to_string(),
        };
        parse_date(&text)
    }
}

/// RFC 3339 with offset, a local datetime (taken as UTC) or a bare date (midnight UTC).
pub fn parse_date(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let utc = FixedOffset::east_opt(0).expect("zero offset is valid");
    if let Ok(dt) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
        return Ok(dt);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&text.replacen(' ', "T", 1), fmt) {
            return Ok(dt.and_utc().with_timezone(&utc));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let dt = d.and_hms_opt(0, 0, 0).expect("midnight is valid");
        return Ok(dt.and_utc().with_timezone(&utc));
    }
    Err(format!(
        "`{text}` is not a date (use 2026-11-24, 2026-11-24T09:30:00 or 2026-11-24T09:30:00+01:00)"
    ))
}

/// A source file split into front matter and body.
#[derive(Debug)]
pub struct Split<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
}

pub fn split<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("").trim_end();
    if first == "---" {
        return Err(Problem::new(
            file,
            1,
            "YAML front matter (---) is not supported: use TOML between +++ lines",
        ));
    }
    if first != "+++" {
        return Ok(Split {
            front: FrontMatter::default(),
            body: text,
            body_line: 1,
        });
    }
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut pos = start;
    let mut close = None;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        if text[pos..end].trim_end() == "+++" {
            close = Some((pos, end));
            break;
        }
        pos = end;
    }
    let (fm_end, body_start) = close
        .ok_or_else(|| Problem::new(file, 1, "front matter opened with +++ is never closed"))?;
    let fm_text = &text[start..fm_end];
    let front: FrontMatter = toml::from_str(fm_text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(fm_text, s.start)) + 1;
        Problem::new(
            file,
            line,
            format!(
                "front matter: {}",
                crate::problem::toml_message(e.message())
            ),
        )
    })?;
    Ok(Split {
        front,
        body: &text[body_start..],
        body_line: line_of(text, body_start),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_counts_body_line() {
        let s = split(
            "+++\ntitle = \"Hi\"\ntags = [\"a\"]\n+++\nBody\n",
            Path::new("p.md"),
        )
        .unwrap();
        assert_eq!(s.front.title.as_deref(), Some("Hi"));
        assert_eq!(s.front.tags, ["a"]);
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn no_front_matter_is_fine() {
        let s = split("just text\n", Path::new("p.md")).unwrap();
        assert!(s.front.title.is_none());
        assert_eq!(s.body_line, 1);
    }

    #[test]
    fn unknown_field_names_file_line_and_field() {
        let e = split(
            "+++\ntitle = \"x\"\nauthr = \"me\"\n+++\n",
            Path::new("p.md"),
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("authr"), "{e}");
    }

    #[test]
    fn wrong_type_and_unclosed_are_reported() {
        let e = split("+++\ndraft = \"yes\"\n+++\n", Path::new("p.md")).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = split("+++\ntitle = \"x\"\n", Path::new("p.md")).unwrap_err();
        assert!(e.message.contains("never closed"));
        let e = split("---\ntitle: x\n---\n", Path::new("p.md")).unwrap_err();
        assert!(e.message.contains("YAML"));
    }

    #[test]
    fn dates_in_all_accepted_forms() {
        assert_eq!(
            parse_date("2026-11-24").unwrap().to_rfc3339(),
            "2026-11-24T00:00:00+00:00"
        );
        assert_eq!(
            parse_date("2026-11-24T09:30:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-24T09:30:00+01:00"
        );
        assert_eq!(
            parse_date("2026-11-24 09:30:00").unwrap().to_rfc3339(),
            "2026-11-24T09:30:00+00:00"
        );
        assert!(parse_date("24/11/2026").is_err());
        let d: FrontMatter = toml::from_str("date = 2026-11-24T09:30:00Z").unwrap();
        assert_eq!(
            d.date.unwrap().to_datetime().unwrap().to_rfc3339(),
            "2026-11-24T09:30:00+00:00"
        );
    }
}
