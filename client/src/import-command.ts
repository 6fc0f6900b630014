/**
 * VS Code command `iommu.importFromHost` ("IOMMU Topology: Import topology from this host"): runs the importer
 * in-process on this machine's `/sys` (and `/proc/interrupts`), then either opens the generated text as an untitled
 * `iommu` document or saves it into the workspace, and shows the importer's warnings (e.g. "not run as root: ACS and
 * No-Snoop unknown", SYSFS-PCI-02) in an output channel. Malformed sysfs content is reported as an error message
 * with its location; nothing is opened then.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { ImportError, importFromSysfs, type ImportResult } from '../../server/src/import/index.js';

/** Command id (the lead registers it in package.json `contributes.commands`). */
export const IMPORT_COMMAND_ID = 'iommu.importFromHost';
/** Command title for package.json. */
export const IMPORT_COMMAND_TITLE = 'IOMMU Topology: Import topology from this host';

/** Arguments for scripted use (tests, keybindings): `{ open: 'untitled' }` skips the "open or save" pick. */
export interface ImportCommandOptions {
  open?: 'untitled';
}

/** Register the command; the disposable is added to `context.subscriptions`. */
export function registerImportTopologyCommand(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('IOMMU Topology Import');
  context.subscriptions.push(channel);
  context.subscriptions.push(
    vscode.commands.registerCommand(IMPORT_COMMAND_ID, async (options?: ImportCommandOptions) => {
      if (process.platform !== 'linux') {
        void vscode.window.showErrorMessage('Import topology from this host needs Linux (/sys and /proc).');
        return;
      }
      const hostName = os.hostname().split('.')[0] || 'imported';
      let result: ImportResult;
      try {
        result = importFromSysfs({ root: '/', name: hostName });
      } catch (e) {
        const msg = e instanceof ImportError ? `ImportError: ${e.message}` : `Import failed: ${(e as Error).message}`;
        void vscode.window.showErrorMessage(msg);
        return;
      }
      if (result.warnings.length) {
        channel.clear();
        for (const w of result.warnings) channel.appendLine(`${w.file ? `${w.file}${w.line !== undefined ? `:${w.line}` : ''}: ` : ''}${w.message}`);
      }
      const folder = vscode.workspace.workspaceFolders?.[0];
      const choices = folder ? ['Open as untitled', `Save to ${folder.name}/${hostName}.iommu`] : ['Open as untitled'];
      const pick =
        options?.open === 'untitled' || !folder
          ? choices[0]
          : await vscode.window.showQuickPick(choices, { placeHolder: `Imported ${result.host.devices.length} PCI functions from this host` });
      if (!pick) return;
      let doc: vscode.TextDocument;
      if (pick === choices[0]) {
        doc = await vscode.workspace.openTextDocument({ language: 'iommu', content: result.text });
      } else {
        let uri = vscode.Uri.joinPath(folder!.uri, `${hostName}.iommu`);
        try {
          await vscode.workspace.fs.stat(uri);
          const saveAs = await vscode.window.showSaveDialog({ defaultUri: uri, filters: { 'IOMMU topology': ['iommu'] } });
          if (!saveAs) return;
          uri = saveAs;
        } catch {
          /* does not exist yet: write it */
        }
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(result.text));
        doc = await vscode.workspace.openTextDocument(uri);
      }
      await vscode.window.showTextDocument(doc);
      if (result.warnings.length) {
        const notRoot = result.warnings.some((w) => w.code === 'NOT_ROOT');
        const msg = notRoot
          ? `Imported with ${result.warnings.length} warnings: not run as root, so config space was truncated to 64 bytes (ACS, DevCtl and PCIe types unknown).`
          : `Imported with ${result.warnings.length} warnings.`;
        // not awaited: the command resolves once the document is shown, the message stays until dismissed
        void vscode.window.showWarningMessage(msg, 'Show warnings').then((action) => action && channel.show(true));
      }
    }),
  );
}
