/**
 * In-process part of `npm run bench` (bundled by scripts/bench.mjs with esbuild, like the server): bare
 * Langium parse+link vs full check, a breakdown of where the full check's time goes, and heap after a build.
 * Uses the same services as the server and the CLI (`createIommuServices`), with an in-memory file system.
 */
import '../../server/src/polyfill.js';
import { AstUtils, EmptyFileSystem, URI, type LangiumDocument } from 'langium';
import { createIommuServices } from '../../server/src/language/iommu-module.js';
import type { Document } from '../../server/src/language/generated/ast.js';
import { lowerDocuments } from '../../server/src/lowering/lower.js';
import { simulate } from '../../src-core/src/simulate.js';
import { computeGroups } from '../../src-core/src/groups/index.js';
import { probeOrder } from '../../src-core/src/probe-order.js';

const now = () => performance.now();
let seq = 0;

export interface BuildTimes {
  parse: number[];
  bare: number[];
  full: number[];
}

export interface Breakdown {
  /** One instrumented full build (ms): total = parse + DocumentBuilder.build. */
  total: number;
  parse: number;
  /** Linker.link over the document, and the part of it spent in the scope provider's getScope. */
  link: number;
  getScope: number;
  getScopeCalls: number;
  /** DocumentValidator.validateDocument, and the part of it spent computing the simulation (lower + simulate). */
  validate: number;
  simulation: number;
  /** Standalone re-runs on the built document: lowering, simulate(), and computeGroups() alone. */
  lower: number;
  simulate: number;
  groups: number;
  diagnostics: number;
  astNodes: number;
}

function services() {
  return createIommuServices(EmptyFileSystem);
}

type S = ReturnType<typeof services>;

/** Parse, add and build one new document from `text` (the caller times it). */
async function buildOnce(s: S, text: string, validation: boolean): Promise<LangiumDocument> {
  const uri = URI.parse(`memory:///bench/${seq++}.iommu`);
  const doc = s.shared.workspace.LangiumDocumentFactory.fromString(text, uri);
  s.shared.workspace.LangiumDocuments.addDocument(doc);
  await s.shared.workspace.DocumentBuilder.build([doc], { validation });
  return doc;
}

/**
 * Remove the document as a language server does on close/delete. `update` must find the document to clean
 * up its index entries and build state: deleting it from LangiumDocuments first (as this bench once did)
 * leaks every document and makes later runs pay for garbage collection of an ever-growing heap.
 */
async function drop(s: S, doc: LangiumDocument) {
  await s.shared.workspace.DocumentBuilder.update([], [doc.uri]);
}

/**
 * Bare and full builds in alternating batches: `runs` timed pairs of batches (after `warmup` untimed
 * pairs), each batch `batch` builds of a new document, timed as a whole; the figure per kind is the batch
 * time / `batch`. Batches make each kind pay for the garbage collection its own allocations trigger
 * (single small builds are 3–5 ms and a scavenge 2–3 ms, so per-build medians depend on where the
 * scavenges fall). No forced GC between timed builds: a `gc()` before each batch shrinks the young
 * generation, and the batch after it pays for growing it again (that made both kinds slower and the
 * ratio worse). The order of the two kinds alternates between runs, so that a big document's major GC,
 * which comes about once per run, does not lock onto the same kind in every run. Heap is measured
 * afterwards, on one more full build between two `gc` calls (if `gc` is given), while that document is
 * still loaded.
 */
export async function measureBuilds(text: string, runs: number, warmup = 1, gc?: () => void, batch = 1): Promise<BuildTimes & { heapMB: number; heapDeltaMB: number; rssMB: number }> {
  const s = services();
  const out: BuildTimes = { parse: [], bare: [], full: [] };
  const timeBatch = async (validation: boolean) => {
    const t0 = now();
    for (let b = 0; b < batch; b++) {
      await drop(s, await buildOnce(s, text, validation));
    }
    return (now() - t0) / batch;
  };
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = now();
    for (let b = 0; b < batch; b++) s.shared.workspace.LangiumDocumentFactory.fromString(text, URI.parse(`memory:///bench/p${seq++}.iommu`));
    const parse = (now() - t0) / batch;
    let bare: number, full: number;
    if (i % 2 === 0) {
      bare = await timeBatch(false);
      full = await timeBatch(true);
    } else {
      full = await timeBatch(true);
      bare = await timeBatch(false);
    }
    if (i >= warmup) {
      out.parse.push(parse);
      out.bare.push(bare);
      out.full.push(full);
    }
  }
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const last = await buildOnce(s, text, true);
  gc?.();
  const m = process.memoryUsage();
  const heap = { heapMB: m.heapUsed / 2 ** 20, heapDeltaMB: (m.heapUsed - before) / 2 ** 20, rssMB: m.rss / 2 ** 20 };
  await drop(s, last);
  return { ...out, ...heap };
}

/** Wrap `obj[name]` to accumulate its wall time (the bench's own instrumentation; server code is unchanged). */
function timeMethod(obj: object, name: string, acc: { ms: number; calls: number }) {
  const o = obj as Record<string, (...a: unknown[]) => unknown>;
  const orig = o[name];
  let depth = 0;
  o[name] = function (this: unknown, ...a: unknown[]) {
    if (depth++ > 0) {
      try {
        return orig.apply(this, a);
      } finally {
        depth--;
      }
    }
    const t = now();
    acc.calls++;
    const finish = () => {
      acc.ms += now() - t;
      depth--;
    };
    let r: unknown;
    try {
      r = orig.apply(this, a);
    } catch (e) {
      finish();
      throw e;
    }
    if (r && typeof (r as Promise<unknown>).then === 'function') return (r as Promise<unknown>).finally(finish);
    finish();
    return r;
  };
}

/** One instrumented full build, then each simulator stage timed separately on the built document. */
export async function breakdown(text: string): Promise<Breakdown> {
  const s = services();
  await measureBuilds(text, 0, 1); // warm up the JIT on this input (separate services)
  s.shared.workspace.LangiumDocumentFactory.fromString(text, URI.parse(`memory:///bench/w${seq++}.iommu`)); // and this parser instance
  const acc = { link: { ms: 0, calls: 0 }, scope: { ms: 0, calls: 0 }, validate: { ms: 0, calls: 0 }, sim: { ms: 0, calls: 0 } };
  timeMethod(s.Iommu.references.Linker, 'link', acc.link);
  timeMethod(s.Iommu.references.ScopeProvider, 'getScope', acc.scope);
  timeMethod(s.Iommu.validation.DocumentValidator, 'validateDocument', acc.validate);
  timeMethod(s.Iommu.simulation.SimulationCache, 'get', acc.sim);
  const uri = URI.parse(`memory:///bench/b${seq++}.iommu`);
  const t0 = now();
  const doc = s.shared.workspace.LangiumDocumentFactory.fromString(text, uri);
  const parse = now() - t0;
  s.shared.workspace.LangiumDocuments.addDocument(doc);
  await s.shared.workspace.DocumentBuilder.build([doc], { validation: true });
  const total = now() - t0;
  const root = doc.parseResult.value as Document;
  let t = now();
  const lowered = lowerDocuments([root]);
  const lower = now() - t;
  t = now();
  simulate(lowered.topology, {});
  const sim = now() - t;
  t = now();
  for (const h of lowered.topology.hosts) computeGroups({ ...h, devices: probeOrder(h.devices) }, h.kernel, {});
  const groups = now() - t;
  let astNodes = 0;
  for (const _ of AstUtils.streamAst(root)) astNodes++;
  return {
    total,
    parse,
    link: acc.link.ms,
    getScope: acc.scope.ms,
    getScopeCalls: acc.scope.calls,
    validate: acc.validate.ms,
    simulation: acc.sim.ms,
    lower,
    simulate: sim,
    groups,
    diagnostics: doc.diagnostics?.length ?? 0,
    astNodes,
  };
}
