#!/usr/bin/env bash
# Debian packages the end-to-end tests need: PostgreSQL (the loader test starts its own throwaway cluster)
# and Chromium (renders the dashboard headless). Idempotent; needs root. Called by .ci/run and, when a
# binary is missing, by the e2e fixtures themselves (as root or in CI).
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "ci_services.sh: needs root to apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "ci_services.sh: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
# The Debian package starts a cluster of its own on 5432 where it can; the tests do not use it.
