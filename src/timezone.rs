//! The owner's time zone (`[site] timezone`, an IANA name, default UTC).
//! Pages show times where the owner lives, labelled with the zone, while
//! machine-readable times (`<time datetime>`, feeds, the protocol) stay UTC.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use std::str::FromStr;

/// A validated IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

/// A moment as the owner reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// `2026-11-26`
    pub date: String,
    /// `14:05` (24-hour)
    pub time: String,
    /// The zone's abbreviation at that moment, e.g. `CET`, `CEST`, `UTC`;
    /// a numeric offset (`+0530`) where the zone has no letters.
    pub zone: String,
}

impl Shown {
    /// `2026-11-26 14:05 CET`
    pub fn label(&self) -> String {
        format!("{} {} {}", self.date, self.time, self.zone)
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone(chrono_tz::UTC)
    }
}

impl Zone {
    /// Parses an IANA name such as `Europe/Paris`; the error names the value.
    pub fn parse(name: &str) -> Result<Zone, String> {
        chrono_tz::Tz::from_str(name.trim()).map(Zone).map_err(|_| {
            format!("unknown time zone `{name}`: use an IANA name such as `Europe/Paris` or `UTC`")
        })
    }

    /// The IANA name, e.g. `Europe/Paris`.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// `at` in this zone.
    pub fn show(&self, at: DateTime<Utc>) -> Shown {
        let local = at.with_timezone(&self.0);
        let abbrev = local.format("%Z").to_string();
        // tzdb writes zones without letters as "+0530" or "-03".
        let zone = if abbrev.starts_with(['+', '-']) {
            local.format("UTC%:z").to_string()
        } else {
            abbrev
        };
        Shown {
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            zone,
        }
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Zone::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
    }

    #[test]
    fn utc_is_the_default() {
        let s = Zone::default().show(at(2026, 11, 26, 9, 5));
        assert_eq!(s.label(), "2026-11-26 09:05 UTC");
    }

    #[test]
    fn daylight_saving_is_followed_across_the_boundary() {
        let paris = Zone::parse("Europe/Paris").unwrap();
        // Summer time ends 2026-10-25 at 01:00 UTC.
        assert_eq!(
            paris.show(at(2026, 10, 25, 0, 59)).label(),
            "2026-10-25 02:59 CEST"
        );
        assert_eq!(
            paris.show(at(2026, 10, 25, 1, 0)).label(),
            "2026-10-25 02:00 CET"
        );
    }

    #[test]
    fn the_local_date_can_differ_from_utc() {
        let tokyo = Zone::parse("Asia/Tokyo").unwrap();
        assert_eq!(
            tokyo.show(at(2026, 11, 26, 20, 0)).label(),
            "2026-11-27 05:00 JST"
        );
    }

    #[test]
    fn zones_without_letters_show_an_offset() {
        let kolkata = Zone::parse("Asia/Kolkata").unwrap();
        let s = kolkata.show(at(2026, 1, 1, 0, 0));
        assert_eq!(s.time, "05:30");
        assert_eq!(s.zone, "IST");
        let s = Zone::parse("America/Sao_Paulo")
            .unwrap()
            .show(at(2026, 1, 1, 12, 0));
        assert_eq!(s.label(), "2026-01-01 09:00 UTC-03:00");
    }

    #[test]
    fn an_unknown_zone_is_named_in_the_error() {
        let e = Zone::parse("Mars/Olympus").unwrap_err();
        assert!(e.contains("Mars/Olympus"), "{e}");
    }
}
