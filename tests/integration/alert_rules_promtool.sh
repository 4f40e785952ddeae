#!/usr/bin/env bash
# deploy/monitoring/pstorage-alerts.yml through promtool (docs/monitoring.md):
# `promtool check rules` (syntax, PromQL, templates) and `promtool test rules
# pstorage-alerts.test.yml` (each alert fires on the guide's condition, after
# its `for:`, with its labels and annotations, and not before). promtool
# comes with Debian's prometheus package, which setup.sh does not install
# (19 MB): without it the test is skipped; metrics_scrape.sh evaluates the
# rules on a live cluster either way.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || skip "alert_rules_promtool: no promtool (apt-get install prometheus)"
DIR="$IT_DIR/../../deploy/monitoring"
out=$(promtool check rules "$DIR/pstorage-alerts.yml" 2>&1) || fail "promtool check rules: $out"
pass "promtool check rules: $(grep -o '[0-9]* rules found' <<<"$out")"
out=$(cd "$DIR" && promtool test rules pstorage-alerts.test.yml 2>&1) || fail "promtool test rules: $out"
pass "promtool test rules pstorage-alerts.test.yml: $(grep -c 'alertname:' "$DIR/pstorage-alerts.test.yml") expectations hold"
