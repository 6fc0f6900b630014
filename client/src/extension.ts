/**
 * VS Code client: starts the language server (server/out/main.cjs over IPC), registers commands and the IOMMU
 * Groups view.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerCommands } from './commands.js';
import { registerGroupsView, type GroupsViewProvider } from './groups-view.js';
import { registerImportTopologyCommand } from './import-command.js';

let client: LanguageClient | undefined;

/** What `activate` returns (`vscode.extensions.getExtension(…).exports`): the editor tests read the views through it. */
export interface IommuExtensionApi {
  groupsView: GroupsViewProvider;
}

export async function activate(context: vscode.ExtensionContext): Promise<IommuExtensionApi> {
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
  const groupsView = registerGroupsView(context, () => client);
  await client.start();
  return { groupsView };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
