#!/usr/bin/env bash
# Interoperability check of Webmention against an independent
# implementation, ronkyuu (PyPI, CC0): it discovers our endpoint on a post
# page, and its sender's mention is verified by our sidecar. Everything
# listens on 127.0.0.1. Needs python3 and PyPI; not part of `cargo test`.
# Usage: tests/interop/webmention_ronkyuu.sh [path/to/microsocial]
set -euo pipefail
BIN=${1:-target/debug/microsocial}
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P=$(free_port); S=$(free_port)

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q ronkyuu requests beautifulsoup4 mf2py

"$BIN" init --title Ann --local "$P" --author Ann "$WORK/site" >/dev/null
"$BIN" --root "$WORK/site" new --title Hello "A post." >/dev/null
"$BIN" --root "$WORK/site" build >/dev/null
"$BIN" --root "$WORK/site" sidecar >"$WORK/sidecar.log" 2>&1 &
PIDS+=($!)

mkdir "$WORK/src"
cat >"$WORK/src/note.html" <<HTML
<html><body><article class="h-entry"><a class="p-author h-card" href="/">Py</a>
<p class="e-content">Replying from Python to <a class="u-in-reply-to" href="http://127.0.0.1:$P/posts/hello/">Ann</a></p></article></body></html>
HTML
(cd "$WORK/src" && exec python3 -m http.server "$S" --bind 127.0.0.1 >/dev/null 2>&1) &
PIDS+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$P/health" >/dev/null && break; sleep 0.2; done

"$WORK/venv/bin/python" - "$P" "$S" <<'PY'
import sys, ronkyuu
p, s = sys.argv[1], sys.argv[2]
target = f"http://127.0.0.1:{p}/posts/hello/"
status, endpoint = ronkyuu.discoverEndpoint(target, test_urls=False)
assert endpoint == f"http://127.0.0.1:{p}/webmention", endpoint
r = ronkyuu.sendWebmention(f"http://127.0.0.1:{s}/note.html", target, test_urls=False)
assert r.status_code == 202, r.status_code
print("ronkyuu discovered", endpoint, "and got", r.status_code)
PY

for _ in $(seq 50); do
  if "$BIN" --root "$WORK/site" webmentions | grep -q " pending http://127.0.0.1:$S/note.html "; then
    "$BIN" --root "$WORK/site" webmentions
    echo "1 passed, 0 failed"
    exit 0
  fi
  sleep 0.2
done
"$BIN" --root "$WORK/site" webmentions --json
echo "0 passed, 1 failed"
exit 1
