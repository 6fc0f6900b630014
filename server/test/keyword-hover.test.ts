import { afterEach, describe, expect, it } from 'vitest';
import { createTestServices } from './helpers.js';

const t = createTestServices();
afterEach(() => t.clear());

const SRC = `host h {
    kernel 6.12
    iommu u {
        driver intel-vtd
    }
    root-port rp at 0000:00:01.0 {
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint gpu at 0000:01:00.0 {
            no-snoop yes
        }
    }
}

vm v on h {
    backend iommufd-cdev
    assign gpu
}
`;

/** The hover's markdown at the first `at` in `text`, `skip` characters in; undefined when there is none. */
async function hoverIn(text: string, at: string, skip = 1): Promise<string | undefined> {
  const doc = await t.validate(text);
  const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf(at) + skip) });
  return h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : undefined;
}

/** The hover's markdown at the first `at` in SRC, `skip` characters in. */
const hoverAt = (at: string, skip = 1) => hoverIn(SRC, at, skip);

describe('hover on keywords', () => {
  it('a statement keyword shows the doc comment of its grammar rule', async () => {
    expect(await hoverAt('kernel 6.12')).toBe('**kernel** — Mainline kernel release the host boots, `X.Y` or `X.Y.Z`.');
    expect(await hoverAt('backend iommufd')).toBe('**backend** — vfio-type1 (legacy container), iommufd-compat (container emulated by iommufd) or iommufd-cdev (device cdev).');
    expect(await hoverAt('assign gpu')).toBe('**assign** — Devices passed through to the VM, by name or BDF.');
    expect(await hoverAt('no-snoop yes')).toMatch(/^\*\*no-snoop\*\* — PCIe DevCtl "Enable No Snoop"/);
  });

  it('a device kind keyword shows the device, as its name does', async () => {
    expect(await hoverAt('root-port rp')).toMatch(/^\*\*root-port rp\*\* `0000:00:01.0`/);
  });

  it('value keywords and punctuation show nothing', async () => {
    expect(await hoverAt('yes', 1)).toBeUndefined();
    expect(await hoverAt('{\n    backend', 0)).toBeUndefined();
  });
});

describe('hover on a param line and a vmm line: what the simulator takes from them', () => {
  const text = `host h {
    kernel 6.12
    cmdline "intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1"
    param vfio_iommu_type1.allow_unsafe_interrupts = 0
    param kvm.ignore_msrs = "1"
    iommu dmar0 { driver intel-vtd caps interrupt-remapping }
    endpoint gpu at 0000:01:00.0 { driver vfio-pci }
}
vm a on h {
    vmm qemu
    assign gpu
}
vm b on h {
    vmm firecracker
    kvm-vfio no
}
`;
  async function hover(at: string, delta = 1): Promise<string> {
    const t = createTestServices();
    const doc = await t.validate(text);
    const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf(at) + delta) });
    const c = h?.contents as { value: string } | undefined;
    return c?.value ?? '';
  }
  it('a modelled parameter: on/off, what the other value would do, rules and source; the command line disagreeing', async () => {
    for (const at of ['allow_unsafe_interrupts = 0', '0\n    param kvm']) {
      const v = await hover(at, at.startsWith('0') ? 0 : 1);
      expect(v).toMatch(/^\*\*module parameter `vfio_iommu_type1\.allow_unsafe_interrupts`\*\* — off\n\nOff: a group without isolated MSIs fails to attach with -EPERM/);
      expect(v).toContain("The command line's `vfio_iommu_type1.allow_unsafe_interrupts=1` says otherwise; this line is what the module ended up with and wins.");
      expect(v).toContain('On instead: `vfio_iommu_type1_attach_group` attaches a group whose MSIs are not isolated');
      expect(v).toContain('_Rules:_ VFIO-IR-01 (≤ 6.2) / VFIO-IR-02 (≥ 6.3); IR001 becomes IR002.');
    }
  });
  it('a param line set again later (REF004) says the later line wins and describes that one', async () => {
    const twice = 'host h {\n    kernel 6.12\n    param vfio_iommu_type1.allow_unsafe_interrupts = 1\n    param vfio-iommu-type1.allow_unsafe_interrupts = 0\n}\n';
    const t = createTestServices();
    const doc = await t.validate(twice);
    const at = async (needle: string) => ((await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(twice.indexOf(needle) + 1) }))?.contents as { value: string } | undefined)?.value ?? '';
    const first = await at('vfio_iommu_type1.allow');
    expect(first).toMatch(/^\*\*Overridden \(REF004\):\*\* line 4 sets this parameter again \(`vfio-iommu-type1\.allow_unsafe_interrupts = 0`\), and a parameter has one value: this line changes nothing\. What line 4 does:\n\n\*\*module parameter `vfio_iommu_type1\.allow_unsafe_interrupts`\*\* — off/);
    expect(await at('vfio-iommu-type1.allow')).toMatch(/^\*\*module parameter `vfio_iommu_type1\.allow_unsafe_interrupts`\*\* — off/);
  });
  it('an unmodelled parameter says so; the param keyword keeps its grammar doc', async () => {
    expect(await hover('ignore_msrs')).toMatch(/^\*\*module parameter `kvm\.ignore_msrs`\*\* — not read by the simulator\n\nThe simulator does not read/);
    expect(await hover('param kvm')).toMatch(/^\*\*param\*\* — /);
  });
  it('a vmm line: known VMM, and an unknown one under a kvm-vfio line', async () => {
    expect(await hover('qemu')).toMatch(/^\*\*vmm qemu\*\*\n\nqemu creates the kvm-vfio device/);
    expect(await hover('firecracker')).toMatch(/^\*\*vmm firecracker\*\*\n\nfirecracker is not one the model knows .* The VM's `kvm-vfio no` line decides/);
  });
});

describe('hover on the kernel line: the modelled behaviour that changes at a release', () => {
  async function hoverOn(text: string, at: string): Promise<string> {
    const t = createTestServices();
    const doc = await t.validate(text);
    const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf(at) + 1) });
    return (h?.contents as { value: string } | undefined)?.value ?? '';
  }
  const intel = (kernel: string) => `host h {
    kernel ${kernel}
    iommu u { driver intel-vtd caps snoop-control, interrupt-remapping }
    endpoint gpu at 0000:01:00.0 { driver vfio-pci }
}
`;
  it('on 6.1 an Intel host lists iommufd, the VFIO cdev and per-device MSI isolation as not yet there, with what 6.1 does instead', async () => {
    const v = await hoverOn(intel('6.1'), '6.1');
    expect(v).toMatch(/^\*\*kernel 6\.1\*\* — what the simulator applies at this release/);
    const ahead = v.slice(v.indexOf('**Not yet on 6.1**'), v.indexOf('**In effect**'));
    expect(ahead).toContain('- **6.2** iommufd: iommufd exists');
    expect(ahead).toContain('On 6.1: only the legacy vfio_iommu_type1 container exists');
    expect(ahead).toContain('- **6.6** VFIO: VFIO device character devices exist');
    expect(ahead).toContain('- **6.3** VFIO / IRQ: MSI isolation is per device');
    const inEffect = v.slice(v.indexOf('**In effect**'));
    expect(inEffect).toContain('5.19 VFIO: VFIO claims DMA ownership of the whole iommu_group');
    expect(inEffect).toContain('5.19 intel-vtd: IOMMU_CAP_CACHE_COHERENCY is reported for every device');
    // gates of other drivers and architectures are left out
    expect(v).not.toMatch(/arm-smmu|virtio-iommu|amd-vi|GICv5/);
  });
  it('the newest kernel has everything in effect; a kernel past the modelled releases says so (KVER002)', async () => {
    const v = await hoverOn(intel('7.5'), '7.5');
    expect(v).not.toContain('**Not yet');
    expect(v).toContain('Newer than the newest modelled release (7.2): answers follow 7.2 (KVER002).');
  });
  it('the release of a change is where it was merged (Intel without ECAP.PT: 6.12); a stable regression is named', async () => {
    expect(await hoverOn(intel('6.8'), '6.8')).toContain('- **6.12** intel-vtd: a unit without hardware pass-through (ECAP.PT) always gets a translated, strict DMA default domain. On 6.8:');
    expect(await hoverOn(intel('6.12'), '6.12')).toContain('- 6.12 intel-vtd: a unit without hardware pass-through (ECAP.PT) always gets a translated, strict DMA default domain _(DOM-DEF-03; `drivers/iommu/intel/iommu.c:device_def_domain_type');
    expect(await hoverOn(intel('6.12.76'), '6.12.76')).toContain('**Stable 6.12.75–6.12.77:** ACS is enabled in pci_dma_configure only after iommu_group formation');
  });
  it('a release the reference does not confirm is marked as assumed (KVM guest PAT, 6.11), in either list, and every entry cites its kernel source', async () => {
    const assumed = /_\(assumed: the reference rates the 6\.11 release MED \(the code of 6\.12 and 7\.2 HIGH\)\)_ _\(KVM-X86-MEMTYPE-01; `arch\/x86\/kvm\/vmx\/vmx\.c:vmx_get_mt_mask`\)_/;
    const v = await hoverOn(intel('6.12'), '6.12');
    expect(v).toMatch(/- 6\.11 KVM x86 \(Intel EPT\): with noncoherent DMA, Intel EPT maps guest RAM WB without IPAT/);
    expect(v.slice(v.indexOf('**In effect**'))).toMatch(assumed);
    const old = await hoverOn(intel('6.6'), '6.6');
    expect(old.slice(old.indexOf('**Not yet on 6.6**'), old.indexOf('**In effect**'))).toMatch(assumed);
    // each entry of both lists ends with its rule and source
    for (const line of [...v.split('\n'), ...old.split('\n')].filter((l) => l.startsWith('- '))) expect(line).toMatch(/ _\([^)]*; `[^`]+`\)_$/);
  });
  it('an Intel-EPT gate is not listed on an AMD host; a POWER host (ARCH001) says the gates are not applied to it', async () => {
    const amd = intel('6.6').replace('driver intel-vtd caps snoop-control, interrupt-remapping', 'driver amd-vi caps snoop-control, interrupt-remapping');
    const v = await hoverOn(amd, '6.6');
    expect(v).toContain('**Not yet on 6.6**');
    expect(v).not.toContain('Intel EPT');
    const ppc = 'host p {\n    kernel 6.6\n    arch ppc64le\n}\n';
    const p = await hoverOn(ppc, '6.6');
    expect(p).toMatch(/^\*\*kernel 6\.6\*\* — POWER \(ppc64le\) is not simulated; no finding is given for its devices and VMs \(ARCH001\); the modelled behaviour of this release, not applied to this host/);
    expect(p).not.toContain('what the simulator applies');
  });
  it('the kernel keyword keeps its grammar doc', async () => {
    expect(await hoverOn(intel('6.1'), 'kernel')).toMatch(/^\*\*kernel\*\* — Mainline kernel release/);
  });
});

describe('hover on inner keywords, register lines, kvm-vfio-add values and HW page tables', () => {
  const text = `host h {
    kernel 6.12
    iommu u {
        driver intel-vtd
        caps interrupt-remapping, snoop-control
        msi x86-ir
        cap 0xd2008c40660462
        ecap 0xf0205ef
    }
    root-port rp at 0000:00:01.0 {
        acs cap SV RR CR UF ctl SV RR CR UF
        endpoint gpu at 0000:01:00.0 {
            driver vfio-pci
        }
    }
}
vm v on h {
    vmm qemu
    backend iommufd-cdev
    kvm-vfio-add after-container
    hwpt a {
        attach gpu
    }
}
`;
  const hover = (at: string, delta = 1) => hoverIn(text, at, delta);
  it('both register keywords (cap, ecap) show the rule\'s doc; the acs line\'s doc has no maintainer note', async () => {
    for (const at of ['cap 0xd2', 'ecap 0xf0']) expect(await hover(at), at).toMatch(/^\*\*e?cap\*\* — Raw Intel CAP\/ECAP register value/);
    const acs = await hover('acs cap');
    expect(acs).toMatch(/^\*\*acs\*\* — ACS extended capability: `acs none`/);
    expect(acs).not.toMatch(/lexer|\.ts|ACS_FLAG/);
  });
  it('keywords inside a statement: acs cap / ctl, hwpt attach', async () => {
    expect(await hover('cap SV')).toMatch(/^\*\*cap\*\* — The ACS capabilities the function has .*ACSCap/);
    expect(await hover('ctl SV')).toMatch(/^\*\*ctl\*\* — The ACS controls enabled as read after boot/);
    expect(await hover('attach gpu')).toMatch(/^\*\*attach\*\* — The devices the VMM attaches to this HW page table/);
  });
  it('a kvm-vfio-add value shows what the order does', async () => {
    expect(await hover('after-container')).toMatch(/^\*\*after-container\*\* — KVM_DEV_VFIO_FILE_ADD after VFIO_GROUP_SET_CONTAINER/);
  });
  it('a hwpt name shows the page table and the outcome of each device attached to it', async () => {
    const v = await hover('a {\n        attach', 0);
    expect(v).toMatch(/^\*\*hwpt a\*\* in vm v — a HW page table the VMM allocates itself \(`IOMMU_HWPT_ALLOC`\), with one device to attach\n/);
    expect(v).toContain('| gpu (0000:01:00.0) | ✓ attaches, hwpt a (manual, enforced), coherency box 1 |');
  });
  it('a device listed by an earlier hwpt block too: the later block says it is attached there', async () => {
    const two = text.replace('    hwpt a {\n        attach gpu\n    }\n', '    hwpt a {\n        attach gpu\n    }\n    hwpt b {\n        attach gpu\n    }\n');
    expect(await hoverIn(two, 'b {\n        attach', 0)).toContain('| gpu (0000:01:00.0) | listed by hwpt a first, attached there: ✓ attaches, hwpt a (manual, enforced)');
  });
});
