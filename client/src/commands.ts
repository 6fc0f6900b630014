/**
 * Extension commands: restart the language server, and preview a kernel upgrade of the topology file in the active
 * editor (the server's `iommu/kernelUpgrade` request, shown as a Markdown preview).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { KERNEL_UPGRADE_REQUEST, type KernelUpgradeParams, type KernelUpgradeResult } from '../../server/src/protocol/kernel-upgrade.js';

export function registerCommands(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('iommu.restartServer', async () => {
      await getClient()?.restart();
    }),
    vscode.commands.registerCommand('iommu.previewKernelUpgrade', (version?: string) => previewKernelUpgrade(getClient(), version)),
  );
}

/**
 * "Preview Kernel Upgrade…": ask for a kernel (unless `version` is given, as the editor tests and keybindings do),
 * then open the server's comparison of the active topology file on that kernel as Markdown beside the editor.
 * Returns the Markdown (undefined when cancelled or there is nothing to show; the reason is shown as a message).
 */
async function previewKernelUpgrade(client: LanguageClient | undefined, version?: string): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'iommu') {
    void vscode.window.showInformationMessage('Open a topology file (.iommu) to preview a kernel upgrade.');
    return undefined;
  }
  if (!client) return undefined;
  const to =
    version ??
    (await vscode.window.showInputBox({
      title: 'Preview Kernel Upgrade',
      prompt: 'Kernel to simulate every host of this file on',
      placeHolder: '6.12',
      validateInput: (v) => (/^\s*\d{1,2}\.\d{1,3}(\.\d{1,4})?\s*$/.test(v) ? undefined : 'X.Y or X.Y.Z, e.g. 6.12'),
    }));
  if (!to) return undefined;
  const params: KernelUpgradeParams = { uri: client.code2ProtocolConverter.asUri(editor.document.uri), to: to.trim() };
  const result = await client.sendRequest<KernelUpgradeResult | null>(KERNEL_UPGRADE_REQUEST, params);
  if (!result) return undefined;
  if ('error' in result) {
    void vscode.window.showWarningMessage(`Kernel upgrade preview: ${result.error}`);
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: result.markdown });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  return result.markdown;
}
