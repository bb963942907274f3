//! Build benchmark: generates a corpus, then times the real `microsocial`
//! binary (release) for a cold full build and for incremental rebuilds.
//!
//!     cargo bench --bench build                 # 10,000 posts
//!     BENCH_POSTS=1000 BENCH_RUNS=3 cargo bench --bench build
//!     cargo bench --bench build -- --corpus DIR # only write the corpus
//!
//! Reports the median wall time and peak resident memory of each step.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn words(rng: &mut Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    s
}

fn post(i: usize, rng: &mut Rng) -> (String, String) {
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
        "{} [a link](https://example.com/{i}) {}.\n",
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

fn write_corpus(dir: &Path, n: usize) {
    let posts = dir.join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(
        dir.join("social.toml"),
        "[site]\ntitle = \"Bench\"\nbase_url = \"https://bench.example/\"\nauthor = \"Bench\"\nposts_per_page = 10\n",
    )
    .unwrap();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for i in 0..n {
        let (name, body) = post(i, &mut rng);
        std::fs::write(posts.join(name), body).unwrap();
    }
}

struct Sample {
    wall: Duration,
    max_rss_kb: i64,
}

#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its rusage
fn run_build(bin: &Path, root: &Path) -> Sample {
    let start = Instant::now();
    let child = Command::new(bin)
        .arg("--root")
        .arg(root)
        .arg("build")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn microsocial");
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 reaps the child we spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert!(
        pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "build failed"
    );
    Sample {
        wall,
        max_rss_kb: usage.ru_maxrss,
    }
}

fn median(mut v: Vec<Sample>) -> (f64, f64) {
    v.sort_by_key(|s| s.wall);
    let m = &v[v.len() / 2];
    let rss = v.iter().map(|s| s.max_rss_kb).max().unwrap_or(0);
    (m.wall.as_secs_f64() * 1000.0, rss as f64 / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = std::env::var("BENCH_POSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    if let Some(i) = args.iter().position(|a| a == "--corpus") {
        let dir = PathBuf::from(args.get(i + 1).expect("--corpus DIR"));
        write_corpus(&dir, n);
        println!("wrote {n} posts to {}", dir.display());
        return;
    }
    if args.iter().any(|a| a == "--test" || a == "--list") {
        return; // `cargo test --benches` probes; nothing to do
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_microsocial"));
    let tmp = std::env::temp_dir().join(format!("microsocial-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    write_corpus(&tmp, n);
    println!(
        "corpus: {n} posts in {} ({runs} runs per step, median; peak RSS is the max)",
        tmp.display()
    );

    let cold: Vec<Sample> = (0..runs)
        .map(|_| {
            let _ = std::fs::remove_dir_all(tmp.join("public"));
            let _ = std::fs::remove_dir_all(tmp.join(".social"));
            run_build(&bin, &tmp)
        })
        .collect();
    let noop: Vec<Sample> = (0..runs).map(|_| run_build(&bin, &tmp)).collect();
    let posts = tmp.join("content/posts");
    let mut rng = Rng(42);
    let edit: Vec<Sample> = (0..runs)
        .map(|r| {
            let mut names: Vec<_> = std::fs::read_dir(&posts)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            names.sort();
            let target = &names[(rng.next() as usize) % names.len()];
            let mut text = std::fs::read_to_string(target).unwrap();
            let _ = write!(text, "\nEdited in run {r}.\n");
            std::fs::write(target, text).unwrap();
            run_build(&bin, &tmp)
        })
        .collect();
    let add: Vec<Sample> = (0..runs)
        .map(|r| {
            let (_, body) = post(n + r, &mut rng);
            std::fs::write(
                posts.join(format!("2099-01-0{}-new-{r}.md", r % 9 + 1)),
                body.replace("date = ", "# date = "),
            )
            .unwrap();
            run_build(&bin, &tmp)
        })
        .collect();
    for (name, samples) in [
        ("full build (cold: no cache, no output)", cold),
        ("rebuild, nothing changed", noop),
        ("rebuild after editing one post", edit),
        ("rebuild after adding one post", add),
    ] {
        let (ms, mb) = median(samples);
        println!("{name:<42} median {ms:>8.1} ms   peak RSS {mb:>6.1} MB");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
