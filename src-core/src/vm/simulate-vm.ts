/**
 * The VM start-up simulation: what the kernel does, step by step, when the VMM opens and attaches each
 * assigned device for the VM's backend, and what KVM concludes about coherency.
 */
import { GATES, since } from '../kernel-gates.js';
import type { AttachOutcome, HostAnalysis, IommuGroup, SimulationOptions, VmAnalysis } from '../analysis.js';
import type { HostCaps } from '../caps.js';
import { effectiveKernel, hostArch } from '../caps/platform.js';
import { isGroupingDetails } from '../groups/index.js';
import { HostTopology } from '../groups/topology.js';
import type { Host, Topology, Vm } from '../model.js';
import { setVmDetail } from './details.js';
import { isVfioPciDriver } from './drivers.js';
import { walkIommufd } from './iommufd.js';
import { applyBoxes, noncoherentDevices } from './kvm.js';
import { splitFailure, VmAssignments } from './ownership.js';
import { probeVfioPci } from './probe.js';
import { addCode, fail, type GroupUse, type VmRun } from './run.js';
import { walkType1, type Type1Domain } from './type1.js';

/**
 * Simulate the VMM starting `vm` on `host`. One {@link AttachOutcome} per distinct assigned device id, in order.
 *
 * Sequence (each failure sets `ok=false`, `step`, `errno`, `kernelMessage` and a finding code in `codes`):
 * 1. backend availability: iommufd needs ≥ 6.2, the VFIO cdev ≥ 6.6 → `ENOENT` (KVER001);
 * 2. host driver other than vfio-pci: warning only, the VMM must rebind (VIA004);
 * 3. vfio-pci probe refusals (VFIO-PCI-01, VFIO-CC-01): VIA003 / VIA007 / VIA005 / CC001;
 * 4. group held by an earlier VM (VFIO-GRP-01/02/07/08): VIA002;
 * 5. the backend walk: `walkType1` (VFIO-GRP-03/05, VFIO-IR-01/02, VFIO-T1-SHARE-01) or `walkIommufd`
 *    (VFIO-GRP-07, IOMMUFD-IR-01/02, IOMMUFD-CC-02), both with the direct-mapping refusal (DOM-RESV-01, DOM001);
 * 6. KVM: kvm-vfio coherency (KVM-VFIO-02), WBINVD (KVM-X86-WBINVD-01) and the box (KVM-BOX-01).
 * `analysis.kernel` undefined → the assumed kernel (see KVER000). Never throws. `shared` (from `simulate()`):
 * an index of `topology`'s VM assignments used by the calls for all its VMs (by default a new one), and the host's
 * caps on demand answering as `analysis.caps` (by default that map). VMs are simulated in start order
 * (`topology.vms`): when this one fails, it is marked so in the shared index (`VmAssignments.markFailed`), and the
 * VMs after it no longer find its groups held; that is the only state a call changes.
 */
export function simulateVm(vm: Vm, host: Host, analysis: HostAnalysis, topology: Topology, options: SimulationOptions, shared: { assignments?: VmAssignments; caps?: HostCaps } = {}): VmAnalysis {
  const assignments = shared.assignments ?? new VmAssignments(topology);
  const hostCaps = shared.caps;
  const kernel = effectiveKernel(analysis.kernel);
  const arch = hostArch(host);
  const x86 = arch === 'x86_64';
  // the grouping's device index when it covers this host's devices (as in simulate()), else a new one
  const g = analysis.grouping;
  const topo = isGroupingDetails(g) && g.topology.devices === host.devices ? g.topology : new HostTopology(host);
  const run: VmRun = {
    vm,
    host,
    analysis,
    topology,
    options,
    kernel,
    arch,
    outcomes: [],
    device: (id) => topo.device(id),
    hostDevice: (id) => (topo.uniqueIds ? topo.device(id) : host.devices.find((d) => d.id === id)),
    virtualFunctions: (id) => topo.virtualFunctionIds(id),
    caps: hostCaps ? (id) => hostCaps.get(id) : (id) => analysis.caps.get(id),
    group: (id) => analysis.grouping.groupOf.get(id),
  };
  const seen = new Set<string>();
  for (const id of vm.assignedIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    run.outcomes.push({ deviceId: id, ok: true, step: 'vfio-pci probe', codes: [] });
  }
  const result: VmAnalysis = { vmId: vm.id, attach: run.outcomes, kvmNoncoherent: false, wbinvd: x86 ? 'nop' : 'not-applicable' };

  const needs = vm.backend === 'iommufd-cdev' ? GATES.vfioCdev : vm.backend === 'iommufd-compat' ? GATES.iommufd : undefined;
  if (needs && !since(kernel, needs)) {
    const step = vm.backend === 'iommufd-cdev' ? 'open(/dev/vfio/devices/vfioX)' : 'open(/dev/iommu)';
    for (const o of run.outcomes) fail(o, step, 'ENOENT', 'KVER001');
    setVmDetail(result, { kernel, kernelAssumed: analysis.kernel === undefined, x86, noncoherentDeviceIds: [] });
    if (run.outcomes.length) assignments.markFailed(vm);
    return result;
  }

  const live: AttachOutcome[] = [];
  for (const o of run.outcomes) {
    const d = run.device(o.deviceId);
    if (d && typeof d.driver === 'string' && !isVfioPciDriver(d.driver)) addCode(o, 'VIA004');
    if (probeVfioPci(run, o)) live.push(o);
  }

  // Group the survivors; drop groups held by an earlier VM.
  const uses: GroupUse[] = [];
  const useOf = new Map<IommuGroup, GroupUse>();
  for (const o of live) {
    const g = run.group(o.deviceId)!;
    let u = useOf.get(g);
    if (!u) {
      u = { group: g, outcomes: [] };
      uses.push(u);
      useOf.set(g, u);
    }
    u.outcomes.push(o);
  }
  const active: GroupUse[] = [];
  for (const u of uses) {
    const holder = assignments.holder(vm, analysis, u.group);
    if (!holder) {
      active.push(u);
      continue;
    }
    const f = splitFailure(vm.backend, holder.vm.backend, u.group.number);
    for (const o of u.outcomes) fail(o, f.step, f.errno, 'VIA002', undefined, { otherVmId: holder.vm.id, otherDeviceId: holder.deviceId, groupNumber: u.group.number });
  }

  let domains: Type1Domain[] = [];
  if (vm.backend === 'vfio-type1') domains = walkType1(run, active);
  else walkIommufd(run, active);

  const ok = run.outcomes.filter((o) => o.ok);
  const nonco = vm.kvmVfio ? noncoherentDevices(run, ok, domains) : [];
  result.kvmNoncoherent = x86 && nonco.length > 0;
  if (x86) result.wbinvd = result.kvmNoncoherent ? 'emulated' : 'nop';
  applyBoxes(run, ok, result.kvmNoncoherent, x86);
  setVmDetail(result, { kernel, kernelAssumed: analysis.kernel === undefined, x86, noncoherentDeviceIds: nonco });
  // a VM that fails to start (its VMM exits) holds none of its groups for the VMs started after it
  if (ok.length < run.outcomes.length) assignments.markFailed(vm);
  return result;
}
