/**
 * Validation: the only place that turns simulator findings into diagnostics, plus the DSL-level checks
 * (vocabulary, BDF syntax, imports) that are about the text, not about kernel behaviour.
 *
 * Every diagnostic carries `code` (shown, with `codeDescription` linking to the README rule table) and
 * `data.code` (used by quick fixes).
 */
import { AstUtils, UriUtils, type AstNode, type LangiumDocument, type LangiumSharedCoreServices, type ValidationAcceptor, type ValidationCheck, type ValidationChecks } from 'langium';
import { DiagnosticTag, type Diagnostic, type DiagnosticRelatedInformation, type Range } from 'vscode-languageserver-types';
import type { VmAnalysis } from '../../../src-core/src/analysis.js';
import type { Finding, Severity } from '../../../src-core/src/findings.js';
import { parseKernelVersion } from '../../../src-core/src/kernel-version.js';
import { moduleParamKey } from '../../../src-core/src/boot-params.js';
import { VALUE_SLOTS, type ValueSlot } from './value-slots.js';
import { termNames } from '../../../src-core/src/vocabulary.js';
import {
  type Document,
  type Host,
  type IommuTopologyAstType,
  type IommuRegisterProp,
  type ModuleParam,
  type PciDevice,
  type Vm,
  isAssignProp,
  isCmdlineSetting,
  isDocument,
  isHost,
  isHwptDecl,
  isIommu,
  isModuleParam,
  isPciDevice,
  isVm,
} from './generated/ast.js';
import { repairBdf } from '../lowering/bdf-text.js';
import { isPciId, leftOutByLowering, parseBusNumber, parseDevfn } from '../lowering/lower.js';
import { importClosure, resolveImportUri } from './iommu-scope.js';
import type { IommuCoreServices } from './iommu-core-module.js';
import type { DocumentSimulation } from '../lowering/simulation-cache.js';
import type { HeldBack } from '../lowering/lower.js';
import { closestTerm } from './suggest.js';
import { ruleHref } from './rule-links.js';
import { RULES } from '../../../src-core/src/rules/index.js';
import { findPropertyCst } from './cst-lookup.js';
import { DEVICE_KIND_SLOT, isKindKeyword, isStrayWord } from './stray-words.js';

/** Data attached to every diagnostic we emit; `code` drives quick fixes. */
export interface IommuDiagnosticData {
  code: string;
  /** For vocabulary/BDF fixes: the replacement text for the diagnostic range. */
  replacement?: string;
  /**
   * SYN002 without one closest term: the terms the value begins (`backend iommufd`: `iommufd-compat`, `iommufd-cdev`),
   * each a quick fix, none preferred (only the user knows which was meant).
   */
  alternatives?: string[];
  /** For simulator findings: the finding's fix hints, serialised. */
  fixes?: Finding['fixes'];
  /** Model element ids (for quick fixes that edit other places). */
  elementId?: string;
  /** For REF003: the position of the repeated reference in its `assign` list (the quick fix removes that element). */
  listIndex?: number;
  /**
   * A keyword written as a name (`endpoint host at …`, `assign host`): the keyword. The quick fix renames the
   * declaration and its references in the file together (to `replacement`).
   */
  keywordName?: string;
}

/**
 * The finding `d` was made from by {@link IommuValidator.checkSimulation}, found in `sim` by its code, element and
 * message; undefined for other diagnostics and for those of another simulation run. For what a diagnostic does not
 * carry: the explanation, kernel references and outcome (hover, the CLI's JSON and SARIF reports).
 */
export function findingOfDiagnostic(sim: DocumentSimulation, d: Diagnostic): Finding | undefined {
  const data = d.data as IommuDiagnosticData | undefined;
  if (!data?.elementId) return undefined;
  return sim.findingOf(data.code, data.elementId, diagnosticMessage(d));
}

/** A diagnostic's message as plain text (LSP allows a markup message). */
export function diagnosticMessage(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

/** The code fields of a SYN005 (malformed bus number or devfn) error. */
const syn005 = { code: 'SYN005', codeDescription: { href: ruleHref('SYN005') }, data: { code: 'SYN005' } satisfies IommuDiagnosticData };

export function registerValidationChecks(services: IommuCoreServices): void {
  const registry = services.validation.ValidationRegistry;
  const validator = services.validation.IommuValidator;
  const checks: ValidationChecks<IommuTopologyAstType> = {
    Document: [validator.checkImports, validator.checkDuplicateNames, validator.checkSimulation],
    PciDevice: [validator.checkBdf, validator.checkKind],
    IdProp: (n, a) => {
      for (const property of ['ids', 'subsystem'] as const) {
        const v = n[property];
        if (v !== undefined && !isPciId(v))
          a('error', `malformed ${property === 'ids' ? 'vendor:device' : 'subsystem vendor:device'} ID '${v}': expected four hex digits on each side, e.g. 10de:2684 (lspci -nn prints them in brackets)`, {
            node: n,
            property,
            code: 'SYN004',
            codeDescription: { href: ruleHref('SYN004') },
            data: { code: 'SYN004' } satisfies IommuDiagnosticData,
          });
      }
    },
    SecondaryBusProp: (n, a) => {
      if (n.bus !== undefined && parseBusNumber(String(n.bus)) === undefined)
        a('error', `malformed bus number '${n.bus}': expected one hex byte, 00 to ff, as lspci prints it (e.g. 1a or 0x1a)`, { node: n, property: 'bus', ...syn005 });
    },
    DmaAliasProp: (n, a) => {
      (n.devfns ?? []).forEach((t, index) => {
        if (parseDevfn(String(t)) === undefined)
          a('error', `malformed devfn '${t}': expected slot.function with a hex slot 00 to 1f and a function 0 to 7 (e.g. 0a.0 or 1f.7)`, { node: n, property: 'devfns', index, ...syn005 });
      });
    },
    KernelSetting: (n, a) => {
      if (n.version !== undefined && !parseKernelVersion(String(n.version)))
        a('error', `kernel version '${n.version}' is not X.Y or X.Y.Z (e.g. 6.12)`, { node: n, property: 'version', code: 'SYN001', data: { code: 'SYN001' } });
    },
  };
  registry.register(checks, validator);
  // every closed vocabulary slot: each value (or each element of a list) must be a known term
  const slotChecks: Record<string, ValidationCheck[]> = {};
  for (const [key, slot] of Object.entries(VALUE_SLOTS)) {
    if (!slot.what) continue;
    const [type, property] = key.split('.');
    (slotChecks[type] ??= []).push((node, accept) => {
      const value = (node as unknown as Record<string, unknown>)[property];
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) validator.checkTerm(node, property, value[i] as string, slot, accept, i);
      } else validator.checkTerm(node, property, value as string | undefined, slot, accept);
    });
  }
  registry.register(slotChecks as ValidationChecks<IommuTopologyAstType>, validator);
}

/**
 * The AST types (and grammar rules) of the host, IOMMU, device and VM lines that hold one value, besides the `cap` /
 * `ecap` register lines: the lowering keeps the last one (REF005), and completion does not offer a second.
 */
export const SINGLE_VALUED_TYPES: ReadonlySet<string> = new Set([
  'KernelSetting', 'ArchSetting', 'FirmwareSetting', 'CmdlineSetting', 'AcsOverrideSetting',
  'IommuDriverProp', 'IommuMsiProp', 'IommuPgtableProp',
  'IdProp', 'ClassProp', 'MultifunctionProp', 'AcsProp', 'NoSnoopProp', 'DmaCoherentProp', 'DriverProp', 'DeviceIommuProp',
  'ObservedGroupProp', 'ObservedDomainProp', 'SecondaryBusProp', 'VirtualFunctionProp', 'DirectMappingProp', 'UntrustedProp',
  'VmmProp', 'BackendProp', 'KvmVfioProp', 'KvmVfioAddProp', 'GuestNoSnoopProp',
]);

/**
 * Which value a host, IOMMU, device or VM line sets, when it holds one (two lines with one key in a block: REF005):
 * the node type, and for `cap` / `ecap` the register; undefined for lines that add up or declare something.
 */
export function singleValuedKey(n: AstNode): string | undefined {
  // a $type test, not the reflection's isInstance: this runs for every line of every block
  if (n.$type === 'IommuRegisterProp') return (n as IommuRegisterProp).register === 'ecap' ? 'IommuRegisterProp:ecap' : (n as IommuRegisterProp).register === 'cap' ? 'IommuRegisterProp:cap' : undefined;
  return SINGLE_VALUED_TYPES.has(n.$type) ? n.$type : undefined;
}

/** The keyword a property line starts with (`driver`, `kvm-vfio`, `cap`), as written; undefined without text. */
export function propertyKeyword(n: AstNode): string | undefined {
  const text = n.$cstNode?.text;
  return text ? /^[a-z][a-z-]*/.exec(text)?.[0] : undefined;
}

/**
 * The spelling the kernel prints: optional 4–8 digit domain, 2-digit bus, 2-digit device 00–1f, function
 * 0–7. Every match is also an address `parseBdf` (src-core/src/bdf.ts) accepts (bus ≤ ff, device ≤ 1f), so no second parse.
 */
const CANONICAL_BDF = /^(?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[01][0-9a-fA-F]\.[0-7]$/;

const SEVERITIES: Severity[] = ['error', 'warning', 'info', 'hint'];

/** `iommu.severityOverrides` (rule code → severity or `off`); `{}` when unset or unreadable. */
export async function severityOverrides(config: LangiumSharedCoreServices['workspace']['ConfigurationProvider']): Promise<Record<string, string>> {
  try {
    const value = await config.getConfiguration('iommu', 'severityOverrides');
    return value && typeof value === 'object' ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The severity `f` is shown with under `overrides` ({@link severityOverrides}); undefined when its code is `off`. */
export function effectiveSeverity(f: Finding, overrides: Record<string, string>): Severity | undefined {
  const o = overrides[f.code];
  if (o === 'off') return undefined;
  return o && SEVERITIES.includes(o as Severity) ? (o as Severity) : f.severity;
}

export class IommuValidator {
  private readonly services: IommuCoreServices;

  constructor(services: IommuCoreServices) {
    this.services = services;
  }

  /** SYN002: a value in a closed vocabulary slot must be a known term; suggest the closest one. */
  checkTerm(node: AstNode, property: string, value: string | undefined, slot: ValueSlot, accept: ValidationAcceptor, index?: number): void {
    const terms = slot.terms;
    if (value === undefined || termNames(terms).has(slot.upperCase ? value.toUpperCase() : value)) return;
    const names = terms.map((t) => t.name);
    let suggestion = closestTerm(value, names);
    // a value too short for an edit-distance match that begins known terms (`iommufd` of `iommufd-cdev`): one is the
    // suggestion, several are alternatives for the user to choose from
    const lower = value.toLowerCase();
    const started = suggestion || lower.length < 3 ? [] : names.filter((n) => n.toLowerCase().startsWith(lower));
    if (started.length === 1) suggestion = started[0];
    const alternatives = started.length > 1 ? started : undefined;
    const meant = suggestion ? `; did you mean '${suggestion}'?` : alternatives ? `; did you mean ${alternatives.map((a) => `'${a}'`).join(' or ')}?` : '';
    const msg = `unknown ${slot.what} '${value}'${meant} (expected one of: ${names.join(', ')})`;
    accept('error', msg, {
      node,
      property: property as never,
      index,
      code: 'SYN002',
      codeDescription: { href: ruleHref('SYN002') },
      data: { code: 'SYN002', replacement: suggestion, alternatives } satisfies IommuDiagnosticData,
    });
  }

  /** BDF001: the BDF must be `[DDDD:]BB:DD.F` with device ≤ 1f and function ≤ 7. */
  checkBdf(node: PciDevice, accept: ValidationAcceptor): void {
    if (!node.bdf || CANONICAL_BDF.test(node.bdf)) return;
    const fixed = repairBdf(node.bdf);
    accept('error', `malformed BDF '${node.bdf}': expected DDDD:BB:DD.F (hex; device ≤ 1f, function ≤ 7)${fixed ? `, e.g. '${fixed}'` : ''}`, {
      node,
      property: 'bdf',
      code: 'BDF001',
      codeDescription: { href: ruleHref('BDF001') },
      data: { code: 'BDF001', replacement: fixed } satisfies IommuDiagnosticData,
    });
  }

  /**
   * SYN002 for a device kind that is not a kind keyword (`root-prot rp at …`): the grammar takes any word there so
   * the block stays in the tree. A stray word without `at` is a parser error instead (stray-words.ts). The host's
   * simulator diagnostics are held back meanwhile (SYN003, lowering).
   */
  checkKind(node: PciDevice, accept: ValidationAcceptor): void {
    if (node.kind === undefined || isKindKeyword(node.kind) || isStrayWord(node)) return;
    this.checkTerm(node, 'kind', node.kind, DEVICE_KIND_SLOT, accept);
  }

  /**
   * REF002: names that references look up must be unique where they are looked up. Hosts (by `vm … on`, also against
   * the hosts of imported files) and VMs of a file; IOMMU units and PCI devices of a host (devices anywhere in its
   * tree, which `assign` and `hwpt attach` search); HWPTs of a VM. Every declaration after the first of a name is
   * reported, naming the line of the first: `assign gpu` would otherwise pick one of them silently.
   */
  checkDuplicateNames(node: Document, accept: ValidationAcceptor): void {
    const doc = AstUtils.getDocument(node);
    const lineOf = (n: AstNode) => (n.$cstNode ? n.$cstNode.range.start.line + 1 : 0);
    /** `file:line` of a node of another document. */
    const at = (n: AstNode) => `${UriUtils.basename(AstUtils.getDocument(n).uri)}:${lineOf(n)}`;
    const ref002 = (message: string, node: AstNode, property: string) =>
      accept('error', message, { node, property: property as never, code: 'REF002', codeDescription: { href: ruleHref('REF002') }, data: { code: 'REF002' } satisfies IommuDiagnosticData });
    const report = (dup: AstNode & { name?: string }, first: AstNode, what: string, where: string) =>
      ref002(`${what} '${dup.name}' is declared twice${where} (first at ${AstUtils.getDocument(first) === doc ? `line ${lineOf(first)}` : at(first)}): references by name would pick one of them; rename one`, dup, 'name');
    /** Reports every node of `nodes` whose name an earlier one (or one of `before`) has. */
    const unique = (nodes: Iterable<AstNode & { name?: string }>, what: string, where: string, before: Map<string, AstNode> = new Map()) => {
      for (const n of nodes) {
        if (!n.name) continue;
        const first = before.get(n.name);
        if (first) report(n, first, what, where);
        else before.set(n.name, n);
      }
    };
    // hosts: the imported files' hosts come first in the scope, so a host here with the same name is the duplicate;
    // two imported files with one host name are reported on the import that brings in the second
    const importedHosts = new Map<string, AstNode>();
    const all = this.services.shared.workspace.LangiumDocuments;
    const reported = new Set<string>();
    for (const imp of node.imports ?? []) {
      const target = imp.path ? all.getDocument(resolveImportUri(doc, imp.path)) : undefined;
      if (!target) continue;
      for (const d of importClosure(target, all)) {
        if (d === doc) continue;
        const root = d.parseResult?.value;
        if (!isDocument(root)) continue;
        for (const el of root.elements ?? []) {
          if (!isHost(el) || !el.name) continue;
          const first = importedHosts.get(el.name);
          if (!first) importedHosts.set(el.name, el);
          else if (first !== el && AstUtils.getDocument(first) !== d && !reported.has(el.name)) {
            reported.add(el.name);
            ref002(`host '${el.name}' is declared in ${at(first)} and ${at(el)}, both imported here: references by name would pick one of them; rename one`, imp, 'path');
          }
        }
      }
    }
    const elements = node.elements ?? [];
    unique(elements.filter(isHost), 'host', '', importedHosts);
    unique(elements.filter(isVm), 'VM', ' in this file');
    // VMs of the other files simulated with this one (VM files on the same host): one machine, so one name each
    const together = elements.some(isVm) ? this.services.simulation.SimulationCache.get(doc).together : [];
    if (together.length > 1) {
      const others = new Map<string, AstNode>();
      for (const d of together) {
        if (d === doc) continue;
        const root = d.parseResult?.value;
        if (isDocument(root)) for (const el of root.elements ?? []) if (isVm(el) && el.name && !others.has(el.name)) others.set(el.name, el);
      }
      for (const vm of elements.filter(isVm)) {
        const other = vm.name ? others.get(vm.name) : undefined;
        if (other) ref002(`VM '${vm.name}' is also declared in ${at(other)}, which shares this file's host and is checked with it as one machine: give the VMs different names`, vm, 'name');
      }
    }
    for (const host of elements) {
      if (isHost(host)) {
        unique((host.members ?? []).filter(isIommu), 'IOMMU', ` in host ${host.name ?? '?'}`);
        // devices anywhere in the tree: the host's members and, recursively, each device's children (only devices are
        // visited, not every node of the host)
        const devices: PciDevice[] = [];
        const visit = (list: readonly AstNode[] | undefined) => {
          if (!list) return;
          for (let k = 0; k < list.length; k++) {
            const n = list[k];
            if (!isPciDevice(n)) continue;
            if (!(n.bdf === undefined && isStrayWord(n))) devices.push(n);
            visit(n.children);
          }
        };
        visit(host.members);
        unique(devices, 'device', ` in host ${host.name ?? '?'}`);
        this.checkParamsSetTwice(host, accept);
        this.checkSetTwice(host.members, accept);
        for (const m of host.members ?? []) if (isIommu(m)) this.checkSetTwice(m.props, accept);
        for (const d of devices) this.checkSetTwice(d.props, accept);
      } else if (isVm(host)) {
        unique((host.props ?? []).filter(isHwptDecl), 'HWPT', ` in VM ${host.name ?? '?'}`);
        this.checkAssignedTwice(host, accept);
        this.checkSetTwice(host.props, accept);
      }
    }
  }

  /**
   * REF003: the same device named twice in a VM's `assign` lines (by name or BDF, possibly in two spellings): the
   * second changes nothing, and is usually a copy that was meant to name another device.
   */
  checkAssignedTwice(vm: Vm, accept: ValidationAcceptor): void {
    const first = new Map<AstNode, { line: number }>();
    for (const p of vm.props ?? []) {
      if (!isAssignProp(p)) continue;
      const refs = p.devices ?? [];
      for (let i = 0; i < refs.length; i++) {
        const target = refs[i].ref;
        if (!target) continue;
        const line = (refs[i].$refNode?.range.start.line ?? 0) + 1;
        const seen = first.get(target);
        if (!seen) {
          first.set(target, { line });
          continue;
        }
        accept('warning', `${target.name ?? refs[i].$refText} is assigned twice in VM ${vm.name ?? '?'} (first at line ${seen.line}): the second changes nothing`, {
          node: p,
          property: 'devices',
          index: i,
          code: 'REF003',
          codeDescription: { href: ruleHref('REF003') },
          data: { code: 'REF003', listIndex: i } satisfies IommuDiagnosticData,
        });
      }
    }
  }

  /**
   * REF004: a host's `param` lines that set the same module parameter twice (in any spelling: `vfio-pci.` is `vfio_pci.`,
   * as `kernel/params.c:parameq` compares). A parameter has one value in `/sys/module/…/parameters/` and the lowering
   * keeps the last line, so each earlier one changes nothing: it is reported (tagged unnecessary) with the line that
   * overrides it, and the quick fix removes it.
   */
  checkParamsSetTwice(host: Host, accept: ValidationAcceptor): void {
    const last = new Map<string, ModuleParam>();
    const lines = (host.members ?? []).filter((m): m is ModuleParam => isModuleParam(m) && m.name !== undefined && m.value !== undefined);
    for (const p of lines) last.set(moduleParamKey(p.name), p);
    if (last.size === lines.length) return;
    const lineOf = (n: AstNode) => (n.$cstNode ? n.$cstNode.range.start.line + 1 : 0);
    for (const p of lines) {
      const winner = last.get(moduleParamKey(p.name))!;
      if (winner === p) continue;
      accept('warning', `param ${p.name} is set again at line ${lineOf(winner)}${winner.name === p.name ? '' : ` (as ${winner.name})`}: a parameter has one value and the last line is the one the module ended up with, so this line changes nothing`, {
        node: p,
        property: 'name',
        code: 'REF004',
        codeDescription: { href: ruleHref('REF004') },
        tags: [DiagnosticTag.Unnecessary],
        data: { code: 'REF004' } satisfies IommuDiagnosticData,
      });
    }
  }

  /**
   * REF005: a property that holds one value written twice in one block (`driver`, `kernel`, `kvm-vfio`, …; see
   * {@link singleValuedKey}). The lowering reads the last line, so each earlier one changes nothing: it is reported
   * (tagged unnecessary) on its keyword, with the line that overrides it, and the quick fix removes it. Lines that add
   * up (`caps`, `assign`, `dma-alias`, `param`: REF004) are not this.
   */
  checkSetTwice(lines: readonly AstNode[] | undefined, accept: ValidationAcceptor): void {
    if (!lines || lines.length < 2) return;
    // runs for every block on every keystroke: one pass that keeps only the few single-valued lines, no Map unless one repeats
    let keys: string[] | undefined;
    let repeated = false;
    for (let i = 0; i < lines.length; i++) {
      const key = singleValuedKey(lines[i]);
      if (key === undefined) continue;
      if (!keys) keys = [key];
      else if (keys.includes(key)) repeated = true;
      else keys.push(key);
    }
    if (!repeated) return;
    // the line the lowering reads: the last one, passing over a value it leaves out (those have their own error)
    const last = new Map<string, AstNode>();
    for (const n of lines) {
      const key = singleValuedKey(n);
      if (key !== undefined && !leftOutByLowering(n)) last.set(key, n);
    }
    for (const n of lines) {
      const key = singleValuedKey(n);
      if (key === undefined || leftOutByLowering(n)) continue;
      const winner = last.get(key);
      const keyword = propertyKeyword(n);
      if (!winner || winner === n || !keyword) continue;
      const line = winner.$cstNode ? winner.$cstNode.range.start.line : -1;
      const where = n.$cstNode && n.$cstNode.range.start.line === line ? 'later on this line' : `at line ${line + 1}`;
      accept('warning', `'${keyword}' is set again ${where}: it holds one value and the last line is the one read, so this line changes nothing`, {
        node: n,
        keyword,
        code: 'REF005',
        codeDescription: { href: ruleHref('REF005') },
        tags: [DiagnosticTag.Unnecessary],
        data: { code: 'REF005' } satisfies IommuDiagnosticData,
      });
    }
  }

  /** IMP001: every import must name an existing topology file. */
  checkImports(node: Document, accept: ValidationAcceptor): void {
    const doc = AstUtils.getDocument(node);
    const documents = this.services.shared.workspace.LangiumDocuments;
    for (const imp of node.imports ?? []) {
      if (!imp.path) continue;
      const uri = resolveImportUri(doc, imp.path);
      if (uri.toString() === doc.uri.toString()) {
        accept('error', `a file cannot import itself`, { node: imp, property: 'path', code: 'IMP001', data: { code: 'IMP001' } });
      } else if (!documents.hasDocument(uri)) {
        // the closest path, relative to this file, of a topology file the workspace has: a typo'd name or directory
        const here = UriUtils.dirname(doc.uri);
        const candidates = documents.all
          .filter((d) => d !== doc && d.uri.scheme === doc.uri.scheme && d.uri.path.endsWith('.iommu'))
          .map((d) => UriUtils.relative(here, d.uri))
          .toArray();
        const suggestion = closestTerm(imp.path, candidates);
        accept('error', `cannot find imported file '${imp.path}' (resolved to ${uri.path})${suggestion ? `; did you mean '${suggestion}'?` : ''}`, {
          node: imp,
          property: 'path',
          code: 'IMP001',
          codeDescription: { href: ruleHref('IMP001') },
          data: { code: 'IMP001', ...(suggestion ? { replacement: JSON.stringify(suggestion) } : {}) },
        });
      }
    }
  }

  /** Run (or reuse) the simulation of this document and report every finding that can be placed in it. */
  async checkSimulation(node: Document, accept: ValidationAcceptor): Promise<void> {
    const doc = AstUtils.getDocument(node);
    const sim = this.services.simulation.SimulationCache.get(doc);
    const overrides = await severityOverrides(this.services.shared.workspace.ConfigurationProvider);
    const vmsOf = vmsByOutcome(sim.result.vms);
    const where = placementContext(doc, sim.together, sim.documents);
    const held = sim.heldBack.size > 0 ? heldBackFilter(sim) : undefined;
    const orphans = vmsWithUnknownHost(node, sim);
    for (const f of sim.result.findings) {
      const severity = effectiveSeverity(f, overrides);
      if (!severity) continue;
      if (held?.(f)) continue;
      if (orphans?.has(f.elementId)) continue;
      const target = placeFinding(f, where, sim.nodeOf, vmsOf);
      if (!target) continue;
      const related = relatedInformation(f, where, sim.nodeOf);
      accept(severity, f.message, {
        node: target.node,
        property: target.property as never,
        index: target.index,
        range: target.range,
        code: f.code,
        codeDescription: { href: ruleHref(f.code) },
        relatedInformation: related,
        data: { code: f.code, fixes: f.fixes, elementId: f.elementId } satisfies IommuDiagnosticData,
      });
    }
    if (held && overrides.SYN003 !== 'off') {
      for (const [hostId, h] of sim.heldBack) {
        const host = sim.nodeOf.get(hostId);
        if (!isHost(host) || !where.inDoc(host)) continue;
        // a host without a name has its SYN000 ("expected a name") and nothing to put a note on
        if (!host.name) continue;
        const which = capsOnly(h) ? 'simulator diagnostics that depend on IOMMU capabilities (interrupt remapping, cache coherency)' : 'simulator diagnostics';
        accept('info', `${which} for host ${host.name} are held back until ${heldBackUntil(h)}${heldBackCodes(h)}`, {
          node: host,
          property: 'name',
          code: 'SYN003',
          codeDescription: { href: ruleHref('SYN003') },
          data: { code: 'SYN003' } satisfies IommuDiagnosticData,
        });
      }
      // a VM of this file on a held-back host of another (imported) file: the note goes on its `on <host>`
      for (const vm of node.elements ?? []) {
        if (!isVm(vm)) continue;
        const host = vm.host?.ref;
        const hostId = host && sim.idOf.get(host);
        const h = hostId === undefined ? undefined : sim.heldBack.get(hostId);
        // a VM without a name gets no simulator diagnostics (it is not lowered), so no note either
        if (!host || !h || where.inDoc(host) || !vm.name) continue;
        const which = capsOnly(h) ? 'simulator diagnostics that depend on IOMMU capabilities' : 'simulator diagnostics';
        accept('info', `${which} for VM ${vm.name} are held back: its host ${host.name} (imported) has ${heldBackWithout(h)}${heldBackCodes(h, ' there')}`, {
          node: vm,
          property: 'host',
          code: 'SYN003',
          codeDescription: { href: ruleHref('SYN003') },
          data: { code: 'SYN003' } satisfies IommuDiagnosticData,
        });
      }
    }
  }
}

/** Names as the SYN003 texts quote them: `'u0', 'u1'`. */
const quoted = (names: readonly string[]) => names.map((u) => `'${u}'`).join(', ');
const has = (names: readonly string[]) => (names.length === 1 ? 'has' : 'have');
const devices = (names: readonly string[]) => `device${names.length === 1 ? '' : 's'} ${quoted(names)}`;
/** `value 'cherent' of IOMMU 'u'`, `values 'a' of IOMMU 'u', 'b' of IOMMU 'v'` (the entries are quoted already). */
const valueList = (values: readonly string[]) => `value${values.length === 1 ? '' : 's'} ${values.join(', ')}`;

/**
 * The codes of the errors that hold `h` back, as SYN003 cites them: ` (SYN002)` for an unknown driver, kind or value,
 * ` (SYN000)` for an unreadable line, both when both; empty when only units without a driver line (or a missing name)
 * do. `where` is appended to each code (` there` for an imported host).
 */
function heldBackCodes(h: HeldBack, where = ''): string {
  const codes: string[] = [];
  if (h.units.length + h.devices.length + h.values.length > 0) codes.push(`SYN002${where}`);
  if (h.lines.length > 0) codes.push(`SYN000${where}`);
  if (h.kernel.length > 0) codes.push(`SYN001${where}`);
  if (h.numbers.length > 0) codes.push(`SYN005${where}`);
  if (h.references.length > 0) codes.push(`REF001${where}`);
  return codes.length ? ` (${codes.join(', ')})` : '';
}

/** `number '1g' of device 'x'`, `numbers '0g.0' of device 'x', …` (the entries are quoted already). */
const numberList = (numbers: readonly string[]) => `number${numbers.length === 1 ? '' : 's'} ${numbers.join(', ')}`;

/** `IOMMU 'dmar2' of device 'peg'`, `IOMMUs 'a' of device 'x', 'b' of device 'y'` (the entries are quoted already). */
const refList = (refs: readonly string[]) => `IOMMU${refs.length === 1 ? '' : 's'} ${refs.join(', ')}`;

/** `line 'immu dmar0' in device 'gpu'`, `lines 'a b' in host 'h', …` (the entries are quoted already). */
const lineList = (lines: readonly string[]) => `line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}`;

/** What SYN003 waits for: `IOMMU 'u' has a known driver and device 'x' has a known kind`. */
export function heldBackUntil(h: HeldBack): string {
  const parts: string[] = [];
  if (h.noDriver.length) parts.push(`IOMMU ${quoted(h.noDriver)} ${has(h.noDriver)} a driver line (e.g. driver intel-vtd)`);
  if (h.units.length) parts.push(`IOMMU ${quoted(h.units)} ${has(h.units)} a known driver`);
  if (h.devices.length) parts.push(`${devices(h.devices)} ${has(h.devices)} a known kind`);
  if (h.values.length) parts.push(`the unknown ${valueList(h.values)} ${h.values.length === 1 ? 'is' : 'are'} fixed`);
  if (h.lines.length) parts.push(`the unreadable ${lineList(h.lines)} ${h.lines.length === 1 ? 'is' : 'are'} fixed`);
  if (h.references.length) parts.push(`the unknown ${refList(h.references)} ${h.references.length === 1 ? 'names a declared unit' : 'name declared units'}`);
  if (h.capsUnknown.length) parts.push(`the capabilities of IOMMU ${quoted(h.capsUnknown)} are stated (\`caps unknown\`: see /sys/class/iommu/<unit>/)`);
  if (h.kernel.length) parts.push(`the kernel version ${quoted(h.kernel)} is X.Y or X.Y.Z`);
  if (h.numbers.length) parts.push(`the malformed ${numberList(h.numbers)} ${h.numbers.length === 1 ? 'is' : 'are'} fixed`);
  if (h.unnamed) parts.push('it has a name');
  return parts.join(' and ');
}

/** What a held-back host has: `IOMMU 'u' without a known driver and device 'x' of unknown kind`. */
export function heldBackWithout(h: HeldBack): string {
  const parts: string[] = [];
  if (h.noDriver.length) parts.push(`IOMMU ${quoted(h.noDriver)} without a driver line`);
  if (h.units.length) parts.push(`IOMMU ${quoted(h.units)} without a known driver`);
  if (h.devices.length) parts.push(`${devices(h.devices)} of unknown kind`);
  if (h.values.length) parts.push(`the unknown ${valueList(h.values)}`);
  if (h.lines.length) parts.push(`the unreadable ${lineList(h.lines)}`);
  if (h.references.length) parts.push(`the unknown ${refList(h.references)}`);
  if (h.capsUnknown.length) parts.push(`IOMMU ${quoted(h.capsUnknown)} of unknown capabilities`);
  if (h.kernel.length) parts.push(`the malformed kernel version ${quoted(h.kernel)}`);
  if (h.numbers.length) parts.push(`the malformed ${numberList(h.numbers)}`);
  if (h.unnamed) parts.push('no name');
  return parts.join(' and ');
}

/** What the placeholders make the simulation assume, for hovers (a sentence, with its full stop). */
export function heldBackAssumes(h: HeldBack): string {
  const parts: string[] = [];
  if (h.noDriver.length) parts.push(`IOMMU ${quoted(h.noDriver)} ${has(h.noDriver)} no driver line, so what follows assumes no IOMMU translates the devices behind it`);
  if (h.units.length) parts.push(`IOMMU ${quoted(h.units)} ${has(h.units)} no known driver, so what follows assumes no IOMMU translates the devices behind it`);
  if (h.devices.length) parts.push(`${devices(h.devices)} ${has(h.devices)} an unknown kind, so what follows treats ${h.devices.length === 1 ? 'it as an endpoint' : 'them as endpoints'}`);
  if (h.values.length) parts.push(`the unknown ${valueList(h.values)} ${h.values.length === 1 ? 'is' : 'are'} taken as absent`);
  if (h.lines.length) parts.push(`the unreadable ${lineList(h.lines)} ${h.lines.length === 1 ? 'is' : 'are'} not read, so what follows is simulated without ${h.lines.length === 1 ? 'it' : 'them'}`);
  if (h.references.length) parts.push(`the unknown ${refList(h.references)} ${h.references.length === 1 ? 'is' : 'are'} taken as absent, so what follows treats the device${h.references.length === 1 ? '' : 's'} as having no \`iommu\` line`);
  if (h.capsUnknown.length) parts.push(`the capabilities of IOMMU ${quoted(h.capsUnknown)} are unknown, so the findings that read them are held back and what follows takes the unit as capable`);
  if (h.kernel.length) parts.push(`the kernel version ${quoted(h.kernel)} cannot be read, so what follows assumes the default kernel`);
  if (h.numbers.length) parts.push(`the malformed ${numberList(h.numbers)} ${h.numbers.length === 1 ? 'is' : 'are'} left out, so what follows is simulated without ${h.numbers.length === 1 ? 'it' : 'them'}`);
  if (h.unnamed) parts.push('the host has no name');
  return parts.join('; ') + '.';
}

/**
 * Ids of this file's VMs whose `on <host>` names a host that is not declared (REF001 reports it), or undefined if
 * there are none. Their simulator findings are left out: without its host a VM is simulated as hostless, and MDL003
 * would tell the user to write the `on <host>` that is already there.
 */
function vmsWithUnknownHost(root: Document, sim: DocumentSimulation): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const vm of root.elements ?? []) {
    if (!isVm(vm) || !vm.host || vm.host.ref || !vm.host.$refText) continue;
    const id = sim.idOf.get(vm);
    if (id !== undefined) (out ??= new Set()).add(id);
  }
  return out;
}

/**
 * For a simulation with held-back hosts (`DocumentSimulation.heldBack`): true for a finding about an element of such
 * a host, or about a VM on one. Those findings follow from the placeholder driver (`none`: no iommu_group, no
 * capabilities), not from the text, so they would bury the one real error under consequences of it. The hovers leave
 * the same findings out of their Findings sections.
 */
export function heldBackFilter(sim: Pick<DocumentSimulation, 'heldBack' | 'idOf' | 'nodeOf'>): (f: Finding) => boolean {
  const hostOf = (node: AstNode | undefined): string | undefined => {
    if (isVm(node)) {
      const h = node.host?.ref;
      return h ? sim.idOf.get(h) : undefined;
    }
    for (let n = node; n; n = n.$container) if (isHost(n)) return sim.idOf.get(n);
    return undefined;
  };
  return (f) => {
    const hostId = hostOf(sim.nodeOf.get(f.elementId));
    const h = hostId === undefined ? undefined : sim.heldBack.get(hostId);
    if (!h) return false;
    // only unknown capabilities (`caps unknown`): the grouping and ownership findings stand, those that read caps wait
    return capsOnly(h) ? RULES.get(f.code)?.readsCaps === true : true;
  };
}

/** Whether the only reason `h` holds its host back is a unit with `caps unknown` (every other reason is empty or false). */
function capsOnly(h: HeldBack): boolean {
  return h.capsUnknown.length > 0 && Object.entries(h).every(([k, v]) => k === 'capsUnknown' || (Array.isArray(v) ? v.length === 0 : !v));
}

interface Placement {
  node: AstNode;
  property?: string;
  index?: number;
  /** A range inside the node, when the finding is about part of a value (a `cmdline` option, {@link Finding.span}). */
  range?: Range;
}

/**
 * The source range of `[start, end)` of the host's kernel command line, in its last `cmdline` line (the one the
 * lowering keeps): the offsets count characters of the string's value, which in the source are one character each
 * except escapes (`\"` and the like two, `\uXXXX` six). Undefined when the host has no such line.
 */
function cmdlineRange(host: AstNode, start: number, end: number): Range | undefined {
  if (!isHost(host)) return undefined;
  const line = (host.members ?? []).filter(isCmdlineSetting).at(-1);
  const cst = line && findPropertyCst(line.$cstNode, 'value');
  const doc = line && AstUtils.getDocument(line).textDocument;
  if (!cst || !doc) return undefined;
  const raw = cst.text;
  // source offset (in `raw`, after the opening quote) of each value offset
  const at = (n: number) => {
    let i = raw.startsWith('"') ? 1 : 0;
    for (let k = 0; k < n && i < raw.length; k++) i += raw[i] === '\\' ? 2 : 1;
    return Math.min(i, raw.endsWith('"') && raw.length > 1 ? raw.length - 1 : raw.length);
  };
  return { start: doc.positionAt(cst.offset + at(start)), end: doc.positionAt(cst.offset + at(end)) };
}

/** deviceId → code → the VMs whose attach outcome for that device lists that code (built once per run). */
type VmsByOutcome = Map<string, Map<string, string[]>>;

function vmsByOutcome(vms: Map<string, VmAnalysis>): VmsByOutcome {
  const out: VmsByOutcome = new Map();
  for (const [vmId, va] of vms) {
    for (const a of va.attach) {
      let byCode = out.get(a.deviceId);
      if (!byCode) out.set(a.deviceId, (byCode = new Map()));
      for (const code of a.codes) {
        const list = byCode.get(code);
        if (!list) byCode.set(code, [vmId]);
        else if (!list.includes(vmId)) list.push(vmId);
      }
    }
  }
  return out;
}

/**
 * Which document a model element's node is in. Nodes come from the lowered documents (this one and its
 * imports); with no imports every node is in this document, so the container walk is skipped.
 */
interface PlacementContext {
  inDoc(node: AstNode | undefined): boolean;
  /** The node is declared in this document or one it imports (not only in a document simulated together with it). */
  imported(node: AstNode | undefined): boolean;
  uriOf(node: AstNode): string;
}

/** `together`: every document of the simulation; `closure`: this one and its imports. */
function placementContext(doc: LangiumDocument, together: readonly LangiumDocument[], closure: readonly LangiumDocument[]): PlacementContext {
  const uri = doc.uri.toString();
  if (together.length === 1 && together[0] === doc) return { inDoc: (n) => !!n, imported: (n) => !!n, uriOf: () => uri };
  const uriOf = (n: AstNode) => AstUtils.getDocument(n).uri.toString();
  const own = new Set(closure.map((d) => d.uri.toString()));
  return { inDoc: (n) => !!n && uriOf(n) === uri, imported: (n) => !!n && own.has(uriOf(n)), uriOf };
}

const NO_IDS: readonly string[] = [];

/**
 * Where a finding is shown in `doc`. VM-scoped findings (the element or a related element is a VM) go on
 * that VM's `assign` reference to the device when there is one, so the problem shows where the assignment
 * is made. Elements that live in another (imported) document are shown on the VM that uses them; findings
 * that cannot be placed in this document are left to the document that declares the element.
 */
function placeFinding(f: Finding, where: PlacementContext, nodeOf: Map<string, AstNode>, vmsOf: VmsByOutcome): Placement | undefined {
  const inDoc = where.inDoc;
  const element = nodeOf.get(f.elementId);
  // the VMs to try, in order: the element if it is a VM, the finding's own VM (`vmId`, set for attach outcomes), then
  // (a device finding produced while simulating a VM) the VMs whose attach outcome for the device lists the code,
  // then related elements that are VMs. The outcome's VM
  // comes before related ones: "nic in VM b: iommu_group 1 is already used by VM a" relates VM a, which also assigns
  // the device, and belongs on VM b's `assign` line. Most findings have none of these.
  let vmIds: string[] | undefined;
  if (f.elementId.startsWith('v:')) vmIds = [f.elementId];
  if (f.vmId !== undefined) {
    // the start-up of a VM declared in another file (one sharing this file's host): that file shows it
    if (!inDoc(nodeOf.get(f.vmId))) return undefined;
    if (!(vmIds ??= []).includes(f.vmId)) vmIds.push(f.vmId);
  }
  const byOutcome = vmsOf.get(f.elementId)?.get(f.code);
  if (byOutcome) for (const vmId of byOutcome) if (!(vmIds ??= []).includes(vmId)) vmIds.push(vmId);
  for (const r of f.related) if (r.id.startsWith('v:') && !(vmIds ??= []).includes(r.id)) vmIds.push(r.id);
  // a finding about VMs that are all declared in files this one does not import (VM files sharing its host, simulated
  // together with it): those files show it, on their VMs
  if (vmIds?.length && vmIds.every((id) => !where.imported(nodeOf.get(id)))) return undefined;
  for (const vmId of vmIds ?? NO_IDS) {
    const vmNode = nodeOf.get(vmId);
    if (!isVm(vmNode) || !inDoc(vmNode)) continue;
    if (isPciDevice(element)) {
      for (const p of vmNode.props ?? []) {
        if (!isAssignProp(p) && !isHwptDecl(p)) continue;
        const i = (p.devices ?? []).findIndex((r) => r.ref === element);
        if (i >= 0) return { node: p, property: 'devices', index: i };
      }
    }
    if (vmId === f.elementId || !inDoc(element)) return { node: vmNode, property: 'name' };
  }
  if (inDoc(element)) {
    const range = f.span?.property === 'cmdline' ? cmdlineRange(element!, f.span.start, f.span.end) : undefined;
    if (range) return { node: element!, range };
    const line = f.span?.property === 'param' ? paramLine(element!, f.span.name) : undefined;
    if (line && f.span?.property === 'param') return { node: line, property: line[f.span.part] === undefined ? 'name' : f.span.part };
    return { node: element!, property: hasName(element!) ? 'name' : undefined };
  }
  return undefined;
}

/**
 * The host's `param` line that sets parameter `name`: the last line with a value whose name is that parameter in any
 * spelling (`vfio-pci.x` is `vfio_pci.x`, {@link moduleParamKey}), which is the line the lowering keeps (lower.ts; a
 * line without a value is a syntax error and not read). Undefined when there is none or `host` is not a host. The
 * one lookup for placing findings on a line, the hover's REF004 winner and the quick fixes that edit the line.
 */
export function paramLine(host: AstNode, name: string): ModuleParam | undefined {
  if (!isHost(host)) return undefined;
  const key = moduleParamKey(name);
  return (host.members ?? []).findLast((m): m is ModuleParam => isModuleParam(m) && m.name !== undefined && m.value !== undefined && moduleParamKey(m.name) === key);
}

function hasName(node: AstNode): boolean {
  return typeof (node as { name?: unknown }).name === 'string';
}

function relatedInformation(f: Finding, where: PlacementContext, nodeOf: Map<string, AstNode>): DiagnosticRelatedInformation[] {
  const out: DiagnosticRelatedInformation[] = [];
  for (const r of f.related) {
    const node = nodeOf.get(r.id);
    const cst = node && (findPropertyCst(node.$cstNode, 'name') ?? node.$cstNode);
    if (!node || !cst) continue;
    out.push({ location: { uri: where.uriOf(node), range: cst.range }, message: r.message });
  }
  return out;
}
