#!/usr/bin/env python3
"""The build-speed curve: microsocial and Hugo on the same corpus, same run.

    cargo build --release
    CURVE_SIZES=1000,10000,100000 CURVE_RUNS=5 CURVE_OTHERS_MAX=10000 \
        MS_BASE=/path/to/older/microsocial python3 benches/curve.py

For each size it writes the corpus of `benches/corpus/` (through
`cargo bench --bench build -- --corpus DIR`) under CURVE_DIR (default
/dev/shm/microsocial-curve, a tmpfs), then times, as separate processes,
medians of CURVE_RUNS runs with peak RSS (wait4):
  - microsocial cold (a fresh output folder, hence no cache), warm (no
    change) and one edit (a line appended to one post);
  - Hugo cold (`hugo --quiet`, fresh destination) on a copy of the same
    markdown files (TOML front matter, which Hugo reads as is) with a
    minimal layout: post pages, home and tag lists of 10 per page, its
    default RSS and sitemap. It writes fewer kinds of files than
    microsocial (no timeline, JSON feed or federation log).
Prints a Markdown table and the phases of one cold build
(MICROSOCIAL_TIMINGS), writes docs/bench/curve.svg (or CURVE_SVG; empty:
none), and removes CURVE_DIR.
Python standard library only.
"""
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("MS_BIN", os.path.join(ROOT, "target/release/microsocial"))
# Optional: another microsocial binary (e.g. of an older commit), whose cold
# builds alternate with BIN's on the same corpus, for a before/after ratio.
BASE = os.environ.get("MS_BASE")
SIZES = [int(s) for s in os.environ.get("CURVE_SIZES", "1000,10000").split(",")]
RUNS = int(os.environ.get("CURVE_RUNS", "5"))
WORK = os.environ.get("CURVE_DIR", "/dev/shm/microsocial-curve")
HUGO = shutil.which("hugo")
# Hugo and MS_BASE run only up to this size (their 100k runs take minutes).
OTHERS_MAX = int(os.environ.get("CURVE_OTHERS_MAX", "1000000000"))

HUGO_CONFIG = """baseURL = "https://bench.example/"
title = "Bench"
paginate = 10
disableKinds = ["section"]
[taxonomies]
tag = "tags"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>{{ .Title }}</title></head><body><main>{{ block \"main\" . }}{{ end }}</main>"
    "</body></html>\n",
    "_default/single.html": "{{ define \"main\" }}<article><h1>{{ .Title }}</h1>"
    "<time>{{ .Date.Format \"2006-01-02 15:04\" }}</time>{{ .Content }}<ul>"
    "{{ range .Params.tags }}<li><a href=\"/tags/{{ . | urlize }}/\">#{{ . }}</a></li>"
    "{{ end }}</ul></article>{{ end }}\n",
    "_default/list.html": "{{ define \"main\" }}{{ $p := .Paginate .RegularPages }}"
    "{{ range $p.Pages }}<article><h2><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></h2>"
    "{{ .Content }}</article>{{ end }}{{ if $p.HasNext }}<a href=\"{{ $p.Next.URL }}\">Older</a>"
    "{{ end }}{{ end }}\n",
    "_default/terms.html": "{{ define \"main\" }}{{ range .Pages }}<a href=\"{{ .RelPermalink }}\">"
    "{{ .Title }}</a>{{ end }}{{ end }}\n",
}


def run(cmd, env=None):
    """Wall ms and peak RSS MB of one process; stderr text."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{cmd} failed ({p.returncode}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, err


def med(samples):
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def build(site, out, env=None, binary=BIN):
    return run([binary, "--root", site, "build", "--output", out], env)


def measure(n):
    base = os.path.join(WORK, str(n))
    shutil.rmtree(base, ignore_errors=True)
    site = os.path.join(base, "site")
    subprocess.run(["cargo", "bench", "-q", "--bench", "build", "--", "--corpus", site],
                   cwd=ROOT, env=dict(os.environ, BENCH_POSTS=str(n)), check=True,
                   stdout=subprocess.DEVNULL)
    load = os.getloadavg()
    row = {"n": n, "load": load[0]}
    timings = dict(os.environ, MICROSOCIAL_TIMINGS="1")
    # A first build makes the keys and the change log, so every timed cold
    # build (no output, no cache) starts from the same site state.
    build(site, os.path.join(base, "prime"))
    shutil.rmtree(os.path.join(base, "prime"))
    cold, before = [], []
    for r in range(RUNS):
        if BASE and n <= OTHERS_MAX:
            other = os.path.join(base, f"base-out-{r}")
            before.append(build(site, other, binary=BASE))
            shutil.rmtree(other)
        out = os.path.join(base, f"out-{r}")
        cold.append(build(site, out, timings))
        if r + 1 < RUNS:
            shutil.rmtree(out)  # tmpfs: freeing is cheap, memory is not
    if before:
        row["base"] = med(before)
    out = os.path.join(base, f"out-{RUNS - 1}")
    row["phases"] = sorted(cold, key=lambda s: s[0])[RUNS // 2][2]
    row["files"] = sum(len(f) for _, _, f in os.walk(out))
    warm = [build(site, out) for _ in range(RUNS)]
    posts = os.path.join(site, "content/posts")
    names = sorted(os.listdir(posts))
    edit = []
    for r in range(RUNS):
        with open(os.path.join(posts, names[(r * 7919) % len(names)]), "a") as f:
            f.write(f"\nEdited in run {r}.\n")
        edit.append(build(site, out))
    row.update(cold=med(cold), warm=med(warm), edit=med(edit))
    if HUGO and n <= OTHERS_MAX:
        hsite = os.path.join(base, "hugo")
        os.makedirs(hsite)
        shutil.copytree(os.path.join(site, "content"), os.path.join(hsite, "content"))
        with open(os.path.join(hsite, "config.toml"), "w") as f:
            f.write(HUGO_CONFIG)
        for rel, text in HUGO_LAYOUTS.items():
            path = os.path.join(hsite, "layouts", rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        hugo = []
        for r in range(RUNS):
            dest = os.path.join(base, f"hugo-out-{r}")
            hugo.append(run([HUGO, "--quiet", "-s", hsite, "-d", dest]))
            row["hugo_files"] = sum(len(f) for _, _, f in os.walk(dest))
            shutil.rmtree(dest)
        row["hugo"] = med(hugo)
    row["load_after"] = os.getloadavg()[0]
    shutil.rmtree(base)
    return row


def svg(rows):
    """Log-log plot of the medians: x posts, y milliseconds."""
    w, h, m, ml = 580, 340, 60, 90  # ml: room for the y labels
    series = [("cold", "#2456c7"), ("warm", "#2a9d8f"), ("edit", "#e9a23b"), ("hugo", "#c0392b")]
    pts = [r[k][0] for r in rows for k, _ in series if k in r]
    xs = [math.log10(r["n"]) for r in rows]
    ylo, yhi = math.floor(math.log10(min(pts))), math.ceil(math.log10(max(pts)))
    xlo, xhi = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1

    def px(x, y):
        return (ml + (x - xlo) / (xhi - xlo) * (w - ml - m),
                h - m - (y - ylo) / (yhi - ylo) * (h - 2 * m))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="#fff"/>',
           f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="14">'
           f'Build time (median of {RUNS}, log-log)</text>']
    for e in range(ylo, yhi + 1):
        _, y = px(xlo, e)
        out.append(f'<line x1="{ml}" x2="{w - m}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{ml - 6}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:,} ms</text>')
    for r in rows:
        x, _ = px(math.log10(r["n"]), ylo)
        out.append(f'<text x="{x:.1f}" y="{h - m + 18}" text-anchor="middle">'
                   f'{r["n"]:,} posts</text>')
    for i, (k, colour) in enumerate(series):
        line = [px(math.log10(r["n"]), math.log10(r[k][0])) for r in rows if k in r]
        if not line:
            continue
        d = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
        out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in line]
        label = "Hugo cold" if k == "hugo" else f"microsocial {k}"
        out.append(f'<text x="{ml + 10}" y="{m + 16 * i}" fill="{colour}">{label}</text>')
    out.append("</svg>\n")
    return "\n".join(out)


def main():
    rows = [measure(n) for n in SIZES]
    print("| posts | files | cold | warm | one edit | Hugo cold (files) | MS_BASE cold "
          "| load before/after |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cell = lambda k: f"{r[k][0]:,.0f} ms, {r[k][1]:.0f} MB" if k in r else "not run"
        hugo = f"{cell('hugo')} ({r['hugo_files']:,})" if "hugo" in r else "not run"
        print(f"| {r['n']:,} | {r['files']:,} | {cell('cold')} | {cell('warm')} | "
              f"{cell('edit')} | {hugo} | {cell('base')} | {r['load']:.1f} / {r['load_after']:.1f} |")
    for r in rows:
        print(f"\nphases of the median cold build, {r['n']:,} posts:\n{r['phases']}")
    # CURVE_SVG= (empty) skips the plot, e.g. for a run on another disk.
    dest = os.environ.get("CURVE_SVG", os.path.join(ROOT, "docs/bench/curve.svg"))
    if dest:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w") as f:
            f.write(svg(rows))
        print(f"wrote {dest}")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
