#!/usr/bin/env bash
# The README's first command: build floe and run the Customer 360 example pipelines
# (pipelines/, sources in examples/c360/data) into ./warehouse with a SQLite catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
npm run --silent build
floe() { node bin/floe.js "$@"; }
# Prints the command as a user would type it (arguments with spaces in double quotes), then runs it.
show() {
  printf '\n$ floe'
  for a in "$@"; do case "$a" in *[[:space:]]*) printf ' "%s"' "$a" ;; *) printf ' %s' "$a" ;; esac; done
  echo
  floe "$@"
}

echo "== floe validate"
floe validate
echo
echo "== floe run --all"
status=0
floe run --all || status=$?
echo
echo "== tables"
floe tables
echo
echo "== checks, the latest run of each table (write-audit-publish: each table was checked before main moved)"
# floe.check_results keeps every run's results: count the latest run's of each table only.
show query "SELECT table_name, count(*) FILTER (WHERE status = 'pass') AS passed, count(*) FILTER (WHERE status <> 'pass') AS not_passed FROM (SELECT *, run_id = first_value(run_id) OVER (PARTITION BY table_name ORDER BY checked_at DESC) AS latest FROM floe.check_results) WHERE latest GROUP BY table_name ORDER BY table_name" || true
echo
echo "== example queries"
show query "SELECT count(*) AS accounts, sum(net_revenue) AS net_revenue FROM c360.account_revenue"
# account_revenue is a sql pipeline: it reads billing.accounts through its PII masks, so it stores billing_email masked.
show query "SELECT account_id, billing_email, net_revenue, payments FROM c360.account_revenue ORDER BY net_revenue DESC LIMIT 5"
show query "SELECT country, count(*) AS contacts FROM crm.contacts GROUP BY country ORDER BY contacts DESC LIMIT 5" || true
show query "SELECT contact_id, email, phone FROM crm.contacts ORDER BY contact_id LIMIT 3" --mask
show query "SELECT date_trunc('month', event_time) AS month, count(*) AS events FROM web.events GROUP BY 1 ORDER BY 1"
echo
echo "== customers resolved (pipelines/customer_identity.yaml, docs/IDENTITY.md)"
show query "SELECT count(*) AS source_records, count(DISTINCT customer_id) AS customers_resolved FROM c360.identity_map" || true
show query "SELECT customer_id, email, first_name, last_name, country, source_records FROM c360.customers WHERE first_name IS NOT NULL ORDER BY source_records DESC, customer_id LIMIT 5" || true
echo
echo "== customer metrics (pipelines/customer_metrics.yaml, docs/METRICS.md)"
show query "SELECT count(*) AS customers, count(r_score) AS with_orders, sum(clv) AS clv, sum(churn_at_risk::int) AS at_risk, round(avg(engagement_score), 2) AS avg_engagement FROM c360.customer_metrics" || true
exit $status
