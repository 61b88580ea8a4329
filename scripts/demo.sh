#!/usr/bin/env bash
# The main job, end to end, with no cloud account: start the API emulator,
# point Terraform at the provider built here, apply examples/quickstart,
# show the state, prove a second plan is empty, destroy, stop the emulator.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
terraform=${TERRAFORM:-terraform}
work=$(mktemp -d)
emulator_pid=""

cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Starting the NAVER Cloud API emulator"
mkfifo "$work/emulator.out"
"$root/target/debug/ncloud-emulator" --listen 127.0.0.1:0 >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
read -r first_line <"$work/emulator.out"
endpoint=${first_line#listening on }
echo "emulator at $endpoint"

step "Pointing Terraform at the provider built in target/debug (dev_overrides)"
mkdir -p "$work/plugins" "$work/quickstart"
ln -s "$root/target/debug/terraform-provider-ncloud" "$work/plugins/terraform-provider-ncloud"
cat >"$work/terraform.rc" <<RC
provider_installation {
  dev_overrides {
    "ncloud-rs/ncloud" = "$work/plugins"
  }
  direct {}
}
RC
cp "$root"/examples/quickstart/*.tf "$work/quickstart/"
export TF_CLI_CONFIG_FILE="$work/terraform.rc"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export NCLOUD_ACCESS_KEY=ncloud-emulator-access-key
export NCLOUD_SECRET_KEY=ncloud-emulator-secret-key
export NCLOUD_SEARCHENGINE_ENDPOINT="$endpoint"
cd "$work/quickstart"
"$terraform" version | head -n 1

step "terraform apply"
"$terraform" apply -auto-approve -input=false

step "terraform state show"
"$terraform" state show ncloud_searchengine_snapshot.quickstart

step "A second plan has nothing to do"
set +e
"$terraform" plan -detailed-exitcode -input=false >"$work/plan.txt" 2>&1
plan_code=$?
set -e
if [ "$plan_code" -ne 0 ]; then
  cat "$work/plan.txt"
  echo "error: the second plan was not empty (exit code $plan_code)" >&2
  exit 1
fi
grep -E "No changes" "$work/plan.txt" || true

step "What the emulator saw"
curl -fsS "$endpoint/__emulator/state" | python3 -c '
import json, sys
state = json.load(sys.stdin)
for number, cluster in state["clusters"].items():
    for name, snapshot in cluster["snapshots"].items():
        print("cluster %s (%s): snapshot %s in bucket %s" % (number, cluster["name"], name, snapshot["bucket"]))
print("API requests by call:", json.dumps(state["counters"]["requests_by_endpoint"], sort_keys=True))
'

step "terraform destroy"
"$terraform" destroy -auto-approve -input=false

step "Done: the snapshot was created, recorded, planned clean and forgotten again"
