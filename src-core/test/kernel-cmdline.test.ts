import { describe, expect, it } from 'vitest';
import { applyBootParams, moduleParamsFromCmdline } from '../src/boot-params.js';
import { cmdlineEffects } from '../src/cmdline-effects.js';
import { globalDomainPolicy, policyType } from '../src/groups/default-domain.js';
import { parseAcsOverride, parsePciAcsOptions } from '../src/groups/cmdline.js';
import { cmdlineEntries, cmdlineTokens, initArguments, kstrtobool, lastOption, replaceLastOption, withoutOptions } from '../src/kernel-cmdline.js';
import { parseKernelVersion } from '../src/kernel-version.js';
import { simulate } from '../src/simulate.js';
import { dev, host, iommu, topo } from './builders.js';

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

describe('switches that a later option undoes: the last on/off wins (intel_iommu_setup, setup_irqremap, setup_nointremap)', () => {
  const intel = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir', passthrough: true })], []);
  const effectsOf = (cmdline: string) => applyBootParams({ ...intel, cmdline }).effects.map((e) => `${e.what}:${e.param}`);

  it('intel_iommu=off followed by intel_iommu=on (two GRUB variables concatenated) leaves VT-d on', () => {
    expect(effectsOf('intel_iommu=off quiet intel_iommu=on')).toEqual([]);
    expect(effectsOf('intel_iommu=off,on')).toEqual([]);
    expect(effectsOf('intel_iommu=on intel_iommu=off')).toEqual(['translation-off:intel_iommu=off']);
    expect(effectsOf('intel_iommu=on,off')).toEqual(['translation-off:intel_iommu=off']);
    // sm_on is not on
    expect(effectsOf('intel_iommu=off,sm_on')).toEqual(['translation-off:intel_iommu=off']);
  });

  it('kstrtobool as each kernel reads it: t/f from 5.19 (0d6ea3ac94ca), e/d from 6.16 (ae5b3500856f), the assumed 6.12 without a kernel', () => {
    const k = (major: number, minor: number) => ({ major, minor });
    for (const [v, want] of [['1', true], ['Yes', true], ['on', true], ['0', false], ['no', false], ['OFF', false], ['of', false]] as const) expect(kstrtobool(v, k(5, 15)), v).toBe(want);
    for (const v of ['', 'o', 'ox', 'x', '2', ' 1']) expect(kstrtobool(v), JSON.stringify(v)).toBeUndefined();
    expect(kstrtobool('true', k(5, 18))).toBeUndefined();
    expect(kstrtobool('true', k(5, 19))).toBe(true);
    expect(kstrtobool('False', k(6, 1))).toBe(false);
    expect(kstrtobool('enabled', k(6, 15))).toBeUndefined();
    expect(kstrtobool('enabled', k(6, 16))).toBe(true);
    expect(kstrtobool('disabled', k(6, 16))).toBe(false);
    expect(kstrtobool('t')).toBe(true);
    expect(kstrtobool('d')).toBeUndefined();
  });

  it('a bool module parameter on the command line is read as the host kernel reads it; a rejected value leaves the default', () => {
    const noIr = host('h', '5.15', [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: false, msi: 'x86-vector' })], [dev('nic', 'endpoint', '0000:01:00.0', { iommuId: 'dmar0', driver: 'vfio-pci', acs: null })]);
    const run = (kernel: string, cmdline: string) => {
      const t = topo([{ ...noIr, kernel: parseKernelVersion(kernel)!, cmdline }], [{ id: 'v', name: 'v', hostId: 'h', backend: 'vfio-type1', kvmVfio: true, assignedIds: ['nic'], hwpts: [], vmm: 'qemu' }]);
      return simulate(t).findings.map((f) => f.code);
    };
    // 5.15: `true` is -EINVAL for param_set_bool, so allow_unsafe_interrupts stays off and type1 refuses (IR001)
    expect(run('5.15', 'vfio_iommu_type1.allow_unsafe_interrupts=true')).toContain('IR001');
    expect(run('5.15', 'vfio_iommu_type1.allow_unsafe_interrupts=1')).toContain('IR002');
    // 5.19 reads it as true: the unsafe bypass (IR002)
    expect(run('5.19', 'vfio_iommu_type1.allow_unsafe_interrupts=true')).toContain('IR002');
    expect(run('5.19', 'vfio_iommu_type1.allow_unsafe_interrupts=true')).not.toContain('IR001');
    // the value is kept as Y / N for the simulated parameters, as sysfs shows it; others keep their spelling
    expect(applyBootParams({ ...noIr, kernel: parseKernelVersion('6.1')!, cmdline: 'vfio-pci.disable_denylist=t nvidia-drm.modeset=1' }).host.params).toEqual({ 'vfio_pci.disable_denylist': 'Y', 'nvidia_drm.modeset': '1' });
    // a rejected value changes nothing: an earlier one stays (param_set_bool writes only on success)
    expect(applyBootParams({ ...noIr, cmdline: 'vfio_iommu_type1.allow_unsafe_interrupts=1 vfio_iommu_type1.allow_unsafe_interrupts=true' }).host.params).toEqual({ 'vfio_iommu_type1.allow_unsafe_interrupts': 'Y' });
    expect(applyBootParams({ ...noIr, cmdline: 'vfio_iommu_type1.allow_unsafe_interrupts=true' }).host.params).toEqual({});
    // iommu.passthrough= the same way (default domains)
    expect(policyType(globalDomainPolicy({ ...noIr, cmdline: 'iommu.passthrough=true' }))).toBe('DMA-FQ');
    expect(policyType(globalDomainPolicy({ ...noIr, kernel: parseKernelVersion('6.1')!, cmdline: 'iommu.passthrough=true' }))).toBe('identity');
  });

  it('intel_iommu=sm_off (the last of sm_on / sm_off) takes scalable mode from the VT-d units that declare it', () => {
    const sm = host('h', '5.18', [iommu('dmar0', 'intel-vtd', { scalableMode: true, snoopControl: false }), iommu('dmar1', 'intel-vtd', { snoopControl: true }), iommu('amd', 'amd-vi')], []);
    const of = (cmdline: string) => applyBootParams({ ...sm, cmdline });
    expect(of('intel_iommu=on,sm_off').effects).toEqual([{ param: 'intel_iommu=sm_off', iommuIds: ['dmar0'], what: 'scalable-off' }]);
    expect(of('intel_iommu=on,sm_off').host.iommus.map((u) => u.scalableMode)).toEqual([false, undefined, undefined]);
    // a later sm_on undoes it, in the same token or a later one; a later sm_off wins again
    expect(of('intel_iommu=sm_off,sm_on').effects).toEqual([]);
    expect(of('intel_iommu=sm_off intel_iommu=sm_on').effects).toEqual([]);
    expect(of('intel_iommu=sm_on quiet intel_iommu=sm_off').effects.map((e) => e.what)).toEqual(['scalable-off']);
    // sm_on alone changes nothing (the unit's own `scalable-mode` says whether the hardware can); after -- it is init's
    expect(of('intel_iommu=sm_on').host.iommus).toBe(sm.iommus);
    expect(of('intel_iommu=sm_on').effects).toEqual([]);
    expect(of('quiet -- intel_iommu=sm_off').effects).toEqual([]);
    // a unit already off keeps only that effect; another architecture does not read the option
    expect(of('intel_iommu=off,sm_off').effects.map((e) => e.what)).toEqual(['translation-off']);
    expect(applyBootParams({ ...sm, arch: 'arm64', cmdline: 'intel_iommu=sm_off' }).effects).toEqual([]);
    // an unknown option before 5.15 (792fb43ce2c9 added it); without a kernel, the newest behaviour
    expect(applyBootParams({ ...sm, kernel: { major: 5, minor: 14 }, cmdline: 'intel_iommu=sm_off' }).effects).toEqual([]);
    expect(applyBootParams({ ...sm, kernel: undefined, cmdline: 'intel_iommu=sm_off' }).effects.map((e) => e.what)).toEqual(['scalable-off']);
  });

  it('intel_iommu=sm_off with an emulated VT-d unit (caching mode): legacy mode forces strict invalidation again', () => {
    const cm = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { cachingMode: true, scalableMode: true, interruptRemapping: true, msi: 'x86-ir' })], [dev('ep', 'endpoint', '0000:00:03.0', { acs: null })]);
    const policy = (cmdline?: string) => simulate(topo([cmdline === undefined ? cm : { ...cm, cmdline }])).hosts.get('h')!.domainPolicy!;
    expect(policy().strict).toBe(false);
    expect(policy('intel_iommu=sm_off')).toMatchObject({ strict: true });
    expect(policy('intel_iommu=sm_off').strictFrom).toContain('caching mode');
  });

  it('intel_iommu=sm_off on 5.18: a non-SC unit that counted through scalable mode no longer does, so the DMA is not coherent', () => {
    const mk = (cmdline?: string) =>
      topo(
        [host('h', '5.18', [iommu('dmar0', 'intel-vtd', { scalableMode: true, snoopControl: false, interruptRemapping: true, msi: 'x86-ir' })], [dev('gpu', 'endpoint', '0000:01:00.0', { iommuId: 'dmar0', driver: 'vfio-pci', noSnoop: true, acs: null })], cmdline === undefined ? {} : { cmdline })],
        [{ id: 'v', name: 'v', hostId: 'h', backend: 'vfio-type1', kvmVfio: true, assignedIds: ['gpu'], hwpts: [], vmm: 'qemu' }],
      );
    const kvm = (cmdline?: string) => simulate(mk(cmdline)).vms.get('v')!;
    expect(kvm()).toMatchObject({ kvmNoncoherent: false });
    expect(kvm('intel_iommu=on,sm_off')).toMatchObject({ kvmNoncoherent: true, wbinvd: 'emulated' });
    expect(kvm('intel_iommu=sm_off intel_iommu=sm_on')).toMatchObject({ kvmNoncoherent: false });
  });

  it('interrupt remapping: intremap=on after nointremap or intremap=off turns it back on, and the reverse', () => {
    expect(effectsOf('nointremap intremap=on')).toEqual([]);
    expect(effectsOf('intremap=off,on')).toEqual([]);
    expect(effectsOf('intremap=on nointremap')).toEqual(['remapping-off:nointremap']);
    expect(effectsOf('intremap=on intremap=nosid,off')).toEqual(['remapping-off:intremap=off']);
  });

  it('amd_iommu=off and iommu=off have no on: they stay', () => {
    const amd = host('h', '6.12', [iommu('ivhd0', 'amd-vi', { interruptRemapping: true, msi: 'x86-ir' })], []);
    expect(applyBootParams({ ...amd, cmdline: 'amd_iommu=off amd_iommu=fullflush' }).effects.map((e) => e.param)).toEqual(['amd_iommu=off']);
  });

  it('the cmdline hover says which token decides', () => {
    const fx = cmdlineEffects({ ...intel, cmdline: 'intel_iommu=off,strict nointremap intel_iommu=on intremap=on' });
    expect(fx).toEqual([
      { token: 'intel_iommu=off,strict', read: true, effect: 'strict IOTLB invalidation, deprecated spelling of iommu.strict=1 (DOM-DEF-01); VT-d on is decided by the later `intel_iommu=on`' },
      { token: 'nointremap', read: false, effect: 'interrupt remapping on is decided by the later `intremap=on`' },
      { token: 'intel_iommu=on', read: true, effect: expect.stringMatching(/^VT-d on/) },
      { token: 'intremap=on', read: true, effect: 'interrupt remapping stays on: it undoes the earlier `nointremap` (CAP-IR-01)' },
    ]);
    expect(cmdlineEffects({ ...intel, cmdline: 'intel_iommu=on intel_iommu=off' })[0]).toEqual({ token: 'intel_iommu=on', read: false, effect: 'VT-d off is decided by the later `intel_iommu=off`' });
    expect(cmdlineEffects({ ...intel, cmdline: 'intremap=on' })[0]).toMatchObject({ read: false, effect: 'interrupt remapping on is the default' });
    expect(cmdlineEffects({ ...intel, cmdline: 'intremap=nosid' })[0]).toMatchObject({ read: false });
    // on and off in one token: only the last counts, and the hover says so
    expect(cmdlineEffects({ ...intel, cmdline: 'intel_iommu=off,on' })[0]).toEqual({ token: 'intel_iommu=off,on', read: true, effect: expect.stringMatching(/^VT-d on/) });
    expect(cmdlineEffects({ ...intel, cmdline: 'intel_iommu=on,off' })[0].effect).toMatch(/^DMA remapping off/);
    expect(cmdlineEffects({ ...intel, cmdline: 'intremap=off,on' })[0]).toEqual({ token: 'intremap=off,on', read: true, effect: 'interrupt remapping stays on: its `on` undoes the `off` before it (CAP-IR-01)' });
  });
});

describe('next_arg edge cases, and names compared as parameq compares them', () => {
  it('an = at the start stays in the name; empty and blank-only lines; quoted -- stops; __ does not', () => {
    expect(entries('=a=b')).toEqual([['=a', 'b']]);
    expect(entries('=a')).toEqual([['=a']]);
    expect(entries('   \t ')).toEqual([]);
    expect(entries('""')).toEqual([['']]);
    expect(entries('"a="b""')).toEqual([['a', 'b"']]);
    expect(cmdlineTokens('a "--" b')).toEqual(['a']);
    expect(cmdlineTokens('a "-- b')).toEqual(['a', '"-- b']);
    expect(cmdlineTokens('a __ b')).toEqual(['a', '__', 'b']);
  });

  it('- and _ are the same in names (kernel/params.c:parameq, init/main.c:obsolete_checksetup via parameqn)', () => {
    expect(entries('intel-iommu=off pcie-acs-override=downstream')).toEqual([['intel_iommu', 'off'], ['pcie_acs_override', 'downstream']]);
    // the token keeps its spelling for the hover
    expect(cmdlineTokens('intel-iommu=off')).toEqual(['intel-iommu=off']);
    const intel = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir', passthrough: true })], []);
    expect(applyBootParams({ ...intel, cmdline: 'intel-iommu=off' }).effects.map((e) => e.param)).toEqual(['intel_iommu=off']);
  });

  it('iommu_setup stops at usedac: iommu=usedac,off leaves the IOMMU on', () => {
    const intel = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir', passthrough: true })], []);
    expect(applyBootParams({ ...intel, cmdline: 'iommu=usedac,off' }).effects).toEqual([]);
    expect(applyBootParams({ ...intel, cmdline: 'iommu=off,usedac' }).effects).toHaveLength(1);
    expect(policyType(globalDomainPolicy({ ...intel, cmdline: 'iommu=usedac,pt' }))).toBe('DMA-FQ');
    expect(cmdlineEffects({ ...intel, cmdline: 'iommu=usedac,off' })[0].read).toBe(false);
  });

  it('options are matched by prefix, as the handlers strncmp them', () => {
    const amd = host('h', '6.12', [iommu('ivhd0', 'amd-vi', { interruptRemapping: true, msi: 'x86-ir' })], []);
    expect(applyBootParams({ ...amd, cmdline: 'iommu=off' }).effects).toHaveLength(1);
    expect(applyBootParams({ ...amd, cmdline: 'amd_iommu=off,force_isolation' }).effects).toHaveLength(1);
    expect(cmdlineEffects({ ...amd, cmdline: 'amd_iommu=fullflush' })[0].read).toBe(true);
  });

  it('lastOption: the last of the choices over every key= parameter', () => {
    expect(lastOption('intel_iommu=on,sm_on intel_iommu=sm_off', 'intel_iommu', ['sm_on', 'sm_off'])).toBe('sm_off');
    expect(lastOption('amd_iommu=pgtbl_v2 amd-iommu=pgtbl_v1', 'amd_iommu', ['pgtbl_v1', 'pgtbl_v2'])).toBe('pgtbl_v1');
    expect(lastOption('dyndbg="amd_iommu=pgtbl_v2"', 'amd_iommu', ['pgtbl_v1', 'pgtbl_v2'])).toBeUndefined();
  });

  it('DOM002 reads a quoted pass-through option as the default-domain policy does', () => {
    const noPt = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir', passthrough: false, rawEcap: 0n })], [
      dev('rp', 'root-port', '0000:00:01.0', { acs: { cap: 0x1d, ctl: 0x1d } }),
      dev('nic', 'endpoint', '0000:01:00.0', { parentId: 'rp', acs: null, driver: 'ixgbe' }),
    ]);
    const dom002 = (cmdline: string) => simulate(topo([{ ...noPt, cmdline }])).findings.filter((f) => f.code === 'DOM002').length;
    expect(dom002('iommu=pt')).toBe(1);
    expect(dom002('"iommu=pt"')).toBe(1);
    expect(dom002('"iommu.passthrough=1"')).toBe(1);
    expect(dom002('quiet -- iommu=pt')).toBe(0);
  });
});

describe('a real command line (test/fixtures/import/firecracker-capture, verbatim from a Firecracker guest)', () => {
  it('ends at the -- before init\'s arguments, and dotted names are module parameters', async () => {
    const { readFileSync } = await import('node:fs');
    const summary = readFileSync(new URL('../../test/fixtures/import/firecracker-capture/host-summary.txt', import.meta.url), 'utf8');
    const cmdline = summary.split('## cmdline\n')[1].split('\n')[0];
    const tokens = cmdlineTokens(cmdline);
    expect(tokens[0]).toBe('mitigations=auto,no_guest_host,no_guest_guest');
    expect(tokens.at(-1)).toBe('rdinit=/process_api');
    expect(tokens.some((t) => t.startsWith('--'))).toBe(false);
    expect(Object.keys(moduleParamsFromCmdline(cmdline))).toEqual(['random.trust_cpu', 'nvproxy.enable', 'page_reporting.page_reporting_order', 'rcupdate.rcu_cpu_stall_cputime']);
  });
});

describe('withoutOptions and the BOOT001 / BOOT002 quick fixes', () => {
  const offOf = (key: string) => (e: { key: string }, o: string[]) => (e.key === key ? o.flatMap((x, i) => (x.startsWith('off') ? [i] : [])) : false);

  it('removes whole parameters or single options, keeping the rest as written', () => {
    expect(withoutOptions('quiet intel_iommu=off iommu=pt', offOf('intel_iommu'))).toBe('quiet iommu=pt');
    expect(withoutOptions('intel_iommu=off  iommu=pt', offOf('intel_iommu'))).toBe('iommu=pt');
    expect(withoutOptions('iommu=pt intel_iommu=off', offOf('intel_iommu'))).toBe('iommu=pt');
    expect(withoutOptions('intel_iommu=off,sm_on  quiet', offOf('intel_iommu'))).toBe('intel_iommu=sm_on  quiet');
    expect(withoutOptions('a="x y" intel_iommu=off b', offOf('intel_iommu'))).toBe('a="x y" b');
    expect(withoutOptions('intel_iommu="off,sm_on"', offOf('intel_iommu'))).toBe('intel_iommu="sm_on"');
    // a token quoted as a whole keeps both quotes (one left open would swallow the rest of the line)
    expect(withoutOptions('"intel_iommu=off,sm_on" iommu=pt', offOf('intel_iommu'))).toBe('"intel_iommu=sm_on" iommu=pt');
    expect(cmdlineEntries(withoutOptions('"intel_iommu=off,sm_on" iommu=pt', offOf('intel_iommu'))).map((e) => e.key)).toEqual(['intel_iommu', 'iommu']);
    expect(withoutOptions('quiet intel_iommu=off -- intel_iommu=off', offOf('intel_iommu'))).toBe('quiet -- intel_iommu=off');
    expect(withoutOptions('intel_iommu=off', offOf('intel_iommu'))).toBe('');
    expect(withoutOptions('  quiet  ', offOf('intel_iommu'))).toBe('quiet');
  });

  it('BOOT001 / BOOT002 offer the command line without every option that turns the switch off', () => {
    const intel = host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, msi: 'x86-ir', passthrough: true })], []);
    const fixesOf = (cmdline: string, code: string) => simulate(topo([{ ...intel, cmdline }])).findings.filter((f) => f.code === code).map((f) => f.fixes);
    expect(fixesOf('quiet intel_iommu=off,sm_on intel-iommu=off iommu=pt', 'BOOT001')).toEqual([[{ kind: 'set-cmdline', hostId: 'h', cmdline: 'quiet intel_iommu=sm_on iommu=pt', removed: 'intel_iommu=off, intel-iommu=off' }]]);
    expect(fixesOf('nointremap intremap=nosid,off quiet', 'BOOT002')).toEqual([[{ kind: 'set-cmdline', hostId: 'h', cmdline: 'intremap=nosid quiet', removed: 'nointremap, intremap=off' }]]);
    // applying the fix leaves nothing for the rule to report
    const fixed = fixesOf('nointremap intremap=nosid,off quiet', 'BOOT002')[0]![0] as { cmdline: string };
    expect(fixesOf(fixed.cmdline, 'BOOT002')).toEqual([]);
  });
});

describe('initArguments: what follows the -- that ends the kernel parameters', () => {
  it('is init\'s, trimmed; undefined without a --', () => {
    expect(initArguments('quiet -- single  ')).toBe('single');
    expect(initArguments('quiet "--" --firecracker-init --addr 0.0.0.0:2024')).toBe('--firecracker-init --addr 0.0.0.0:2024');
    expect(initArguments('quiet --')).toBe('');
    expect(initArguments('quiet a="x -- y"')).toBeUndefined();
    expect(initArguments('quiet')).toBeUndefined();
    expect(initArguments(undefined)).toBeUndefined();
  });
});

describe('amd_iommu=pgtbl_v1 / pgtbl_v2 for AMD units without a pgtable line', () => {
  const amd = (unit: Partial<Parameters<typeof iommu>[2]> = {}, kernel = '6.14') => host('h', kernel, [iommu('ivhd0', 'amd-vi', { interruptRemapping: true, msi: 'x86-ir', ...unit })], []);
  it('before 6.14 VFIO domains ignore it (v1 forced for unmanaged domains 6.1–6.13, no option before 6.1)', () => {
    for (const k of ['5.15', '6.1', '6.12', '6.13']) expect(applyBootParams({ ...amd({}, k), cmdline: 'amd_iommu=pgtbl_v2' }).host.iommus[0].pgtable, k).toBeUndefined();
    expect(cmdlineEffects({ ...amd({}, '6.12'), cmdline: 'amd_iommu=pgtbl_v2' })[0]).toMatchObject({ read: false, effect: 'VFIO domains use v1 page tables before 6.14, whatever amd_iommu=pgtbl_… says' });
  });
  it('from 6.14: sets the format the last option names, and leaves a declared one alone', () => {
    const pg = (cmdline: string, unit = {}) => applyBootParams({ ...amd(unit), cmdline }).host.iommus[0].pgtable;
    expect(pg('amd_iommu=pgtbl_v2')).toBe('v2');
    expect(pg('amd_iommu=pgtbl_v2 amd-iommu=pgtbl_v1')).toBe('v1');
    expect(pg('quiet')).toBeUndefined();
    expect(pg('amd_iommu=pgtbl_v2', { pgtable: 'v1' })).toBe('v1');
    expect(applyBootParams({ ...amd(), cmdline: 'amd_iommu=pgtbl_v2' }).effects).toEqual([{ param: 'amd_iommu=pgtbl_v2', iommuIds: ['ivhd0'], what: 'pgtable' }]);
    expect(cmdlineEffects({ ...amd(), cmdline: 'amd_iommu=pgtbl_v2' })[0]).toMatchObject({ read: true, effect: expect.stringMatching(/^v2 page tables/) });
  });
  it('a host without a kernel is read as the assumed kernel (6.12, KVER000): the option is not read, in the simulation and in the hover text alike', () => {
    const none = { ...amd(), kernel: undefined, cmdline: 'amd_iommu=pgtbl_v2' };
    expect(applyBootParams(none, undefined).host.iommus[0].pgtable).toBeUndefined();
    expect(simulate({ hosts: [none], vms: [] }).hosts.get(none.id)?.bootParams?.some((e) => /pgtbl/.test(JSON.stringify(e)))).toBe(false);
    expect(cmdlineEffects(none, undefined)[0]).toMatchObject({ read: false });
  });
});

describe('replaceLastOption', () => {
  const v1 = (c: string) => replaceLastOption(c, 'amd_iommu', ['pgtbl_v1', 'pgtbl_v2'], 'pgtbl_v1');
  it('rewrites the deciding option in place, whatever surrounds it', () => {
    expect(v1('quiet amd_iommu=pgtbl_v2,force_isolation -- single')).toBe('quiet amd_iommu=pgtbl_v1,force_isolation -- single');
    expect(v1('amd_iommu=pgtbl_v2 amd_iommu=pgtbl_v1,pgtbl_v2')).toBe('amd_iommu=pgtbl_v2 amd_iommu=pgtbl_v1,pgtbl_v1');
    expect(v1('amd-iommu="force_isolation,pgtbl_v2" dyndbg="a b')).toBe('amd-iommu="force_isolation,pgtbl_v1" dyndbg="a b');
    expect(v1('"amd_iommu=pgtbl_v2"')).toBe('"amd_iommu=pgtbl_v1"');
    expect(v1('quiet')).toBe('quiet');
    expect(v1('quiet -- amd_iommu=pgtbl_v2')).toBe('quiet -- amd_iommu=pgtbl_v2');
    expect(lastOption(v1('amd_iommu=pgtbl_v2 dyndbg="a b amd_iommu=pgtbl_v2'), 'amd_iommu', ['pgtbl_v1', 'pgtbl_v2'])).toBe('pgtbl_v1');
  });
});
