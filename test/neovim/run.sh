#!/usr/bin/env bash
# Headless neovim LSP test (third-party client). Installs neovim via apt if missing, builds the server if
# server/out/main.cjs is missing, runs test/neovim/lsp-test.lua against an example with temp XDG dirs.
# Usage: test/neovim/run.sh [file.iommu]   (default examples/intel-nosnoop-gpu.iommu)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if ! command -v nvim >/dev/null 2>&1; then
  echo "neovim not found; installing via apt" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends neovim >/dev/null
fi
if [ ! -f server/out/main.cjs ]; then
  echo "server/out/main.cjs missing; building" >&2
  npm run build >/dev/null
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" XDG_CONFIG_HOME="$tmp/config"
mkdir -p "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME"
# The file is copied so the edits the test makes never touch the example (neovim does not save, but be safe).
src="${1:-examples/intel-nosnoop-gpu.iommu}"
cp "$src" "$tmp/$(basename "$src")"

nvim --version | head -1
set +e
SERVER="$root/server/out/main.cjs" FILE="$tmp/$(basename "$src")" \
  timeout 120 nvim --headless --clean -n -i NONE -u "$here/lsp-test.lua" </dev/null
rc=$?
set -e
if [ $rc -ne 0 ] && [ -f "$XDG_STATE_HOME/nvim/lsp.log" ]; then
  echo "--- lsp.log (tail) ---" >&2; tail -n 40 "$XDG_STATE_HOME/nvim/lsp.log" >&2
elif [ $rc -ne 0 ] && [ -f "$XDG_CACHE_HOME/nvim/lsp.log" ]; then
  echo "--- lsp.log (tail) ---" >&2; tail -n 40 "$XDG_CACHE_HOME/nvim/lsp.log" >&2
fi
exit $rc
