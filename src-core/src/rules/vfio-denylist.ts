import { formatBdf } from '../bdf.js';
import { denylistEntry, DISABLE_DENYLIST_PARAM } from '../vm/denylist.js';
import { ERRNO, probeFailedMessage } from '../vm/messages.js';
import type { Rule } from './rule.js';
import { devLabel, outcomeOf, perOutcome } from './vfio-common.js';

/**
 * VIA010: vfio-pci refuses a device on its denylist (VFIO-PCI-01): Intel QAT 1.x (C3xxx, C62x, DH895xCC, PFs and VFs)
 * since 5.9, Sapphire Rapids DSA / IAX since 6.10 (and its stable backports), unless `vfio_pci.disable_denylist=1`.
 * Source: drivers/vfio/pci/vfio_pci.c:vfio_pci_probe, vfio_pci_is_denylisted, vfio_pci_dev_in_denylist.
 */
export const vfioDenylistRule: Rule = {
  meta: {
    code: 'VIA010',
    title: 'device on the vfio-pci denylist',
    defaultSeverity: 'error',
    summary:
      'vfio-pci keeps a denylist of devices with known errata that an untrusted user could exploit (Intel QAT 1.x since 5.9; Sapphire Rapids DSA and IAX in 2024). Its probe refuses them with -EINVAL ("… exists in vfio-pci device denylist, driver probing disallowed."), so the VMM finds no VFIO device.',
    kernel: [{ rule: 'VFIO-PCI-01', source: 'drivers/vfio/pci/vfio_pci.c:vfio_pci_probe, vfio_pci_is_denylisted, vfio_pci_dev_in_denylist', versions: '≥ 5.9' }],
    fix: 'Use the device on the host, or a VF of a newer generation. `vfio_pci.disable_denylist=1` lets vfio-pci bind it, with the errata exposed to the guest.',
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA010', (v) => {
      const d = v.device;
      const entry = d && denylistEntry(d, v.kernel, ctx.options);
      const bdf = d ? formatBdf(d.bdf) : v.outcome.deviceId;
      return {
        code: 'VIA010',
        severity: 'error',
        message: `${devLabel(d, v.outcome.deviceId)} in VM ${v.vm.name}: ${entry ? `Intel ${entry.name}` : 'the device'} is on the vfio-pci denylist → -EINVAL at vfio-pci probe`,
        explanation: `\`vfio_pci_probe\` first asks \`vfio_pci_is_denylisted\`: the device's vendor:device is on vfio-pci's list of devices with errata that can compromise the host when a guest drives them, so probe returns -EINVAL. The kernel logs \`${v.outcome.kernelMessage}\` and then \`${probeFailedMessage(bdf, ERRNO.EINVAL)}\`; no VFIO device exists and the VMM cannot open it. The module parameter \`${DISABLE_DENYLIST_PARAM}=1\` skips the check (logging "device denylist disabled - allowing device …"), which hands those errata to the guest.`,
        elementId: v.outcome.deviceId,
        related: [],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
        fixes: [
          { kind: 'unassign-device', vmId: v.vm.id, deviceId: v.outcome.deviceId },
          { kind: 'set-param', hostId: v.vm.hostId, param: DISABLE_DENYLIST_PARAM, value: '1', warning: 'insecure: exposes the device errata to the guest' },
        ],
      };
    });
  },
};
