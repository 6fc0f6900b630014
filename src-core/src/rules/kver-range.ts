import type { Finding } from '../findings.js';
import { compareKernel, formatKernel, inMainlineRange } from '../kernel-version.js';
import type { KernelVersion } from '../model.js';
import type { Rule } from './rule.js';

/** The oldest and newest kernel trees the reference was read from (kernel-rules-vfio-kvm.md §0.1: S-5.15, S-7.2). */
export const MODELLED_KERNELS: { oldest: KernelVersion; newest: KernelVersion } = { oldest: { major: 5, minor: 15 }, newest: { major: 7, minor: 2 } };

/**
 * Whether `k` lies outside the modelled releases ({@link MODELLED_KERNELS}), compared by mainline release (X.Y):
 * `older`, `newer`, or undefined when inside. Never throws.
 */
export function outsideModelled(k: KernelVersion): 'older' | 'newer' | undefined {
  const { oldest, newest } = MODELLED_KERNELS;
  if (inMainlineRange(k, [oldest.major, oldest.minor], [newest.major, newest.minor])) return undefined;
  return compareKernel(k, oldest) < 0 ? 'older' : 'newer';
}

/**
 * KVER002: the host's kernel is older than the oldest or newer than the newest tree the reference was read from: the
 * simulator applies the nearest behaviour it knows (the ≤ 5.18 model for older kernels, the newest for newer ones),
 * which can miss what changed outside that range. Compared by mainline release (X.Y). The kernel is the effective one,
 * the one the simulation uses: the declared `kernel`, else `SimulationOptions.defaultKernel` (the CLI's
 * `--default-kernel`, the editor's `iommu.defaultKernel`); with neither, KVER000 reports the assumption instead.
 */
export const kverRangeRule: Rule = {
  meta: {
    code: 'KVER002',
    title: 'kernel outside the modelled releases',
    defaultSeverity: 'info',
    summary:
      'The host kernel is older than 5.15 or newer than 7.2, the oldest and newest trees the simulator\'s reference was read from. The simulator extends the nearest behaviour it knows (the ≤ 5.18 rules to older kernels, the newest rules to newer ones); what changed outside that range is not modelled (for example VFIO before the 5.x reworks, or a later kernel\'s new checks).',
    kernel: [{ rule: '§0.1 sources', source: 'kernel-rules-vfio-kvm.md §0.1 (S-5.15 … S-7.2)', versions: '5.15–7.2' }],
    fix: 'Nothing to change if the kernel is right; treat the answers as the nearest modelled release\'s.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const host of ctx.topology.hosts) {
      const k = ctx.hosts.get(host.id)?.kernel;
      if (!k) continue;
      const which = host.kernel ? 'kernel' : 'default kernel';
      const outside = outsideModelled(k);
      if (!outside) continue;
      const older = outside === 'older';
      const nearest = formatKernel(older ? MODELLED_KERNELS.oldest : MODELLED_KERNELS.newest);
      out.push({
        code: 'KVER002',
        severity: 'info',
        message: `host ${host.name}: ${which} ${formatKernel(k)} is ${older ? 'older' : 'newer'} than the modelled releases (5.15–7.2); answers follow ${nearest}`,
        explanation: `The simulator's reference was read from kernel trees 5.15 to 7.2. For kernel ${formatKernel(k)} it applies the behaviour it knows for ${older ? 'the oldest of them (the ≤ 5.18 VFIO model: container viability allow-list, no DMA-ownership counting)' : 'the newest of them'}; anything that changed ${older ? 'before 5.15' : 'after 7.2'} is not modelled.`,
        elementId: host.id,
        related: [],
        kernel: this.meta.kernel,
      });
    }
    return out;
  },
};
