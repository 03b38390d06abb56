#!/usr/bin/env bash
# Benchmark prerequisites npm cannot install: ripgrep, the anchor for the grep benchmark.
# Prints why and exits non-zero when it cannot be had; the benchmark then skips ripgrep.
set -u
command -v rg >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -q ripgrep >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q ripgrep >/dev/null 2>&1; }
fi
command -v rg >/dev/null 2>&1 && exit 0
echo "ripgrep is not installed and could not be installed here (needs apt-get and root)" >&2
exit 1
