-- Drives openv0-lsp from a real Neovim (0.7+) the way a user's config would:
-- vim.lsp.start_client, then workspace/executeCommand openv0.generate.
-- Inputs (environment): OPENV0_NVIM_SERVER (JSON list: the server command),
-- OPENV0_NVIM_WORKSPACE, OPENV0_NVIM_PROMPT, OPENV0_NVIM_OUT (where to write the JSON report),
-- OPENV0_NVIM_SETTINGS (optional JSON: the client's `settings`, as a user's config holds them;
-- Neovim 0.7 does not declare workspace/configuration, so they are pushed on init with
-- workspace/didChangeConfiguration, as nvim-lspconfig does).
local server_cmd = vim.fn.json_decode(os.getenv("OPENV0_NVIM_SERVER"))
local workspace = os.getenv("OPENV0_NVIM_WORKSPACE")
local out = os.getenv("OPENV0_NVIM_OUT")
local settings_json = os.getenv("OPENV0_NVIM_SETTINGS")
local settings = settings_json and vim.fn.json_decode(settings_json) or {}
local report = { progress = {}, initialized = false }

local function finish()
  local file = io.open(out, "w")
  file:write(vim.fn.json_encode(report))
  file:close()
  vim.cmd("qall!")
end

local client_id = vim.lsp.start_client({
  name = "openv0",
  cmd = server_cmd,
  root_dir = workspace,
  workspace_folders = { { uri = vim.uri_from_fname(workspace), name = "workspace" } },
  settings = settings,
  handlers = {
    ["$/progress"] = function(_, params)
      table.insert(report.progress, params.value)
    end,
  },
  on_init = function(client)
    if next(client.config.settings) then
      client.notify("workspace/didChangeConfiguration", { settings = client.config.settings })
    end
    report.initialized = true
  end,
})

if not vim.wait(20000, function() return report.initialized end, 20) then
  report.error = "server did not initialize"
  finish()
end

local client = vim.lsp.get_client_by_id(client_id)
report.server_capabilities = {
  execute_command = client.server_capabilities.executeCommandProvider ~= nil,
}
local answered = false
client.request("workspace/executeCommand", {
  command = "openv0.generate",
  arguments = { { prompt = os.getenv("OPENV0_NVIM_PROMPT") } },
}, function(err, result)
  report.err = err
  report.result = result
  answered = true
end)

if not vim.wait(30000, function() return answered end, 20) then
  report.error = "no answer to openv0.generate"
end
client.stop()
vim.wait(5000, function() return client.is_stopped() end, 20)
finish()
