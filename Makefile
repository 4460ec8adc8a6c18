# Build, test and serve job-token-scope (Rust -> WebAssembly -> npm package in pkg/).
#   make setup   install the tools (idempotent, fast when done)
#   make pkg     build the npm package into pkg/
#   make test    fmt, clippy, cargo test, wasm binding tests, pkg, node tests (package, browser, workerd), tsc
#                — fails on the first failing step
#   make start   build and serve the simulator on http://127.0.0.1:$(PORT)
#   make size    what the .wasm spends its bytes on (docs/size.md)
#   make clean   remove build output

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DELETE_ON_ERROR:

export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)

PORT        ?= 8080
CRATE       := job_token_scope
TARGET      := wasm32-unknown-unknown
RAW_WASM    := target/$(TARGET)/release/$(CRATE).wasm
PKG_WASM    := pkg/$(CRATE)_bg.wasm
WASM_OPT    := node_modules/.bin/wasm-opt
# Hand-written package files (src/wasm/): an entry per runtime, the API list they re-export, index.js
# (this repo's own import path, not published), the GitLab fetch module and the CLI (docs/live-import.md).
PKG_ENTRIES := node.js web.js workerd.js api.js door.js coded.js azure-import.js azure-matrix.js index.js \
               gate.js gate-node.js gate-web.js gate-workerd.js gitlab-fetch.js cli.js
# The shipped .wasm's size budget, gzip -9 (docs/size.md); `make pkg` prints the margin.
WASM_BUDGET := 64000
# What wasm-opt may assume of this module (-0.6 KB gzip): its own memory starts zeroed (it is not
# imported), the lowest 1 KiB is never addressed (Rust puts the 1 MiB stack first, growing down), and the
# producers / target-features sections are metadata nobody reads after wasm-bindgen.
WASM_ASSUME := --zero-filled-memory --low-memory-unused --strip-producers --strip-target-features
# How far wasm-opt inlines a function into its one caller (default: any size). Inlined whole, a loop
# that is its own function for V8's sake (one call a list, a batch: V8 optimises a function for its
# next call) runs in the baseline tier for a whole call; and capped, the module is 4 KB gzip smaller
# (97,051 -> 92,979 bytes; flat from 15 to 30, measured in docs/size.md).
WASM_INLINE := --one-caller-inline-max-function-size=20
WASM_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
                 --enable-mutable-globals --enable-reference-types --enable-multivalue

# The binding layer's tests (tests/wasm_bindings.rs), in Node. They call the #[wasm_bindgen] functions of
# src/wasm/, so they run once src/lib.rs exposes that module (`pub mod wasm;`); until then this says so.
.PHONY: all setup pkg test start clean bench fuzz size

all: pkg

setup:
	@bash scripts/setup.sh

pkg: setup
	cargo build --release --target $(TARGET) --lib
	rm -rf pkg
	wasm-bindgen --target web --out-dir pkg --out-name $(CRATE) $(RAW_WASM)
	$(WASM_OPT) -Oz --converge $(WASM_INLINE) $(WASM_ASSUME) $(WASM_FEATURES) -o $(PKG_WASM) $(PKG_WASM)
	cp pkg.json pkg/package.json
	cp $(addprefix src/wasm/,$(PKG_ENTRIES)) src/wasm/index.d.ts src/wasm/gate.d.ts src/wasm/gitlab-fetch.d.ts \
	  src/wasm/wasm-module.d.ts pkg/
	cp README.md LICENSE-MIT LICENSE-APACHE pkg/
	node scripts/inline-snippets.mjs pkg
	@raw=$$(wc -c < $(PKG_WASM)); gz=$$(gzip -9c $(PKG_WASM) | wc -c); \
	  if [ $$gz -le $(WASM_BUDGET) ]; then margin="$$(($(WASM_BUDGET) - gz)) under"; else margin="$$((gz - $(WASM_BUDGET))) OVER"; fi; \
	  echo "$(PKG_WASM): $$raw bytes raw, $$gz bytes gzip ($$margin the $(WASM_BUDGET)-byte gzip budget)"

test: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target $(TARGET) --lib -- -D warnings
	cargo test
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target $(TARGET) --test wasm_bindings
	$(MAKE) --no-print-directory pkg
	node_modules/.bin/publint --strict pkg
	node_modules/.bin/attw --pack pkg --profile esm-only
	node --test --test-timeout=300000 tests/js/
	node --test --test-timeout=300000 tests/e2e/
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20
	mkdir -p tests/types/node_modules
	ln -sfn ../../../pkg tests/types/node_modules/job-token-scope
	node_modules/.bin/tsc -p tests/types
	node_modules/.bin/tsc -p tests/types/tsconfig.www.json
	node_modules/.bin/tsc -p tests/types/tsconfig.wasm.json

start: pkg
	node scripts/serve.mjs $(PORT)

clean:
	cargo clean
	rm -rf pkg

# Speed and size, measured (never asserted by timed tests): the side-by-side table (job-token-scope vs
# a plain-JS baseline vs Cedar, bench/results.md), edge-scale worlds (compiled-world memory, fromJSON,
# snapshots, the largest world that workerd loads under 128 MB: bench/edge.mjs), enforcement plans of a
# 10,000-project world with a 100,000-entry log (bench/plan.mjs), the gate under load in workerd, the simulator over 200 and 1,000
# projects in Chromium (bench/simulator.mjs), the live import of 2,000 projects (bench/fetch-results.md),
# the native engine.
bench: pkg
	cd bench && npm ci --no-audit --no-fund --silent
	node bench/run.mjs
	node bench/edge.mjs
	node bench/plan.mjs
	node bench/gate-load.mjs --requests 5000 --concurrency 32
	node bench/simulator.mjs 200 1000
	node bench/fetch.mjs
	cargo bench --bench engine -- --warm-up-time 1 --measurement-time 3

# What the .wasm spends its bytes on (docs/size.md "Where the bytes go"): the same build with function names
# kept (not stripped; wasm-opt -g), in target/size/, read by scripts/size-breakdown.mjs against pkg/.
size: pkg
	CARGO_PROFILE_RELEASE_STRIP=false cargo build --release --target $(TARGET) --lib --target-dir target/size
	wasm-bindgen --target web --out-dir target/size/pkg --out-name $(CRATE) target/size/$(TARGET)/release/$(CRATE).wasm
	$(WASM_OPT) -Oz --converge -g --strip-dwarf $(WASM_INLINE) $(WASM_ASSUME) $(WASM_FEATURES) -o target/size/named.wasm target/size/pkg/$(CRATE)_bg.wasm
	node scripts/size-breakdown.mjs target/size/named.wasm $(PKG_WASM)

# Fuzzing (fuzz/: cargo-fuzz + libFuzzer), each target for FUZZ_SECONDS; `make test` runs them for 20 s.
# cargo-fuzz passes nightly -Z flags to rustc: RUSTC_BOOTSTRAP=1 lets the stable toolchain take them.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := parse_json gitlab_checks azure_access gate snapshot

fuzz: setup
	node fuzz/js/run.mjs --seconds $(FUZZ_SECONDS)
	node fuzz/seed.mjs
	mkdir -p fuzz/artifacts
	@# Built first, so that a compile error shows as one and a failure below is a finding.
	RUSTC_BOOTSTRAP=1 cargo fuzz build
	for target in $(FUZZ_TARGETS); do \
	  log=fuzz/artifacts/$$target.log; \
	  if RUSTC_BOOTSTRAP=1 cargo fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 > $$log 2>&1; then \
	    echo "fuzz $$target: $$(grep -E '^Done' $$log)"; \
	  else \
	    tail -n 40 $$log; echo "fuzz $$target: FAILED (a finding: its input is in fuzz/artifacts/$$target/, log in $$log)"; exit 1; \
	  fi; \
	done
