import { effectiveKernel } from '../caps/platform.js';
import { analysisDomains, lacksPassthrough } from '../groups/default-domain.js';
import { formatKernel } from '../kernel-version.js';
import { cmdlineEntries, kstrtobool, withoutOptions } from '../kernel-cmdline.js';
import type { Finding, FixHint } from '../findings.js';
import type { Host, Iommu } from '../model.js';
import { VTD_ECAP } from '../caps/vtd-registers.js';
import type { Rule } from './rule.js';

/** Whether the command line has a parameter that can ask for pass-through (DOM-DEF-01); without one DOM002 cannot fire. */
function asksPassthrough(cmdline: string): boolean {
  return cmdline.includes('iommu') && cmdlineEntries(cmdline).some((e) => e.key === 'iommu' || e.key === 'iommu.passthrough');
}

/**
 * DOM002's fixes. Where pass-through does nothing on this host (every translating unit is an Intel one without PT),
 * first: the command line without the option that asks for it. Then, for a register value that is wrong (the unit does
 * have PT): bit 6 set in its `ecap`, and `passthrough` listed too when the unit has a `caps` list (a register-only
 * unit takes its capabilities from the register; a `caps` line of its own would replace them).
 */
function passthroughFixes(host: Host, unit: Iommu, from: string | undefined): FixHint[] {
  const out: FixHint[] = [];
  const translating = host.iommus.filter((u) => u.driver !== 'none');
  if (from && host.cmdline !== undefined && translating.every(lacksPassthrough)) {
    // every request for it (a later one would take over): `iommu.passthrough=<true>`, and `iommu=pt…` options; the
    // fix's title names each one taken out
    const removed: string[] = [];
    const cmdline = withoutOptions(host.cmdline, (e, options) => {
      if (e.key === 'iommu.passthrough') {
        const on = kstrtobool(e.value, host.kernel) === true;
        if (on) removed.push(e.token);
        return on;
      }
      if (e.key !== 'iommu') return false;
      const at = options.flatMap((o, i) => (o.startsWith('pt') ? [i] : []));
      for (const i of at) removed.push(`iommu=${options[i]}`);
      return at;
    });
    if (cmdline !== host.cmdline) out.push({ kind: 'set-cmdline', hostId: host.id, cmdline, removed: [...new Set(removed)].join(' and ') || from });
  }
  if (unit.rawEcap !== undefined) {
    const ecap: FixHint = { kind: 'set-iommu-property', iommuId: unit.id, property: 'ecap', value: `0x${(unit.rawEcap | (1n << BigInt(VTD_ECAP.PT))).toString(16)}` };
    out.push(unit.capsFromRegisters ? ecap : { kind: 'all-of', fixes: [ecap, { kind: 'set-iommu-property', iommuId: unit.id, property: 'passthrough', value: 'true' }] });
  }
  return out;
}

/**
 * DOM002: the command line asks for identity (pass-through) default domains (`iommu=pt`, `iommu.passthrough=1`), but
 * an Intel VT-d unit without hardware pass-through (ECAP.PT) makes `device_def_domain_type` ask for DMA, so its groups
 * stay translated with strict invalidation (DOM-DEF-03). Reported at the unit, once, with the groups it affects.
 */
export const domPassthroughRule: Rule = {
  meta: {
    code: 'DOM002',
    title: 'iommu=pt has no effect on an Intel unit without pass-through (ECAP.PT)',
    readsCaps: true,
    defaultSeverity: 'info',
    summary:
      'The command line asks for identity (pass-through) default domains, but the Intel VT-d unit does not support hardware pass-through (its `ecap` value has bit 6, PT, clear; without an `ecap` value PT is assumed). Newer kernels no longer emulate it with a 1:1 page table: `device_def_domain_type` asks for a DMA domain, so the host drivers of every group behind the unit keep translated DMA with strict IOTLB invalidation (`/sys/kernel/iommu_groups/<N>/type` reads `DMA`). VFIO assignment is not affected.',
    kernel: [
      { rule: 'DOM-DEF-03', source: 'drivers/iommu/intel/iommu.c:device_def_domain_type', versions: '≥ 6.12 (184bee388d46)' },
      { rule: 'DOM-DEF-01', source: 'arch/x86/kernel/pci-dma.c:iommu_setup, drivers/iommu/iommu.c:iommu_set_def_domain_type', versions: 'all' },
      { rule: 'DOM-TYPE-01', source: 'drivers/iommu/iommu.c:iommu_group_show_type', versions: '≥ 5.11' },
    ],
    fix: 'If the unit does report ECAP.PT (bit 6 of `/sys/class/iommu/dmar*/intel-iommu/ecap`), correct the `ecap` value or add `passthrough` to its `caps`. Otherwise drop the pass-through option: it does nothing for these devices.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const host of ctx.topology.hosts) {
      if (!host.cmdline || !asksPassthrough(host.cmdline)) continue;
      if (!host.iommus.some(lacksPassthrough)) continue;
      const ha = ctx.hosts.get(host.id);
      if (!ha) continue;
      const kernel = effectiveKernel(ha.kernel);
      const { policy, byGroup: domains } = analysisDomains(host, ha);
      if (!policy.passthrough) continue;
      for (const unit of host.iommus) {
        if (!lacksPassthrough(unit)) continue;
        // the unit's groups that the driver (not an untrusted member) turned to DMA
        const groups = ha.grouping.groups.filter((g) => g.iommuId === unit.id && domains.get(g.number)?.by === 'iommu-driver' && domains.get(g.number)?.type === 'DMA');
        if (!groups.length) continue;
        const numbers = groups.map((g) => g.number);
        const list = numbers.length > 8 ? `${numbers.slice(0, 8).join(', ')}, … (${numbers.length})` : numbers.join(', ');
        const on = kernel ? `on ${formatKernel(kernel)}` : 'on current kernels';
        out.push({
          code: 'DOM002',
          severity: 'info',
          message: `IOMMU ${unit.name} has no hardware pass-through (ECAP.PT): ${policy.passthroughFrom} is ignored for its iommu_group${numbers.length === 1 ? '' : 's'} ${list}, which ${numbers.length === 1 ? 'gets a strict DMA domain' : 'get strict DMA domains'} ${on}`,
          explanation: `The command line asks for identity default domains (${policy.passthroughFrom}, DOM-DEF-01). Intel's \`device_def_domain_type\` returns IOMMU_DOMAIN_DMA for every device of a unit whose extended capability register lacks PT (bit 6), and the IOMMU core follows the driver's preference: the host drivers of these groups keep translated DMA, invalidated strictly on each unmap (no flush queue), and \`/sys/kernel/iommu_groups/<N>/type\` reads \`DMA\`. Kernels before 6.12 emulated pass-through with a 1:1 page table instead (184bee388d46 changed it). Assigning these devices to a VM is not affected: VFIO and iommufd replace the default domain.`,
          elementId: unit.id,
          related: [],
          kernel: this.meta.kernel,
          fixes: passthroughFixes(host, unit, policy.passthroughFrom),
        });
      }
    }
    return out;
  },
};
