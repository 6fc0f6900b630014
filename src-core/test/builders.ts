/**
 * Terse builders for hand-written topologies in tests. Ids are the names; BDFs are parsed from text.
 * Children are given in probe order (parents before children), as the model requires.
 */
import { parseBdf } from '../src/bdf.js';
import { parseKernelVersion } from '../src/kernel-version.js';
import type { Host, Iommu, PciDevice, PciKind, Topology, Vm } from '../src/model.js';

export function dev(name: string, kind: PciKind, bdf: string, extra: Partial<PciDevice> = {}): PciDevice {
  const b = parseBdf(bdf);
  if (!b) throw new Error(`bad BDF in test: ${bdf}`);
  return { id: name, name, bdf: b, kind, ...extra };
}

export function iommu(name: string, driver: Iommu['driver'], extra: Partial<Iommu> = {}): Iommu {
  return { id: name, name, driver, ...extra };
}

export function host(name: string, kernel: string, iommus: Iommu[], devices: PciDevice[], extra: Partial<Host> = {}): Host {
  const k = parseKernelVersion(kernel);
  if (!k) throw new Error(`bad kernel in test: ${kernel}`);
  return { id: name, name, kernel: k, arch: 'x86_64', params: {}, iommus, devices, ...extra };
}

export function vm(name: string, hostId: string, assignedIds: string[], extra: Partial<Vm> = {}): Vm {
  return { id: name, name, hostId, backend: 'vfio-type1', kvmVfio: true, assignedIds, hwpts: [], vmm: 'qemu', ...extra };
}

export function topo(hosts: Host[], vms: Vm[] = []): Topology {
  return { hosts, vms };
}
