#!/bin/sh
# walt-vpn-keygen.service, first boot: make the node's own ed25519 key and show its
# fingerprint on the console, for the operator to compare with `walt vpn monitor`.
set -eu
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname -- "$0")/common.sh"

ensure_key
print_fingerprint
