#!/usr/bin/env bash
# Idempotent installer for the code-server end-to-end tests (see test/e2e/README.md).
# Installs: Debian chromium, libkrb5-dev, ripgrep (only when missing);
#           code-server@4.100.3 -> tools/code-server; playwright-core -> tools/playwright;
#           mocha (+ @vscode/test-electron for the desktop runner) -> tools/mocha.
# Safe for CI: non-interactive, no stdin, runs as root, re-running is a no-op when everything is present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/tools"
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
MOCHA_VERSION=11.7.5
TEST_ELECTRON_VERSION=3.1.0
# @vscode/ripgrep version that code-server 4.100.3 depends on (its postinstall looks for this cache dir)
VSCODE_RIPGREP_VERSION=1.15.11

export DEBIAN_FRONTEND=noninteractive
exec </dev/null

log() { printf '[e2e-install] %s\n' "$*"; }

source "$ROOT/test/e2e/node20.sh"

# ---- 1. apt packages -------------------------------------------------------------------------
missing=()
for pkg in chromium libkrb5-dev ripgrep; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  log "apt packages present (chromium, libkrb5-dev, ripgrep)"
fi
[ -x /usr/bin/chromium ] || { log "ERROR: /usr/bin/chromium missing after install"; exit 1; }

# npm settings shared by the installs below (npm 11 ignores --unsafe-perm; the env var still works;
# npm_config_yes lets node-pty's postinstall run `npx node-gyp` despite yes=false in ~/.npmrc).
export npm_config_unsafe_perm=true npm_config_yes=true npm_config_fund=false npm_config_audit=false \
       npm_config_update_notifier=false npm_config_progress=false

# ---- 2. code-server ------------------------------------------------------------------------
CS="$TOOLS/code-server/node_modules/.bin/code-server"
MARK="$TOOLS/code-server/.installed-$CODE_SERVER_VERSION"   # written only after a complete install
if [ -x "$CS" ] && [ -f "$MARK" ]; then
  log "code-server $CODE_SERVER_VERSION present"
else
  log "installing code-server@$CODE_SERVER_VERSION into tools/code-server"
  # @vscode/ripgrep downloads rg from GitHub in its postinstall; it first checks this cache, so seed it with Debian's rg.
  SEED="$(mktemp -d)"; cp /usr/bin/rg "$SEED/rg"
  CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$VSCODE_RIPGREP_VERSION"; mkdir -p "$CACHE"
  tar czf "$CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$SEED" rg
  rm -rf "$SEED"
  rm -rf "$TOOLS/code-server"; mkdir -p "$TOOLS/code-server"
  (cd "$TOOLS/code-server" && npm init -y >/dev/null && npm install --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION")
  # (code-server writes config.yaml/logs under $HOME even for --version: point it at a throwaway home)
  VHOME="$(mktemp -d)"
  HOME="$VHOME" XDG_CONFIG_HOME="$VHOME/.config" XDG_DATA_HOME="$VHOME/.local/share" XDG_CACHE_HOME="$VHOME/.cache" \
    "$CS" --version | tee /dev/stderr | grep -q "^$CODE_SERVER_VERSION " || { log "ERROR: code-server --version does not report $CODE_SERVER_VERSION"; exit 1; }
  rm -rf "$VHOME"
  touch "$MARK"
fi

# ---- 3. small node packages (playwright-core; mocha + @vscode/test-electron) -----------------------
install_pkg() { # dir spec...
  local dir="$1"; shift
  local ok=1 spec name ver
  for spec in "$@"; do
    name="${spec%@*}"; ver="${spec##*@}"
    [ "$(node -p "try{require('$dir/node_modules/$name/package.json').version}catch{''}" 2>/dev/null)" = "$ver" ] || ok=0
  done
  if [ "$ok" = 1 ]; then log "present in ${dir#$ROOT/}: $*"; return; fi
  log "installing into ${dir#$ROOT/}: $*"
  mkdir -p "$dir"
  (cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-save --loglevel=error "$@")
}
# PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core has no postinstall today; keep it safe if that changes.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 install_pkg "$TOOLS/playwright" "playwright-core@$PLAYWRIGHT_VERSION"
install_pkg "$TOOLS/mocha" "mocha@$MOCHA_VERSION" "@vscode/test-electron@$TEST_ELECTRON_VERSION"

log "done: code-server $CODE_SERVER_VERSION, playwright-core $PLAYWRIGHT_VERSION, mocha $MOCHA_VERSION"
