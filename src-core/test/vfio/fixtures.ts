/** Shared topologies for the VFIO tests. */
import type { Host, Vm } from '../../src/model.js';
import { dev, host, iommu, topo, vm } from '../builders.js';

/**
 * Intel host: dmar0 with snoop control (gpu + audio, one group), dmar1 without (nic), root port rp.
 * Groups: [gpu, audio] = 0, [nic] = 1, [rp] = 2, [ssd] = 3 (ssd behind dmar0).
 */
export function intelHost(kernel: string, extra: Partial<Host> = {}, ir = true): Host {
  return host('h', kernel, [
    iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: ir }),
    iommu('dmar1', 'intel-vtd', { snoopControl: false, interruptRemapping: ir }),
  ], [
    dev('rp', 'root-port', '00:1c.0', { iommuId: 'dmar0', driver: 'pcieport' }),
    dev('gpu', 'endpoint', '65:00.0', { iommuId: 'dmar0', driver: 'vfio-pci', noSnoop: true }),
    dev('audio', 'endpoint', '65:00.1', { iommuId: 'dmar0', driver: 'vfio-pci', noSnoop: false }),
    dev('nic', 'endpoint', '66:00.0', { iommuId: 'dmar1', driver: 'vfio-pci', noSnoop: true }),
    dev('ssd', 'endpoint', '67:00.0', { iommuId: 'dmar0', driver: 'vfio-pci', noSnoop: false }),
  ], extra);
}
export const INTEL_GROUPS = { h: [['gpu', 'audio'], ['nic'], ['rp'], ['ssd']] };

export function oneVm(h: Host, ids: string[], extra: Partial<Vm> = {}) {
  return topo([h], [vm('vm1', 'h', ids, extra)]);
}
