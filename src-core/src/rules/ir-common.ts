/** Wording shared by the IR00x rules: why MSI isolation is missing for a device's IOMMU / MSI controller. */
import { hostArch } from '../caps/platform.js';
import { msiControllerOf } from '../caps/msi.js';
import type { FixHint, RelatedElement } from '../findings.js';
import { atLeast } from '../kernel-version.js';
import type { Host, Iommu, KernelVersion } from '../model.js';
import { iommuLabel } from './vfio-common.js';

/** Related elements naming the IOMMU(s) / MSI controllers that break isolation. */
export function irRelated(host: Host, iommu: Iommu | undefined, kernel: KernelVersion): RelatedElement[] {
  const arch = hostArch(host);
  const out: RelatedElement[] = [];
  if (iommu) {
    const ctrl = msiControllerOf(iommu, arch);
    const x86 = iommu.driver === 'intel-vtd' || iommu.driver === 'amd-vi';
    out.push({
      id: iommu.id,
      message: x86
        ? `${iommuLabel(iommu)} has interrupt remapping off (MSIs through ${ctrl})`
        : `${iommuLabel(iommu)}: MSI controller ${ctrl} gives no isolated MSI${iommu.driver === 'virtio-iommu' ? ' (virtio-iommu provides none itself)' : ''}`,
    });
  }
  if (!atLeast(kernel, 6, 3)) {
    for (const other of host.iommus) {
      if (other === iommu || other.driver === 'none') continue;
      const c = msiControllerOf(other, arch);
      if (c !== 'gicv3-its') out.push({ id: other.id, message: `${iommuLabel(other)} uses MSI controller ${c} without IRQ_DOMAIN_FLAG_MSI_REMAP, so the global irq_domain_check_msi_remap() is false` });
    }
  }
  return out;
}

/** `set-iommu-property interruptRemapping=true` when the IOMMU is x86 and IR is merely off. */
export function enableIrFix(iommu: Iommu | undefined): FixHint[] {
  if (!iommu || (iommu.driver !== 'intel-vtd' && iommu.driver !== 'amd-vi')) return [];
  return [{ kind: 'set-iommu-property', iommuId: iommu.id, property: 'interruptRemapping', value: 'true' }];
}

/** Security warning attached to every allow_unsafe_interrupts quick fix. */
export const UNSAFE_WARNING =
  'allow_unsafe_interrupts lets the assigned device (and so the guest) write arbitrary MSI messages: it can inject interrupts into the host or other guests. Use only with trusted guests.';
