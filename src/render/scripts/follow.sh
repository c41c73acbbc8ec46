# Follow sidecar: keeps one input on the newest finished commit of its branch. `pachctl subscribe commit
# --new` wakes it for each new commit; it then checks out the branch head beside the current tree and
# swaps it in. On any failure it keeps serving what it has and retries with back-off. Every tree but the
# one served and the one before it is removed, so a reader that resolved /pfs/<input> before a swap can
# finish reading it until the next one.
login
delay=${PACHSVC_RETRY_SECONDS:-5}
max_delay=${PACHSVC_MAX_RETRY_SECONDS:-300}
current() { cat "$root/commit" 2>/dev/null || true; }
# update: serves the branch head if it is newer than what is served. Fails if it cannot.
update() {
  id=$(resolve "$PACHSVC_BRANCH") || return 1
  [ -n "$id" ] || return 1
  was=$(current)
  [ "$id" != "$was" ] || return 0
  log "new commit $PACHSVC_REPO@$id on $PACHSVC_BRANCH, checking it out"
  download "$id" || { rm -rf "$root/$id.partial"; return 1; }
  serve "$id"
  log "serving $PACHSVC_REPO@$id at $pfs/$PACHSVC_INPUT"
  for tree in "$root"/*; do
    name=${tree##*/}
    case "$name" in commit|"$id"|"$was") ;; *) [ -d "$tree" ] && rm -rf "$tree" ;; esac
  done
}
wait_retry=$delay
while :; do
  # Catch up first (commits that landed while this container was down), then wait for new ones.
  if update; then
    wait_retry=$delay
    # --from the commit served: one that landed since the update above still wakes it (--new would miss it).
    pach subscribe commit --from "$(current)" -- "$PACHSVC_REPO@$PACHSVC_BRANCH" | while read -r _; do
      # Retry until it works: with no newer commit, nothing else would wake us for this one.
      retry=$delay
      until update; do
        log "update failed; still serving $(current); retrying in $retry s"
        sleep "$retry"
        retry=$((retry * 2))
        if [ "$retry" -gt "$max_delay" ]; then retry=$max_delay; fi
      done
    done || true
    log "subscription to $PACHSVC_REPO@$PACHSVC_BRANCH ended; reconnecting in $wait_retry s"
  else
    log "cannot update $PACHSVC_REPO@$PACHSVC_BRANCH; still serving $(current); retrying in $wait_retry s"
  fi
  sleep "$wait_retry"
  wait_retry=$((wait_retry * 2))
  if [ "$wait_retry" -gt "$max_delay" ]; then wait_retry=$max_delay; fi
done
