/**
 * `iommu-topo upgrade <paths…> --to <version>`: what changes if the hosts boot another kernel. The files are checked
 * twice with the same services, once as written and once with every host on the target kernel
 * (`SimulationOptions.kernelOverride`); the report lists, per host, the modelled releases crossed (the core's gate
 * table, `gatesBetween`), and per file the diagnostics that appear and those that go away. Diagnostics are matched
 * by code and range, so a finding whose message only names the kernel version counts as unchanged.
 *
 * Exit codes: 0 = the target kernel adds no error; 1 = it adds at least one error; 2 = bad input or syntax errors.
 */
import { AstUtils, URI } from 'langium';
import { ASSUMED_KERNEL, formatKernel } from '../../../src-core/src/kernel-version.js';
import { gatesBetween, gateRelease, STABLE_EXCEPTIONS, type CrossedGate } from '../../../src-core/src/kernel-gates.js';
import { unmatchedBy } from '../../../src-core/src/kernel-upgrade.js';
import type { KernelVersion } from '../../../src-core/src/model.js';
import { notSimulatedReason } from '../../../src-core/src/rules/arch-unmodelled.js';
import type { Diagnostic } from 'vscode-languageserver-types';
import { diagnosticMessage, type IommuDiagnosticData } from '../language/iommu-validator.js';
import { diagnosticLine, displayPath, type CheckRun } from './check.js';

/** One host of the checked files, its kernel before and after, and the releases crossed. */
export interface UpgradeHost {
  name: string;
  /** The declaring file, relative to the working directory. */
  path: string;
  /**
   * The kernel it is simulated with now (`X.Y[.Z]`), or `6.12 (assumed)` when neither a kernel line nor a default gives
   * one (the kernel the simulator assumes, KVER000).
   */
  from: string;
  to: string;
  gates: CrossedGate[];
  /**
   * Stable-series exceptions (STABLE_EXCEPTIONS, e.g. the 6.12.75–6.12.77 ACS regression) the move enters (`entered`:
   * the target kernel is in the range, the current one not) or leaves (`left`).
   */
  stable: { range: string; what: string; rule: string; change: 'entered' | 'left' }[];
  /** Set for a host the simulator leaves out (POWER, ARCH001): why; `gates` is then empty. */
  notSimulated?: string;
}

/** The diagnostics of one file that the target kernel adds and removes. */
export interface UpgradeFile {
  path: string;
  appeared: Diagnostic[];
  resolved: Diagnostic[];
  unchanged: number;
}

export interface UpgradeReport {
  to: string;
  hosts: UpgradeHost[];
  files: UpgradeFile[];
}

/**
 * `code severity start end` of a diagnostic: the identity two runs of the same text share. The severity is part of it,
 * so a warning that becomes an error on the target kernel (DOM001 when the generic check arrives) shows as one gone
 * and one new: the gate must see the new error.
 */
function key(d: Diagnostic): string {
  const code = typeof d.code === 'string' ? d.code : ((d.data as IommuDiagnosticData | undefined)?.code ?? '');
  return `${code} ${d.severity ?? ''} ${d.range.start.line}:${d.range.start.character} ${d.range.end.line}:${d.range.end.character}`;
}

/**
 * Compare `current` (the files as written) with `target` (the same files, every host on `to`). Both runs must be of
 * the same files in the same order (`runCheck` with the same list). Hosts are those the files declare, and those they import whose file is not among them, once each.
 */
export function upgradeReport(current: CheckRun, target: CheckRun, to: KernelVersion, cwd = process.cwd()): UpgradeReport {
  const hosts: UpgradeHost[] = [];
  const seen = new Set<string>();
  const given = new Set(current.files.map((f) => f.document.uri.toString()));
  for (const f of current.files) {
    const sim = current.services.simulation.SimulationCache.get(f.document);
    for (const h of sim.topology.hosts) {
      // reported with the file that declares it when that file is checked too; a VM file alone reports the host it imports
      const node = sim.nodeOf.get(h.id);
      const where = node ? AstUtils.getDocument(node).uri.toString() : undefined;
      const id = `${h.name}\0${where ?? f.path}`;
      if ((where && where !== f.document.uri.toString() && given.has(where)) || seen.has(id)) continue;
      seen.add(id);
      const path = displayPath(cwd, where ? URI.parse(where).fsPath : f.path);
      // a host the simulator leaves out (ARCH001) crosses no modelled release: listed with why
      if (!sim.result.hosts.has(h.id)) {
        const why = notSimulatedReason(h);
        if (why) hosts.push({ name: h.name, path, from: h.kernel ? formatKernel(h.kernel) : '', to: formatKernel(to), gates: [], stable: [], notSimulated: `${why} (ARCH001)` });
        continue;
      }
      const from = sim.result.hosts.get(h.id)?.kernel;
      hosts.push({ name: h.name, path, from: from ? formatKernel(from) : `${formatKernel(ASSUMED_KERNEL)} (assumed)`, to: formatKernel(to), gates: gatesBetween(h, from, to), stable: stableCrossed(from ?? ASSUMED_KERNEL, to) });
    }
  }
  const files: UpgradeFile[] = current.files.map((f, i) => {
    const after = target.files[i]?.diagnostics ?? [];
    const appeared = unmatchedBy(after, f.diagnostics, key);
    const resolved = unmatchedBy(f.diagnostics, after, key);
    return { path: displayPath(cwd, f.path), appeared, resolved, unchanged: f.diagnostics.length - resolved.length };
  });
  return { to: formatKernel(to), hosts, files };
}

/** The stable-series exceptions entered or left moving from `from` to `to` (see `UpgradeHost.stable`). */
function stableCrossed(from: KernelVersion, to: KernelVersion): UpgradeHost['stable'] {
  return STABLE_EXCEPTIONS.flatMap((e) => {
    const was = e.matches(from);
    const now = e.matches(to);
    return was === now ? [] : [{ range: e.range, what: e.what, rule: e.rule, change: now ? ('entered' as const) : ('left' as const) }];
  });
}

/** 1 when the target kernel adds an error-severity diagnostic, else 0. */
export function upgradeExitCode(report: UpgradeReport): number {
  return report.files.some((f) => f.appeared.some((d) => (d.severity ?? 1) === 1)) ? 1 : 0;
}

/**
 * The text report: per host `host ws (file): kernel 6.1 → 6.12`, the releases crossed (`+` gained, `-` lost, with
 * what changes), then per file the diagnostics that appear (`+`) and go away (`-`) in the `check` format.
 */
export function formatUpgradeText(report: UpgradeReport): string {
  const lines: string[] = [];
  for (const h of report.hosts) {
    if (h.notSimulated) {
      lines.push(`host ${h.name} (${h.path}): ${h.notSimulated}`);
      continue;
    }
    lines.push(`host ${h.name} (${h.path}): kernel ${h.from} → ${h.to}`);
    if (!h.gates.length && !h.stable.length) lines.push('  no modelled behaviour changes between these releases');
    for (const { gate, change } of h.gates) {
      lines.push(`  ${change === 'gained' ? '+' : '-'} ${gateRelease(gate)} ${gate.area}: ${change === 'gained' ? gate.from : gate.before} (${gate.rule})`);
    }
    for (const e of h.stable) lines.push(`  ${e.change === 'entered' ? '+' : '-'} stable ${e.range}: ${e.change === 'entered' ? e.what : `no longer: ${e.what}`} (${e.rule})`);
  }
  let added = 0;
  let gone = 0;
  for (const f of report.files) {
    if (!f.appeared.length && !f.resolved.length) continue;
    lines.push('', `${f.path}: ${f.appeared.length} new, ${f.resolved.length} gone, ${f.unchanged} unchanged`);
    for (const d of f.appeared) lines.push(`  + ${diagnosticLine(f.path, d)}`);
    for (const d of f.resolved) lines.push(`  - ${diagnosticLine(f.path, d)}`);
    added += f.appeared.length;
    gone += f.resolved.length;
  }
  lines.push('', `on ${report.to}: ${added} new finding(s), ${gone} gone, in ${report.files.length} file(s)`);
  return lines.join('\n');
}

/** The JSON report (one object; `version` is the CLI's JSON schema version). */
export function upgradeJson(report: UpgradeReport, version: number): unknown {
  const diag = (d: Diagnostic) => ({
    code: typeof d.code === 'string' ? d.code : ((d.data as IommuDiagnosticData | undefined)?.code ?? ''),
    severity: ['error', 'error', 'warning', 'info', 'hint'][d.severity ?? 1],
    message: diagnosticMessage(d),
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
  });
  return {
    version,
    to: report.to,
    hosts: report.hosts.map((h) => ({ ...h, gates: h.gates.map(({ gate, change }) => ({ id: gate.id, release: gateRelease(gate), change, area: gate.area, now: change === 'gained' ? gate.from : gate.before, was: change === 'gained' ? gate.before : gate.from, rule: gate.rule, source: gate.source })) })),
    files: report.files.map((f) => ({ path: f.path, appeared: f.appeared.map(diag), resolved: f.resolved.map(diag), unchanged: f.unchanged })),
  };
}
