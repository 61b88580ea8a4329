# The project's commands. `make demo` and `make test` are all the set-up a
# fresh machine needs: they install what they use into .tools/.

CARGO ?= cargo
TERRAFORM_1_0 := $(CURDIR)/.tools/terraform-1.0.3/terraform

# The Terraform CLIs the end-to-end tests run against, oldest first.
export NCLOUD_TEST_TERRAFORM_CLIS ?= $(TERRAFORM_1_0):$(shell command -v terraform)

.PHONY: all build tools test lint demo bench fuzz release clean

all: build

build:
	$(CARGO) build --bins

tools:
	@./scripts/install-tools.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

## Everything: formatting, lints, unit, integration and Terraform end-to-end tests.
test: tools lint
	$(CARGO) test --all-targets --no-fail-fast
	@echo "tested against: $(NCLOUD_TEST_TERRAFORM_CLIS)"

## Fuzzes every parser of untrusted input for FUZZ_SECONDS each: the quick
## in-process fuzzer (fuzz/main.rs), then coverage-guided libFuzzer through
## cargo-fuzz (fuzz/libfuzzer/, installed on first use; see the README).
FUZZ_SECONDS ?= 60
fuzz:
	$(CARGO) test --test fuzz -- --seconds $(FUZZ_SECONDS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh

## Creates and destroys a snapshot with the real Terraform CLI and the emulator.
demo: tools build
	@./scripts/demo.sh

## Release files for the Registry or a mirror into dist/:
## make release [VERSION=x.y.z] [GPG_FINGERPRINT=key id]. Linux amd64 only.
release:
	VERSION="$(VERSION)" ./scripts/release.sh --out dist

## Ours beside HashiCorp's Go null provider: one table, medians of several
## runs (minutes; not part of `make test`). BENCH_ARGS passes options on,
## for example BENCH_ARGS="--runs 3".
bench:
	@WITH_NULL_PROVIDER=1 ./scripts/install-tools.sh
	$(CARGO) build --release --bins
	python3 bench/bench.py $(BENCH_ARGS)

clean:
	$(CARGO) clean
	rm -rf .tools dist
