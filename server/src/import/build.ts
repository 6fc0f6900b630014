/**
 * Shared steps of the sysfs and capture importers: turn one raw PCI function (IDs, config bytes, links) into an
 * {@link ImportedDevice}, infer what must be inferred (with a comment), give devices readable unique names, and
 * finish the host (IOMMU interrupt-remapping from /proc/interrupts, group-type summary).
 */
import { formatBdf, parseBdf } from '../../../src-core/src/bdf.js';
import type { Bdf, PciKind } from '../../../src-core/src/model.js';
import { decodeConfigSpace, kindForPcieType, type ConfigSpaceFacts } from './config-space.js';
import type { InterruptFacts } from './interrupts.js';
import { ImportError, type ImportedDevice, type ImportedHost, type ImportWarning } from './types.js';

/** One PCI function as read from sysfs or a capture, before decoding. */
export interface RawPciFunction {
  bdf: Bdf;
  /**
   * Canonical BDF of the parent bridge (from the sysfs realpath chain, SYSFS-PCI-01), or of the PF for a virtual
   * function whose PF was read; undefined = root bus.
   */
  parent?: string;
  /** Where the facts came from (a sysfs directory or `file:line`), for messages. */
  source: string;
  /** Line in `file` for located errors (capture format). */
  sourceFile: string;
  sourceLine?: number;
  vendorId?: number;
  deviceId?: number;
  classCode?: number;
  subsystemVendorId?: number;
  subsystemDeviceId?: number;
  /** Config-space image as read (64 bytes for non-root sysfs reads). */
  config?: Uint8Array;
  /** Size the device reports for `config` (256 or 4096, SYSFS-PCI-02). */
  cfgSize?: number;
  driver?: string | null;
  group?: number;
  /** Its group's `/sys/kernel/iommu_groups/<N>/type` (DOM-TYPE-01), when read. */
  domainType?: string;
  iommu?: string;
  virtualFunction?: boolean;
  /** Canonical BDF of the VF's physical function (sysfs `physfn` link). */
  physfn?: string;
  /**
   * Set when the function's iommu_group lists a `direct` reserved region (DOM-RESV-01); the text says which range
   * and whether the group has other members (sysfs shows the union over the group, not the owner).
   */
  directMapping?: string;
  /** sysfs type hints usable without root (SYSFS-PCI-01): link attributes exist only for PCIe devices. */
  isPcieHint?: boolean;
  /** `secondary_bus_number` / `subordinate_bus_number` exist only for bridges. */
  secondaryBusHint?: number;
  subordinateBusHint?: number;
}

const DSL_ID = /^[_a-zA-Z][\w-]*$/;

/** True when `s` is a valid DSL identifier (`[_a-zA-Z][\w-]*`). */
export function isDslId(s: string): boolean {
  return DSL_ID.test(s);
}

/**
 * Decode raw functions into devices, in parent-before-child order (so a kind inferred from the parent, when
 * config space is truncated, sees the parent's kind).
 * @throws ImportError when a config image is unusable (shorter than 64 bytes, vendor 0xffff).
 */
export function buildDevices(raws: RawPciFunction[], warnings: ImportWarning[]): ImportedDevice[] {
  const byBdf = new Map(raws.map((r) => [formatBdf(r.bdf), r]));
  const depth = (r: RawPciFunction): number => {
    let d = 0;
    for (let p = r.parent; p && d < 64; p = byBdf.get(p)?.parent) d++;
    return d;
  };
  const ordered = [...raws].sort((a, b) => depth(a) - depth(b) || cmpBdf(a.bdf, b.bdf));
  const done = new Map<string, ImportedDevice>();
  for (const r of ordered) {
    const dev = buildOne(r, r.parent ? done.get(r.parent) : undefined, warnings);
    done.set(formatBdf(r.bdf), dev);
  }
  return [...done.values()].sort((a, b) => cmpBdf(a.bdf, b.bdf));
}

/** Order BDFs by domain, bus, device, function. */
export function cmpBdf(a: Bdf, b: Bdf): number {
  return a.domain - b.domain || a.bus - b.bus || a.device - b.device || a.fn - b.fn;
}

function buildOne(r: RawPciFunction, parent: ImportedDevice | undefined, warnings: ImportWarning[]): ImportedDevice {
  const bdf = formatBdf(r.bdf);
  let facts: ConfigSpaceFacts | undefined;
  if (r.config) {
    try {
      facts = decodeConfigSpace(r.config, { cfgSize: r.cfgSize });
    } catch (e) {
      throw new ImportError(r.sourceFile, r.sourceLine, `${bdf}: ${(e as Error).message}`);
    }
    if (r.vendorId !== undefined && facts.vendorId !== r.vendorId) {
      throw new ImportError(r.sourceFile, r.sourceLine, `${bdf}: vendor 0x${r.vendorId.toString(16)} disagrees with config space (0x${facts.vendorId.toString(16)})`);
    }
  }
  const dev: ImportedDevice = {
    bdf: r.bdf,
    kind: 'endpoint',
    parent: r.parent,
    vendorId: r.vendorId ?? facts?.vendorId,
    deviceId: r.deviceId ?? facts?.deviceId,
    classCode: r.classCode ?? facts?.classCode,
    subsystemVendorId: r.subsystemVendorId ?? facts?.subsystemVendorId,
    subsystemDeviceId: r.subsystemDeviceId ?? facts?.subsystemDeviceId,
    driver: r.driver,
    iommu: r.iommu,
    observedGroup: r.group,
    observedDomainType: r.domainType,
    virtualFunction: r.virtualFunction || undefined,
    requiresDirectMapping: r.directMapping !== undefined || undefined,
    comments: r.directMapping !== undefined ? [r.directMapping] : [],
  };
  const warn = (code: string, message: string) => warnings.push({ code, message, file: r.source, bdf });
  if (!facts) {
    dev.comments.push('config space not available: PCIe type, ACS and DevCtl unknown');
    warn('NO_CONFIG', `${bdf}: no config space; PCIe type, ACS and No-Snoop unknown`);
  } else {
    for (const p of facts.problems) if (!facts.truncated) warn('CONFIG_PROBLEM', `${bdf}: ${p}`);
    if (facts.truncated) {
      const why = `config space truncated to ${facts.length} bytes${facts.cfgSize ? ` of ${facts.cfgSize}` : ''} (non-root read, SYSFS-PCI-02)`;
      dev.comments.push(`${why}: run as root for PCIe type, ACS and DevCtl`);
      warn('TRUNCATED_CONFIG', `${bdf}: ${why}; ACS/DevCtl unknown`);
    }
  }

  // Kind.
  const isBridgeHeader = facts ? facts.headerLayout === 1 : r.secondaryBusHint !== undefined;
  const classBase = (dev.classCode ?? 0) >> 8;
  if (facts?.pcie) {
    const k = kindForPcieType(facts.pcie.type);
    if (k) dev.kind = k;
    else {
      dev.kind = isBridgeHeader ? 'pci-bridge' : 'endpoint';
      dev.comments.push(`PCIe Device/Port type 0x${facts.pcie.type.toString(16)} is not defined (CFG-PCIE-01); kind chosen from the header type`);
      warn('UNKNOWN_PCIE_TYPE', `${bdf}: unknown PCIe type 0x${facts.pcie.type.toString(16)}`);
    }
  } else if (facts?.pcie === null) {
    dev.kind = conventionalKind(isBridgeHeader, classBase, !dev.parent);
  } else {
    // PCIe type unknown (truncated config): infer, say so.
    const k = inferKind(isBridgeHeader, classBase, r.isPcieHint, parent?.kind, !dev.parent);
    dev.kind = k.kind;
    dev.comments.push(`kind inferred: ${k.why}`);
    warn('KIND_INFERRED', `${bdf}: kind '${k.kind}' inferred (${k.why})`);
  }

  // Header facts (first 64 bytes: readable without root).
  if (facts && r.bdf.fn === 0) dev.multifunction = facts.multifunctionBit;
  if (facts?.bridge) {
    dev.secondaryBus = facts.bridge.secondary;
    dev.subordinateBus = facts.bridge.subordinate;
  } else if (r.secondaryBusHint !== undefined) {
    dev.secondaryBus = r.secondaryBusHint;
    dev.subordinateBus = r.subordinateBusHint;
  }

  // PCIe facts.
  if (facts?.pcie) {
    if (facts.pcie.noSnoop !== undefined) dev.noSnoop = facts.pcie.noSnoop;
    if (facts.acs === null) dev.acs = null;
    else if (facts.acs) {
      dev.acs = { cap: facts.acs.cap, ctl: facts.acs.ctl };
      if (facts.acs.sptLayout) {
        dev.comments.push('Intel SPT/UPT PCH root port: ACS Capability/Control read as dwords (Control at cap+8, CFG-ACS-03); lspci would show a wrong ACSCtl');
      }
    } else if (!facts.truncated) {
      dev.comments.push('ACS unknown: extended config space not captured');
      warn('ACS_UNKNOWN', `${bdf}: extended config space not captured; ACS unknown`);
    }
  }
  return dev;
}

function conventionalKind(bridge: boolean, classBase: number, onRootBus: boolean): PciKind {
  if (bridge) return 'pci-bridge';
  if (classBase === 0x0600 && onRootBus) return 'host-bridge';
  return 'pci-device';
}

function inferKind(bridge: boolean, classBase: number, pcie: boolean | undefined, parentKind: PciKind | undefined, onRootBus: boolean): { kind: PciKind; why: string } {
  if (pcie === false) {
    return { kind: conventionalKind(bridge, classBase, onRootBus), why: 'no PCIe link attributes in sysfs (SYSFS-PCI-01), so conventional PCI' };
  }
  const base = pcie ? 'PCIe (sysfs link attributes exist), port type unknown without full config space' : 'PCIe type unknown without full config space';
  if (bridge) {
    if (onRootBus) return { kind: pcie ? 'root-port' : 'pci-bridge', why: `${base}; bridge on a root bus` };
    if (parentKind === 'root-port' || parentKind === 'switch-downstream') return { kind: 'switch-upstream', why: `${base}; bridge below a ${parentKind}` };
    if (parentKind === 'switch-upstream') return { kind: 'switch-downstream', why: `${base}; bridge below a switch upstream port` };
    return { kind: 'pci-bridge', why: `${base}; bridge below a ${parentKind ?? 'root bus'}` };
  }
  if (classBase === 0x0600 && onRootBus) return { kind: 'host-bridge', why: `${base}; host bridge class on a root bus` };
  if (onRootBus) return { kind: pcie ? 'rciep' : 'pci-device', why: `${base}; function on a root bus` };
  if (parentKind === 'pcie-to-pci-bridge' || parentKind === 'pci-bridge') return { kind: 'pci-device', why: `${base}; below a PCI bridge` };
  return { kind: pcie === undefined ? 'endpoint' : 'endpoint', why: `${base}; function below a PCIe port` };
}

const VIRTIO_NAMES: Record<number, string> = {
  1: 'virtio_net', 2: 'virtio_blk', 3: 'virtio_console', 4: 'virtio_rng', 5: 'virtio_balloon', 8: 'virtio_scsi',
  9: 'virtio_9p', 16: 'virtio_gpu', 18: 'virtio_input', 19: 'virtio_vsock', 23: 'virtio_iommu', 24: 'virtio_mem', 26: 'virtio_fs',
  27: 'virtio_pmem',
};
const LEGACY_VIRTIO: Record<number, number> = { 0x1000: 1, 0x1001: 2, 0x1002: 5, 0x1003: 3, 0x1004: 8, 0x1005: 4, 0x1009: 9 };

/** Class (0xCCSS) → name prefix. */
const CLASS_NAMES: Record<number, string> = {
  0x0100: 'scsi', 0x0101: 'ide', 0x0104: 'raid', 0x0106: 'sata', 0x0107: 'sas', 0x0108: 'nvme', 0x0180: 'storage',
  0x0200: 'nic', 0x0207: 'ib', 0x0280: 'wifi', 0x0300: 'gpu', 0x0302: 'gpu', 0x0380: 'gpu', 0x0401: 'audio', 0x0403: 'audio',
  0x0480: 'media', 0x0500: 'ram', 0x0580: 'memctl', 0x0601: 'isa', 0x0680: 'bridge', 0x0780: 'comm', 0x0700: 'serial',
  0x0806: 'iommu_fn', 0x0880: 'sysperiph', 0x0c03: 'usb', 0x0c05: 'smbus', 0x0c80: 'serialbus', 0x0c0330: 'usb', 0x1180: 'signal',
  0x1200: 'accel', 0x0b40: 'coproc', 0x0d80: 'wireless', 0x1080: 'crypto', 0x0807: 'sysperiph',
};

/** Readable, unique DSL names in BDF order: gpu0, nvme0, nic0, rp_00_01_0, usp_01_00_0, dsp_02_00_0, ... */
export function assignNames(devices: ImportedDevice[]): void {
  const counters = new Map<string, number>();
  const used = new Set<string>();
  const bdfPart = (b: Bdf) => `${b.domain ? `${b.domain.toString(16)}_` : ''}${hex2(b.bus)}_${hex2(b.device)}_${b.fn}`;
  for (const d of [...devices].sort((a, b) => cmpBdf(a.bdf, b.bdf))) {
    if (d.name) {
      used.add(d.name);
      continue;
    }
    let name: string | undefined;
    switch (d.kind) {
      case 'root-port': name = `rp_${bdfPart(d.bdf)}`; break;
      case 'switch-upstream': name = `usp_${bdfPart(d.bdf)}`; break;
      case 'switch-downstream': name = `dsp_${bdfPart(d.bdf)}`; break;
      case 'pcie-to-pci-bridge': case 'pci-to-pcie-bridge': case 'pci-bridge': name = `bridge_${bdfPart(d.bdf)}`; break;
      case 'host-bridge': name = `hostbridge_${bdfPart(d.bdf)}`; break;
      case 'rc-event-collector': name = `rcec_${bdfPart(d.bdf)}`; break;
      default: {
        let prefix: string | undefined;
        if (d.vendorId === 0x1af4 && d.deviceId !== undefined) {
          const t = d.deviceId >= 0x1040 && d.deviceId <= 0x107f ? d.deviceId - 0x1040 : LEGACY_VIRTIO[d.deviceId];
          prefix = t !== undefined ? VIRTIO_NAMES[t] ?? 'virtio' : 'virtio';
        } else if (d.classCode !== undefined) {
          prefix = CLASS_NAMES[d.classCode >> 8];
        }
        if (prefix) {
          if (d.virtualFunction) prefix += '_vf';
          const n = counters.get(prefix) ?? 0;
          counters.set(prefix, n + 1);
          name = `${prefix}${n}`;
        } else name = `dev_${bdfPart(d.bdf)}`;
      }
    }
    let unique = name;
    for (let i = 2; used.has(unique); i++) unique = `${name}_${i}`;
    used.add(unique);
    d.name = unique;
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * Apply the `/proc/interrupts` verdict (CAP-IR-01) to every x86 IOMMU unit: `msi x86-ir` + cap
 * `interrupt-remapping` when remapped vectors are seen, `msi x86-vector` and no IR cap when MSIs are seen and none
 * is remapped. Without the file, IR stays as the registers say and a comment notes it is unverified.
 */
export function applyInterrupts(host: ImportedHost, irq: InterruptFacts | undefined, warnings: ImportWarning[], file?: string): void {
  if (!irq) {
    for (const u of host.iommus) {
      if (u.driver === 'intel-vtd' || u.driver === 'amd-vi') u.comments.push('interrupt remapping not verified: pass --interrupts /proc/interrupts (CAP-IR-01)');
    }
    return;
  }
  const summary = `/proc/interrupts: ${irq.remappedLines} remapped (IR-*) and ${irq.plainLines} non-remapped vector lines (CAP-IR-01)`;
  host.comments.push(summary);
  if (irq.mixed) warnings.push({ code: 'IR_MIXED', message: `${summary}: mixed, some vectors bypass remapping`, file });
  for (const u of host.iommus) {
    if (u.driver !== 'intel-vtd' && u.driver !== 'amd-vi') continue;
    if (irq.remapping === 'enabled') {
      if (!u.caps.includes('interrupt-remapping')) u.caps.push('interrupt-remapping');
      u.msi = 'x86-ir';
    } else if (irq.remapping === 'disabled') {
      if (u.caps.includes('interrupt-remapping')) {
        u.comments.push('the unit supports interrupt remapping (ECAP.IR) but /proc/interrupts shows no remapped vector: not enabled');
        u.caps = u.caps.filter((c) => c !== 'interrupt-remapping');
      }
      u.msi = 'x86-vector';
    }
  }
}

/** Sort DSL capability names in vocabulary order for deterministic output. */
export function sortCaps(caps: string[]): string[] {
  const order = ['snoop-control', 'interrupt-remapping', 'scalable-mode', 'passthrough', 'caching-mode', 'coherent-walk', 'coherent', 'canwbs'];
  return [...new Set(caps)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** Parse a canonical BDF or throw an ImportError located at file:line. */
export function bdfOrThrow(text: string, file: string, line?: number): Bdf {
  const b = parseBdf(text);
  if (!b) throw new ImportError(file, line, `'${text}' is not a PCI address DDDD:BB:DD.F`);
  return b;
}

/** Make a valid, non-keyword DSL identifier from arbitrary text (host names, IOMMU names). */
export function sanitizeId(text: string, fallback: string): string {
  let s = text.replace(/[^\w-]/g, '_');
  if (!s) s = fallback;
  if (!/^[_a-zA-Z]/.test(s)) s = `_${s}`;
  if (KEYWORDS.has(s)) s = `${s}_`;
  return s;
}

/** Grammar keywords (server/src/language/iommu-topology.langium) that cannot be used as names. */
export const KEYWORDS = new Set([
  'import', 'host', 'kernel', 'arch', 'firmware', 'cmdline', 'param', 'acs-override-patch', 'iommu', 'driver', 'none', 'caps', 'msi',
  'pgtable', 'cap', 'ecap', 'at', 'host-bridge', 'root-port', 'switch-upstream', 'switch-downstream', 'pcie-to-pci-bridge',
  'pci-to-pcie-bridge', 'pci-bridge', 'endpoint', 'legacy-endpoint', 'rciep', 'rc-event-collector', 'pci-device', 'id', 'subsystem',
  'class', 'multifunction', 'acs', 'ctl', 'firmware-ctl', 'no-snoop', 'dma-coherent', 'observed-group', 'observed-domain', 'secondary-bus',
  'virtual-function', 'dma-alias', 'requires-direct-mapping', 'untrusted', 'vm', 'on', 'vmm', 'backend', 'kvm-vfio', 'guest-no-snoop',
  'assign', 'hwpt', 'attach', 'yes', 'no', 'off', 'true', 'false',
]);
