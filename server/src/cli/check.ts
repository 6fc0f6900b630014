/**
 * `iommu-topo check`: load topology files (and their imports), validate them with the same services as the
 * language server, and report. Formats: gcc-style text, stable JSON (schema in README "JSON output"), SARIF 2.1.0.
 *
 * Exit codes: 0 = no error-severity finding; 1 = at least one error finding; 2 = bad input (missing file,
 * unreadable file, or a file with syntax errors).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AstUtils, DocumentState, URI, type LangiumDocument } from 'langium';
import { NodeFileSystem } from 'langium/node';
import type { Diagnostic } from 'vscode-languageserver-types';
import { formatBdf } from '../../../src-core/src/bdf.js';
import type { SimulationOptions } from '../../../src-core/src/analysis.js';
import type { Finding } from '../../../src-core/src/findings.js';
import { formatKernel } from '../../../src-core/src/kernel-version.js';
import { fsErrorLine } from './fs-errors.js';
import { allRuleMeta } from './rules-table.js';
import { createIommuCoreServices, type IommuCoreServices } from '../language/iommu-core-module.js';
import { diagnosticMessage, findingOfDiagnostic, type IommuDiagnosticData } from '../language/iommu-validator.js';
import { ruleHref } from '../language/rule-links.js';

export type OutputFormat = 'text' | 'json' | 'sarif';

export const TOOL_VERSION = '0.1.0';
/** Bumped only on incompatible changes of the JSON output. */
export const JSON_SCHEMA_VERSION = 1;

export class InputError extends Error {}

const SEVERITY_NAME = ['error', 'error', 'warning', 'info', 'hint'] as const; // LSP DiagnosticSeverity 1..4

/**
 * Expand files and directories (recursively, `*.iommu`) into absolute file paths, sorted. Throws InputError, located
 * at the path as the reports show it ({@link displayPath}): a path that does not exist or cannot be read, a directory
 * that cannot be listed, or a file named explicitly that is not a `.iommu` file.
 */
export function collectFiles(inputs: string[], cwd = process.cwd()): string[] {
  const out = new Set<string>();
  const shown = (abs: string) => displayPath(cwd, abs);
  const walk = (p: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(p, { withFileTypes: true });
    } catch (e) {
      throw new InputError(fsErrorLine(shown(p), e));
    }
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(p, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.iommu')) out.add(full);
    }
  };
  for (const input of inputs) {
    const abs = path.resolve(cwd, input);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(code === 'ENOENT' || code === 'ENOTDIR' ? `${shown(abs)}: no such file or directory` : fsErrorLine(shown(abs), e));
    }
    if (st.isDirectory()) walk(abs);
    else if (!abs.endsWith('.iommu')) throw new InputError(`${shown(abs)}: not a topology file (expected .iommu)`);
    else out.add(abs);
  }
  if (out.size === 0) throw new InputError(`no .iommu files found in ${inputs.join(', ')}`);
  return [...out].sort();
}

/**
 * How the reports name a file: relative to `cwd` when it is inside it (`examples/x.iommu`), else its absolute path
 * (`/tmp/ux/x.iommu`, not `../../tmp/ux/x.iommu`).
 */
export function displayPath(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return !rel || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel) ? abs : rel;
}

/** A SARIF `artifactLocation.uri`: the relative path with `/` inside `cwd`, else a `file://` URI. */
function sarifUri(cwd: string, abs: string): string {
  const shown = displayPath(cwd, abs);
  return shown === abs ? pathToFileURL(abs).href : shown.split(path.sep).join('/');
}

export interface FileReport {
  path: string;
  document: LangiumDocument;
  diagnostics: Diagnostic[];
  syntaxErrors: number;
}

export interface CheckRun {
  files: FileReport[];
  services: IommuCoreServices;
}

/** Load and validate. Imported files not listed on the command line are loaded too but not reported. */
export async function runCheck(files: string[], options: SimulationOptions = {}, timings?: (phase: string, ms: number) => void): Promise<CheckRun> {
  let last = performance.now();
  const mark = (phase: string) => {
    const now = performance.now();
    timings?.(phase, now - last);
    last = now;
  };
  const { shared, Iommu } = createIommuCoreServices(NodeFileSystem);
  mark('services');
  Iommu.simulation.SimulationCache.setOptions(options);
  const documents = shared.workspace.LangiumDocuments;
  const loaded: LangiumDocument[] = [];
  const queue = [...files];
  const seen = new Set<string>();
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    let doc: LangiumDocument;
    try {
      doc = await documents.getOrCreateDocument(URI.file(file));
    } catch (e) {
      if (files.includes(file)) throw new InputError(fsErrorLine(displayPath(process.cwd(), file), e));
      continue; // a missing import: reported as IMP001 by the validator
    }
    loaded.push(doc);
    const root = doc.parseResult.value as { imports?: { path?: string }[] };
    for (const imp of root.imports ?? []) {
      if (imp.path) queue.push(path.resolve(path.dirname(file), imp.path));
    }
  }
  mark('read+parse');
  if (timings) {
    const names = ['', 'parse', 'index', 'scopes', 'link', 'index-refs', 'validate'];
    for (let st = DocumentState.IndexedContent; st <= DocumentState.Validated; st++) shared.workspace.DocumentBuilder.onBuildPhase(st, () => mark(names[st]));
  }
  await shared.workspace.DocumentBuilder.build(loaded, { validation: true });
  const reports: FileReport[] = [];
  for (const doc of loaded) {
    const p = doc.uri.fsPath;
    if (!files.includes(p)) continue;
    if (doc.state < DocumentState.Validated) throw new Error(`internal: ${p} was not validated`);
    const diagnostics = byPosition(doc.diagnostics ?? []);
    const syntaxErrors = diagnostics.filter(isSyntaxError).length;
    reports.push({ path: p, document: doc, diagnostics, syntaxErrors });
  }
  return { files: reports, services: Iommu };
}

function codeOf(d: Diagnostic): string {
  return typeof d.code === 'string' ? d.code : ((d.data as IommuDiagnosticData | undefined)?.code ?? 'SYNTAX');
}

/** The core finding behind a diagnostic, for JSON/SARIF details (kernel refs, outcome, explanation). */
function findingOf(run: CheckRun, report: FileReport, d: Diagnostic): Finding | undefined {
  return findingOfDiagnostic(run.services.simulation.SimulationCache.get(report.document), d);
}

/** Exit code for a run: 2 if any file has syntax errors, else 1 if any error diagnostic, else 0. */
export function exitCode(run: CheckRun): number {
  if (run.files.some((f) => f.syntaxErrors > 0)) return 2;
  return run.files.some((f) => f.diagnostics.some((d) => (d.severity ?? 1) === 1)) ? 1 : 0;
}

/**
 * One diagnostic as `iommu-topo check` prints it (gcc-style): `file:line:col: severity: message [CODE]`, 1-based line
 * and column; `file` is printed as given.
 */
export function diagnosticLine(file: string, d: Diagnostic): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${SEVERITY_NAME[d.severity ?? 1]}: ${diagnosticMessage(d)} [${codeOf(d)}]`;
}

/** `diagnostics` sorted by start line, then column (a copy), the order `check` reports them in. */
export function byPosition(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** gcc-style: `file:line:col: severity: message [CODE]`, 1-based line and column, paths relative to cwd. */
export function formatText(run: CheckRun, cwd = process.cwd()): string {
  const lines: string[] = [];
  const counts = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const f of run.files) {
    const file = displayPath(cwd, f.path);
    for (const d of f.diagnostics) {
      counts[SEVERITY_NAME[d.severity ?? 1]]++;
      lines.push(diagnosticLine(file, d));
    }
  }
  lines.push(`${run.files.length} file(s): ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} info, ${counts.hint} hint(s)`);
  return lines.join('\n');
}

/** A lexer or parser error (SYN000): the text does not parse, so parts of the file are missing from the model. */
function isSyntaxError(d: Diagnostic): boolean {
  const code = (d.data as { code?: string } | undefined)?.code;
  return code === 'lexing-error' || code === 'parsing-error';
}

/**
 * The syntax errors (as counted in {@link FileReport.syntaxErrors}) of the files in `paths`, one `file:line:col: error:
 * … [code]` line each, then a line saying the groups of these files may lack devices. For commands that show results
 * of files that do not parse (`groups`).
 */
export function syntaxErrorsText(run: CheckRun, paths: readonly string[], cwd = process.cwd()): string {
  const lines: string[] = [];
  for (const f of run.files) {
    if (!paths.includes(f.path)) continue;
    const file = displayPath(cwd, f.path);
    for (const d of f.diagnostics) if (isSyntaxError(d)) lines.push(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: error: ${diagnosticMessage(d)} [${codeOf(d)}]`);
  }
  lines.push(`${paths.length} file(s) with syntax errors: devices on lines the parser could not read are missing from their groups.`);
  return lines.join('\n');
}

const pos = (p: { line: number; character: number }) => ({ line: p.line + 1, column: p.character + 1 });

/** `uri` → {@link displayPath}, computed once per URI (related locations repeat a few files thousands of times). */
function relativePaths(cwd: string): (uri: string) => string {
  const cache = new Map<string, string>();
  return (uri) => {
    let rel = cache.get(uri);
    if (rel === undefined) cache.set(uri, (rel = displayPath(cwd, URI.parse(uri).fsPath)));
    return rel;
  };
}

/**
 * The stable JSON report (see README "JSON output"), as pieces whose concatenation is the report: written in
 * turn, it is never one string to join and encode at once (a 10k-device report is 6 MB). Lines and columns are
 * 1-based. One line unless `pretty` (2-space indentation): indenting a report that size costs more than
 * building it.
 *
 * The one-line report is made piece by piece: each diagnostic is stringified as soon as its object is
 * built, so the objects die young instead of a tree of ~100k objects surviving garbage collections until a
 * single `JSON.stringify` at the end. The text is the same as `JSON.stringify` of the whole report.
 */
export function jsonReportPieces(run: CheckRun, cwd = process.cwd(), pretty = false): string[] {
  const counts = { error: 0, warning: 0, info: 0, hint: 0 };
  const relative = relativePaths(cwd);
  const fileDiagnostics = (f: FileReport) =>
    f.diagnostics.map((d) => {
      const sev = SEVERITY_NAME[d.severity ?? 1];
      counts[sev]++;
      const finding = findingOf(run, f, d);
      return {
        code: codeOf(d),
        severity: sev,
        message: diagnosticMessage(d),
        range: { start: pos(d.range.start), end: pos(d.range.end) },
        element: finding?.elementId ?? null,
        explanation: finding?.explanation ?? null,
        kernel: finding?.kernel ?? [],
        outcome: finding?.outcome ?? null,
        related: (d.relatedInformation ?? []).map((r) => ({
          path: relative(r.location.uri),
          range: { start: pos(r.location.range.start), end: pos(r.location.range.end) },
          message: r.message,
        })),
        help: ruleHref(codeOf(d)),
      };
    });
  const filePath = (f: FileReport) => displayPath(cwd, f.path);
  const header = () => ({ version: JSON_SCHEMA_VERSION, tool: { name: 'iommu-topo', version: TOOL_VERSION }, summary: { files: run.files.length, ...counts } });
  if (pretty) {
    const files = run.files.map((f) => ({ path: filePath(f), diagnostics: fileDiagnostics(f) }));
    const { hosts, vms } = jsonHostsAndVms(run, cwd);
    return [JSON.stringify({ ...header(), files, hosts, vms }, null, 2)];
  }
  // the same keys in the same order as the pretty branch; `counts` is complete only after the files
  const body: string[] = [];
  for (let i = 0; i < run.files.length; i++) {
    const f = run.files[i];
    body.push(`${i ? ',' : ''}{"path":${JSON.stringify(filePath(f))},"diagnostics":[`);
    const ds = fileDiagnostics(f);
    for (let k = 0; k < ds.length; k++) body.push(k ? ',' + JSON.stringify(ds[k]) : JSON.stringify(ds[k]));
    body.push(']}');
  }
  const { hosts, vms } = jsonHostsAndVms(run, cwd);
  const head = JSON.stringify(header());
  return [`${head.slice(0, -1)},"files":[`, ...body, `],"hosts":${JSON.stringify(hosts)},"vms":${JSON.stringify(vms)}}`];
}

/** The `hosts` and `vms` arrays of the JSON report: each host and VM reported by the file that declares it. */
function jsonHostsAndVms(run: CheckRun, cwd: string): { hosts: unknown[]; vms: unknown[] } {
  const hosts: unknown[] = [];
  const vms: unknown[] = [];
  for (const f of run.files) {
    const sim = run.services.simulation.SimulationCache.get(f.document);
    const bdfOf = (id: string) => {
      const d = sim.deviceById.get(id)?.device;
      return d ? formatBdf(d.bdf) : id;
    };
    // hosts and VMs are reported by the file that declares them (imports are lowered along)
    const declaredHere = (id: string) => {
      const node = sim.nodeOf.get(id);
      return !!node && AstUtils.getDocument(node).uri.fsPath === f.path;
    };
    for (const h of sim.topology.hosts) {
      if (!declaredHere(h.id)) continue;
      const ha = sim.result.hosts.get(h.id);
      hosts.push({
        name: h.name,
        path: displayPath(cwd, f.path),
        // as simulated (its line, else the default kernel); a host left out (ARCH001) keeps its declared one
        kernel: ha ? (ha.kernel ? formatKernel(ha.kernel) : null) : h.kernel ? formatKernel(h.kernel) : null,
        groups: (ha?.grouping.groups ?? []).map((g) => ({ number: g.number, type: ha?.defaultDomains?.get(g.number)?.type ?? null, devices: g.deviceIds.map(bdfOf) })),
      });
    }
    for (const v of sim.topology.vms) {
      if (!declaredHere(v.id)) continue;
      const va = sim.result.vms.get(v.id);
      vms.push({
        name: v.name,
        path: displayPath(cwd, f.path),
        host: sim.topology.hosts.find((h) => h.id === v.hostId)?.name ?? null,
        backend: v.backend,
        kvmVfio: v.kvmVfio,
        kvmNoncoherent: va?.kvmNoncoherent ?? null,
        wbinvd: va?.wbinvd ?? null,
        devices: (va?.attach ?? []).map((o) => ({
          bdf: bdfOf(o.deviceId),
          ok: o.ok,
          step: o.step,
          errno: o.errno ?? null,
          kernelMessage: o.kernelMessage ?? null,
          domain: o.domain ?? null,
          domainEnforced: o.domainEnforced ?? null,
          box: o.box ?? null,
          codes: o.codes,
        })),
      });
    }
  }
  return { hosts, vms };
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;

/** SARIF 2.1.0 log with one run; rules from the simulator's rule table. One line unless `pretty`. */
export function formatSarif(run: CheckRun, cwd = process.cwd(), pretty = false): string {
  const region = (r: Diagnostic['range']) => ({ startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 });
  const results = run.files.flatMap((f) => {
    const file = sarifUri(cwd, f.path);
    return f.diagnostics.map((d) => ({
      ruleId: codeOf(d),
      level: SARIF_LEVEL[SEVERITY_NAME[d.severity ?? 1]],
      message: { text: diagnosticMessage(d) },
      locations: [{ physicalLocation: { artifactLocation: { uri: file }, region: region(d.range) } }],
      relatedLocations: (d.relatedInformation ?? []).map((r, i) => ({
        id: i,
        message: { text: r.message },
        physicalLocation: { artifactLocation: { uri: sarifUri(cwd, URI.parse(r.location.uri).fsPath) }, region: region(r.location.range) },
      })),
    }));
  });
  const rules = allRuleMeta().map((m) => ({
    id: m.code,
    name: m.title,
    shortDescription: { text: m.title },
    fullDescription: { text: m.summary },
    helpUri: ruleHref(m.code),
    defaultConfiguration: { level: SARIF_LEVEL[m.defaultSeverity] },
    properties: { kernel: m.kernel },
  }));
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'iommu-topo', version: TOOL_VERSION, rules } }, results }],
    },
    null,
    pretty ? 2 : undefined,
  );
}
