import type { Finding, RuleMeta } from '../findings.js';
import type { Rule, RuleContext } from './rule.js';

/**
 * BOOT001 / BOOT002: the kernel command line turns IOMMU translation or interrupt remapping off. The
 * simulator already applies the effect (see boot-params.ts); these findings say why at the host.
 */
const meta001: RuleMeta = {
  code: 'BOOT001',
  title: 'IOMMU translation disabled on the command line',
  defaultSeverity: 'warning',
  summary: '`intel_iommu=off`, `amd_iommu=off` or `iommu=off`: the affected units translate nothing, their devices get no iommu_group and cannot be assigned with VFIO.',
  kernel: [
    { rule: 'SYSFS-GRP-01', source: 'drivers/iommu/intel/iommu.c:intel_iommu_setup, drivers/iommu/amd/init.c:parse_amd_iommu_options', versions: 'all' },
    { rule: 'CAP-IR-01', source: 'drivers/iommu/intel/irq_remapping.c:intel_prepare_irq_remapping (IR independent of DMA remapping)', versions: 'all' },
  ],
  fix: 'Remove the option from `cmdline`.',
};

const meta002: RuleMeta = {
  code: 'BOOT002',
  title: 'Interrupt remapping disabled on the command line',
  defaultSeverity: 'warning',
  summary: '`intremap=off` / `nointremap`: MSIs are no longer isolated, so VFIO type1 and iommufd refuse assignment unless allow_unsafe_interrupts is set (IR001/IR003).',
  kernel: [{ rule: 'CAP-IR-01', source: 'drivers/iommu/irq_remapping.c:setup_irqremap, setup_nointremap', versions: 'all' }],
  fix: 'Remove the option from `cmdline`.',
};

function findings(ctx: RuleContext, what: 'translation-off' | 'remapping-off', meta: RuleMeta): Finding[] {
  const out: Finding[] = [];
  for (const h of ctx.topology.hosts) {
    for (const e of (ctx.hosts.get(h.id)?.bootParams ?? []).filter((x) => x.what === what)) {
      const names = e.iommuIds.map((id) => ctx.iommu(id)?.name ?? id).join(', ');
      out.push({
        code: meta.code,
        severity: meta.defaultSeverity,
        message:
          what === 'translation-off'
            ? `host ${h.name}: ${e.param} on the command line disables DMA remapping on ${names}: no iommu_groups for their devices`
            : `host ${h.name}: ${e.param} on the command line disables interrupt remapping on ${names}: MSIs are not isolated`,
        explanation:
          what === 'translation-off'
            ? `With \`${e.param}\` the IOMMU driver does not set up DMA remapping for ${names}. Their devices get no \`iommu_group\` (/sys/kernel/iommu_groups stays empty), so vfio-pci cannot register them. On Intel, interrupt remapping is still enabled (it does not depend on DMA remapping); \`amd_iommu=off\` disables both.`
            : `With \`${e.param}\` the kernel leaves interrupt remapping off ("DMAR-IR: Not enabling interrupt remapping" / no "AMD-Vi: Interrupt remapping enabled"). Device MSIs are delivered through the plain x86 vector domain, which has no isolated-MSI flag, so VFIO refuses to attach groups unless \`allow_unsafe_interrupts\` is set.`,
        elementId: h.id,
        related: e.iommuIds.map((id) => ({ id, message: `affected by ${e.param}` })),
        kernel: meta.kernel,
      });
    }
  }
  return out;
}

export const bootTranslationOff: Rule = { meta: meta001, check: (ctx) => findings(ctx, 'translation-off', meta001) };
export const bootRemappingOff: Rule = { meta: meta002, check: (ctx) => findings(ctx, 'remapping-off', meta002) };
