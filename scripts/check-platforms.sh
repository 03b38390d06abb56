#!/usr/bin/env bash
# Type-check the crate for macOS and Windows from Linux (no linking, nothing run). The
# platform-specific code lives in *_unix.rs / *_windows.rs / *_linux.rs files behind cfg; this
# catches code that would not compile there. blake3's C/assembly build needs a cross C compiler,
# so its pure-Rust feature is used for the check only.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc; do
  rustup target add "$target" >/dev/null
  echo "== cargo check --target $target"
  cargo check --quiet --target "$target" --features blake3/pure
done
