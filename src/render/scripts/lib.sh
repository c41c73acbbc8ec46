# Shared by checkout.sh and follow.sh (prepended to each when pachsvc is built).
# Layout of the shared /pfs volume:
#   /pfs/<input>                        symlink -> .pachsvc/<input>/<commit id>   (what the service reads)
#   /pfs/.pachsvc/<input>/<commit id>/  the checked-out tree of that commit
#   /pfs/.pachsvc/<input>/commit        the id of the commit /pfs/<input> serves, and a newline: a
#                                       stable path the service may read (it is replaced, never
#                                       rewritten in place, just after each swap)
# PACHSVC_PFS moves /pfs elsewhere, for the tests that run these scripts.
set -eu
pfs="${PACHSVC_PFS:-/pfs}"
root="$pfs/.pachsvc/$PACHSVC_INPUT"
log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PACHSVC_INPUT" "$*" >&2; }
# pach VERB NOUN ARGS...: pachctl, in the input's project when it names one. Callers end the flags with
# "--", so a repo named "-x" is an argument, not an option.
pach() {
  verb=$1
  noun=$2
  shift 2
  if [ -n "${PACHSVC_PROJECT:-}" ]; then set -- --project "$PACHSVC_PROJECT" "$@"; fi
  pachctl "$verb" "$noun" "$@"
}
# pachctl keeps tokens in its config file only (no variable): write it there when a Secret gives one.
login() {
  if [ -n "${PACHSVC_TOKEN:-}" ]; then printf '%s\n' "$PACHSVC_TOKEN" | pachctl auth use-auth-token >/dev/null; fi
}
# resolve REF: waits until the commit REF names is finished, then prints its 32-hex id.
resolve() {
  pach wait commit --raw -- "$PACHSVC_REPO@$1" | grep -o '"id": *"[0-9a-fA-F]\{32\}"' | head -n 1 | grep -o '[0-9a-fA-F]\{32\}'
}
# download ID: checks commit ID out into $root/ID, atomically (a partial download is never served).
download() {
  if [ -d "$root/$1" ]; then return 0; fi
  rm -rf "$root/$1.partial"
  mkdir -p "$root/$1.partial"
  # "|| return": set -e is off in a function called from `if` or `||` (as follow.sh calls it).
  pach get file -r -o "$root/$1.partial" -- "$PACHSVC_REPO@$1:/" || return 1
  mv "$root/$1.partial" "$root/$1"
}
# serve ID: points /pfs/$PACHSVC_INPUT at $root/ID in one rename: a reader sees the old tree or the new one.
serve() {
  ln -sfn ".pachsvc/$PACHSVC_INPUT/$1" "$root.link"
  mv -T "$root.link" "$pfs/$PACHSVC_INPUT"
  printf '%s\n' "$1" > "$root/commit.new"
  mv "$root/commit.new" "$root/commit"
}
