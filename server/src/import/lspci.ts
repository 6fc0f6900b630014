/**
 * Parse `lspci -vv -nn`, `lspci -vvv -nn -D` (and the id-only form pciutils prints without a names database,
 * `00:01.0 Class 0604: Device 8086:3408`) into devices (LSPCI-01).
 *
 * Facts per block:
 * - header: BDF, class `[cccc]` + `(prog-if pp)`, `[vvvv:dddd]`; `Subsystem: … [vvvv:dddd]`;
 * - `Bus: primary=PP, secondary=SS, subordinate=UU` → hierarchy (a function on bus B sits below the bridge whose
 *   secondary bus is B; buses no bridge claims are root buses);
 * - `Capabilities: [xx] Express (vN) <type>` → kind (CFG-PCIE-01); DevCtl continuation `NoSnoop±` (CFG-DEVCTL-01);
 * - `Capabilities: [xxx vN] Access Control Services` + `ACSCap:` / `ACSCtl:` (CFG-ACS-02); for Intel SPT/UPT root
 *   ports the ACSCtl line is wrong and is ignored (CFG-ACS-03);
 * - `Capabilities: <access denied>` (non-root) → PCIe type, ACS and DevCtl unknown, with a warning (LSPCI-01);
 * - `IOMMU group: N` (pciutils ≥ 3.7, `-vv`) or `Flags: …, IOMMU group N` (`-v`);
 * - `Kernel driver in use: X`.
 * The header type's multifunction bit is not printed (CFG-HDR-01): function 0 is marked multifunction when other
 * functions of its slot are listed, with a comment saying it was inferred.
 */
import { formatBdf } from '../../../src-core/src/bdf.js';
import { isVmdDevice, isVmdDomain } from '../../../src-core/src/groups/index.js';
import type { Bdf, PciKind } from '../../../src-core/src/model.js';
import { isIntelSptRootPort } from './config-space.js';
import { bdfOrThrow, cmpBdf } from './build.js';
import { ImportError, type ImportedDevice, type ImportWarning } from './types.js';

const HEADER_NN =
  /^((?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]) (.*?) \[([0-9a-fA-F]{4})\]: (.*) \[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\](?: \(rev ([0-9a-fA-F]{2})\))?(?: \(prog-if ([0-9a-fA-F]{2})(?: \[[^\]]*\])?\))?\s*$/;
const HEADER_IDS = /^((?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]) Class ([0-9a-fA-F]{4}): Device ([0-9a-fA-F]{4}):([0-9a-fA-F]{4})(?: \(rev ([0-9a-fA-F]{2})\))?(?: \(prog-if ([0-9a-fA-F]{2})(?: \[[^\]]*\])?\))?\s*$/;
const HEADER_ANY = /^(?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7] /;
const HEXDUMP = /^[0-9a-fA-F]{2,3}:(?:\s+[0-9a-fA-F]{2}){1,16}\s*$/;

const EXPRESS_TYPES: [RegExp, PciKind][] = [
  [/^Legacy Endpoint\b/, 'legacy-endpoint'],
  [/^Endpoint\b/, 'endpoint'],
  [/^Root Port\b/, 'root-port'],
  [/^Upstream Port\b/, 'switch-upstream'],
  [/^Downstream Port\b/, 'switch-downstream'],
  [/^PCI-Express to PCI\/PCI-X Bridge\b/, 'pcie-to-pci-bridge'],
  [/^PCI\/PCI-X to PCI-Express Bridge\b/, 'pci-to-pcie-bridge'],
  [/^Root Complex Integrated Endpoint\b/, 'rciep'],
  [/^Root Complex Event Collector\b/, 'rc-event-collector'],
];

const ACS_TOKENS = ['SrcValid', 'TransBlk', 'ReqRedir', 'CmpltRedir', 'UpstreamFwd', 'EgressCtrl', 'DirectTrans'];

/** Parse an `ACSCap:` / `ACSCtl:` token list into a 7-bit mask (CFG-ACS-02); undefined when a token is missing. */
export function parseAcsTokens(s: string): number | undefined {
  let mask = 0;
  for (let i = 0; i < ACS_TOKENS.length; i++) {
    const m = new RegExp(`\\b${ACS_TOKENS[i]}([+-])`).exec(s);
    if (!m) return undefined;
    if (m[1] === '+') mask |= 1 << i;
  }
  return mask;
}

interface Block {
  bdf: Bdf;
  line: number;
  /** A blank line (or the next header) ended the block. */
  terminated: boolean;
  lines: { text: string; line: number }[];
  dev: ImportedDevice;
  primary?: number;
  accessDenied: boolean;
}

/**
 * Parse the text.
 *
 * @param file label for messages (path, or `<stdin>`).
 * @returns devices (BDF order, parents set from bus numbers) and whether any block carried an IOMMU group.
 * @throws ImportError(file, line) for: text before the first block header, a header without vendor/device IDs
 *   (run with `-nn`), a malformed `Bus:` line, a duplicate BDF, two bridges claiming one secondary bus, a block
 *   whose Express capability has no `DevCtl:` (truncated, or `-v` instead of `-vv`), an ACS capability without its
 *   `ACSCap:`/`ACSCtl:` lines, or an input with no device block at all.
 */
export function parseLspci(textIn: string, file: string, warnings: ImportWarning[]): { devices: ImportedDevice[]; hasGroups: boolean; hasDrivers: boolean } {
  const lines = textIn.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // the final newline does not make a blank line
  const blocks: Block[] = [];
  let cur: Block | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const ln = i + 1;
    if (raw.trim() === '') {
      if (cur) cur.terminated = true;
      cur = undefined;
      continue;
    }
    if (/^\s/.test(raw)) {
      if (!cur) throw new ImportError(file, ln, `indented line outside a device block; expected a header "BB:DD.F <class> [cccc]: <name> [vvvv:dddd]"`);
      cur.lines.push({ text: raw, line: ln });
      continue;
    }
    if (cur && HEXDUMP.test(raw)) continue; // -x/-xxx/-xxxx hex lines belong to the current block; facts come from the text
    if (!HEADER_ANY.test(raw)) {
      throw new ImportError(file, ln, `expected a device header "BB:DD.F <class> [cccc]: <vendor device> [vvvv:dddd]" (lspci -vv -nn), found '${raw.slice(0, 60)}'`);
    }
    const nn = HEADER_NN.exec(raw);
    const ids = nn ? undefined : HEADER_IDS.exec(raw);
    if (!nn && !ids) throw new ImportError(file, ln, `device header without [cccc] class and [vvvv:dddd] IDs: run lspci with -nn`);
    const bdfText = (nn ?? ids)![1];
    const bdf = bdfOrThrow(bdfText.split(':').length === 2 ? `0000:${bdfText}` : bdfText, file, ln);
    const cls = parseInt(nn ? nn[3] : ids![2], 16);
    const progIf = nn ? nn[8] : ids![6];
    const dev: ImportedDevice = {
      bdf,
      kind: 'endpoint',
      vendorId: parseInt(nn ? nn[5] : ids![3], 16),
      deviceId: parseInt(nn ? nn[6] : ids![4], 16),
      classCode: (cls << 8) | (progIf ? parseInt(progIf, 16) : 0),
      comments: [],
    };
    if (blocks.some((b) => cmpBdf(b.bdf, bdf) === 0)) throw new ImportError(file, ln, `${formatBdf(bdf)} listed twice`);
    if (cur) cur.terminated = true;
    cur = { bdf, line: ln, lines: [], dev, accessDenied: false, terminated: false };
    blocks.push(cur);
  }
  if (blocks.length === 0) throw new ImportError(file, 1, 'no device blocks found: expected `lspci -vv -nn` output');
  if (blocks.every((b) => b.lines.length === 0)) {
    throw new ImportError(file, blocks[0].line, 'no detail lines under any device: run lspci with -vv (e.g. `lspci -vvv -nn -D`)');
  }

  let hasGroups = false;
  let hasDrivers = false;
  for (const b of blocks) {
    parseBlock(b, file, warnings);
    if (b.dev.observedGroup !== undefined) hasGroups = true;
    if (b.dev.driver) hasDrivers = true;
  }
  const last = blocks[blocks.length - 1];
  const lastText = last.lines.length ? last.lines[last.lines.length - 1].text.trim() : '';
  if (!last.terminated && last.lines.length > 0 && !/^Kernel (driver in use|modules):/.test(lastText)) {
    const ln = last.lines[last.lines.length - 1].line;
    throw new ImportError(file, ln, `input ends inside the block of ${formatBdf(last.bdf)} (started line ${last.line}): truncated? lspci ends every block with a blank line`);
  }


  // Hierarchy from bus numbers.
  const bySecondary = new Map<string, Block>();
  for (const b of blocks) {
    if (b.dev.secondaryBus === undefined) continue;
    const key = `${b.bdf.domain}:${b.dev.secondaryBus}`;
    const other = bySecondary.get(key);
    if (other) throw new ImportError(file, b.line, `${formatBdf(b.bdf)} and ${formatBdf(other.bdf)} (line ${other.line}) both claim secondary bus ${hex2(b.dev.secondaryBus)}`);
    bySecondary.set(key, b);
  }
  for (const b of blocks) {
    const p = bySecondary.get(`${b.bdf.domain}:${b.bdf.bus}`);
    if (p && p !== b) {
      b.dev.parent = formatBdf(p.bdf);
      continue;
    }
    const encl = blocks.find((o) => o !== b && o.dev.secondaryBus !== undefined && o.dev.subordinateBus !== undefined && o.bdf.domain === b.bdf.domain
      && b.bdf.bus > o.dev.secondaryBus && b.bdf.bus <= o.dev.subordinateBus);
    if (encl) {
      warnings.push({ code: 'MISSING_BRIDGE', message: `${formatBdf(b.bdf)}: bus ${hex2(b.bdf.bus)} lies behind ${formatBdf(encl.bdf)} but no listed bridge has it as secondary bus; placed on a root bus`, file, line: b.line, bdf: formatBdf(b.bdf) });
      b.dev.comments.push(`bus ${hex2(b.bdf.bus)} is behind ${formatBdf(encl.bdf)} but its bridge is not in the dump: placed at the top level`);
    }
  }
  // GRP-ALIAS-04: the root buses of an Intel VMD domain (≥ 0x10000) belong to a VMD endpoint, which lspci does not
  // name (sysfs does, by path). With one VMD endpoint in the dump they are its; with several it is ambiguous.
  const vmdChildren = blocks.filter((b) => isVmdDomain(b.bdf.domain) && b.dev.parent === undefined);
  if (vmdChildren.length) {
    const endpoints = blocks.filter((b) => !isVmdDomain(b.bdf.domain) && isVmdDevice(b.dev));
    for (const b of vmdChildren) {
      if (endpoints.length === 1) {
        b.dev.parent = formatBdf(endpoints[0].bdf);
        b.dev.comments.push(`in the VMD domain of ${formatBdf(endpoints[0].bdf)}, the dump's only VMD endpoint (lspci does not say which endpoint holds a domain)`);
      } else {
        const which = endpoints.length ? `${endpoints.length} VMD endpoints (${endpoints.map((e) => formatBdf(e.bdf)).join(', ')}) could hold it` : 'no VMD endpoint is in the dump';
        warnings.push({ code: 'VMD_DOMAIN', message: `${formatBdf(b.bdf)}: domain ≥ 0x10000 (Intel VMD child), but ${which}; placed at the top level, so it is not grouped with its VMD endpoint (GRP-ALIAS-04). Import from sysfs, whose paths say which.`, file, line: b.line, bdf: formatBdf(b.bdf) });
      }
    }
  }
  // Kinds that depend on position; multifunction inference; driver none.
  for (const b of blocks) {
    const d = b.dev;
    if (d.kind === 'host-bridge' && d.parent) d.kind = 'pci-device';
    if (d.bdf.fn === 0) {
      const sib = blocks.some((o) => o !== b && o.bdf.domain === d.bdf.domain && o.bdf.bus === d.bdf.bus && o.bdf.device === d.bdf.device);
      if (sib) {
        d.multifunction = true;
        d.comments.push('multifunction inferred from the other functions of this slot (lspci does not print the header bit, CFG-HDR-01)');
      }
    }
    if (hasDrivers && d.driver === undefined) d.driver = null;
  }
  return { devices: blocks.map((b) => b.dev).sort((a, b) => cmpBdf(a.bdf, b.bdf)), hasGroups, hasDrivers };
}

function parseBlock(b: Block, file: string, warnings: ImportWarning[]): void {
  const d = b.dev;
  const bdf = formatBdf(b.bdf);
  let express: { kind?: PciKind; line: number; devCtlSeen: boolean; typeText: string } | undefined;
  let acs: { line: number; cap?: number; ctl?: number } | undefined;
  let section = '';
  let devCtlFollow = 0;
  let conventionalKnown = false;
  for (let i = 0; i < b.lines.length; i++) {
    const { text: raw, line } = b.lines[i];
    const t = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^Capabilities: (.*)$/.exec(t))) {
      devCtlFollow = 0;
      const rest = m[1];
      if (/^<access denied>/.test(rest)) {
        b.accessDenied = true;
        section = 'denied';
        continue;
      }
      const cm = /^\[([0-9a-fA-F]{2,3})(?: v(\d+))?\] (.*)$/.exec(rest);
      if (!cm) throw new ImportError(file, line, `expected "Capabilities: [xx] <name>", found '${t.slice(0, 60)}'`);
      const name = cm[3];
      conventionalKnown = true;
      if ((m = /^Express (?:\(v(\d+)\) )?(.*)$/.exec(name))) {
        const typeText = m[2];
        const k = EXPRESS_TYPES.find(([re]) => re.test(typeText));
        express = { kind: k?.[1], line, devCtlSeen: false, typeText };
        section = 'express';
        if (!k) {
          warnings.push({ code: 'UNKNOWN_PCIE_TYPE', message: `${bdf}: unknown PCIe type '${typeText}'`, file, line, bdf });
          d.comments.push(`PCIe type '${typeText}' not recognised (CFG-PCIE-01)`);
        }
      } else if (/^Access Control Services/.test(name)) {
        acs = { line };
        section = 'acs';
      } else section = 'other';
      continue;
    }
    if ((m = /^Subsystem: .*\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]\s*$/.exec(t)) && section === '') {
      d.subsystemVendorId = parseInt(m[1], 16);
      d.subsystemDeviceId = parseInt(m[2], 16);
      continue;
    }
    if (/^Bus: /.test(t)) {
      const bm = /^Bus: primary=([0-9a-fA-F]{2}), secondary=([0-9a-fA-F]{2}), subordinate=([0-9a-fA-F]{2})(?:, sec-latency=\d+)?\s*$/.exec(t);
      if (!bm) throw new ImportError(file, line, `expected "Bus: primary=PP, secondary=SS, subordinate=UU, sec-latency=N", found '${t.slice(0, 70)}'`);
      b.primary = parseInt(bm[1], 16);
      d.secondaryBus = parseInt(bm[2], 16);
      d.subordinateBus = parseInt(bm[3], 16);
      if (b.primary !== b.bdf.bus) {
        warnings.push({ code: 'BUS_MISMATCH', message: `${bdf}: primary bus ${bm[1]} differs from its own bus ${hex2(b.bdf.bus)}`, file, line, bdf });
      }
      continue;
    }
    if ((m = /^IOMMU group: (\d+)\s*$/.exec(t))) {
      d.observedGroup = Number(m[1]);
      continue;
    }
    if ((m = /^Flags: .*\bIOMMU group (\d+)\b/.exec(t))) {
      d.observedGroup = Number(m[1]);
      continue;
    }
    if ((m = /^Kernel driver in use: (\S+)\s*$/.exec(t))) {
      d.driver = m[1];
      continue;
    }
    if (section === 'express') {
      if (/^DevCtl:/.test(t)) {
        express!.devCtlSeen = true;
        devCtlFollow = 3;
        const ns = /\bNoSnoop([+-])/.exec(t);
        if (ns) {
          d.noSnoop = ns[1] === '+';
          devCtlFollow = 0;
        }
        continue;
      }
      if (devCtlFollow > 0) {
        devCtlFollow--;
        const ns = /\bNoSnoop([+-])/.exec(t);
        if (ns) {
          d.noSnoop = ns[1] === '+';
          devCtlFollow = 0;
        }
        continue;
      }
    }
    if (section === 'acs') {
      if ((m = /^ACSCap:\s*(.*)$/.exec(t))) {
        const v = parseAcsTokens(m[1]);
        if (v === undefined) throw new ImportError(file, line, `expected "ACSCap: SrcValid± TransBlk± ReqRedir± CmpltRedir± UpstreamFwd± EgressCtrl± DirectTrans±"`);
        acs!.cap = v;
        continue;
      }
      if ((m = /^ACSCtl:\s*(.*)$/.exec(t))) {
        const v = parseAcsTokens(m[1]);
        if (v === undefined) throw new ImportError(file, line, `expected "ACSCtl: SrcValid± TransBlk± ReqRedir± CmpltRedir± UpstreamFwd± EgressCtrl± DirectTrans±"`);
        acs!.ctl = v;
        continue;
      }
    }
  }

  // Kind.
  if (express?.kind) d.kind = express.kind;
  else if (express) d.kind = d.secondaryBus !== undefined ? 'pci-bridge' : 'endpoint';
  else if (b.accessDenied || !conventionalKnown) {
    // No capability list readable (non-root) or none at all.
    const base = d.classCode! >> 8;
    if (b.accessDenied) {
      d.kind = d.secondaryBus !== undefined ? (b.bdf.bus === 0 ? 'root-port' : 'pci-bridge') : base === 0x0600 ? 'host-bridge' : b.bdf.bus === 0 ? 'pci-device' : 'endpoint';
      d.comments.push(`"Capabilities: <access denied>" (lspci run without root, LSPCI-01): PCIe type, ACS and DevCtl unknown; kind '${d.kind}' inferred from class and position`);
      warnings.push({ code: 'ACCESS_DENIED', message: `${bdf}: capabilities not readable (lspci without root); kind inferred, ACS/DevCtl unknown`, file, line: b.line, bdf });
    } else {
      d.kind = d.secondaryBus !== undefined ? 'pci-bridge' : base === 0x0600 ? 'host-bridge' : 'pci-device';
    }
  } else {
    d.kind = d.secondaryBus !== undefined ? 'pci-bridge' : (d.classCode! >> 8) === 0x0600 ? 'host-bridge' : 'pci-device';
  }

  // Completeness checks: a verbose Express capability always has DevCtl; an ACS capability always has both lines.
  if (express && !express.devCtlSeen) {
    throw new ImportError(file, express.line, `${bdf}: Express capability without a "DevCtl:" line: the block is truncated, or lspci ran with -v instead of -vv`);
  }
  if (acs && (acs.cap === undefined || acs.ctl === undefined)) {
    throw new ImportError(file, acs.line, `${bdf}: "Access Control Services" without ${acs.cap === undefined ? '"ACSCap:"' : '"ACSCtl:"'}: the block is truncated, or lspci ran with -v instead of -vv`);
  }

  // ACS.
  if (express) {
    if (acs) {
      if (d.kind === 'root-port' && isIntelSptRootPort(d.vendorId, d.deviceId)) {
        d.acs = { cap: acs.cap! };
        d.comments.push('Intel SPT/UPT PCH root port: lspci shows the wrong ACSCtl (it reads cap+6; Control is a dword at cap+8, CFG-ACS-03); ctl omitted, the kernel quirk decides');
        warnings.push({ code: 'SPT_ACSCTL', message: `${bdf}: Sunrise/Union Point root port ${hex4(d.vendorId!)}:${hex4(d.deviceId!)}: ACSCtl from lspci ignored (CFG-ACS-03)`, file, line: acs.line, bdf });
      } else d.acs = { cap: acs.cap!, ctl: acs.ctl! };
    } else {
      // Extended capabilities are printed only when lspci could read them; at -vv a missing ACS header means absent.
      d.acs = null;
    }
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
