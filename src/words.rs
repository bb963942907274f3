//! Counting words for people: "1 message", "2 messages", never "message(s)".

/// `n` and `noun`, plural when `n` is not 1 (every noun we count takes -s).
/// A span of milliseconds in the largest whole unit: `3 days`, `1 hour`,
/// `less than a minute`.
pub fn span(ms: i64) -> String {
    let mins = ms.max(0) / 60_000;
    match mins {
        0 => "less than a minute".into(),
        m if m < 60 => count(m, "minute"),
        m if m < 48 * 60 => count(m / 60, "hour"),
        m => count(m / (24 * 60), "day"),
    }
}

pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn singular_and_plural() {
        assert_eq!(super::count(1u32, "message"), "1 message");
        assert_eq!(super::count(0u32, "message"), "0 messages");
        assert_eq!(super::count(2u32, "friend"), "2 friends");
    }
}
