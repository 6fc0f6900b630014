import type { Rule } from './rule.js';
import { devLabel, kernelLabel, perOutcome, relIommu } from './vfio-common.js';

/**
 * KVM004: ≥ 6.2 KVM decides coherency from the static IOMMU_CAP_ENFORCE_CACHE_COHERENCY, but the device sits in a
 * domain/HWPT that is not enforced (IOMMUFD-CC-02 derived risk, KVM-VFIO-02), and the device uses no-snoop (box 3 of
 * KVM-BOX-01; not stated = assumed to use it): a device that does not (box 4) is fine with KVM treating it as coherent.
 */
export const kvmStaticCapRule: Rule = {
  meta: {
    code: 'KVM004',
    title: 'KVM trusts the static ENFORCE cap, but the domain does not block no-snoop',
    readsCaps: true,
    defaultSeverity: 'warning',
    summary:
      'From 6.2 kvm-vfio calls a device coherent when it has IOMMU_CAP_ENFORCE_CACHE_COHERENCY, without looking at its domain. A capable device that joined a non-enforced HWPT (≥ 6.7 iommufd accepts it) is then treated as coherent although no-snoop is not blocked, which matters when the device uses no-snoop (box 3); once the non-capable devices leave, WBINVD becomes a NOP.',
    kernel: [
      { rule: 'KVM-VFIO-02', source: 'drivers/vfio/vfio_main.c:vfio_file_enforced_coherent', versions: '≥ 6.2' },
      { rule: 'IOMMUFD-CC-02', source: 'drivers/iommu/iommufd/device.c:iommufd_device_auto_get_domain; hw_pagetable.c:iommufd_hwpt_paging_alloc', versions: '≥ 6.7', commit: '2ccabf81ddff' },
      { rule: 'KVM-BOX-01', source: 'derived', versions: 'x86' },
    ],
    fix: 'Give coherent-capable devices their own HWPT (allocated by a capable device).',
  },
  check(ctx) {
    return perOutcome(ctx, 'KVM004', (v) => {
      const now = v.vmAnalysis.kvmNoncoherent
        ? 'Today another device keeps the VM noncoherent, so WBINVD is still emulated; hot-unplugging that device makes KVM stop emulating while this device still issues unblocked no-snoop DMA.'
        : 'KVM already treats the VM as coherent: WBINVD is a NOP while this device\'s no-snoop DMA is not blocked.';
      const assumed = v.detail.noSnoopAssumed ? ' The device\'s No-Snoop enable is not stated, so the simulator assumes the guest may use it (the guest controls that bit, VFIO-PCI-02).' : '';
      return {
        code: 'KVM004',
        severity: 'warning',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: KVM sees IOMMU_CAP_ENFORCE_CACHE_COHERENCY but ${v.outcome.domain ?? 'its domain'} does not block no-snoop`,
        explanation: `On ${kernelLabel(v)} the device reports IOMMU_CAP_ENFORCE_CACHE_COHERENCY, and kvm-vfio decides coherency from that static cap only. But the device was attached to ${v.outcome.domain ?? 'a domain'}, which was allocated for a device without the cap and never had \`enforce_cache_coherency\` applied (iommufd ≥ 6.7 no longer upgrades a HWPT at attach), so its no-snoop DMA is not blocked (box 3).${assumed} ${now}`,
        elementId: v.outcome.deviceId,
        related: relIommu(v.iommu, 'unit can force-snoop, but the shared HWPT is not enforced'),
        kernel: this.meta.kernel,
        fixes: [{ kind: 'separate-hwpt', vmId: v.vm.id, deviceId: v.outcome.deviceId, coherent: true }],
      };
    });
  },
};
