/** vfio-pci probe / VFIO device registration refusals (VFIO-PCI-01, VFIO-CC-01). */
import { GATES, since } from '../kernel-gates.js';
import { formatBdf } from '../bdf.js';
import { BRIDGE_KINDS } from '../model.js';
import { DISABLE_DENYLIST_PARAM, denylistEntry, denylistMessage } from './denylist.js';
import { boolParam, isVfioPciVariantDriver } from './drivers.js';
import { ERRNO, pfWithVfsMessage, probeFailedMessage } from './messages.js';
import { addCode, fail, type VmRun } from './run.js';
import type { AttachOutcome } from '../analysis.js';

/**
 * Would binding vfio-pci to the device fail? In kernel order:
 * 0. on vfio-pci's denylist (vm/denylist.ts; not a variant driver) → -EINVAL, VIA010 (vfio_pci.c:vfio_pci_probe →
 *    vfio_pci_is_denylisted, before anything else); with `vfio_pci.disable_denylist` set it goes on, tagged VIA011;
 * 1. non-normal header (bridge kinds) → -EINVAL, VIA003 (vfio_pci.c:vfio_pci_probe /
 *    vfio_pci_core_register_device);
 * 2. a PF with SR-IOV VFs enabled (virtual functions nested under it) → -EBUSY, VIA007 (vfio_pci_core.c:
 *    vfio_pci_core_register_device, `pci_num_vf`); logged "Cannot bind to PF with SR-IOV enabled";
 * 3. no iommu_group → -EINVAL, VIA005 (vfio_main.c:vfio_group_find_or_alloc, no noiommu);
 * 4. ≥ 5.19 no IOMMU_CAP_CACHE_COHERENCY → -EINVAL, CC001 (vfio_group_find_or_alloc 5.19–6.5,
 *    __vfio_register_dev ≥ 6.6). The same cap is the first check of iommufd_device_bind (IOMMUFD-CC-01).
 * Step `vfio-pci probe`, message "vfio-pci: probe of <BDF> failed with error -22" (the denylist and PF cases: their own
 * warning line instead).
 * Returns true when it passes.
 */
export function probeVfioPci(run: VmRun, o: AttachOutcome): boolean {
  const d = run.device(o.deviceId);
  if (!d) {
    fail(o, 'vfio-pci probe', 'ENODEV', 'VIA006');
    return false;
  }
  const msg = probeFailedMessage(formatBdf(d.bdf), ERRNO.EINVAL);
  const listed = isVfioPciVariantDriver(d.driver) ? undefined : denylistEntry(d, run.kernel, run.options);
  if (listed) {
    if (!boolParam(run.host, DISABLE_DENYLIST_PARAM)) {
      fail(o, 'vfio-pci probe', 'EINVAL', 'VIA010', denylistMessage(formatBdf(d.bdf), listed.deviceId));
      return false;
    }
    addCode(o, 'VIA011'); // let through by the parameter: the bypass is a finding of its own
  }
  if (BRIDGE_KINDS.has(d.kind)) {
    fail(o, 'vfio-pci probe', 'EINVAL', 'VIA003', msg);
    return false;
  }
  const vfIds = run.virtualFunctions(d.id);
  if (vfIds.length > 0) {
    fail(o, 'vfio-pci probe', 'EBUSY', 'VIA007', pfWithVfsMessage(formatBdf(d.bdf)), { vfIds: [...vfIds] });
    return false;
  }
  if (!run.group(d.id)) {
    fail(o, 'vfio-pci probe', 'EINVAL', 'VIA005', msg);
    return false;
  }
  if (since(run.kernel, GATES.vfioProbeCoherency) && run.caps(d.id)?.cacheCoherency !== true) {
    fail(o, 'vfio-pci probe', 'EINVAL', 'CC001', msg);
    return false;
  }
  return true;
}
