//! Times as the terminal shows them: one human format everywhere, in the
//! owner's `[site] timezone` (`2026-12-07 22:41 CET`); `--json` keeps
//! RFC 3339 in UTC.

use crate::config::Config;
use crate::timezone::Zone;
use std::path::Path;

/// The owner's zone, or UTC when the config cannot be read (the command
/// that needs the config says why on its own).
pub fn zone(root: &Path) -> Zone {
    Config::load(root)
        .map(|(c, _)| c.site.timezone)
        .unwrap_or_default()
}

/// `ms` since the epoch in `zone`, or `never` for none.
pub fn human(zone: Zone, ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(|| "never".into(), |t| zone.show(t).label())
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_show_in_the_owners_zone() {
        let paris = super::Zone::parse("Europe/Paris").unwrap();
        // 2026-12-07T21:41:00Z
        assert_eq!(
            super::human(paris, Some(1_796_679_660_000)),
            "2026-12-07 22:41 CET"
        );
        assert_eq!(super::human(paris, None), "never");
    }
}
