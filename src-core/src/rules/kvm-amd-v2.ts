import { bootEffectOn } from '../boot-params.js';
import type { FixHint } from '../findings.js';
import { replaceLastOption } from '../kernel-cmdline.js';
import { noBlockReason } from './coherency-common.js';
import type { Rule } from './rule.js';
import { devLabel, perOutcome, relIommu, type OutcomeView } from './vfio-common.js';

/**
 * The fix: where the unit's v2 comes from the command line (`amd_iommu=pgtbl_v2`, the unit declares no format), the
 * command line with `pgtbl_v1` instead; where the unit declares `pgtable v2`, that line set to v1.
 */
function pgtableFix(v: OutcomeView): FixHint[] {
  if (!v.iommu) return [];
  const unitId = v.iommu.id;
  const fromCmdline = bootEffectOn(v.hostAnalysis.bootParams, 'pgtable', unitId) !== undefined;
  if (fromCmdline && v.host.cmdline !== undefined) {
    // the deciding (last) page-table option, in place: nothing is appended, so nothing lands after `--` or in a quote
    const cmdline = replaceLastOption(v.host.cmdline, 'amd_iommu', ['pgtbl_v1', 'pgtbl_v2'], 'pgtbl_v1');
    return [{ kind: 'set-cmdline', hostId: v.host.id, cmdline, removed: 'amd_iommu=pgtbl_v2', added: 'amd_iommu=pgtbl_v1' }];
  }
  return [{ kind: 'set-iommu-property', iommuId: unitId, property: 'pgtable', value: 'v1' }];
}

/** KVM002: AMD v2 page table reports enforce_cache_coherency but cannot block no-snoop; KVM never emulates. */
export const kvmAmdV2Rule: Rule = {
  meta: {
    code: 'KVM002',
    title: 'AMD v2 page table: coherency reported but no-snoop not blocked',
    readsCaps: true,
    defaultSeverity: 'error',
    summary:
      'The AMD v2 page-table format has no Force-Coherent bit, but amd_iommu_enforce_cache_coherency still returns true ("lie"). KVM is told the DMA is coherent and never emulates WBINVD, so no-snoop DMA (box 3) is unsafe.',
    kernel: [
      { rule: 'IOMMU-ENF-01', source: 'drivers/iommu/amd/iommu.c:amd_iommu_enforce_cache_coherency (VFIO domains v2 from 6.14, f9b80f941e0e)', versions: '≥ 6.14' },
      { rule: 'KVM-BOX-01', source: 'derived', versions: 'x86' },
    ],
    fix: 'Use the v1 page table for DMA domains (amd_iommu=pgtbl_v1).',
  },
  check(ctx) {
    return perOutcome(ctx, 'KVM002', (v) => ({
      code: 'KVM002',
      severity: 'error',
      message: `${devLabel(v.device, v.outcome.deviceId)} in VM ${v.vm.name}: AMD v2 page table reports coherency but does not block no-snoop; KVM never emulates WBINVD`,
      explanation: `${noBlockReason(v.iommu, v.kernel, v.host)}. The driver still reports \`enforce_cache_coherency\` / IOMMU_CAP_ENFORCE_CACHE_COHERENCY as true because VFIO and iommufd cannot cope with mixed domains. KVM therefore considers the device coherent: WBINVD stays a NOP and guest PAT is ignored, while the device's no-snoop DMA really bypasses the caches (box 3). VFIO and iommufd domains use the unit's v2 page table from 6.14 (f9b80f941e0e removed the \`domain_alloc()\` path that forced them to v1 in 6.1–6.13); the reference leaves the release open.`,
      elementId: v.outcome.deviceId,
      related: relIommu(v.iommu, noBlockReason(v.iommu, v.kernel, v.host)),
      kernel: this.meta.kernel,
      fixes: pgtableFix(v),
    }));
  },
};
