// A minimal stdio LSP client for the benchmark (vscode-jsonrpc, installed as a Langium dependency).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');

/** Start `node [nodeArgs] <server> --stdio` and initialize it (nodeArgs e.g. ['--cpu-prof'] for profiling). */
export async function startServer(serverPath, rootDir, { node = process.execPath, nodeArgs = [], cwd } = {}) {
  const child = spawn(node, [...nodeArgs, serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], cwd });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const listeners = new Set();
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    for (const l of [...listeners]) l(p);
  });
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification(() => {});
  conn.listen();
  const rootUri = pathToFileURL(rootDir).href;
  const init = await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: 'bench' }],
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true },
      textDocument: { publishDiagnostics: { versionSupport: true }, hover: { contentFormat: ['markdown', 'plaintext'] } },
    },
  });
  conn.sendNotification('initialized', {});

  /** Resolves with the next publishDiagnostics for `uri` (after `since`, a performance.now() stamp). */
  const nextDiagnostics = (uri, timeoutMs = 60000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(l);
        reject(new Error(`no publishDiagnostics for ${uri} within ${timeoutMs} ms\n${stderr}`));
      }, timeoutMs);
      const l = (p) => {
        if (p.uri !== uri) return;
        clearTimeout(timer);
        listeners.delete(l);
        resolve({ at: performance.now(), params: p });
      };
      listeners.add(l);
    });

  const rss = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
      return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
    } catch {
      return { rssMB: NaN, peakMB: NaN };
    }
  };

  const stop = async () => {
    try {
      await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      conn.sendNotification('exit');
    } catch {}
    await new Promise((r) => {
      if (child.exitCode !== null) return r();
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        r();
      }, 3000);
      child.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
    conn.dispose();
  };

  return { conn, child, init, nextDiagnostics, rss, stop, stderr: () => stderr };
}
