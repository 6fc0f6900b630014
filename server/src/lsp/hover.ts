/**
 * Hover: on a device, IOMMU, VM or host (its name, or a reference to it) show what the simulator computed
 * (iommu_group and why, capabilities, attach outcome per VM, coherency box); on a host's `cmdline` string, what the
 * simulator reads from each token; on a `param` line, what that module parameter does (or that it is not modelled); on
 * the `kernel` line's version, which modelled behaviours that release has and which come later; on a
 * `vmm` line, whether that VMM creates the kvm-vfio device. On a vocabulary value show its
 * meaning; on a keyword, the grammar's documentation. Where a simulator diagnostic is, add its finding's
 * explanation and kernel references (the editor shows the diagnostic's one-line message above the hover).
 */
import { AstUtils, CstUtils, GrammarAST, isJSDoc, parseJSDoc, type AstNode, type CstNode, type LangiumDocument } from 'langium';
import { MultilineCommentHoverProvider } from 'langium/lsp';
import type { Hover, HoverParams, Position, Range } from 'vscode-languageserver';
import { ACS_FLAGS, ARCHES, COMMON_DRIVERS, DOMAIN_TYPES, FIRMWARE_KINDS, IOMMU_CAP_TERMS, IOMMU_DRIVERS, KVM_VFIO_ADD_ORDERS, MSI_CONTROLLERS, PCI_KINDS, PGTABLE_FORMATS, VFIO_BACKENDS } from '../../../src-core/src/vocabulary.js';
import { isCmdlineSetting, isHost, isHwptDecl, isIommu, isKernelSetting, isModuleParam, isPciDevice, isVm, isVmmProp } from '../language/generated/ast.js';
import type { IommuServices } from '../language/iommu-module.js';
import { findingOfDiagnostic, heldBackAssumes, heldBackFilter, paramLine } from '../language/iommu-validator.js';
import type { DocumentSimulation } from '../lowering/simulation-cache.js';
import { describeCmdline, describeDevice, describeHost, describeHwpt, describeIommu, describeKernelLine, describeParamLine, describeVm, describeVmmLine } from './describe.js';

const VOCABULARY = [...IOMMU_DRIVERS, ...IOMMU_CAP_TERMS, ...MSI_CONTROLLERS, ...PGTABLE_FORMATS, ...DOMAIN_TYPES, ...VFIO_BACKENDS, ...ARCHES, ...FIRMWARE_KINDS, ...ACS_FLAGS, ...PCI_KINDS, ...COMMON_DRIVERS, ...KVM_VFIO_ADD_ORDERS];

export class IommuHoverProvider extends MultilineCommentHoverProvider {
  private readonly iommuServices: IommuServices;

  constructor(services: IommuServices) {
    super(services);
    this.iommuServices = services;
  }

  override async getHoverContent(document: LangiumDocument, params: HoverParams): Promise<Hover | undefined> {
    const root = document.parseResult?.value?.$cstNode;
    if (!root) return undefined;
    const offset = document.textDocument.offsetAt(params.position);
    const leaf = CstUtils.findLeafNodeAtOffset(root, offset);
    const why = this.explanations(document, params.position);
    if (!leaf) return why && { contents: { kind: 'markdown', value: why.text }, range: why.range };
    const target = this.elementAt(leaf, offset);
    if (target) {
      const text = this.describe(document, target);
      if (text) return { contents: { kind: 'markdown', value: why ? `${text}\n\n---\n\n${why.text}` : text }, range: leaf.range };
    }
    // on the command line's string: what the simulator reads from each token, after the findings of an option there
    // (BOOT001 / BOOT002 underline the option that decides)
    if (isCmdlineSetting(leaf.astNode) && leaf.grammarSource?.$type !== 'Keyword' && isHost(leaf.astNode.$container)) {
      const sim = this.iommuServices.simulation.SimulationCache.get(document);
      const id = sim.idOf.get(leaf.astNode.$container);
      const host = id === undefined ? undefined : sim.topology.hosts.find((h) => h.id === id);
      // with the kernel the host is simulated with (its `kernel` line, else the default kernel of the settings)
      const text = host && describeCmdline(host, sim.result.hosts.get(host.id)?.kernel ?? host.kernel);
      if (text) return { contents: { kind: 'markdown', value: why ? `${why.text}\n\n---\n\n${text}` : text }, range: leaf.range };
    }
    // on a `param` line's name or value, or a `vmm` line's name: what the simulator takes from it
    const line = leaf.grammarSource?.$type === 'Keyword' ? undefined : this.describeLine(document, leaf.astNode);
    if (line) return { contents: { kind: 'markdown', value: why ? `${why.text}\n\n---\n\n${line}` : line }, range: leaf.range };
    if (why) return { contents: { kind: 'markdown', value: why.text }, range: why.range };
    const term = VOCABULARY.find((t) => t.name === leaf.text);
    if (term && !leaf.grammarSource?.$type.includes('Keyword')) {
      return { contents: { kind: 'markdown', value: `**${term.name}** — ${term.doc}` }, range: leaf.range };
    }
    return super.getHoverContent(document, params);
  }

  /**
   * The explanation and kernel references of each simulator finding whose diagnostic covers `position`, as
   * markdown sections, with the range of the first such diagnostic; undefined if there is none. Diagnostics
   * of an older version of the document than the simulation find no finding and add nothing.
   */
  private explanations(document: LangiumDocument, position: Position): { text: string; range: Range } | undefined {
    const sections: string[] = [];
    let range: Range | undefined;
    let sim: DocumentSimulation | undefined;
    for (const d of document.diagnostics ?? []) {
      if (!contains(d.range, position)) continue;
      sim ??= this.iommuServices.simulation.SimulationCache.get(document);
      const f = findingOfDiagnostic(sim, d);
      if (!f?.explanation) continue;
      const kernel = f.kernel.map((k) => `\`${k.source}\` (${k.rule}, ${k.versions})`).join('; ');
      sections.push(`**${f.code}** — ${f.explanation}${kernel ? `\n\n_Kernel:_ ${kernel}` : ''}`);
      range ??= d.range;
    }
    return range ? { text: sections.join('\n\n---\n\n'), range } : undefined;
  }

  /**
   * Hover text for a host's `param` line, its `kernel` line (the version gates, {@link describeKernelLine}) or a VM's
   * `vmm` line (`node` is the line), from the lowered model; else undefined.
   */
  private describeLine(document: LangiumDocument, node: AstNode): string | undefined {
    if (isModuleParam(node) && node.name && node.value !== undefined && isHost(node.$container)) {
      const sim = this.iommuServices.simulation.SimulationCache.get(document);
      const id = sim.idOf.get(node.$container);
      const host = id === undefined ? undefined : sim.topology.hosts.find((h) => h.id === id);
      if (!host) return undefined;
      const unquote = (v: string) => (v.length > 1 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);
      // a later line setting the same parameter (REF004) is the one the module ends up with: say so, and describe that one
      const winner = paramLine(node.$container, node.name);
      if (winner && winner !== node) {
        const line = (winner.$cstNode?.range.start.line ?? 0) + 1;
        return `**Overridden (REF004):** line ${line} sets this parameter again (\`${winner.name} = ${winner.value}\`), and a parameter has one value: this line changes nothing. What line ${line} does:\n\n${describeParamLine(host, winner.name!, unquote(String(winner.value)))}`;
      }
      return describeParamLine(host, node.name, unquote(String(node.value)));
    }
    if (isKernelSetting(node) && node.version && isHost(node.$container)) {
      const sim = this.iommuServices.simulation.SimulationCache.get(document);
      const id = sim.idOf.get(node.$container);
      const host = id === undefined ? undefined : sim.topology.hosts.find((h) => h.id === id);
      // the kernel the host is simulated with: its own line when the lowering read it, else the settings' default
      if (!host) return undefined;
      const kernel = sim.result.hosts.get(host.id)?.kernel ?? host.kernel;
      return describeKernelLine(host, kernel, host.kernel ? 'line' : kernel ? 'default' : 'assumed');
    }
    if (isVmmProp(node) && node.vmm && isVm(node.$container)) {
      const sim = this.iommuServices.simulation.SimulationCache.get(document);
      const id = sim.idOf.get(node.$container);
      const vm = id === undefined ? undefined : sim.topology.vms.find((v) => v.id === id);
      return vm && describeVmmLine(vm);
    }
    return undefined;
  }

  /** The element a hover position designates: a reference target, or the declaration whose name it is. */
  private elementAt(leaf: CstNode | undefined, offset: number): AstNode | undefined {
    if (!leaf) return undefined;
    const refNode = this.references.findDeclarations(leaf)[0];
    if (refNode && (isPciDevice(refNode) || isIommu(refNode) || isVm(refNode) || isHost(refNode)) && refNode !== leaf.astNode) return refNode;
    const node = leaf.astNode;
    if ((isPciDevice(node) || isIommu(node) || isVm(node) || isHost(node) || isHwptDecl(node)) && this.isNameOrHeader(node, offset)) return node;
    return undefined;
  }

  /** True when offset is on the declaration line up to the `{` (kind, name, BDF), not inside the body. */
  private isNameOrHeader(node: AstNode, offset: number): boolean {
    const cst = node.$cstNode;
    if (!cst) return false;
    const brace = cst.text.indexOf('{');
    return brace < 0 || offset < cst.offset + brace;
  }

  private describe(document: LangiumDocument, node: AstNode): string | undefined {
    const sim = this.iommuServices.simulation.SimulationCache.get(document);
    const id = sim.idOf.get(node);
    if (!id) return undefined;
    // findings the diagnostics hold back (SYN003) are not listed either
    const l = { topology: sim.topology, result: sim.result, deviceById: sim.deviceById, heldBack: sim.heldBack, heldFinding: sim.heldBack.size ? heldBackFilter(sim) : undefined };
    // a host with an IOMMU without a known driver or a device of unknown kind is simulated with a placeholder (SYN003): say so first
    const held = (hostId: string | undefined, text: string | undefined) => {
      const h = hostId === undefined ? undefined : sim.heldBack.get(hostId);
      if (!text || !h) return text;
      return `**Simulation held back (SYN003):** ${heldBackAssumes(h)}\n\n${text}`;
    };
    if (isPciDevice(node)) {
      const e = sim.deviceById.get(id);
      return e && held(e.host.id, describeDevice(l, e.device));
    }
    if (isIommu(node)) {
      const h = sim.topology.hosts.find((x) => x.iommus.some((u) => u.id === id));
      const u = h?.iommus.find((x) => x.id === id);
      return u && held(h!.id, describeIommu(l, u));
    }
    if (isVm(node)) {
      const v = sim.topology.vms.find((x) => x.id === id);
      return v && held(v.hostId, describeVm(l, v));
    }
    if (isHost(node)) {
      const h = sim.topology.hosts.find((x) => x.id === id);
      return h && held(h.id, describeHost(l, h));
    }
    if (isHwptDecl(node)) {
      const v = sim.topology.vms.find((x) => x.hwpts.some((w) => w.id === id));
      const w = v?.hwpts.find((x) => x.id === id);
      return w && held(v!.hostId, describeHwpt(l, v!, w));
    }
    return undefined;
  }

  /**
   * On a keyword (a device's kind keyword shows the device instead, `elementAt`): Langium's (a doc comment on the
   * keyword itself), else, for a keyword a statement starts with (`kernel`, `acs`, `assign`, `hwpt`, `cap` or `ecap`,
   * …), the doc comment of the grammar rule it starts, and for a keyword inside a statement its note
   * ({@link INNER_KEYWORDS}: `acs … ctl`, `hwpt … attach`). Punctuation and value keywords (`{`, `at`, `yes`) get nothing.
   */
  protected override async getKeywordHoverContent(node: AstNode): Promise<Hover | undefined> {
    const own = await super.getKeywordHoverContent(node);
    if (own || !GrammarAST.isKeyword(node)) return own;
    const rule = AstUtils.getContainerOfType(node, GrammarAST.isParserRule);
    if (!rule) return undefined;
    const inner = INNER_KEYWORDS[`${rule.name}.${node.value}`];
    if (inner) return { contents: { kind: 'markdown', value: `**${node.value}** — ${inner}` } };
    const comment = (rule as { $comment?: string }).$comment;
    if (!comment || !isJSDoc(comment) || !leadingKeywords(rule.definition).includes(node)) return undefined;
    const doc = parseJSDoc(comment).toMarkdown().trim();
    return doc ? { contents: { kind: 'markdown', value: `**${node.value}** — ${doc}` } } : undefined;
  }
}

/** Notes for keywords inside a statement, by `<rule>.<keyword>` (the statement's own keyword has the rule's doc comment). */
const INNER_KEYWORDS: Record<string, string> = {
  'AcsProp.cap': 'The ACS capabilities the function has (ACS Capability register; lspci `ACSCap:`), each flag by its lspci name.',
  'AcsProp.ctl': 'The ACS controls enabled as read after boot (ACS Control register; lspci `ACSCtl:`). Linux enables what it can (`pci_enable_acs`), less what `pci=disable_acs_redir=` or `pci=config_acs=` turn off.',
  'AcsProp.firmware-ctl': 'The ACS controls firmware left enabled before Linux, when known: they decide grouping when ACS is enabled only after the IOMMU groups are formed (GRP-ACS-06), and are the base `pci=config_acs=` edits (GRP-CMD-02).',
  'HwptDecl.attach': 'The devices the VMM attaches to this HW page table (`VFIO_DEVICE_ATTACH_IOMMUFD_PT` with its ID); a device that does not fit gets `-EINVAL`, with no fallback to another HWPT.',
  'IdProp.subsystem': 'The subsystem vendor and device ID, `vvvv:dddd` (lspci -nn `Subsystem:`), for quirks that match them.',
};

/**
 * The keywords a rule's text can start with: through its first group element, an assignment's terminal and each
 * alternative (`register=('cap' | 'ecap')` gives both), past actions (`{infer AcsProp} 'acs'`).
 */
function leadingKeywords(element: GrammarAST.AbstractElement | undefined): GrammarAST.Keyword[] {
  if (!element) return [];
  if (GrammarAST.isKeyword(element)) return [element];
  if (GrammarAST.isAssignment(element)) return leadingKeywords(element.terminal);
  if (GrammarAST.isAlternatives(element)) return element.elements.flatMap(leadingKeywords);
  if (GrammarAST.isGroup(element)) {
    const first = element.elements.find((e) => !GrammarAST.isAction(e));
    return leadingKeywords(first);
  }
  return [];
}

/** `position` is within `range` (both ends included, as the editor shows a diagnostic's hover at either end). */
function contains(range: Range, position: Position): boolean {
  const { start, end } = range;
  if (position.line < start.line || position.line > end.line) return false;
  if (position.line === start.line && position.character < start.character) return false;
  return !(position.line === end.line && position.character > end.character);
}
