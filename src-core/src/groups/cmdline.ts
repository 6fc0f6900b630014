/**
 * Kernel command-line parsing for the ACS knobs: `pci=disable_acs_redir=`, `pci=config_acs=`, `pci=noats`
 * (GRP-CMD-01/02) and the out-of-tree `pcie_acs_override=` (GRP-CMD-03). Pure string handling; never throws.
 */
import type { PciDevice } from '../model.js';
import type { HostTopology } from './topology.js';
import { cmdlineEntries } from '../kernel-cmdline.js';

/** The `pci=` options that matter for ACS. Later occurrences win, as in `drivers/pci/pci.c:pci_setup`. */
export interface PciAcsOptions {
  /** Raw value of `disable_acs_redir=` (entries separated by `;`). */
  disableAcsRedir?: string;
  /** Raw value of `config_acs=`. */
  configAcs?: string;
  /** `pci=noats`: ATS disabled, so the kernel also enables ACS TB. */
  noats: boolean;
}

/** The values of every `key=` parameter of the command line, in order (split as the kernel does, `kernel-cmdline.ts`). */
function valuesOf(cmdline: string | undefined, key: string): string[] {
  const out: string[] = [];
  for (const e of cmdlineEntries(cmdline)) if (!e.bare && e.key === key) out.push(e.value);
  return out;
}

/**
 * Parse every `pci=` token: options are split on `,` (as `pci_setup` does), so device lists inside
 * `disable_acs_redir=` / `config_acs=` are `;`-separated. Source: drivers/pci/pci.c:pci_setup (all versions).
 */
export function parsePciAcsOptions(cmdline: string | undefined): PciAcsOptions {
  const out: PciAcsOptions = { noats: false };
  for (const v of valuesOf(cmdline, 'pci')) {
    for (const opt of v.split(',')) {
      if (opt.startsWith('disable_acs_redir=')) out.disableAcsRedir = opt.slice('disable_acs_redir='.length);
      else if (opt.startsWith('config_acs=')) out.configAcs = opt.slice('config_acs='.length);
      else if (opt === 'noats') out.noats = true;
    }
  }
  return out;
}

/** Parsed out-of-tree `pcie_acs_override=` (GRP-CMD-03). */
export interface AcsOverrideOptions {
  downstream: boolean;
  multifunction: boolean;
  ids: { vendor: number; device: number }[];
}

/**
 * Parse `pcie_acs_override=downstream,multifunction,id:vvvv:dddd`. Only meaningful when `host.acsOverridePatch`.
 * Returns undefined when the parameter is absent or enables nothing. Source: the ACS override patch
 * (`pcie_acs_override_setup`), not mainline.
 */
export function parseAcsOverride(cmdline: string | undefined): AcsOverrideOptions | undefined {
  const value = valuesOf(cmdline, 'pcie_acs_override').at(-1);
  if (value === undefined) return undefined;
  const out: AcsOverrideOptions = { downstream: false, multifunction: false, ids: [] };
  for (const opt of value.split(',')) {
    if (opt.startsWith('downstream')) out.downstream = true;
    else if (opt.startsWith('multifunction')) out.multifunction = true;
    else {
      const m = /^id:([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})/.exec(opt);
      if (m) out.ids.push({ vendor: parseInt(m[1], 16), device: parseInt(m[2], 16) });
    }
  }
  return out.downstream || out.multifunction || out.ids.length ? out : undefined;
}

/** Result of scanning one ACS parameter for one device. */
export type AcsParamMatch =
  | { kind: 'none' }
  | { kind: 'match'; mask: number; flags: number }
  /** The kernel stopped with an error before reaching a match (the device is left unchanged). */
  | { kind: 'error'; message: string };

const ALL_ACS_BITS = 0x7f;

/**
 * `pci_dev_str_match()` for one entry starting at `p`: `pci:vvvv:dddd[:ssvv:ssdd]` (0 = wildcard) or a path
 * `[dddd:]bb:dd.f[/dd.f]*` that runs to the next `;`. Returns 1 (match) / 0 (no match) / -1 (parse error) and the
 * rest of the string. Source: drivers/pci/pci.c:pci_dev_str_match, pci_dev_str_match_path (all versions).
 */
export function pciDevStrMatch(topo: HostTopology, dev: PciDevice, p: string): { ret: -1 | 0 | 1; rest: string } {
  if (p.startsWith('pci:')) {
    const m = /^([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})(?::([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4}))?/.exec(p.slice(4));
    if (!m) return { ret: -1, rest: '' };
    const [v, d, sv, sd] = [m[1], m[2], m[3] ?? '0', m[4] ?? '0'].map((x) => parseInt(x, 16));
    const rest = p.slice(4 + m[0].length);
    const ok =
      (!v || v === dev.vendorId) &&
      (!d || d === dev.deviceId) &&
      (!sv || sv === dev.subsystemVendorId) &&
      (!sd || sd === dev.subsystemDeviceId);
    return { ret: ok ? 1 : 0, rest };
  }
  const end = p.indexOf(';');
  const path = end < 0 ? p : p.slice(0, end);
  const rest = end < 0 ? '' : p.slice(end);
  const parts = path.split('/');
  let cur: PciDevice | undefined = dev;
  for (let i = parts.length - 1; i >= 1; i--) {
    const m = /^([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(parts[i]);
    if (!m) return { ret: -1, rest };
    if (!cur || topo.devfn(cur) !== ((parseInt(m[1], 16) << 3) | (parseInt(m[2], 16) & 7))) return { ret: 0, rest };
    cur = topo.upstreamBridge(cur);
    if (!cur) return { ret: 0, rest };
  }
  const m = /^(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(parts[0]);
  if (!m || !cur) return { ret: m ? 0 : -1, rest };
  const seg = m[1] ? parseInt(m[1], 16) : 0;
  const ok =
    seg === cur.bdf.domain &&
    parseInt(m[2], 16) === cur.bdf.bus &&
    topo.devfn(cur) === ((parseInt(m[3], 16) << 3) | (parseInt(m[4], 16) & 7));
  return { ret: ok ? 1 : 0, rest };
}

/**
 * Scan an ACS parameter value for `dev`, literally as the kernel does: entries are tried in order and the first
 * matching entry wins. With `withFlags` (config_acs), each entry is `<flags>@<device>`; `<flags>` is read right to
 * left (bit 0 = rightmost): '0' forces off, '1' forces on, 'x'/'X' keeps the firmware bit. A bad flag character,
 * a missing '@' or a flag bit above DT stops the scan for this device (kernel `return`), so later entries are not
 * considered either; the kernel logs "Invalid ACS flags... Ignoring", "ACS Flags missing" or
 * "Invalid ACS flags specified". Source: drivers/pci/pci.c:__pci_config_acs (≥ 6.11), pci_disable_acs_redir (≤ 6.10).
 */
export function scanAcsParam(topo: HostTopology, dev: PciDevice, value: string, withFlags: boolean): AcsParamMatch {
  let p = value;
  while (p.length) {
    let mask = 0;
    let flags = 0;
    if (withFlags) {
      const at = p.indexOf('@');
      if (at < 0) return { kind: 'error', message: 'ACS Flags missing' };
      let shift = 0;
      for (let i = at - 1; i >= 0; i--, shift++) {
        const c = p[i];
        if (c === '0') mask |= 1 << shift;
        else if (c === '1') {
          mask |= 1 << shift;
          flags |= 1 << shift;
        } else if (c !== 'x' && c !== 'X') return { kind: 'error', message: 'Invalid ACS flags... Ignoring' };
      }
      p = p.slice(at + 1);
      if (mask & ~ALL_ACS_BITS) return { kind: 'error', message: 'Invalid ACS flags specified' };
    }
    const r = pciDevStrMatch(topo, dev, p);
    if (r.ret < 0) return { kind: 'none' };
    if (r.ret === 1) return { kind: 'match', mask, flags };
    p = r.rest;
    if (p[0] !== ';' && p[0] !== ',') break;
    p = p.slice(1);
  }
  return { kind: 'none' };
}
