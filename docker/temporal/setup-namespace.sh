#!/bin/sh
# One-shot (temporalio/admin-tools, or any machine with the `temporal` CLI): wait for the
# Temporal frontend, create the namespace, register promoflow's custom search attributes.
# Idempotent: what exists already is left alone.
#
#   TEMPORAL_ADDRESS     host:port of the frontend (temporal:7233)
#   TEMPORAL_NAMESPACE   namespace to create (promoflow)
#   NAMESPACE_RETENTION  workflow history retention of a new namespace (30d)
#   SEARCH_ATTRIBUTES    space-separated Name=Type pairs
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=promoflow}"
: "${NAMESPACE_RETENTION:=30d}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES (Name=Type ...) must be set}"
: "${WAIT_ATTEMPTS:=60}"
export TEMPORAL_ADDRESS

retry() {  # retry <what> <command...>: the frontend may need a moment (new namespace cache)
  what=$1; shift
  n=0
  until "$@"; do
    n=$((n + 1))
    [ "$n" -lt "${WAIT_ATTEMPTS}" ] || { echo "gave up: ${what}"; return 1; }
    sleep 2
  done
}

echo "waiting for Temporal at ${TEMPORAL_ADDRESS}"
retry "Temporal is not healthy" temporal operator cluster health --address "${TEMPORAL_ADDRESS}" >/dev/null

if temporal operator namespace describe --namespace "${TEMPORAL_NAMESPACE}" --address "${TEMPORAL_ADDRESS}" >/dev/null 2>&1; then
  echo "namespace ${TEMPORAL_NAMESPACE} exists"
else
  temporal operator namespace create --namespace "${TEMPORAL_NAMESPACE}" --retention "${NAMESPACE_RETENTION}" \
    --address "${TEMPORAL_ADDRESS}"
  echo "namespace ${TEMPORAL_NAMESPACE} created"
fi

registered() {  # registered <name>: is it listed for the namespace?
  temporal operator search-attribute list --namespace "${TEMPORAL_NAMESPACE}" --address "${TEMPORAL_ADDRESS}" \
    | awk '{print $1}' | grep -qx "$1"
}

for pair in ${SEARCH_ATTRIBUTES}; do
  name=${pair%%=*}
  type=${pair#*=}
  if registered "$name" 2>/dev/null; then
    echo "search attribute ${name} exists"
    continue
  fi
  retry "search attribute ${name}" temporal operator search-attribute create --namespace "${TEMPORAL_NAMESPACE}" \
    --name "$name" --type "$type" --address "${TEMPORAL_ADDRESS}"
  echo "search attribute ${name} (${type}) registered"
done
echo "namespace ${TEMPORAL_NAMESPACE} is ready"
