# Sourced by install.sh and run.sh. code-server 4.100.3 and its native modules (argon2, node-pty, kerberos)
# need the machine's Node 20. Under `npm run` the repo's node@22 devDependency comes first in PATH, so pick
# a Node 20 explicitly (E2E_NODE overrides) and put it first. Sets NODE20.
pick_node20() {
  local c
  for c in "${E2E_NODE:-}" "$(command -v node 2>/dev/null)" /usr/bin/node /usr/local/bin/node; do
    [ -n "$c" ] && [ -x "$c" ] && [ "$("$c" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = 20 ] && { echo "$c"; return; }
  done
  return 1
}
NODE20="$(pick_node20)" || { echo "need Node 20 (set E2E_NODE=/path/to/node20)" >&2; exit 1; }
export PATH="$(dirname "$NODE20"):$PATH"
# An npm started under Node 22 (e.g. `npm test` from a shell whose PATH has node_modules/.bin first) exports
# npm_config_user_agent=".. node/v22 ..", and a nested npm takes that variable as its `user-agent` setting.
# code-server's postinstall reads the Node major from it and refuses anything but 20, so let the npm runs here
# compute their own (from the Node 20 above).
unset npm_config_user_agent
