//! Counting words for people: "1 message", "2 messages", never "message(s)".

/// `n` and `noun`, plural when `n` is not 1 (every noun we count takes -s).
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
