import { devfn, formatBdf, invalidBdfFields, isPciAddress, sameBus } from '../bdf.js';
import type { Finding, FixHint, RuleMeta } from '../findings.js';
import { isVmdDomain, kindLabel, topologyOf } from '../groups/index.js';
import { BRIDGE_KINDS, type Iommu, type PciDevice } from '../model.js';
import { IOMMU_CAPS } from '../vocabulary.js';
import { bootRemappingOff, bootTranslationOff } from './boot-params.js';
import type { Rule, RuleContext } from './rule.js';
import { VTD_BITS, vtdBit, type VtdBit } from '../caps/vtd-registers.js';

/**
 * Consistency checks on the model itself (MDL*), before any kernel behaviour: a topology that cannot exist
 * on real hardware would make every later answer meaningless, so these are errors.
 */

const noKernel = { rule: 'GRP-ORD-01', source: 'drivers/pci/probe.c:pci_scan_child_bus_extend', versions: 'all' };

function meta(code: string, title: string, summary: string, defaultSeverity: RuleMeta['defaultSeverity'] = 'error'): RuleMeta {
  return { code, title, summary, defaultSeverity, kernel: [noKernel] };
}

function finding(m: RuleMeta, elementId: string, message: string, explanation: string, related: Finding['related'] = []): Finding {
  return { code: m.code, severity: m.defaultSeverity, message, explanation, elementId, related, kernel: m.kernel };
}

const label = (d: PciDevice) => `${d.name} (${formatBdf(d.bdf)})`;

const duplicateBdf: Rule = {
  meta: meta('MDL001', 'Duplicate BDF', 'Two PCI functions of one host have the same domain:bus:device.function.'),
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    const report = (d: PciDevice, first: PciDevice) =>
      out.push(finding(this.meta, d.id, `${d.name}: BDF ${formatBdf(d.bdf)} is already used by ${first.name}`, 'A BDF identifies exactly one PCI function; the second declaration would shadow the first.', [{ id: first.id, message: `first declared here as ${first.name}` }]));
    for (const h of ctx.topology.hosts) {
      // Two BDFs are the same iff their canonical spellings are. When every field is a plain in-range integer the
      // spelling is determined by (and determines) the number from addressKey, which is cheaper to compare.
      const keys = addressKeys(h.devices);
      if (keys) {
        forEachRepeatedKey(keys, (i, first) => report(h.devices[i], h.devices[first]));
        continue;
      }
      const seen = new Map<string, PciDevice>();
      for (const d of h.devices) {
        const key = formatBdf(d.bdf);
        const first = seen.get(key);
        if (first) report(d, first);
        else seen.set(key, d);
      }
    }
    return out;
  },
};

/**
 * (domain, bus, devfn) as one number when the domain is a non-negative integer, the bus a byte, the device number
 * 0–31 and the function 0–7 (exact in a double for 32-bit domains); otherwise undefined.
 */
function addressKey(b: PciDevice['bdf']): number | undefined {
  return isPciAddress(b) ? (b.domain * 256 + b.bus) * 256 + devfn(b) : undefined;
}

/** {@link addressKey} of every device, in device order; undefined when some device has none. */
function addressKeys(devices: readonly PciDevice[]): Float64Array | undefined {
  const keys = new Float64Array(devices.length);
  for (let i = 0; i < devices.length; i++) {
    const k = addressKey(devices[i].bdf);
    if (k === undefined) return undefined;
    keys[i] = k;
  }
  return keys;
}

/**
 * Call `fn(i, first)` for every position `i` whose key already occurred, `first` being the position of its first
 * occurrence, in position order (what a map from key to first position, filled in order, would answer). An
 * open-addressing table of positions in an Int32Array: no map entry, boxed number or resize per device.
 */
function forEachRepeatedKey(keys: Float64Array, fn: (i: number, first: number) => void): void {
  let bits = 3;
  while (1 << bits < 2 * keys.length) bits++;
  const mask = (1 << bits) - 1;
  /** 1 + position of the first occurrence of the key hashed there, 0 = free. */
  const slots = new Int32Array(1 << bits);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    // keys are integers below 2^48: mix the low and high 32 bits
    let s = Math.imul((k >>> 0) ^ Math.imul(Math.floor(k / 0x1_0000_0000), 0x27d4eb2d), 0x9e3779b1) >>> (32 - bits);
    for (;;) {
      const at = slots[s];
      if (at === 0) {
        slots[s] = i + 1;
        break;
      }
      if (keys[at - 1] === k) {
        fn(i, at - 1);
        break;
      }
      s = (s + 1) & mask;
    }
  }
}

/**
 * MDL005: an address no PCI function can have (for models built through the core API; the DSL lowering drops
 * BDFs it cannot read, BDF001). Such devices would share bus and slot index keys with real ones and be grouped
 * with devices they have nothing to do with, so each is reported instead of being simulated silently.
 */
const invalidBdf: Rule = {
  meta: meta('MDL005', 'Invalid PCI address', 'A device address outside what PCI allows: domain a non-negative integer, bus 0–ff, device 0–1f, function 0–7. Results involving the device are not meaningful until it is fixed.'),
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    for (const h of ctx.topology.hosts) {
      for (let i = 0; i < h.devices.length; i++) {
        const d = h.devices[i];
        if (isPciAddress(d.bdf)) continue;
        const bad = invalidBdfFields(d.bdf);
        out.push(finding(this.meta, d.id, `${d.name}: invalid PCI address (${bad.join(', ')})`, 'PCI addresses are domain:bus:device.function with an 8-bit bus, a 5-bit device and a 3-bit function number; the kernel cannot enumerate anything else. Grouping, bus and slot indexes assume valid addresses, so results involving this device are not meaningful.'));
      }
    }
    return out;
  },
};


/** A bus number as lspci prints it: two hex digits. */
const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const busMismatch: Rule = {
  meta: meta('MDL002', 'Child device on the wrong bus', 'Devices nested in a bridge must sit on its secondary bus (and siblings on one bus). Only SR-IOV virtual functions (in their PF) and the buses of an Intel VMD domain (in the VMD endpoint) may nest in a device that is not a bridge.'),
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    for (const h of ctx.topology.hosts) {
      const topo = topologyOf(ctx.hosts.get(h.id)?.grouping, h); // device by id, the last one if an id repeats
      const devices = h.devices;
      /** By the parent's position: 1 + position of its first child that sits on its secondary bus (0 = none yet). */
      const firstChild = new Int32Array(devices.length);
      // siblings come one after another (probe order), so the parent is looked up once per run of siblings
      let parentId: string | undefined;
      let parent: PciDevice | undefined;
      let parentAt = -1;
      let parentIsBridge = false;
      for (let i = 0; i < devices.length; i++) {
        const d = devices[i];
        if (!d.parentId) continue;
        if (d.parentId !== parentId) {
          parentId = d.parentId;
          parent = topo.device(parentId);
          parentAt = parent ? topo.indexOf(parent) : -1;
          parentIsBridge = parent !== undefined && BRIDGE_KINDS.has(parent.kind);
        }
        if (!parent) continue;
        if (!parentIsBridge) {
          // the file's two nestings in a function that is not a bridge: a PF's enabled VFs (VFIO-PCI-01) and the
          // root ports of a VMD domain ≥ 0x10000 below the VMD endpoint (GRP-ALIAS-04); neither is on a secondary bus
          if (nestsInFunction(d, parent)) continue;
          out.push(finding(this.meta, d.id, `${label(d)} is nested in ${kindLabel(parent.kind)} ${label(parent)}, which is not a bridge`, 'Only bridges (root ports, switch ports, PCI bridges) have a secondary bus with devices below them.', [{ id: parent.id, message: 'not a bridge' }]));
          continue;
        }
        if (parent.secondaryBus !== undefined && d.bdf.bus !== parent.secondaryBus) {
          // on the bridge's own bus, where its siblings sit: in a file that is usually a block left open (a lost `}`)
          const sibling = d.bdf.bus === parent.bdf.bus && d.bdf.domain === parent.bdf.domain;
          const message = `${label(d)} is on bus ${hex2(d.bdf.bus)}, but ${parent.name}'s secondary bus is ${hex2(parent.secondaryBus)}${sibling ? `; ${parent.name} is itself on bus ${hex2(d.bdf.bus)}, so ${d.name} may be its sibling with a '}' missing before it` : ''}`;
          const explanation = `A device below a bridge is enumerated on the bridge's secondary bus.${sibling ? ` A device on the bridge's own bus is a sibling of the bridge, not a device below it: the file nests it in the bridge, which happens when the \`}\` that closes the bridge's block (or a device block inside it) is missing, and everything up to the next \`}\` then counts as below the bridge.` : ''}`;
          out.push(finding(this.meta, d.id, message, explanation, [{ id: parent.id, message: 'parent bridge' }]));
          continue;
        }
        const first = firstChild[parentAt];
        if (first === 0) firstChild[parentAt] = i + 1;
        else {
          const sibling = devices[first - 1];
          if (!sameBus(sibling.bdf, d.bdf))
            out.push(finding(this.meta, d.id, `${label(d)} and ${label(sibling)} are both below ${parent.name} but on different buses`, 'All devices directly below one bridge share its secondary bus number.', [{ id: sibling.id, message: 'sibling on another bus' }]));
        }
        if (d.bdf.domain !== parent.bdf.domain && !isVmdDomain(d.bdf.domain))
          out.push(finding(this.meta, d.id, `${label(d)} is in PCI domain ${d.bdf.domain.toString(16).padStart(4, '0')}, its parent ${parent.name} in ${parent.bdf.domain.toString(16).padStart(4, '0')}`, 'A bridge and the devices below it are in the same PCI domain (segment), except behind Intel VMD (domain ≥ 0x10000).', [{ id: parent.id, message: 'parent bridge' }]));
      }
    }
    return out;
  },
};

/**
 * A device may sit inside a function that is not a bridge: an SR-IOV virtual function inside its physical function
 * (the VFs the PF has enabled), or a device of an Intel VMD domain (≥ 0x10000) inside the VMD endpoint of another
 * domain, whose buses the vmd driver creates.
 */
function nestsInFunction(d: PciDevice, parent: PciDevice): boolean {
  if (d.isVirtualFunction) return isPhysicalFunction(parent);
  return isVmdDomain(d.bdf.domain) && parent.bdf.domain !== d.bdf.domain;
}

/** A function a virtual function nested in it can belong to: neither a bridge nor a virtual function itself. */
function isPhysicalFunction(parent: PciDevice): boolean {
  return !BRIDGE_KINDS.has(parent.kind) && !parent.isVirtualFunction;
}

/**
 * MDL006: a virtual function that is not inside a physical function (at top level or in a bridge). The model ties
 * VFs to their PF only by nesting, so such a VF leaves its PF looking like a function without SR-IOV: an assigned
 * PF would not get VIA007, though vfio-pci refuses it while its VFs are enabled.
 */
const strayVirtualFunction: Rule = {
  meta: {
    code: 'MDL006',
    title: 'Virtual function outside its PF',
    summary: 'An SR-IOV virtual function that is not nested inside its physical function. The checker only knows a PF has VFs enabled from the VFs nested in it, so that PF would not get VIA007 (vfio-pci refuses it with -EBUSY).',
    defaultSeverity: 'warning',
    kernel: [{ rule: 'VFIO-PCI-01', source: 'drivers/vfio/pci/vfio_pci_core.c:vfio_pci_core_register_device (pci_num_vf)', versions: 'all' }],
    fix: 'Move the virtual function inside the PF it belongs to (`physfn` in sysfs; `iommu-topo import` nests them so).',
  },
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    for (const h of ctx.topology.hosts) {
      const topo = topologyOf(ctx.hosts.get(h.id)?.grouping, h);
      for (let i = 0; i < h.devices.length; i++) {
        const d = h.devices[i];
        if (!d.isVirtualFunction) continue;
        const parent = topo.device(d.parentId);
        if (parent && isPhysicalFunction(parent)) continue;
        const where = parent ? `in ${kindLabel(parent.kind)} ${label(parent)}` : 'at the top level of the host';
        out.push(
          finding(
            this.meta,
            d.id,
            `virtual function ${label(d)} is ${where}, not in its PF: the PF's SR-IOV state is unknown (no VIA007 for it)`,
            'The file says which PF a virtual function belongs to by nesting it in that PF, and a PF with VFs nested in it has SR-IOV enabled: vfio-pci refuses to bind it (-EBUSY, "Cannot bind to PF with SR-IOV enabled", VIA007). A VF elsewhere cannot be tied to a PF, so its PF is simulated as if it had no VFs.',
            parent ? [{ id: parent.id, message: 'not a physical function' }] : [],
          ),
        );
      }
    }
    return out;
  },
};

const vmHost: Rule = {
  meta: meta('MDL003', 'VM without a host', 'A VM must name the host it runs on (`vm X on HOST`) unless exactly one host is visible.'),
  check(ctx: RuleContext) {
    return ctx.topology.vms
      .filter((v) => !ctx.host(v.hostId))
      .map((v) => finding(this.meta, v.id, `vm ${v.name}: no host; write 'vm ${v.name} on <host>'`, 'Without a host the simulator cannot know which kernel, IOMMU and PCI hierarchy the VM uses.'));
  },
};

const foreignDevice: Rule = {
  meta: meta('MDL004', 'Device from another host', 'A VM can only be assigned devices of the host it runs on.'),
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    for (const v of ctx.topology.vms) {
      const host = ctx.host(v.hostId);
      if (!host) continue;
      // the host's device index (as `deviceIds` would answer: some device of the host has the id)
      const onHost = topologyOf(ctx.hosts.get(host.id)?.grouping, host);
      for (const id of v.assignedIds) {
        if (onHost.device(id)) continue;
        const d = ctx.device(id);
        out.push(finding(this.meta, v.id, `vm ${v.name} runs on ${host.name} but is assigned ${d ? label(d) : id} of another host`, 'VFIO assigns devices of the local machine only.', d ? [{ id: d.id, message: 'device of another host' }] : []));
      }
    }
    return out;
  },
};

/** Model consistency rules, in evaluation order. */
/**
 * MDL007: an x86 unit (intel-vtd / amd-vi) whose `msi x86-ir` / `msi x86-vector` line contradicts its `caps`
 * (`interrupt-remapping` present or absent). The kernel routes the MSIs of devices behind a unit with interrupt
 * remapping on through the IR irq domain, so both cannot hold; the simulator reads the capabilities
 * (caps/msi.ts:msiControllerOf), so ≤ 6.2 (IOMMU_CAP_INTR_REMAP) and ≥ 6.3 (the irq domain's ISOLATED_MSI) agree.
 */
const msiContradictsCaps: Rule = {
  meta: {
    code: 'MDL007',
    title: 'MSI controller contradicts interrupt remapping',
    summary:
      'An Intel or AMD IOMMU unit states `msi x86-ir` without the `interrupt-remapping` capability, or `msi x86-vector` with it. With interrupt remapping on, MSIs go through the IR irq domain (x86-ir), without it through the vector domain; the checker follows `caps` and ignores the `msi` line.',
    defaultSeverity: 'warning',
    kernel: [{ rule: 'CAP-IR-01', source: 'drivers/iommu/intel/irq_remapping.c:intel_prepare_irq_remapping; drivers/iommu/amd/iommu.c:amd_iommu_create_irq_domain', versions: 'all' }],
    fix: 'Set `msi` to what the capabilities say (x86-ir with interrupt-remapping, x86-vector without).',
  },
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    for (const h of ctx.topology.hosts) {
      for (const u of h.iommus) {
        if ((u.driver !== 'intel-vtd' && u.driver !== 'amd-vi') || u.interruptRemapping === undefined) continue;
        if (u.msi !== 'x86-ir' && u.msi !== 'x86-vector') continue;
        if ((u.msi === 'x86-ir') === u.interruptRemapping) continue;
        const follows = u.interruptRemapping ? 'x86-ir' : 'x86-vector';
        out.push({
          ...finding(
            this.meta,
            u.id,
            `IOMMU ${u.name}: msi ${u.msi} contradicts its caps (${u.interruptRemapping ? 'with' : 'without'} interrupt-remapping); simulated as ${follows}`,
            `A unit with interrupt remapping on delivers the MSIs of the devices behind it through the IR irq domain (\`x86-ir\`, IRQ_DOMAIN_FLAG_ISOLATED_MSI); without it they go through the x86 vector domain (\`x86-vector\`, not isolated). \`msi ${u.msi}\` and the caps cannot both be true. The checker follows the caps, so the kernels up to 6.2 (IOMMU_CAP_INTR_REMAP) and from 6.3 (the irq domain's ISOLATED_MSI flag) give the same answer. On a running host, \`/proc/interrupts\` tells which is right: \`IR-PCI-MSI\` chips mean remapping is on (\`iommu-topo import\` writes both lines from it).`,
          ),
          fixes: [{ kind: 'set-iommu-property', iommuId: u.id, property: 'msi', value: follows }],
        });
      }
    }
    return out;
  },
};

/**
 * MDL009: an Intel unit whose `caps` contradict its raw `ecap` / `cap` register values (CAP-VTD-02/03): a capability
 * listed whose bit is clear (the hardware cannot have it), or a bit set whose capability is not listed (for snoop
 * control, pass-through and caching mode, which have no kernel switch). The simulator reads `caps`; the register is
 * what `/sys/class/iommu/dmarN/intel-iommu/{cap,ecap}` printed, so one of the two lines is wrong.
 */
const capsContradictRegisters: Rule = {
  meta: {
    code: 'MDL009',
    title: 'Capabilities contradict the VT-d registers',
    summary:
      'An Intel unit lists a capability whose bit is clear in its `ecap` / `cap` value (snoop-control: ECAP.SC bit 7, interrupt-remapping: ECAP.IR bit 3, passthrough: ECAP.PT bit 6, scalable-mode: ECAP.SMTS bit 43, caching-mode: CAP.CM bit 7), or does not list snoop-control, passthrough or caching-mode although the bit is set. The simulator reads `caps`, so an answer that depends on it (KVM001 for snoop control, IR001 for interrupt remapping) may be wrong. A unit with registers and no `caps` line takes its capabilities from the registers, as `iommu-topo import` writes them.',
    defaultSeverity: 'warning',
    // a `caps unknown` unit is assumed capable (lowering): its caps are not the file's, so this waits with the others (SYN003)
    readsCaps: true,
    kernel: [{ rule: 'CAP-VTD-02', source: 'drivers/iommu/intel/iommu.h (ecap_sc_support, ecap_ir_support, ecap_pass_through, ecap_smts, cap_caching_mode)', versions: 'all' }],
    fix: 'Make the caps line match the registers (adding a missing capability is a quick fix), or correct the register value.',
  },
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    for (const h of ctx.topology.hosts) {
      for (const u of h.iommus) {
        if (u.driver !== 'intel-vtd') continue;
        const listedNotSet: string[] = [];
        const setNotListed: VtdBit[] = [];
        for (const b of VTD_BITS) {
          const set = vtdBit(u, b);
          if (set === undefined || u[b.field] === undefined) continue;
          if (u[b.field] && !set) listedNotSet.push(`${b.term} is listed but ${b.name} is 0`);
          else if (!u[b.field] && set && !b.enableable) setNotListed.push(b);
        }
        if (!listedNotSet.length && !setNotListed.length) continue;
        const parts = [...listedNotSet, ...setNotListed.map((b) => `${b.name} is 1 but ${b.term} is not listed`)];
        const missing = setNotListed.map((b) => b.term);
        out.push({
          ...finding(
            this.meta,
            u.id,
            `IOMMU ${u.name}: caps contradict its registers: ${parts.join('; ')}; simulated with the caps`,
            `\`ecap\` and \`cap\` are the unit's ECAP_REG / CAP_REG as sysfs prints them (CAP-VTD-01); each capability the simulator reads has a bit there (CAP-VTD-02/03). A capability listed whose bit is clear cannot be: the hardware does not have it (without snoop control, for example, the unit cannot block no-snoop DMA, IOMMU-ENF-01). A bit set whose capability is missing is the other way round. The simulator follows the \`caps\` line, so the answers that read that capability follow it too; correct whichever line is wrong (\`iommu-topo import\` writes both from the same registers).`,
          ),
          // all the missing ones in one fix first (one list appended to the caps line), then each alone
          fixes: [...(missing.length > 1 ? [missing.join(', ')] : []), ...missing].map((value) => ({ kind: 'set-iommu-property' as const, iommuId: u.id, property: 'caps', value })),
        });
      }
    }
    return out;
  },
};

/** The capability of the other Arm SMMU generation that a unit probably meant (SMMUv2 coherent walk vs SMMUv3 coherency). */
const MEANT: Partial<Record<string, Partial<Record<Iommu['driver'], string>>>> = {
  'coherent-walk': { 'arm-smmu-v3': 'coherent' },
  coherent: { 'arm-smmu': 'coherent-walk' },
};

/**
 * MDL012: a unit lists a capability its driver does not have (IOMMU_CAPS[].drivers): `snoop-control` on an AMD unit,
 * SMMUv2 `coherent-walk` on an SMMUv3 unit. The simulation of that driver never reads it, so an answer the user expects
 * from it (e.g. IOMMU_CAP_CACHE_COHERENCY from `coherent-walk` on SMMUv3, CC001) does not follow.
 */
const capOfOtherDriver: Rule = {
  meta: {
    code: 'MDL012',
    title: 'Capability of another IOMMU driver',
    summary:
      'A unit lists a capability that its driver does not have (for example `coherent-walk`, an SMMU v1/v2 feature, on an `arm-smmu-v3` unit, or `snoop-control`, an Intel ECAP bit, on an `amd-vi` unit). The simulation of that driver does not read it, so it changes nothing.',
    defaultSeverity: 'warning',
    kernel: [
      { rule: 'IOMMU-CC-02', source: 'intel/iommu.c:intel_iommu_capable, amd/iommu.c:amd_iommu_capable, arm-smmu-v3.c:arm_smmu_capable, arm-smmu.c:arm_smmu_capable', versions: 'all' },
    ],
    fix: 'Remove the capability, or list the one this driver has (SMMUv3 `coherent` instead of `coherent-walk`, SMMU v1/v2 `coherent-walk` instead of `coherent`). With several, the preferred quick fix replaces each that has a counterpart and removes the others.',
  },
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    for (const h of ctx.topology.hosts) {
      for (const u of h.iommus) {
        if (u.driver === 'none') continue;
        const foreign = IOMMU_CAPS.filter((c) => u[c.field] === true && !c.drivers.includes(u.driver));
        if (!foreign.length) continue;
        const names = foreign.map((c) => c.name);
        // per listed capability, the one of this driver that means the same, when the unit does not list that already
        const insteadOf = foreign.map((c) => {
          const m = MEANT[c.name]?.[u.driver];
          return m !== undefined && u[IOMMU_CAPS.find((x) => x.name === m)!.field] !== true ? m : undefined;
        });
        const meant = insteadOf.filter((m): m is string => m !== undefined);
        const perCap = foreign.map((c, i): FixHint => {
          const instead = insteadOf[i];
          return instead ? { kind: 'replace-iommu-cap', iommuId: u.id, from: c.name, to: instead } : { kind: 'remove-iommu-caps', iommuId: u.id, caps: [c.name] };
        });
        out.push({
          ...finding(
            this.meta,
            u.id,
            `IOMMU ${u.name}: ${names.map((n) => `'${n}'`).join(', ')} ${names.length === 1 ? 'is not a capability' : 'are not capabilities'} of ${u.driver}; ignored${meant.length ? ` (did you mean '${meant.join("', '")}'?)` : ''}`,
            `${foreign.map((c) => `\`${c.name}\` is read for ${c.drivers.join(' and ')} units only`).join('; ')}. The ${u.driver} driver has no such capability, so the simulation of this unit does not read ${names.length === 1 ? 'it' : 'them'}: an answer you expect from ${names.length === 1 ? 'it' : 'them'} (IOMMU_CAP_CACHE_COHERENCY, enforce_cache_coherency, interrupt remapping) does not follow.${meant.length ? ` The ${u.driver} capability of that meaning is \`${meant.join('`, `')}\`.` : ''}`,
          ),
          // per listed capability: the one of this driver that means the same in its place, when there is one; else out
          // (from every caps line). With several, first one fix for all of them: each replaced where it can be (the
          // claim stays, in this driver's word) and the rest taken out, then all taken out, then each alone
          fixes: [...(foreign.length > 1 ? [...(meant.length ? [{ kind: 'all-of' as const, fixes: perCap }] : []), { kind: 'remove-iommu-caps' as const, iommuId: u.id, caps: names }] : []), ...perCap],
        });
      }
    }
    return out;
  },
};

export const MODEL_RULES: Rule[] = [invalidBdf, duplicateBdf, busMismatch, strayVirtualFunction, vmHost, foreignDevice, bootTranslationOff, bootRemappingOff, msiContradictsCaps, capsContradictRegisters, capOfOtherDriver];
