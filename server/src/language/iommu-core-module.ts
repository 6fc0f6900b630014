/**
 * Dependency-injection wiring of the IOMMU topology language without the language server (Langium 4 core):
 * parsing, linking, validation and the simulator, for the CLI's `check` and for the full services of
 * {@link ./iommu-module.ts}, which add the LSP features on top. Nothing here loads `langium/lsp` or
 * `vscode-languageserver` at run time, so the CLI does not pay for them.
 * Merge order: Langium core defaults ← generated module ← {@link IommuTopologyModule}.
 */
import {
  createDefaultCoreModule,
  createDefaultSharedCoreModule,
  inject,
  type DefaultSharedCoreModuleContext,
  type LangiumCoreServices,
  type LangiumSharedCoreServices,
  type Module,
  type PartialLangiumCoreServices,
  type PartialLangiumSharedCoreServices,
} from 'langium';
import { IommuTopologyGeneratedModule, IommuTopologyGeneratedSharedModule } from './generated/module.js';
import { IommuLangiumDocumentFactory } from './iommu-document-factory.js';
import { IommuDocumentValidator } from './iommu-document-validator.js';
import { IommuIndexManager } from './iommu-index-manager.js';
import { IommuLinker, IommuReferenceDescriptionProvider } from './iommu-linker.js';
import { IommuNameProvider } from './iommu-name-provider.js';
import { IommuScopeComputation, IommuScopeProvider } from './iommu-scope.js';
import { IommuValidator, registerValidationChecks } from './iommu-validator.js';
import { IommuValidationRegistry } from './iommu-validation-registry.js';
import { IommuLexer } from './iommu-lexer.js';
import { createIommuParser } from './iommu-parser.js';
import { IommuParserErrorMessageProvider } from './parser-messages.js';
import { SimulationCache } from '../lowering/simulation-cache.js';

export type IommuAddedServices = {
  validation: { IommuValidator: IommuValidator };
  simulation: { SimulationCache: SimulationCache };
};

/** The language's services without the LSP features (enough to parse, link, validate and simulate). */
export type IommuCoreServices = LangiumCoreServices & IommuAddedServices;

/**
 * Shared-service overrides: imports count for "affected documents" (re-validate importers on change); a closed
 * document whose file cannot be read keeps its last text ({@link IommuLangiumDocumentFactory}).
 */
export const IommuSharedModule: Module<LangiumSharedCoreServices, PartialLangiumSharedCoreServices> = {
  workspace: {
    IndexManager: (services) => new IommuIndexManager(services),
    LangiumDocumentFactory: (services) => new IommuLangiumDocumentFactory(services),
  },
};

export const IommuTopologyModule: Module<IommuCoreServices, PartialLangiumCoreServices & IommuAddedServices> = {
  parser: {
    ParserErrorMessageProvider: (services) => new IommuParserErrorMessageProvider(services.Grammar),
    LangiumParser: (services) => createIommuParser(services),
    Lexer: (services) => new IommuLexer(services),
  },
  references: {
    ScopeProvider: (services) => new IommuScopeProvider(services),
    ScopeComputation: (services) => new IommuScopeComputation(services),
    Linker: (services) => new IommuLinker(services),
    NameProvider: () => new IommuNameProvider(),
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
 * Create the shared and language services without the language server: the same parsing, linking,
 * validation and simulation as {@link ./iommu-module.ts createIommuServices}, for the CLI's `check`.
 * The configuration provider is initialised with defaults, so `getConfiguration()` never blocks.
 */
export function createIommuCoreServices(context: DefaultSharedCoreModuleContext): {
  shared: LangiumSharedCoreServices;
  Iommu: IommuCoreServices;
} {
  const shared = inject(createDefaultSharedCoreModule(context), IommuTopologyGeneratedSharedModule, IommuSharedModule);
  const Iommu = inject(createDefaultCoreModule({ shared }), IommuTopologyGeneratedModule, IommuTopologyModule);
  shared.ServiceRegistry.register(Iommu);
  registerValidationChecks(Iommu);
  shared.workspace.ConfigurationProvider.initialized({});
  return { shared, Iommu };
}
