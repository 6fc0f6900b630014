/**
 * VS Code client: starts the language server (server/out/main.cjs over IPC) and registers commands.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerCommands } from './commands.js';
import { registerImportTopologyCommand } from './import-command.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath(path.join('server', 'out', 'main.cjs'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'iommu' }, { scheme: 'untitled', language: 'iommu' }],
    synchronize: { configurationSection: 'iommu' },
  };
  client = new LanguageClient('iommu', 'IOMMU Topology', serverOptions, clientOptions);
  registerCommands(context, () => client);
  registerImportTopologyCommand(context);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
