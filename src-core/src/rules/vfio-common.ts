/**
 * Helpers shared by the VFIO / KVM rules: walking the simulated attach outcomes, naming devices and IOMMUs
 * the way the findings word them. Rules read `ctx.vms` / `ctx.hosts`; nothing here recomputes kernel behaviour.
 */
import type { AttachOutcome, DeviceCaps, HostAnalysis, VmAnalysis } from '../analysis.js';
import { formatBdf } from '../bdf.js';
import { effectiveKernel } from '../caps/platform.js';
import type { Finding, RelatedElement } from '../findings.js';
import { formatKernel } from '../kernel-version.js';
import type { Host, Iommu, KernelVersion, PciDevice, Vm } from '../model.js';
import { attachDetail, type AttachDetail } from '../vm/details.js';
import type { RuleContext } from './rule.js';

/** Everything a per-device VFIO rule needs about one outcome. */
export interface OutcomeView {
  vm: Vm;
  host: Host;
  hostAnalysis: HostAnalysis;
  vmAnalysis: VmAnalysis;
  outcome: AttachOutcome;
  /** May be undefined when the assigned id is dangling (VIA006). */
  device?: PciDevice;
  iommu?: Iommu;
  detail: AttachDetail;
  kernel: KernelVersion;
  /** The device's caps on its host (`hostAnalysis.caps.get(outcome.deviceId)`). */
  caps?: DeviceCaps;
}

/** Call `fn` for every outcome tagged with `code`; collect the findings it returns, each with the outcome's VM as `vmId`. */
export function perOutcome(ctx: RuleContext, code: string, fn: (v: OutcomeView) => Finding | undefined): Finding[] {
  const out: Finding[] = [];
  const vms = ctx.topology.vms;
  for (let v = 0; v < vms.length; v++) {
    const vm = vms[v];
    const va = ctx.vms.get(vm.id);
    const host = ctx.host(vm.hostId);
    const ha = host && ctx.hosts.get(host.id);
    if (!va || !host || !ha) continue;
    for (let i = 0; i < va.attach.length; i++) {
      const o = va.attach[i];
      if (!o.codes.includes(code)) continue;
      const caps = ctx.deviceCaps ? ctx.deviceCaps(host.id, o.deviceId) : ha.caps.get(o.deviceId);
      const detail = attachDetail(o);
      const device = ctx.device(o.deviceId);
      const iommuId = detail.iommuId ?? caps?.iommuId;
      const iommu = iommuId !== undefined ? ctx.iommu(iommuId) : undefined;
      const f = fn({ vm, host, hostAnalysis: ha, vmAnalysis: va, outcome: o, device, iommu, detail, kernel: effectiveKernel(ha.kernel), caps });
      if (f) {
        f.vmId ??= vm.id;
        out.push(f);
      }
    }
  }
  return out;
}

/** `gpu (0000:65:00.0)`, or the bare id when the device is unknown. */
export function devLabel(d: PciDevice | undefined, fallbackId = '?'): string {
  return d ? `${d.name} (${formatBdf(d.bdf)})` : fallbackId;
}

/** `kernel 6.12` (with ` (assumed)` when the host declares none). */
export function kernelLabel(v: OutcomeView): string {
  return `kernel ${formatKernel(v.kernel)}${v.hostAnalysis.kernel ? '' : ' (assumed)'}`;
}

/** Human description of the IOMMU unit kind, e.g. `VT-d unit dmar1`. */
export function iommuLabel(i: Iommu): string {
  const kind: Record<Iommu['driver'], string> = {
    'intel-vtd': 'VT-d unit',
    'amd-vi': 'AMD-Vi unit',
    'arm-smmu-v3': 'SMMUv3',
    'arm-smmu': 'SMMU',
    'virtio-iommu': 'virtio-iommu',
    s390: 's390 IOMMU',
    none: 'IOMMU',
  };
  return `${kind[i.driver]} ${i.name}`;
}

/** Related-element entry for an IOMMU, when known. */
export function relIommu(i: Iommu | undefined, message: string): RelatedElement[] {
  return i ? [{ id: i.id, message }] : [];
}

/** Related-element entry for the VM. */
export function relVm(vm: Vm, message = `VM ${vm.name}`): RelatedElement {
  return { id: vm.id, message };
}

/** `errno` and step part of a one-line message, e.g. `-EPERM at VFIO_SET_IOMMU`. */
export function errnoAt(o: AttachOutcome): string {
  return o.errno ? `-${o.errno} at ${o.step}` : `at ${o.step}`;
}

/** Build the outcome block of a finding from an attach outcome. */
export function outcomeOf(o: AttachOutcome): Finding['outcome'] {
  return { errno: o.errno, step: o.step, kernelMessage: o.kernelMessage };
}

/**
 * The VMs other than `vm`, on its host, that assign device `deviceId`, in file (start-up) order. A device of a group
 * another VM uses cannot be fixed in one VM alone: the group goes to whichever VM starts first (VIA002).
 */
export function otherVmsAssigning(ctx: RuleContext, vm: Vm, deviceId: string): Vm[] {
  const all = assigningVms(ctx).get(vm.hostId)?.get(deviceId);
  return all ? all.filter((o) => o !== vm) : [];
}

/** Per rule context: host id → device id → the VMs assigning it, in file order (built once; the rules ask per group member). */
const assigning = new WeakMap<RuleContext, Map<string, Map<string, Vm[]>>>();
function assigningVms(ctx: RuleContext): Map<string, Map<string, Vm[]>> {
  let byHost = assigning.get(ctx);
  if (!byHost) {
    byHost = new Map();
    for (const o of ctx.topology.vms) {
      let byDevice = byHost.get(o.hostId);
      if (!byDevice) byHost.set(o.hostId, (byDevice = new Map()));
      for (const id of o.assignedIds) {
        const list = byDevice.get(id);
        if (!list) byDevice.set(id, [o]);
        else if (list.at(-1) !== o) list.push(o);
      }
    }
    assigning.set(ctx, byHost);
  }
  return byHost;
}

/**
 * The attach outcomes of VMs started before `vm` (file order) that fail with VIA001 only because device `deviceId`
 * is bound to a host driver: binding `deviceId` to vfio-pci lets such a VM start and take the group first, so `vm`
 * would then fail with VIA002. Each with its VM, in start-up order.
 */
export function earlierVmsBlockedBy(ctx: RuleContext, vm: Vm, deviceId: string): { vm: Vm; outcome: AttachOutcome }[] {
  const entries = blockedBy(ctx).get(deviceId);
  if (!entries) return [];
  const at = ctx.topology.vms.indexOf(vm);
  return entries.filter((e) => e.index < at && e.vm.hostId === vm.hostId).map(({ vm: o, outcome }) => ({ vm: o, outcome }));
}

/** Per rule context: conflicting device id → the VIA001 outcomes it blocks, with their VM and its start-up position. */
const blocked = new WeakMap<RuleContext, Map<string, { index: number; vm: Vm; outcome: AttachOutcome }[]>>();
function blockedBy(ctx: RuleContext): Map<string, { index: number; vm: Vm; outcome: AttachOutcome }[]> {
  let byDevice = blocked.get(ctx);
  if (!byDevice) {
    byDevice = new Map();
    ctx.topology.vms.forEach((o, index) => {
      for (const a of ctx.vms.get(o.id)?.attach ?? []) {
        if (!a.codes.includes('VIA001')) continue;
        for (const c of attachDetail(a).conflicts ?? []) {
          const list = byDevice!.get(c.deviceId);
          const e = { index, vm: o, outcome: a };
          if (list) list.push(e);
          else byDevice!.set(c.deviceId, [e]);
        }
      }
    });
    blocked.set(ctx, byDevice);
  }
  return byDevice;
}
