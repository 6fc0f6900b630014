import { describe, expect, it } from 'vitest';
import { applyBootParams, moduleParamsFromCmdline } from '../src/boot-params.js';
import { cmdlineEffects } from '../src/cmdline-effects.js';
import { globalDomainPolicy, policyType } from '../src/groups/default-domain.js';
import { parseAcsOverride, parsePciAcsOptions } from '../src/groups/cmdline.js';
import { cmdlineEntries, cmdlineTokens } from '../src/kernel-cmdline.js';
import { host, iommu } from './builders.js';

const entries = (s: string) => cmdlineEntries(s).map((e) => (e.bare ? [e.key] : [e.key, e.value]));

describe('command line split as the kernel splits it (lib/cmdline.c:next_arg, kernel/params.c:parse_args)', () => {
  it('splits at blanks, at the first = of each token, skipping leading and repeated blanks', () => {
    expect(entries('  quiet\tintel_iommu=on,sm_on  pci=config_acs=101x@pci:8086:1234\n')).toEqual([['quiet'], ['intel_iommu', 'on,sm_on'], ['pci', 'config_acs=101x@pci:8086:1234']]);
    expect(cmdlineEntries('')).toEqual([]);
    expect(cmdlineEntries(undefined)).toEqual([]);
  });

  it('a quoted value holds blanks, and its quotes are not part of the value', () => {
    expect(entries('dyndbg="file drivers/iommu/iommu.c +p" iommu=pt')).toEqual([['dyndbg', 'file drivers/iommu/iommu.c +p'], ['iommu', 'pt']]);
    expect(cmdlineTokens('dyndbg="file x.c +p" iommu=pt')).toEqual(['dyndbg="file x.c +p"', 'iommu=pt']);
    // a token that opens with a quote loses it and the closing one
    expect(entries('"iommu=pt" "nointremap"')).toEqual([['iommu', 'pt'], ['nointremap']]);
    // a quote anywhere toggles quoting: the blank inside is part of the token
    expect(entries('a=b"c d" e')).toEqual([['a', 'b"c d"'], ['e']]);
    // unterminated: to the end of the line
    expect(entries('init=/bin/sh x="y z')).toEqual([['init', '/bin/sh'], ['x', 'y z']]);
    expect(entries('x="')).toEqual([['x', '']]);
  });

  it('stops at a bare -- (the rest is for init), but not at --=x or a -- inside a quoted value', () => {
    expect(cmdlineTokens('a=1  b  -- intel_iommu=off')).toEqual(['a=1', 'b']);
    expect(cmdlineTokens('a="x -- y" b')).toEqual(['a="x -- y"', 'b']);
    expect(cmdlineTokens('--=x b')).toEqual(['--=x', 'b']);
  });

  it('a quoted blank no longer hides or invents a switch', () => {
    const intel = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir', passthrough: true })], []);
    // the words of a quoted value are not parameters: no `intel_iommu=off` here
    expect(applyBootParams({ ...intel, cmdline: 'dyndbg="module x intel_iommu=off +p"' }).effects).toEqual([]);
    expect(applyBootParams({ ...intel, cmdline: 'dyndbg="x +p" intel_iommu=off' }).effects).toHaveLength(1);
    // a quoted switch is read
    expect(applyBootParams({ ...intel, cmdline: '"intremap=off"' }).effects.map((e) => e.param)).toEqual(['intremap=off']);
    expect(policyType(globalDomainPolicy({ ...intel, cmdline: 'iommu.passthrough="1"' }))).toBe('identity');
    expect(policyType(globalDomainPolicy({ ...intel, cmdline: 'quiet -- iommu=pt' }))).toBe('DMA-FQ');
    expect(moduleParamsFromCmdline('vfio_pci.ids="10de:2684,10de:22ba" -- vfio_iommu_type1.allow_unsafe_interrupts=1')).toEqual({ 'vfio_pci.ids': '10de:2684,10de:22ba' });
    expect(cmdlineEffects({ ...intel, cmdline: 'dyndbg="a b" -- iommu=off' }).map((e) => e.token)).toEqual(['dyndbg="a b"']);
  });

  it('the ACS options read the same parameters: quoted, and not after --', () => {
    expect(parsePciAcsOptions('pci="noats,config_acs=101x@00:01.0"')).toEqual({ noats: true, configAcs: '101x@00:01.0' });
    expect(parsePciAcsOptions('quiet -- pci=noats')).toEqual({ noats: false });
    expect(parsePciAcsOptions('pci=noats pci=disable_acs_redir=00:01.0')).toEqual({ noats: true, disableAcsRedir: '00:01.0' });
    expect(parseAcsOverride('pcie_acs_override=downstream -- pcie_acs_override=multifunction')).toEqual({ downstream: true, multifunction: false, ids: [] });
    expect(parseAcsOverride('-- pcie_acs_override=downstream')).toBeUndefined();
  });
});
