#!/usr/bin/env bash
# Runs every test: type check, lint, unit, service (SQLite and PostgreSQL),
# browser shell, token and end-to-end in Chromium, and a short chaos run of the
# bank stack — installing whatever is missing first. With CI=true an
# unreachable PostgreSQL fails the run.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_apt_packages chromium softhsm2 opensc fonts-noto-cjk postgresql-client postgresql pgbouncer haproxy
ensure_node_modules
ensure_skf_soft
say "Type check and lint"
npm run typecheck
npm run lint
say "Tests"
npm test
say "The bank stack under faults: one instance killed and one failover at 8 clients"
npm run bank-stack:chaos -- --short
