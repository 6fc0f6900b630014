/**
 * Extension commands. `iommu.showServerVersion` is used by the editor tests to check the server is alive.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export function registerCommands(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('iommu.restartServer', async () => {
      await getClient()?.restart();
    }),
  );
}
