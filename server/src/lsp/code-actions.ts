/**
 * Quick fixes. Dispatch on `diagnostic.data.code`; simulator findings carry their fix hints in
 * `data.fixes` (FixHint from src-core), text-level diagnostics carry `data.replacement`.
 * Edits may target another file (e.g. a host imported by the VM file).
 *
 * A fix hint with a `warning` (an insecure override such as `allow_unsafe_interrupts`) is never the preferred action:
 * its title only gets the short suffix {@link INSECURE_SUFFIX} and the warning text travels in the action's `data`
 * (`{ warning }`), as LSP servers keep titles to a short imperative phrase.
 */
import { AstUtils, CstUtils, type AstNode, type LangiumDocument, type MaybePromise } from 'langium';
import type { CodeActionProvider } from 'langium/lsp';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Command, type Diagnostic, type Range, type TextEdit } from 'vscode-languageserver';
import type { FixHint } from '../../../src-core/src/findings.js';
import type { Bdf, Iommu as CoreIommu } from '../../../src-core/src/model.js';
import { formatBdf } from '../../../src-core/src/bdf.js';
import { IOMMU_CAPS } from '../../../src-core/src/vocabulary.js';
import {
  type HwptDecl,
  type Iommu,
  type PciDevice,
  type Vm,
  isAcsProp,
  isAssignProp,
  isBackendProp,
  isDeviceIommuProp,
  isCmdlineSetting,
  isDriverProp,
  isHost,
  isHwptDecl,
  isIommu,
  isIommuCapsProp,
  isIommuMsiProp,
  isIommuDriverProp,
  isKernelSetting,
  isKvmVfioProp,
  isKvmVfioAddProp,
  isModuleParam,
  isPciDevice,
  isVm,
} from '../language/generated/ast.js';
import type { IommuServices } from '../language/iommu-module.js';
import { paramLine, propertyKeyword, singleValuedKey, type IommuDiagnosticData } from '../language/iommu-validator.js';
import { wordKeywords } from '../language/keywords.js';
import { importClosure } from '../language/iommu-scope.js';
import { appendToList, insertMember, removeListElement, removeListElementsWhere, removeNode, replaceNode, replaceProperty, type DocEdit } from './edits.js';

/** Several `unassign-device` hints of one VM inside an `all-of`, built as one removal ({@link IommuCodeActionProvider}). */
interface UnassignMany {
  kind: 'unassign-devices';
  vmId: string;
  deviceIds: string[];
}

/** Title suffix of an action whose fix hint carries a `warning`; the warning itself is in the action's `data`. */
export const INSECURE_SUFFIX = ' (insecure)';

/** `data` of a quick fix built from a fix hint with a `warning`. */
export interface IommuCodeActionData {
  warning: string;
}

/**
 * Edits taking `dev` out of every `hwpt` block of `vm` but `keep`: the simulator attaches a device through the first
 * hwpt block that lists it, so a block left listing it would still decide. An `undefined` entry means an edit could not
 * be built (the caller's action is then dropped).
 */
function outOfHwptBlocks(vm: Vm, dev: PciDevice, keep?: HwptDecl): (DocEdit | undefined)[] {
  const removals: (DocEdit | undefined)[] = [];
  for (const p of vm.props) {
    if (isHwptDecl(p) && p !== keep) removals.push(...(removeListElementsWhere(p, 'devices', (r) => r.ref === dev) ?? [undefined]));
  }
  return removals;
}

/** A name for a new hwpt block of `vm` from `base`: `base` itself, else `base_2`, `base_3`, … (the first one free). */
function freeHwptName(vm: Vm, base: string): string {
  return firstFree(base, new Set(vm.props.filter(isHwptDecl).map((p) => p.name)));
}

/** `base` when it is not in `taken`, else the first of `base_2`, `base_3`, … that is not (`host_` → `host_2`). */
function firstFree(base: string, taken: ReadonlySet<string | undefined>): string {
  const stem = base.endsWith('_') ? base : `${base}_`;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${stem}${n}`;
  return name;
}

/** The names declared in `documents` (hosts, units, devices, VMs, HWPTs). */
function declaredNames(documents: readonly LangiumDocument[]): Set<string> {
  const names = new Set<string>();
  for (const d of documents) {
    const root = d.parseResult?.value;
    if (!root) continue;
    for (const n of AstUtils.streamAst(root)) {
      const name = (n as { name?: unknown }).name;
      if (typeof name === 'string') names.add(name);
    }
  }
  return names;
}

export class IommuCodeActionProvider implements CodeActionProvider {
  private readonly services: IommuServices;

  constructor(services: IommuServices) {
    this.services = services;
  }

  private keywordSet: ReadonlySet<string> | undefined;

  /**
   * How an `assign` / `attach` list can name the simulated device `device` (element `id`): by its name when that is a
   * name a reference can spell (an ID, not a keyword), else by its BDF; the id when the device is unknown.
   */
  private referenceTo(id: string, device: { name?: string; bdf: Bdf } | undefined): string {
    if (!device) return id;
    this.keywordSet ??= wordKeywords(this.services.Grammar);
    const name = device.name;
    return name && /^[_a-zA-Z][\w-]*$/.test(name) && !this.keywordSet.has(name) ? name : formatBdf(device.bdf);
  }

  getCodeActions(document: LangiumDocument, params: CodeActionParams): MaybePromise<Array<Command | CodeAction>> {
    const actions: CodeAction[] = [];
    let names: Set<string> | undefined;
    /** The files a keyword written as a name can be in ({@link keywordDocuments}), found once per request. */
    let keywordDocs: LangiumDocument[] | undefined;
    for (const diagnostic of params.context.diagnostics) {
      const data = diagnostic.data as IommuDiagnosticData | undefined;
      if (!data?.code) continue;
      // SYN002, BDF001 and Langium's parser / linker errors carry a replacement when they have one to suggest
      // a keyword as a name: one fix for the declaration and every reference in the file, preferred over this one place
      // a keyword as a name becomes `<keyword>_`, or `<keyword>_2`, … when that name is declared already (REF002)
      if (data.keywordName !== undefined) keywordDocs ??= this.keywordDocuments(document);
      const replacement = keywordDocs && data.keywordName !== undefined && data.replacement !== undefined ? firstFree(data.replacement, (names ??= declaredNames(keywordDocs))) : data.replacement;
      const together = keywordDocs && data.keywordName !== undefined && replacement !== undefined ? this.keywordRenameFix(document, keywordDocs, diagnostic, data.keywordName, replacement) : undefined;
      if (together) actions.push(together);
      /** The diagnostic's range replaced by `text`; a string (IMP001's path) shows its own quotes in the title. */
      const changeTo = (text: string, isPreferred: boolean): CodeAction => ({
        title: /^".*"$/s.test(text) ? `Change to ${text}` : `Change to '${text}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred,
        edit: { changes: { [document.uri.toString()]: [{ range: diagnostic.range, newText: text }] } },
      });
      if (replacement !== undefined) actions.push(changeTo(replacement, !together));
      // several terms the value could have been meant as: one fix each, none preferred
      for (const alt of data.alternatives ?? []) actions.push(changeTo(alt, false));
      if (data.code === 'REF004') {
        const action = this.overriddenParamFix(document, diagnostic);
        if (action) actions.push(action);
      }
      if (data.code === 'REF005') {
        const action = this.overriddenLineFix(document, diagnostic);
        if (action) actions.push(action);
      }
      if (data.code === 'REF003' && data.listIndex !== undefined) {
        const action = this.repeatedAssignFix(document, diagnostic, data.listIndex);
        if (action) actions.push(action);
      }
      // the preferred fix: the first one built that may be preferred (no warning, not one of several candidates)
      let preferredTaken = false;
      for (const fix of data.fixes ?? []) {
        const built = this.fixAction(document, diagnostic, fix);
        if (!built) continue;
        built.action.isPreferred = built.preferable && !preferredTaken;
        preferredTaken ||= built.action.isPreferred;
        actions.push(built.action);
      }
    }
    return actions;
  }

  /**
   * The documents a keyword written as a name in `document` can be declared or referenced in: the ones simulated with
   * it (its imports, and the VM files sharing one of its hosts, with theirs), else the file and its imports.
   */
  private keywordDocuments(document: LangiumDocument): LangiumDocument[] {
    try {
      return this.services.simulation.SimulationCache.get(document).together;
    } catch {
      return importClosure(document, this.services.shared.workspace.LangiumDocuments);
    }
  }

  /**
   * The fix for a keyword written as a name (`endpoint host at …` and `assign host`, `data.keywordName`): rename it
   * to `replacement` at every diagnostic that reports the same keyword as a name, the declaration's parse error and each
   * reference's REF001, in this file and in `documents`, those checked with it ({@link keywordDocuments}: a host file and
   * the VM files that import it), in one edit. Undefined when the keyword is written as a name only here (the single replacement does
   * then) or when the text at a diagnostic is no longer the keyword.
   */
  private keywordRenameFix(document: LangiumDocument, documents: readonly LangiumDocument[], diagnostic: Diagnostic, keyword: string, replacement: string): CodeAction | undefined {
    const changes: Record<string, TextEdit[]> = {};
    let count = 0;
    for (const doc of [document, ...documents.filter((d) => d !== document)]) {
      const places = (doc.diagnostics ?? []).filter((d) => (d.data as IommuDiagnosticData | undefined)?.keywordName === keyword);
      if (places.some((d) => doc.textDocument.getText(d.range) !== keyword)) return undefined;
      const seen = new Set<string>();
      const edits = places
        .filter((d) => {
          const key = `${d.range.start.line}:${d.range.start.character}`;
          return !seen.has(key) && (seen.add(key), true);
        })
        .map((d) => ({ range: d.range, newText: replacement }));
      if (!edits.length) continue;
      changes[doc.uri.toString()] = edits;
      count += edits.length;
    }
    if (count < 2) return undefined;
    const files = Object.keys(changes).length;
    const where = files > 1 ? `in ${files} files` : 'in this file';
    return {
      title: `Rename '${keyword}' to '${replacement}' here and at its ${count - 1} other place${count > 2 ? 's' : ''} ${where}`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes },
    };
  }

  /** REF004's fix: remove the overridden `param` line the diagnostic is on (undefined when the text there changed since). */
  private overriddenParamFix(document: LangiumDocument, diagnostic: Diagnostic): CodeAction | undefined {
    return this.removeOverriddenLine(document, diagnostic, isModuleParam, (line) => (line.name ? { text: line.name, label: `param ${line.name}` } : undefined));
  }

  /**
   * REF005's fix: remove the overridden line whose keyword the diagnostic is on (undefined when the text there is no
   * longer that keyword, an edit since).
   */
  private overriddenLineFix(document: LangiumDocument, diagnostic: Diagnostic): CodeAction | undefined {
    const single = (n: AstNode): n is AstNode => singleValuedKey(n) !== undefined;
    return this.removeOverriddenLine(document, diagnostic, single, (line) => {
      const keyword = propertyKeyword(line);
      return keyword ? { text: keyword, label: keyword } : undefined;
    });
  }

  /**
   * The fix that removes the line (an `is` node) holding the diagnostic's start, titled with `shown(line).label`;
   * undefined when the text at the diagnostic is no longer `shown(line).text` (an edit since) or nothing can be removed.
   */
  private removeOverriddenLine<T extends AstNode>(document: LangiumDocument, diagnostic: Diagnostic, is: (n: AstNode) => n is T, shown: (line: T) => { text: string; label: string } | undefined): CodeAction | undefined {
    const root = document.parseResult.value.$cstNode;
    const leaf = root && CstUtils.findLeafNodeAtOffset(root, document.textDocument.offsetAt(diagnostic.range.start));
    const line = leaf && AstUtils.getContainerOfType(leaf.astNode, is);
    const s = line ? shown(line) : undefined;
    if (!line || !s || s.text !== document.textDocument.getText(diagnostic.range)) return undefined;
    // a comment after it on its line is about it (`kernel 6.8 // was 6.6`): it goes too
    const edit = removeNode(line, true);
    if (!edit) return undefined;
    return { title: `Remove the overridden '${s.label}' line`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true, edit: { changes: { [edit.uri]: [edit.edit] } } };
  }

  /**
   * REF003's fix: remove the repeated reference (element `index` of the `assign` list the diagnostic is on; the whole
   * line when it is the only one). Undefined when the text there is no longer that reference (an edit since).
   */
  private repeatedAssignFix(document: LangiumDocument, diagnostic: Diagnostic, index: number): CodeAction | undefined {
    const root = document.parseResult.value.$cstNode;
    const leaf = root && CstUtils.findLeafNodeAtOffset(root, document.textDocument.offsetAt(diagnostic.range.start));
    const assign = leaf && AstUtils.getContainerOfType(leaf.astNode, isAssignProp);
    const ref = assign?.devices[index];
    if (!assign || !ref || ref.$refText !== document.textDocument.getText(diagnostic.range)) return undefined;
    const edit = removeListElement(assign, 'devices', index);
    if (!edit) return undefined;
    return {
      title: `Remove the repeated '${ref.$refText}'`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [edit.uri]: [edit.edit] } },
    };
  }

  /**
   * The quick fix for one fix hint, or undefined when no edit can be built (or it would change nothing), and whether
   * it may be the preferred action: never for a hint with a `warning` (whose title then ends in
   * {@link INSECURE_SUFFIX} and whose `data` holds the warning), nor for one of several candidates only the user can
   * choose between.
   */
  private fixAction(document: LangiumDocument, diagnostic: Diagnostic, fix: FixHint | UnassignMany): { action: CodeAction; preferable: boolean } | undefined {
    if (fix.kind === 'all-of') return this.allOfAction(document, diagnostic, fix.fixes);
    const sim = this.services.simulation.SimulationCache.get(document);
    const node = (id: string) => sim.nodeOf.get(id);
    const named = (id: string) => sim.deviceById.get(id)?.device.name ?? id;
    let title: string;
    let edits: (DocEdit | undefined)[] = [];
    let preferable = true;
    // a property written twice (REF005): the fixes below edit its last line, the one the simulation reads
    switch (fix.kind) {
      case 'set-param': {
        const host = node(fix.hostId);
        if (!isHost(host)) return undefined;
        title = `Set ${fix.param}=${fix.value} on host ${host.name}`;
        // the last line of that parameter, in any spelling (`vfio-pci.` is `vfio_pci.`): the one the simulation reads
        const existing = paramLine(host, fix.param);
        edits = [existing ? replaceProperty(existing, 'value', fix.value) : insertMember(host, `param ${fix.param} = ${fix.value}`, host.members, (m) => !isIommu(m) && !isPciDevice(m))];
        break;
      }
      case 'rename-param': {
        const host = node(fix.hostId);
        const line = host && paramLine(host, fix.param);
        if (!line) return undefined;
        title = `Change to '${fix.to}'`;
        edits = [replaceProperty(line, 'name', fix.to)];
        // a name that fits two modules (`vfio.allow_unsafe_interrupts`): the user chooses
        preferable = ((diagnostic.data as IommuDiagnosticData | undefined)?.fixes ?? []).filter((f) => f.kind === 'rename-param').length === 1;
        break;
      }
      case 'add-kvm-vfio': {
        const vm = node(fix.vmId);
        if (!isVm(vm)) return undefined;
        title = `Add the kvm-vfio device to vm ${vm.name}`;
        const existing = vm.props.findLast(isKvmVfioProp);
        edits = [existing ? replaceProperty(existing, 'value', 'yes') : insertMember(vm, 'kvm-vfio yes', vm.props, (p) => !isAssignProp(p) && !isHwptDecl(p))];
        break;
      }
      case 'set-kvm-vfio-add': {
        const vm = node(fix.vmId);
        if (!isVm(vm)) return undefined;
        title = `Add vm ${vm.name}'s VFIO groups to kvm-vfio ${fix.order === 'after-container' ? 'after' : 'before'} setting their container (kvm-vfio-add ${fix.order})`;
        const existing = vm.props.findLast(isKvmVfioAddProp);
        edits = [existing ? replaceProperty(existing, 'order', fix.order) : insertMember(vm, `kvm-vfio-add ${fix.order}`, vm.props, (p) => !isAssignProp(p) && !isHwptDecl(p))];
        break;
      }
      case 'assign-devices': {
        const vm = node(fix.vmId);
        if (!isVm(vm)) return undefined;
        const names = fix.deviceIds.map(named);
        const block = fix.hwptId !== undefined ? node(fix.hwptId) : undefined;
        if (fix.hwptId !== undefined && !isHwptDecl(block)) return undefined;
        const hw = isHwptDecl(block) ? block : undefined;
        title = `Assign the whole iommu_group to vm ${vm.name}: add ${names.join(', ')}${hw ? ` to hwpt ${hw.name}` : ''}`;
        // by name, or by BDF when the name cannot be written as a reference (a keyword: `endpoint host at …`)
        const refs = fix.deviceIds.map((id) => this.referenceTo(id, sim.deviceById.get(id)?.device));
        const assign = vm.props.find(isAssignProp);
        edits = [hw ? appendToList(hw, `, ${refs.join(', ')}`) : assign ? appendToList(assign, `, ${refs.join(', ')}`) : insertMember(vm, `assign ${refs.join(', ')}`, vm.props)];
        break;
      }
      case 'unassign-device':
      case 'unassign-devices': {
        const vm = node(fix.vmId);
        const devs = (fix.kind === 'unassign-device' ? [fix.deviceId] : fix.deviceIds).map(node);
        if (!isVm(vm) || !devs.every(isPciDevice)) return undefined;
        title = `Remove ${devs.map((d) => d.name).join(', ')} from vm ${vm.name}`;
        // every mention: a device listed twice on one line (REF003) would otherwise stay assigned; several devices
        // from one line in one edit per line (separate ones would overlap)
        const gone = new Set<AstNode>(devs);
        for (const p of vm.props) if (isAssignProp(p) || isHwptDecl(p)) edits.push(...(removeListElementsWhere(p, 'devices', (r) => r.ref !== undefined && gone.has(r.ref)) ?? [undefined]));
        break;
      }
      case 'set-driver': {
        const dev = node(fix.deviceId);
        if (!isPciDevice(dev)) return undefined;
        const drv = fix.driver ?? 'none';
        title = fix.driver ? `Bind ${dev.name} to ${drv}` : `Unbind ${dev.name} from its host driver`;
        const existing = dev.props.findLast(isDriverProp);
        edits = [existing ? replaceNode(existing, `driver ${drv}`) : insertMember(dev, `driver ${drv}`, dev.props)];
        break;
      }
      case 'set-backend': {
        const vm = node(fix.vmId);
        if (!isVm(vm)) return undefined;
        title = `Use backend ${fix.backend} for vm ${vm.name}`;
        const existing = vm.props.findLast(isBackendProp);
        edits = [existing ? replaceProperty(existing, 'backend', fix.backend) : insertMember(vm, `backend ${fix.backend}`, vm.props, (p) => !isAssignProp(p) && !isHwptDecl(p))];
        break;
      }
      case 'set-kernel': {
        const host = node(fix.hostId);
        if (!isHost(host)) return undefined;
        title = `Use kernel ${fix.version} on host ${host.name}`;
        const existing = host.members.findLast(isKernelSetting);
        edits = [existing ? replaceProperty(existing, 'version', fix.version) : insertMember(host, `kernel ${fix.version}`, [])];
        break;
      }
      case 'separate-hwpt': {
        const vm = node(fix.vmId);
        const dev = node(fix.deviceId);
        if (!isVm(vm) || !isPciDevice(dev)) return undefined;
        title = fix.instance ? `Attach ${dev.name} to its own HWPT (it is behind another SMMU instance)` : `Attach ${dev.name} to its own ${fix.coherent ? 'coherency-enforcing' : 'non-enforcing'} HWPT`;
        // the reference as written (a name or a BDF)
        const ref = vm.props.flatMap((p) => (isHwptDecl(p) || isAssignProp(p) ? p.devices : [])).find((r) => r.ref === dev)?.$refText || dev.name;
        edits = [insertMember(vm, `hwpt ${freeHwptName(vm, `${dev.name}_hwpt`)} { attach ${ref} }`, vm.props)];
        // out of the block that refuses it (the first block listing a device is the one used), as move-to-hwpt does;
        // the removals last: an insertion where a removed line begins must sort before it
        edits.push(...outOfHwptBlocks(vm, dev));
        break;
      }
      case 'set-iommu-property': {
        const unit = node(fix.iommuId);
        if (!isIommu(unit)) return undefined;
        const capName = IOMMU_CAPS.find((c) => c.field === fix.property)?.name;
        // a capability field is only ever turned on (removals are `remove-iommu-caps`)
        if (capName && fix.value !== 'true') return undefined;
        title = capName ? `Enable ${capName} on iommu ${unit.name}` : `Set ${fix.property} ${fix.value} on iommu ${unit.name}`;
        edits = [this.iommuEdit(unit, fix.property, fix.value)];
        // turning IR on for a unit whose `msi x86-vector` line says it is off: that line goes too (else MDL007)
        if (fix.property === 'interruptRemapping' && fix.value === 'true') {
          const msi = unit.props.findLast(isIommuMsiProp);
          if (msi?.controller === 'x86-vector') edits.push(replaceNode(msi, 'msi x86-ir'));
        }
        break;
      }
      case 'hwpt-to-assign': {
        const vm = node(fix.vmId);
        const hw = node(fix.hwptId);
        if (!isVm(vm) || !isHwptDecl(hw)) return undefined;
        // a block the parser did not close (`hwpt p { }` without `attach`: SYN000) has a CST without its `}`, and
        // removing it would leave the brace behind: no fix until it parses
        if (!hw.$cstNode?.text.trimEnd().endsWith('}')) return undefined;
        // its devices as written, but those the VM assigns already
        const assigned = new Set(vm.props.flatMap((p) => (isAssignProp(p) ? p.devices.map((r) => r.ref) : [])));
        const refs = hw.devices.filter((r, k) => !assigned.has(r.ref) && hw.devices.findIndex((o) => o.ref === r.ref) === k).map((r) => r.$refText);
        title = `Turn hwpt ${hw.name} into an assign line (this backend ignores it)`;
        const assign = vm.props.findLast(isAssignProp);
        if (refs.length) edits.push(assign ? appendToList(assign, `, ${refs.join(', ')}`) : insertMember(vm, `assign ${refs.join(', ')}`, vm.props, (p) => !isHwptDecl(p)));
        // the removal last: an insertion where the removed block begins must sort before it
        edits.push(removeNode(hw));
        break;
      }
      case 'unlist-from-hwpt': {
        const vm = node(fix.vmId);
        const hw = node(fix.hwptId);
        const dev = node(fix.deviceId);
        if (!isVm(vm) || !isHwptDecl(hw) || !isPciDevice(dev)) return undefined;
        const removal = removeListElementsWhere(hw, 'devices', (r) => r.ref === dev);
        if (!removal?.length) return undefined;
        title = `Remove ${dev.name} from hwpt ${hw.name}`;
        edits = removal;
        break;
      }
      case 'remove-iommu-caps': {
        const unit = node(fix.iommuId);
        if (!isIommu(unit)) return undefined;
        title = `Remove ${fix.caps.join(', ')} from iommu ${unit.name}`;
        // from every caps line that lists one of them (caps lines add up)
        for (const line of unit.props.filter(isIommuCapsProp)) edits.push(...(removeListElementsWhere(line, 'caps', (c) => fix.caps.includes(c)) ?? [undefined]));
        if (!edits.length) return undefined;
        break;
      }
      case 'replace-iommu-cap': {
        const unit = node(fix.iommuId);
        if (!isIommu(unit)) return undefined;
        // the caps line the value is on (the last one: caps lines add up, and each value counts once)
        const line = unit.props.filter(isIommuCapsProp).findLast((p) => p.caps.includes(fix.from));
        if (!line) return undefined;
        title = `Replace ${fix.from} by ${fix.to} on iommu ${unit.name}`;
        edits = [replaceProperty(line, 'caps', fix.to, line.caps.lastIndexOf(fix.from))];
        break;
      }
      case 'move-to-hwpt': {
        const vm = node(fix.vmId);
        const dev = node(fix.deviceId);
        const to = fix.toHwptId === undefined ? undefined : node(fix.toHwptId);
        if (fix.fromHwptId === undefined) {
          // the device is in no hwpt block (attached through the IOAS): into the block of its group's HWPT
          if (!isVm(vm) || !isPciDevice(dev) || !isHwptDecl(to)) return undefined;
          const written = vm.props.flatMap((p) => (isAssignProp(p) ? p.devices : [])).find((r) => r.ref === dev)?.$refText || dev.name;
          title = `Attach ${dev.name} to hwpt ${to.name}, where its iommu_group is`;
          edits = [appendToList(to, `, ${written}`)];
          break;
        }
        const from = node(fix.fromHwptId);
        if (!isVm(vm) || !isPciDevice(dev) || !isHwptDecl(from) || (fix.toHwptId !== undefined && !isHwptDecl(to))) return undefined;
        const i = from.devices.findIndex((r) => r.ref === dev);
        if (i < 0) return undefined;
        // the reference as written (a name or a BDF), for the list it joins
        const ref = from.devices[i].$refText || dev.name;
        // the simulator attaches a device through the first hwpt block that lists it: out of every block but the target
        const removals = outOfHwptBlocks(vm, dev, isHwptDecl(to) ? to : undefined);
        if (isHwptDecl(to)) {
          title = `Attach ${dev.name} to hwpt ${to.name}, where its iommu_group is`;
          if (!to.devices.some((r) => r.ref === dev)) edits = [appendToList(to, `, ${ref}`)];
        } else {
          title = `Attach ${dev.name} to the automatic domain of its iommu_group (out of hwpt ${from.name})`;
          // a device only in hwpt blocks would leave the VM: keep it assigned
          const assigned = vm.props.some((p) => isAssignProp(p) && p.devices.some((r) => r.ref === dev));
          const assign = vm.props.find(isAssignProp);
          if (!assigned) edits.push(assign ? appendToList(assign, `, ${ref}`) : insertMember(vm, `assign ${ref}`, vm.props, (p) => !isHwptDecl(p)));
        }
        // the removals last: an insertion where a removed line begins must sort before it (LSP edits may not overlap)
        edits.push(...removals);
        break;
      }
      case 'set-device-iommu': {
        const dev = node(fix.deviceId);
        const unit = node(fix.iommuId);
        if (!isPciDevice(dev) || !isIommu(unit)) return undefined;
        title = `Translate ${dev.name} and the devices below it by iommu ${unit.name}`;
        // one action per candidate unit: which one is right only the host can say
        preferable = false;
        const existing = dev.props.findLast(isDeviceIommuProp);
        edits = [existing ? replaceNode(existing, `iommu ${unit.name}`) : insertMember(dev, `iommu ${unit.name}`, dev.props)];
        break;
      }
      case 'declare-no-acs': {
        const dev = node(fix.deviceId);
        if (!isPciDevice(dev) || dev.props.some(isAcsProp)) return undefined;
        title = `Declare acs none on ${dev.name} (what the grouping assumed; a capture as root would tell)`;
        // an assertion about hardware the file does not know: offered, never preferred
        preferable = false;
        edits = [insertMember(dev, 'acs none', dev.props)];
        break;
      }
      case 'set-cmdline': {
        const host = node(fix.hostId);
        if (!isHost(host)) return undefined;
        // the last cmdline line is the one the simulator reads (lowering keeps the last)
        const setting = host.members.filter(isCmdlineSetting).at(-1);
        if (!setting) return undefined;
        title = fix.added ? `Use ${fix.added} instead of ${fix.removed} on the command line of host ${host.name}` : `Remove ${fix.removed} from the command line of host ${host.name}`;
        // the DSL string is a JSON string: the kernel's quotes inside it are escaped
        edits = [replaceProperty(setting, 'value', JSON.stringify(fix.cmdline))];
        break;
      }
      default:
        return undefined;
    }
    const changes: Record<string, DocEdit['edit'][]> = {};
    for (const e of edits) {
      if (!e) return undefined;
      (changes[e.uri] ??= []).push(e.edit);
    }
    if (!Object.keys(changes).length) return undefined;
    const action: CodeAction = { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: { changes } };
    if ('warning' in fix && fix.warning) {
      action.title += INSECURE_SUFFIX;
      action.data = { warning: fix.warning } satisfies IommuCodeActionData;
      preferable = false;
    }
    return { action, preferable };
  }

  /**
   * An `all-of` hint: one quick fix whose edit is the edits of every part (each built as {@link fixAction} builds it),
   * titled `<first part>, and <second part>…`. Undefined when a part cannot be built, is itself `all-of`, or when two
   * parts' edits overlap (a client applies none of an edit with overlapping ranges). Preferable only when every part is.
   */
  private allOfAction(document: LangiumDocument, diagnostic: Diagnostic, fixes: readonly FixHint[]): { action: CodeAction; preferable: boolean } | undefined {
    const parts: { action: CodeAction; preferable: boolean }[] = [];
    // the devices one VM gives up, as one part: two removals from one `assign` line would overlap
    const merged: (FixHint | UnassignMany)[] = [];
    for (const f of fixes) {
      if (f.kind !== 'unassign-device') merged.push(f);
      else {
        const same = merged.find((m): m is UnassignMany => m.kind === 'unassign-devices' && m.vmId === f.vmId);
        if (same) same.deviceIds.push(f.deviceId);
        else merged.push({ kind: 'unassign-devices', vmId: f.vmId, deviceIds: [f.deviceId] });
      }
    }
    for (const f of merged) {
      const part = f.kind === 'all-of' ? undefined : this.fixAction(document, diagnostic, f);
      if (!part) return undefined;
      parts.push(part);
    }
    if (!parts.length) return undefined;
    const changes: Record<string, TextEdit[]> = {};
    for (const p of parts) for (const [uri, edits] of Object.entries(p.action.edit?.changes ?? {})) (changes[uri] ??= []).push(...edits);
    for (const edits of Object.values(changes)) if (overlapping(edits)) return undefined;
    const title = parts.map((p, i) => (i === 0 ? p.action.title : p.action.title.charAt(0).toLowerCase() + p.action.title.slice(1))).join(', and ');
    const action: CodeAction = { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: { changes } };
    const warned = parts.find((p) => p.action.data);
    if (warned) action.data = warned.action.data;
    return { action, preferable: parts.every((p) => p.preferable) };
  }

  /**
   * `property` is a core {@link CoreIommu} field: a capability field (`interruptRemapping`) becomes an entry
   * in the `caps` list (the caller only turns capabilities on), other fields (`pgtable`, `msi`) become a property line.
   */
  private iommuEdit(unit: Iommu, property: string, value: string): DocEdit | undefined {
    const cap = IOMMU_CAPS.find((c) => c.field === property);
    if (cap) return this.iommuEdit(unit, 'caps', cap.name);
    if (property === 'caps') {
      // caps lines add up: a value on any of them is there already; a new one goes on the last
      const lines = unit.props.filter(isIommuCapsProp);
      if (lines.some((l) => l.caps.includes(value))) return undefined;
      const caps = lines.at(-1);
      if (caps?.$cstNode) {
        const doc = AstUtils.getDocument(caps);
        const pos = doc.textDocument.positionAt(caps.$cstNode.end);
        return { uri: doc.uri.toString(), edit: { range: { start: pos, end: pos }, newText: `, ${value}` } };
      }
      return insertMember(unit, `caps ${value}`, unit.props, isIommuDriverProp);
    }
    // of a line written twice (REF005), the last: the one the simulation reads
    const existing = unit.props.findLast((p) => propertyKeyword(p) === property);
    return existing ? replaceNode(existing, `${property} ${value}`) : insertMember(unit, `${property} ${value}`, unit.props);
  }
}

/**
 * Whether two of `edits` overlap (Langium's `CstUtils.inRange`, for which touching ends do not) or are both insertions
 * at one position (whose order a client may choose).
 */
function overlapping(edits: readonly TextEdit[]): boolean {
  const insertionAt = (r: Range) => (r.start.line === r.end.line && r.start.character === r.end.character ? r.start : undefined);
  const sameInsertion = (a: Range, b: Range) => {
    const p = insertionAt(a);
    const q = insertionAt(b);
    return p !== undefined && q !== undefined && p.line === q.line && p.character === q.character;
  };
  return edits.some((a, i) => edits.slice(i + 1).some((b) => CstUtils.inRange(a.range, b.range) || sameInsertion(a.range, b.range)));
}
