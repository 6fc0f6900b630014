import { describe, expect, it } from 'vitest';
import { parseKernelVersion } from '../src/kernel-version.js';
import { invalidPciIds, kstrtouint, meantParams } from '../src/rules/mdl-param-line.js';
import { simulate } from '../src/simulate.js';
import { dev, host, iommu, topo, vm } from './builders.js';

/** MDL008 findings of a host with these `param` lines (name as written → value) and optional command line. */
function mdl008(params: Record<string, string>, kernel = '6.12', cmdline?: string) {
  const h = host('h', kernel, [iommu('dmar0', 'intel-vtd')], [], { params, cmdline });
  return simulate(topo([h])).findings.filter((f) => f.code === 'MDL008');
}

describe('MDL008: param lines the kernel would not have', () => {
  it('a name two edits from a parameter the simulator reads: on the name, with the rename as a fix', () => {
    const [f, ...rest] = mdl008({ 'vfio_iommu_type1.allow_unsafe_interupts': '1' });
    expect(rest).toEqual([]);
    expect(f.message).toBe("host h: vfio_iommu_type1 has no parameter 'allow_unsafe_interupts'; did you mean 'vfio_iommu_type1.allow_unsafe_interrupts'?");
    expect(f.explanation).toContain(`the kernel logs "vfio_iommu_type1: unknown parameter 'allow_unsafe_interupts' ignored"`);
    expect(f.span).toEqual({ property: 'param', name: 'vfio_iommu_type1.allow_unsafe_interupts', part: 'name' });
    expect(f.fixes).toEqual([{ kind: 'rename-param', hostId: 'h', param: 'vfio_iommu_type1.allow_unsafe_interupts', to: 'vfio_iommu_type1.allow_unsafe_interrupts' }]);
    expect(f.severity).toBe('warning');
  });

  it('the misspelt line really changes nothing: the attach still fails (IR001), while the right name allows it (IR002)', () => {
    const run = (params: Record<string, string>) => {
      const units = [iommu('dmar0', 'intel-vtd', { interruptRemapping: false, msi: 'x86-vector', snoopControl: true })];
      const h = host('h', '6.12', units, [dev('ep', 'endpoint', '00:03.0', { iommuId: 'dmar0', driver: 'vfio-pci', noSnoop: false })], { params });
      return simulate(topo([h], [vm('v', 'h', ['ep'])])).findings.map((f) => f.code);
    };
    const typo = run({ 'vfio_iommu_type1.allow_unsafe_interupts': '1' });
    expect(typo).toContain('MDL008');
    expect(typo).toContain('IR001');
    const right = run({ 'vfio_iommu_type1.allow_unsafe_interrupts': '1' });
    expect(right).toContain('IR002');
    expect(right).not.toContain('IR001');
    expect(right).not.toContain('MDL008');
  });

  it('a module-name typo, dashes for underscores and a case difference are caught; the right spelling with dashes is not', () => {
    expect(mdl008({ 'vfio_iommu_typ1.allow_unsafe_interrupts': '1' })[0].fixes).toEqual([expect.objectContaining({ to: 'vfio_iommu_type1.allow_unsafe_interrupts' })]);
    expect(mdl008({ 'vfio-pci.disable-denlist': '1' })[0].fixes).toEqual([expect.objectContaining({ param: 'vfio-pci.disable-denlist', to: 'vfio_pci.disable_denylist' })]);
    // parameq compares letters exactly
    expect(mdl008({ 'VFIO_PCI.disable_denylist': '1' })).toHaveLength(1);
    expect(mdl008({ 'vfio-pci.disable-denylist': '1', 'vfio-iommu-type1.allow-unsafe-interrupts': 'Y' })).toEqual([]);
  });

  it('a parameter the simulator reads, given to another module: every module that has it, closest first', () => {
    const [f] = mdl008({ 'vfio.allow_unsafe_interrupts': '1' });
    expect(f.message).toBe("host h: vfio has no parameter 'allow_unsafe_interrupts'; did you mean 'iommufd.allow_unsafe_interrupts' or 'vfio_iommu_type1.allow_unsafe_interrupts'?");
    expect(f.fixes?.map((x) => (x.kind === 'rename-param' ? x.to : x.kind))).toEqual(['iommufd.allow_unsafe_interrupts', 'vfio_iommu_type1.allow_unsafe_interrupts']);
    // before 6.2 there is no iommufd to suggest
    expect(mdl008({ 'vfio.allow_unsafe_interrupts': '1' }, '5.15')[0].fixes).toEqual([expect.objectContaining({ to: 'vfio_iommu_type1.allow_unsafe_interrupts' })]);
  });

  it('real parameters of those modules that the simulator does not read, and other modules, are not reported', () => {
    expect(mdl008({ 'vfio_iommu_type1.dma_entry_limit': '65535', 'vfio_iommu_type1.disable_hugepages': 'Y', 'vfio_pci.disable_idle_d3': 'Y', 'vfio_pci.ids': '10de:2684', 'kvm.ignore_msrs': '1', 'vfio_pci.disable_vga': 'Y' })).toEqual([]);
    expect(meantParams('vfio_pci.disable_idle_d3')).toEqual([]);
    expect(meantParams('vfio_pci.disable_denylist')).toEqual([]);
  });

  it('a value kstrtobool rejects, for a parameter the simulator reads: on the value, read as off', () => {
    const [f, ...rest] = mdl008({ 'vfio-pci.disable_denylist': 'maybe', 'iommufd.allow_unsafe_interrupts': 'on' });
    expect(rest).toEqual([]);
    expect(f.message).toBe("host h: 'maybe' is not a boolean, so vfio_pci.disable_denylist reads as off");
    expect(f.explanation).toContain("fails with \"`maybe' invalid for parameter `disable_denylist'\"");
    expect(f.span).toEqual({ property: 'param', name: 'vfio-pci.disable_denylist', part: 'value' });
    expect(f.fixes).toBeUndefined();
    // values of parameters it does not read are not its business
    expect(mdl008({ 'kvm.ignore_msrs': 'maybe' })).toEqual([]);
  });

  it('a value the kernel refuses for a real parameter the simulator does not read: bool, uint and vfio_pci.ids, on the value', () => {
    const found = mdl008({ 'vfio-pci.disable_idle_d3': 'maybe', 'vfio_iommu_type1.dma_entry_limit': '-1', 'vfio_pci.ids': '10de:1b80,10de,,8086-1234' });
    expect(found.map((f) => [f.span, f.message])).toEqual([
      [{ property: 'param', name: 'vfio-pci.disable_idle_d3', part: 'value' }, "host h: 'maybe' is not a boolean: the kernel refuses it for vfio_pci.disable_idle_d3"],
      [{ property: 'param', name: 'vfio_iommu_type1.dma_entry_limit', part: 'value' }, "host h: '-1' is not an unsigned number: the kernel refuses it for vfio_iommu_type1.dma_entry_limit"],
      [{ property: 'param', name: 'vfio_pci.ids', part: 'value' }, `host h: '10de', '8086-1234' are not PCI IDs: vfio-pci skips them ("invalid id string")`],
    ]);
    expect(found[1].explanation).toContain('(65535 DMA mappings per container)');
    // values the kernel takes are not reported
    expect(mdl008({ 'vfio-pci.disable_idle_d3': 'Y', 'vfio_iommu_type1.disable_hugepages': 'true', 'vfio_iommu_type1.dma_entry_limit': '0x20000', 'vfio_pci.ids': '10de:1b80:10de:11d9,1002:67df' })).toEqual([]);
  });

  it('kstrtouint and the vfio_pci.ids reader follow the kernel', () => {
    expect(['0', '65535', '+7', '0x1F', '017', '4294967295'].map(kstrtouint)).toEqual([0, 65535, 7, 31, 15, 4294967295]);
    expect(['', '-1', '4294967296', '08', '1.5', 'ten', '0x'].map(kstrtouint)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(invalidPciIds('10de:1b80')).toEqual([]);
    expect(invalidPciIds('0x10de:0x1b80,10de:1b80:ffff:ffff:030000:ffff00')).toEqual([]);
    // sscanf stops at the first field that does not parse: two fields are enough, one is not
    expect(invalidPciIds('10de:1b80:zz')).toEqual([]);
    expect(invalidPciIds('10de,zz:1,,:1b80')).toEqual(['10de', 'zz:1', ':1b80']);
  });

  it('iommufd.allow_unsafe_interrupts before 6.2 (no iommufd); from 6.2 and with no kernel (the newest) it is fine', () => {
    expect(mdl008({ 'iommufd.allow_unsafe_interrupts': '1' }, '6.1').map((f) => f.message)).toEqual(['host h: iommufd.allow_unsafe_interrupts does not exist on 6.1: iommufd came in 6.2']);
    expect(mdl008({ 'iommufd.allow_unsafe_interrupts': '1' }, '6.2')).toEqual([]);
    const noKernel = { ...host('h', '6.12', [], [], { params: { 'iommufd.allow_unsafe_interrupts': '1' } }), kernel: undefined };
    expect(simulate(topo([noKernel])).findings.filter((f) => f.code === 'MDL008')).toEqual([]);
    // the settings' default kernel stands in for a missing kernel line
    expect(simulate(topo([noKernel]), { defaultKernel: parseKernelVersion('5.15') }).findings.filter((f) => f.code === 'MDL008')).toHaveLength(1);
  });

  it('reads the param lines as written, not the command line merged into them', () => {
    // a typo on the command line is the cmdline hover's business; the param lines here are right
    expect(mdl008({ 'vfio_pci.disable_denylist': '1' }, '6.12', 'vfio_iommu_type1.allow_unsafe_interupts=1')).toEqual([]);
  });
});
