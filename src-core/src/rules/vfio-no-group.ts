import type { FixHint } from '../findings.js';
import type { Rule, RuleContext } from './rule.js';
import { devLabel, outcomeOf, perOutcome, type OutcomeView } from './vfio-common.js';

/**
 * When the device is untranslated only because nothing says which of several active units translates it (no `iommu`
 * on it or its parents): one fix per active unit, each declaring it on the device's topmost ancestor (its root port or
 * the device on the root bus), so the whole subtree is translated. None when a unit is declared (its driver is then
 * `none`: BOOT001 or the topology says why) or the host has no active unit.
 */
function unitFixes(ctx: RuleContext, v: OutcomeView): FixHint[] | undefined {
  let top = v.device;
  for (let d = v.device, seen = 0; d && seen < 64; d = d.parentId ? ctx.device(d.parentId) : undefined, seen++) {
    if (d.iommuId) return undefined;
    // not above a host bridge's child: a unit on the host bridge would also move its other devices (an iGPU)
    if (d.kind === 'host-bridge') break;
    top = d;
  }
  const active = v.host.iommus.filter((u) => u.driver !== 'none');
  if (!top || active.length < 2) return undefined;
  return active.map((u) => ({ kind: 'set-device-iommu', deviceId: top!.id, iommuId: u.id }));
}

/** VIA005: the device has no iommu_group (no IOMMU translates it), so VFIO registration fails. */
export const vfioNoGroupRule: Rule = {
  meta: {
    code: 'VIA005',
    title: 'assigned device has no iommu_group',
    defaultSeverity: 'error',
    summary: 'No IOMMU translates the device, so it has no iommu_group and vfio-pci registration fails with -EINVAL (outside noiommu mode).',
    kernel: [{ rule: 'VFIO-CC-01', source: 'drivers/vfio/vfio_main.c:vfio_group_find_or_alloc (5.19–6.5), drivers/vfio/group.c:vfio_device_set_group (≥ 6.6)', versions: 'all' }],
    fix: 'Give the device (or its host bridge) an IOMMU in the topology, and enable the IOMMU on the kernel command line. With several units and none declared for the device, the quick fixes declare one of them on its root port (`ls /sys/class/iommu/*/devices` on the host says which).',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA005', (v) => {
      const fixes = unitFixes(ctx, v);
      return {
        code: 'VIA005',
        severity: 'error',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: no iommu_group → -EINVAL at vfio-pci probe`,
        explanation: `VFIO needs the device's iommu_group to isolate its DMA. This device is not translated by any IOMMU in the model (no \`iommuId\` on it or its parents, and the host has no single IOMMU), so \`iommu_group_get\` returns NULL and registration fails: \`${v.outcome.kernelMessage}\`. Only the unsafe noiommu mode would accept it, which KVM device assignment does not use.`,
        elementId: v.outcome.deviceId,
        related: [],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        ...(fixes ? { fixes } : {}),
      };
    });
  },
};
