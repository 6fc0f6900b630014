import { afterEach, describe, expect, it } from 'vitest';
import { expectCompletion } from 'langium/test';
import { ACS_FLAGS, PCI_KINDS } from '../../src-core/src/vocabulary.js';
import { MODULE_PARAMS } from '../src/language/value-slots.js';
import { createTestServices } from './helpers.js';

const t = createTestServices();
afterEach(() => t.clear());

/** The completion labels at the `<|>` of `text`. */
async function labelsAt(text: string): Promise<string[]> {
  let labels: string[] = [];
  await expectCompletion(t.Iommu)({ text, index: 0, assert: (list) => (labels = list.items.map((i) => i.label)), disposeAfterCheck: true });
  return labels;
}

const PARAM_NAMES = MODULE_PARAMS.map((p) => p.name);
const KINDS = PCI_KINDS.map((k) => k.name);
const HOST_KEYWORDS = ['kernel', 'arch', 'firmware', 'cmdline', 'param', 'acs-override-patch', 'iommu'];
const DEVICE_KEYWORDS = ['id', 'class', 'multifunction', 'acs', 'no-snoop', 'dma-coherent', 'driver', 'iommu', 'observed-group', 'observed-domain',
  'secondary-bus', 'virtual-function', 'dma-alias', 'requires-direct-mapping', 'untrusted'];

describe('completion: names being declared', () => {
  for (const text of ['host h { endpoint <|> }', 'host h { root-port <|> }', 'vm <|>', 'vm v<|>', 'host <|>', 'host h { iommu <|> }', 'vm v on h { hwpt <|> }']) {
    it(`proposes nothing at the name in ${JSON.stringify(text)}`, async () => {
      const labels = await labelsAt(text);
      expect(labels).toEqual([]);
      for (const p of PARAM_NAMES) expect(labels).not.toContain(p);
    });
  }
});

describe('completion: start of a member line', () => {
  it('in a host body: the host keywords (not a one-value line the host has: `kernel`) and every device kind, no firmware kinds', async () => {
    const labels = await labelsAt('host h {\n    kernel 6.12\n    <|>\n}');
    expect([...labels].sort()).toEqual([...HOST_KEYWORDS.filter((k) => k !== 'kernel'), ...KINDS].sort());
    expect(labels).not.toContain('acpi');
    expect(labels).not.toContain('devicetree');
  });

  it('in a host body, a typed prefix keeps the matching kind', async () => {
    expect(await labelsAt('host h { endp<|> }')).toEqual(['endpoint']);
    expect(await labelsAt('host h { root<|> }')).toEqual(['root-port']);
  });

  it('in a device body: the device properties and every device kind (child devices), no firmware kinds', async () => {
    const labels = await labelsAt('host h { root-port r at 0000:00:01.0 { <|> } }');
    expect([...labels].sort()).toEqual([...DEVICE_KEYWORDS, ...KINDS].sort());
    expect(labels).not.toContain('acpi');
    expect(await labelsAt('host h { root-port r at 0000:00:01.0 { endp<|> } }')).toEqual(['endpoint']);
  });

  it('a line a block holds once is not offered where the block has it (REF005), in hosts, units, devices and VMs; lines that add up are', async () => {
    const host = await labelsAt('host h {\n    kernel 6.12\n    arch x86_64\n    cmdline "quiet"\n    param kvm.ignore_msrs = 1\n    <|>\n}');
    for (const k of ['kernel', 'arch', 'cmdline']) expect(host).not.toContain(k);
    for (const k of ['firmware', 'param', 'iommu']) expect(host).toContain(k);
    expect(await labelsAt('host h {\n    iommu u {\n        driver intel-vtd\n        caps snoop-control\n        <|>\n    }\n}')).toEqual(['caps', 'msi', 'pgtable', 'cap', 'ecap']);
    const device = await labelsAt('host h {\n    endpoint e at 0000:01:00.0 {\n        driver vfio-pci\n        <|>\n    }\n}');
    expect(device).not.toContain('driver');
    expect(device).toContain('no-snoop');
    // the block is the one the cursor is in: after the device's `}` the host's lines again
    expect(await labelsAt('host h {\n    endpoint e at 0000:01:00.0 {\n        driver vfio-pci\n    }\n    <|>\n}')).toContain('kernel');
    const vm = await labelsAt('vm v {\n    vmm qemu\n    backend iommufd-cdev\n    assign gpu\n    <|>\n}');
    for (const k of ['vmm', 'backend']) expect(vm).not.toContain(k);
    for (const k of ['assign', 'hwpt', 'kvm-vfio']) expect(vm).toContain(k);
  });

  it('firmware kinds stay where they belong: after `firmware`', async () => {
    expect(await labelsAt('host h { firmware <|> }')).toEqual(['acpi', 'devicetree']);
  });
});

describe('completion: module parameters', () => {
  it('`param ` proposes the well-known parameter names, and only them', async () => {
    expect(await labelsAt('host h { param <|> }')).toEqual(PARAM_NAMES);
  });

  it('a typed part of the name keeps the matching ones and replaces the whole dotted name', async () => {
    expect(await labelsAt('host h { param vfio<|> }')).toEqual(['vfio_iommu_type1.allow_unsafe_interrupts', 'vfio_pci.disable_denylist']);
    await expectCompletion(t.Iommu)({
      text: 'host h { param vfio_pci.dis<|> }',
      index: 0,
      assert: (list) => {
        expect(list.items.map((i) => i.label)).toEqual(['vfio_pci.disable_denylist']);
        expect(list.items[0].textEdit).toMatchObject({ range: { start: { line: 0, character: 15 }, end: { line: 0, character: 27 } } });
      },
      disposeAfterCheck: true,
    });
  });

  it('after a known name proposes `=` with its values, after an unknown one `=` only', async () => {
    expect(await labelsAt('host h { param vfio_pci.disable_denylist <|> }')).toEqual(['= 1', '= 0']);
    expect(await labelsAt('host h { param foo.bar <|> }')).toEqual(['=']);
  });

  it('after `=` proposes the values: 1/0 for a known (bool) parameter, the grammar words for any', async () => {
    const known = await labelsAt('host h { param vfio_iommu_type1.allow_unsafe_interrupts = <|> }');
    expect([...known].sort()).toEqual(['0', '1', 'false', 'no', 'off', 'on', 'true', 'yes']);
    for (const p of PARAM_NAMES) expect(known).not.toContain(p);
    expect([...(await labelsAt('host h { param foo = <|> }'))].sort()).toEqual(['false', 'no', 'off', 'on', 'true', 'yes']);
  });
});

describe('completion: value slots keep their vocabulary', () => {
  it('IOMMU and device drivers, VMM, default-domain type', async () => {
    expect(await labelsAt('host h { iommu u { driver <|> } }')).toEqual(['intel-vtd', 'amd-vi', 'arm-smmu-v3', 'arm-smmu', 'virtio-iommu', 's390', 'none']);
    const driver = await labelsAt('host h { endpoint x at 0000:01:00.0 { driver <|> } }');
    expect(driver).toEqual(expect.arrayContaining(['vfio-pci', 'pci-stub', 'nvme', 'none']));
    expect(driver).not.toContain('intel-vtd');
    expect(await labelsAt('vm v on h { vmm <|> }')).toEqual(['qemu', 'cloud-hypervisor', 'crosvm', 'firecracker', 'libvirt']);
  });
});

describe('completion: device references', () => {
  const HOST = `host h {
    iommu u { driver intel-vtd }
    root-port rp at 0000:00:01.0 {
        endpoint gpu at 0000:01:00.0 { }
        endpoint nic at 0000:01:00.1 { }
    }
}
host h2 { endpoint other at 0000:02:00.0 { } }
`;
  async function itemsAt(text: string): Promise<string[]> {
    let items: string[] = [];
    await expectCompletion(t.Iommu)({ text: HOST + text, index: 0, assert: (list) => (items = [...list.items].sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? '')).map((i) => `${i.label} (${i.detail})`)), disposeAfterCheck: true });
    return items;
  }
  it('each device of the VM host once, by name, with kind and BDF; endpoints before bridges', async () => {
    expect(await itemsAt('vm v on h {\n    assign <|>\n}')).toEqual(['gpu (endpoint 0000:01:00.0)', 'nic (endpoint 0000:01:00.1)', 'rp (root-port 0000:00:01.0)']);
  });
  it('by BDF when a BDF is being typed (matched fuzzily, as Langium matches names)', async () => {
    expect(await itemsAt('vm v on h {\n    assign 0000:01<|>\n}')).toEqual(['0000:01:00.0 (endpoint gpu)', '0000:01:00.1 (endpoint nic)', '0000:00:01.0 (root-port rp)']);
  });
  it('not what the VM already assigns; attach keeps assigned devices but not those of another HWPT', async () => {
    expect(await itemsAt('vm v on h {\n    assign gpu, <|>\n}')).toEqual(['nic (endpoint 0000:01:00.1)', 'rp (root-port 0000:00:01.0)']);
    expect(await itemsAt('vm v on h {\n    assign gpu\n    assign <|>\n}')).toEqual(['nic (endpoint 0000:01:00.1)', 'rp (root-port 0000:00:01.0)']);
    expect(await itemsAt('vm v on h {\n    assign gpu\n    hwpt a { attach <|> }\n}')).toEqual(['gpu (endpoint 0000:01:00.0)', 'nic (endpoint 0000:01:00.1)', 'rp (root-port 0000:00:01.0)']);
    expect(await itemsAt('vm v on h {\n    hwpt a { attach nic }\n    hwpt b { attach <|> }\n}')).toEqual(['gpu (endpoint 0000:01:00.0)', 'rp (root-port 0000:00:01.0)']);
  });
  it('a BDF typed up to the device, the dot or a colon (one token, not split by the lexer)', async () => {
    const both = ['0000:01:00.0 (endpoint gpu)', '0000:01:00.1 (endpoint nic)'];
    for (const typed of ['0000:01:00', '0000:01:00.', '0000:01:', '01:00']) expect(await itemsAt(`vm v on h {\n    assign ${typed}<|>\n}`), typed).toEqual(both);
    expect(await itemsAt('vm v on h {\n    assign gpu, 0000:01:00.<|>\n}')).toEqual(['0000:01:00.1 (endpoint nic)']);
  });
  it('a fully typed name at the cursor still completes to itself', async () => {
    expect(await itemsAt('vm v on h {\n    assign gpu<|>\n}')).toEqual(['gpu (endpoint 0000:01:00.0)']);
  });
});

describe('completion: the kernel version', () => {
  it('proposes the releases at which modelled behaviour changes, oldest first, each saying what changes there (LTS marked)', async () => {
    let items: { label: string; documentation?: unknown }[] = [];
    await expectCompletion(t.Iommu)({ text: 'host h {\n    kernel <|>\n}', index: 0, assert: (list) => (items = list.items), disposeAfterCheck: true });
    const labels = items.map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['5.15', '5.19', '6.1', '6.2', '6.3', '6.6', '6.12', '7.0']));
    expect(labels.filter((l) => /^\d+\.\d+$/.test(l))).toEqual(labels);
    const doc = (label: string) => String(items.find((i) => i.label === label)?.documentation ?? '');
    expect(doc('6.2')).toMatch(/^From 6\.2: /);
    expect(doc('6.2')).toContain('iommufd: iommufd exists (/dev/iommu');
    expect(doc('6.12')).toMatch(/^LTS\. From 6\.12: /);
    expect(doc('6.3')).not.toContain('LTS');
    // the host keywords are not proposed in the value's place
    expect(labels).not.toContain('arch');
  });
});

describe('completion reads past unreadable lines before the cursor', () => {
  const IOMMU_KEYWORDS = ['driver', 'caps', 'msi', 'pgtable', 'cap', 'ecap'];
  it('a mistyped host member line: the host keywords and device kinds on the next line', async () => {
    expect([...(await labelsAt('host h {\n    kernl 6.12\n    <|>\n}'))].sort()).toEqual([...HOST_KEYWORDS, ...KINDS].sort());
  });
  it('a mistyped IOMMU property with its value (a stray word): the IOMMU keywords, not `at`, and values after them', async () => {
    expect(await labelsAt('host h {\n    iommu u {\n        drivr intel-vtd\n        <|>\n    }\n}')).toEqual(IOMMU_KEYWORDS);
    expect(await labelsAt('host h {\n    iommu u {\n        drivr intel-vtd\n        caps <|>\n    }\n}')).toContain('interrupt-remapping');
  });
  it('a mistyped device property or a bad value: the device keywords on the next line', async () => {
    for (const bad of ['drivr vfio-pci', 'no-snoop maybe']) {
      const labels = await labelsAt(`host h {\n    endpoint a at 0000:01:00.0 {\n        ${bad}\n        <|>\n    }\n}`);
      // the line's own property counts as there (a second one would be REF005): not offered again
      const own = bad.split(' ')[0];
      expect(labels, bad).toEqual(expect.arrayContaining(DEVICE_KEYWORDS.filter((k) => k !== own)));
      expect(labels, bad).not.toContain('at');
    }
  });
  it('a mistyped VM property: backends after `backend`, devices after `assign` on later lines', async () => {
    const host = 'host h {\n    endpoint gpu at 0000:01:00.0\n}\n';
    expect(await labelsAt(host + 'vm v on h {\n    vmmm qemu\n    backend <|>\n}')).toEqual(['vfio-type1', 'iommufd-compat', 'iommufd-cdev']);
    expect(await labelsAt(host + 'vm v on h {\n    kvm-vfio perhaps\n    assign <|>\n}')).toEqual(['gpu']);
  });
  it('an error on the cursor line is the position being completed: Langium answers it', async () => {
    // `no-snoop` then a value being typed: the boolean keywords
    expect(await labelsAt('host h {\n    kernl 6.12\n    endpoint a at 0000:01:00.0 {\n        no-snoop <|>\n    }\n}')).toEqual(['yes', 'no', 'on', 'off', 'true', 'false']);
  });
});

describe('completion in comments and lists', () => {
  it('proposes nothing inside a comment', async () => {
    for (const text of ['host h {\n    // a comment <|>\n}', 'host h {\n    kernel 6.12 // x <|>\n}', 'host h {\n    /* <|> */\n}', '// top <|>']) expect(await labelsAt(text), text).toEqual([]);
  });
  it('after a comment (on the next line, or after a closed block comment): the usual proposals', async () => {
    for (const text of ['host h {\n    // c\n    <|>\n}', 'host h {\n    /* c */ <|>\n}']) expect([...(await labelsAt(text))].sort(), text).toEqual([...HOST_KEYWORDS, ...KINDS].sort());
  });
  it('a list does not offer the values it holds already (capabilities, ACS flags of that list)', async () => {
    const caps = await labelsAt('host h {\n    iommu u {\n        driver intel-vtd\n        caps snoop-control, <|>\n    }\n}');
    expect(caps).toContain('interrupt-remapping');
    expect(caps).not.toContain('snoop-control');
    const cap = await labelsAt('host h {\n    endpoint a at 0000:01:00.0 {\n        acs cap SV <|>\n    }\n}');
    expect(cap).toContain('RR');
    expect(cap).not.toContain('SV');
    // ctl is another list: SV is offered there
    expect(await labelsAt('host h {\n    endpoint a at 0000:01:00.0 {\n        acs cap SV RR ctl <|>\n    }\n}')).toContain('SV');
  });
});

describe('completion in the middle of an acs line', () => {
  const FLAGS = ACS_FLAGS.map((f) => f.name);
  const dev = (line: string, after = '\n        driver pcieport') => `host h {\n    root-port rp at 0000:00:01.0 {\n        ${line}${after}\n    }\n}`;
  const sorted = (l: string[]) => [...l].sort();
  it('offers only the remaining flags and acs keywords, not the device properties and kinds that may follow', async () => {
    expect(sorted(await labelsAt(dev('acs cap SV RR ctl SV <|>')))).toEqual(sorted([...FLAGS.filter((f) => f !== 'SV'), 'firmware-ctl']));
    expect(sorted(await labelsAt(dev('acs cap SV <|>')))).toEqual(sorted([...FLAGS.filter((f) => f !== 'SV'), 'ctl', 'firmware-ctl']));
    expect(sorted(await labelsAt(dev('acs <|>')))).toEqual(sorted(['none', 'cap', 'ctl', 'firmware-ctl']));
    // a word being typed, and a block written on one line
    const typing = await labelsAt(dev('acs cap SV d<|>'));
    expect(typing).toContain('DT');
    expect(typing.filter((l) => !FLAGS.includes(l) && l !== 'ctl' && l !== 'firmware-ctl')).toEqual([]);
    expect(sorted(await labelsAt('host h {\n    endpoint a at 0000:01:00.0 { acs cap SV ctl <|> }\n}'))).toEqual(sorted([...FLAGS, 'firmware-ctl']));
    // a list keyword the line has already, after the cursor, is not offered again
    const before = await labelsAt(dev('acs cap <|> ctl SV'));
    expect(before).not.toContain('ctl');
    expect(before).toContain('SV');
  });
  it('after acs none, and on the next line: the properties again', async () => {
    expect(await labelsAt(dev('acs none <|>', ''))).toContain('driver');
    const next = await labelsAt(dev('acs cap SV RR\n        <|>', ''));
    for (const k of ['driver', 'id', 'endpoint']) expect(next).toContain(k);
  });
});

describe('completion after a statement left without its value', () => {
  const IOMMU_KEYWORDS = ['driver', 'caps', 'msi', 'pgtable', 'cap', 'ecap'];
  it('the next lines still parse: the keywords of the block, not the missing value', async () => {
    // (the lines the block has, the one missing its value too, are not offered again)
    expect([...(await labelsAt('host h {\n    kernel\n    arch x86_64\n    <|>\n}'))].sort()).toEqual([...HOST_KEYWORDS.filter((k) => k !== 'kernel' && k !== 'arch'), ...KINDS].sort());
    expect(await labelsAt('host h {\n    iommu u {\n        caps\n        msi x86-ir\n        <|>\n    }\n}')).toEqual(IOMMU_KEYWORDS.filter((k) => k !== 'msi'));
    for (const bad of ['driver', 'secondary-bus']) {
      const labels = await labelsAt(`host h {\n    root-port a at 0000:00:01.0 {\n        ${bad}\n        no-snoop on\n        <|>\n    }\n}`);
      expect(labels, bad).toEqual(expect.arrayContaining(DEVICE_KEYWORDS.filter((k) => k !== bad && k !== 'no-snoop')));
    }
  });
  it('a block comment opened on an unreadable line stays a comment', async () => {
    expect([...(await labelsAt('host h {\n    kernl 6.12 /* a\n    b */\n    <|>\n}'))].sort()).toEqual([...HOST_KEYWORDS, ...KINDS].sort());
  });
  it('a caps line does not offer what an earlier caps line of the unit lists (caps lines add up)', async () => {
    const labels = await labelsAt('host h {\n    iommu u {\n        driver intel-vtd\n        caps snoop-control\n        caps <|>\n    }\n}');
    expect(labels).toContain('interrupt-remapping');
    expect(labels).not.toContain('snoop-control');
  });
});
