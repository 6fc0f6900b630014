import { GATES, since, gateRelease } from '../kernel-gates.js';
import { effectiveKernel } from '../caps/platform.js';
import type { Finding, FixHint } from '../findings.js';
import { formatKernel } from '../kernel-version.js';
import type { Rule } from './rule.js';

/** KVER001: the VM's backend needs a newer kernel (iommufd ≥ 6.2, VFIO cdev ≥ 6.6). */
export const kverBackendRule: Rule = {
  meta: {
    code: 'KVER001',
    title: 'backend needs a newer kernel',
    defaultSeverity: 'error',
    summary: 'iommufd (/dev/iommu, group-compat) exists from 6.2; the VFIO device cdev (/dev/vfio/devices/vfioX, VFIO_DEVICE_BIND_IOMMUFD) from 6.6. On older kernels the VMM cannot open them (-ENOENT).',
    kernel: [
      { rule: '§7 timeline', source: 'drivers/iommu/iommufd/main.c', versions: '≥ 6.2' },
      { rule: 'VFIO-GRP-08', source: 'drivers/vfio/device_cdev.c:vfio_df_ioctl_bind_iommufd', versions: '≥ 6.6' },
    ],
    fix: 'Use the vfio-type1 backend, or a newer kernel.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const vm of ctx.topology.vms) {
      const va = ctx.vms.get(vm.id);
      const host = ctx.host(vm.hostId);
      if (!va || !host || !va.attach.some((o) => o.codes.includes('KVER001'))) continue;
      const k = effectiveKernel(ctx.hosts.get(host.id)?.kernel);
      const need = gateRelease(vm.backend === 'iommufd-cdev' ? GATES.vfioCdev : GATES.iommufd);
      const o = va.attach.find((x) => x.codes.includes('KVER001'))!;
      const fixes: FixHint[] = [{ kind: 'set-backend', vmId: vm.id, backend: 'vfio-type1' }];
      if (vm.backend === 'iommufd-cdev' && since(k, GATES.iommufd)) fixes.push({ kind: 'set-backend', vmId: vm.id, backend: 'iommufd-compat' });
      fixes.push({ kind: 'set-kernel', hostId: host.id, version: need });
      out.push({
        code: 'KVER001',
        severity: 'error',
        message: `VM ${vm.name}: backend ${vm.backend} needs kernel ≥ ${need}, host ${host.name} runs ${formatKernel(k)} → -ENOENT at ${o.step}`,
        explanation:
          vm.backend === 'iommufd-cdev'
            ? `The VFIO device character devices (/dev/vfio/devices/vfioX) and VFIO_DEVICE_BIND_IOMMUFD were added in 6.6. On ${formatKernel(k)} the node does not exist, so the VMM cannot open any assigned device.${since(k, GATES.iommufd) ? ' iommufd itself exists (6.2+), so the group-compat mode works.' : ''}`
            : `iommufd (/dev/iommu, and its use as a VFIO container) was merged in 6.2. On ${formatKernel(k)} the VMM cannot open /dev/iommu; only the legacy vfio_iommu_type1 container exists.`,
        elementId: vm.id,
        related: [{ id: host.id, message: `host ${host.name} runs kernel ${formatKernel(k)}` }],
        kernel: this.meta.kernel,
        outcome: { errno: 'ENOENT', step: o.step },
        fixes,
      });
    }
    return out;
  },
};
