import type { Finding, FixHint } from '../findings.js';
import { computeGroupDetails } from '../groups/index.js';
import { devLabel } from '../groups/names.js';
import { hostGroupings, labelSet, members } from './grp-common.js';
import type { Rule } from './rule.js';

/** GRP005: ACS was not enabled before iommu_group formation (stable regression window or DT < 7.0). */
export const grpAcsTimingRule: Rule = {
  meta: {
    code: 'GRP005',
    title: 'ACS enabled after iommu_group formation',
    defaultSeverity: 'warning',
    severityNote: 'info when a fixed kernel gives the same groups',
    summary:
      'On this kernel the PCI core enables ACS only after the IOMMU has formed groups: stable 6.12.75–6.12.77 (backport of "PCI: Enable ACS after configuring IOMMU for OF platforms" without the 6.15 probe-path change), and device-tree platforms before 7.0. Groups are computed from the firmware ACS Control values and are often larger than on a fixed kernel.',
    kernel: [
      { rule: 'GRP-ACS-06', source: 'drivers/pci/pci.c:pci_acs_init, drivers/pci/pci-driver.c:pci_dma_configure, drivers/iommu/of_iommu.c:of_iommu_configure', versions: '6.12.75–6.12.77; DT < 7.0', commit: '7a126c1b6cfa (stable backport of c41e2fb67e26); bcb81ac6ae3c (6.15)' },
      { rule: 'GRP-ACS-05', source: 'drivers/pci/pci.c:pci_std_enable_acs', versions: 'all' },
    ],
    fix: 'Use a kernel outside the regression window (6.12.74, or ≥ 7.0 for device-tree platforms).',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const { host, details, kernel } of hostGroupings(ctx)) {
      const t = details.timing;
      if (t.cause !== 'stable-regression' && t.cause !== 'devicetree-late') continue;
      if (!details.groups.length) continue;
      const fixed = computeGroupDetails(host, kernel, ctx.options, { acsEnabledBeforeGrouping: true });
      const changed = details.groups.filter((g) => {
        const f = new Set(g.deviceIds.map((id) => fixed.groupOf.get(id)));
        return f.size > 1;
      });
      const lines = changed.map((g) => {
        const parts = [...new Set(g.deviceIds.map((id) => fixed.groupOf.get(id)!))].map((fg) => labelSet(fixed.topology, members(fixed, fg).filter((d) => g.deviceIds.includes(d.id))));
        return `group ${labelSet(details.topology, members(details, g))} would split into ${parts.join(' + ')}`;
      });
      const noFw = host.devices.filter((d) => d.acs && d.acs.firmwareCtl === undefined && d.acs.cap);
      const fixes: FixHint[] = [{ kind: 'set-kernel', hostId: host.id, version: t.cause === 'stable-regression' ? '6.12.74' : '7.0' }];
      out.push({
        code: 'GRP005',
        severity: changed.length ? 'warning' : 'info',
        message: `host ${host.name}: ACS is enabled after iommu_group formation, groups use firmware ACS values; ${changed.length ? `with a fixed kernel ${changed.length} group(s) would be smaller` : 'a fixed kernel gives the same groups'}`,
        explanation:
          `${t.text}. \`pci_device_group\` therefore reads the ACS Control registers as firmware left them (GRP-ACS-06), and the Intel PCH quirk enable hook has not run either.` +
          (lines.length ? `\n\nWith ACS enabled before grouping:\n${lines.map((l) => `- ${l}`).join('\n')}` : '') +
          (noFw.length ? `\n\nNo \`firmwareCtl\` is given for ${noFw.map(devLabel).join(', ')}; their \`ctl\` value was taken as the firmware value.` : ''),
        elementId: host.id,
        related: changed.flatMap((g) => g.deviceIds.slice(0, 1)).map((id) => ({ id, message: 'its group would be smaller with a fixed kernel' })),
        kernel: this.meta.kernel,
        fixes,
      });
    }
    return out;
  },
};
