/**
 * Editor settings (`iommu.defaultKernel`, `iommu.severityOverrides`): re-read on every configuration change;
 * a change clears the simulation cache and re-validates all documents.
 *
 * The rebuild runs under the workspace write lock, after the initial workspace build: VS Code sends
 * `workspace/didChangeConfiguration` at start-up, and a build running next to the initial one would publish
 * every diagnostic twice.
 */
import { DocumentState } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import { parseKernelVersion } from '../../../src-core/src/kernel-version.js';
import type { IommuServices } from '../language/iommu-module.js';

export function installSettings(shared: LangiumSharedServices, services: IommuServices): void {
  const config = shared.workspace.ConfigurationProvider;
  const apply = async () => {
    const kernel = await config.getConfiguration('iommu', 'defaultKernel');
    const defaultKernel = typeof kernel === 'string' && kernel ? parseKernelVersion(kernel) : undefined;
    services.simulation.SimulationCache.setOptions({ defaultKernel });
  };
  const rebuild = async () => {
    // with a client the initial workspace build starts after `initialized`; wait for it (no client: nothing to wait for)
    if (shared.lsp?.Connection) await shared.workspace.WorkspaceManager.ready;
    await shared.workspace.WorkspaceLock.write(async (token) => {
      await apply();
      const docs = shared.workspace.LangiumDocuments.all.toArray();
      if (!docs.length) return;
      for (const d of docs) shared.workspace.DocumentBuilder.resetToState(d, DocumentState.ComputedScopes);
      await shared.workspace.DocumentBuilder.build(docs, { validation: true }, token);
    });
  };
  config.onConfigurationSectionUpdate((update) => {
    if (update.section === 'iommu') void rebuild();
  });
  // with a client: read the settings once it is initialized (later changes arrive through the listener)
  shared.lsp?.LanguageServer?.onInitialized(() => {
    void rebuild();
  });
}
