#!/usr/bin/env bash
# The whole test suite: setup (idempotent), lint and format check, type check, generated-code check,
# then every vitest suite. Ends with one line "N passed, N failed[, N skipped]".
# Usage: scripts/test.sh [vitest filters...]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

failed_checks=0
check() {
  local name=$1; shift
  printf '\n== %s\n' "$name"
  if "$@"; then echo "   ok: $name"; else echo "   FAILED: $name"; failed_checks=$((failed_checks + 1)); fi
}
check "eslint" npx eslint .
check "prettier" npx prettier --check .
check "typecheck" npx tsc -p tsconfig.json --noEmit
if [ -f vpp-api/generator/main.ts ]; then check "vpp-api generated code is up to date" npm run -s vpp:check; fi
if command -v shellcheck >/dev/null; then
  check "shellcheck" shellcheck -x scripts/*.sh hugepage-scripts/*.sh .ci/run
fi

mkdir -p .run
report=.run/vitest-report.json
rm -f "$report"
printf '\n== vitest\n'
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
vitest_rc=$?

# shellcheck disable=SC2016 # the script is JavaScript; $ and backticks are its own
node -e '
  const fs = require("node:fs");
  const checks = Number(process.argv[1]);
  let passed = 0, failed = checks, skipped = 0;
  try {
    const r = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    passed = r.numPassedTests; failed += r.numFailedTests; skipped = r.numPendingTests + r.numTodoTests;
    if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) failed += r.numFailedTestSuites;
  } catch { failed += 1; }
  console.log(`\n${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$failed_checks" "$report"

[ "$vitest_rc" = 0 ] && [ "$failed_checks" = 0 ]
