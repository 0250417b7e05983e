#!/usr/bin/env bash
# Runs every test: type check, lint, unit, service (SQLite and PostgreSQL),
# browser shell, token and end-to-end in Chromium — installing whatever is
# missing first. With CI=true an unreachable PostgreSQL fails the run.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_apt_packages chromium softhsm2 opensc fonts-noto-cjk postgresql-client
ensure_node_modules
say "Type check and lint"
npm run typecheck
npm run lint
say "Tests"
npm test
