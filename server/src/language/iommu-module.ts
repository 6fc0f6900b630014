/**
 * Dependency-injection wiring of the IOMMU topology language (Langium 4).
 * Merge order: Langium defaults ← generated module ← {@link IommuTopologyModule}.
 */
import { inject, type Module } from 'langium';
import {
  createDefaultModule,
  createDefaultSharedModule,
  type DefaultSharedModuleContext,
  type LangiumServices,
  type LangiumSharedServices,
  type PartialLangiumServices,
  type PartialLangiumSharedServices,
} from 'langium/lsp';
import { IommuTopologyGeneratedModule, IommuTopologyGeneratedSharedModule } from './generated/module.js';
import { IommuDocumentValidator } from './iommu-document-validator.js';
import { IommuIndexManager } from './iommu-index-manager.js';
import { IommuLinker, IommuReferenceDescriptionProvider } from './iommu-linker.js';
import { IommuScopeComputation, IommuScopeProvider } from './iommu-scope.js';
import { IommuValidator, registerValidationChecks } from './iommu-validator.js';
import { IommuValidationRegistry } from './iommu-validation-registry.js';
import { SimulationCache } from '../lowering/simulation-cache.js';
import { IommuLspModule } from '../lsp/lsp-module.js';

export type IommuAddedServices = {
  validation: { IommuValidator: IommuValidator };
  simulation: { SimulationCache: SimulationCache };
};

export type IommuServices = LangiumServices & IommuAddedServices;

/** Shared-service overrides: imports count for "affected documents" (re-validate importers on change). */
export const IommuSharedModule: Module<LangiumSharedServices, PartialLangiumSharedServices> = {
  workspace: {
    IndexManager: (services) => new IommuIndexManager(services),
  },
};

export const IommuTopologyModule: Module<IommuServices, PartialLangiumServices & IommuAddedServices> = {
  references: {
    ScopeProvider: (services) => new IommuScopeProvider(services),
    ScopeComputation: (services) => new IommuScopeComputation(services),
    Linker: (services) => new IommuLinker(services),
  },
  workspace: {
    ReferenceDescriptionProvider: (services) => new IommuReferenceDescriptionProvider(services),
  },
  validation: {
    IommuValidator: (services) => new IommuValidator(services),
    DocumentValidator: (services) => new IommuDocumentValidator(services),
    ValidationRegistry: (services) => new IommuValidationRegistry(services),
  },
  simulation: {
    SimulationCache: (services) => new SimulationCache(services),
  },
};

/**
 * Create the shared and language services. Outside a language server (CLI, tests) pass no `connection`;
 * the configuration provider is then initialised with defaults so `getConfiguration()` never blocks.
 */
export function createIommuServices(context: DefaultSharedModuleContext): {
  shared: LangiumSharedServices;
  Iommu: IommuServices;
} {
  const shared = inject(createDefaultSharedModule(context), IommuTopologyGeneratedSharedModule, IommuSharedModule);
  const Iommu = inject(createDefaultModule({ shared }), IommuTopologyGeneratedModule, IommuTopologyModule, IommuLspModule);
  shared.ServiceRegistry.register(Iommu);
  registerValidationChecks(Iommu);
  if (!context.connection) {
    shared.workspace.ConfigurationProvider.initialized({});
  }
  return { shared, Iommu };
}
