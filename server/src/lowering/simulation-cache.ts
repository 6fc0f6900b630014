/**
 * One simulator run per document version, shared by validation, hover, inlay hints, code actions and the
 * CLI. Evicted for every document affected by a change (imports and shared hosts included, see IommuIndexManager),
 * so an edit in a host file re-simulates the VM files that import it, and an edit in one VM file the others on its host.
 */
import { DocumentCache, DocumentState, WorkspaceCache, type LangiumDocument } from 'langium';
import type { LangiumCoreServices } from 'langium';
import type { SimulationOptions, SimulationResult } from '../../../src-core/src/analysis.js';
import type { Finding } from '../../../src-core/src/findings.js';
import { simulate } from '../../../src-core/src/simulate.js';
import type { Document } from '../language/generated/ast.js';
import { importClosure, sharingIndex, simulatedTogether, type SharingIndex } from '../language/iommu-scope.js';
import { lowerDocuments, type Lowered } from './lower.js';

export interface DocumentSimulation extends Lowered {
  result: SimulationResult;
  /** This document first, then its imports. */
  documents: LangiumDocument[];
  /**
   * Every document lowered into this simulation: {@link documents}, or, when other VM files share one of its hosts,
   * those and their imports too, sorted by URI (`simulatedTogether`).
   */
  together: LangiumDocument[];
  /**
   * The finding a diagnostic was made from, by its code, element id and message (the first finding with all
   * three), or undefined (not a simulator diagnostic, or one from another run). For what diagnostics do not
   * carry: the explanation, kernel references and outcome (hover, the CLI's JSON and SARIF reports). The index
   * is built on the first call.
   */
  findingOf(code: string, elementId: string, message: string): Finding | undefined;
}

/** `findingOf` over `findings`, indexed on first use. */
function findingLookup(findings: readonly Finding[]): DocumentSimulation['findingOf'] {
  let index: Map<string, Finding> | undefined;
  return (code, elementId, message) => {
    if (!index) {
      index = new Map();
      for (const f of findings) {
        const key = `${f.code}\0${f.elementId}\0${f.message}`;
        if (!index.has(key)) index.set(key, f);
      }
    }
    return index.get(`${code}\0${elementId}\0${message}`);
  };
}

export class SimulationCache {
  private readonly cache: DocumentCache<string, DocumentSimulation>;
  private readonly services: LangiumCoreServices;
  /** Options applied to every run (from settings: default kernel). Changing them clears the cache. */
  private options: SimulationOptions = {};
  /** Number of simulator runs so far (for tests and the benchmark: one per document version). */
  runs = 0;

  /**
   * One run per group of documents simulated together (VM files on one host, by their sorted URIs): every member gets
   * the same lowering and result, so a workspace of N such files runs the simulator once per build, not N times.
   * Cleared at every build.
   */
  private readonly groups: WorkspaceCache<string, { lowered: Lowered; result: SimulationResult; findingOf: DocumentSimulation['findingOf'] }>;

  /** {@link sharingIndex} of the workspace, made once per workspace state. */
  private readonly sharing: WorkspaceCache<'index', SharingIndex>;

  constructor(services: LangiumCoreServices) {
    this.services = services;
    this.cache = new DocumentCache(services.shared, DocumentState.Linked);
    // cleared at every build's linking phase (and on deletions): a build that only adds documents (the CLI, tests)
    // sends no update, after which a cache cleared only on updates would keep the old groups
    this.groups = new WorkspaceCache(services.shared, DocumentState.Linked);
    this.sharing = new WorkspaceCache(services.shared, DocumentState.Linked);
  }

  setOptions(options: SimulationOptions): void {
    this.options = options;
    this.cache.clear();
    this.groups.clear();
  }

  getOptions(): SimulationOptions {
    return this.options;
  }

  /** The simulation of `doc` together with everything it imports. Computed at most once per version. */
  get(doc: LangiumDocument): DocumentSimulation {
    return this.cache.get(doc.uri, 'sim', () => {
      const all = this.services.shared.workspace.LangiumDocuments;
      const documents = importClosure(doc, all);
      // with the VM files that share one of its hosts (simulatedTogether): their VMs compete for the same groups
      const together = simulatedTogether(documents, all, this.sharing.get('index', () => sharingIndex(all)));
      const run = () => {
        const lowered = lowerDocuments(together.map((d) => d.parseResult.value as Document));
        this.runs++;
        const result = simulate(lowered.topology, this.options);
        return { lowered, result, findingOf: findingLookup(result.findings) };
      };
      const { lowered, result, findingOf } = together.length > 1 ? this.groups.get(together.map((d) => d.uri.toString()).join('\n'), run) : run();
      // not `...lowered`: that would read (and so build) the lazy `deviceById`
      return {
        topology: lowered.topology,
        nodeOf: lowered.nodeOf,
        idOf: lowered.idOf,
        heldBack: lowered.heldBack,
        get deviceById() {
          return lowered.deviceById;
        },
        result,
        documents,
        together,
        findingOf,
      };
    });
  }
}
