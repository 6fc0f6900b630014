import { GATES, since } from '../kernel-gates.js';
import type { Rule } from './rule.js';
import { devLabel, kernelLabel, perOutcome } from './vfio-common.js';

/** T1001: type1 gives the group its own domain because ops or the coherency flag differ (VFIO-T1-SHARE-01). */
export const t1DomainSplitRule: Rule = {
  meta: {
    code: 'T1001',
    title: 'type1 keeps groups in separate domains',
    readsCaps: true,
    defaultSeverity: 'info',
    summary:
      'type1 shares an existing domain only with the same ops and the same coherency flag (IOMMU_CACHE prot ≤ 5.18, enforce_cache_coherency ≥ 5.19). A group with a different flag gets its own domain: mappings are replayed into it and the IOTLB footprint grows.',
    kernel: [{ rule: 'VFIO-T1-SHARE-01', source: 'drivers/vfio/vfio_iommu_type1.c:vfio_iommu_type1_attach_group', versions: 'all' }],
  },
  check(ctx) {
    return perOutcome(ctx, 'T1001', (v) => {
      const peers = (v.detail.domainPeers ?? []).map((p) => `${p.label} [ops ${p.ops}]`).join(', ');
      const key = since(v.kernel, GATES.enforceCacheCoherencyOp) ? '`enforce_cache_coherency`' : 'the `IOMMU_CACHE` prot bit';
      return {
        code: 'T1001',
        severity: 'info',
        message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: iommu_group ${v.detail.groupNumber ?? '?'} gets its own ${v.outcome.domain ?? 'domain'} (not shared with ${peers})`,
        explanation: `On ${kernelLabel(v)} \`vfio_iommu_type1_attach_group\` allocates a new domain for each group and then walks the container's domains in list order, moving the group to the first one with the same ops (${v.detail.domainOps ?? '?'}) and the same ${key} (${v.detail.domainFlag ? 'true' : 'false'}). None of the existing domains (${peers}) matches, so the group keeps its own domain and all mappings are replayed into it. A group behind a unit that can force-snoop never shares with one that cannot.`,
        elementId: v.outcome.deviceId,
        related: [],
        kernel: this.meta.kernel,
      };
    });
  },
};
