import { hostArch, hostArchOf } from '../arch.js';
import type { Finding } from '../findings.js';
import type { Arch, Host } from '../model.js';
import type { Rule } from './rule.js';

/**
 * Architectures whose IOMMU and VFIO paths the simulator does not model, so a host of one is not simulated (ARCH001):
 * `ppc64le`: the spapr TCE IOMMU forms iommu_groups per Partitionable Endpoint in platform code, not with the PCI
 * algorithm (GRP-ALG-01 note), VFIO uses `vfio_iommu_spapr_tce` (no MSI check, IRQ-ISO-01), and VFIO refuses its
 * devices on 5.19–6.3 for lack of iommu_ops (IOMMU-CC-02, fixed in 6.4 by a940904443e4). Simulating it with the
 * x86/Arm rules would report every assigned device as having no iommu_group. (RISC-V is simulated: its modelled units,
 * virtio-iommu for one, group with `pci_device_group`, GRP-DRV-01.)
 */
export const UNMODELLED_ARCHES: ReadonlySet<Arch> = new Set<Arch>(['ppc64le']);

/**
 * Why `host` is not simulated, as ARCH001 says it after the host's name (`POWER (ppc64le) is not simulated; no finding
 * is given for its devices and VMs`), or undefined for a host of a modelled architecture. For the hover, the groups
 * view and `upgrade`, which show that text in place of predictions.
 */
export function notSimulatedReason(host: Pick<Host, 'arch' | 'iommus'>): string | undefined {
  const arch = hostArch(host);
  return UNMODELLED_ARCHES.has(arch) ? `POWER (${arch}) is not simulated; no finding is given for its devices and VMs` : undefined;
}

/** ARCH001: a host of an architecture the simulator does not model; nothing about it or its VMs is predicted. */
export const archUnmodelledRule: Rule = {
  meta: {
    code: 'ARCH001',
    title: 'POWER host not simulated',
    defaultSeverity: 'warning',
    summary:
      'The host is POWER (ppc64le), whose IOMMU path is outside the model: it forms iommu_groups per Partitionable Endpoint in platform code and assigns devices through the spapr TCE IOMMU (vfio_iommu_spapr_tce). The host and its VMs are not simulated, so no other finding is given for them.',
    kernel: [
      { rule: 'IOMMU-CC-02', source: 'arch/powerpc/kernel/iommu.c (a940904443e4, 6.4: iommu_ops for spapr)', versions: 'all' },
      { rule: 'IRQ-ISO-01', source: 'drivers/vfio/vfio_iommu_spapr_tce.c (no MSI check)', versions: 'all' },
    ],
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const h of ctx.notSimulated ?? []) {
      const { source } = hostArchOf(h);
      out.push({
        code: this.meta.code,
        severity: this.meta.defaultSeverity,
        message: `host ${h.name}: ${notSimulatedReason(h)}`,
        explanation: `On POWER the spapr TCE IOMMU forms iommu_groups per Partitionable Endpoint in platform code (not with the PCI ACS algorithm), VFIO uses the vfio_iommu_spapr_tce backend, which has no MSI isolation check, and from 5.19 to 6.3 VFIO refuses its devices because the platform had no iommu_ops to report IOMMU_CAP_CACHE_COHERENCY (fixed in 6.4, a940904443e4). The simulator models the x86, Arm and s390 paths; rather than predict with the wrong rules (every device would appear to have no iommu_group), it leaves this host (architecture ${source === 'stated' ? 'stated by its `arch` line' : 'inferred'}) and its VMs out.`,
        elementId: h.id,
        related: [],
        kernel: this.meta.kernel,
      });
    }
    // each VM too: a VM file that imports the host shows its own note (the host's is in the host's file)
    for (const v of ctx.notSimulatedVms ?? []) {
      const h = ctx.notSimulated?.find((x) => x.id === v.hostId);
      if (!h) continue;
      out.push({
        code: this.meta.code,
        severity: this.meta.defaultSeverity,
        message: `VM ${v.name}: its host ${h.name} is POWER (${hostArchOf(h).arch}) and is not simulated; no finding is given for this VM`,
        explanation: `The host is left out of the simulation (see ARCH001 on host ${h.name}), and its VMs with it: nothing about this VM's device assignment is predicted.`,
        elementId: v.id,
        related: [{ id: h.id, message: 'not simulated (POWER)' }],
        kernel: this.meta.kernel,
      });
    }
    return out;
  },
};
