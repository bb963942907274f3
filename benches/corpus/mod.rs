//! The benchmark corpus: N posts of about 120 words, each with a list, a code
//! block, a link and 2 of 20 tags. Deterministic, so every run measures the
//! same site. The links go to `https://example.com/{i}` unless a bench that
//! sends Webmentions points them at a local fixture (`*_linking`).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

const TAGS: [&str; 20] = [
    "rust",
    "selfhosting",
    "walks",
    "notes",
    "music",
    "books",
    "cooking",
    "garden",
    "photos",
    "travel",
    "linux",
    "privacy",
    "cycling",
    "coffee",
    "films",
    "family",
    "work",
    "ideas",
    "weather",
    "links",
];
const WORDS: &[&str] = &[
    "the", "quiet", "morning", "server", "garden", "friend", "wrote", "small", "static", "page",
    "river", "light", "bread", "code", "after", "walk", "through", "a", "and", "with", "owned",
    "home", "simple", "network", "build", "markdown", "coffee", "autumn", "leaves", "train",
    "window", "story", "fast", "letters", "again", "under", "bright", "long", "evening", "notes",
    "kept", "stack", "our", "time",
];

/// Deterministic xorshift so every run benchmarks the same corpus.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

pub fn words(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    s
}

/// Where the corpus links by default.
pub const LINKS: &str = "https://example.com/";

pub fn post(i: usize, rng: &mut Rng) -> (String, String) {
    post_linking(i, rng, LINKS)
}

/// Post `i`, its link `{links}{i}`.
pub fn post_linking(i: usize, rng: &mut Rng, links: &str) -> (String, String) {
    let day = i / 4;
    let date = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Days::new(day as u64);
    let t1 = rng.pick(&TAGS);
    let mut t2 = rng.pick(&TAGS);
    while t2 == t1 {
        t2 = rng.pick(&TAGS);
    }
    let mut body = String::new();
    let _ = write!(
        body,
        "+++\ntitle = \"Post {i}: {}\"\ndate = {}T{:02}:00:00Z\ntags = [\"{t1}\", \"{t2}\"]\n+++\n\n",
        words(rng, 4),
        date,
        (i % 4) * 6
    );
    let _ = writeln!(
        body,
        "{} [a link]({links}{i}) {}.\n",
        words(rng, 30),
        words(rng, 20)
    );
    for _ in 0..3 {
        let _ = writeln!(body, "- {}", words(rng, 6));
    }
    let _ = writeln!(
        body,
        "\n```rust\nfn main() {{\n    println!(\"post {i}\");\n}}\n```\n"
    );
    let _ = writeln!(body, "{}", words(rng, 50));
    (format!("{}-post-{i}.md", date), body)
}

pub fn write_corpus(dir: &Path, n: usize) {
    write_corpus_linking(dir, n, LINKS)
}

/// The corpus with every post's link under `links` (a URL ending in `/`).
pub fn write_corpus_linking(dir: &Path, n: usize, links: &str) {
    let posts = dir.join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(
        dir.join("social.toml"),
        "[site]\ntitle = \"Bench\"\nbase_url = \"https://bench.example/\"\nauthor = \"Bench\"\nposts_per_page = 10\n",
    )
    .unwrap();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for i in 0..n {
        let (name, body) = post_linking(i, &mut rng, links);
        std::fs::write(posts.join(name), body).unwrap();
    }
}
