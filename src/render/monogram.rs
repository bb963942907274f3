//! A friend without a loaded avatar gets a monogram: their initial on a
//! colour picked from their site's address. Made at build time as inline
//! SVG, so showing it asks no third party for anything, and the same friend
//! always gets the same picture.

use super::text::escape;

/// Backgrounds that all keep white text above WCAG AA (4.5:1).
const PALETTE: &[&str] = &[
    "#1d5fa8", "#8a3b12", "#6b3fa0", "#0f6e5a", "#a12d4f", "#3d5a16", "#4f5866", "#7a4500",
];

/// The first letter or digit of `name`, upper-cased; `?` when it has none.
fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map_or_else(|| "?".to_string(), |c| c.to_uppercase().collect())
}

/// Inline SVG of `name`'s monogram, `size` pixels square; `key` (the site's
/// address) picks the colour so two Annes differ. Decorative: the name is
/// always written beside it.
pub fn monogram(name: &str, key: &str, size: u32) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(key.as_bytes());
    let colour = PALETTE[(hash % PALETTE.len() as u64) as usize];
    format!(
        "<svg class=\"avatar monogram\" width=\"{size}\" height=\"{size}\" viewBox=\"0 0 32 32\" \
         aria-hidden=\"true\" focusable=\"false\"><circle cx=\"16\" cy=\"16\" r=\"16\" \
         fill=\"{colour}\"/><text x=\"16\" y=\"21.5\" text-anchor=\"middle\" font-size=\"15\" \
         font-weight=\"600\" font-family=\"system-ui, sans-serif\" fill=\"#fff\">{}</text></svg>",
        escape(&initial(name))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_friend_always_gets_the_same_monogram() {
        let a = monogram("Bob", "https://bob.example/", 32);
        assert_eq!(a, monogram("Bob", "https://bob.example/", 32));
        assert!(a.contains(">B</text>"), "{a}");
        assert!(
            a.starts_with("<svg") && a.contains("aria-hidden=\"true\""),
            "{a}"
        );
    }

    #[test]
    fn the_colour_follows_the_site_not_the_name() {
        let colours: std::collections::BTreeSet<String> = (0..40)
            .map(|i| {
                let svg = monogram("Ann", &format!("https://ann{i}.example/"), 32);
                svg.split("fill=\"").nth(1).unwrap_or("").to_string()
            })
            .collect();
        assert!(colours.len() > 1, "every Ann got the same colour");
    }

    #[test]
    fn initials_are_letters_or_a_question_mark() {
        assert_eq!(initial("  émile"), "É");
        assert_eq!(initial("42 things"), "4");
        assert_eq!(initial("<>"), "?");
        assert!(monogram("<&>", "k", 32).contains(">?</text>"));
    }
}
