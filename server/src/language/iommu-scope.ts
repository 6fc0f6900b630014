/**
 * Scoping rules:
 * - `vm X on H`: hosts declared in this document or in documents it imports (transitively).
 * - `assign` / `hwpt attach` inside a VM: every PCI device of that VM's host, by name and by canonical BDF.
 *   A VM without `on` uses the only host in scope.
 * - `iommu` inside a device: IOMMU units of the enclosing host (the first unit of a duplicated name wins,
 *   as with lexical scoping).
 *
 * Every reference is resolved here from per-host maps, so Langium's per-container local symbols are not
 * needed and not computed ({@link IommuScopeComputation}); exported symbols (hosts and VMs, for workspace
 * symbols and imports) are Langium's default.
 */
import {
  AstUtils,
  CstUtils,
  DefaultScopeComputation,
  DefaultScopeProvider,
  MultiMap,
  EMPTY_SCOPE,
  MapScope,
  type AstNode,
  type AstNodeDescription,
  type AstNodeLocator,
  type DocumentSegment,
  type LangiumDocument,
  type LocalSymbols,
  type LangiumCoreServices,
  type ReferenceInfo,
  type Scope,
  URI,
  WorkspaceCache,
  UriUtils,
} from 'langium';
import { walkAst } from './ast-walk.js';
import { findPropertyCst } from './cst-lookup.js';
import { parseBdf, formatBdf } from '../../../src-core/src/bdf.js';
import { isStrayWord } from './stray-words.js';
import { wordKeywords } from './keywords.js';
import { Document, Host, Vm, isDeviceIommuProp, isDocument, isHost, isIommu, isPciDevice, isVm } from './generated/ast.js';

export class IommuScopeProvider extends DefaultScopeProvider {
  private readonly langiumDocuments: LangiumCoreServices['shared']['workspace']['LangiumDocuments'];
  /** Device scope per host, built once per workspace state (cleared on any change). */
  private readonly deviceScopes: WorkspaceCache<Host, Scope>;
  /** IOMMU-unit scope per host, same lifetime. */
  private readonly iommuScopes: WorkspaceCache<Host, Scope>;
  private readonly locator: AstNodeLocator;
  /** Word keywords: a declaration named by one (iommu-lexer.ts rule 4, SYN000) is not offered under that name. */
  private readonly keywords: ReadonlySet<string>;

  constructor(services: LangiumCoreServices) {
    super(services);
    this.keywords = wordKeywords(services.Grammar);
    this.langiumDocuments = services.shared.workspace.LangiumDocuments;
    this.deviceScopes = new WorkspaceCache(services.shared);
    this.iommuScopes = new WorkspaceCache(services.shared);
    this.locator = services.workspace.AstNodeLocator;
  }

  override getScope(context: ReferenceInfo): Scope {
    const container = context.container;
    const vm = AstUtils.getContainerOfType(container, isVm);
    if (vm && context.property === 'host') {
      // a host being typed may have no name yet: it cannot be referenced
      return new MapScope(this.visibleHosts(AstUtils.getDocument(container)).filter((h) => !!h.name && !this.keywords.has(h.name)).map((h) => this.descriptions.createDescription(h, h.name)));
    }
    if (vm && context.property === 'devices') {
      const host = vmHost(vm, (doc) => this.visibleHosts(doc));
      return host ? this.deviceScopes.get(host, () => this.deviceScope(host)) : EMPTY_SCOPE;
    }
    if (context.property === 'iommu' && isDeviceIommuProp(container)) {
      const host = AstUtils.getContainerOfType(container, isHost);
      return host ? this.iommuScopes.get(host, () => this.iommuScope(host)) : EMPTY_SCOPE;
    }
    return super.getScope(context);
  }

  /** The IOMMU units declared in `host`; for a duplicated name the first declaration. */
  private iommuScope(host: Host): Scope {
    const seen = new Set<string>();
    const out: AstNodeDescription[] = [];
    for (const m of host.members ?? []) {
      if (!isIommu(m) || !m.name || seen.has(m.name) || this.keywords.has(m.name)) continue;
      seen.add(m.name);
      out.push(this.descriptions.createDescription(m, m.name));
    }
    return new MapScope(out);
  }

  /**
   * Every PCI device of `host`, by name, canonical BDF and (domain 0) short BDF. The descriptions compute
   * their path and segments only when read (for the devices that are referenced), not for all devices.
   */
  private deviceScope(host: Host): Scope {
    const out: AstNodeDescription[] = [];
    const documentUri = AstUtils.getDocument(host).uri;
    walkAst(host, (d) => {
      if (!isPciDevice(d) || !d.name) return; // descriptions need the node's name
      if (!d.bdf && isStrayWord(d)) return; // `drivr vfio-pci`: a mistyped property, not a device named vfio-pci
      // a keyword as its name (SYN000): reachable by its BDF only, so `assign host` stays an error that says why
      if (!this.keywords.has(d.name)) out.push(new LazyDescription(d, d.name, documentUri, this.locator));
      const bdf = d.bdf ? parseBdf(d.bdf) : undefined;
      if (bdf) {
        const canonical = formatBdf(bdf);
        out.push(new LazyDescription(d, canonical, documentUri, this.locator));
        // also the short form without the 0000 domain, as users type it from lspci without -D
        if (bdf.domain === 0) out.push(new LazyDescription(d, canonical.slice(5), documentUri, this.locator));
      }
    });
    return new MapScope(out);
  }

  /** Hosts of `doc` and of every document it imports, transitively. */
  visibleHosts(doc: LangiumDocument): Host[] {
    const hosts: Host[] = [];
    for (const d of importClosure(doc, this.langiumDocuments)) {
      const root = d.parseResult?.value;
      if (isDocument(root)) for (const el of root.elements ?? []) if (isHost(el)) hosts.push(el);
    }
    return hosts;
  }
}

/**
 * An {@link AstNodeDescription} of `node` under `name` (its name or one of its BDF spellings) whose path,
 * name segment (the `name` token) and selection segment are computed on first use, as Langium's
 * `createDescription` computes them.
 */
class LazyDescription implements AstNodeDescription {
  private cachedPath?: string;
  private cachedName?: DocumentSegment;
  private cachedSelection?: DocumentSegment;

  constructor(
    readonly node: AstNode,
    readonly name: string,
    readonly documentUri: URI,
    private readonly locator: AstNodeLocator,
  ) {}

  get type(): string {
    return this.node.$type;
  }

  get path(): string {
    return (this.cachedPath ??= this.locator.getAstNodePath(this.node));
  }

  get nameSegment(): DocumentSegment | undefined {
    const cst = findPropertyCst(this.node.$cstNode, 'name') ?? this.node.$cstNode;
    return cst ? (this.cachedName ??= CstUtils.toDocumentSegment(cst)) : undefined;
  }

  get selectionSegment(): DocumentSegment | undefined {
    const cst = this.node.$cstNode;
    return cst ? (this.cachedSelection ??= CstUtils.toDocumentSegment(cst)) : undefined;
  }
}

/** Resolve an import path relative to the importing document. */
export function resolveImportUri(doc: LangiumDocument, path: string): URI {
  return UriUtils.resolvePath(UriUtils.dirname(doc.uri), path);
}

/** `doc` followed by every document reachable through `import`, each once. Missing imports are skipped. */
export function importClosure(doc: LangiumDocument, documents: { getDocument(uri: URI): LangiumDocument | undefined }): LangiumDocument[] {
  const seen = new Set<string>();
  const out: LangiumDocument[] = [];
  const visit = (d: LangiumDocument) => {
    const key = d.uri.toString();
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
    const root = d.parseResult?.value as Document | undefined;
    for (const imp of root?.imports ?? []) {
      if (!imp.path) continue;
      const target = documents.getDocument(resolveImportUri(d, imp.path));
      if (target) visit(target);
    }
  };
  visit(doc);
  return out;
}

/** Whether the document declares a host. */
function declaresHost(d: LangiumDocument): boolean {
  const root = d.parseResult?.value as Document | undefined;
  return (root?.elements ?? []).some(isHost);
}

/** The URIs of the documents of an import closure that declare a host. */
export function hostFilesOf(closure: readonly LangiumDocument[]): Set<string> {
  return new Set(closure.filter(declaresHost).map((d) => d.uri.toString()));
}

/** Whether the document declares a VM. */
function declaresVm(d: LangiumDocument): boolean {
  const root = d.parseResult?.value as Document | undefined;
  return (root?.elements ?? []).some(isVm);
}

/** Host file URI → the import closures of the VM files that reach it ({@link sharingIndex}). */
export type SharingIndex = ReadonlyMap<string, readonly (readonly LangiumDocument[])[]>;

/**
 * For every document that declares VMs, its import closure, listed under each host file the closure holds: what
 * {@link simulatedTogether} adds for a host, made once per workspace state instead of a scan per document.
 */
export function sharingIndex(documents: { all: { toArray(): LangiumDocument[] }; getDocument(uri: URI): LangiumDocument | undefined }): SharingIndex {
  const out = new Map<string, LangiumDocument[][]>();
  for (const d of documents.all.toArray()) {
    if (!declaresVm(d)) continue;
    const closure = importClosure(d, documents);
    for (const h of closure) {
      if (!declaresHost(h)) continue;
      const key = h.uri.toString();
      const list = out.get(key);
      if (list) list.push(closure);
      else out.set(key, [closure]);
    }
  }
  return out;
}

/**
 * The documents simulated together with a document, given its import `closure` ({@link importClosure}): that closure, and the closure of every other workspace document
 * that declares VMs and imports (transitively) a document of that closure that declares a host. Two VM files that
 * import one host file are one machine: their VMs compete for its iommu_groups (VIA002) as VMs of one file do. Sorted
 * by URI, so every document of the group lowers them in the same order and agrees on which VM gets a group first.
 * Just `doc` and its imports, in {@link importClosure} order, when that closure declares no host.
 */
export function simulatedTogether(closure: LangiumDocument[], documents: { all: { toArray(): LangiumDocument[] }; getDocument(uri: URI): LangiumDocument | undefined }, index?: SharingIndex): LangiumDocument[] {
  const hostDocs = hostFilesOf(closure);
  if (!hostDocs.size) return closure;
  const together = new Map(closure.map((d) => [d.uri.toString(), d]));
  const byHost = index ?? sharingIndex(documents);
  for (const host of hostDocs) for (const theirs of byHost.get(host) ?? []) for (const d of theirs) together.set(d.uri.toString(), d);
  // always by URI once a host is involved: a host file's simulation and a VM file's must put the VMs in one order
  // (the first to attach gets a group), whether or not other files joined
  return [...together.values()].sort((a, b) => (a.uri.toString() < b.uri.toString() ? -1 : 1));
}

/**
 * Whether a change to `changedUri` can change the simulation of a document through a shared host (see
 * {@link simulatedTogether}), given the host files of that document's closure ({@link hostFilesOf}): one of them imports
 * a host file the other's closure holds. A document no longer in the workspace (deleted) counts as shared when the
 * closure declares a host, since what it imported is gone with it. `newText`, the changed
 * document's text when it is known before it is parsed again (an editor's copy), adds the imports it just gained.
 */
export function sharesHost(hostDocs: ReadonlySet<string>, changedUri: string, documents: { getDocument(uri: URI): LangiumDocument | undefined }, newText?: string): boolean {
  if (!hostDocs.size) return false;
  const uri = URI.parse(changedUri);
  const changed = documents.getDocument(uri);
  if (!changed) return true;
  if (importClosure(changed, documents).some((d) => hostDocs.has(d.uri.toString()))) return true;
  // its new text, not parsed yet when this is asked: an `import` it just gained of a file that reaches one of the hosts
  if (newText === undefined) return false;
  for (const m of newText.matchAll(/^[ \t]*import[ \t]+"([^"\n]*)"/gm)) {
    const target = documents.getDocument(UriUtils.resolvePath(UriUtils.dirname(uri), m[1]));
    if (target && importClosure(target, documents).some((d) => hostDocs.has(d.uri.toString()))) return true;
  }
  return false;
}

/** The host a VM runs on: its `on` reference, or the only visible host. */
export function vmHost(vm: Vm, visibleHosts: (doc: LangiumDocument) => Host[]): Host | undefined {
  if (vm.host) return vm.host.ref;
  const hosts = visibleHosts(AstUtils.getDocument(vm));
  return hosts.length === 1 ? hosts[0] : undefined;
}


/**
 * Exported symbols as Langium computes them (the document's hosts and VMs); no local symbols, because
 * {@link IommuScopeProvider} resolves every reference kind from its own per-host maps. Langium's default
 * would create a description for every named node and await a cancellation check per AST node.
 */
export class IommuScopeComputation extends DefaultScopeComputation {
  override async collectLocalSymbols(): Promise<LocalSymbols> {
    return new MultiMap();
  }
}
