#!/usr/bin/env bash
# The README's main job: setup (idempotent), then the quickstart demo. Arguments go to the demo
# (--type memif|vhost-user, --duration SECONDS, --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx tsx scripts/demo.ts "$@"
