/** Wording shared by the IR00x rules: why MSI isolation is missing for a device's IOMMU / MSI controller. */
import { GATES, since } from '../kernel-gates.js';
import { bootEffectOn, type BootParamEffect } from '../boot-params.js';
import { hostArch } from '../caps/platform.js';
import { intelIrBlockers, msiControllerOf, unitStatesIr } from '../caps/msi.js';
import type { FixHint, RelatedElement } from '../findings.js';
import { removeFix } from './boot-params.js';
import type { Host, Iommu, KernelVersion } from '../model.js';
import { iommuLabel } from './vfio-common.js';

/** Related elements naming the IOMMU(s) / MSI controllers that break isolation. */
export function irRelated(host: Host, iommu: Iommu | undefined, kernel: KernelVersion): RelatedElement[] {
  const arch = hostArch(host);
  const out: RelatedElement[] = [];
  if (iommu) {
    const ctrl = msiControllerOf(iommu, host, arch);
    const x86 = iommu.driver === 'intel-vtd' || iommu.driver === 'amd-vi';
    const intelBlockers = iommu.driver === 'intel-vtd' ? intelIrBlockers(host) : [];
    const blockers = intelBlockers.filter((u) => u !== iommu);
    // before 6.3 the check is global: a unit whose own GICv3 ITS sets IRQ_DOMAIN_FLAG_MSI_REMAP is not the culprit
    const ownRemaps = !x86 && !since(kernel, GATES.isolatedMsi) && ctrl === 'gicv3-its';
    out.push({
      id: iommu.id,
      message: ownRemaps
        ? `${iommuLabel(iommu)}: its MSI controller gicv3-its sets IRQ_DOMAIN_FLAG_MSI_REMAP, but before 6.3 the check is global (irq_domain_check_msi_remap), and another MSI domain of the host lacks it`
        : !x86
        ? `${iommuLabel(iommu)}: MSI controller ${ctrl} gives no isolated MSI${iommu.driver === 'virtio-iommu' ? ' (virtio-iommu provides none itself)' : ''}`
        : blockers.length && !intelBlockers.includes(iommu)
          ? `${iommuLabel(iommu)} has interrupt remapping, but the host has none (MSIs through ${ctrl}): Intel enables it for every DRHD or none (intel_prepare_irq_remapping)`
          : `${iommuLabel(iommu)} has interrupt remapping off (MSIs through ${ctrl})`,
    });
    for (const u of blockers) out.push({ id: u.id, message: `${iommuLabel(u)} has no interrupt remapping (ECAP.IR clear or turned off), which leaves every Intel unit of the host without it` });
  }
  if (!since(kernel, GATES.isolatedMsi)) {
    for (const other of host.iommus) {
      if (other === iommu || other.driver === 'none' || out.some((r) => r.id === other.id)) continue;
      const c = msiControllerOf(other, host, arch);
      if (c !== 'gicv3-its') out.push({ id: other.id, message: `${iommuLabel(other)} uses MSI controller ${c} without IRQ_DOMAIN_FLAG_MSI_REMAP, so the global irq_domain_check_msi_remap() is false` });
    }
  }
  return out;
}

/**
 * The quick fixes that turn interrupt remapping on for the x86 units whose missing IR leaves `iommu` without it: the
 * unit itself (AMD, or an Intel unit without it), or, for Intel, every Intel unit of the host without it
 * ({@link intelIrBlockers}, CAP-IR-01). Empty for other drivers.
 *
 * `host` is the host as booted and `bootParams` its command-line effects (`HostAnalysis.bootParams`). Where the
 * command line is what turns IR off (`intremap=off` / `nointremap`, CAP-IR-01: `setup_irqremap` / `setup_nointremap`
 * set `disable_irq_remap`, and Intel and AMD then leave IR off whatever ECAP.IR / the IVRS say), the fix is a
 * `set-cmdline` hint without those options (the kind BOOT002's fix has), first; the units it does not cover get
 * `set-iommu-property interruptRemapping=true` (the hardware lacks IR, or the file does not say it has it).
 *
 * Whether a unit the command line turns off also lacks IR in hardware the booted host no longer tells; `declared`, the
 * host as the file states it (`RuleContext.declaredHost`), does. When some do, removing the option alone leaves IR off,
 * so the command-line fix becomes one `all-of` fix: the command line and the property of each such unit together.
 * Without `declared` the command-line fix stands alone (the units' own fixes then follow once it is applied).
 */
export function enableIrFix(iommu: Iommu | undefined, host: Host, bootParams?: readonly BootParamEffect[], declared?: Host): FixHint[] {
  if (!iommu || (iommu.driver !== 'intel-vtd' && iommu.driver !== 'amd-vi')) return [];
  const units = iommu.driver === 'intel-vtd' ? intelIrBlockers(host) : [iommu];
  const offByCmdline = units.filter((u) => bootEffectOn(bootParams, 'remapping-off', u.id) !== undefined);
  const cmdline = offByCmdline.length ? removeFix(host, 'intremap=off')?.[0] : undefined;
  const rest = cmdline ? units.filter((u) => !offByCmdline.includes(u)) : units;
  const enable = (u: Iommu): FixHint => ({ kind: 'set-iommu-property', iommuId: u.id, property: 'interruptRemapping', value: 'true' });
  // the units the command line turns off that lack IR as the file states them (unitStatesIr of the declared unit)
  const statesNoIr = (u: Iommu) => {
    const d = declared?.iommus.find((x) => x.id === u.id);
    return d !== undefined && !unitStatesIr(d);
  };
  const lacking = cmdline ? offByCmdline.filter(statesNoIr) : [];
  const first: FixHint | undefined = cmdline && lacking.length ? { kind: 'all-of', fixes: [cmdline, ...lacking.map(enable)] } : cmdline;
  return [...(first ? [first] : []), ...rest.map(enable)];
}

/** Security warning attached to every allow_unsafe_interrupts quick fix. */
export const UNSAFE_WARNING =
  'allow_unsafe_interrupts lets the assigned device (and so the guest) write arbitrary MSI messages: it can inject interrupts into the host or other guests. Use only with trusted guests.';
