#!/usr/bin/env bash
# The whole test suite, provisioned from nothing: this is the README's test command and
# what .ci/run runs. It installs what the tests need (node modules, the Python venv and
# Spark jars for the interop oracles), builds floe, and runs every test. Nothing is skipped
# for want of a service: a missing service fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ "${CI:-}" = "true" ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

echo "== build"
npm run --silent build
echo "== type-check the tests (test/tsconfig.json)"
npx tsc -p test/tsconfig.json

echo "== provision interop oracles (PyIceberg, Spark)"
bash scripts/provision-interop.sh

echo "== provision test servers (Postgres, MariaDB)"
bash scripts/provision-services.sh

echo "== tests"
mkdir -p .cache
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-results.json "$@" || status=$?

# A plain closing line with the counts, for any reader of this log.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".cache/vitest-results.json", "utf8"));
  const failed = r.numFailedTests + (r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed`);
' || true
exit $status
