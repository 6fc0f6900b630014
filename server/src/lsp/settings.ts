/**
 * Editor settings (`iommu.defaultKernel`, `iommu.severityOverrides`): re-read on every configuration change;
 * a change clears the simulation cache and re-validates open documents.
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
  config.onConfigurationSectionUpdate(async (update) => {
    if (update.section !== 'iommu') return;
    await apply();
    const docs = shared.workspace.LangiumDocuments.all.toArray();
    for (const d of docs) shared.workspace.DocumentBuilder.resetToState(d, DocumentState.ComputedScopes);
    await shared.workspace.DocumentBuilder.build(docs, { validation: true });
  });
  // with a client: read the settings once it is initialized (later changes arrive through the listener)
  shared.lsp?.LanguageServer?.onInitialized(() => {
    void apply().then(async () => {
      const docs = shared.workspace.LangiumDocuments.all.toArray();
      if (!docs.length || !services.simulation.SimulationCache.getOptions().defaultKernel) return;
      for (const d of docs) shared.workspace.DocumentBuilder.resetToState(d, DocumentState.ComputedScopes);
      await shared.workspace.DocumentBuilder.build(docs, { validation: true });
    });
  });
}
