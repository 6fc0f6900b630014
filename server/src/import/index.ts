/**
 * `iommu-topo import`: write a `.iommu` host description from a real machine.
 *
 * Entry points (all synchronous, dependency-free apart from node:fs/node:path; they never print):
 * - {@link importFromSysfs}: a sysfs tree (`/` for the live host, or a copied fixture directory);
 * - {@link importFromLspci}: `lspci -vv -nn` / `lspci -vvv -nn -D` text;
 * - {@link importFromCapture}: the `pci-sysfs.txt` + `host-summary.txt` capture format of
 *   `../shared/examples/captures/`.
 * Each returns an {@link ImportResult} (`text` + `warnings`) or throws an {@link ImportError} located at
 * `file[:line]`. There is no partial output: either the whole host was understood or an error is thrown.
 */
import { formatBdf } from '../../../src-core/src/bdf.js';
import { formatKernel, parseKernelVersion } from '../../../src-core/src/kernel-version.js';
import type { KernelVersion } from '../../../src-core/src/model.js';
import { lastOption } from '../../../src-core/src/kernel-cmdline.js';
import { isTrueParamValue } from '../../../src-core/src/vm/drivers.js';
import { applyInterrupts, assignNames, buildDevices, sanitizeId, type RawPciFunction } from './build.js';
import { parseCaptureModuleParams, parseCapturePciSysfs, parseCaptureSummary } from './capture.js';
import { decodeAmdFeatures, decodeVtd, parseHexRegister, AMD_CAPHDR } from './iommu-caps.js';
import { parseProcInterrupts, type InterruptFacts } from './interrupts.js';
import { parseLspci } from './lspci.js';
import { printHost } from './printer.js';
import { createDirFs, iommuUnitsFromSysfs, parseReservedRegions, readSysfs, type SysfsFs } from './sysfs.js';
import { DOMAIN_TYPES } from '../../../src-core/src/vocabulary.js';
import { ImportError, type ImportedHost, type ImportedIommu, type ImportResult, type ImportWarning } from './types.js';

/** The values `/sys/kernel/iommu_groups/<N>/type` can hold (DOM-TYPE-01). */
const DOMAIN_TYPE_NAMES: ReadonlySet<string> = new Set(DOMAIN_TYPES.map((t) => t.name));

export { ImportError } from './types.js';
export type { ImportResult, ImportWarning, ImportedHost, ImportedDevice, ImportedIommu } from './types.js';
export { decodeConfigSpace, parseLspciHexDump, isIntelSptRootPort } from './config-space.js';
export { parseProcInterrupts } from './interrupts.js';
export { createDirFs, type SysfsFs } from './sysfs.js';
export { decodeAmdFeatures, decodeVtd } from './iommu-caps.js';
export { parseLspci } from './lspci.js';

/** Options shared by all importers. */
export interface CommonImportOptions {
  /** Host name in the generated file (sanitised to a DSL identifier). Default: `imported`; an empty one is an error. */
  name?: string;
  /** Kernel version `X.Y[.Z]` to print (overrides what the source says); an empty one is an error. */
  kernel?: string;
  /** `/proc/interrupts` text for interrupt-remapping detection (CAP-IR-01), and its label for messages. */
  interruptsText?: string;
  interruptsFile?: string;
}

/** Options of {@link importFromSysfs}. */
export interface SysfsImportOptions extends CommonImportOptions {
  /** Directory holding `sys/…` (and optionally `proc/…`), or holding `bus/pci/devices` directly. `/` = live host. */
  root: string;
  /** File-system view (tests); default {@link createDirFs}(root). */
  fs?: SysfsFs;
  /** Architecture to print when the tree does not say (`/proc/sys/kernel/arch`). */
  arch?: ImportedHost['arch'];
}

/** Options of {@link importFromLspci}. */
export interface LspciImportOptions extends CommonImportOptions {
  /** Label for messages (the path, or `<stdin>`). */
  file?: string;
}

/** Options of {@link importFromCapture}. */
export interface CaptureImportOptions extends CommonImportOptions {
  pciSysfsText: string;
  pciSysfsFile: string;
  summaryText?: string;
  summaryFile?: string;
}

function kernelOf(text: string | undefined, label: string): { kernel?: KernelVersion; comment?: string } {
  if (!text) return {};
  const m = /^(\d+\.\d+(?:\.\d+)?)/.exec(text.trim());
  const k = m ? parseKernelVersion(m[1]) : undefined;
  if (!k) throw new ImportError(label, undefined, `'${text.trim().slice(0, 40)}' is not a kernel version X.Y[.Z]`);
  return { kernel: k, comment: m![1] !== text.trim() ? `kernel release ${text.trim()}` : undefined };
}

/**
 * The `kernel` option's version. Unlike a source's version text, a given option is never read as absent: an empty
 * one is as malformed as `abc`.
 * @throws ImportError('--kernel') when it is not X.Y[.Z]
 */
function kernelOption(text: string): { kernel: KernelVersion; comment?: string } {
  if (!text.trim()) throw new ImportError('--kernel', undefined, `'${text}' is not a kernel version X.Y[.Z]`);
  const kv = kernelOf(text, '--kernel'); // throws for any other text that is not a version
  return { kernel: kv.kernel!, comment: kv.comment };
}

function archOf(text: string | undefined): ImportedHost['arch'] | undefined {
  switch (text?.trim()) {
    case 'x86_64': return 'x86_64';
    case 'aarch64': case 'arm64': return 'arm64';
    case 's390x': return 's390x';
    case 'ppc64le': return 'ppc64le';
    case 'riscv64': return 'riscv64';
    default: return undefined;
  }
}

function readInterrupts(opts: CommonImportOptions, fallback?: { text: string; file: string }): { facts?: InterruptFacts; file?: string } {
  if (opts.interruptsText !== undefined) {
    const file = opts.interruptsFile ?? '<interrupts>';
    return { facts: parseProcInterrupts(opts.interruptsText, file), file };
  }
  if (fallback) return { facts: parseProcInterrupts(fallback.text, fallback.file), file: fallback.file };
  return {};
}

function finish(host: ImportedHost, warnings: ImportWarning[]): ImportResult {
  assignNames(host.devices);
  const truncated = warnings.filter((w) => w.code === 'TRUNCATED_CONFIG' || w.code === 'ACCESS_DENIED').length;
  if (truncated > 0) {
    const msg = `${truncated} of ${host.devices.length} functions have no readable capabilities (not run as root): PCIe types inferred, ACS and No-Snoop unknown`;
    host.comments.unshift(msg);
    warnings.push({ code: 'NOT_ROOT', message: msg });
  }
  return { text: printHost(host), warnings, host };
}

/** Record the module parameters that are on as the host's `param` lines (the same rule for every importer). */
function setParams(host: ImportedHost, moduleParams: Record<string, string>): void {
  // only the parameters that are on: an off bool is the default, and a line per unloaded-module default is noise
  const on = Object.entries(moduleParams).filter(([, v]) => isTrueParamValue(v));
  if (on.length > 0) host.params = on;
}

/** @throws ImportError('--name') for a given but empty (or blank) host name, which would silently become `imported`. */
function baseHost(opts: CommonImportOptions, source: string): ImportedHost {
  if (opts.name !== undefined && !opts.name.trim()) throw new ImportError('--name', undefined, `'${opts.name}' is not a host name (empty)`);
  return {
    name: sanitizeId(opts.name ?? 'imported', 'imported'),
    iommus: [],
    devices: [],
    comments: [],
    header: [`Generated by \`iommu-topo import\` from ${source}.`, 'Facts the source did not show are omitted, with a comment saying why; nothing is guessed silently.'],
  };
}

/**
 * Import from a sysfs tree.
 * @throws ImportError for a missing/unreadable tree, garbage attribute files, unusable config images, or a
 *   malformed `/proc/interrupts`.
 */
export function importFromSysfs(opts: SysfsImportOptions): ImportResult {
  const warnings: ImportWarning[] = [];
  const f = opts.fs ?? createDirFs(opts.root);
  const snap = readSysfs(f, warnings);
  const host = baseHost(opts, opts.root === '/' ? 'the live host (/sys)' : `the sysfs tree ${opts.root}`);

  const kv = opts.kernel !== undefined ? kernelOption(opts.kernel) : kernelOf(snap.osrelease, f.describe('/proc/sys/kernel/osrelease'));
  if (kv.kernel) host.kernel = formatKernel(kv.kernel);
  if (kv.comment && opts.kernel === undefined) host.comments.push(kv.comment);
  host.arch = opts.arch ?? archOf(snap.arch);
  if (!host.arch && snap.iommus.some((u) => /^(dmar|ivhd)\d+$/.test(u.name))) host.arch = 'x86_64';
  if (snap.cmdline !== undefined) host.cmdline = snap.cmdline;
  setParams(host, snap.moduleParams);

  // Groups: consistency with the per-device links, types (DOM-TYPE-01), vfio-noiommu (SYSFS-GRP-01).
  const byBdf = new Map(snap.functions.map((r) => [formatBdf(r.bdf), r]));
  const types = new Map<string, number[]>();
  for (const g of snap.groups) {
    if (g.type) types.set(g.type, [...(types.get(g.type) ?? []), g.id]);
    if (g.type && !DOMAIN_TYPE_NAMES.has(g.type)) warnings.push({ code: 'GROUP_TYPE_UNKNOWN', message: `iommu_group ${g.id} type '${g.type}' is none of ${[...DOMAIN_TYPE_NAMES].join(', ')} (DOM-TYPE-01); not recorded` });
    if (g.name === 'vfio-noiommu') {
      warnings.push({ code: 'NOIOMMU_GROUP', message: `iommu_group ${g.id} is a VFIO no-IOMMU group: no isolation (SYSFS-GRP-01)` });
      host.comments.push(`iommu_group ${g.id} is a vfio-noiommu fake group (no isolation)`);
    }
    // DOM-RESV-01: a `direct` range means some member has require_direct; sysfs shows only the group's union
    const direct = g.reservedRegions ? parseReservedRegions(g.reservedRegions, g.reservedRegionsFile ?? 'reserved_regions').filter((x) => x.type === 'direct') : [];
    const ranges = direct.map((x) => `0x${x.start.toString(16)}-0x${x.end.toString(16)}`).join(', ');
    for (const d of g.devices) {
      const r = byBdf.get(d);
      if (r && direct.length) {
        r.directMapping =
          g.devices.length === 1
            ? `iommu_group ${g.id} reserved_regions: direct ${ranges} (firmware 1:1 mapping, DOM-RESV-01)`
            : `iommu_group ${g.id} reserved_regions: direct ${ranges}; sysfs does not say which of its ${g.devices.length} members needs it, so each is marked (VFIO refuses the whole group either way, DOM-RESV-01)`;
      }
      if (!r) {
        if (/^[0-9a-f]{4,8}:/.test(d)) warnings.push({ code: 'GROUP_MEMBER_UNKNOWN', message: `iommu_group ${g.id} lists ${d}, which is not in bus/pci/devices` });
        continue;
      }
      if (g.type !== undefined && DOMAIN_TYPE_NAMES.has(g.type)) r.domainType ??= g.type;
      if (r.group === undefined) r.group = g.id;
      else if (r.group !== g.id) warnings.push({ code: 'GROUP_MISMATCH', message: `${d}: iommu_group link says ${r.group} but group ${g.id} lists it`, bdf: d });
    }
  }
  if (types.size) {
    host.comments.push(`iommu_group default domains (DOM-TYPE-01): ${[...types].sort().map(([t, ids]) => `${t} ×${ids.length}`).join(', ')}`);
  }
  if (snap.groups.length === 0 && snap.iommus.length === 0) {
    host.comments.push('no IOMMU active: /sys/kernel/iommu_groups and /sys/class/iommu are empty (SYSFS-GRP-01)');
  }

  // IOMMU units.
  const units = iommuUnitsFromSysfs(snap.iommus, warnings) as (ImportedIommu & { files: Record<string, string> })[];
  const nameMap = new Map<string, string>();
  for (const u of units) {
    const clean = sanitizeId(u.name, 'iommu');
    nameMap.set(u.name, clean);
    decodeUnit(u, kv.kernel, host.cmdline ?? '', f.describe(`${snap.sysPrefix}/class/iommu/${u.name}`), warnings);
    u.name = clean;
    delete (u as { files?: unknown }).files;
  }
  host.iommus = units;

  const raws: RawPciFunction[] = snap.functions.map((r) => ({ ...r, iommu: r.iommu ? nameMap.get(r.iommu) : undefined }));
  host.devices = buildDevices(raws, warnings);
  const irq = readInterrupts(opts, snap.interrupts !== undefined ? { text: snap.interrupts, file: f.describe('/proc/interrupts') } : undefined);
  applyInterrupts(host, irq.facts, warnings, irq.file);
  if (!irq.facts && snap.iommus.length === 0) host.comments.push('interrupt remapping unknown: no /proc/interrupts given (CAP-IR-01)');
  else if (irq.facts && host.iommus.length === 0) {
    host.comments.push(`interrupt remapping ${irq.facts.remapping} per /proc/interrupts, but there is no IOMMU unit to attach it to`);
  }
  return finish(host, warnings);
}

function decodeUnit(u: ImportedIommu & { files: Record<string, string> }, kernel: KernelVersion | undefined, cmdline: string, where: string, warnings: ImportWarning[]): void {
  const reg = (k: string, sub: string) => {
    try {
      return parseHexRegister(u.files[k]);
    } catch (e) {
      throw new ImportError(`${where}/${sub}/${k}`, 1, (e as Error).message);
    }
  };
  if (u.driver === 'intel-vtd') {
    if (u.files.cap === undefined || u.files.ecap === undefined) {
      u.comments.push('intel-iommu/cap or ecap not readable: capabilities unknown');
      warnings.push({ code: 'IOMMU_REGS', message: `${u.name}: intel-iommu/{cap,ecap} missing; capabilities unknown`, file: where });
      return;
    }
    const d = decodeVtd(reg('cap', 'intel-iommu'), reg('ecap', 'intel-iommu'));
    u.cap = d.cap;
    u.ecap = d.ecap;
    if (d.snoopControl) u.caps.push('snoop-control');
    if (d.irSupported) u.caps.push('interrupt-remapping');
    if (d.passthrough) u.caps.push('passthrough');
    if (d.cachingMode) u.caps.push('caching-mode');
    if (d.scalableModeSupported) {
      if (lastOption(cmdline, 'intel_iommu', ['sm_on', 'sm_off']) === 'sm_on') u.caps.push('scalable-mode');
      else u.comments.push('ECAP.SMTS set: scalable mode supported; sysfs does not say whether the kernel uses it (intel_iommu=sm_on or CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON): add scalable-mode to caps if so');
    }
    u.comments.push(`decoded (CAP-VTD-02/03): SC=${+d.snoopControl} IR=${+d.irSupported} EIM=${+d.eim} PT=${+d.passthrough} SMTS=${+d.scalableModeSupported} CM=${+d.cachingMode}`);
  } else if (u.driver === 'amd-vi') {
    if (u.files.cap !== undefined) {
      const hdr = reg('cap', 'amd-iommu');
      if ((hdr >> BigInt(AMD_CAPHDR.NPCACHE)) & 1n) u.caps.push('caching-mode');
      u.comments.push(`capability header 0x${hdr.toString(16)} (NpCache=${Number((hdr >> BigInt(AMD_CAPHDR.NPCACHE)) & 1n)}, CAP-AMD-02)`);
    }
    if (u.files.features !== undefined) {
      let feat;
      try {
        feat = decodeAmdFeatures(u.files.features, kernel);
      } catch (e) {
        throw new ImportError(`${where}/amd-iommu/features`, 1, (e as Error).message);
      }
      u.comments.push(`features: EFR 0x${feat.efr.toString(16)}${feat.efr2 !== undefined ? `, EFR2 0x${feat.efr2.toString(16)}` : ''} (order ${feat.order}${feat.global ? ', global AND across units' : ''}, CAP-AMD-01)`);
      if (feat.note) {
        u.comments.push(feat.note);
        warnings.push({ code: 'AMD_FEATURES_ORDER', message: `${u.name}: ${feat.note}`, file: where });
      }
    }
    // the checker reads amd_iommu=pgtbl_v1/v2 from the host's cmdline itself (boot-params.ts): no pgtable line, so that
    // a fix of the command line is a fix of the file
    const pg = lastOption(cmdline, 'amd_iommu', ['pgtbl_v1', 'pgtbl_v2']);
    if (pg) u.comments.push(`page-table format ${pg.slice(6)}: from amd_iommu=${pg} on the command line, which the checker reads there (VFIO domains follow it from 6.14)`);
    else u.comments.push('page-table format not visible in sysfs (no amd_iommu=pgtbl_v1/v2 on the command line): pgtable omitted');
  } else if (u.driver === 'arm-smmu-v3' || u.driver === 'arm-smmu') {
    u.comments.push('no capability files in sysfs for SMMUs (CAP-SMMU3-01): coherency comes from firmware and is not imported');
  }
}

/**
 * Import from `lspci -vv -nn` / `lspci -vvv -nn -D` text.
 * @throws ImportError(file, line) for malformed or truncated input (see {@link parseLspci}).
 */
export function importFromLspci(text: string, opts: LspciImportOptions = {}): ImportResult {
  const file = opts.file ?? '<lspci>';
  const warnings: ImportWarning[] = [];
  const { devices, hasGroups, hasDrivers } = parseLspci(text, file, warnings);
  const host = baseHost(opts, `lspci output ${file}`);
  if (opts.kernel !== undefined) host.kernel = formatKernel(kernelOption(opts.kernel).kernel);
  host.devices = devices;
  if (!hasGroups) host.comments.push('no "IOMMU group:" lines in the dump (no IOMMU active, or pciutils < 3.7): observed groups unknown');
  if (!hasDrivers) host.comments.push('no "Kernel driver in use:" lines in the dump: drivers unknown');
  // lspci shows no IOMMU units. When it shows iommu groups, an IOMMU is active; its driver follows from the
  // platform vendor of the root-bus host bridge (Intel → VT-d, AMD → AMD-Vi). Its capabilities stay unknown.
  const hb = devices.find((d) => d.kind === 'host-bridge' && !d.parent && d.bdf.bus === 0);
  const driver = hb?.vendorId === 0x8086 ? 'intel-vtd' : hb?.vendorId === 0x1022 ? 'amd-vi' : undefined;
  if (hasGroups && driver) {
    const why = `inferred: the dump shows iommu groups and an ${driver === 'intel-vtd' ? 'Intel' : 'AMD'} host bridge at ${formatBdf(hb!.bdf)}`;
    // lspci shows no IOMMU capabilities: `caps unknown` holds the host back (SYN003) instead of reading them as absent
    host.iommus.push({ name: 'iommu0', driver, caps: ['unknown'], comments: [why, 'capabilities are not in lspci output: replace `caps unknown` with the unit\'s caps from /sys/class/iommu/*/ (listed caps are definitive; missing = absent)'] });
    warnings.push({ code: 'IOMMU_INFERRED', message: `IOMMU unit iommu0 (${driver}) ${why}; its capabilities are unknown`, file });
  } else {
    host.comments.push('lspci shows no IOMMU units: add an `iommu` block (driver, caps) for a complete simulation');
  }
  const irq = readInterrupts(opts);
  applyInterrupts(host, irq.facts, warnings, irq.file);
  if (irq.facts && host.iommus.length === 0) host.comments.push(`interrupt remapping ${irq.facts.remapping} per ${irq.file} (CAP-IR-01); declare it on the iommu block`);
  return finish(host, warnings);
}

/**
 * Import from the capture format of `../shared/examples/captures/` (see `capture.ts`).
 * @throws ImportError(file, line) for malformed capture files.
 */
export function importFromCapture(opts: CaptureImportOptions): ImportResult {
  const warnings: ImportWarning[] = [];
  const raws = parseCapturePciSysfs(opts.pciSysfsText, opts.pciSysfsFile);
  const host = baseHost(opts, `the capture ${opts.pciSysfsFile}`);
  let interrupts: { text: string; file: string } | undefined;
  if (opts.summaryText !== undefined) {
    const file = opts.summaryFile ?? '<host-summary>';
    const s = parseCaptureSummary(opts.summaryText, file);
    const uname = s.sections.get('uname')?.text.trim();
    if (opts.kernel === undefined && uname) {
      const m = /^Linux \S+ (\S+) .* (\S+) GNU\/Linux$/.exec(uname) ?? /^Linux \S+ (\S+)/.exec(uname);
      if (m) {
        const kv = kernelOf(m[1], `${file}:${s.sections.get('uname')!.line}`);
        host.kernel = formatKernel(kv.kernel!);
        if (kv.comment) host.comments.push(kv.comment);
        if (m[2]) host.arch = archOf(m[2]);
      }
    }
    const cmd = s.sections.get('cmdline')?.text.trim();
    if (cmd) host.cmdline = cmd;
    const modules = s.sections.get('modules');
    if (modules) setParams(host, parseCaptureModuleParams(modules.text));
    const groups = s.sections.get('iommu_groups')?.text.trim();
    const cls = s.sections.get('class_iommu')?.text ?? '';
    const classEntries = cls.split('\n').filter((l) => /^[l-]/.test(l) && !/\s\.\.?$/.test(l));
    if (groups === 'total 0' && classEntries.length === 0) host.comments.push('no IOMMU active: iommu_groups and class/iommu are empty in the capture (SYSFS-GRP-01)');
    else if (classEntries.length > 0) {
      // the unit names say the driver (CAP-SYSFS-01: Intel `dmar<N>`, AMD `ivhd<N>`); the registers are not captured,
      // so the capabilities stay `caps unknown` (SYN003 holds back the findings that read them)
      const names = classEntries.map((l) => (/\s(\S+)\s+->\s/.exec(l) ?? /\s(\S+)$/.exec(l))?.[1]).filter((n): n is string => n !== undefined);
      const unknown: string[] = [];
      for (const name of names) {
        const driver = /^dmar\d+$/.test(name) ? 'intel-vtd' : /^ivhd\d+$/.test(name) ? 'amd-vi' : undefined;
        if (!driver) {
          unknown.push(name);
          continue;
        }
        host.iommus.push({ name, driver, caps: ['unknown'], comments: [`from ${file} class_iommu (the name gives the driver, CAP-SYSFS-01); its registers are not in the capture: replace \`caps unknown\` with the caps from /sys/class/iommu/${name}/`] });
      }
      if (host.iommus.length) {
        if (!host.arch) host.arch = 'x86_64';
        warnings.push({ code: 'CAPTURE_IOMMU', message: `IOMMU unit${host.iommus.length > 1 ? 's' : ''} ${host.iommus.map((u) => u.name).join(', ')} from the capture's class_iommu list, with capabilities unknown (no registers captured)${host.iommus.length > 1 ? '; the capture does not say which unit translates which device: add `iommu <unit>` lines' : ''}`, file });
      }
      if (unknown.length) {
        warnings.push({ code: 'CAPTURE_IOMMU', message: `the capture lists IOMMU unit${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} of a driver its name does not tell, without registers: add the iommu block by hand`, file });
        host.comments.push(`the capture lists IOMMU units without registers (${unknown.join(', ')}): iommu blocks not generated`);
      }
    }
    const pi = s.sections.get('proc_interrupts');
    if (pi && pi.text.trim()) interrupts = { text: pi.text, file: `${file}:${pi.line}` };
  }
  if (opts.kernel !== undefined) host.kernel = formatKernel(kernelOption(opts.kernel).kernel);
  host.devices = buildDevices(raws, warnings);
  const irq = readInterrupts(opts, interrupts);
  applyInterrupts(host, irq.facts, warnings, irq.file);
  if (irq.facts && host.iommus.length === 0) {
    host.comments.push(`interrupt remapping ${irq.facts.remapping} per /proc/interrupts (${irq.facts.perDeviceNaming ? 'per-device MSI chip names' : 'shared MSI chip names'})`);
  }
  return finish(host, warnings);
}
