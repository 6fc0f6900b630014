-- Headless neovim (0.7+) as a third-party LSP client of the iommu-topology server.
-- Run through test/neovim/run.sh, which sets SERVER, FILE and temp XDG dirs:
--   SERVER=server/out/main.cjs FILE=examples/intel-nosnoop-gpu.iommu \
--     nvim --headless --clean -n -i NONE -u test/neovim/lsp-test.lua
-- Checks: diagnostics arrive over stdio, KVM001 sits on the `assign gpu` line of vm `training`, a hover on the
-- device name and on the reference in `assign` mentions iommu_group, and an edit (kvm-vfio no → yes)
-- clears KVM001. Prints `neovim: N passed, N failed` and exits non-zero on any failure.
vim.opt.swapfile = false
local server = assert(os.getenv('SERVER'), 'SERVER not set')
local file = assert(os.getenv('FILE'), 'FILE not set')
local timeout = tonumber(os.getenv('LSP_TIMEOUT_MS') or '15000')

local passed, failed = 0, 0
local function out(s) io.stdout:write(s .. '\n') end
local function check(name, ok, detail)
  if ok then passed = passed + 1; out('ok   ' .. name)
  else failed = failed + 1; out('FAIL ' .. name .. (detail and (': ' .. detail) or '')) end
  return ok
end
local function finish()
  out(string.format('neovim: %d passed, %d failed', passed, failed))
  if failed > 0 then vim.cmd('cquit 1') else vim.cmd('qa!') end
end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.bo[bufnr].filetype = 'iommu'
local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)

-- 0-based line of the first line matching `pat` at or after line `from` (0-based), and the match column.
local function find(pat, from)
  for i = (from or 0) + 1, #lines do
    local s, e = string.find(lines[i], pat)
    if s then return i - 1, s - 1, e end
  end
  return nil
end

-- Diagnostic code as neovim exposes it: `d.code` (0.8+) or `d.user_data.lsp.code` (0.7).
local function code_of(d)
  if d.code ~= nil then return tostring(d.code) end
  local ud = d.user_data
  if ud and ud.lsp and ud.lsp.code ~= nil then return tostring(ud.lsp.code) end
  return nil
end

local last_publish -- { version = n|nil, count = n } of the latest publishDiagnostics for our buffer
local publish_count = 0
local cfg = {
  name = 'iommu-topology',
  cmd = { 'node', server, '--stdio' },
  root_dir = vim.fn.fnamemodify(file, ':p:h'),
  flags = { debounce_text_changes = 0 },
  handlers = {
    ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
      if result and result.uri == vim.uri_from_bufnr(bufnr) then
        publish_count = publish_count + 1
        last_publish = { version = result.version, count = #result.diagnostics }
      end
      return vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
    end,
  },
}

local client_id
if vim.lsp.start then client_id = vim.lsp.start(cfg, { bufnr = bufnr }) -- nvim >= 0.8
else
  client_id = vim.lsp.start_client(cfg) -- nvim 0.7 (Debian 12)
  if client_id then vim.lsp.buf_attach_client(bufnr, client_id) end
end
if not check('client started', client_id ~= nil) then return finish() end

local function codes_now()
  local set = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local c = code_of(d)
    if c then set[c] = d end
  end
  return set
end

-- 1. Diagnostics arrive and include KVM001.
local got = vim.wait(timeout, function() return codes_now()['KVM001'] ~= nil end, 50)
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  out(string.format('  DIAGNOSTIC %d:%d-%d:%d severity=%d code=%s %s', d.lnum, d.col, d.end_lnum, d.end_col,
    d.severity, tostring(code_of(d)), d.message))
end
if not check('KVM001 diagnostic received', got, 'no KVM001 within ' .. timeout .. ' ms') then
  vim.lsp.stop_client(client_id); return finish()
end

-- 2. It sits on the `assign gpu` line of vm training, with error severity.
local vm_line = find('^%s*vm%s+training%f[^%w_-]')
local assign_line, assign_col = find('^%s*assign%s+gpu', vm_line or 0)
local kvm = codes_now()['KVM001']
check('KVM001 on the `assign gpu` line of vm training', vm_line ~= nil and assign_line ~= nil and kvm.lnum == assign_line,
  string.format('expected line %s, got %d', tostring(assign_line), kvm.lnum))
check('KVM001 is an error', kvm.severity == vim.diagnostic.severity.ERROR, 'severity=' .. tostring(kvm.severity))

-- 3. Hovers.
local function hover(line, character)
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = line, character = character } }
  local text, err
  for _, resp in pairs(vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, timeout) or {}) do
    if resp.result and resp.result.contents then
      local c = resp.result.contents
      text = type(c) == 'table' and (c.value or vim.inspect(c)) or tostring(c)
    elseif resp.err then err = vim.inspect(resp.err) end
  end
  return text, err
end

local dev_line, dev_s = find('endpoint%s+gpu%s+at')
if check('device declaration `endpoint gpu` found in file', dev_line ~= nil) then
  local name_col = select(2, string.find(lines[dev_line + 1], 'endpoint%s+')) -- 1-based end of "endpoint "
  local text, err = hover(dev_line, name_col + 1) -- inside "gpu"
  check('hover on device name mentions iommu_group', text ~= nil and text:find('iommu_group', 1, true) ~= nil,
    err or (text and ('got: ' .. text:sub(1, 200))) or 'no hover')
  if text then out('  HOVER ' .. text:gsub('\n', ' | '):sub(1, 240)) end
end
if assign_line then
  local col = select(2, string.find(lines[assign_line + 1], 'assign%s+'))
  local text, err = hover(assign_line, col + 1)
  check('hover on `assign gpu` reference mentions iommu_group', text ~= nil and text:find('iommu_group', 1, true) ~= nil,
    err or (text and ('got: ' .. text:sub(1, 200))) or 'no hover')
end

-- 4. Edit through neovim (didChange): `kvm-vfio no` → `kvm-vfio yes` in vm training clears KVM001.
local kv_line = find('^%s*kvm%-vfio%s+no', vm_line or 0)
if check('`kvm-vfio no` line found in vm training', kv_line ~= nil) then
  local before = publish_count
  local new = lines[kv_line + 1]:gsub('kvm%-vfio%s+no', 'kvm-vfio yes')
  vim.api.nvim_buf_set_lines(bufnr, kv_line, kv_line + 1, false, { new })
  local cleared = vim.wait(timeout, function()
    return publish_count > before and codes_now()['KVM001'] == nil
  end, 50)
  check('KVM001 cleared after editing kvm-vfio to yes', cleared)
  -- and back: the error returns.
  before = publish_count
  vim.api.nvim_buf_set_lines(bufnr, kv_line, kv_line + 1, false, { lines[kv_line + 1] })
  local back = vim.wait(timeout, function() return publish_count > before and codes_now()['KVM001'] ~= nil end, 50)
  check('KVM001 back after undoing the edit', back)
end

vim.lsp.stop_client(client_id)
local stopped = vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
check('server shut down on stop_client', stopped)
finish()
