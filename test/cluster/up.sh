#!/usr/bin/env bash
# Starts a real local Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler) plus kwok with one fake Node, as
# plain processes on 127.0.0.1, with state in .cluster/ (repo root).
# Builds the binaries first if the cache is missing (test/cluster/build.sh).
#
#   npm run cluster:up     # or: bash test/cluster/up.sh
#   export KUBECONFIG=$PWD/.cluster/kubeconfig
#   npm run cluster:down
#
# Environment:
#   PACHSVC_CACHE_DIR           cache root (default ~/.cache/pachsvc)
#   PACHSVC_CLUSTER_DIR         state dir (default <repo>/.cluster)
#   PACHSVC_ADVERTISE_ADDRESS   kube-apiserver --advertise-address (default: see pick_advertise_address)
#   PACHSVC_CLUSTER_TIMEOUT     seconds to wait for each readiness step (default 120)
set -euo pipefail
# The whole script is one brace group, so bash parses it completely before
# running it: editing this file while it runs cannot break a running build.
{
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T_START=$SECONDS
TIMEOUT="${PACHSVC_CLUSTER_TIMEOUT:-120}"
S="$CP_STATE_DIR"
NODE_NAME=kwok-node-0
RESTRICTED_NS=pachsvc-restricted
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
POD_CIDR=10.244.0.0/16
# kwok kinds tests create at run time (the CRDs are in kwok-crds.yaml).
KWOK_CRDS=PortForward,ClusterPortForward,Logs

# ---------------------------------------------------------------- helpers
# fd 3 = the script's stderr, so failure reports are seen even when fail()
# runs (as a trap) inside a command whose output is redirected.
exec 3>&2
dump_logs() {
  local f
  for f in "$S"/logs/*.log; do
    [[ -f $f ]] || continue
    printf '\n----- %s (last 40 lines) -----\n' "${f#"$REPO_ROOT"/}" >&3
    tail -n 40 "$f" >&3
  done
}

fail() {
  trap '' INT TERM
  printf '[cluster] ERROR: %s\n' "$*" >&3
  dump_logs
  printf '\n[cluster] start-up failed; stopping what was started (logs kept in %s/logs)\n' "$S" >&3
  PACHSVC_CLUSTER_GRACE="${PACHSVC_CLUSTER_GRACE:-3}" bash "$CLUSTER_SRC_DIR/down.sh" --keep-logs >&3 2>&3 || true
  exit 1
}

# wait_for DESCRIPTION COMMAND... : poll every 0.2 s until COMMAND succeeds.
wait_for() {
  local what="$1"; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    local c
    for c in "$S"/pids/*.pid; do
      [[ -f $c ]] || continue
      cp_pid_alive "$(cat "$c")" || fail "$(basename "$c" .pid) exited while waiting for $what"
    done
    ((SECONDS < deadline)) || fail "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.2
  done
}

# A kube-apiserver must advertise a non-loopback address (the `kubernetes`
# Service's endpoint; it needs not be reachable for these tests). Order:
# $PACHSVC_ADVERTISE_ADDRESS, the IPv4 of the default-route interface, any
# global-scope IPv4, `hostname -I`, and finally an RFC 5737 documentation
# address (never routed) when the host has no IPv4 besides loopback.
pick_advertise_address() {
  local a dev
  if [[ -n ${PACHSVC_ADVERTISE_ADDRESS:-} ]]; then echo "$PACHSVC_ADVERTISE_ADDRESS"; return; fi
  if command -v ip >/dev/null; then
    dev="$(ip -4 route show default 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n1)"
    if [[ -n $dev ]]; then
      a="$(ip -4 -o addr show dev "$dev" scope global 2>/dev/null | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n1)"
      [[ -n $a ]] && { echo "$a"; return; }
    fi
    a="$(ip -4 -o addr show scope global 2>/dev/null | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n1)"
    [[ -n $a ]] && { echo "$a"; return; }
  fi
  for a in $(hostname -I 2>/dev/null); do
    [[ $a =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ && $a != 127.* ]] && { echo "$a"; return; }
  done
  echo 192.0.2.10
}

# N distinct free TCP ports on 127.0.0.1 (all held open at once, then released).
free_ports() {
  node -e '
    const net = require("net");
    const n = Number(process.argv[1]); const servers = [];
    const next = () => {
      if (servers.length === n) {
        console.log(servers.map((s) => s.address().port).join(" "));
        servers.forEach((s) => s.close()); return;
      }
      const s = net.createServer(); s.listen(0, "127.0.0.1", () => { servers.push(s); next(); });
    };
    next();' "$1"
}

curl_admin() {
  curl -fsS --max-time 5 --cacert "$S/pki/ca.crt" --cert "$S/pki/admin.crt" --key "$S/pki/admin.key" "$@"
}

kc() { "$BIN/kubectl" --kubeconfig "$S/kubeconfig" --context pachsvc-admin --request-timeout=10s "$@"; }

summary() {
  local elapsed=$((SECONDS - T_START))
  # shellcheck disable=SC1091
  source "$S/cluster.env"
  cat <<EOF

Local Kubernetes control plane is up ($1 in ${elapsed}s).
  API server:   $API_URL  (kube-apiserver $KUBERNETES_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)
  Node:         $NODE_NAME (kwok, fake; pods become Running/Ready without containers)
  Kubeconfig:   $KUBECONFIG_PATH
                contexts: pachsvc-admin (current, system:masters),
                          pachsvc-restricted (Role in namespace $RESTRICTED_NS only)
  kubectl:      $PACHSVC_KUBECTL
  Logs / PIDs:  ${S#"$REPO_ROOT"/}/logs/  ${S#"$REPO_ROOT"/}/pids/

  export KUBECONFIG=$KUBECONFIG_PATH
  $PACHSVC_KUBECTL get nodes
  bin/pachsvc ...                      # uses \$KUBECONFIG
  npm run cluster:down                 # stop it and remove ${S#"$REPO_ROOT"/}/
EOF
}

# --------------------------------------------------- already up / stale state
if [[ -d $S ]]; then
  all_alive=1
  for n in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    if [[ ! -f $S/pids/$n.pid ]] || ! cp_pid_alive "$(cat "$S/pids/$n.pid")"; then all_alive=0; fi
  done
  if ((all_alive)) && [[ -f $S/cluster.env && -f $S/kubeconfig ]]; then
    # shellcheck disable=SC1091
    source "$S/cluster.env"
    if curl_admin "$API_URL/readyz" >/dev/null 2>&1; then
      cp_log "already up: $API_URL (state in $S)"
      summary "already running"
      exit 0
    fi
  fi
  cp_log "found stale state in $S (not all components running/ready); cleaning up"
  PACHSVC_CLUSTER_GRACE="${PACHSVC_CLUSTER_GRACE:-3}" bash "$CLUSTER_SRC_DIR/down.sh" >&2
fi

# ------------------------------------------------------------------ binaries
if ! cp_cache_complete; then
  cp_log "control-plane binaries not cached yet; building (takes long the first time) ..."
  bash "$CLUSTER_SRC_DIR/build.sh"
fi
CACHE="$(cp_cache_dir)"
BIN="$CACHE/bin"

mkdir -p "$S"/{logs,pids,pki,etc,etcd-data,kwok-home}
# Interrupted start-up: stop what was started (logs kept), don't leave strays.
trap 'fail "interrupted"' INT TERM
chmod 700 "$S/pki" "$S/etcd-data"

# --------------------------------------------------------------------- ports
read -r ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT SCHED_PORT KWOK_PORT <<<"$(free_ports 6)"
ADVERTISE="$(pick_advertise_address)"
API_URL="https://127.0.0.1:$API_PORT"

# ----------------------------------------------------------------------- PKI
# ECDSA P-256 keys throughout (fast to generate; accepted for serving, client
# and service-account signing).
P="$S/pki"
genkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# make_ca NAME CN
make_ca() {
  genkey "$P/$1.key"
  openssl req -x509 -new -key "$P/$1.key" -subj "/CN=$2" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$P/$1.crt" 2>/dev/null
}
# sign NAME SUBJECT EXTENSIONS [CA]
sign() {
  local ca="${4:-ca}"
  genkey "$P/$1.key"
  openssl req -new -key "$P/$1.key" -subj "$2" -out "$P/$1.csr" 2>/dev/null
  printf '%s\n' "$3" >"$P/$1.ext"
  openssl x509 -req -in "$P/$1.csr" -CA "$P/$ca.crt" -CAkey "$P/$ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$P/$1.ext" -out "$P/$1.crt" 2>/dev/null
  rm -f "$P/$1.csr" "$P/$1.ext"
}
{
  make_ca ca pachsvc-local-ca
  # Aggregation-layer (front proxy) CA, as kubeadm sets it up; without it KCM
  # and the scheduler log "missing content for CA bundle" errors endlessly.
  make_ca front-proxy-ca pachsvc-local-front-proxy-ca
  client_ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  sign apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$SERVICE_IP,IP:$ADVERTISE"
  sign admin "/O=system:masters/CN=pachsvc-admin" "$client_ext"
  sign restricted "/CN=pachsvc-restricted" "$client_ext"
  sign controller-manager "/CN=system:kube-controller-manager" "$client_ext"
  sign scheduler "/CN=system:kube-scheduler" "$client_ext"
  sign kwok "/O=system:masters/CN=kwok-controller" "$client_ext"
  sign apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" "$client_ext"
  sign front-proxy-client "/CN=front-proxy-client" "$client_ext" front-proxy-ca
  # kwok's "kubelet" server (pod logs), reached by the apiserver at the node's InternalIP.
  sign kwok-serving "/CN=$NODE_NAME" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:$NODE_NAME,DNS:localhost,IP:127.0.0.1"
  genkey "$P/sa.key"
  openssl pkey -in "$P/sa.key" -pubout -out "$P/sa.pub" 2>/dev/null
} || fail "creating certificates with openssl failed"

# kubeconfigs (certificates embedded: each file is self-contained)
# write_kubeconfig FILE USER CERTNAME [CONTEXT [NAMESPACE]]
write_kubeconfig() {
  local f="$1" user="$2" cert="$3" ctx="${4:-$2}" ns="${5:-}"
  local k=("$BIN/kubectl" --kubeconfig "$f")
  "${k[@]}" config set-cluster pachsvc-local --server="$API_URL" --certificate-authority="$P/ca.crt" --embed-certs=true >/dev/null
  "${k[@]}" config set-credentials "$user" --client-certificate="$P/$cert.crt" --client-key="$P/$cert.key" --embed-certs=true >/dev/null
  "${k[@]}" config set-context "$ctx" --cluster=pachsvc-local --user="$user" ${ns:+--namespace="$ns"} >/dev/null
  "${k[@]}" config use-context "$ctx" >/dev/null
}
write_kubeconfig "$S/etc/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
write_kubeconfig "$S/etc/scheduler.kubeconfig" system:kube-scheduler scheduler
write_kubeconfig "$S/etc/kwok.kubeconfig" kwok-controller kwok
write_kubeconfig "$S/kubeconfig" pachsvc-restricted restricted pachsvc-restricted "$RESTRICTED_NS"
write_kubeconfig "$S/kubeconfig" pachsvc-admin admin pachsvc-admin
chmod 600 "$S"/kubeconfig "$S"/etc/*.kubeconfig

cat >"$S/cluster.env" <<EOF
# Written by test/cluster/up.sh; read by down.sh, run.sh and tests.
API_URL=$API_URL
KUBECONFIG_PATH=$S/kubeconfig
PACHSVC_KUBECTL=$BIN/kubectl
BIN_DIR=$BIN
ADVERTISE_ADDRESS=$ADVERTISE
ETCD_PORT=$ETCD_PORT
API_PORT=$API_PORT
KCM_PORT=$KCM_PORT
SCHED_PORT=$SCHED_PORT
KWOK_PORT=$KWOK_PORT
NODE_NAME=$NODE_NAME
RESTRICTED_NAMESPACE=$RESTRICTED_NS
KUBERNETES_VERSION=$KUBERNETES_VERSION
ETCD_VERSION=$ETCD_VERSION
KWOK_VERSION=$KWOK_VERSION
KWOK_CRDS=$KWOK_CRDS
KWOK_DEFAULT_LOG=$S/etc/fake-container.log
EOF

# ----------------------------------------------------------------- processes
# start NAME ARGS... : runs $BIN/NAME detached (own session), stdin from
# /dev/null, stdout+stderr to logs/NAME.log, and records its PID in
# pids/NAME.pid. It inherits no other descriptor: every fd above 2 is closed
# first (fd 3 is this script's stderr, and a caller such as
# `npm run cluster:up 2>&1 | tail` may pass more). A daemon holding a copy of
# a pipe's write end would keep the reader (tail, cat, CI log capture) waiting
# for EOF long after this script has exited.
start() {
  local name="$1"; shift
  local envs=()
  [[ $name == kwok ]] && envs=(HOME="$S/kwok-home")
  (
    fds=()
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)) && fds+=("$fd")
    done
    # (one may be the already closed fd of the glob's directory listing: harmless)
    for fd in "${fds[@]}"; do eval "exec $fd>&-"; done
    exec env "${envs[@]}" setsid "$BIN/$name" "$@" </dev/null >"$S/logs/$name.log" 2>&1
  ) &
  echo $! >"$S/pids/$name.pid"
}

start etcd \
  --name=node0 --data-dir="$S/etcd-data" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="node0=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state=new \
  --auto-compaction-mode=periodic --auto-compaction-retention=1h \
  --unsafe-no-fsync=true --log-level=warn
wait_for "etcd /health" sh -c "curl -fsS --max-time 2 http://127.0.0.1:$ETCD_PORT/health | grep -q '\"health\":\"true\"'"

start kube-apiserver \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address="$ADVERTISE" \
  --cert-dir="$S/pki" --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
  --client-ca-file="$P/ca.crt" \
  --authorization-mode=Node,RBAC --anonymous-auth=true \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" --service-node-port-range=30000-32767 \
  --kubelet-preferred-address-types=InternalIP --kubelet-certificate-authority="$P/ca.crt" \
  --kubelet-client-certificate="$P/apiserver-kubelet-client.crt" --kubelet-client-key="$P/apiserver-kubelet-client.key" \
  --requestheader-client-ca-file="$P/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$P/front-proxy-client.crt" --proxy-client-key-file="$P/front-proxy-client.key" \
  --allow-privileged=true --profiling=false
wait_for "kube-apiserver /readyz" curl_admin "$API_URL/readyz"

start kube-controller-manager \
  --kubeconfig="$S/etc/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$S/etc/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$S/etc/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$S/pki" \
  --leader-elect=false --use-service-account-credentials=true \
  --root-ca-file="$P/ca.crt" --service-account-private-key-file="$P/sa.key" \
  --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false \
  --kube-api-qps=100 --kube-api-burst=200

start kube-scheduler \
  --kubeconfig="$S/etc/scheduler.kubeconfig" \
  --authentication-kubeconfig="$S/etc/scheduler.kubeconfig" \
  --authorization-kubeconfig="$S/etc/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false --profiling=false

# kwok's kubelet-like server (127.0.0.1:$KWOK_PORT, TLS) serves pods/log and
# pods/portforward for the fake pods, from configuration:
# - Default for every container (static, from --config): ClusterLogs
#   fake-container-logs, one fixed file in the CRI log format
#   ("<RFC3339Nano> stdout F <line>"); kwok rejects plain text.
# - Chosen by tests at run time (--enable-crds: kwok watches these objects):
#   PortForward (one pod; object name = pod name), ClusterPortForward (selector:
#   namespaces and/or pod names) and Logs (one pod; object name = pod name;
#   overrides the default for that pod). ClusterLogs stays static: with the
#   catch-all and a test's ClusterLogs both matching a pod, kwok would pick
#   either at random. test/e2e/helpers/kwok.ts creates these objects.
printf '%s stdout F kwok: fake container log (no container runs on the fake node %s)\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" "$NODE_NAME" >"$S/etc/fake-container.log"
cat >"$S/etc/kwok-logs.yaml" <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: fake-container-logs
spec:
  logs:
  - logsFile: $S/etc/fake-container.log
    previousLogsFile: $S/etc/fake-container.log
EOF
kc apply --server-side -f "$CLUSTER_SRC_DIR/kwok-crds.yaml" >"$S/logs/kwok-crds.log" 2>&1 \
  || fail "applying kwok's CRDs failed: $(cat "$S/logs/kwok-crds.log")"
wait_for "kwok CRDs established" kc wait --for=condition=Established --timeout=5s \
  crd/portforwards.kwok.x-k8s.io crd/clusterportforwards.kwok.x-k8s.io crd/logs.kwok.x-k8s.io
start kwok \
  --kubeconfig="$S/etc/kwok.kubeconfig" --config="$CACHE/stages.yaml" --config="$S/etc/kwok-logs.yaml" \
  --enable-crds="$KWOK_CRDS" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-lease-duration-seconds=40 --cidr="$POD_CIDR" \
  --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
  --tls-cert-file="$P/kwok-serving.crt" --tls-private-key-file="$P/kwok-serving.key"

# ------------------------------------------------------- cluster objects
kc apply -f - >"$S/logs/apply.log" 2>&1 <<EOF || fail "applying the fake Node / restricted RBAC failed: $(cat "$S/logs/apply.log")"
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $NODE_NAME
    type: kwok
spec: {}
status:
  allocatable: {cpu: "32", memory: 256Gi, ephemeral-storage: 1Ti, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, ephemeral-storage: 1Ti, pods: "110"}
---
apiVersion: v1
kind: Namespace
metadata:
  name: $RESTRICTED_NS
---
$(cp_restricted_rbac pachsvc-restricted "$RESTRICTED_NS" "{apiGroup: rbac.authorization.k8s.io, kind: User, name: pachsvc-restricted}")
EOF

node_ready() {
  local out
  out="$(kc get node "$NODE_NAME" -o jsonpath='{range .status.conditions[?(@.type=="Ready")]}{.status}{end}|{.spec.taints}')"
  [[ $out == "True|" ]]
}
wait_for "kube-controller-manager /healthz" curl -fsSk --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
wait_for "kube-scheduler /healthz" curl -fsSk --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"
wait_for "node $NODE_NAME Ready and untainted" node_ready
wait_for "ServiceAccount default/default" kc -n default get serviceaccount default
wait_for "ServiceAccount $RESTRICTED_NS/default" kc -n "$RESTRICTED_NS" get serviceaccount default

summary "started"
exit
}
