/**
 * GRP-ALG-01: literal port of `drivers/iommu/iommu.c:pci_device_group` and its helpers
 * (`get_pci_alias_or_group`, `get_pci_alias_group`, `get_pci_function_alias_group`), plus group allocation by IDA in
 * probe order (GRP-ORD-01). Byte-identical in S-5.15, S-6.1, S-6.12 and S-7.2.
 */
import type { GroupReason, IommuGroup } from '../analysis.js';
import type { KernelVersion, PciDevice } from '../model.js';
import { describeFailure, pciAcsEnabled, pciAcsPathEnabled, type AcsEnv, type AcsPathResult } from './acs.js';
import { areDmaAliases, dmaAliasCandidates, walkDmaAliases, aliasQuirk, type AliasVisit } from './aliases.js';
import type { HostTopology } from './topology.js';

/** Mutable state of one grouping run: groups in creation order and the device → group map. */
export interface GroupingState {
  groups: IommuGroup[];
  groupOf: Map<string, IommuGroup>;
  /**
   * Scratch devfn bitmap of the alias and function searches (steps 4–6), reused by every {@link pciDeviceGroup}
   * call of the run and cleared at the start of each; created on first use.
   */
  devfns?: Uint32Array;
  /** Scratch of the step-1 alias walk, reused by every {@link pciDeviceGroup} call of the run; created on first use. */
  aliasWalk?: AliasWalk;
  /** The decision {@link pciDeviceGroup} returns, one object refilled by every call of the run. */
  decision?: GroupDecision;
  /**
   * Step 3's reason text by the bridge joined (its probe position): it depends only on the bridge and its ACS path,
   * so every device joining that bridge's group gets the same string.
   */
  pathTexts?: (string | undefined)[];
}

/** What the step-1 alias walk ({@link takeAliasGroup}) saw: the last device visited and the first group found. */
interface AliasWalk {
  groupOf: ReadonlyMap<string, IommuGroup>;
  last: PciDevice | undefined;
  /** The group found, undefined if none; the visit that found it is `device`, `bus`, `devfn`, `via`. */
  group: IommuGroup | undefined;
  device: PciDevice | undefined;
  bus: number | undefined;
  devfn: number;
  via: AliasVisit['via'];
}

/** `get_pci_alias_or_group`'s callback: remember the device, and stop at the first one that has a group. */
function takeAliasGroup(w: AliasWalk, device: PciDevice, bus: number | undefined, devfn: number, via: AliasVisit['via']): boolean {
  w.last = device;
  const g = w.groupOf.get(device.id);
  if (!g) return false;
  w.group = g;
  w.device = device;
  w.bus = bus;
  w.devfn = devfn;
  w.via = via;
  return true;
}

/** Where `pci_device_group` found (or did not find) a group for one device. */
export interface GroupDecision {
  /** Existing group to join; undefined = allocate a new one. */
  join?: IommuGroup;
  /** The reason recorded for the device (its `deviceId` is the device's id). */
  reason: GroupReason;
}

function ridText(bus: number | undefined, devfn: number): string {
  const b = bus === undefined ? '??' : bus.toString(16).padStart(2, '0');
  return `${b}:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}`;
}

/** `state.decision`, refilled with `join` and `reason`. */
function decide(state: GroupingState, join: IommuGroup | undefined, reason: GroupReason): GroupDecision {
  const dec = (state.decision ??= { join, reason });
  dec.join = join;
  dec.reason = reason;
  return dec;
}

/** Step 3's reason text for joining bridge `b`'s group, whose ACS path failed as `path` says; memoised per run. */
function pathText(topo: HostTopology, state: GroupingState, b: PciDevice, path: AcsPathResult): string {
  const i = topo.indexOf(b);
  if (i < 0 || topo.devices[i] !== b) return joinPathText(topo, b, path);
  const texts = (state.pathTexts ??= new Array(topo.devices.length));
  return (texts[i] ??= joinPathText(topo, b, path));
}

function joinPathText(topo: HostTopology, b: PciDevice, path: AcsPathResult): string {
  return `joined the group of ${topo.kindDevLabel(b)}: the ACS path to the root bus fails, ${describeFailure(path)}`;
}

/**
 * GRP-ALG-01 steps 1–7 for device `d`, reading existing groups from `state`. Pure apart from recording unknown-ACS
 * consultations in `env.assumedNoAcs`. Never throws. The decision returned is one object per run (`state.decision`),
 * refilled by the next call: read it before that, as {@link applyDecision} does.
 */
export function pciDeviceGroup(d: PciDevice, topo: HostTopology, env: AcsEnv, kernel: KernelVersion | undefined, state: GroupingState): GroupDecision {
  // Step 1: alias walk (get_pci_alias_or_group).
  const w = (state.aliasWalk ??= { groupOf: state.groupOf, last: undefined, group: undefined, device: undefined, bus: undefined, devfn: 0, via: 'self' });
  w.groupOf = state.groupOf;
  w.last = d;
  w.group = undefined;
  walkDmaAliases(topo, d, kernel, w, takeAliasGroup);
  const last = w.last;
  if (w.group) {
    const g = w.group;
    const v = w.device!;
    if (w.via === 'real-dma-dev')
      return decide(state, g, { deviceId: d.id, kind: 'vmd', viaId: v.id, text: `joined the group of Intel VMD endpoint ${topo.label(v)}: pci_real_dma_dev maps every device in its domain to it` });
    const text =
      w.via === 'bridge'
        ? `joined the group of ${topo.kindDevLabel(v)}: its DMA reaches the IOMMU with the bridge's requester ID ${ridText(w.bus, w.devfn)}`
        : `joined the group of ${topo.label(v)}: DMA alias ${ridText(w.bus, w.devfn)}`;
    return decide(state, g, { deviceId: d.id, kind: 'dma-alias', viaId: v.id, text });
  }

  // Steps 2–3: upstream walk while the ACS path is not enabled.
  let p: PciDevice = last;
  /** The highest bridge passed on the way up; none of them has a group. */
  let ungroupedTop: PciDevice | undefined;
  const bridges = topo.bridgesAbove(last);
  for (let i = 0; i < bridges.length; i++) {
    const b = bridges[i];
    const path = pciAcsPathEnabled(b, env);
    if (path.ok) break;
    p = b;
    const g = state.groupOf.get(b.id);
    if (g) return decide(state, g, { deviceId: d.id, kind: 'acs-path', viaId: b.id, text: pathText(topo, state, b, path) });
    ungroupedTop = b;
  }

  // Steps 4–6: alias and function searches from p with a shared devfn bitmap (DECLARE_BITMAP(devfns, 256), as
  // eight 32-bit words, cleared for each device). The kernel loops `for_each_pci_dev` and skips devices on other
  // buses (other slots); the bus / slot indexes yield exactly those devices (for the alias search, only those that
  // can be aliases), in the same (probe) order.
  const visited = (state.devfns ??= new Uint32Array(8));
  visited.fill(0);
  const a = aliasGroup(p, topo, env, state.groupOf, visited);
  if (a) {
    const q = aliasQuirk(a.via) ?? aliasQuirk(p);
    const how = q ? `DMA alias quirk ${q.quirk}` : 'DMA alias (dma_alias_mask or pci_real_dma_dev)';
    return decide(state, a.g, { deviceId: d.id, kind: 'dma-alias', viaId: a.via.id, text: `joined the group of ${topo.label(a.via)}: ${how} on the same bus${searchedFrom(topo, p, d)}` });
  }
  const f = funcGroup(p, topo, env, state.groupOf, visited);
  if (f) {
    const why = pciAcsEnabled(p, env).why;
    const whyOther = pciAcsEnabled(f.via, env).why;
    return decide(state, f.g, {
      deviceId: d.id,
      kind: 'multifunction',
      viaId: f.via.id,
      text: `joined the group of sibling function ${topo.label(f.via)}: functions of one multifunction slot without ACS isolation share a group (${topo.label(p)}: ${why}; ${topo.label(f.via)}: ${whyOther})${searchedFrom(topo, p, d)}`,
    });
  }

  // Step 7: new group.
  let text: string;
  if (ungroupedTop) {
    text = `first device of a new group: ${topo.kindDevLabel(ungroupedTop)} is not ACS-isolating but has no iommu_group (not translated by an IOMMU), so isolation is silently assumed (GRP-EDGE-01)`;
  } else if (topo.onRootBus(last)) text = 'first device of a new group: devices on a root bus are assumed isolated from each other (GRP-ROOT-01)';
  else text = 'first device of a new group: every bridge up to the root bus is ACS-isolating';
  return decide(state, undefined, { deviceId: d.id, kind: 'own', text });
}

/** A group found by the searches of GRP-ALG-01 steps 4–6, and the device that has it. */
interface Found {
  g: IommuGroup;
  via: PciDevice;
}

/**
 * `get_pci_alias_group(x, devfns)`: `x`'s own group if it has one, else the group of a DMA alias of `x` on its bus
 * (or of one of that alias's functions), each devfn visited once per search (`visited`, the kernel's `devfns`).
 */
function aliasGroup(x: PciDevice, topo: HostTopology, env: AcsEnv, groupOf: Map<string, IommuGroup>, visited: Uint32Array): Found | undefined {
  const df = topo.devfn(x);
  const bit = 1 << (df & 31);
  if (visited[df >> 5] & bit) return undefined;
  visited[df >> 5] |= bit;
  const g = groupOf.get(x.id);
  if (g) return { g, via: x };
  const candidates = dmaAliasCandidates(topo, x);
  for (let i = 0; i < candidates.length; i++) {
    const t = candidates[i];
    if (t === x) continue;
    if (areDmaAliases(topo, x, t)) {
      const r = aliasGroup(t, topo, env, groupOf, visited) ?? funcGroup(t, topo, env, groupOf, visited);
      if (r) return r;
    }
  }
  return undefined;
}

/**
 * `get_pci_function_alias_group(x, devfns)`: for a multifunction `x` without ACS isolation, the first group found by
 * {@link aliasGroup} from another function of its slot that is not ACS-isolated either.
 */
function funcGroup(x: PciDevice, topo: HostTopology, env: AcsEnv, groupOf: Map<string, IommuGroup>, visited: Uint32Array): Found | undefined {
  if (!topo.multifunction(x) || pciAcsEnabled(x, env).isolated) return undefined;
  const slot = topo.slotDevices(x);
  for (let i = 0; i < slot.length; i++) {
    const t = slot[i];
    if (t === x || pciAcsEnabled(t, env).isolated) continue;
    const r = aliasGroup(t, topo, env, groupOf, visited);
    if (r) return r;
  }
  return undefined;
}

/** Message suffix naming the device the searches started from when the upstream walk moved away from `d`. */
function searchedFrom(topo: HostTopology, p: PciDevice, d: PciDevice): string {
  return p === d ? '' : ` (searched from ${topo.kindDevLabel(p)})`;
}

/** `generic_device_group`: always a new group (s390, GRP-DRV-01). */
export function genericDeviceGroup(d: PciDevice): GroupDecision {
  return { reason: { deviceId: d.id, kind: 'own', text: 'own group: this IOMMU driver uses generic_device_group (one group per function)' } };
}

/**
 * Apply a decision: join the group or allocate the next number (IDA: lowest free integer from 0; nothing is freed
 * here, so numbers follow creation order). Source: drivers/iommu/iommu.c:iommu_group_alloc, iommu_group_add_device.
 */
export function applyDecision(state: GroupingState, d: PciDevice, iommuId: string | undefined, dec: GroupDecision): IommuGroup {
  let g = dec.join;
  if (!g) {
    // most groups keep their first member alone: arrays of exactly one element, not push's spare capacity
    g = { number: state.groups.length, deviceIds: [d.id], iommuId, reasons: [dec.reason] };
    state.groups.push(g);
  } else {
    g.deviceIds.push(d.id);
    g.reasons.push(dec.reason);
  }
  state.groupOf.set(d.id, g);
  return g;
}
