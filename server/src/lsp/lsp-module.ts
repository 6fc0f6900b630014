/**
 * The LSP feature services we add to Langium's defaults. Langium advertises a capability only when the
 * service exists, so everything the server offers beyond the defaults is listed here.
 */
import type { Module } from 'langium';
import type { PartialLangiumServices } from 'langium/lsp';
import type { IommuServices } from '../language/iommu-module.js';
import { IommuCodeActionProvider } from './code-actions.js';
import { IommuCompletionProvider } from './completion.js';
import { IommuFormatter } from './formatter.js';
import { IommuHoverProvider } from './hover.js';
import { IommuSemanticTokenProvider } from './semantic-tokens.js';
import { IommuInlayHintProvider } from './inlay-hints.js';
import { IommuRenameProvider } from './rename.js';
import { IommuDefinitionProvider, IommuDocumentLinkProvider } from './imports.js';
import { IommuDocumentSymbolProvider } from './symbols.js';

export const IommuLspModule: Module<IommuServices, PartialLangiumServices> = {
  lsp: {
    HoverProvider: (services) => new IommuHoverProvider(services),
    CodeActionProvider: (services) => new IommuCodeActionProvider(services),
    InlayHintProvider: (services) => new IommuInlayHintProvider(services),
    CompletionProvider: (services) => new IommuCompletionProvider(services),
    SemanticTokenProvider: (services) => new IommuSemanticTokenProvider(services),
    Formatter: () => new IommuFormatter(),
    RenameProvider: (services) => new IommuRenameProvider(services),
    DocumentSymbolProvider: (services) => new IommuDocumentSymbolProvider(services),
    DocumentLinkProvider: (services) => new IommuDocumentLinkProvider(services),
    DefinitionProvider: (services) => new IommuDefinitionProvider(services),
  },
};
