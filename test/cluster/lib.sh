# shellcheck shell=bash
# Shared helpers for test/cluster/{build,up,down}.sh and test/e2e/run.sh.
# Source it; it defines variables and functions only (no side effects besides
# reading versions.env).

CLUSTER_SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_SRC_DIR/../.." && pwd)"

# shellcheck source=versions.env
source "$CLUSTER_SRC_DIR/versions.env"
: "${KUBERNETES_VERSION:?versions.env must set KUBERNETES_VERSION}"
: "${ETCD_VERSION:?versions.env must set ETCD_VERSION}"
: "${KWOK_VERSION:?versions.env must set KWOK_VERSION}"

# Bump when the build recipe (flags, stage list, binary set) changes in a way
# that must invalidate existing caches.
CP_RECIPE_REV=1

CP_BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

# State dir of the running local cluster (ignored by git).
CP_STATE_DIR="${PACHSVC_CLUSTER_DIR:-$REPO_ROOT/.cluster}"

cp_log() { printf '[cluster] %s\n' "$*" >&2; }
cp_die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

cp_sha256() { sha256sum | cut -c1-"${1:-64}"; }

# Root of all control-plane caches: $PACHSVC_CACHE_DIR/control-plane, default
# ~/.cache/pachsvc/control-plane.
cp_cache_root() {
  local base="${PACHSVC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pachsvc}"
  printf '%s/control-plane\n' "$base"
}

# The versions key: readable versions plus a short hash of everything that
# determines the binaries (versions, recipe revision, pinned wrapper modules).
# Deliberately independent of the local Go version so that an existing cache
# can be used without Go installed.
cp_versions_key() {
  local h
  h="$({
    printf 'k8s=%s etcd=%s kwok=%s recipe=%s\n' "$KUBERNETES_VERSION" "$ETCD_VERSION" "$KWOK_VERSION" "$CP_RECIPE_REV"
    local m
    for m in kubernetes etcd kwok; do
      cat "$CLUSTER_SRC_DIR/modules/$m/go.mod" "$CLUSTER_SRC_DIR/modules/$m/go.sum" 2>/dev/null || true
    done
  } | cp_sha256 10)"
  printf 'k8s-%s_etcd-%s_kwok-%s_%s\n' "$KUBERNETES_VERSION" "$ETCD_VERSION" "$KWOK_VERSION" "$h"
}

cp_cache_dir() { printf '%s/%s\n' "$(cp_cache_root)" "$(cp_versions_key)"; }
cp_bin_dir() { printf '%s/bin\n' "$(cp_cache_dir)"; }

# True when the cache for the current versions is complete.
cp_cache_complete() {
  local dir b
  dir="$(cp_cache_dir)"
  [[ -f "$dir/manifest.env" && -f "$dir/stages.yaml" ]] || return 1
  for b in "${CP_BINARIES[@]}"; do [[ -x "$dir/bin/$b" ]] || return 1; done
}

# PID is running and not a zombie (zombies keep /proc entries until reaped).
cp_pid_alive() {
  local st
  [[ -r /proc/$1/stat ]] || return 1
  st="$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

# The restricted user's RBAC, shared by up.sh (certificate user) and
# test/e2e/run.sh (ServiceAccount, on a foreign cluster).
# cp_restricted_rbac NAME NAMESPACE SUBJECT_YAML
# Namespace-scoped rights only: manage Deployments/ReplicaSets; read pods,
# logs, events, services, endpoints, EndpointSlices. Deliberately NOT allowed
# to create/update/patch/delete Services (tests use that to provoke a
# half-failed create and check the rollback). Nothing cluster-wide.
cp_restricted_rbac() {
  cat <<EOF_RBAC
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: $1, namespace: $2}
rules:
- apiGroups: ["apps"]
  resources: ["deployments", "replicasets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods", "pods/log", "events", "services", "endpoints"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: $1, namespace: $2}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: $1}
subjects:
- $3
EOF_RBAC
}
