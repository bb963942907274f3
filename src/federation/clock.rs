//! This machine's clock as a sender uses it, and plain words for a clock
//! that disagrees with a receiver's.

use chrono::{DateTime, Utc};

/// For tests only: seconds added to this machine's clock when it signs a
/// message, so a test can play a sender whose clock is off.
pub const TEST_OFFSET_ENV: &str = "MICROSOCIAL_TEST_CLOCK_OFFSET_SECS";

/// Differences below this are ordinary and not worth a word.
const AGREE_SECS: i64 = 30;

/// The time written into `sent`.
pub fn now() -> DateTime<Utc> {
    let offset = std::env::var(TEST_OFFSET_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    Utc::now() + chrono::Duration::seconds(offset)
}

/// Why a receiver found our `sent` outside its window, measured against
/// the `Date` header of its answer.
pub fn expired_reason(inbox: &str, date: Option<&str>) -> String {
    let theirs = date.and_then(|d| httpdate::parse_http_date(d.trim()).ok());
    let Some(theirs) = theirs else {
        return format!(
            "HTTP 401 expired: {inbox} finds this machine's time outside its window and sent no Date to compare; check this machine's clock"
        );
    };
    let skew = (now() - DateTime::<Utc>::from(theirs)).num_seconds();
    if skew.abs() < AGREE_SECS {
        return format!("HTTP 401 expired, although this machine's clock agrees with {inbox}'s within {AGREE_SECS} s");
    }
    let side = if skew > 0 { "ahead of" } else { "behind" };
    format!(
        "HTTP 401 expired: this machine's clock is {} {side} the clock of {inbox}; if theirs is right, set this machine's clock (for example, enable NTP); retrying until the clocks agree",
        span(skew.unsigned_abs())
    )
}

/// `40 s`, `about 15 min`, `about 2 h 5 min`: a Date header has whole
/// seconds and the answer took a moment, so minutes are rounded.
fn span(secs: u64) -> String {
    if secs < 120 {
        return format!("{secs} s");
    }
    let minutes = (secs + 30) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("about {m} min"),
        (h, m) => format!("about {h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_is_said_plainly() {
        let ahead = Utc::now() - chrono::Duration::seconds(15 * 60);
        let date = httpdate::fmt_http_date(ahead.into());
        let why = expired_reason("https://bo.example/inbox", Some(&date));
        assert!(why.contains("clock is about 15 min"), "{why}");
        assert!(why.contains("ahead of"), "{why}");
        assert!(expired_reason("x", None).contains("no Date"));
        assert_eq!(span(3 * 3600 + 120), "about 3 h 2 min");
        assert_eq!(span(899), "about 15 min");
        assert_eq!(span(45), "45 s");
    }
}
