#!/usr/bin/env bash
# End-to-end tests in a real VS Code workbench (code-server 4.100.3 + Debian chromium + playwright-core).
#   1. ui-driver.cjs: the built .vsix installed into code-server, driven through the browser UI.
#   2. suite/*.test.cjs: the extension's mocha suite inside code-server's extension host (workbench URL payload).
# Prerequisite: test/e2e/install.sh. Output: test-output/e2e/ (screenshots, logs, results).
# Last line: `e2e: N passed, M failed`; exit status 0 only if M = 0 and both stages ran.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
E2E="$ROOT/test/e2e"
OUT="$ROOT/test-output/e2e"
CS="$ROOT/tools/code-server/node_modules/.bin/code-server"
PW_DIR="$ROOT/tools/playwright/node_modules/playwright-core"
MOCHA_DIR="$ROOT/tools/mocha/node_modules/mocha"
VSIX="$ROOT/iommu-topology.vsix"
source "$ROOT/test/e2e/node20.sh"
NODE="$NODE20"
STAGES="${E2E_STAGES:-ui mocha}"   # e.g. E2E_STAGES=mocha to run one stage (a skipped stage counts nothing)

log() { printf '[e2e %s] %s\n' "$(date +%T)" "$*"; }
die() { log "ERROR: $*"; echo "e2e: 0 passed, 1 failed"; exit 1; }

for f in "$CS" "$PW_DIR/package.json" "$MOCHA_DIR/package.json" /usr/bin/chromium; do
  [ -e "$f" ] || die "missing $f: run test/e2e/install.sh first"
done

rm -rf "$OUT"; mkdir -p "$OUT"
RUN="$(mktemp -d "${TMPDIR:-/tmp}/iommu-e2e.XXXXXX")"
CS_PGID=""
cleanup() {
  if [ -n "$CS_PGID" ]; then kill -- "-$CS_PGID" 2>/dev/null; CS_PGID=""; fi
  [ -n "${E2E_KEEP_RUN:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Keep code-server's heartbeat/deviceid/config and chromium's profile dirs out of the real home.
export HOME="$RUN/home" XDG_CONFIG_HOME="$RUN/home/.config" XDG_DATA_HOME="$RUN/home/.local/share" \
       XDG_CACHE_HOME="$RUN/home/.cache" XDG_RUNTIME_DIR="$RUN/home/.run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"

# ---- build the extension package ----------------------------------------------------------------
T0=$(date +%s)
log "building $(basename "$VSIX")"
rm -f "$VSIX"
if ! (cd "$ROOT" && npm run package) > "$OUT/package.log" 2>&1 || [ ! -f "$VSIX" ]; then
  # Fallback while `npm run package` does not work: same vsce call with our ignore list (ship only the bundles).
  log "npm run package failed (see package.log); falling back to vsce with test/e2e/vscodeignore"
  (cd "$ROOT" && npm run build && npx vsce package --no-dependencies --allow-missing-repository --no-rewrite-relative-links \
      --ignoreFile test/e2e/vscodeignore -o "$VSIX") >> "$OUT/package.log" 2>&1 || { tail -20 "$OUT/package.log"; die "could not build the vsix"; }
fi
VSIX_KB=$(( $(stat -c %s "$VSIX") / 1024 ))
[ "$VSIX_KB" -lt 20000 ] || die "vsix is ${VSIX_KB} KB: it probably packs tools/ or node_modules (add a .vscodeignore)"
log "vsix: ${VSIX_KB} KB"

# The extension as installed from the vsix (used as extensionDevelopmentPath for the mocha stage).
mkdir -p "$RUN/vsix" && (cd "$RUN/vsix" && unzip -q "$VSIX") || die "cannot unzip $VSIX"

# ---- workspaces: copies, so quick fixes never touch the repo ------------------------------------------
make_ws() { # dir
  mkdir -p "$1/examples" "$1/fixtures"
  cp -r "$ROOT/examples/." "$1/examples/"
  cp -r "$E2E/workspace/." "$1/fixtures/"
}
make_ws "$RUN/ws-ui"; make_ws "$RUN/ws-mocha"

# Expected error count for the status bar: what the CLI says about the same files.
EXPECT_ERRORS=$(cd "$RUN/ws-ui" && "$NODE" "$ROOT/bin/iommu-topo.cjs" check . --format json 2>/dev/null \
  | "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).summary.error)}catch{console.log("")}})')
log "CLI: $EXPECT_ERRORS error(s) in the UI workspace"

# ---- code-server ---------------------------------------------------------------------------------
free_port() { "$NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

start_cs() { # name extensions-dir -> sets PORT, CS_PGID
  local name=$1 ext=$2 data="$RUN/$1-data"
  mkdir -p "$data/User" "$ext"
  cat > "$data/User/settings.json" <<'JSON'
{ "workbench.startupEditor": "none", "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off", "extensions.autoUpdate": false, "extensions.autoCheckUpdates": false,
  "update.mode": "none", "workbench.tips.enabled": false, "workbench.enableExperiments": false,
  "editor.hover.delay": 200, "files.autoSave": "off", "git.enabled": false,
  "chat.commandCenter.enabled": false, "window.commandCenter": false }
JSON
  COMMON=(--config "$RUN/config.yaml" --user-data-dir "$data" --extensions-dir "$ext")
  local attempt
  for attempt in 1 2 3; do
    PORT=$(free_port)
    setsid "$CS" "${COMMON[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry \
      --disable-update-check --disable-workspace-trust --disable-getting-started-override \
      > "$OUT/code-server-$name.log" 2>&1 < /dev/null &
    CS_PGID=$!   # setsid: the child is its own process-group leader (pid == pgid)
    local i
    for i in $(seq 1 240); do
      curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && { log "code-server ($name) up on port $PORT"; return 0; }
      kill -0 "$CS_PGID" 2>/dev/null || break
      sleep 0.25
    done
    log "code-server ($name) did not come up (attempt $attempt); log tail:"; tail -5 "$OUT/code-server-$name.log"
    kill -- "-$CS_PGID" 2>/dev/null; CS_PGID=""
  done
  return 1
}
stop_cs() {
  [ -n "$CS_PGID" ] || return 0
  kill -- "-$CS_PGID" 2>/dev/null
  for _ in $(seq 1 40); do kill -0 -- "-$CS_PGID" 2>/dev/null || break; sleep 0.25; done
  kill -9 -- "-$CS_PGID" 2>/dev/null; CS_PGID=""
}

PASSED=0; FAILED=0
add_counts() { # results.json label
  local p f
  if [ -f "$1" ]; then
    read -r p f < <("$NODE" -e 'const r=require(process.argv[1]);console.log(r.passed,r.failed)' "$1")
  else p=0; f=1; log "$2: no results file (stage crashed)"; fi
  log "$2: $p passed, $f failed"
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
}

# ---- stage 1: UI driver against the installed vsix ----------------------------------------------------
if [[ " $STAGES " == *" ui "* ]]; then
log "stage 1: UI (vsix installed into code-server)"
"$CS" --config "$RUN/config.yaml" --user-data-dir "$RUN/ui-data" --extensions-dir "$RUN/ui-ext" \
  --install-extension "$VSIX" > "$OUT/install-extension.log" 2>&1 || { cat "$OUT/install-extension.log"; die "--install-extension failed"; }
if start_cs ui "$RUN/ui-ext"; then
  BASE="http://127.0.0.1:$PORT" WORKSPACE="$RUN/ws-ui" OUT="$OUT" PLAYWRIGHT_CORE="$PW_DIR" \
    EXPECT_ERRORS="$EXPECT_ERRORS" timeout -k 10 300 "$NODE" "$E2E/ui-driver.cjs" 2>&1 | tee "$OUT/ui-driver.log"
  stop_cs
else
  log "stage 1 skipped: code-server did not start"
fi
add_counts "$OUT/ui-results.json" "ui"
fi

# ---- stage 2: mocha suite in the extension host (extensionDevelopmentPath = the unpacked vsix) ----------
if [[ " $STAGES " == *" mocha "* ]]; then
log "stage 2: mocha suite via the workbench payload"
export E2E_MOCHA="$MOCHA_DIR" E2E_OUT="$OUT"   # inherited by the extension host (suite/index.cjs)
if start_cs mocha "$RUN/mocha-ext"; then
  BASE="http://127.0.0.1:$PORT" WORKSPACE="$RUN/ws-mocha" OUT="$OUT" PLAYWRIGHT_CORE="$PW_DIR" \
    EXT_DEV_PATH="$RUN/vsix/extension" EXT_TESTS_PATH="$E2E/suite/index.cjs" \
    timeout -k 10 300 "$NODE" "$E2E/run-suite.cjs" 2>&1 | tee "$OUT/mocha.log"
  stop_cs
else
  log "stage 2 skipped: code-server did not start"
fi
add_counts "$OUT/mocha-results.json" "mocha"
fi

# Nothing of ours may survive: the process group is gone (server, extension host, language server, watcher).
if [ -n "$(pgrep -f "$RUN" || true)" ]; then log "WARNING: leftover processes: $(pgrep -af "$RUN")"; fi

log "total $(( $(date +%s) - T0 )) s; output in ${OUT#$ROOT/}/"
echo "e2e: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
