# Shared by scripts/start.sh and scripts/test.sh: install what is missing on a
# fresh Debian machine — the system packages, then node_modules, then the
# software SKF library — and say clearly what to do when it cannot.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m[settlekey]\033[0m %s\n' "$*"; }

# apt packages: chromium (browser for the shell and the end-to-end tests),
# softhsm2 (the PKCS#11 token of the demo and the tests), opensc (pkcs11-tool),
# fonts-noto-cjk (Chinese glyphs in Chromium).
ensure_apt_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      say "These Debian packages are missing: ${missing[*]}"
      say "Install them as root:  apt-get update && apt-get install -y ${missing[*]}"
      return 1
    fi
  fi
  say "Installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

# npm ci when node_modules is absent or older than the lockfile.
ensure_node_modules() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "Node.js 20 and npm are needed (https://nodejs.org or Debian's nodejs)."
    return 1
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -lt 20 ]; then
    say "Node.js 20 or newer is needed; this is $(node -v)."
    return 1
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing npm packages (npm ci; a few minutes the first time: better-sqlite3 compiles from source)"
    npm ci --no-audit --no-fund
  fi
}

# The software SKF (GM/T 0016) library, native/skf-soft: the SM2 USB-KEY
# simulator of the demo and the tests, C against Debian's OpenSSL 3. make
# rebuilds it only when a source changed.
ensure_skf_soft() {
  ensure_apt_packages gcc make libssl-dev pkg-config
  if ! make -q --no-print-directory -C native/skf-soft 2>/dev/null; then
    say "Building the software SKF library (native/skf-soft)"
    make -s --no-print-directory -C native/skf-soft
  fi
}
