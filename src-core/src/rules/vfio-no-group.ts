import { bootEffectOn } from '../boot-params.js';
import type { FixHint } from '../findings.js';
import { resolveIommu, topologyOf } from '../groups/index.js';
import type { PciDevice } from '../model.js';
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

/**
 * Why the device has no iommu_group, for the explanation: its unit has driver `none` (turned off on the command line,
 * which BOOT001 reports, or so in the topology), its `iommu` (or a parent's) names no unit of the host, or no unit
 * resolves for it (none declared on it or its parents, and the host has no active unit or several of them). Same
 * resolution as the grouping (`resolveIommu`). The phrase follows "Here " and precedes ", so …".
 */
function whyUntranslated(v: OutcomeView): string {
  if (!v.device) return 'the device is not on the host';
  const topo = topologyOf(v.hostAnalysis.grouping, v.host);
  const unit = resolveIommu(v.host, v.device, topo);
  if (unit) {
    const off = bootEffectOn(v.hostAnalysis.bootParams, 'translation-off', unit.id);
    return off ? `its IOMMU ${unit.name} is turned off by \`${off.param}\` on the kernel command line (BOOT001) and creates no iommu_groups` : `its IOMMU ${unit.name} has driver \`none\` in the topology: no IOMMU driver creates iommu_groups for it`;
  }
  // the first `iommu` on the way up, as resolveIommu walks (it stops there whether or not the unit exists)
  for (let d: PciDevice | undefined = v.device, steps = 0; d && steps <= topo.devices.length; d = d.parentId === undefined ? undefined : topo.device(d.parentId), steps++) {
    if (d.iommuId !== undefined) return `\`iommu ${d.iommuId}\` on ${d === v.device ? 'it' : devLabel(d)} names no IOMMU unit of this host`;
  }
  const active = v.host.iommus.filter((u) => u.driver !== 'none').length;
  const where = 'no `iommu` line on it or its parents';
  if (active === 0) {
    const offs = (v.hostAnalysis.bootParams ?? []).filter((e) => e.what === 'translation-off');
    const why = offs.length ? ` (${offs.map((e) => `\`${e.param}\``).join(', ')} on the kernel command line turns translation off, BOOT001)` : '';
    return `no IOMMU translates it: ${where}, and the host has no active IOMMU unit${why}`;
  }
  return `no IOMMU translates it: ${where}, and the host has ${active} active units, none declared for it (the model cannot tell which one translates it)`;
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
        explanation: `VFIO needs the device's iommu_group to isolate its DMA. Here ${whyUntranslated(v)}, so \`iommu_group_get\` returns NULL and registration fails: \`${v.outcome.kernelMessage}\`. Only the unsafe noiommu mode would accept it, which KVM device assignment does not use.`,
        elementId: v.outcome.deviceId,
        related: [],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        ...(fixes ? { fixes } : {}),
      };
    });
  },
};
