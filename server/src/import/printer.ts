/**
 * Print an {@link ImportedHost} as `.iommu` text (grammar: server/src/language/iommu-topology.langium).
 *
 * Deterministic: devices are nested under their parent bridge and sorted by BDF; 4-space indentation; no dates.
 * Unknown facts are omitted (the device's comments say why). Every device that was in an iommu_group on the real
 * host carries `observed-group N`, so the simulator's group computation can be compared with the host (GRP003).
 */
import { formatBdf } from '../../../src-core/src/bdf.js';
import { BRIDGE_KINDS, CONVENTIONAL_KINDS } from '../../../src-core/src/model.js';
import { acsFlagNames } from './config-space.js';
import { cmpBdf, isDslId, KEYWORDS, sortCaps } from './build.js';
import type { ImportedDevice, ImportedHost, ImportedIommu } from './types.js';

const IND = '    ';

/** Render the host. Names must already be assigned ({@link ../build.ts assignNames}). */
export function printHost(host: ImportedHost): string {
  const out: string[] = [];
  for (const h of host.header) out.push(comment('', h));
  out.push(`host ${host.name} {`);
  for (const c of host.comments) out.push(comment(IND, c));
  if (host.kernel) out.push(`${IND}kernel ${host.kernel}`);
  if (host.arch) out.push(`${IND}arch ${host.arch}`);
  if (host.cmdline !== undefined) out.push(`${IND}cmdline ${JSON.stringify(host.cmdline)}`);
  for (const [name, value] of host.params ?? []) out.push(`${IND}param ${name} = ${/^[A-Za-z0-9_]+$/.test(value) ? value : JSON.stringify(value)}`);
  for (const u of host.iommus) {
    out.push('');
    printIommu(u, out);
  }
  const byParent = new Map<string | undefined, ImportedDevice[]>();
  const known = new Set(host.devices.map((d) => formatBdf(d.bdf)));
  for (const d of host.devices) {
    const key = d.parent && known.has(d.parent) ? d.parent : undefined;
    const list = byParent.get(key) ?? [];
    list.push(d);
    byParent.set(key, list);
  }
  const roots = (byParent.get(undefined) ?? []).sort((a, b) => cmpBdf(a.bdf, b.bdf));
  const multiIommu = host.iommus.length > 1;
  const siblingsOf = (d: ImportedDevice) =>
    host.devices.filter((o) => o !== d && o.bdf.domain === d.bdf.domain && o.bdf.bus === d.bdf.bus && o.bdf.device === d.bdf.device).length;
  const printDev = (d: ImportedDevice, depth: number, inheritedIommu: string | undefined) => {
    const ind = IND.repeat(depth);
    const p = ind + IND;
    out.push('');
    out.push(`${ind}${d.kind} ${d.name} at ${formatBdf(d.bdf)} {`);
    for (const c of d.comments) out.push(comment(p, c));
    if (d.vendorId !== undefined && d.deviceId !== undefined) {
      const sub = d.subsystemVendorId !== undefined && d.subsystemDeviceId !== undefined && (d.subsystemVendorId !== 0 || d.subsystemDeviceId !== 0)
        ? ` subsystem ${hex4(d.subsystemVendorId)}:${hex4(d.subsystemDeviceId)}` : '';
      out.push(`${p}id ${hex4(d.vendorId)}:${hex4(d.deviceId)}${sub}`);
    }
    if (d.classCode !== undefined) out.push(`${p}class 0x${d.classCode.toString(16).padStart(6, '0')}`);
    if (d.bdf.fn === 0 && d.multifunction === true) out.push(`${p}multifunction`);
    else if (d.bdf.fn === 0 && d.multifunction === false && siblingsOf(d) > 0) out.push(`${p}multifunction no`);
    if (!CONVENTIONAL_KINDS.has(d.kind)) {
      if (d.acs === null) out.push(`${p}acs none`);
      else if (d.acs) {
        const cap = acsFlagNames(d.acs.cap);
        let line = `${p}acs cap${cap.length ? ` ${cap.join(' ')}` : ''}`;
        if (d.acs.ctl !== undefined) {
          const ctl = acsFlagNames(d.acs.ctl);
          line += ` ctl${ctl.length ? ` ${ctl.join(' ')}` : ''}`;
        }
        out.push(line);
      }
      // DevCtl "Enable No Snoop" as the host left it: set (the reset default) is written; clear is only this host's
      // driver's choice, and under VFIO the guest driver sets the bit (VFIO-PCI-02), so `no-snoop off` would claim
      // more than the capture knows (a silent "safe" for KVM001): it stays a comment and the simulator assumes possible
      if (d.noSnoop === true) out.push(`${p}no-snoop on`);
      else if (d.noSnoop === false) out.push(comment(p, 'DevCtl NoSnoop- on this host; under VFIO the guest driver sets it, so no-snoop is left unstated'));
    }
    if (d.driver === null) out.push(`${p}driver none`);
    else if (d.driver !== undefined) {
      if (isDslId(d.driver) && !KEYWORDS.has(d.driver)) out.push(`${p}driver ${d.driver}`);
      else out.push(comment(p, `driver ${d.driver} (not printable as a DSL name)`));
    }
    let iommu = inheritedIommu;
    if (multiIommu && d.iommu && d.iommu !== inheritedIommu && host.iommus.some((u) => u.name === d.iommu)) {
      out.push(`${p}iommu ${d.iommu}`);
      iommu = d.iommu;
    }
    if (d.observedGroup !== undefined) out.push(`${p}observed-group ${d.observedGroup}`);
    if (d.observedDomainType !== undefined) out.push(`${p}observed-domain ${d.observedDomainType}`);
    if (BRIDGE_KINDS.has(d.kind) && d.secondaryBus !== undefined) out.push(`${p}secondary-bus 0x${hex2(d.secondaryBus)}`);
    if (d.virtualFunction) out.push(`${p}virtual-function`);
    if (d.requiresDirectMapping) out.push(`${p}requires-direct-mapping`);
    const kids = (byParent.get(formatBdf(d.bdf)) ?? []).sort((a, b) => cmpBdf(a.bdf, b.bdf));
    for (const k of kids) printDev(k, depth + 1, iommu);
    out.push(`${ind}}`);
  };
  for (const r of roots) printDev(r, 1, undefined);
  out.push('}');
  return out.join('\n') + '\n';
}

function printIommu(u: ImportedIommu, out: string[]): void {
  out.push(`${IND}iommu ${u.name} {`);
  for (const c of u.comments) out.push(comment(IND + IND, c));
  out.push(`${IND}${IND}driver ${u.driver}`);
  const caps = sortCaps(u.caps);
  if (caps.length) out.push(`${IND}${IND}caps ${caps.join(', ')}`);
  if (u.msi) out.push(`${IND}${IND}msi ${u.msi}`);
  if (u.pgtable) out.push(`${IND}${IND}pgtable ${u.pgtable}`);
  if (u.cap !== undefined) out.push(`${IND}${IND}cap 0x${u.cap.toString(16)}`);
  if (u.ecap !== undefined) out.push(`${IND}${IND}ecap 0x${u.ecap.toString(16)}`);
  out.push(`${IND}}`);
}

/** A `//` comment line; newlines in the text become separate comment lines. */
function comment(indent: string, text: string): string {
  return text.split(/\r?\n/).map((t) => `${indent}// ${t}`.trimEnd()).join('\n');
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
