/**
 * Dependency-injection wiring of the IOMMU topology language server (Langium 4): the core services of
 * {@link ./iommu-core-module.ts} plus the LSP features.
 * Merge order: Langium defaults ← generated module ← {@link IommuTopologyModule} ← {@link IommuLspModule}.
 */
import { inject, type Module } from 'langium';
import {
  createDefaultModule,
  createDefaultSharedModule,
  type DefaultSharedModuleContext,
  type LangiumServices,
  type LangiumSharedServices,
  type PartialLangiumSharedServices,
} from 'langium/lsp';
import { IommuTopologyGeneratedModule, IommuTopologyGeneratedSharedModule } from './generated/module.js';
import { IommuSharedModule, IommuTopologyModule, type IommuAddedServices } from './iommu-core-module.js';
import { registerValidationChecks } from './iommu-validator.js';
import { IommuLspModule } from '../lsp/lsp-module.js';
import { IommuNodeKindProvider, IommuWorkspaceSymbolProvider } from '../lsp/symbols.js';
import { IommuDocumentUpdateHandler } from '../lsp/document-update-handler.js';

export { IommuSharedModule, IommuTopologyModule, type IommuAddedServices, type IommuCoreServices } from './iommu-core-module.js';

/** Shared LSP-service overrides: a failed rebuild is logged, not an unhandled rejection that ends the server. */
const IommuSharedLspModule: Module<LangiumSharedServices, PartialLangiumSharedServices> = {
  lsp: {
    DocumentUpdateHandler: (services) => new IommuDocumentUpdateHandler(services),
    NodeKindProvider: () => new IommuNodeKindProvider(),
    WorkspaceSymbolProvider: (services) => new IommuWorkspaceSymbolProvider(services),
  },
};

/** The language's services with the LSP features (hover, code actions, completion, …). */
export type IommuServices = LangiumServices & IommuAddedServices;

/**
 * Create the shared and language services. Outside a language server (CLI, tests) pass no `connection`;
 * the configuration provider is then initialised with defaults so `getConfiguration()` never blocks.
 */
export function createIommuServices(context: DefaultSharedModuleContext): {
  shared: LangiumSharedServices;
  Iommu: IommuServices;
} {
  const shared = inject(createDefaultSharedModule(context), IommuTopologyGeneratedSharedModule, IommuSharedModule, IommuSharedLspModule);
  const Iommu = inject(createDefaultModule({ shared }), IommuTopologyGeneratedModule, IommuTopologyModule, IommuLspModule);
  shared.ServiceRegistry.register(Iommu);
  registerValidationChecks(Iommu);
  if (!context.connection) {
    shared.workspace.ConfigurationProvider.initialized({});
  }
  return { shared, Iommu };
}
