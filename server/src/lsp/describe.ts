/**
 * Markdown descriptions of model elements from a simulation result: used by hover, and by the CLI's
 * `explain` output. Reads the cached simulation; computes nothing about the kernel itself.
 */
import type { AttachOutcome, DeviceCaps, HostAnalysis, SimulationResult } from '../../../src-core/src/analysis.js';
import type { Finding } from '../../../src-core/src/findings.js';
import { formatBdf } from '../../../src-core/src/bdf.js';
import { ASSUMED_KERNEL, formatKernel } from '../../../src-core/src/kernel-version.js';
import { gateRelease, hostKernelGates, type KernelGate } from '../../../src-core/src/kernel-gates.js';
import { MODELLED_KERNELS, outsideModelled } from '../../../src-core/src/rules/kver-range.js';
import { lacksPassthrough, policyText, type DefaultDomain } from '../../../src-core/src/groups/default-domain.js';
import { cmdlineEffects } from '../../../src-core/src/cmdline-effects.js';
import { initArguments } from '../../../src-core/src/kernel-cmdline.js';
import { hostArchOf } from '../../../src-core/src/arch.js';
import { notSimulatedReason } from '../../../src-core/src/rules/arch-unmodelled.js';
import { resolveIommu } from '../../../src-core/src/groups/index.js';
import { bootEffectOn } from '../../../src-core/src/boot-params.js';
import { intelIrBlockers, unitStatesIr } from '../../../src-core/src/caps/msi.js';
import { guestMemtypeText } from '../../../src-core/src/vm/memtype.js';
import { paramLineEffect } from '../../../src-core/src/module-params.js';
import { vmmLineEffect } from '../../../src-core/src/vm/vmm.js';
import type { Host, Hwpt, Iommu, KernelVersion, PciDevice, Topology, Vm } from '../../../src-core/src/model.js';
import { RULES } from '../../../src-core/src/rules/index.js';
import { IOMMU_DRIVERS, MSI_CONTROLLERS } from '../../../src-core/src/vocabulary.js';

const yesNo = (b: boolean | undefined) => (b === undefined ? 'unknown' : b ? 'yes' : 'no');

export interface Lookup {
  topology: Topology;
  result: SimulationResult;
  deviceById: Map<string, { device: PciDevice; host: Host }>;
  /** Hosts held back (SYN003) and why, from the lowering; optional. */
  heldBack?: ReadonlyMap<string, { capsUnknown: readonly string[] }>;
  /**
   * Findings the diagnostics hold back (SYN003: they follow from a placeholder, not from the text), left out of the
   * Findings sections so a hover states no finding the Problems panel does not; optional (none held back).
   */
  heldFinding?: (f: Finding) => boolean;
}

function hostOfDevice(l: Lookup, deviceId: string): Host | undefined {
  return l.deviceById.get(deviceId)?.host;
}

function deviceName(l: Lookup, id: string): string {
  const d = l.deviceById.get(id)?.device;
  return d ? `${d.name} (${formatBdf(d.bdf)})` : id;
}

/** Box names of KVM-BOX-01. */
export const BOX_TEXT: Record<number, string> = {
  1: 'box 1: IOMMU blocks no-snoop, device uses no-snoop → snooped anyway (safe)',
  2: 'box 2: IOMMU blocks no-snoop, device does not use it (safe)',
  3: 'box 3: IOMMU does not block no-snoop and the device may use it → needs KVM to emulate WBINVD',
  4: 'box 4: IOMMU does not block no-snoop, device does not use it (safe; KVM may emulate WBINVD at a cost)',
};

export function outcomeLine(o: AttachOutcome): string {
  const status = o.ok ? '✓ attaches' : `✗ fails at \`${o.step}\`${o.errno ? ` with \`-${o.errno}\`` : ''}`;
  // the simulator's domain label may already say whether it is enforced, e.g. `domain#1 (no-snoop not blocked)`
  const enforced = o.domainEnforced === undefined || o.domain?.includes('(') ? '' : o.domainEnforced ? ' (enforce_cache_coherency)' : ' (no-snoop not blocked)';
  const domain = o.domain ? `, ${o.domain}${enforced}` : '';
  const box = o.box ? `, coherency ${BOX_TEXT[o.box].split(':')[0]}` : '';
  return `${status}${domain}${box}`;
}

/** The group's default domain (DOM-TYPE-01) as hover lines: its type and why. */
function domainLines(d: DefaultDomain | undefined, n: number): string[] {
  if (!d) return [];
  return [
    `- default domain \`${d.type}\` (\`/sys/kernel/iommu_groups/${n}/type\`, the host's own DMA; VFIO and iommufd attach domains of their own): ${d.why.join('; ')}`,
  ];
}

function capsLines(c: DeviceCaps | undefined): string[] {
  if (!c) return ['- no IOMMU translates this device: no iommu_group'];
  return [
    `- \`IOMMU_CAP_CACHE_COHERENCY\`: ${yesNo(c.cacheCoherency)}`,
    `- can enforce cache coherency (block no-snoop): ${yesNo(c.enforceCoherency)}${c.enforceIsReportedOnly ? ' — **reported only** (AMD v2 page table has no FC bit)' : ''}`,
    `- isolated MSI: ${yesNo(c.isolatedMsi)}`,
    `- DMA cache-coherent: ${yesNo(c.dmaCoherent)}`,
  ];
}

/** Hover text for a PCI device. */
export function describeDevice(l: Lookup, dev: PciDevice): string {
  const host = hostOfDevice(l, dev.id);
  const ha: HostAnalysis | undefined = host && l.result.hosts.get(host.id);
  const group = ha?.grouping.groupOf.get(dev.id);
  const ids = dev.vendorId !== undefined ? ` \`${hex4(dev.vendorId)}:${hex4(dev.deviceId ?? 0)}\`` : '';
  const lines = [`**${dev.kind} ${dev.name}** \`${formatBdf(dev.bdf)}\`${ids}`, ''];
  // a host the simulator leaves out (ARCH001): nothing is predicted for its devices
  const why = host && !ha ? notSimulatedReason(host) : undefined;
  if (why) return [...lines, `Host: ${why} (ARCH001).`].join('\n');
  if (group) {
    const others = group.deviceIds.filter((id) => id !== dev.id);
    lines.push(`**iommu_group ${group.number}** (expected number; membership is exact)${others.length ? ` with ${others.map((o) => deviceName(l, o)).join(', ')}` : ' — alone'}`);
    for (const r of group.reasons.filter((r) => r.deviceId === dev.id)) lines.push(`- ${r.text}`);
    lines.push(...domainLines(ha?.defaultDomains?.get(group.number), group.number));
  } else {
    lines.push('**no iommu_group**');
  }
  const caps = ha?.caps.get(dev.id);
  // the unit that translates it; or the one that would, had the command line not turned it off (then the caps have none)
  const declared = host && !caps?.iommuId ? resolveIommu(host, dev) : undefined;
  const offDeclared = declared && bootEffectOn(ha?.bootParams, 'translation-off', declared.id);
  const unit = caps?.iommuId ? host?.iommus.find((i) => i.id === caps.iommuId) : offDeclared ? declared : undefined;
  const unitOff = unit && bootEffectOn(ha?.bootParams, 'translation-off', unit.id);
  lines.push('', `**IOMMU** ${unit ? `${unit.name} (${unit.driver}${unitOff ? `, turned off by \`${unitOff.param}\`` : ''})` : 'none'}`, ...capsLines(caps));
  for (const vm of l.topology.vms) {
    const o = l.result.vms.get(vm.id)?.attach.find((a) => a.deviceId === dev.id);
    if (o) lines.push('', `**VM ${vm.name}**: ${outcomeLine(o)}`, ...(o.kernelMessage ? ['', '```', o.kernelMessage, '```'] : []));
  }
  lines.push(...findingsSection(l, dev.id));
  return lines.join('\n');
}

/**
 * `no (declared yes; …)` for an Intel unit that has interrupt remapping on a host where another Intel unit has none
 * (the core's intelIrBlockers, CAP-IR-01); undefined otherwise.
 */
function intelIrNote(unit: Iommu, host: Host | undefined): string | undefined {
  // the unit's own statement: its `interrupt-remapping` capability, else what its `msi` line implies (x86-ir)
  if (!host || unit.driver !== 'intel-vtd' || !unitStatesIr(unit)) return undefined;
  const blockers = intelIrBlockers(host);
  if (!blockers.length) return undefined;
  return `no (declared ${unit.interruptRemapping === undefined ? 'through its MSI controller' : 'yes'}; ${blockers.map((u) => u.name).join(', ')} ${blockers.length > 1 ? 'have' : 'has'} none, and Intel enables interrupt remapping for every DRHD or none)`;
}

/** Hover text for an IOMMU unit. */
export function describeIommu(l: Lookup, unit: Iommu): string {
  const host = l.topology.hosts.find((h) => h.iommus.some((i) => i.id === unit.id));
  const ha = host && l.result.hosts.get(host.id);
  const driverDoc = IOMMU_DRIVERS.find((d) => d.name === unit.driver)?.doc ?? '';
  const devices = [...(ha?.caps.values() ?? [])].filter((c) => c.iommuId === unit.id);
  const groups = new Set(devices.map((c) => ha?.grouping.groupOf.get(c.deviceId)?.number).filter((n) => n !== undefined));
  // what the kernel command line changed on this unit (boot-params.ts), as the simulation saw it
  const off = bootEffectOn(ha?.bootParams, 'translation-off', unit.id);
  const noRemap = bootEffectOn(ha?.bootParams, 'remapping-off', unit.id);
  const legacy = bootEffectOn(ha?.bootParams, 'scalable-off', unit.id);
  const pgtableFrom = bootEffectOn(ha?.bootParams, 'pgtable', unit.id);
  /** `no (declared yes; \`intremap=off\` on the command line)` when the command line turned a declared flag off. */
  const changed = (v: boolean | undefined, by: { param: string } | undefined) => (by && v !== false ? `no (declared ${v === undefined ? 'through its MSI controller' : 'yes'}; \`${by.param}\` on the command line)` : undefined);
  const flags: [string, boolean | undefined, string?][] = [
    ['snoop control (ECAP.SC)', unit.snoopControl],
    // x86 units: what the unit states, also when only its `msi` line says it (unitStatesIr)
    ['interrupt remapping', noRemap ? false : unit.driver === 'intel-vtd' || unit.driver === 'amd-vi' ? unitStatesIr(unit) : unit.interruptRemapping, changed(unit.interruptRemapping, noRemap) ?? intelIrNote(unit, host)],
    ['scalable mode', legacy ? false : unit.scalableMode, changed(unit.scalableMode, legacy)],
    ['caching mode (emulated IOMMU)', unit.cachingMode],
    ['coherent walk', unit.coherentWalk],
    ['FEAT_COHERENCY', unit.coherent],
    ['CANWBS', unit.canwbs],
  ];
  const capsUnknown = ha && l.heldBack?.get(host!.id)?.capsUnknown.includes(unit.name);
  const lines = [
    `**iommu ${unit.name}** — ${unit.driver}${capsUnknown ? ' — capabilities unknown (`caps unknown`): the values below are assumed, and the findings that read them wait' : ''}${off ? `, turned off by \`${off.param}\` on the kernel command line (BOOT001): no iommu_groups` : ''}`,
    '',
    driverDoc,
    '',
    ...flags.filter(([, v]) => v !== undefined).map(([k, v, note]) => `- ${k}: ${note ?? yesNo(v)}`),
    unit.driver === 'intel-vtd' ? `- pass-through (ECAP.PT): ${unit.passthrough ? 'yes' : lacksPassthrough(unit) ? 'no (bit 6 of ecap is clear)' : 'assumed (not listed, no ecap value)'}` : '',
    unit.msi ? `- MSI controller: ${unit.msi} — ${MSI_CONTROLLERS.find((m) => m.name === unit.msi)?.doc ?? ''}` : '- MSI controller: not stated',
    unit.pgtable ? `- page table: ${unit.pgtable}` : pgtableFrom ? `- page table: ${pgtableFrom.param.endsWith('v2') ? 'v2' : 'v1'} (from \`${pgtableFrom.param}\` on the command line)` : '',
    '',
    `${devices.length} device(s) behind this unit in ${groups.size} iommu_group(s).`,
  ].filter((s) => s !== '');
  lines.push(...findingsSection(l, unit.id));
  return lines.join('\n');
}

/** Hover text for a VM. */
export function describeVm(l: Lookup, vm: Vm): string {
  const va = l.result.vms.get(vm.id);
  const host = l.topology.hosts.find((h) => h.id === vm.hostId);
  const lines = [
    `**vm ${vm.name}** on ${host ? host.name : '(no host)'} — ${vm.vmm ?? 'VMM not stated'}, backend \`${vm.backend}\`, kvm-vfio ${vm.kvmVfio ? 'yes' : 'no'}${vm.kvmVfioFrom === 'vmm' ? ` (${vm.vmm} creates it)` : vm.kvmVfioFrom === 'assumed' ? ' (assumed: the VMM is not known to create it; state `kvm-vfio yes` or `no`)' : ''}`,
    '',
  ];
  if (va) {
    const memtype = host && guestMemtypeText(host, l.result.hosts.get(host.id)?.kernel, va.kvmNoncoherent);
    lines.push(
      `KVM told about noncoherent DMA: **${va.kvmNoncoherent ? 'yes' : 'no'}**; guest WBINVD: **${va.wbinvd}**`,
      ...(memtype ? ['', `Guest memory types: ${memtype}`] : []),
      '',
      '| device | outcome |',
      '|---|---|',
      ...va.attach.map((o) => `| ${deviceName(l, o.deviceId)} | ${outcomeLine(o)} |`),
    );
  } else {
    const why = host && notSimulatedReason(host);
    if (why) lines.push(`Its host: ${why} (ARCH001).`);
  }
  lines.push(...findingsSection(l, vm.id));
  return lines.join('\n');
}

/**
 * Hover text for a VM's `hwpt` block: a manually allocated iommufd HW page table (IOMMU_HWPT_ALLOC; IOMMUFD-CC-02 in
 * the reference), the VM's backend, and the outcome of each device attached to it, with the findings on the block.
 */
export function describeHwpt(l: Lookup, vm: Vm, hwpt: Hwpt): string {
  const va = l.result.vms.get(vm.id);
  const n = hwpt.deviceIds.length;
  const lines = [
    `**hwpt ${hwpt.name}** in vm ${vm.name} — a HW page table the VMM allocates itself (\`IOMMU_HWPT_ALLOC\`), ${n ? `with ${n === 1 ? 'one device' : `${n} devices`} to attach` : 'with no device to attach'}${vm.backend === 'iommufd-cdev' ? '' : ` (only with \`backend iommufd-cdev\`; this VM's is \`${vm.backend}\`)`}`,
  ];
  // a device listed by an earlier hwpt block too is attached there (the outcome names that page table)
  const elsewhere = (id: string) => vm.hwpts.find((w) => w.deviceIds.includes(id));
  const outcomes = va?.attach.filter((o) => hwpt.deviceIds.includes(o.deviceId)) ?? [];
  if (outcomes.length)
    lines.push('', '| device | outcome |', '|---|---|', ...outcomes.map((o) => {
      const first = elsewhere(o.deviceId);
      return `| ${deviceName(l, o.deviceId)} | ${first && first !== hwpt ? `listed by hwpt ${first.name} first, attached there: ` : ''}${outcomeLine(o)} |`;
    }));
  lines.push(...findingsSection(l, hwpt.id));
  return lines.join('\n');
}

/** Hover text for a host's `cmdline`: each token and what the simulator does with it (ignored ones last, in one line), read with `kernel` (the one the host is simulated with; see `cmdlineEffects`). */
export function describeCmdline(host: Host, kernel: KernelVersion | undefined = host.kernel): string {
  const effects = cmdlineEffects(host, kernel);
  const read = effects.filter((e) => e.read);
  const ignored = effects.filter((e) => !e.read);
  const lines = ['**kernel command line** — what the simulator reads', ''];
  if (!read.length) lines.push('No token changes the simulation.');
  for (const e of read) lines.push(`- \`${e.token}\`: ${e.effect}`);
  if (ignored.length) lines.push('', `Not read: ${ignored.map((e) => `\`${e.token}\` (${e.effect})`).join(', ')}`);
  const init = initArguments(host.cmdline);
  // a code span that a backtick in the arguments cannot end early
  const code = (t: string) => (t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``);
  if (init !== undefined) lines.push('', init ? `After \`--\`, for init, not the kernel: ${code(init)}` : 'A `--` ends the kernel parameters (nothing follows for init).');
  return lines.join('\n');
}

/**
 * Hover text for a host's `param name = value` line: what the simulator reads from it ({@link paramLineEffect}), and
 * for a parameter it models, the rules it changes and the kernel source.
 */
export function describeParamLine(host: Host, name: string, value: string): string {
  const e = paramLineEffect(host, name, value);
  const head = `**module parameter \`${e.key}\`**${e.read ? ` — ${e.value ? 'on' : 'off'}` : ' — not read by the simulator'}`;
  const lines = [head, '', e.effect];
  if (e.doc) lines.push('', `${e.value ? 'Off' : 'On'} instead: ${e.value ? e.doc.off : e.doc.on}.`, '', `_Rules:_ ${e.doc.rules}. _Kernel:_ \`${e.doc.source}\``);
  return lines.join('\n');
}

/** Hover text for a VM's `vmm` line ({@link vmmLineEffect}). */
export function describeVmmLine(vm: Vm): string {
  return [`**vmm ${vm.vmm ?? ''}**`, '', vmmLineEffect(vm)].join('\n');
}

/** The host's architecture as the simulator takes it, saying when no `arch` line states it. */
function archText(host: Host): string {
  const { arch, source } = hostArchOf(host);
  return source === 'stated' ? arch : `${arch} (${source === 'inferred' ? 'inferred from its IOMMU drivers' : 'assumed: no arch line'})`;
}

/** Hover text for a host. */
export function describeHost(l: Lookup, host: Host): string {
  const ha = l.result.hosts.get(host.id);
  // the kernel simulated with; a host left out (ARCH001) shows the one it declares
  const kernel = ha ? ha.kernel : host.kernel;
  const lines = [`**host ${host.name}** — kernel ${kernel ? formatKernel(kernel) : 'unknown'}, ${archText(host)}`, ''];
  if (ha) {
    lines.push(`${ha.grouping.groups.length} iommu_group(s); ACS enabled before grouping: ${yesNo(ha.grouping.acsEnabledBeforeGrouping)}`, '');
    if (ha.domainPolicy) lines.push(`Default domains: ${policyText(ha.domainPolicy)}`, '');
    const types = ha.defaultDomains;
    for (const g of ha.grouping.groups.slice(0, 40)) lines.push(`- group ${g.number}${types?.get(g.number) ? ` (\`${types.get(g.number)!.type}\`)` : ''}: ${g.deviceIds.map((id) => deviceName(l, id)).join(', ')}`);
    if (ha.grouping.groups.length > 40) lines.push(`- … ${ha.grouping.groups.length - 40} more`);
  } else {
    const why = notSimulatedReason(host);
    if (why) lines.push(`${why} (ARCH001).`);
  }
  return lines.join('\n');
}

function findingsSection(l: Lookup, elementId: string): string[] {
  const fs = l.result.findings.filter((f) => f.elementId === elementId && !l.heldFinding?.(f));
  if (!fs.length) return [];
  return ['', '**Findings**', ...fs.map((f) => `- \`${f.code}\` ${f.message}${RULES.get(f.code) ? ` — ${RULES.get(f.code)!.title}` : ''}`)];
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * Hover text for a host's `kernel` line: the releases at which modelled behaviour changes that concern this host
 * (its IOMMU drivers and architecture), split into what `kernel` already has and what it does not have yet, from the
 * core's gate table ({@link hostKernelGates}). `kernel` is the kernel the host is simulated with; `source` says where it
 * came from: the host's own `kernel` line, the default kernel of the settings (the line could not be read), or neither
 * (`kernel` undefined: the kernel the simulator assumes, 6.12, as KVER000 says).
 */
export function describeKernelLine(host: Host, kernel: KernelVersion | undefined, source: 'line' | 'default' | 'assumed'): string {
  const g = hostKernelGates(host, kernel);
  const k = formatKernel(kernel ?? ASSUMED_KERNEL);
  const outside = kernel && outsideModelled(kernel);
  const from = source === 'line' ? '' : source === 'default' ? ' (this line is not a version the simulator reads; the default kernel of the settings is used)' : ' (this line is not a version the simulator reads, and no default kernel is set: the simulator assumes this release, KVER000)';
  // a host left out (ARCH001): the gates below are what the release has, not what the simulator applies to it
  const why = notSimulatedReason(host);
  const lines = [`**kernel ${k}**${from} — ${why ? `${why} (ARCH001); the modelled behaviour of this release, not applied to this host` : 'what the simulator applies at this release'}`, ''];
  if (outside) {
    const edge = formatKernel(outside === 'older' ? MODELLED_KERNELS.oldest : MODELLED_KERNELS.newest);
    lines.push(`${outside === 'older' ? 'Older than the oldest' : 'Newer than the newest'} modelled release (${edge}): answers follow ${edge} (KVER002).`, '');
  }
  // each entry, in either list, with its reference rule, its kernel source and, when the reference does not confirm the release, what is assumed
  const cite = (gate: KernelGate) => `${gate.unconfirmed ? ` _(assumed: ${gate.unconfirmed})_` : ''} _(${gate.rule}; \`${gate.source}\`)_`;
  for (const e of g.stable) lines.push(`**Stable ${e.range}:** ${e.what} (${e.rule}).`, '');
  if (g.ahead.length) {
    lines.push(`**Not yet on ${k}** (${g.ahead.length}):`);
    for (const gate of g.ahead) lines.push(`- **${gateRelease(gate)}** ${gate.area}: ${gate.from}. On ${k}: ${gate.before}.${cite(gate)}`);
    lines.push('');
  }
  if (g.inEffect.length) {
    lines.push(`**In effect** (${g.inEffect.length}):`);
    for (const gate of g.inEffect) lines.push(`- ${gateRelease(gate)} ${gate.area}: ${gate.from}${cite(gate)}`);
  }
  return lines.join('\n').trimEnd();
}
