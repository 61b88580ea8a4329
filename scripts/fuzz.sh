#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted input with libFuzzer
# (through cargo-fuzz), for FUZZ_SECONDS each. cargo-fuzz needs unstable
# compiler flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain these machines
# have accept them. Crashes are written to fuzz/libfuzzer/artifacts/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
targets=(msgpack_value json_state api_response handshake_env emulator_request)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz from crates.io" >&2
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
cd "$root"
summary=()
for target in "${targets[@]}"; do
  echo "==> $target for ${seconds}s" >&2
  log=$(mktemp)
  if ! cargo fuzz run --fuzz-dir fuzz/libfuzzer "$target" -- -max_total_time="$seconds" 2>&1 | tee "$log" >&2; then
    echo "error: $target crashed; the input is under fuzz/libfuzzer/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(grep -Eo '^Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo "?")
  summary+=("$target: $runs executions in ${seconds}s, no crash")
  rm -f "$log"
done
printf '%s\n' "${summary[@]}"
