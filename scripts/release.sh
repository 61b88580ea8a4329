#!/usr/bin/env bash
# Builds the files the Terraform Registry, or a private filesystem mirror,
# takes for one version of the provider:
#
#   terraform-provider-ncloud_<version>_linux_amd64.zip   the binary, named
#                                                         terraform-provider-ncloud_v<version>
#   terraform-provider-ncloud_<version>_manifest.json     the protocol versions served
#   terraform-provider-ncloud_<version>_SHA256SUMS        checksums of the two above
#   terraform-provider-ncloud_<version>_SHA256SUMS.sig    only when GPG_FINGERPRINT is set
#
# Usage: scripts/release.sh [--out DIR]
#
# Environment:
#   VERSION          the version to release; defaults to Cargo.toml's
#   GPG_FINGERPRINT  a GPG key id: sign the checksums with it (detached, binary)
#   PROVIDER_BINARY  package this already built binary instead of building one;
#                    its --version must say VERSION. The tests use it to package
#                    the debug binary cargo built for them.
#   RELEASE_TOOLS    "python" to zip and checksum with python3 even when zip and
#                    sha256sum are installed (the tests cover both ways)
#
# Only linux_amd64 is built: the machines this project is built on have no
# cross toolchains. See the README for the targets a maintainer would add.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    *) echo "error: unknown argument $1 (usage: scripts/release.sh [--out DIR])" >&2; exit 2 ;;
  esac
done

cargo_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
version=${VERSION:-$cargo_version}
version=${version#v}
# Terraform accepts only semantic versions for providers.
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "error: VERSION $version is not a semantic version such as 1.2.3" >&2
  exit 2
fi

platform="$(uname -s)_$(uname -m)"
if [ "$platform" != "Linux_x86_64" ]; then
  echo "error: this script builds linux_amd64 only, and this machine is $platform" >&2
  exit 1
fi
os_arch=linux_amd64
name=terraform-provider-ncloud
prefix="${name}_${version}"

# --- the binary ---------------------------------------------------------------
if [ -n "${PROVIDER_BINARY:-}" ]; then
  binary=$PROVIDER_BINARY
else
  # The version is compiled in only when it differs from Cargo.toml's, so a
  # release of Cargo's own version is the same build as `cargo build`.
  if [ "$version" = "$cargo_version" ]; then
    unset TERRAFORM_PROVIDER_NCLOUD_VERSION
  else
    export TERRAFORM_PROVIDER_NCLOUD_VERSION=$version
  fi
  echo "building $name $version (release profile)" >&2
  (cd "$root" && cargo build --release --locked --bin "$name" >&2)
  binary="${CARGO_TARGET_DIR:-$root/target}/release/$name"
fi
reported=$("$binary" --version)
if [ "$reported" != "$name v$version" ]; then
  echo "error: $binary says \"$reported\", not \"$name v$version\"" >&2
  exit 1
fi

# --- the archive, manifest and checksums ----------------------------------------
use_python=0
if [ "${RELEASE_TOOLS:-}" = python ] || ! command -v zip >/dev/null || ! command -v sha256sum >/dev/null; then
  use_python=1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$binary" "$stage/${name}_v${version}"

zip_file="${prefix}_${os_arch}.zip"
manifest="${prefix}_manifest.json"
sums="${prefix}_SHA256SUMS"
rm -f "$out/$zip_file" "$out/$sums" "$out/$sums.sig"

if [ "$use_python" = 1 ]; then
  python3 - "$stage/${name}_v${version}" "$out/$zip_file" <<'PY'
import os, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo(os.path.basename(source), date_time=(1980, 1, 1, 0, 0, 0))
info.create_system = 3  # unix, so Terraform keeps the mode below
info.external_attr = 0o100755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(source, "rb") as data, zipfile.ZipFile(target, "w") as archive:
    archive.writestr(info, data.read())
PY
else
  (cd "$stage" && zip -q -X "$out/$zip_file" "${name}_v${version}")
fi

printf '{"version":1,"metadata":{"protocol_versions":["6.0"]}}\n' >"$out/$manifest"

if [ "$use_python" = 1 ]; then
  python3 - "$out" "$zip_file" "$manifest" >"$out/$sums" <<'PY'
import hashlib, os, sys
directory = sys.argv[1]
for name in sorted(sys.argv[2:]):
    with open(os.path.join(directory, name), "rb") as data:
        print("%s  %s" % (hashlib.sha256(data.read()).hexdigest(), name))
PY
else
  (cd "$out" && sha256sum "$manifest" "$zip_file" | LC_ALL=C sort -k 2 >"$sums")
fi

# --- the signature ----------------------------------------------------------------
if [ -n "${GPG_FINGERPRINT:-}" ]; then
  gpg --batch --yes --local-user "$GPG_FINGERPRINT" --detach-sign \
    --output "$out/$sums.sig" "$out/$sums"
  signed="signed with $GPG_FINGERPRINT"
else
  signed="UNSIGNED: set GPG_FINGERPRINT to a GPG key id to sign the checksums"
fi

echo "released $name $version for $os_arch into $out ($signed)"
echo "only $os_arch is built here; the README lists the cargo targets for the other platforms"
(cd "$out" && ls -1 "$prefix"_*)
