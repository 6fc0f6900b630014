import { formatBdf } from '../bdf.js';
import { denylistDisabledMessage, denylistEntry, DISABLE_DENYLIST_PARAM } from '../vm/denylist.js';
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

/**
 * VIA011: a device on vfio-pci's denylist is let through by `vfio_pci.disable_denylist` (VFIO-PCI-01). The bind works,
 * and the kernel says so once per probe; the guest then drives a device with the errata the list exists for.
 * Source: drivers/vfio/pci/vfio_pci.c:vfio_pci_is_denylisted (`disable_denylist` branch).
 */
export const vfioDenylistBypassRule: Rule = {
  meta: {
    code: 'VIA011',
    title: 'vfio-pci denylist bypass in use',
    defaultSeverity: 'warning',
    summary:
      'The device is on the vfio-pci denylist, but vfio_pci.disable_denylist is set: vfio-pci binds it ("device denylist disabled - allowing device …") and the guest can drive a device whose errata can compromise the host.',
    kernel: [{ rule: 'VFIO-PCI-01', source: 'drivers/vfio/pci/vfio_pci.c:vfio_pci_is_denylisted', versions: '≥ 5.9' }],
  },
  check(ctx) {
    return perOutcome(ctx, 'VIA011', (v) => {
      const d = v.device;
      const entry = d && denylistEntry(d, v.kernel, ctx.options);
      if (!d || !entry) return undefined;
      return {
        code: 'VIA011',
        severity: 'warning',
        message: `${devLabel(d, v.outcome.deviceId)} in VM ${v.vm.name}: Intel ${entry.name} is on the vfio-pci denylist, bound anyway because of ${DISABLE_DENYLIST_PARAM}`,
        explanation: `\`${DISABLE_DENYLIST_PARAM}=${v.host.params[DISABLE_DENYLIST_PARAM]}\` makes \`vfio_pci_is_denylisted\` let the device through; the kernel logs \`${denylistDisabledMessage(formatBdf(d.bdf), entry.deviceId)}\` and vfio-pci binds it. The list names devices with known errata that may lead to exploitable stability or security issues when an untrusted user drives them (the parameter's own description), so only a trusted guest should get this device.`,
        elementId: v.outcome.deviceId,
        related: [],
        kernel: this.meta.kernel,
        outcome: outcomeOf(v.outcome),
      };
    });
  },
};
