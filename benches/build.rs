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

mod corpus;
use corpus::{post, write_corpus, Rng};

struct Sample {
    wall: Duration,
    max_rss_kb: i64,
}

#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its rusage
fn run_build(bin: &Path, root: &Path, output: &Path) -> Sample {
    let start = Instant::now();
    let child = Command::new(bin)
        .arg("--root")
        .arg(root)
        .arg("build")
        .arg("--output")
        .arg(output)
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
    // Under target/: the same file system as a real site, not a tmpfs.
    let tmp = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(format!("bench-build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    write_corpus(&tmp, n);
    println!(
        "corpus: {n} posts in {} ({runs} runs per step, median; peak RSS is the max)",
        tmp.display()
    );

    // Each cold build writes a fresh output folder (a new cache key too):
    // deleting the previous 13,000 files first would make ext4 scan its
    // recently freed inodes and measure the file system, not the build.
    let cold: Vec<Sample> = (0..runs)
        .map(|r| run_build(&bin, &tmp, &tmp.join(format!("out-cold-{r}"))))
        .collect();
    let out = tmp.join(format!("out-cold-{}", runs - 1));
    let noop: Vec<Sample> = (0..runs).map(|_| run_build(&bin, &tmp, &out)).collect();
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
            run_build(&bin, &tmp, &out)
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
            run_build(&bin, &tmp, &out)
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
