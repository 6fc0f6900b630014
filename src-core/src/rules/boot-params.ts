import type { FixHint, Finding, RuleMeta } from '../findings.js';
import { withoutOptions, type CmdlineEntry } from '../kernel-cmdline.js';
import type { Host } from '../model.js';
import type { Rule, RuleContext } from './rule.js';

/** Indexes of the options of `options` that start with `prefix` (the handlers' strncmp). */
const optionsStarting = (options: string[], prefix: string): number[] => options.flatMap((o, i) => (o.startsWith(prefix) ? [i] : []));

/**
 * Which parameters and options turn the switch `param` off (as `BootParamEffect.param` names it): every one of them,
 * not only the deciding one, since an earlier `off` would decide once the last is gone.
 */
function offSelector(param: string): ((e: CmdlineEntry, options: string[]) => boolean | number[]) | undefined {
  switch (param) {
    case 'intel_iommu=off':
      return (e, o) => (e.key === 'intel_iommu' ? optionsStarting(o, 'off') : false);
    case 'intel_iommu=igfx_off':
      return (e, o) => (e.key === 'intel_iommu' ? optionsStarting(o, 'igfx_off') : false);
    case 'amd_iommu=off':
      return (e, o) => (e.key === 'amd_iommu' ? optionsStarting(o, 'off') : false);
    case 'iommu=off':
      return (e, o) => (e.key === 'iommu' ? optionsStarting(o, 'off') : false);
    case 'nointremap':
    case 'intremap=off':
      return (e, o) => (e.key === 'nointremap' ? true : e.key === 'intremap' ? optionsStarting(o, 'off') : false);
    default:
      return undefined;
  }
}

/** The parameter name of `e` as written on the line: `token` up to its first `=`, without a leading quote. */
function writtenName(e: CmdlineEntry): string {
  const name = e.token.slice(0, e.token.indexOf('='));
  return name.startsWith('"') ? name.slice(1) : name;
}

/**
 * The quick fix of a BOOT finding (and of IR001/IR003 when the command line turns IR off): a `set-cmdline` hint with
 * the host's command line without every option that turns `param` off (`'intel_iommu=off'`, `'amd_iommu=off'`,
 * `'iommu=off'`, `'nointremap'`, `'intremap=off'`); undefined when the host has no command line or nothing goes.
 */
export function removeFix(h: Host, param: string): FixHint[] | undefined {
  const select = offSelector(param);
  if (!select || h.cmdline === undefined) return undefined;
  // what goes, for the fix's title: `nointremap`, `intremap=off`, … each once
  const removed = new Set<string>();
  const cmdline = withoutOptions(h.cmdline, (e, o) => {
    const d = select(e, o);
    if (d === true) removed.add(e.token);
    // the name as written (`intel-iommu=off` stays so; `key` reads each `-` as `_`)
    else if (Array.isArray(d)) for (const i of d) removed.add(`${writtenName(e)}=${o[i]}`);
    return d;
  });
  return cmdline === h.cmdline ? undefined : [{ kind: 'set-cmdline', hostId: h.id, cmdline, removed: [...removed].join(', ') }];
}

/**
 * BOOT001 / BOOT002: the kernel command line turns IOMMU translation or interrupt remapping off. The
 * simulator already applies the effect (see boot-params.ts); these findings say why at the host.
 */
const meta001: RuleMeta = {
  code: 'BOOT001',
  title: 'IOMMU translation disabled on the command line',
  defaultSeverity: 'warning',
  summary: '`intel_iommu=off`, `amd_iommu=off` or `iommu=off` (or `intel_iommu=igfx_off` for a unit declared `graphics-only`): the affected units translate nothing, their devices get no iommu_group and cannot be assigned with VFIO.',
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
        ...(e.at ? { span: { property: 'cmdline' as const, ...e.at } } : {}),
        related: e.iommuIds.map((id) => ({ id, message: `affected by ${e.param}` })),
        kernel: meta.kernel,
      });
      const fixes = removeFix(h, e.param);
      if (fixes) out[out.length - 1].fixes = fixes;
    }
  }
  return out;
}

export const bootTranslationOff: Rule = { meta: meta001, check: (ctx) => findings(ctx, 'translation-off', meta001) };
export const bootRemappingOff: Rule = { meta: meta002, check: (ctx) => findings(ctx, 'remapping-off', meta002) };
