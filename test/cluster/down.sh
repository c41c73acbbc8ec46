#!/usr/bin/env bash
# Stops the local control plane started by test/cluster/up.sh: exactly the
# processes recorded in .cluster/pids/ (SIGTERM, then SIGKILL after a grace
# period), then removes the state dir.
#
#   npm run cluster:down          # or: bash test/cluster/down.sh
#   bash test/cluster/down.sh --keep-logs   # keep .cluster/logs/ (used by up.sh on failure)
#
# Environment: PACHSVC_CLUSTER_DIR (state dir, default <repo>/.cluster),
#              PACHSVC_CLUSTER_GRACE (seconds before SIGKILL, default 10)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEEP_LOGS=0
[[ ${1:-} == --keep-logs ]] && KEEP_LOGS=1
S="$CP_STATE_DIR"
GRACE="${PACHSVC_CLUSTER_GRACE:-10}"
T_START=$SECONDS

case "$S" in
  "" | / | "$HOME" | "$REPO_ROOT") cp_die "refusing to use state dir '$S'" ;;
esac

if [[ ! -d $S ]]; then
  cp_log "not running (no $S)"
  exit 0
fi

# Only signal a PID if it still runs the binary we started under that name
# (guards against PID reuse after a crash or reboot).
ours() {
  local pid="$1" name="$2" exe
  cp_pid_alive "$pid" || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  exe="${exe% (deleted)}"
  [[ ${exe##*/} == "$name" ]]
}

# stop_group NAME... : SIGTERM each of ours, wait up to $GRACE s, then SIGKILL.
STOPPED=0
ALL_PIDS=()
stop_group() {
  local name f pid t targets=() left
  for name in "$@"; do
    f="$S/pids/$name.pid"
    [[ -f $f ]] || continue
    pid="$(cat "$f")"
    if [[ $pid =~ ^[0-9]+$ ]] && ours "$pid" "$name"; then
      kill -TERM "$pid" 2>/dev/null || true
      targets+=("$pid:$name")
    fi
  done
  ((${#targets[@]})) || return 0
  STOPPED=$((STOPPED + ${#targets[@]}))
  local deadline=$((SECONDS + GRACE)) killed=0
  while :; do
    left=()
    for t in "${targets[@]}"; do if cp_pid_alive "${t%%:*}"; then left+=("$t"); fi; done
    ((${#left[@]})) || break
    if ((!killed && SECONDS >= deadline)); then
      for t in "${left[@]}"; do
        cp_log "${t#*:} (pid ${t%%:*}) still running ${GRACE}s after SIGTERM; sending SIGKILL"
        kill -KILL "${t%%:*}" 2>/dev/null || true
      done
      killed=1
    fi
    ((SECONDS < deadline + 10)) || { cp_log "WARNING: could not stop ${left[*]}"; break; }
    sleep 0.1
  done
  ALL_PIDS+=("${targets[@]%%:*}")
}
# Reverse start order: API clients first (their open watches would otherwise
# hold the apiserver's graceful shutdown for up to a minute), etcd last.
stop_group kwok kube-scheduler kube-controller-manager
stop_group kube-apiserver
stop_group etcd
# Dead processes are reaped by their parent (init, once up.sh has exited);
# wait briefly so that not even a zombie of ours is left in the process table.
for _ in $(seq 1 50); do
  left=0
  for pid in "${ALL_PIDS[@]}"; do [[ -e /proc/$pid ]] && left=1; done
  ((left)) || break
  sleep 0.1
done

if ((KEEP_LOGS)); then
  find "$S" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
else
  rm -rf "$S"
fi
cp_log "stopped $STOPPED process(es) in $((SECONDS - T_START))s; removed ${S#"$REPO_ROOT"/}$( ((KEEP_LOGS)) && echo ' (logs kept)')"
