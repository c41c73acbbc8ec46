#!/usr/bin/env bash
# Runs the end-to-end tests against a real Kubernetes API.
#
#   bash test/e2e/run.sh                          # all test/e2e/*.test.ts
#   bash test/e2e/run.sh test/e2e/foo.test.ts     # extra args go to `node --test`
#
# - KUBECONFIG set: the tests run against that cluster. If it has no
#   `pachsvc-restricted` context, one is created with the admin (current)
#   credentials: namespace pachsvc-restricted, a ServiceAccount bound to the
#   same Role the local cluster uses, and a short-lived token, written into a
#   temporary copy of the kubeconfig (the original file is not modified). What
#   was created is deleted afterwards.
# - KUBECONFIG unset: starts the local control plane (test/cluster/up.sh,
#   building it first if needed), runs the tests with
#   KUBECONFIG=.cluster/kubeconfig and PACHSVC_KUBECTL=<built kubectl>, and
#   always stops it again (test/cluster/down.sh), keeping the tests' exit code.
#   Set PACHSVC_E2E_KEEP_CLUSTER=1 to leave it running.
set -uo pipefail
# The whole script is one brace group, so bash parses it completely before
# running it: editing this file while it runs cannot break a running build.
{
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=../cluster/lib.sh
source test/cluster/lib.sh

log() { printf '[e2e] %s\n' "$*" >&2; }

ARGS=("$@")
if ((${#ARGS[@]} == 0)); then
  shopt -s nullglob
  ARGS=(test/e2e/*.test.ts)
  shopt -u nullglob
  ((${#ARGS[@]})) || { log "no test/e2e/*.test.ts files"; exit 1; }
fi

# Children run in the background and are waited for, so that a TERM/INT to
# this script is handled at once (bash defers traps while a foreground child
# runs): the trap stops the child, then the EXIT trap stops the cluster.
CHILD=
run_bg() {
  "$@" &
  CHILD=$!
  local rc=0
  wait "$CHILD" || rc=$?
  CHILD=
  return "$rc"
}
run_tests() { run_bg node --import tsx --test --test-concurrency=1 "${ARGS[@]}"; }
on_signal() {
  [[ -n $CHILD ]] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
  exit "$1"
}

TMP="$(mktemp -d)"
CLEANUP_CMDS=()
cleanup() {
  local c
  for c in "${CLEANUP_CMDS[@]}"; do eval "$c" || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

if [[ -n ${KUBECONFIG:-} ]]; then
  # ------------------------------------------------------- foreign cluster
  if [[ -z ${PACHSVC_KUBECTL:-} ]]; then
    if cp_cache_complete; then
      PACHSVC_KUBECTL="$(cp_bin_dir)/kubectl"
    elif command -v kubectl >/dev/null; then
      PACHSVC_KUBECTL="$(command -v kubectl)"
    else
      log "no kubectl: building the control-plane binaries (test/cluster/build.sh) for theirs"
      bash test/cluster/build.sh || exit 1
      PACHSVC_KUBECTL="$(cp_bin_dir)/kubectl"
    fi
  fi
  export PACHSVC_KUBECTL
  K="$PACHSVC_KUBECTL"
  log "using KUBECONFIG=$KUBECONFIG (context $("$K" config current-context 2>/dev/null || echo '?')), kubectl $K"
  "$K" --request-timeout=15s get --raw /readyz >/dev/null || { log "the cluster in KUBECONFIG is not reachable/ready"; exit 1; }

  RESTRICTED_CTX="${PACHSVC_E2E_RESTRICTED_CONTEXT:-pachsvc-restricted}"
  RESTRICTED_NS="${PACHSVC_E2E_RESTRICTED_NAMESPACE:-pachsvc-restricted}"
  if ! "$K" config get-contexts -o name | grep -qx "$RESTRICTED_CTX"; then
    log "no '$RESTRICTED_CTX' context in KUBECONFIG: creating a restricted ServiceAccount with the admin credentials"
    created_ns=0
    if ! "$K" get namespace "$RESTRICTED_NS" >/dev/null 2>&1; then
      "$K" create namespace "$RESTRICTED_NS" >/dev/null || { log "cannot create namespace $RESTRICTED_NS (need admin rights)"; exit 1; }
      created_ns=1
    fi
    if ((created_ns)); then
      CLEANUP_CMDS+=("\"$K\" delete namespace \"$RESTRICTED_NS\" --wait=false >/dev/null")
    else
      CLEANUP_CMDS+=("\"$K\" -n \"$RESTRICTED_NS\" delete serviceaccount,role,rolebinding pachsvc-e2e-restricted --ignore-not-found >/dev/null")
    fi
    # Same rules as test/cluster/up.sh, bound to a ServiceAccount instead of a
    # client-certificate user (works on any cluster with TokenRequest).
    "$K" apply -f - >/dev/null <<EOF || { log "cannot create the restricted ServiceAccount/Role (need admin rights)"; exit 1; }
apiVersion: v1
kind: ServiceAccount
metadata: {name: pachsvc-e2e-restricted, namespace: $RESTRICTED_NS}
---
$(cp_restricted_rbac pachsvc-e2e-restricted "$RESTRICTED_NS" "{kind: ServiceAccount, name: pachsvc-e2e-restricted, namespace: $RESTRICTED_NS}")
EOF
    TOKEN="$("$K" -n "$RESTRICTED_NS" create token pachsvc-e2e-restricted --duration=2h)" || { log "kubectl create token failed"; exit 1; }
    CLUSTER="$("$K" config view --minify -o jsonpath='{.contexts[0].context.cluster}')"
    "$K" config view --raw --flatten >"$TMP/kubeconfig" || exit 1
    chmod 600 "$TMP/kubeconfig"
    KUBECONFIG="$TMP/kubeconfig" "$K" config set-credentials "$RESTRICTED_CTX" --token="$TOKEN" >/dev/null
    KUBECONFIG="$TMP/kubeconfig" "$K" config set-context "$RESTRICTED_CTX" --cluster="$CLUSTER" --user="$RESTRICTED_CTX" --namespace="$RESTRICTED_NS" >/dev/null
    export KUBECONFIG="$TMP/kubeconfig"
  fi
  rc=0; run_tests || rc=$?
  exit "$rc"
fi

# --------------------------------------------------------- local control plane
# A cluster that is already up and healthy (e.g. `npm run cluster:up` for a
# demo) is used and left running; one started here (including a restart over
# stale state) is always stopped again.
api_pid() { cat "$CP_STATE_DIR/pids/kube-apiserver.pid" 2>/dev/null || true; }
BEFORE="$(api_pid)"
if [[ ${PACHSVC_E2E_KEEP_CLUSTER:-0} != 1 ]]; then
  CLEANUP_CMDS+=('[[ -z $BEFORE || "$(api_pid)" != "$BEFORE" ]] && bash test/cluster/down.sh >&2')
fi
run_bg bash test/cluster/up.sh || { CLEANUP_CMDS=(); exit 1; }  # up.sh already stopped what it started; keep its logs
# shellcheck disable=SC1091
source "$CP_STATE_DIR/cluster.env"
export KUBECONFIG="$KUBECONFIG_PATH" PACHSVC_KUBECTL
rc=0; run_tests || rc=$?
exit "$rc"
exit
}
