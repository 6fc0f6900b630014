/**
 * Lowering: Langium AST (possibly incomplete, mid-typing) → the core {@link Topology}.
 *
 * Invariants:
 * - Never throws. Every AST field may be undefined after error recovery; missing or unknown values become
 *   `undefined` in the model (the validator reports them with a location).
 * - Translates only. Kernel behaviour (defaults, derivations) stays in `src-core`.
 * - Element ids are stable for a given text: `h:<host>`, `i:<host>/<iommu>`, `d:<host>/<device>`, `v:<vm>`,
 *   `w:<vm>/<hwpt>`. Duplicated names get a `#n` suffix so ids stay unique.
 */
import { type AstNode } from 'langium';
import { hasKeyword } from '../language/cst-lookup.js';
import { VTD_BITS, vtdBit } from '../../../src-core/src/caps/vtd-registers.js';
import { hexDigitValue, parseBdf } from '../../../src-core/src/bdf.js';
import { repairBdf } from './bdf-text.js';
import { parseKernelVersion } from '../../../src-core/src/kernel-version.js';
import { kvmVfioDefault } from '../../../src-core/src/vm/vmm.js';
import type {
  AcsCapability,
  AcsFlagName,
  Arch,
  Host as CoreHost,
  Hwpt as CoreHwpt,
  Iommu as CoreIommu,
  IommuDriver,
  MsiController,
  PciDevice as CorePciDevice,
  PciKind,
  Topology,
  VfioBackend,
  Vm as CoreVm,
} from '../../../src-core/src/model.js';
import { ACS } from '../../../src-core/src/model.js';
import {
  ACS_FLAGS,
  ARCHES,
  FIRMWARE_KINDS,
  IOMMU_CAPS,
  IOMMU_DRIVERS,
  MSI_CONTROLLERS,
  PCI_KINDS,
  PGTABLE_FORMATS,
  DOMAIN_TYPES,
  VFIO_BACKENDS,
  KVM_VFIO_ADD_ORDERS,
  termNames,
  type Term,
} from '../../../src-core/src/vocabulary.js';
import {
  type BackendProp,
  type Document,
  type Host,
  type IdProp,
  type IommuDriverProp,
  type KvmVfioAddProp,
  type Iommu,
  type PciDevice,
  type Vm,
  isAcsOverrideSetting,
  isArchSetting,
  isAssignProp,
  isBackendProp,
  isCmdlineSetting,
  isFirmwareSetting,
  isGuestNoSnoopProp,
  isHost,
  isHwptDecl,
  isIommu,
  isIommuCapsProp,
  isIommuDriverProp,
  isIommuMsiProp,
  isIommuPgtableProp,
  isIommuRegisterProp,
  isKernelSetting,
  isKvmVfioProp,
  isKvmVfioAddProp,
  isModuleParam,
  isPciDevice,
  isVm,
  isVmmProp,
} from '../language/generated/ast.js';
import { isStrayWord } from '../language/stray-words.js';

/** Result of lowering: the model and the two-way mapping between model ids and AST nodes. */
export interface Lowered {
  topology: Topology;
  nodeOf: Map<string, AstNode>;
  idOf: Map<AstNode, string>;
  /**
   * device id → device and its host (for O(1) lookups in hovers, inlay hints, quick fixes and the CLI's JSON
   * report). Built on first read: validation does not use it, so a keystroke's diagnostics do not wait for it.
   */
  readonly deviceById: Map<string, { device: CorePciDevice; host: CoreHost }>;
  /**
   * Hosts lowered with a placeholder where the text has no valid value the simulation depends on: host id → what
   * is missing ({@link HeldBack}). Validation holds back the simulator's diagnostics for these hosts (SYN003) instead
   * of reporting consequences of the placeholder. Empty for a well-formed file.
   */
  heldBack: ReadonlyMap<string, HeldBack>;
}

/** Why one host's simulation is held back (SYN003); each name once, in text order. */
export interface HeldBack {
  /** IOMMU units whose `driver` is not a known driver (SYN002): lowered as `none` (every device behind them would look untranslated). */
  units: string[];
  /**
   * IOMMU units with no driver: no `driver` line (not typed yet, or lost to a parse error such as `diver amd-vi`), or
   * one without a value (a parse error). Lowered as `none`, like {@link HeldBack.units}, but there is no SYN002.
   */
  noDriver: string[];
  /** Devices whose kind is not a known kind (SYN002): lowered as `endpoint` (a mistyped bridge would regroup everything below it). */
  devices: string[];
  /**
   * Unknown capabilities, MSI controllers and page-table formats of IOMMU units (SYN002), as `'<value>' of IOMMU
   * '<unit>'`: lowered as absent (a mistyped `interrupt-remapping` would make every group lack MSI isolation).
   */
  values: string[];
  /**
   * Lines the parser could not read (SYN000), as `'<line>' in device '<name>'` (or `in host '<name>'`, `in IOMMU
   * '<name>'`), which the simulation would otherwise run without. In a host or device: a mistyped property or member
   * word followed by its value (`immu dmar0`, `drivr vfio-pci`), which parses as a device without `at` (a stray word)
   * and is not lowered (a lost `iommu dmar0` would leave its device untranslated). In a unit with a known driver: a
   * line a parser error stands on (`cps interrupt-remapping`, `caps` without a value; a lost `caps` line would read
   * as a unit without interrupt remapping).
   */
  lines: string[];
  /**
   * `iommu` lines of devices that name no unit of the host (REF001), as `'<name>' of device '<device>'`: lowered as
   * absent, which would leave the device untranslated (VIA005) or, on a host with one active unit, translated by it.
   */
  references: string[];
  /**
   * IOMMU units whose capabilities are `unknown` (`caps unknown`, e.g. imported from lspci alone): read as absent,
   * every group would lack interrupt remapping and snoop control.
   */
  capsUnknown: string[];
  /** A `kernel` line whose version is malformed (SYN001), as written: the host would be simulated with an assumed kernel. */
  kernel: string[];
  /**
   * Malformed `secondary-bus` numbers and `dma-alias` devfns (SYN005), as `'<value>' of device '<name>'`: left out, a
   * bridge's children would look misplaced (MDL002) and a device's DMA aliases would not join its iommu_group.
   */
  numbers: string[];
  /** The host has no name (a parse error, SYN000): its findings could only be shown as `host ?`. */
  unnamed: boolean;
}

/** Parse the DSL booleans (`yes/no/on/off/true/false`); anything else → undefined. */
export function parseBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (['yes', 'on', 'true'].includes(text)) return true;
  if (['no', 'off', 'false'].includes(text)) return false;
  return undefined;
}

function term<T extends string>(terms: Term<T>[], value: string | undefined): T | undefined {
  return value !== undefined && termNames(terms).has(value) ? (value as T) : undefined;
}

/**
 * A single-valued line whose value the lowering below leaves out, keeping the line before: a malformed `id` (SYN004),
 * an unknown `backend`, `kvm-vfio-add` order or IOMMU `driver` (SYN002). The validator's REF005 (a line set twice)
 * does not count it, as the model does not see it.
 */
export function leftOutByLowering(n: AstNode): boolean {
  switch (n.$type) {
    case 'IdProp':
      return !isPciId((n as IdProp).ids);
    case 'BackendProp':
      return term(VFIO_BACKENDS, (n as BackendProp).backend) === undefined;
    case 'KvmVfioAddProp':
      return term(KVM_VFIO_ADD_ORDERS, (n as KvmVfioAddProp).order) === undefined;
    case 'IommuDriverProp':
      return term(IOMMU_DRIVERS, (n as IommuDriverProp).driver) === undefined;
    default:
      return false;
  }
}

/** Device kinds by name (looked up once per device). */
const PCI_KIND_NAMES = termNames(PCI_KINDS);

/** `vvvv:dddd`: four hex digits on each side (the grammar's PCIID token takes any number; SYN004 reports the rest). */
export function isPciId(text: string | undefined): text is string {
  return text !== undefined && /^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/.test(text);
}

/** Parse a hex (`0x1a`) or decimal integer; undefined on garbage. */
export function parseNumber(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return text;
  if (!text) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A bus number as `secondary-bus` takes it: hex, as lspci and sysfs print it, with or without `0x` (`10` is bus
 * 0x10, `1a`, `0x1a`), 00–ff; undefined otherwise (SYN005).
 */
export function parseBusNumber(text: string): number | undefined {
  const m = /^(?:0x)?([0-9a-f]{1,2})$/i.exec(text);
  return m ? parseInt(m[1], 16) : undefined;
}

/**
 * A devfn as `dma-alias` takes it, `dd.f` with a hex slot (00–1f) and a function (0–7), as in a BDF (`0a.0`,
 * `1f.7`); the devfn `slot << 3 | function`, or undefined (SYN005).
 */
export function parseDevfn(text: string): number | undefined {
  const m = /^([0-9a-f]{1,2})\.([0-7])$/i.exec(text);
  if (!m) return undefined;
  const slot = parseInt(m[1], 16);
  return slot <= 0x1f ? (slot << 3) | Number(m[2]) : undefined;
}

/**
 * The hex number in `text[start, end)` (digits only, no `0x`); undefined when the range is empty or holds a
 * non-hex character. Reads the characters in place, so splitting `vvvv:dddd` allocates nothing.
 */
function hexField(text: string, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  // beyond 13 digits a running `n * 16 + d` could round differently from parseInt
  if (end - start > 13) {
    const part = text.slice(start, end);
    return /^[0-9a-f]+$/i.test(part) ? parseInt(part, 16) : undefined;
  }
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = hexDigitValue(text.charCodeAt(i));
    if (d < 0) return undefined;
    n = n * 16 + d;
  }
  return n;
}

/**
 * Field `k` (0 or 1) of `vvvv:dddd` read as hex: the text before the first `:`, or between the first and
 * a second `:`, as `text.split(':')[k]` would give it; a missing or non-hex field is undefined.
 */
function hexPart(text: string | undefined, k: 0 | 1): number | undefined {
  if (!text) return undefined;
  const colon = text.indexOf(':');
  if (k === 0) return hexField(text, 0, colon < 0 ? text.length : colon);
  if (colon < 0) return undefined;
  const next = text.indexOf(':', colon + 1);
  return hexField(text, colon + 1, next < 0 ? text.length : next);
}

/** ACS flag bits by upper-case name. */
const ACS_BITS: ReadonlyMap<string, number> = new Map(ACS_FLAGS.map((t) => [t.name, ACS[t.name as AcsFlagName]]));

/** OR of the named ACS flags (names in any case; unknown names are ignored, SYN002 reports them). */
function acsMask(names: string[] | undefined): number {
  let mask = 0;
  if (!names) return mask;
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    mask |= ACS_BITS.get(n) ?? ACS_BITS.get(n.toUpperCase()) ?? 0;
  }
  return mask;
}

/**
 * Lower the given documents (the main document first, then its imports) into one topology.
 * Hosts and VMs from all documents are included; ids of elements in imported documents are the same as
 * when those documents are lowered alone.
 */
export function lowerDocuments(roots: Document[]): Lowered {
  const nodeOf = new Map<string, AstNode>();
  const idOf = new Map<AstNode, string>();
  const register = (base: string, node: AstNode): string => {
    let id = base;
    for (let n = 2; nodeOf.has(id); n++) id = `${base}#${n}`;
    nodeOf.set(id, node);
    idOf.set(node, id);
    return id;
  };
  const topology: Topology = { hosts: [], vms: [] };
  const hostsSeen = new Set<Host>();
  const heldBack = new Map<string, HeldBack>();
  // each name once per host, however many unknown `driver` lines (or same-named units) it has: SYN003 lists them
  const hold: Hold = (hostId, what, name) => {
    let h = heldBack.get(hostId);
    if (!h) heldBack.set(hostId, (h = { units: [], noDriver: [], devices: [], values: [], lines: [], references: [], capsUnknown: [], kernel: [], numbers: [], unnamed: false }));
    if (what === 'unnamed') h.unnamed = true;
    else if (!h[what].includes(name)) h[what].push(name);
  };

  for (const root of roots) {
    const errors = parserErrorsAt(root);
    for (const el of root?.elements ?? []) {
      if (isHost(el) && !hostsSeen.has(el)) {
        hostsSeen.add(el);
        topology.hosts.push(lowerHost(el, register, hold, errors));
      }
    }
  }
  for (const root of roots) {
    for (const el of root?.elements ?? []) {
      // a VM without a name (a parse error, SYN000) is not simulated: its findings could only say `VM ?`
      if (isVm(el) && el.name !== undefined) topology.vms.push(lowerVm(el, register, idOf, roots));
    }
  }
  let deviceById: Map<string, { device: CorePciDevice; host: CoreHost }> | undefined;
  return {
    topology,
    nodeOf,
    idOf,
    heldBack,
    get deviceById() {
      if (!deviceById) {
        deviceById = new Map();
        for (const host of topology.hosts) for (const device of host.devices) deviceById.set(device.id, { device, host });
      }
      return deviceById;
    },
  };
}

/** A parser error that stands on a token of the text: its document offset and the token's text. */
interface ParserErrorAt {
  offset: number;
  image: string;
}

/**
 * The parser errors of `root`'s document that stand on a token of the text, by offset; tokens that chevrotain's
 * recovery inserted have no offset. Empty for a file without parse errors.
 */
function parserErrorsAt(root: Document | undefined): ParserErrorAt[] {
  const errors = root?.$document?.parseResult.parserErrors;
  if (!errors?.length) return NO_ERRORS;
  const out: ParserErrorAt[] = [];
  for (const e of errors) if (Number.isFinite(e.token.startOffset) && e.token.startOffset >= 0) out.push({ offset: e.token.startOffset, image: e.token.image });
  return out.sort((a, b) => a.offset - b.offset);
}

const NO_ERRORS: ParserErrorAt[] = [];

/** The words that begin a line of an IOMMU block (the grammar's IOMMU properties; a test compares them with the grammar). */
export const IOMMU_PROPERTY_WORDS: ReadonlySet<string> = new Set(['driver', 'caps', 'msi', 'pgtable', 'cap', 'ecap']);

/**
 * The lines (trimmed) of IOMMU block `node` that the parser could not read, each once, in text order. An error on a
 * word that is not an IOMMU property (`cps interrupt-remapping`) is its own line; an error on a property word or the
 * closing `}` ("expected a capability, found '}'") is about the line before it (`caps` without a value). An error on
 * the block's first token is about what stands before the block and is left out.
 */
function unreadableLines(node: AstNode, errors: readonly ParserErrorAt[]): string[] {
  const cst = node.$cstNode;
  if (!errors.length || !cst) return NO_LINES;
  const text = cst.root.fullText;
  const out: string[] = [];
  for (const e of errors) {
    if (e.offset <= cst.offset || e.offset >= cst.end) continue;
    const ownLine = !IOMMU_PROPERTY_WORDS.has(e.image) && e.image !== '}';
    const line = lineAt(text, ownLine ? e.offset : text.lastIndexOf('\n', e.offset - 1) - 1, cst.offset);
    if (line && !out.includes(line)) out.push(line);
  }
  return out;
}

const NO_LINES: string[] = [];

/**
 * The line of `text` that holds offset `at`, trimmed, or the nearest non-blank line before it if that one is blank;
 * empty if there is none from offset `from` on.
 */
function lineAt(text: string, at: number, from: number): string {
  for (let end = at; end >= from; ) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const nl = text.indexOf('\n', end);
    const line = text.slice(start, nl < 0 ? text.length : nl).trim();
    if (line) return line;
    end = start - 2;
  }
  return '';
}

type Register = (base: string, node: AstNode) => string;
/**
 * Records why host `hostId` is held back ({@link HeldBack}): an IOMMU unit without a known driver, a device of unknown
 * kind, an unreadable line (`name` is the entry's text), or no name (`what` = `unnamed`, `name` unused).
 */
type Hold = (hostId: string, what: keyof HeldBack, name: string) => void;

function lowerHost(h: Host, register: Register, hold: Hold, errors: readonly ParserErrorAt[]): CoreHost {
  const hostId = register(`h:${h.name ?? '?'}`, h);
  const host: CoreHost = { id: hostId, name: h.name ?? '?', params: {}, iommus: [], devices: [] };
  const hostKey = hostId.slice(2);
  if (h.name === undefined) hold(hostId, 'unnamed', '');
  // IOMMUs first so device references can be mapped.
  for (const m of h.members ?? []) {
    if (isIommu(m)) host.iommus.push(lowerIommu(m, hostId, register, hold, errors));
  }
  for (const m of h.members ?? []) {
    if (isKernelSetting(m)) {
      host.kernel = m.version ? parseKernelVersion(String(m.version)) : undefined;
      // a malformed version (SYN001, `kernel 6`): simulated as no kernel, every answer would assume the default one
      if (m.version !== undefined && !host.kernel) hold(hostId, 'kernel', String(m.version));
    }
    else if (isArchSetting(m)) host.arch = term(ARCHES, m.arch) as Arch | undefined;
    else if (isFirmwareSetting(m)) host.firmware = term(FIRMWARE_KINDS, m.kind);
    // the value as Langium's STRING conversion gives it (quotes off, escapes resolved): a command line that is quoted
    // as a whole (`cmdline "\"intel_iommu=off\""`) keeps those quotes, as the kernel sees them
    else if (isCmdlineSetting(m)) host.cmdline = m.value ?? '';
    else if (isModuleParam(m)) {
      if (m.name && m.value !== undefined) {
        // the last line wins, also over another spelling of the same parameter (`vfio-pci.` / `vfio_pci.`): its key goes
        // last, and the simulator merges spellings in key order (REF004 reports the earlier lines)
        if (m.name in host.params) delete host.params[m.name];
        host.params[m.name] = unquote(String(m.value));
      }
    } else if (isAcsOverrideSetting(m)) host.acsOverridePatch = parseBool(m.value);
    else if (isPciDevice(m)) lowerDevice(m, undefined, hostKey, host, register, hold);
  }
  return host;
}

function unquote(s: string | undefined): string {
  if (s === undefined) return '';
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    try {
      return JSON.parse(s) as string;
    } catch {
      return s.slice(1, -1);
    }
  }
  return s;
}

function lowerIommu(i: Iommu, hostId: string, register: Register, hold: Hold, errors: readonly ParserErrorAt[]): CoreIommu {
  const id = register(`i:${hostId.slice(2)}/${i.name ?? '?'}`, i);
  const unit: CoreIommu = { id, name: i.name ?? '?', driver: 'none' };
  let driverSet = false;
  let capsUnknown = false;
  for (const p of i.props ?? []) {
    if (isIommuDriverProp(p)) {
      const d = term(IOMMU_DRIVERS, p.driver) as IommuDriver | undefined;
      if (d) {
        unit.driver = d;
        driverSet = true;
      } else hold(hostId, p.driver === undefined ? 'noDriver' : 'units', unit.name);
    } else if (isIommuCapsProp(p)) {
      for (const c of p.caps ?? []) {
        if (c === 'unknown') {
          hold(hostId, 'capsUnknown', unit.name);
          capsUnknown = true;
          continue;
        }
        const cap = IOMMU_CAPS.find((t) => t.name === c);
        if (cap) (unit as unknown as Record<string, unknown>)[cap.field] = true;
        else if (c !== undefined) hold(hostId, 'values', `'${c}' of IOMMU '${unit.name}'`);
      }
    } else if (isIommuMsiProp(p)) {
      unit.msi = term(MSI_CONTROLLERS, p.controller) as MsiController | undefined;
      if (p.controller !== undefined && !unit.msi) hold(hostId, 'values', `'${p.controller}' of IOMMU '${unit.name}'`);
    } else if (isIommuPgtableProp(p)) {
      unit.pgtable = term(PGTABLE_FORMATS, p.format);
      if (p.format !== undefined && !unit.pgtable) hold(hostId, 'values', `'${p.format}' of IOMMU '${unit.name}'`);
    }
    else if (isIommuRegisterProp(p)) {
      try {
        const v = p.value ? BigInt(p.value) : undefined;
        if (p.register === 'cap') unit.rawCap = v;
        else unit.rawEcap = v;
      } catch {
        /* malformed hex: the validator reports it */
      }
    }
  }
  // no `driver` line at all (not written yet, or lost to a parse error such as `diver amd-vi`): a placeholder too
  if (!driverSet && !(i.props ?? []).some(isIommuDriverProp)) hold(hostId, 'noDriver', unit.name);
  // a line of a unit with a driver that the parser could not read (`cps interrupt-remapping`): the unit would be
  // simulated without it (a lost `caps` line makes every group lack interrupt remapping); a unit without a known
  // driver is held back for that already, and is simulated as translating nothing
  if (driverSet) for (const line of unreadableLines(i, errors)) hold(hostId, 'lines', `'${line}' in IOMMU '${unit.name}'`);
  // `caps unknown`: the findings that read capabilities are held back (SYN003); for the others (grouping, DMA
  // ownership, which need the VM to start) the unit is taken as a capable one, so a start does not fail on a guess
  if (driverSet && capsUnknown) {
    // only what this driver reads (IOMMU_CAPS[].drivers): a capability of other hardware would be MDL012
    const rec = unit as unknown as Record<string, unknown>;
    for (const cap of IOMMU_CAPS) if (cap.field in CAPABLE_UNIT && cap.drivers.includes(unit.driver)) rec[cap.field] = CAPABLE_UNIT[cap.field];
  }
  // An Intel unit with register values and no `caps` line: its capabilities from the registers, as `iommu-topo import`
  // decodes them (CAP-VTD-02/03; scalable mode is only supported there, so it stays off); MDL009 checks a caps line
  // against them
  if (driverSet && unit.driver === 'intel-vtd' && (unit.rawEcap !== undefined || unit.rawCap !== undefined) && !(i.props ?? []).some(isIommuCapsProp)) {
    for (const b of VTD_BITS) if (b.field !== 'scalableMode') unit[b.field] = vtdBit(unit, b);
    unit.capsFromRegisters = true;
  }
  // Caps listed on a unit are definitive: an Intel unit without `snoop-control` has ECAP.SC = 0.
  if (driverSet) {
    for (const cap of IOMMU_CAPS) {
      const rec = unit as unknown as Record<string, unknown>;
      if (rec[cap.field] === undefined) rec[cap.field] = false;
    }
  }
  return unit;
}

/** A BDF as typed, read leniently ({@link repairBdf}: `65:0.0`, `0000:065:00.0`); undefined if unreadable. */
function lenientBdf(text: string) {
  const repaired = repairBdf(text);
  return repaired ? parseBdf(repaired) : undefined;
}

/** What a unit with `caps unknown` is taken to have for the findings that do not read capabilities. */
const CAPABLE_UNIT: Partial<CoreIommu> = { snoopControl: true, interruptRemapping: true, passthrough: true, coherent: true, coherentWalk: true, canwbs: true, cachingMode: false };

function lowerDevice(d: PciDevice, parent: CorePciDevice | undefined, hostKey: string, host: CoreHost, register: Register, hold: Hold): void {
  // A BDF that cannot be read even leniently (BDF001) leaves the device and its subtree out of the model:
  // inventing an address would produce false findings (e.g. a duplicate of 0000:00:00.0).
  const known = d.kind !== undefined && PCI_KIND_NAMES.has(d.kind);
  // a stray word (`immu dmar0`: a mistyped property and its value, SYN000) is a lost line of the block it stands in
  if (d.kind !== undefined && !known && isStrayWord(d)) {
    hold(host.id, 'lines', `'${d.kind}${d.name === undefined ? '' : ` ${d.name}`}' in ${parent ? `device '${parent.name}'` : `host '${host.name}'`}`);
    return;
  }
  const bdf = d.bdf ? (parseBdf(d.bdf) ?? lenientBdf(d.bdf)) : undefined;
  if (!bdf) return;
  const id = register(`d:${hostKey}/${d.name ?? '?'}`, d);
  if (d.kind !== undefined && !known) hold(host.id, 'devices', d.name ?? '?');
  // Every field is present from the start (undefined = not stated, as when absent), so all devices share
  // one object shape and the simulator's property reads stay monomorphic.
  const dev: CorePciDevice = {
    id,
    name: d.name ?? '?',
    bdf,
    kind: known ? (d.kind as PciKind) : 'endpoint',
    parentId: parent?.id,
    secondaryBus: undefined,
    vendorId: undefined,
    deviceId: undefined,
    subsystemVendorId: undefined,
    subsystemDeviceId: undefined,
    classCode: undefined,
    multifunction: undefined,
    acs: undefined,
    noSnoop: undefined,
    dmaCoherent: undefined,
    driver: undefined,
    iommuId: undefined,
    observedGroup: undefined,
    observedDomainType: undefined,
    isVirtualFunction: undefined,
    dmaAliasDevfns: undefined,
    requiresDirectMapping: undefined,
    untrusted: undefined,
    pchAcsQuirkFailed: undefined,
  };
  // a switch on $type: this loop runs for every property of every device (reflection checks cost more)
  for (const p of d.props ?? []) {
    switch (p.$type) {
      case 'IdProp': {
        // a malformed ID (SYN004, e.g. `a0a` for `a80a`) is left out: read as a number it would name another device
        if (!isPciId(p.ids)) break;
        dev.vendorId = hexPart(p.ids, 0);
        dev.deviceId = hexPart(p.ids, 1);
        if (p.subsystem && isPciId(p.subsystem)) {
          dev.subsystemVendorId = hexPart(p.subsystem, 0);
          dev.subsystemDeviceId = hexPart(p.subsystem, 1);
        }
        break;
      }
      case 'ClassProp':
        dev.classCode = parseNumber(p.code);
        break;
      case 'MultifunctionProp':
        dev.multifunction = p.value === undefined ? true : parseBool(p.value);
        break;
      case 'AcsProp':
        if (p.none) dev.acs = null;
        else {
          const acs: AcsCapability = { cap: acsMask(p.cap), ctl: acsMask(p.ctl) };
          // `firmware-ctl` with no flag is stated too: firmware enabled nothing (as `ctl` with none is a Control of 0)
          if (p.firmwareCtl?.length || hasKeyword(p.$cstNode, 'firmware-ctl')) acs.firmwareCtl = acsMask(p.firmwareCtl ?? []);
          dev.acs = acs;
        }
        break;
      case 'NoSnoopProp':
        dev.noSnoop = parseBool(p.value);
        break;
      case 'DmaCoherentProp':
        dev.dmaCoherent = parseBool(p.value);
        break;
      case 'DriverProp':
        dev.driver = p.unbound ? null : p.driver;
        break;
      case 'DeviceIommuProp': {
        const target = p.iommu?.ref;
        dev.iommuId = host.iommus.find((i) => i.name === target?.name)?.id;
        // a name that resolves to no unit of this host (REF001; a unit of another host resolves nowhere here either)
        if (dev.iommuId === undefined && p.iommu?.$refText) hold(host.id, 'references', `'${p.iommu.$refText}' of device '${dev.name}'`);
        break;
      }
      case 'ObservedGroupProp':
        dev.observedGroup = p.group;
        break;
      case 'ObservedDomainProp':
        // an unknown value is SYN002 (value-slots); it compares with nothing
        dev.observedDomainType = term(DOMAIN_TYPES, p.domainType);
        break;
      case 'SecondaryBusProp': {
        // a malformed number (SYN005) would misplace the bridge's children (MDL002) and its aliases
        const bus = p.bus === undefined ? undefined : parseBusNumber(String(p.bus));
        if (bus !== undefined) dev.secondaryBus = bus;
        else if (p.bus !== undefined) hold(host.id, 'numbers', `'${p.bus}' of device '${dev.name}'`);
        break;
      }
      case 'VirtualFunctionProp':
        dev.isVirtualFunction = true;
        break;
      case 'DmaAliasProp': {
        // a malformed devfn (SYN005) left out would shrink the device's iommu_group: hold the host back instead
        const devfns: number[] = [];
        for (const t of p.devfns ?? []) {
          const devfn = parseDevfn(String(t));
          if (devfn !== undefined) devfns.push(devfn);
          else hold(host.id, 'numbers', `'${t}' of device '${dev.name}'`);
        }
        // `dma-alias` lines add up, as one list
        dev.dmaAliasDevfns = dev.dmaAliasDevfns ? [...dev.dmaAliasDevfns, ...devfns] : devfns;
        break;
      }
      case 'DirectMappingProp':
        dev.requiresDirectMapping = true;
        break;
      case 'UntrustedProp':
        dev.untrusted = true;
        break;
    }
  }
  host.devices.push(dev);
  for (const c of d.children ?? []) lowerDevice(c, dev, hostKey, host, register, hold);
}

function lowerVm(v: Vm, register: Register, idOf: Map<AstNode, string>, roots: Document[]): CoreVm {
  const id = register(`v:${v.name ?? '?'}`, v);
  let hostNode: Host | undefined = v.host?.ref;
  if (!hostNode && !v.host) {
    const hosts = roots.flatMap((r) => (r?.elements ?? []).filter(isHost));
    if (hosts.length === 1) hostNode = hosts[0];
  }
  const vm: CoreVm = {
    id,
    name: v.name ?? '?',
    hostId: (hostNode && idOf.get(hostNode)) ?? '',
    backend: 'vfio-type1',
    kvmVfio: true,
    kvmVfioFrom: 'stated',
    assignedIds: [],
    hwpts: [],
  };
  let kvmVfioStated = false;
  const deviceId = (ref: { ref?: PciDevice } | undefined) => (ref?.ref ? idOf.get(ref.ref) : undefined);
  for (const p of v.props ?? []) {
    if (isVmmProp(p)) vm.vmm = p.vmm;
    else if (isBackendProp(p)) {
      const b = term(VFIO_BACKENDS, p.backend) as VfioBackend | undefined;
      if (b) vm.backend = b;
    } else if (isKvmVfioProp(p)) {
      vm.kvmVfio = parseBool(p.value) ?? true;
      kvmVfioStated = true;
    }
    else if (isKvmVfioAddProp(p)) {
      // an unknown value is SYN002 (value-slots); it leaves the default (after the container)
      const order = term(KVM_VFIO_ADD_ORDERS, p.order);
      if (order) vm.kvmVfioAddBeforeContainer = order === 'before-container';
    } else if (isGuestNoSnoopProp(p)) vm.guestNoSnoop = parseBool(p.value);
    else if (isAssignProp(p)) {
      for (const r of p.devices ?? []) {
        const did = deviceId(r);
        if (did && !vm.assignedIds.includes(did)) vm.assignedIds.push(did);
      }
    } else if (isHwptDecl(p)) {
      const hw: CoreHwpt = { id: register(`w:${id.slice(2)}/${p.name ?? '?'}`, p), name: p.name ?? '?', deviceIds: [] };
      for (const r of p.devices ?? []) {
        const did = deviceId(r);
        if (did) {
          hw.deviceIds.push(did);
          if (!vm.assignedIds.includes(did)) vm.assignedIds.push(did);
        }
      }
      vm.hwpts.push(hw);
    }
  }
  // no kvm-vfio line: what the VMM is known to do, or an assumption (src-core vm/vmm.ts decides, KVM006 reports it)
  if (!kvmVfioStated) {
    const d = kvmVfioDefault(vm.vmm);
    vm.kvmVfio = d.kvmVfio;
    vm.kvmVfioFrom = d.from;
  }
  return vm;
}
