#!/usr/bin/env bash
# Builds the local control plane's binaries from Go modules, once per machine:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok
# into $PACHSVC_CACHE_DIR/control-plane/<versions-key>/ (default
# ~/.cache/pachsvc/control-plane/<versions-key>/), plus stages.yaml (kwok's
# default stages) and manifest.env (versions, Go version, build time).
#
# Usage:
#   test/cluster/build.sh            build unless the cache is complete
#   test/cluster/build.sh --force    rebuild even if the cache is complete
#   test/cluster/build.sh --sync     re-derive the wrapper modules under
#                                    test/cluster/modules/ from versions.env and
#                                    upstream (go mod tidy), write them back; no build
#   test/cluster/build.sh --print-dir  print the cache dir for the current versions
#
# The build works on a private copy of the wrapper modules and a temp output
# dir, and renames it into place only when every binary passed a smoke test, so
# an interrupted build never leaves a half-filled cache.
set -euo pipefail
# The whole script is one brace group, so bash parses it completely before
# running it: editing this file while it runs cannot break a running build.
{
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MODE=build
case "${1:-}" in
  "") ;;
  --force) MODE=force ;;
  --sync) MODE=sync ;;
  --print-dir) cp_cache_dir; exit 0 ;;
  -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
  *) cp_die "unknown argument: $1 (see --help)" ;;
esac

if [[ $MODE == build ]] && cp_cache_complete; then
  cp_log "binaries already built: $(cp_bin_dir)"
  exit 0
fi

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null || cp_die "Go is required to build the control plane (Go >= 1.26; none found in PATH)"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS="-buildvcs=false"
GOVERSION="$(go env GOVERSION)"
case "$GOVERSION" in
  go1.2[6-9]*|go1.[3-9]*) ;;
  *) cp_die "Go >= 1.26 required (found $GOVERSION): etcd $ETCD_VERSION and kwok $KWOK_VERSION need go 1.26.0" ;;
esac

K8S_STAGING_VERSION="v0.${KUBERNETES_VERSION#v1.}"   # v1.35.8 -> v0.35.8
MODULES_DIR="$CLUSTER_SRC_DIR/modules"

# ---------------------------------------------------------------------------
# Wrapper modules.
#   kubernetes: requires k8s.io/kubernetes@$KUBERNETES_VERSION and maps every
#     staging module (derived from upstream's go.mod, the `=> ./staging/...`
#     replace lines) to its published tag, because k/k's own go.mod points them
#     at ./staging and `go install pkg@version` refuses modules with replaces.
#   etcd / kwok: plain requirement on the upstream module (dependency replaces
#     are ignored in a wrapper).
# Each is rewritten here from versions.env + upstream; the result must equal
# the committed go.mod, else it is tidied (and, with --sync, written back).
# ---------------------------------------------------------------------------

# upstream_gomod MODULE VERSION -> path of the downloaded go.mod
upstream_gomod() {
  local json
  json="$(cd "$WORK" && go mod download -json "$1@$2")" || cp_die "cannot download $1@$2 from the Go module proxy"
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' <<<"$json"
}

# derive_module NAME MODULE VERSION TOOLPKG...
derive_module() {
  local name="$1" mod="$2" ver="$3"; shift 3
  local dir="$WORK/modules/$name" up goline godebug
  mkdir -p "$dir"
  if [[ -f "$MODULES_DIR/$name/go.mod" ]]; then
    cp "$MODULES_DIR/$name/go.mod" "$dir/go.mod"
    [[ -f "$MODULES_DIR/$name/go.sum" ]] && cp "$MODULES_DIR/$name/go.sum" "$dir/go.sum"
  else
    (cd "$dir" && go mod init "pachsvc.local/control-plane/$name" >/dev/null 2>&1)
  fi
  up="$(upstream_gomod "$mod" "$ver")"
  [[ -f "$up" ]] || cp_die "no go.mod for $mod@$ver"
  goline="$(sed -n 's/^go \([0-9.]*\)[[:space:]]*$/\1/p' "$up")"
  local edits=(-go="$goline" -require="$mod@$ver")
  # Keep upstream's GODEBUG defaults (k/k has `godebug default=go1.25`).
  godebug="$(sed -n 's/^godebug[[:space:]]\{1,\}\([^()[:space:]]*=[^[:space:]]*\)[[:space:]]*$/\1/p' "$up")"
  local d; for d in $godebug; do edits+=(-godebug="$d"); done
  local t; for t in "$@"; do edits+=(-tool="$t"); done
  # Drop every replace we had, then (kubernetes only) re-derive them.
  awk 'BEGIN{skip=0} /^replace[[:space:]]*\($/{skip=1; next} skip&&/^\)/{skip=0; next} skip{next} /^replace[[:space:]]/{next} {print}' \
    "$dir/go.mod" >"$dir/go.mod.tmp" && mv "$dir/go.mod.tmp" "$dir/go.mod"
  if [[ $name == kubernetes ]]; then
    local staging
    staging="$(sed -n 's#^[[:space:]]*\(replace[[:space:]]\{1,\}\)\{0,1\}\(k8s\.io/[^[:space:]]*\)[[:space:]]\{1,\}=>[[:space:]]\{1,\}\./staging/.*#\2#p' "$up")"
    [[ -n "$staging" ]] || cp_die "found no ./staging replaces in $up"
    STAGING_COUNT="$(wc -l <<<"$staging")"
    local s; for s in $staging; do edits+=(-replace="$s=$s@$K8S_STAGING_VERSION"); done
    cp_log "kubernetes wrapper: $STAGING_COUNT staging modules from upstream go.mod -> $K8S_STAGING_VERSION"
  fi
  (cd "$dir" && go mod edit "${edits[@]}")
  if [[ $MODE == sync ]]; then
    (cd "$dir" && go mod tidy) || cp_die "go mod tidy failed for the $name wrapper module"
  elif ! cmp -s "$dir/go.mod" "$MODULES_DIR/$name/go.mod"; then
    cp_log "WARNING: committed test/cluster/modules/$name/go.mod does not match versions.env/upstream;" \
      "tidying a private copy (run 'test/cluster/build.sh --sync' and commit the result)"
    (cd "$dir" && go mod tidy) || cp_die "go mod tidy failed for the $name wrapper module"
  fi
  if [[ $MODE == sync ]]; then
    mkdir -p "$MODULES_DIR/$name"
    cp "$dir/go.mod" "$dir/go.sum" "$MODULES_DIR/$name/"
    cp_log "wrote test/cluster/modules/$name/go.{mod,sum}"
  fi
}

# The CRDs of the kwok kinds up.sh enables with --enable-crds, as committed in
# test/cluster/kwok-crds.yaml (up.sh applies that file, so starting a cluster
# needs no Go). kwok_crds KWOK_MODULE_DIR prints what the file must contain.
KWOK_CRD_PLURALS=(portforwards clusterportforwards logs)
kwok_crds() {
  local p f
  echo "# kwok $KWOK_VERSION CRDs for the kinds up.sh enables with kwok --enable-crds (PortForward,"
  echo "# ClusterPortForward, Logs), copied unchanged from sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/crd/bases/."
  echo "# build.sh checks that they still equal the kwok module's (refresh: build.sh --sync)."
  for p in "${KWOK_CRD_PLURALS[@]}"; do
    f="$1/kustomize/crd/bases/kwok.x-k8s.io_$p.yaml"
    [[ -f $f ]] || cp_die "kwok CRD not found: $f"
    cat "$f"
  done
}

CACHE_ROOT="$(cp_cache_root)"
mkdir -p "$CACHE_ROOT"
WORK="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One build at a time per cache root (another up.sh may be building too).
if [[ $MODE != sync ]]; then
  exec 9>"$CACHE_ROOT/.build.lock"
  if ! flock -n 9; then
    cp_log "another build is running; waiting for it ..."
    flock 9
  fi
  if [[ $MODE == build ]] && cp_cache_complete; then
    cp_log "binaries were built by a concurrent run: $(cp_bin_dir)"
    exit 0
  fi
fi

START=$SECONDS
cp_log "deriving wrapper modules (k8s $KUBERNETES_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, $GOVERSION)"
K8S_CMDS=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
derive_module kubernetes k8s.io/kubernetes "$KUBERNETES_VERSION" "${K8S_CMDS[@]}"
derive_module etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3
derive_module kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
if [[ $MODE == sync ]]; then
  KWOK_DIR="$(cd "$WORK/modules/kwok" && go mod download sigs.k8s.io/kwok && go list -mod=readonly -m -f '{{.Dir}}' sigs.k8s.io/kwok)" \
    || cp_die "cannot download sigs.k8s.io/kwok@$KWOK_VERSION"
  kwok_crds "$KWOK_DIR" >"$CLUSTER_SRC_DIR/kwok-crds.yaml"
  cp_log "wrote test/cluster/kwok-crds.yaml"
  cp_log "wrapper modules synced in $((SECONDS - START))s; commit test/cluster/modules/ and test/cluster/kwok-crds.yaml"
  exit 0
fi

# Downloads are network-bound: fetch all three module graphs in parallel.
cp_log "downloading modules ..."
pids=()
for m in kubernetes etcd kwok; do
  (cd "$WORK/modules/$m" && go mod download -x >"$WORK/download-$m.log" 2>&1) & pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { tail -n 30 "$WORK"/download-*.log >&2; cp_die "go mod download failed"; }
done
cp_log "modules downloaded ($((SECONDS - START))s)"

OUT="$WORK/out"
mkdir -p "$OUT/bin"
BUILD_FLAGS=(-p 2 -mod=readonly -trimpath)

# kwok
t0=$SECONDS
(cd "$WORK/modules/kwok" && go build "${BUILD_FLAGS[@]}" \
  -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=$KUBERNETES_VERSION" \
  -o "$OUT/bin/kwok" sigs.k8s.io/kwok/cmd/kwok)
cp_log "built kwok in $((SECONDS - t0))s"

# etcd (its version is a constant in go.etcd.io/etcd/api/v3/version).
t0=$SECONDS
(cd "$WORK/modules/etcd" && go build "${BUILD_FLAGS[@]}" -ldflags "-s -w" -o "$OUT/bin/etcd" go.etcd.io/etcd/server/v3)
cp_log "built etcd in $((SECONDS - t0))s"

# Kubernetes: the same version ldflags as hack/lib/version.sh, on both
# k8s.io/component-base/version and k8s.io/client-go/pkg/version.
K8S_INFO="$(cd "$WORK" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION")"
GIT_COMMIT="$(sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]\{40\}\)".*/\1/p' <<<"$K8S_INFO" | head -n1)"
minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitCommit=${GIT_COMMIT:-unknown} -X $pkg.gitTreeState=clean"
  ldflags+=" -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done
t0=$SECONDS
# One `go build` for the four commands shares the compile of common packages;
# -p 2 bounds parallel compiles/links (each link of these needs ~1-2 GB).
(cd "$WORK/modules/kubernetes" && go build "${BUILD_FLAGS[@]}" -tags selinux,notest -ldflags "$ldflags" \
  -o "$OUT/bin/" "${K8S_CMDS[@]}")
cp_log "built kube-apiserver, kube-controller-manager, kube-scheduler, kubectl in $((SECONDS - t0))s"

# kwok's default stages, as kwokctl injects them (pkg/kwokctl/runtime/cluster.go).
KWOK_DIR="$(cd "$WORK/modules/kwok" && go list -mod=readonly -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
STAGES=(node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml)
{
  echo "# kwok $KWOK_VERSION default stages, concatenated from sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage/ by test/cluster/build.sh"
  for s in "${STAGES[@]}"; do
    [[ -f "$KWOK_DIR/kustomize/stage/$s" ]] || cp_die "kwok stage not found: $KWOK_DIR/kustomize/stage/$s"
    echo "---"
    echo "# kustomize/stage/$s"
    sed '/^---[[:space:]]*$/d' "$KWOK_DIR/kustomize/stage/$s"
  done
} >"$OUT/stages.yaml"
if ! cmp -s <(kwok_crds "$KWOK_DIR") "$CLUSTER_SRC_DIR/kwok-crds.yaml"; then
  cp_log "WARNING: test/cluster/kwok-crds.yaml differs from kwok $KWOK_VERSION's CRDs;" \
    "run 'test/cluster/build.sh --sync' and commit it"
fi

# Smoke test: every binary runs and reports the pinned version.
check_version() {
  local out
  out="$("$OUT/bin/$1" "${@:3}" 2>&1 | head -n 5)" || true
  grep -qF -- "$2" <<<"$out" || cp_die "$1 does not report version $2: $out"
}
check_version kube-apiserver "$KUBERNETES_VERSION" --version
check_version kube-controller-manager "$KUBERNETES_VERSION" --version
check_version kube-scheduler "$KUBERNETES_VERSION" --version
check_version kubectl "$KUBERNETES_VERSION" version --client
check_version etcd "${ETCD_VERSION#v}" --version
check_version kwok "${KWOK_VERSION}" --version

ELAPSED=$((SECONDS - START))
cat >"$OUT/manifest.env" <<EOF
KUBERNETES_VERSION=$KUBERNETES_VERSION
KUBERNETES_STAGING_VERSION=$K8S_STAGING_VERSION
KUBERNETES_GIT_COMMIT=${GIT_COMMIT:-unknown}
ETCD_VERSION=$ETCD_VERSION
KWOK_VERSION=$KWOK_VERSION
GO_VERSION=$GOVERSION
BUILD_SECONDS=$ELAPSED
BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF

DEST="$(cp_cache_dir)"
rm -rf "$DEST.old"
[[ -e "$DEST" ]] && mv "$DEST" "$DEST.old"
mv "$OUT" "$DEST"
rm -rf "$DEST.old"
cp_log "control plane built in ${ELAPSED}s -> $DEST/bin"
exit
}
