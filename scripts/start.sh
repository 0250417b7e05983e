#!/usr/bin/env bash
# Starts SettleKey on its embedded default (demo data, demo tokens), installing
# whatever is missing first. Electron when its binary is installed, otherwise the
# browser shell (it prints the URL to open).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_apt_packages softhsm2 opensc chromium fonts-noto-cjk
ensure_node_modules
ensure_skf_soft
exec npm start -- "$@"
