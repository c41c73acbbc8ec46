# Init container: checks one input out and serves it. PACHSVC_REF is the pinned commit id when
# create could resolve it, else the reference as written, resolved here once per pod.
mkdir -p "$root"
login
id=$(resolve "$PACHSVC_REF") || id=
if [ -z "$id" ]; then log "cannot resolve $PACHSVC_REPO@$PACHSVC_REF to a finished commit"; exit 1; fi
log "checking out $PACHSVC_REPO@$id"
download "$id"
serve "$id"
log "serving $PACHSVC_REPO@$id at $pfs/$PACHSVC_INPUT"
