/**
 * Read a sysfs tree (the live host, or a copied fixture) into raw PCI functions, IOMMU units and groups.
 *
 * Layout read (SYSFS-PCI-01, SYSFS-GRP-01, CAP-SYSFS-01):
 * - `/sys/bus/pci/devices/<DDDD:BB:DD.F>` → symlink into `/sys/devices/pci<DDDD>:<BB>/<bridge>/…/<BDF>`; the
 *   realpath gives the bridge chain. Files `vendor`, `device`, `subsystem_vendor`, `subsystem_device`, `class`
 *   (hex `0x…`), `config` (binary: root reads 256/4096 bytes, non-root only the first 64, SYSFS-PCI-02); links
 *   `driver`, `iommu_group`, `iommu`, `physfn`; PCIe-only `current_link_speed`; bridge-only `secondary_bus_number`.
 * - `/sys/kernel/iommu_groups/<N>/{devices/,type,name,reserved_regions}` (DOM-TYPE-01; `name` = `vfio-noiommu` for
 *   fake groups; DOM-RESV-01).
 * - `/sys/class/iommu/<unit>`: `dmarN/intel-iommu/{cap,ecap}` (CAP-VTD-01), `ivhdN/amd-iommu/{cap,features}`
 *   (CAP-AMD-01), `smmu3.0x…`, `smmu.0x…`, virtio-iommu (named after its PCI function), `s390-iommu.<fid>`.
 * - `/proc/sys/kernel/{osrelease,arch}`, `/proc/cmdline`, `/proc/interrupts` when present under the same root.
 * - `/sys/module/<module>/parameters/<name>` for the module parameters the simulator reads ({@link MODULE_PARAM_FILES});
 *   a bool parameter reads `Y` or `N` there (`param_get_bool`), whether it was set on the command line or by modprobe.
 *
 * All file access goes through {@link SysfsFs}, so tests run on fixture directories.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatBdf, parseBdf } from '../../../src-core/src/bdf.js';
import { isVmdDomain } from '../../../src-core/src/groups/index.js';
import type { IommuDriver } from '../../../src-core/src/model.js';
import type { RawPciFunction } from './build.js';
import { ImportError, type ImportedIommu, type ImportWarning } from './types.js';

/**
 * Minimal read-only file-system view, with paths in the captured system's namespace (`/sys/...`, `/proc/...`).
 * Every method returns undefined (never throws) for a missing path.
 */
export interface SysfsFs {
  /** Bytes of a regular file. */
  readFile(p: string): Uint8Array | undefined;
  /** Size the file reports (`stat`), e.g. 4096 for a `config` file even when only 64 bytes are readable. */
  fileSize(p: string): number | undefined;
  /** Entry names of a directory. */
  readdir(p: string): string[] | undefined;
  /** Target of a symlink, as `readlink` prints it. */
  readlink(p: string): string | undefined;
  /** Canonical path with every symlink resolved. */
  realpath(p: string): string | undefined;
  /** Human-readable location of `p` for messages (e.g. the real file path). */
  describe(p: string): string;
}

/**
 * A {@link SysfsFs} over a directory. When `<root>/symlinks.txt` exists, the directory is a fixture: symlinks are
 * listed there as `<path> -> <target>` lines (path relative to root; target as `readlink` printed it) and reported
 * file sizes as `size <path> <bytes>` lines; everything else is regular files. Otherwise real symlinks are used
 * (the live host: root `/`).
 */
export function createDirFs(root: string): SysfsFs {
  const manifest = path.join(root, 'symlinks.txt');
  const links = new Map<string, string>();
  const sizes = new Map<string, number>();
  const isFixture = fs.existsSync(manifest);
  if (isFixture) {
    fs.readFileSync(manifest, 'utf8').split(/\r?\n/).forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      let m = /^size\s+(\S+)\s+(\d+)$/.exec(t);
      if (m) {
        sizes.set('/' + m[1].replace(/^\/+/, ''), Number(m[2]));
        return;
      }
      m = /^(\S+)\s+->\s+(\S+)$/.exec(t);
      if (!m) throw new ImportError(manifest, i + 1, `expected "<path> -> <target>" or "size <path> <bytes>", found '${t.slice(0, 60)}'`);
      links.set('/' + m[1].replace(/^\/+/, ''), m[2]);
    });
  }
  const real = (p: string) => path.join(root, p);
  // Resolve manifest symlinks component by component (like the kernel's path walk).
  const resolve = (p: string, followLast: boolean): string | undefined => {
    let pending = p.split('/').filter(Boolean);
    let cur = '';
    for (let hops = 0; pending.length > 0; ) {
      const comp = pending.shift()!;
      if (comp === '.') continue;
      if (comp === '..') {
        cur = cur.slice(0, Math.max(0, cur.lastIndexOf('/')));
        continue;
      }
      const cand = `${cur}/${comp}`;
      const target = links.get(cand);
      if (target !== undefined && (pending.length > 0 || followLast)) {
        if (++hops > 40) return undefined;
        pending = [...target.split('/').filter(Boolean), ...pending];
        if (target.startsWith('/')) cur = '';
        continue;
      }
      cur = cand;
    }
    return cur || '/';
  };
  if (!isFixture) {
    const rootReal = fs.realpathSync(root);
    const strip = (p: string) => (rootReal === '/' ? p : p.startsWith(rootReal) ? p.slice(rootReal.length) || '/' : p);
    return {
      readFile: (p) => tryOr(() => new Uint8Array(fs.readFileSync(real(p)))),
      fileSize: (p) => tryOr(() => fs.statSync(real(p)).size),
      readdir: (p) => tryOr(() => fs.readdirSync(real(p)).sort()),
      readlink: (p) => tryOr(() => fs.readlinkSync(real(p))),
      realpath: (p) => tryOr(() => strip(fs.realpathSync(real(p)))),
      describe: (p) => real(p),
    };
  }
  return {
    readFile: (p) => {
      const r = resolve(p, true);
      return r === undefined ? undefined : tryOr(() => new Uint8Array(fs.readFileSync(real(r))));
    },
    fileSize: (p) => {
      const r = resolve(p, true);
      if (r === undefined) return undefined;
      return sizes.get(r) ?? tryOr(() => fs.statSync(real(r)).size);
    },
    readdir: (p) => {
      const r = resolve(p, true);
      if (r === undefined) return undefined;
      const names = new Set<string>(tryOr(() => fs.readdirSync(real(r))) ?? []);
      let isDir = names.size > 0 || tryOr(() => fs.statSync(real(r)).isDirectory()) === true;
      for (const l of links.keys()) {
        if (path.posix.dirname(l) === r) {
          names.add(path.posix.basename(l));
          isDir = true;
        }
      }
      return isDir ? [...names].sort() : undefined;
    },
    readlink: (p) => {
      const r = resolve(path.posix.dirname(p), true);
      return r === undefined ? undefined : links.get(path.posix.join(r, path.posix.basename(p)));
    },
    realpath: (p) => {
      const r = resolve(p, true);
      if (r === undefined) return undefined;
      const exists = tryOr(() => fs.statSync(real(r))) !== undefined || [...links.keys()].some((l) => l.startsWith(r + '/'));
      return exists ? r : undefined;
    },
    describe: (p) => `${root}:${p}`,
  };
}

function tryOr<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** Group facts from `/sys/kernel/iommu_groups/<N>`. */
export interface SysfsGroup {
  id: number;
  /** Default-domain type (DOM-TYPE-01): DMA, DMA-FQ, identity, blocked, unmanaged, unknown. */
  type?: string;
  /** Optional `name` (e.g. `vfio-noiommu`, SYSFS-GRP-01). */
  name?: string;
  devices: string[];
  /** `reserved_regions` as read (DOM-RESV-01), and the file it came from (for located errors). */
  reservedRegions?: string;
  reservedRegionsFile?: string;
}

/** One line of an iommu_group's `reserved_regions`: `0x%016llx 0x%016llx <type>` (start, inclusive end, type). */
export interface ReservedRegion {
  start: bigint;
  end: bigint;
  /** `direct`, `direct-relaxable`, `reserved` or `msi` (DOM-RESV-01). */
  type: 'direct' | 'direct-relaxable' | 'reserved' | 'msi';
  line: number;
}

const RESV_TYPES = new Set(['direct', 'direct-relaxable', 'reserved', 'msi']);

/**
 * Parse a group's `reserved_regions` (DOM-RESV-01, iommu.c:iommu_group_show_resv_regions). Blank lines are skipped.
 * @throws ImportError(file, line) for a line that is not `0x<hex> 0x<hex> <type>` with a known type, or whose end
 * is below its start.
 */
export function parseReservedRegions(textValue: string, file: string): ReservedRegion[] {
  const out: ReservedRegion[] = [];
  const lines = textValue.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l) continue;
    const m = /^0x([0-9a-fA-F]{1,16})\s+0x([0-9a-fA-F]{1,16})\s+(\S+)$/.exec(l);
    if (!m) throw new ImportError(file, i + 1, `expected "0x<start> 0x<end> <type>", got '${l}'`);
    if (!RESV_TYPES.has(m[3])) throw new ImportError(file, i + 1, `unknown reserved region type '${m[3]}' (expected direct, direct-relaxable, reserved or msi)`);
    const start = BigInt(`0x${m[1]}`);
    const end = BigInt(`0x${m[2]}`);
    if (end < start) throw new ImportError(file, i + 1, `region end 0x${m[2]} is below its start 0x${m[1]}`);
    out.push({ start, end, type: m[3] as ReservedRegion['type'], line: i + 1 });
  }
  return out;
}

/** Everything {@link readSysfs} found. */
export interface SysfsSnapshot {
  functions: RawPciFunction[];
  groups: SysfsGroup[];
  iommus: { name: string; driver: IommuDriver | undefined; files: Record<string, string> }[];
  osrelease?: string;
  arch?: string;
  cmdline?: string;
  interrupts?: string;
  /** Module parameters found, by `module.name` (only those of {@link MODULE_PARAM_FILES}; a module not loaded has none). */
  moduleParams: Record<string, string>;
  /** `/sys` prefix used (`/sys`, or `` when the root itself holds `bus/pci/devices`). */
  sysPrefix: string;
}

/**
 * Module parameters that change what the simulator predicts, as `module.name`: VFIO-IR-01 / IOMMUFD-IR-01/02 (type1 and
 * iommufd `allow_unsafe_interrupts`) and VFIO-PCI-01 (`vfio_pci.disable_denylist`).
 */
export const MODULE_PARAM_FILES = ['vfio_iommu_type1.allow_unsafe_interrupts', 'iommufd.allow_unsafe_interrupts', 'vfio_pci.disable_denylist'] as const;

const text = (f: SysfsFs, p: string): string | undefined => {
  const b = f.readFile(p);
  return b === undefined ? undefined : new TextDecoder().decode(b).trim();
};

/**
 * Read the PCI functions, groups and IOMMU units.
 *
 * @throws ImportError when there is no `bus/pci/devices` directory, a device entry cannot be resolved, or an
 *   attribute file holds garbage (e.g. `class` not hex).
 */
export function readSysfs(f: SysfsFs, warnings: ImportWarning[]): SysfsSnapshot {
  const sys = f.readdir('/sys/bus/pci/devices') !== undefined ? '/sys' : f.readdir('/bus/pci/devices') !== undefined ? '' : undefined;
  if (sys === undefined) {
    throw new ImportError(f.describe('/sys/bus/pci/devices'), undefined, 'no sys/bus/pci/devices directory: not a sysfs root (pass / or a copy holding sys/bus/pci/devices)');
  }
  const devDir = `${sys}/bus/pci/devices`;
  const names = f.readdir(devDir) ?? [];
  const functions: RawPciFunction[] = [];
  const hex = (p: string): number | undefined => {
    const t = text(f, p);
    if (t === undefined) return undefined;
    if (!/^0x[0-9a-fA-F]+$/.test(t)) throw new ImportError(f.describe(p), 1, `expected a hex value "0x…", found '${t.slice(0, 40)}'`);
    return parseInt(t, 16);
  };
  for (const name of names) {
    const bdf = parseBdf(name);
    if (!bdf || name !== formatBdf(bdf)) {
      warnings.push({ code: 'SYSFS_ENTRY', message: `ignoring '${name}' in ${devDir}: not a PCI address`, file: f.describe(devDir) });
      continue;
    }
    const base = `${devDir}/${name}`;
    const rp = f.realpath(base);
    if (!rp) throw new ImportError(f.describe(base), undefined, 'cannot resolve the device link (SYSFS-PCI-01: expected a symlink into /sys/devices)');
    const comps = rp.split('/').filter(Boolean);
    if (comps[comps.length - 1] !== name) throw new ImportError(f.describe(base), undefined, `resolves to ${rp}, which does not end in ${name}`);
    const raw: RawPciFunction = {
      bdf,
      parent: parentInPath(comps, bdf.domain),
      source: f.describe(base),
      sourceFile: f.describe(`${base}/config`),
      vendorId: hex(`${base}/vendor`),
      deviceId: hex(`${base}/device`),
      classCode: hex(`${base}/class`),
      subsystemVendorId: hex(`${base}/subsystem_vendor`),
      subsystemDeviceId: hex(`${base}/subsystem_device`),
    };
    if (raw.vendorId === undefined || raw.deviceId === undefined || raw.classCode === undefined) {
      throw new ImportError(f.describe(base), undefined, 'missing vendor, device or class file');
    }
    if (isVmdDomain(bdf.domain) && raw.parent === undefined) {
      warnings.push({ code: 'VMD_DOMAIN', message: `${name}: domain ≥ 0x10000 (Intel VMD child) but its sysfs path has no VMD endpoint above it; the model cannot tie it to one (GRP-ALIAS-04)`, bdf: name });
    }
    const cfg = f.readFile(`${base}/config`);
    if (cfg) {
      raw.config = cfg;
      raw.cfgSize = f.fileSize(`${base}/config`);
    }
    const drv = f.readlink(`${base}/driver`);
    raw.driver = drv ? path.posix.basename(drv) : null;
    const grp = f.readlink(`${base}/iommu_group`);
    if (grp) {
      const n = Number(path.posix.basename(grp));
      if (!Number.isInteger(n)) throw new ImportError(f.describe(`${base}/iommu_group`), undefined, `link target '${grp}' does not end in a group number`);
      raw.group = n;
    }
    const iommu = f.readlink(`${base}/iommu`);
    if (iommu) raw.iommu = path.posix.basename(iommu);
    const physfn = f.readlink(`${base}/physfn`);
    if (physfn) {
      raw.virtualFunction = true;
      const pf = path.posix.basename(physfn);
      const pfBdf = parseBdf(pf);
      if (pfBdf && pf === formatBdf(pfBdf) && pf !== name) raw.physfn = pf;
    }
    raw.isPcieHint = f.readFile(`${base}/current_link_speed`) !== undefined || f.readFile(`${base}/max_link_speed`) !== undefined;
    const sec = text(f, `${base}/secondary_bus_number`);
    if (sec !== undefined && /^\d+$/.test(sec)) raw.secondaryBusHint = Number(sec);
    const sub = text(f, `${base}/subordinate_bus_number`);
    if (sub !== undefined && /^\d+$/.test(sub)) raw.subordinateBusHint = Number(sub);
    functions.push(raw);
  }

  // A VF is printed inside its PF (when the PF was read too): that is how the model knows which PF has VFs
  // enabled (VFIO-PCI-01, VIA007); the topology still finds the VF's bus through the PF.
  const read = new Set(functions.map((r) => formatBdf(r.bdf)));
  for (const r of functions) if (r.physfn && read.has(r.physfn)) r.parent = r.physfn;

  const groups: SysfsGroup[] = [];
  const gdir = `${sys}/kernel/iommu_groups`;
  for (const g of f.readdir(gdir) ?? []) {
    if (!/^\d+$/.test(g)) continue;
    const resv = `${gdir}/${g}/reserved_regions`;
    groups.push({ id: Number(g), type: text(f, `${gdir}/${g}/type`), name: text(f, `${gdir}/${g}/name`), devices: f.readdir(`${gdir}/${g}/devices`) ?? [], reservedRegions: text(f, resv), reservedRegionsFile: f.describe(resv) });
  }
  groups.sort((a, b) => a.id - b.id);

  const iommus: SysfsSnapshot['iommus'] = [];
  const cdir = `${sys}/class/iommu`;
  for (const u of f.readdir(cdir) ?? []) {
    const files: Record<string, string> = {};
    let driver: IommuDriver | undefined;
    if (/^dmar\d+$/.test(u)) {
      driver = 'intel-vtd';
      for (const k of ['cap', 'ecap', 'version', 'address']) {
        const v = text(f, `${cdir}/${u}/intel-iommu/${k}`);
        if (v !== undefined) files[k] = v;
      }
    } else if (/^ivhd\d+$/.test(u)) {
      driver = 'amd-vi';
      for (const k of ['cap', 'features']) {
        const v = text(f, `${cdir}/${u}/amd-iommu/${k}`);
        if (v !== undefined) files[k] = v;
      }
    } else if (u.startsWith('smmu3.')) driver = 'arm-smmu-v3';
    else if (u.startsWith('smmu.')) driver = 'arm-smmu';
    else if (u.startsWith('s390-iommu')) driver = 's390';
    else if (parseBdf(u) || /virtio/.test(u)) driver = 'virtio-iommu';
    iommus.push({ name: u, driver, files });
  }

  const proc = (p: string) => text(f, p);
  const moduleParams: Record<string, string> = {};
  for (const key of MODULE_PARAM_FILES) {
    const [mod, name] = key.split('.');
    const v = text(f, `${sys}/module/${mod}/parameters/${name}`);
    if (v !== undefined && v !== '') moduleParams[key] = v;
  }
  return {
    functions,
    groups,
    iommus,
    osrelease: proc('/proc/sys/kernel/osrelease'),
    arch: proc('/proc/sys/kernel/arch'),
    cmdline: proc('/proc/cmdline'),
    interrupts: (() => {
      const b = f.readFile('/proc/interrupts');
      return b ? new TextDecoder().decode(b) : undefined;
    })(),
    moduleParams,
    sysPrefix: sys,
  };
}

/** Build the DSL IOMMU units from the sysfs class entries. Unsupported drivers (riscv, …) are warned about and skipped. */
export function iommuUnitsFromSysfs(units: SysfsSnapshot['iommus'], warnings: ImportWarning[]): ImportedIommu[] {
  return units
    .filter((u) => {
      if (!u.driver) warnings.push({ code: 'IOMMU_UNSUPPORTED', message: `IOMMU '${u.name}' is of a kind the DSL has no driver for; skipped` });
      return !!u.driver;
    })
    .map((u) => ({ name: u.name, driver: u.driver!, caps: [], comments: [], files: u.files }) as ImportedIommu & { files: Record<string, string> });
}

/** A sysfs path component that is a PCI address as the kernel names devices (`0000:65:00.0`). */
function isBdfName(c: string | undefined): c is string {
  const b = c ? parseBdf(c) : undefined;
  return !!b && c === formatBdf(b);
}

/**
 * The parent function of the device whose resolved `/sys/devices/…` path is `comps` (its last component is the
 * device): the component before it when that is a PCI function (the bridge above, or the PF of a VF), or, for a
 * device in a VMD domain (≥ 0x10000), the function that holds its root bus: `…/0000:00:0e.0/pci10000:e0/10000:e0:06.0`
 * has the VMD endpoint 0000:00:0e.0 above the bus `pci10000:e0` (SYSFS-PCI-01, GRP-ALIAS-04). Else undefined
 * (a device on a root bus of the host).
 */
function parentInPath(comps: readonly string[], domain: number): string | undefined {
  const prev = comps[comps.length - 2];
  if (isBdfName(prev)) return prev;
  const holder = comps[comps.length - 3];
  if (isVmdDomain(domain) && prev !== undefined && /^pci[0-9a-f]{4,8}:[0-9a-f]{2}$/.test(prev) && isBdfName(holder)) return holder;
  return undefined;
}
