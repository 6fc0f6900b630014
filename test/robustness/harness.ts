import { afterAll, describe, expect, it } from 'vitest';
/**
 * Shared machinery of the robustness suite: feed arbitrary (mostly broken) texts through the in-process
 * services the way the language server does on each keystroke (`TextDocuments.set` + `DocumentBuilder.update`),
 * then exercise the LSP feature providers. Every failure is collected with the exact input, so a report can
 * name a minimal reproducer instead of stopping at the first one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DocumentState, EmptyFileSystem, URI, type LangiumDocument } from 'langium';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, Position } from 'vscode-languageserver-types';
import '../../server/src/polyfill.js';
import { createIommuServices } from '../../server/src/language/iommu-module.js';
import { rng } from '../../src-core/test/rng.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXAMPLES = fs
  .readdirSync(path.join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.iommu'))
  .sort()
  .map((f) => ({ name: f, text: fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8') }));

export interface Failure {
  /** What was being done: update, hover@L:C, ... */
  stage: string;
  error: string;
  /** The exact document text that triggered it. */
  input: string;
}

/**
 * Server/core bugs this suite found that are not fixed yet. A failure whose error matches is counted under
 * the bug id instead of failing the test; add its minimal reproducer to regressions.test.ts as `it.fails`,
 * so a fix makes that test fail until the entry here is removed (then turn it into a plain `it`).
 */
export const KNOWN_BUGS: { id: string; match: RegExp; summary: string }[] = [
  // (BUG-1, nameless host in the host scope, fixed in bea4530; reproducer kept in regressions.test.ts.)
];

/** Internal-error markers: Langium turns exceptions in checks/scoping into diagnostics; the simulator emits INT001. */
const INTERNAL = /An error occurred|internal error|INT001/;

function messageOf(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : (d.message as { value: string }).value;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 7).join('\n')}`;
  return String(e);
}

export class Robustness {
  readonly services = createIommuServices(EmptyFileSystem);
  readonly failures: Failure[] = [];
  private version = 0;
  private consoleErrors: string[] = [];
  private readonly origError = console.error;
  steps = 0;
  providerRuns = 0;

  constructor(readonly uri = 'file:///robust/test.iommu') {
    // Langium logs caught exceptions (linker, validator) through console.error: those are failures too.
    console.error = (...args: unknown[]) => {
      this.consoleErrors.push(args.map((a) => (a instanceof Error ? errorText(a) : String(a))).join(' '));
    };
  }

  dispose() {
    console.error = this.origError;
  }

  /** Failures that match a KNOWN_BUGS entry, by bug id (counted, not failed; see known-bugs.test.ts). */
  readonly known = new Map<string, number>();

  private fail(stage: string, error: string, input: string) {
    const bug = KNOWN_BUGS.find((b) => b.match.test(error));
    if (bug) this.known.set(bug.id, (this.known.get(bug.id) ?? 0) + 1);
    else if (this.failures.length < 200) this.failures.push({ stage, error, input });
  }

  /** The failures so far (and forget them), for one test's assertion. */
  take(): Failure[] {
    return this.failures.splice(0);
  }

  /** Simulate an edit that sets the whole text; returns the validated document (or undefined on failure). */
  async edit(text: string): Promise<LangiumDocument | undefined> {
    this.steps++;
    const { shared } = this.services;
    const uri = URI.parse(this.uri);
    this.consoleErrors = [];
    let doc: LangiumDocument | undefined;
    try {
      shared.workspace.TextDocuments!.set(TextDocument.create(this.uri, 'iommu', ++this.version, text));
      await shared.workspace.DocumentBuilder.update([uri], []);
      doc = shared.workspace.LangiumDocuments.getDocument(uri);
    } catch (e) {
      this.fail('update', errorText(e), text);
      return undefined;
    }
    if (!doc) {
      this.fail('update', 'document missing after update', text);
      return undefined;
    }
    if (doc.textDocument.getText() !== text) this.fail('update', 'document text differs from the edit', text);
    if (doc.state < DocumentState.Validated) this.fail('update', `document state ${doc.state} < Validated after update`, text);
    for (const d of doc.diagnostics ?? []) {
      const m = messageOf(d);
      if (INTERNAL.test(m) || d.code === 'INT001') this.fail('validation', `diagnostic ${String(d.code)}: ${m}`, text);
    }
    for (const e of this.consoleErrors) this.fail('console.error', e, text);
    return doc;
  }

  /** Run every feature provider at `positions` (plus whole-document ones); nothing may throw. */
  async providers(doc: LangiumDocument, positions: Position[]): Promise<void> {
    this.providerRuns++;
    const lsp = this.services.Iommu.lsp;
    const text = doc.textDocument.getText();
    const textDocument = { uri: doc.uri.toString() };
    const full = { start: { line: 0, character: 0 }, end: doc.textDocument.positionAt(text.length) };
    this.consoleErrors = [];
    const run = async (stage: string, f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        this.fail(stage, errorText(e), text);
      }
    };
    for (const position of positions) {
      const at = `@${position.line}:${position.character}`;
      await run(`hover${at}`, () => lsp.HoverProvider?.getHoverContent(doc, { textDocument, position }));
      await run(`completion${at}`, () => lsp.CompletionProvider?.getCompletion(doc, { textDocument, position }));
      const range = { start: position, end: position };
      await run(`codeActions${at}`, () =>
        lsp.CodeActionProvider?.getCodeActions(doc, { textDocument, range, context: { diagnostics: (doc.diagnostics ?? []).filter((d) => d.range.start.line === position.line) } }),
      );
    }
    await run('codeActions(all diagnostics)', () => lsp.CodeActionProvider?.getCodeActions(doc, { textDocument, range: full, context: { diagnostics: doc.diagnostics ?? [] } }));
    await run('inlayHints', () => lsp.InlayHintProvider?.getInlayHints(doc, { textDocument, range: full }));
    await run('documentSymbols', () => lsp.DocumentSymbolProvider?.getSymbols(doc, { textDocument }));
    await run('formatting', () => lsp.Formatter?.formatDocument(doc, { textDocument, options: { tabSize: 4, insertSpaces: true } }));
    await run('semanticTokens', () => lsp.SemanticTokenProvider?.semanticHighlight(doc, { textDocument }));
    for (const e of this.consoleErrors) this.fail('console.error(providers)', e, text);
  }

  /** A few positions: start, end, and `extra` spread over the text (deterministic). */
  positions(doc: LangiumDocument, extra = 3): Position[] {
    const text = doc.textDocument.getText();
    const offsets = new Set([0, text.length, Math.max(0, text.length - 1)]);
    for (let i = 1; i <= extra; i++) offsets.add(Math.floor((text.length * i) / (extra + 1)));
    return [...offsets].map((o) => doc.textDocument.positionAt(o));
  }

  /** Human-readable summary of the failures, smallest input first, one per distinct (stage kind, error line). */
  report(failures: Failure[] = this.failures): string {
    const seen = new Map<string, Failure>();
    for (const f of [...failures].sort((a, b) => a.input.length - b.input.length)) {
      const key = signature(f);
      if (!seen.has(key)) seen.set(key, f);
    }
    return [...seen.values()]
      .map((f) => `--- ${f.stage}: ${f.error}\n--- input (${f.input.length} chars):\n${f.input}\n`)
      .join('\n');
  }
}

export { rng };

/** Prefix lengths to try for a text: every length up to 2,000, then every 3rd, and always the full text. */
export function prefixLengths(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= n; i += i < 2000 ? 1 : 3) out.push(i);
  if (out[out.length - 1] !== n) out.push(n);
  return out;
}

/**
 * Type `text` character by character (see prefixLengths) into one document; validate each state and run the
 * providers on every `providerEvery`-th state and on the last one.
 */
export async function typeThrough(r: Robustness, text: string, providerEvery = 4): Promise<void> {
  const lengths = prefixLengths(text.length);
  for (let k = 0; k < lengths.length; k++) {
    const doc = await r.edit(text.slice(0, lengths[k]));
    if (doc && (k % providerEvery === 0 || k === lengths.length - 1)) await r.providers(doc, r.positions(doc, 2));
  }
}

/** The grammar's keywords (every quoted literal in the .langium file). */
export const KEYWORDS = [
  ...new Set(
    [...fs.readFileSync(path.join(ROOT, 'server/src/language/iommu-topology.langium'), 'utf8').matchAll(/'([^'\s]+)'/g)].map((m) => m[1]),
  ),
].sort();

const BDFS = ['0000:00:00.0', '0000:01:00.0', '01:00.1', 'ffff:ff:1f.7', '10000:00:00.0', '0000:065:00.0', '65:0.0', '0:0:0.9', '00:00.x', 'zz:zz.z', '0000:00:20.0'];
const OTHER = ['{', '}', '{', '}', ',', '=', '"', '"x"', '0x', '0x1f', '6.12', '6', '99.99.99', 'abcd:1234', '8086:', '\n', '\n', ' ', '/*', '*/', '//', 'gpu', 'vfio-pci', 'none', 'yes', 'SV', 'x86-ir', 'snoop-control', 'iommufd-cdev', '-', '.', '\u00e9', '\t'];

/** One random edit of `text`: delete a span or a line, duplicate or swap lines, insert a token, replace a word. */
export function randomEdit(text: string, rand: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const at = Math.floor(rand() * (text.length + 1));
  const lines = text.split('\n');
  const li = Math.floor(rand() * lines.length);
  switch (Math.floor(rand() * 8)) {
    case 0: // delete a span
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(rand() * 40)));
    case 1: // delete a line
      lines.splice(li, 1);
      return lines.join('\n');
    case 2: // duplicate a line
      lines.splice(li, 0, lines[li]);
      return lines.join('\n');
    case 3: {
      // swap two lines
      const lj = Math.floor(rand() * lines.length);
      [lines[li], lines[lj]] = [lines[lj], lines[li]];
      return lines.join('\n');
    }
    case 4: // a keyword
      return text.slice(0, at) + pick([' ', '', '\n']) + pick(KEYWORDS) + pick([' ', '', '\n']) + text.slice(at);
    case 5: // a BDF
      return text.slice(0, at) + ' ' + pick(BDFS) + ' ' + text.slice(at);
    case 6: // punctuation and values
      return text.slice(0, at) + pick(OTHER) + text.slice(at);
    default: {
      // replace a word with another word of the text (names, references, values)
      const words = [...text.matchAll(/[\w:.\-]+/g)];
      if (words.length < 2) return text + pick(KEYWORDS);
      const w = pick(words);
      return text.slice(0, w.index!) + pick(words)[0] + text.slice(w.index! + w[0].length);
    }
  }
}

/** Signature of a failure, for grouping: stage kind and the first line of the error with quoted parts elided. */
export function signature(f: Failure): string {
  return `${f.stage.replace(/@.*/, '')}|${f.error.split('\n')[0].replace(/'[^']*'/g, "'…'").replace(/\/elements@\d+/g, '/elements@N')}`;
}

export const EDITS_PER_EXAMPLE = Number(process.env.ROBUST_EDITS ?? 250);
export const SEED = Number(process.env.ROBUST_SEED ?? 20260105);

/** Seeded random-edit sessions (ROBUST_EDITS / ROBUST_SEED override). The texts of one seeded session over `text` (restarts from the original every 40 edits). */
export function session(text: string, seed: number, edits = EDITS_PER_EXAMPLE): string[] {
  const rand = rng(seed);
  const out: string[] = [];
  let cur = text;
  for (let i = 0; i < edits; i++) {
    if (i % 40 === 0) cur = text;
    cur = randomEdit(cur, rand);
    out.push(cur);
  }
  return out;
}


/**
 * The typing suite for one share of the examples (`part` of `parts`): vitest runs each test file on its own
 * worker, so typing-1/typing-2 each call this with their part.
 */
export function typingSuite(part: number, parts: number): void {
  const mine = EXAMPLES.filter((_, i) => i % parts === part);
  describe('typing every example character by character', () => {
    const r = new Robustness(`file:///robust/typing-${part + 1}.iommu`);
    afterAll(() => {
      r.dispose();
      if (r.known.size) console.warn(`known bugs hit: ${[...r.known].map(([id, n]) => `${id} ×${n}`).join(', ')}`);
    });
    for (const ex of mine) {
      it(`${ex.name}: every prefix validates and providers answer`, async () => {
        const before = r.steps;
        await typeThrough(r, ex.text);
        expect(r.steps - before).toBeGreaterThanOrEqual(ex.text.length);
        const failures = r.take();
        expect(failures, r.report(failures)).toEqual([]);
      });
    }
  });
}
