#!/usr/bin/env bash
# npm run demo: pachsvc's main job on the local control plane, for a new user's first minute.
# Brings the local Kubernetes control plane up (building it the first time), creates every example
# service and waits for it, lists them, shows one, and says how to reach them and how to tear down.
set -euo pipefail
cd "$(dirname "$0")/.."

# Headings in bold only on a terminal, and never with NO_COLOR (https://no-color.org) or TERM=dumb: the
# demo's output piped or saved to a file is plain text, as pachsvc's own.
if [[ -t 1 && -z "${NO_COLOR:-}" && "${TERM:-}" != dumb ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
run() { printf '$ %s\n' "$*"; "$@"; }

[[ -f dist/pachsvc.js ]] || { say "Building pachsvc"; npm run -s build; }

say "Starting the local control plane (the first run builds it from Go modules and takes a while)"
bash test/cluster/up.sh
export KUBECONFIG="${PACHSVC_CLUSTER_DIR:-$PWD/.cluster}/kubeconfig"

say "Creating the example services"
for spec in examples/*.json examples/*.yaml; do
  # --no-pin: there is no pachd here to resolve branches against; each pod would resolve them itself.
  run bin/pachsvc apply -f "$spec" --no-pin --wait --timeout 2m
done

say "Listing them"
run bin/pachsvc list -o wide

say "One of them in detail"
run bin/pachsvc inspect jupyter

say "What next"
cat <<NEXT
The services run on a fake node (kwok): Kubernetes schedules them and reports them Running, but no
container really starts here. On a real cluster with Pachyderm the same commands run them for real:
the Jupyter notebook answers at http://<any node>:30888 (its NodePort), and inside the cluster at
http://jupyter.default.svc.cluster.local:8888.

Try:
  export KUBECONFIG=$KUBECONFIG
  bin/pachsvc list
  bin/pachsvc inspect image-files
  bin/pachsvc render -f examples/notebook-cross.json     # the objects, without a cluster
  bin/pachsvc delete --all --wait

Tear the control plane down when you are done:
  npm run cluster:down
NEXT
