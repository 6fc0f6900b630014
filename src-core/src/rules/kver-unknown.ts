import { ASSUMED_KERNEL } from '../caps/platform.js';
import type { Finding } from '../findings.js';
import { formatKernel } from '../kernel-version.js';
import type { Rule } from './rule.js';

/** KVER000: host without a kernel version and no `defaultKernel` option: list the assumptions. */
export const kverUnknownRule: Rule = {
  meta: {
    code: 'KVER000',
    title: 'host kernel version unknown',
    defaultSeverity: 'warning',
    summary: `The host declares no kernel and no default kernel is configured; the simulator assumes ${formatKernel(ASSUMED_KERNEL)}. Many answers (DMA ownership, coherency caps, MSI isolation, KVM coherency) change with the version.`,
    kernel: [{ rule: '§7 timeline', source: 'kernel-rules-vfio-kvm.md §7', versions: 'all' }],
    fix: 'Declare the host kernel, or set iommu.defaultKernel.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const host of ctx.topology.hosts) {
      const ha = ctx.hosts.get(host.id);
      if (!ha || ha.kernel) continue;
      const k = formatKernel(ASSUMED_KERNEL);
      out.push({
        code: 'KVER000',
        severity: 'warning',
        message: `host ${host.name}: no kernel version and no default; assuming ${k}`,
        explanation: [
          `Host ${host.name} has no \`kernel\` and \`iommu.defaultKernel\` is not set, so the simulator assumes Linux ${k}. Under that assumption:`,
          '- DMA ownership follows the ≥ 5.19 owner_cnt model (VFIO-GRP-05), not the legacy viability allow-list;',
          '- VFIO refuses devices whose IOMMU lacks IOMMU_CAP_CACHE_COHERENCY (VFIO-CC-01);',
          '- MSI isolation is checked per iommu_group (VFIO-IR-02) and iommufd checks it at bind (IOMMUFD-IR-02);',
          '- KVM decides coherency from static IOMMU_CAP_ENFORCE_CACHE_COHERENCY (KVM-VFIO-02 ≥ 6.2);',
          '- iommufd enforces coherency only at HWPT allocation (IOMMUFD-CC-02 ≥ 6.7), SMMUv3 CANWBS is not used (< 6.13);',
          '- Intel EPT honours guest PAT when noncoherent (KVM-X86-MEMTYPE-01 ≥ 6.11).',
        ].join('\n'),
        elementId: host.id,
        related: [],
        kernel: this.meta.kernel,
        fixes: [{ kind: 'set-kernel', hostId: host.id, version: k }],
      });
    }
    return out;
  },
};
