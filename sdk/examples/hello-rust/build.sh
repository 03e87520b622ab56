#!/bin/sh
# Builds target/release/libhello_rust.so (the manifest points at it) with
# cargo alone: no crates are fetched, so it works offline.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cargo build --offline --release --manifest-path "$here/Cargo.toml"
echo "built $here/target/release/libhello_rust.so"
