/**
 * Canonical, JSON-serialisable summary of one `simulate()` result, for the equivalence snapshot: everything a
 * consumer can observe (groups with numbers, members and reasons; effective ACS; per-device caps; per-VM attach
 * outcomes; findings in result order). Long texts are kept verbatim where short and digested where long, so
 * the fixture stays reviewable but any change in any field changes the summary.
 */
import { createHash } from 'node:crypto';
import type { SimulationResult } from '../../src/analysis.js';
import { isGroupingDetails } from '../../src/groups/index.js';
import type { Topology } from '../../src/model.js';
import { attachDetail, vmDetail } from '../../src/vm/details.js';

const digest = (x: unknown) => createHash('sha256').update(JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v))).digest('hex').slice(0, 16);

export function summarize(input: Topology, res: SimulationResult): unknown {
  const hosts = input.hosts.map((h) => {
    const a = res.hosts.get(h.id)!;
    const g = a.grouping;
    const details = isGroupingDetails(g)
      ? {
          assumedNoAcs: [...g.assumedNoAcs].sort(),
          ungrouped: [...g.ungrouped].sort((x, y) => (x[0] < y[0] ? -1 : 1)),
          timing: g.timing,
          effectiveAcs: digest([...g.effectiveAcs]),
        }
      : undefined;
    return {
      hostId: h.id,
      kernel: a.kernel,
      bootParams: a.bootParams,
      acsEnabledBeforeGrouping: g.acsEnabledBeforeGrouping,
      groups: g.groups.map((x) => ({ number: x.number, iommuId: x.iommuId, deviceIds: x.deviceIds, reasons: digest(x.reasons) })),
      groupOf: digest([...g.groupOf].map(([id, x]) => [id, x.number])),
      effectiveAcsCtl: digest([...g.effectiveAcsCtl]),
      details,
      caps: [...a.caps.values()].map((c) => [c.deviceId, c.iommuId ?? '-', +c.cacheCoherency, +c.enforceCoherency, +c.enforceIsReportedOnly, +c.isolatedMsi, +c.dmaCoherent].join(' ')),
    };
  });
  const vms = input.vms.map((v) => {
    const a = res.vms.get(v.id);
    if (!a) return { vmId: v.id, missing: true };
    return {
      vmId: v.id,
      kvmNoncoherent: a.kvmNoncoherent,
      wbinvd: a.wbinvd,
      detail: vmDetail(a),
      attach: a.attach.map((o) => ({ ...o, detail: digest(attachDetail(o)) })),
    };
  });
  const findings = res.findings.map((f) => ({ code: f.code, elementId: f.elementId, severity: f.severity, message: f.message, rest: digest({ ...f, vmId: undefined }) }));
  return { hosts, vms, findings };
}

/**
 * {@link summarize}, with each host's groups and caps, the VM outcomes and the findings reduced to a count and a
 * digest (for the bigger cases, to keep the fixture small; the small cases keep the readable form).
 */
export function summarizeCompact(input: Topology, res: SimulationResult): unknown {
  const full = summarize(input, res) as { hosts: Record<string, unknown>[]; vms: unknown[]; findings: { code: string }[] };
  const codes: Record<string, number> = {};
  for (const f of full.findings) codes[f.code] = (codes[f.code] ?? 0) + 1;
  const packed = (xs: unknown[]) => ({ count: xs.length, digest: digest(xs) });
  return {
    hosts: full.hosts.map((h) => ({ ...h, groups: packed(h.groups as unknown[]), caps: packed(h.caps as unknown[]) })),
    vms: packed(full.vms),
    findingCodes: codes,
    findings: packed(full.findings),
  };
}
