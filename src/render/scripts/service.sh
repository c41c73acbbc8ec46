# The service container's entry point, used only when the command needs a shell: lines fed on stdin
# (transform.stdin), or a restart when followed inputs change (service.on_new_data: restart). Otherwise
# Kubernetes runs the command itself. The command is "$@"; nothing of it is script text.
# With PACHSVC_SUPERVISE=1 it stays as the parent, restarts the command when a commit file changes
# (as Pachyderm 2.x restarts user code in the same pod) and passes SIGTERM on.
#
# The command's environment is the container's, plus Pachyderm's <input>=/pfs/<input> and
# <input>_COMMIT=<id> (read from /pfs/.pachsvc/<input>/commit) for every input of PACHSVC_INPUTS.
# Some shells (dash, Debian's /bin/sh) leave variables whose names are not shell names (my-data, 1x)
# out of the environment of what they run. So everything is run through `env --`, with those variables
# given again as NAME=VALUE arguments: the inputs' from their names, the others' from PACHSVC_ENV_<n>,
# which render sets to the same value, n counting the lines of PACHSVC_ENV_NAMES from 1.
set -eu
# Input names are words of PACHSVC_INPUTS, never patterns.
set -f
pfs="${PACHSVC_PFS:-/pfs}"
inputs=${PACHSVC_INPUTS-}
has_stdin=${PACHSVC_STDIN+x}
stdin_text=${PACHSVC_STDIN-}
supervise=${PACHSVC_SUPERVISE-}
env_names=${PACHSVC_ENV_NAMES-}
unset PACHSVC_INPUTS PACHSVC_STDIN PACHSVC_SUPERVISE PACHSVC_ENV_NAMES
# kept_name_<n>, kept_value_<n>: unexported copies, so the command's environment has them only by name.
kept=0
while IFS= read -r name; do
  if [ -z "$name" ]; then continue; fi
  kept=$((kept + 1))
  # Only the number is script text here: the name and value stay in variables.
  eval "kept_name_$kept=\$name; kept_value_$kept=\${PACHSVC_ENV_$kept-}"
  unset "PACHSVC_ENV_$kept"
done <<PACHSVC_ENV_NAMES_END
$env_names
PACHSVC_ENV_NAMES_END
log() { printf '%s service: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
commit_of() { cat "$pfs/.pachsvc/$1/commit" 2>/dev/null || true; }
# generation: the commits being served, one line per input; a change means new data.
generation() { for i in $inputs; do commit_of "$i"; done; }
# start exec|background CMD...: runs the command with the environment above and the stdin lines fed to it.
start() {
  how=$1
  shift
  # A first word with "=" would be one more assignment to env: a shell runs it instead, as a command.
  case ${1-} in *=*) set -- /bin/sh -c 'exec "$@"' pachsvc-exec "$@" ;; *) ;; esac
  n=$kept
  while [ "$n" -gt 0 ]; do
    eval "set -- \"\${kept_name_$n}=\${kept_value_$n}\" \"\$@\""
    n=$((n - 1))
  done
  for i in $inputs; do
    id=$(commit_of "$i")
    if [ -n "$id" ]; then set -- "${i}_COMMIT=$id" "$@"; fi
    set -- "$i=$pfs/$i" "$@"
  done
  if [ "$how" = exec ] && [ -n "$has_stdin" ]; then
    exec env -- "$@" <<PACHSVC_STDIN_END
$stdin_text
PACHSVC_STDIN_END
  elif [ "$how" = exec ]; then
    exec env -- "$@"
  elif [ -n "$has_stdin" ]; then
    env -- "$@" <<PACHSVC_STDIN_END &
$stdin_text
PACHSVC_STDIN_END
  else
    env -- "$@" &
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
