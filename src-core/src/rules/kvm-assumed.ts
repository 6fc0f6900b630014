import { noBlockReason } from './coherency-common.js';
import type { Rule } from './rule.js';
import { devLabel, perOutcome, relIommu } from './vfio-common.js';

/**
 * KVM006: a box-3 device (no-snoop not blocked, may be used) in a VM whose kvm-vfio device nobody stated: the VMM is
 * unknown (vm/vmm.ts) and the file has no `kvm-vfio` line, so the simulator assumed the device exists. Without it this
 * is KVM001, silent corruption; the answer should not rest on a guess.
 */
export const kvmAssumedRule: Rule = {
  meta: {
    code: 'KVM006',
    title: 'kvm-vfio assumed for an unknown VMM where it decides coherency',
    readsCaps: true,
    defaultSeverity: 'warning',
    summary:
      'The device is in a domain that does not block no-snoop and may use it (box 3), and whether the VMM creates the kvm-vfio device is not known: the file has no `kvm-vfio` line and its `vmm` is not one known to create it (qemu, cloud-hypervisor, crosvm). The simulator assumed it does. If it does not, this is KVM001: guest WBINVD is a no-op and the device can read stale memory.',
    kernel: [
      { rule: 'KVM-VFIO-01', source: 'virt/kvm/vfio.c:kvm_vfio_create (created by the VMM with KVM_CREATE_DEVICE)', versions: 'all' },
      { rule: 'KVM-NOHOOK-01', source: 'virt/kvm/vfio.c (only caller of kvm_arch_register_noncoherent_dma)', versions: 'all' },
    ],
    fix: 'State what the VMM does: `kvm-vfio yes` if it creates KVM_DEV_TYPE_VFIO and adds every group or device fd, `kvm-vfio no` if not.',
  },
  check(ctx) {
    return perOutcome(ctx, 'KVM006', (v) => {
      const reason = noBlockReason(v.iommu, v.kernel, v.host);
      const vmm = v.vm.vmm === undefined ? 'no `vmm` line' : `vmm ${v.vm.vmm}`;
      return {
        code: 'KVM006',
        severity: 'warning',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: kvm-vfio assumed (${vmm}, no kvm-vfio line); without it this no-snoop device is KVM001 (silent corruption)`,
        explanation: `${reason}, so the device's no-snoop DMA bypasses the CPU caches (box 3), and only the kvm-vfio device tells KVM to honour guest cache flushes. VM ${v.vm.name} has ${vmm} and no \`kvm-vfio\` line; the simulator knows that qemu, cloud-hypervisor and crosvm create the device, but not this VMM, and assumed it does. If the VMM does not call KVM_CREATE_DEVICE with KVM_DEV_TYPE_VFIO and add every group or device fd, guest WBINVD is a no-op and the device may read stale data, without any kernel message (KVM001).`,
        elementId: v.outcome.deviceId,
        related: [...relIommu(v.iommu, reason), { id: v.vm.id, message: `VM ${v.vm.name}: kvm-vfio not stated` }],
        kernel: this.meta.kernel,
      };
    });
  },
};
