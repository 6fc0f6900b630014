import type { FixHint, RelatedElement } from '../findings.js';
import type { Rule } from './rule.js';
import { devLabel, earlierVmsBlockedBy, perOutcome } from './vfio-common.js';

/** The codes of a vfio-pci probe refusal (vm/probe.ts): binding vfio-pci to such a device fails too, so it is no fix. */
const PROBE_REFUSALS: Record<string, string> = {
  VIA003: 'vfio-pci refuses a bridge (VIA003)',
  VIA007: 'vfio-pci refuses a PF with SR-IOV enabled (VIA007)',
  VIA010: 'the device is on vfio-pci\'s denylist (VIA010)',
};

/** VIA004: an assigned device is bound to a host driver other than vfio-pci / a variant. */
export const vfioHostDriverRule: Rule = {
  meta: {
    code: 'VIA004',
    title: 'assigned device bound to a host driver',
    defaultSeverity: 'warning',
    summary: 'The device is assigned to a VM but bound to a host driver other than vfio-pci or a vfio-pci variant. The VMM (or libvirt "managed") must unbind it and bind vfio-pci before start-up; the simulation assumes it does.',
    kernel: [
      { rule: 'VFIO-GRP-05', source: 'drivers/pci/pci-driver.c:pci_dma_configure', versions: '≥ 5.19' },
      { rule: 'VFIO-PCI-01', source: 'drivers/vfio/pci/vfio_pci_core.c:vfio_pci_core_register_device', versions: 'all' },
    ],
    fix: 'Bind the device to vfio-pci (not offered where vfio-pci refuses the device, VIA003 / VIA007 / VIA010; where a VM started earlier fails only because of this host driver, the fix also removes the group member from that VM, which would otherwise take the group first).',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA004', (v) => {
      const label = devLabel(v.device, v.outcome.deviceId);
      const driver = v.device?.driver ?? '?';
      let explanation = `Only a device bound to vfio-pci (or a variant such as mlx5_vfio_pci) has a VFIO device the VMM can open. While ${v.device?.driver ?? 'the host driver'} is bound it also counts as a kernel DMA user of its iommu_group. Unless the VMM rebinds it (libvirt \`managed='yes'\`, driverctl, \`driver_override\`), start-up fails; the rest of this simulation assumes the rebind happens.`;
      const related: RelatedElement[] = [];
      let fixes: FixHint[] | undefined;
      const refusal = Object.keys(PROBE_REFUSALS).find((c) => v.outcome.codes.includes(c));
      if (refusal) {
        explanation += ` Here the rebind cannot help: ${PROBE_REFUSALS[refusal]}, so no driver change makes it assignable.`;
      } else {
        const bind: FixHint = { kind: 'set-driver', deviceId: v.outcome.deviceId, driver: 'vfio-pci' };
        // an earlier VM that fails only because this device is on a host driver would start once it is on vfio-pci,
        // and take the group first (VIA002 here): the fix moves that VM's group members out of it
        const blocked = v.outcome.codes.includes('VIA002') ? [] : earlierVmsBlockedBy(ctx, v.vm, v.outcome.deviceId);
        const moves: FixHint[] = blocked.map((b) => ({ kind: 'unassign-device', vmId: b.vm.id, deviceId: b.outcome.deviceId }));
        for (const b of blocked) {
          related.push({ id: b.vm.id, message: `VM ${b.vm.name} (started earlier) assigns ${devLabel(ctx.device(b.outcome.deviceId), b.outcome.deviceId)} of the same iommu_group and fails only because ${label} is on ${driver} (VIA001); with ${label} on vfio-pci it would hold the group first` });
        }
        if (moves.length) explanation += ` The iommu_group is split between VMs: binding ${label} to vfio-pci before start-up lets ${[...new Set(blocked.map((b) => `VM ${b.vm.name}`))].join(', ')} start first and hold the group, and this VM would fail (VIA002).`;
        fixes = moves.length ? [{ kind: 'all-of', fixes: [bind, ...moves] }] : [bind];
      }
      return {
        code: 'VIA004',
        severity: 'warning',
        message: `${label} in VM ${v.vm.name}: bound to host driver ${driver}, not vfio-pci`,
        explanation,
        elementId: v.outcome.deviceId,
        related,
        kernel: this.meta.kernel,
        ...(fixes ? { fixes } : {}),
      };
    });
  },
};
