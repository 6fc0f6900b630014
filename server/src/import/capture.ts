/**
 * Parse the text capture format of `../shared/examples/captures/*` (a real VM's sysfs facts, written by a capture
 * script because `lspci` was not installed there):
 *
 * `pci-sysfs.txt`, one pair of lines per function:
 * ```
 * device 0000:00:01.0 vendor=0x1af4 device=0x1045 class=0xffff00 subsys=0x1af4:0x1045 driver=virtio-pci group= numa=-1 dma_coherent=n/a parent=pci0000:00
 * config 0000:00:01.0  f4 1a 45 10 …   (the sysfs `config` file as hex bytes, 256 or 4096 of them)
 * ```
 * `parent=` is the previous component of the sysfs realpath (`pci<DDDD>:<BB>` for a root bus, or the parent
 * bridge's BDF); `group=` is empty when the device has no iommu_group; `driver=` empty when unbound.
 *
 * `host-summary.txt`: `## <section>` headers (`uname`, `cmdline`, `cpuinfo-model`, `iommu_groups`, `class_iommu`,
 * `modules`, `proc_interrupts`, `dmesg`, `lspci`) each followed by that command's output. `modules` holds
 * `/sys/module/<module>/parameters/<name> = <value>` lines: the parameters the sysfs importer reads become `param`
 * lines in the same way ({@link parseCaptureModuleParams}).
 */
import { formatBdf } from '../../../src-core/src/bdf.js';
import type { RawPciFunction } from './build.js';
import { MODULE_PARAM_FILES } from './sysfs.js';
import { bdfOrThrow } from './build.js';
import { parseHexBytes } from './config-space.js';
import { ImportError } from './types.js';

/** Sections of `host-summary.txt`, by name, with the 1-based line of their first content line. */
export interface CaptureSummary {
  sections: Map<string, { text: string; line: number }>;
}

/**
 * Parse `host-summary.txt`.
 * @throws ImportError(file, line) when content appears before the first `## section` header.
 */
export function parseCaptureSummary(text: string, file: string): CaptureSummary {
  const sections = new Map<string, { text: string; line: number }>();
  let name: string | undefined;
  let buf: string[] = [];
  let start = 0;
  const flush = () => {
    if (name !== undefined) sections.set(name, { text: buf.join('\n'), line: start });
  };
  text.split(/\r?\n/).forEach((l, i) => {
    const m = /^## (\S+)\s*$/.exec(l);
    if (m) {
      flush();
      name = m[1];
      buf = [];
      start = i + 2;
      return;
    }
    if (name === undefined) {
      if (l.trim()) throw new ImportError(file, i + 1, `expected a "## <section>" header, found '${l.slice(0, 60)}'`);
      return;
    }
    buf.push(l);
  });
  flush();
  return { sections };
}

/**
 * The module parameters of a capture's `## modules` section, by `module.name`: its
 * `/sys/module/<module>/parameters/<name> = <value>` lines, keeping only the parameters the sysfs importer reads
 * ({@link MODULE_PARAM_FILES}), with the value trimmed as the sysfs importer trims the file's content. Other lines
 * (other parameters, anything else the capture script printed there) are ignored; a parameter listed twice keeps
 * its last value.
 */
export function parseCaptureModuleParams(text: string): Record<string, string> {
  const wanted: ReadonlySet<string> = new Set(MODULE_PARAM_FILES);
  const found = new Map<string, string>();
  for (const l of text.split(/\r?\n/)) {
    const m = /^\s*\/sys\/module\/([^/\s]+)\/parameters\/([^/\s=]+)\s*=(.*)$/.exec(l);
    if (!m) continue;
    const key = `${m[1]}.${m[2]}`;
    const v = m[3].trim();
    if (wanted.has(key) && v !== '') found.set(key, v);
  }
  // in the sysfs importer's order, so both importers print the same `param` lines for the same facts
  const out: Record<string, string> = {};
  for (const key of MODULE_PARAM_FILES) if (found.has(key)) out[key] = found.get(key)!;
  return out;
}

/**
 * Parse `pci-sysfs.txt` into raw functions.
 * @throws ImportError(file, line) for an unknown line kind, a malformed `key=value`, a bad BDF or hex byte, a
 *   `config` line without its `device` line, a config image whose length is not 64, 256 or 4096, or a device
 *   without a config line.
 */
export function parseCapturePciSysfs(text: string, file: string): RawPciFunction[] {
  const out = new Map<string, RawPciFunction>();
  const lines = text.split(/\r?\n/);
  lines.forEach((l, i) => {
    const ln = i + 1;
    if (!l.trim()) return;
    const m = /^(device|config)\s+(\S+)\s*(.*)$/.exec(l);
    if (!m) throw new ImportError(file, ln, `expected "device <BDF> key=value…" or "config <BDF> <hex bytes>", found '${l.slice(0, 60)}'`);
    const bdf = bdfOrThrow(m[2], file, ln);
    const key = formatBdf(bdf);
    if (m[1] === 'device') {
      if (out.has(key)) throw new ImportError(file, ln, `${key} listed twice`);
      const kv = new Map<string, string>();
      for (const tok of m[3].trim().split(/\s+/).filter(Boolean)) {
        const e = tok.indexOf('=');
        if (e <= 0) throw new ImportError(file, ln, `expected key=value, found '${tok}'`);
        kv.set(tok.slice(0, e), tok.slice(e + 1));
      }
      const hexv = (k: string): number | undefined => {
        const v = kv.get(k);
        if (v === undefined || v === '') return undefined;
        if (!/^0x[0-9a-fA-F]+$/.test(v)) throw new ImportError(file, ln, `${k}=${v}: expected 0x-hex`);
        return parseInt(v, 16);
      };
      const raw: RawPciFunction = { bdf, source: `${file}:${ln}`, sourceFile: file, sourceLine: ln, vendorId: hexv('vendor'), deviceId: hexv('device'), classCode: hexv('class') };
      if (raw.vendorId === undefined || raw.deviceId === undefined || raw.classCode === undefined) throw new ImportError(file, ln, `${key}: vendor=, device= and class= are required`);
      const sub = kv.get('subsys');
      if (sub) {
        const sm = /^0x([0-9a-fA-F]{4}):0x([0-9a-fA-F]{4})$/.exec(sub);
        if (!sm) throw new ImportError(file, ln, `subsys=${sub}: expected 0xVVVV:0xDDDD`);
        raw.subsystemVendorId = parseInt(sm[1], 16);
        raw.subsystemDeviceId = parseInt(sm[2], 16);
      }
      const drv = kv.get('driver');
      raw.driver = drv ? drv : null;
      const grp = kv.get('group');
      if (grp) {
        if (!/^\d+$/.test(grp)) throw new ImportError(file, ln, `group=${grp}: expected a number or empty`);
        raw.group = Number(grp);
      }
      const parent = kv.get('parent');
      if (parent && !/^pci[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}$/.test(parent)) raw.parent = formatBdf(bdfOrThrow(parent, file, ln));
      out.set(key, raw);
    } else {
      const raw = out.get(key);
      if (!raw) throw new ImportError(file, ln, `config line for ${key} before its device line`);
      let bytes: Uint8Array;
      try {
        bytes = parseHexBytes(m[3]);
      } catch (e) {
        throw new ImportError(file, ln, `${key}: ${(e as Error).message}`);
      }
      if (![64, 256, 4096].includes(bytes.length)) {
        throw new ImportError(file, ln, `${key}: config dump has ${bytes.length} bytes; expected 64, 256 or 4096 (truncated line?)`);
      }
      raw.config = bytes;
      raw.cfgSize = bytes.length === 64 ? undefined : bytes.length;
    }
  });
  for (const [k, r] of out) if (!r.config) throw new ImportError(file, r.sourceLine, `${k}: no config line`);
  if (out.size === 0) throw new ImportError(file, 1, 'no device lines');
  return [...out.values()];
}
