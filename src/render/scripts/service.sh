# The service container's entry point, used when the command needs more than Kubernetes gives: lines on
# stdin (transform.stdin), <input>_COMMIT for inputs resolved in the pod, or a restart when followed
# inputs change (service.on_new_data: restart). The command is "$@"; nothing of it is script text.
# With PACHSVC_SUPERVISE=1 it stays as the parent, restarts the command when a commit file changes
# (as Pachyderm 2.x restarts user code in the same pod) and passes SIGTERM on.
set -eu
pfs="${PACHSVC_PFS:-/pfs}"
inputs=${PACHSVC_INPUTS-}
has_stdin=${PACHSVC_STDIN+x}
stdin_text=${PACHSVC_STDIN-}
supervise=${PACHSVC_SUPERVISE-}
unset PACHSVC_INPUTS PACHSVC_STDIN PACHSVC_SUPERVISE
log() { printf '%s service: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
# generation: the commits being served, one line per input; a change means new data.
generation() { for i in $inputs; do cut -d' ' -f1 "$pfs/.pachsvc/$i/commit" 2>/dev/null || true; done; }
# start exec|background CMD...: runs the command with <input>_COMMIT set and the stdin lines fed to it.
start() {
  how=$1
  shift
  for i in $inputs; do
    id=$(cut -d' ' -f1 "$pfs/.pachsvc/$i/commit" 2>/dev/null || true)
    if [ -n "$id" ]; then set -- "${i}_COMMIT=$id" "$@"; fi
  done
  if [ "$how" = exec ] && [ -n "$has_stdin" ]; then
    exec env "$@" <<PACHSVC_STDIN_END
$stdin_text
PACHSVC_STDIN_END
  elif [ "$how" = exec ]; then
    exec env "$@"
  elif [ -n "$has_stdin" ]; then
    env "$@" <<PACHSVC_STDIN_END &
$stdin_text
PACHSVC_STDIN_END
  else
    env "$@" &
  fi
  child=$!
}
# watch SEEN: returns once the data served differs from SEEN, after stopping the command; or, without
# waiting to be killed (a TERM sent right as it starts can be lost), once the command has ended.
watch() {
  while [ "$(generation)" = "$1" ]; do
    kill -0 "$child" 2>/dev/null || return 0
    sleep "${PACHSVC_POLL_SECONDS:-1}"
  done
  log "new data; restarting the command"
  kill -TERM "$child" 2>/dev/null || true
  n=0
  while kill -0 "$child" 2>/dev/null && [ "$n" -lt "${PACHSVC_STOP_SECONDS:-30}" ]; do sleep 1; n=$((n + 1)); done
  kill -KILL "$child" 2>/dev/null || true
}
if [ -z "$supervise" ]; then start exec "$@"; fi
child=
watcher=
trap 'kill -TERM $watcher $child 2>/dev/null; wait $child 2>/dev/null; exit 143' TERM INT
while :; do
  seen=$(generation)
  start background "$@"
  watch "$seen" &
  watcher=$!
  status=0
  wait "$child" || status=$?
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  # New data (the watcher stopped the command for it): run the command again, on it. Asking the watcher
  # instead would race: it may still be making sure the command is gone when it is killed above.
  if [ "$(generation)" != "$seen" ]; then continue; fi
  log "command exited with status $status"
  exit "$status"
done
