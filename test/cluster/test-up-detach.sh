#!/usr/bin/env bash
# Regression test for up.sh/down.sh process hygiene (needs the cached binaries;
# builds them first if missing, like up.sh):
#
#   bash test/cluster/test-up-detach.sh
#
# 1. `bash test/cluster/up.sh 2>&1 | cat` and `npm run cluster:up 2>&1 | tail`
#    must return as soon as up.sh is done. They used to hang for ever: the
#    daemons inherited up.sh's fd 3 (a dup of its stderr, i.e. the pipe) and
#    kept the pipe's write end open, so cat/tail never saw EOF.
# 2. Every daemon has stdin /dev/null, stdout+stderr its own log file and no
#    pipe or terminal among its descriptors.
# 3. A second up.sh on a running cluster (the "already up" path) returns too.
# 4. down.sh leaves no process behind: every recorded PID is gone from /proc
#    (not even a zombie), and no process runs a control-plane binary with this
#    test's state dir in its command line.
#
# It uses its own state dir (PACHSVC_CLUSTER_DIR in a temp dir) and free ports,
# so a cluster already running from .cluster/ is not touched.
# Environment: PACHSVC_DETACH_TEST_TIMEOUT (seconds per up.sh, default 150).
set -uo pipefail
{
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=lib.sh
source test/cluster/lib.sh

LIMIT="${PACHSVC_DETACH_TEST_TIMEOUT:-150}"
TMP="$(mktemp -d)"
export PACHSVC_CLUSTER_DIR="$TMP/cluster"
FAILS=0
say() { printf '[detach-test] %s\n' "$*" >&2; }
ok() { say "ok: $*"; }
bad() { say "FAIL: $*"; FAILS=$((FAILS + 1)); }
cleanup() {
  [[ -d $PACHSVC_CLUSTER_DIR ]] && PACHSVC_CLUSTER_GRACE=3 bash test/cluster/down.sh >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! cp_cache_complete; then
  say "binaries not cached; building them first (test/cluster/build.sh)"
  bash test/cluster/build.sh || exit 1
fi
BIN="$(cp_bin_dir)"

# run_piped NAME COMMAND : runs COMMAND (a shell string, its output piped into
# a reader) under `timeout`; fails if the whole pipeline does not return.
run_piped() {
  local name="$1" cmd="$2" t0 rc
  t0=$SECONDS
  timeout -k 5 "$LIMIT" bash -c "$cmd" >"$TMP/$name.out" 2>&1
  rc=$?
  if ((rc == 124 || rc == 137)); then
    bad "'$cmd' did not return within ${LIMIT}s (a daemon still holds the pipe?)"
    return 1
  fi
  ((rc == 0)) || { bad "'$cmd' exited $rc: $(tail -n 20 "$TMP/$name.out")"; return 1; }
  ok "'$cmd' returned in $((SECONDS - t0))s"
}

check_daemons() {
  local f pid name fd target bad_fds
  for f in "$PACHSVC_CLUSTER_DIR"/pids/*.pid; do
    pid="$(cat "$f")"; name="$(basename "$f" .pid)"
    cp_pid_alive "$pid" || { bad "$name (pid $pid) is not running"; continue; }
    bad_fds=()
    for fd in /proc/"$pid"/fd/*; do
      target="$(readlink "$fd" 2>/dev/null)" || continue
      case "${fd##*/}" in
        0) [[ $target == /dev/null ]] || bad_fds+=("0->$target") ;;
        1 | 2) [[ $target == "$PACHSVC_CLUSTER_DIR/logs/$name.log" ]] || bad_fds+=("${fd##*/}->$target") ;;
        *) [[ $target == pipe:* || $target == /dev/pts/* || $target == /dev/tty* ]] && bad_fds+=("${fd##*/}->$target") ;;
      esac
    done
    if ((${#bad_fds[@]})); then bad "$name (pid $pid) has inherited descriptors: ${bad_fds[*]}"; else ok "$name: 0=/dev/null, 1,2=logs/$name.log, no pipe/tty"; fi
  done
}

# Leftovers: recorded PIDs still in /proc, or any process running one of our
# binaries with this test's state dir in its command line.
check_gone() {
  local pid left=() p exe
  for pid in "$@"; do [[ -e /proc/$pid ]] && left+=("$pid"); done
  for p in /proc/[0-9]*; do
    exe="$(readlink "$p/exe" 2>/dev/null)" || continue
    [[ $exe == "$BIN"/* ]] || continue
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$PACHSVC_CLUSTER_DIR" && left+=("${p#/proc/}")
  done
  if ((${#left[@]})); then
    bad "processes left after down.sh: $(for pid in "${left[@]}"; do ps -o pid=,stat=,args= -p "$pid" | cut -c1-120; done)"
  else
    ok "down.sh left no process (checked $# recorded PIDs and every process running $BIN/*)"
  fi
  [[ -d $PACHSVC_CLUSTER_DIR ]] && bad "down.sh left $PACHSVC_CLUSTER_DIR" || true
}

pids_now() { cat "$PACHSVC_CLUSTER_DIR"/pids/*.pid 2>/dev/null; }

for variant in bash npm; do
  say "--- $variant: start, check, stop"
  if [[ $variant == bash ]]; then
    run_piped up-bash 'bash test/cluster/up.sh 2>&1 | cat' &&
      { grep -q 'Local Kubernetes control plane is up (started' "$TMP/up-bash.out" || bad "up.sh output lacks the summary"; }
  else
    run_piped up-npm 'npm run --silent cluster:up 2>&1 | tail -n 3' &&
      { grep -q 'npm run cluster:down' "$TMP/up-npm.out" || bad "npm run cluster:up | tail lacks the summary's last lines: $(cat "$TMP/up-npm.out")"; }
  fi
  if [[ ! -f $PACHSVC_CLUSTER_DIR/cluster.env ]]; then bad "no cluster started"; continue; fi
  check_daemons
  run_piped again "bash test/cluster/up.sh 2>&1 | cat" && {
    grep -q 'already running' "$TMP/again.out" || bad "second up.sh did not take the 'already up' path"
  }
  mapfile -t PIDS < <(pids_now)
  run_piped down 'bash test/cluster/down.sh 2>&1 | cat'
  check_gone "${PIDS[@]}"
done

if ((FAILS)); then say "$FAILS check(s) failed"; exit 1; fi
say "all checks passed"
exit 0
}
