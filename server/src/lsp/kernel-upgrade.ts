/**
 * The `iommu/kernelUpgrade` request behind the client's "Preview Kernel Upgrade…" command: the document's topology
 * (with its imports, as validation lowers it) simulated on the target kernel by the core (`kernelUpgrade`), compared
 * with the cached simulation as written, as Markdown: per host the modelled releases crossed, then the findings that
 * appear and those that go away, with the severities diagnostics get (`iommu.severityOverrides`; a code set to `off`
 * is left out, as it is from the Problems panel). The server formats; what changes is the core's.
 */
import type { LangiumSharedServices } from 'langium/lsp';
import { validatedDocument } from './validated-document.js';
import { gateRelease } from '../../../src-core/src/kernel-gates.js';
import { kernelUpgrade } from '../../../src-core/src/kernel-upgrade.js';
import { ASSUMED_KERNEL, formatKernel, parseKernelVersion } from '../../../src-core/src/kernel-version.js';
import type { Finding } from '../../../src-core/src/findings.js';
import type { IommuServices } from '../language/iommu-module.js';
import { effectiveSeverity, severityOverrides } from '../language/iommu-validator.js';
import type { DocumentSimulation } from '../lowering/simulation-cache.js';
import { KERNEL_UPGRADE_REQUEST, type KernelUpgradeParams, type KernelUpgradeResult } from '../protocol/kernel-upgrade.js';

/**
 * The preview of simulating `sim`'s topology on kernel `toText`, as {@link KernelUpgradeResult}. `title` names the
 * document. A host whose simulation validation holds back (SYN003) is left out of the comparison's trust: it is
 * named at the top. `overrides` is `iommu.severityOverrides` (code → severity or `off`): findings are listed and counted
 * with the severity their diagnostics show, and a code that is `off` is neither listed nor counted.
 */
export function kernelUpgradePreview(
  sim: DocumentSimulation,
  toText: string,
  title: string,
  options: Parameters<typeof kernelUpgrade>[2] = {},
  overrides: Record<string, string> = {},
): KernelUpgradeResult {
  const to = parseKernelVersion(toText);
  if (!to) return { error: `'${toText}' is not a kernel version (X.Y or X.Y.Z)` };
  if (!sim.topology.hosts.length) return { error: `${title} declares or imports no host` };
  const u = kernelUpgrade(sim.topology, to, options, sim.result);
  const k = formatKernel(to);
  const name = (id: string) => sim.topology.hosts.find((h) => h.id === id)?.name ?? id;
  const lines = [`# Kernel ${k}: what changes for ${title}`, ''];
  for (const id of sim.heldBack.keys()) lines.push(`_Host ${name(id)}: its simulation is held back (SYN003) until the file names every IOMMU driver and device kind; the comparison may miss what depends on them._`, '');
  for (const h of u.hosts) {
    lines.push(`## host ${name(h.hostId)}: kernel ${h.from ? formatKernel(h.from) : `${formatKernel(ASSUMED_KERNEL)} (assumed)`} → ${k}`, '');
    if (!h.gates.length) lines.push('No modelled behaviour changes between these releases.', '');
    for (const { gate, change } of h.gates) {
      lines.push(`- **${change === 'gained' ? '+' : '−'} ${gateRelease(gate)}** ${gate.area}: ${change === 'gained' ? gate.from : gate.before} _(${gate.rule})_`);
    }
    if (h.gates.length) lines.push('');
  }
  const shown = (fs: readonly Finding[]) => fs.flatMap((f) => {
    const severity = effectiveSeverity(f, overrides);
    return severity ? [{ ...f, severity }] : [];
  });
  const appeared = shown(u.appeared);
  const resolved = shown(u.resolved);
  // the findings as written that stay: all shown ones minus those that go away
  const unchanged = sim.result.findings.filter((f) => effectiveSeverity(f, overrides) !== undefined).length - resolved.length;
  const item = (f: Finding) => `- **${f.code}** (${f.severity}) ${f.message}`;
  lines.push(`## New on ${k} (${appeared.length})`, '', ...(appeared.length ? appeared.map(item) : ['None.']), '');
  lines.push(`## Gone on ${k} (${resolved.length})`, '', ...(resolved.length ? resolved.map(item) : ['None.']), '');
  lines.push(`${unchanged} finding(s) unchanged. Command line: \`iommu-topo upgrade <file> --to ${k}\`.`);
  return { markdown: lines.join('\n'), appeared: appeared.length, resolved: resolved.length };
}

/** Answer {@link KERNEL_UPGRADE_REQUEST} on the language server's connection (no-op without one), after validation. */
export function installKernelUpgrade(shared: LangiumSharedServices, services: IommuServices): void {
  const connection = shared.lsp?.Connection;
  if (!connection) return;
  connection.onRequest(KERNEL_UPGRADE_REQUEST, async (params: KernelUpgradeParams, token): Promise<KernelUpgradeResult | null> => {
    const doc = await validatedDocument(shared, params.uri, token);
    if (!doc) return null;
    if (doc.parseResult.parserErrors.length || doc.parseResult.lexerErrors.length) return { error: 'the file has syntax errors: fix them first (SYN000)' };
    const cache = services.simulation.SimulationCache;
    const title = doc.uri.path.split('/').pop() ?? doc.uri.toString();
    return kernelUpgradePreview(cache.get(doc), String(params.to ?? ''), title, cache.getOptions(), await severityOverrides(shared.workspace.ConfigurationProvider));
  });
}

export { KERNEL_UPGRADE_REQUEST } from '../protocol/kernel-upgrade.js';
