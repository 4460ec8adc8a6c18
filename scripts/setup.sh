#!/usr/bin/env bash
# Idempotent tool setup for building and testing job-token-scope.
# Every step checks first and prints one line: "ok ..." or "installing ...".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$CARGO_BIN:"*) ;; *) export PATH="$CARGO_BIN:$PATH" ;; esac

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' not found on PATH — $2" >&2; exit 1; }; }
need rustup "install Rust with rustup (https://rustup.rs)"
need cargo "install Rust with rustup (https://rustup.rs)"
need node "install Node.js 20 or later"
need npm "install Node.js 20 or later (npm comes with it)"

# 1. the wasm target
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "ok rust target wasm32-unknown-unknown"
else
  echo "installing rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. rustfmt and clippy (used by `make test`)
for comp in rustfmt clippy; do
  if cargo "${comp/rustfmt/fmt}" --version >/dev/null 2>&1; then
    echo "ok rust component $comp"
  else
    echo "installing rust component $comp"
    rustup component add "$comp"
  fi
done

# 3. wasm-bindgen-cli, at exactly the version Cargo.toml pins for the wasm-bindgen crate
WBG_VERSION="$(sed -nE 's/^[[:space:]]*wasm-bindgen[[:space:]]*=[[:space:]]*(\{[^}]*version[[:space:]]*=[[:space:]]*)?"=([0-9][0-9A-Za-z.+-]*)".*/\2/p' Cargo.toml | head -n1)"
if [ -z "$WBG_VERSION" ]; then
  echo "setup: could not read an exact (=x.y.z) wasm-bindgen version from Cargo.toml" >&2
  exit 1
fi
have_wbg="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_wbg" = "$WBG_VERSION" ]; then
  echo "ok wasm-bindgen-cli $WBG_VERSION"
else
  echo "installing wasm-bindgen-cli $WBG_VERSION (found: ${have_wbg:-none}; takes a few minutes)"
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --force
  have_wbg="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have_wbg" != "$WBG_VERSION" ]; then
    echo "setup: installed wasm-bindgen-cli $WBG_VERSION into $CARGO_BIN but 'wasm-bindgen --version' says '${have_wbg:-nothing}'" >&2
    echo "       (another wasm-bindgen earlier on PATH: $(command -v wasm-bindgen || echo none))" >&2
    exit 1
  fi
fi

# 4. npm dev tools (binaryen's wasm-opt), re-installed when package-lock.json changes
STAMP="node_modules/.setup-stamp"
if [ -d node_modules ] && [ -f "$STAMP" ] && [ ! package-lock.json -nt "$STAMP" ] && [ -x node_modules/.bin/wasm-opt ]; then
  echo "ok node_modules (npm ci)"
else
  echo "installing node_modules (npm ci)"
  npm ci --no-audit --no-fund
  touch "$STAMP"
fi

# 5. Chromium for the browser tests (tests/js/browser.test.mjs): Debian's package, driven by playwright-core
#    (which downloads no browser of its own)
if command -v chromium >/dev/null 2>&1; then
  echo "ok chromium"
else
  echo "installing chromium (apt-get)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

# 6. cargo-fuzz for `make fuzz` (stable toolchain + RUSTC_BOOTSTRAP=1; see docs/guarantees.md "Fuzzing")
CARGO_FUZZ_VERSION=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null)" = "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  echo "ok cargo-fuzz $CARGO_FUZZ_VERSION"
else
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION (takes a minute)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
