/** Shared state of one VM start-up walk (internal to `vm/`). */
import type { AttachOutcome, DeviceCaps, HostAnalysis, IommuGroup, SimulationOptions } from '../analysis.js';
import type { Arch, Host, KernelVersion, PciDevice, Topology, Vm } from '../model.js';
import { setAttachDetail, type AttachDetail } from './details.js';

/** Everything the backend walkers read and the outcomes they fill in. */
export interface VmRun {
  vm: Vm;
  host: Host;
  analysis: HostAnalysis;
  topology: Topology;
  options: SimulationOptions;
  kernel: KernelVersion;
  arch: Arch;
  /** One outcome per assigned device id, in assignment order. */
  outcomes: AttachOutcome[];
  device(id: string): PciDevice | undefined;
  /** The first device of the host with this id (`host.devices.find` semantics); O(1) when ids are unique. */
  hostDevice(id: string): PciDevice | undefined;
  /** Ids of the virtual functions nested directly under the device `id` (its enabled VFs), in host order. */
  virtualFunctions(id: string): readonly string[];
  caps(id: string): DeviceCaps | undefined;
  group(id: string): IommuGroup | undefined;
}

/** The assigned devices of one iommu_group that are still in the running, in VMM open order. */
export interface GroupUse {
  group: IommuGroup;
  outcomes: AttachOutcome[];
}

/** Mark `o` failed at `step` (errno without minus sign) and tag it with `code`. */
export function fail(o: AttachOutcome, step: string, errno: string, code: string, kernelMessage?: string, detail?: AttachDetail): void {
  o.ok = false;
  o.step = step;
  o.errno = errno;
  if (kernelMessage !== undefined) o.kernelMessage = kernelMessage;
  addCode(o, code);
  if (detail) setAttachDetail(o, detail);
}

/** Add a finding code to an outcome once. */
export function addCode(o: AttachOutcome, code: string): void {
  if (!o.codes.includes(code)) o.codes.push(code);
}

/** Every member of the group has `pred` true on its caps (missing caps count as false). */
export function everyMember(run: VmRun, group: IommuGroup, pred: (c: DeviceCaps) => boolean): boolean {
  return group.deviceIds.every((id) => {
    const c = run.caps(id);
    return c !== undefined && pred(c);
  });
}
