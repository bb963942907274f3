//! Writes each fuzz target's seed input to `fuzz/corpus/<target>/seed`
//! (`cargo run --example fuzz_seeds`); see FUZZING.md.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

fn main() -> std::io::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, data) in bodies::seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("seed"), data)?;
    }
    Ok(())
}
