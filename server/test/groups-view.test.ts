import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import { afterEach, describe, expect, it } from 'vitest';
import { GROUPS_REQUEST, groupsView, groupsViewWithImporters, installGroupsView, type GroupsView } from '../src/lsp/groups-view.js';
import { createTestServices } from './helpers.js';

const example = (name: string) => fs.readFileSync(path.join(__dirname, '..', '..', 'examples', name), 'utf8');

describe('IOMMU Groups view (iommu/groups)', () => {
  const t = createTestServices();
  afterEach(() => t.clear());
  const view = (doc: LangiumDocument, overrides?: Record<string, string>) => groupsView(doc, t.Iommu.simulation.SimulationCache.get(doc), overrides);

  it('lists each host with its groups in number order, their members with BDF, driver, reason, VMs and findings', async () => {
    const doc = await t.validate(example('desktop-gpu-passthrough.iommu'));
    const v = view(doc);
    expect(v.uri).toBe(doc.uri.toString());
    expect(v.hosts.map((h) => [h.name, h.kernel, h.heldBack])).toEqual([['desktop', '6.12', undefined]]);
    const host = v.hosts[0];
    expect(host.groups.map((g) => g.number)).toEqual([...host.groups.keys()]);
    const gpuGroup = host.groups.find((g) => g.devices.some((d) => d.name === 'gpu'))!;
    expect(gpuGroup.iommu).toBe('ivhd0');
    // the host's `iommu=pt`: identity default domains (AMD has no ECAP.PT rule)
    expect(gpuGroup.domainType).toBe('identity');
    expect(gpuGroup.domainWhy).toBe('host default identity (pass-through), set by iommu=pt (DOM-DEF-01)');
    expect(gpuGroup.devices.map((d) => [d.name, d.bdf, d.kind, d.driver, d.vms])).toEqual([
      ['gpu', '0000:0a:00.0', 'endpoint', 'vfio-pci', ['win11']],
      ['gpu_audio', '0000:0a:00.1', 'endpoint', 'vfio-pci', ['win11']],
    ]);
    const [gpu, audio] = gpuGroup.devices;
    expect(audio.reason).toMatch(/^joined the group of .*gpu/);
    // the findings are the diagnostics' (GRP002 on gpu, placed on its name)
    expect(gpu.problems).toEqual([{ code: 'GRP002', severity: 'info', message: expect.stringContaining('shares iommu_group') }]);
    const grp002 = doc.diagnostics!.find((d) => d.code === 'GRP002')!;
    expect(gpu.location).toEqual({ uri: doc.uri.toString(), range: grp002.range });
    const nvme = host.groups.flatMap((g) => g.devices).find((d) => d.name === 'nvme0')!;
    expect([nvme.driver, nvme.vms, nvme.problems]).toEqual(['nvme', [], []]);
    expect(host.ungrouped).toEqual([]);
    expect(host.location?.range.start.line).toBe(2);
  });

  it('applies iommu.severityOverrides as diagnostics do, lists untranslated devices, and says when a host is held back', async () => {
    const doc = await t.validate(example('desktop-gpu-passthrough.iommu'));
    const gpu = (v: GroupsView) => v.hosts[0].groups.flatMap((g) => g.devices).find((d) => d.name === 'gpu')!;
    expect(gpu(view(doc, { GRP002: 'off' })).problems).toEqual([]);
    expect(gpu(view(doc, { GRP002: 'warning' })).problems.map((p) => p.severity)).toEqual(['warning']);
    // two units and no `iommu` line on the device: no unit translates it
    const two = await t.validate(example('desktop-gpu-passthrough.iommu').replace('    host-bridge rc', '    iommu ivhd1 {\n        driver amd-vi\n    }\n    host-bridge rc'));
    const ungrouped = view(two).hosts[0].ungrouped;
    expect(ungrouped.map((d) => d.name)).toContain('gpu');
    expect(ungrouped.find((d) => d.name === 'gpu')!.reason).toMatch(/^no IOMMU unit translates this device/);
    // a mistyped property line: SYN003, and the view lists no findings for the host
    const held = await t.validate(example('desktop-gpu-passthrough.iommu').replace('            driver vfio-pci\n        }\n        endpoint gpu_audio', '            drivr vfio-pci\n        }\n        endpoint gpu_audio'));
    const h = view(held).hosts[0];
    expect(h.heldBack).toBe("simulation held back until the unreadable line 'drivr vfio-pci' in device 'gpu' is fixed (SYN003)");
    expect(h.groups.flatMap((g) => g.devices).every((d) => d.problems.length === 0)).toBe(true);
  });

  it('a host file\'s view lists the VMs and findings of the validated files that import it', async () => {
    const host = await t.validate('host h {\n    kernel 6.12\n    iommu u {\n        driver intel-vtd\n        caps passthrough\n        msi x86-vector\n    }\n    endpoint nic at 0000:01:00.0 {\n        driver vfio-pci\n    }\n}\n', 'file:///gv/host.iommu');
    await t.validate('import "host.iommu"\nvm v on h {\n    assign nic\n}\n', 'file:///gv/vm.iommu');
    // another workspace's file that does not import it adds nothing
    await t.validate('host h {\n    kernel 6.12\n    endpoint nic at 0000:01:00.0\n}\nvm other on h {\n    assign nic\n}\n', 'file:///elsewhere/x.iommu');
    const alone = groupsView(host, t.Iommu.simulation.SimulationCache.get(host)).hosts[0].groups.flatMap((g) => g.devices).find((d) => d.name === 'nic')!;
    expect(alone.vms).toEqual([]);
    const nic = groupsViewWithImporters(host, t.shared.workspace.LangiumDocuments, t.Iommu).hosts[0].groups.flatMap((g) => g.devices).find((d) => d.name === 'nic')!;
    expect(nic.vms).toEqual(['v']);
    // the VM file's finding on the device (x86-vector MSIs: no isolation, IR001 under type1)
    expect(nic.problems.map((p) => p.code)).toContain('IR001');
  });

  it('answers the request on the connection once the document is validated; null for a document the server does not have', async () => {
    const handlers = new Map<string, (params: unknown, token: unknown) => Promise<unknown>>();
    const connection = { onRequest: (method: string, h: (params: unknown, token: unknown) => Promise<unknown>) => handlers.set(method, h) };
    const shared = Object.create(t.shared, { lsp: { value: { Connection: connection } } }) as LangiumSharedServices;
    installGroupsView(shared, t.Iommu);
    const handler = handlers.get(GROUPS_REQUEST)!;
    expect(handler).toBeDefined();
    const doc = await t.validate(example('desktop-gpu-passthrough.iommu'));
    const v = (await handler({ uri: doc.uri.toString() }, undefined)) as GroupsView;
    expect(v.hosts[0].groups.flatMap((g) => g.devices).map((d) => d.name)).toContain('gpu_audio');
    expect(await handler({ uri: 'file:///nowhere/x.iommu' }, undefined)).toBeNull();
    expect(await handler({ uri: '::not a uri' }, undefined)).toBeNull();
  });
});
