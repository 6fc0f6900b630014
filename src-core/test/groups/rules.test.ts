import { describe, expect, it } from 'vitest';
import { grpAcsTimingRule } from '../../src/rules/grp-acs-timing.js';
import { grpAcsUnknownRule } from '../../src/rules/grp-acs-unknown.js';
import { grpObservedRule } from '../../src/rules/grp-observed.js';
import { grpSharedGroupRule } from '../../src/rules/grp-shared-group.js';
import { grpSwitchP2pRule } from '../../src/rules/grp-switch-p2p.js';
import { GROUP_RULES } from '../../src/rules/group-rules.js';
import { computeGroups } from '../../src/groups/index.js';
import type { Host, PciDevice } from '../../src/model.js';
import { dev, host, iommu, topo } from '../builders.js';
import { switchHost, ACS_CAP, ruleContext } from './helpers.js';

const vtd = [iommu('dmar0', 'intel-vtd')];
const run = (rule: typeof grpSwitchP2pRule, ...hosts: Host[]) => rule.check(ruleContext(topo(hosts)));

const sw = switchHost;

describe('rule metadata', () => {
  it('codes are unique, GRP-prefixed, and cite reference rules with kernel sources', () => {
    const codes = GROUP_RULES.map((r) => r.meta.code);
    expect(codes).toEqual(['GRP001', 'GRP002', 'GRP003', 'GRP004', 'GRP005']);
    for (const r of GROUP_RULES) {
      expect(r.meta.kernel.length).toBeGreaterThan(0);
      for (const k of r.meta.kernel) expect(k.source).toMatch(/\.c:/);
    }
    expect(grpSharedGroupRule.meta.defaultSeverity).toBe('info');
  });
});

describe('GRP001 switch P2P', () => {
  it('fires on EX-1b (RP with ACS, DSPs without): element the USP, related the two endpoints', () => {
    const f = run(grpSwitchP2pRule, sw(true, false));
    expect(f).toHaveLength(1);
    expect(f[0].elementId).toBe('usp');
    expect(f[0].related.map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(f[0].message).toContain('dsp0 (0000:02:00.0)');
    // both ports lack ACS: 'lack'; one port: 'lacks'
    expect(f[0].message).toMatch(/dsp0 \(0000:02:00.0\), dsp1 \(0000:02:01.0\) lack ACS/);
  });
  it('does not fire when the DSPs have ACS, or when everything is one group (RP without ACS)', () => {
    expect(run(grpSwitchP2pRule, sw(true, true))).toEqual([]);
    expect(run(grpSwitchP2pRule, sw(false, false))).toEqual([]);
  });
});

describe('GRP002 shared group', () => {
  it('one info finding per multi-member group containing an endpoint, on the first endpoint', () => {
    const f = run(grpSharedGroupRule, sw(true, false));
    expect(f.map((x) => x.elementId).sort()).toEqual(['a', 'b']);
    const fa = f.find((x) => x.elementId === 'a')!;
    expect(fa.severity).toBe('info');
    expect(fa.related.map((r) => r.id)).toEqual(['dsp0']);
    expect(fa.related[0].message).toContain('first device');
    expect(fa.message).toContain('dsp0 (0000:02:00.0)');
    expect(fa.message).toContain('only bridges');
  });
  it('names the endpoints that must stay with VFIO (or unbound) and out of other VMs when it is assigned (EX-2)', () => {
    const h = host('h', '6.6', vtd, [
      dev('rp', 'root-port', '00:03.1', { acs: ACS_CAP }),
      dev('gpu', 'endpoint', '0a:00.0', { parentId: 'rp', acs: null }),
      dev('hda', 'endpoint', '0a:00.1', { parentId: 'rp', acs: null }),
    ]);
    const f = run(grpSharedGroupRule, h);
    expect(f).toHaveLength(1);
    expect(f[0].elementId).toBe('gpu');
    expect(f[0].message).toBe('gpu (0000:0a:00.0) shares iommu_group 1 with hda (0000:0a:00.1); to assign it, hda (0000:0a:00.1) must be bound to vfio-pci, pci-stub or no driver and go to no other VM');
    expect(f[0].related[0].message).toContain('sibling function gpu (0000:0a:00.0)');
  });
  it('bridges: from 5.19 only pcieport or no driver; one bound to another driver (shpchp) is named; up to 5.18 any driver', () => {
    const h = (kernel: string, bridgeDriver: string, withEndpoint = false) =>
      host('h', kernel, vtd, [
        dev('rp', 'root-port', '00:01.0', { acs: ACS_CAP, driver: 'pcieport' }),
        dev('br', 'pcie-to-pci-bridge', '01:00.0', { parentId: 'rp', acs: null, driver: bridgeDriver, secondaryBus: 2 }),
        dev('card', 'pci-device', '02:00.0', { parentId: 'br', acs: null, driver: 'vfio-pci' }),
        ...(withEndpoint ? [dev('card2', 'pci-device', '02:01.0', { parentId: 'br', acs: null, driver: 'e1000' })] : []),
      ]);
    const message = (k: string, d: string, e = false) => run(grpSharedGroupRule, h(k, d, e))[0]?.message;
    expect(message('5.19', 'shpchp')).toBe('card (0000:02:00.0) shares iommu_group 1 with br (0000:01:00.0); only bridges, but to assign it they must be bound to pcieport or no driver (br (0000:01:00.0) bound to shpchp)');
    expect(message('5.19', 'pcieport')).toBe('card (0000:02:00.0) shares iommu_group 1 with br (0000:01:00.0); only bridges, which may stay bound to pcieport when it is assigned');
    expect(message('5.18', 'shpchp')).toBe('card (0000:02:00.0) shares iommu_group 1 with br (0000:01:00.0); only bridges, which may stay bound to any driver when it is assigned');
    expect(message('6.6', 'shpchp', true)).toBe('card (0000:02:00.0) shares iommu_group 1 with br (0000:01:00.0), card2 (0000:02:01.0); to assign it, card2 (0000:02:01.0) must be bound to vfio-pci, pci-stub or no driver, and the bridges to pcieport or no driver (br (0000:01:00.0) bound to shpchp) and go to no other VM');
    expect(message('5.15', 'shpchp', true)).toMatch(/go to no other VM \(bridges may stay bound to any driver\)$/);
  });
  it('no finding when every device is alone, or when a multi-member group has no endpoint', () => {
    expect(run(grpSharedGroupRule, sw(true, true))).toEqual([]);
    const bridges = host('h', '6.6', vtd, [dev('rp', 'root-port', '00:01.0', { acs: null }), dev('usp', 'switch-upstream', '01:00.0', { parentId: 'rp', acs: null })]);
    expect(run(grpSharedGroupRule, bridges)).toEqual([]);
  });
});

describe('GRP003 observed group mismatch', () => {
  const withObserved = (obs: Record<string, number>) => {
    const h = sw(true, false);
    h.devices = h.devices.map((d: PciDevice) => ({ ...d, observedGroup: obs[d.id] }));
    return h;
  };
  it('silent when the observed membership equals the simulated one (numbers differ)', () => {
    expect(run(grpObservedRule, withObserved({ rp: 10, usp: 11, dsp0: 12, a: 12, dsp1: 13, b: 13 }))).toEqual([]);
  });
  it('reports a membership difference once per distinct pair', () => {
    const f = run(grpObservedRule, withObserved({ rp: 10, usp: 11, dsp0: 12, a: 14, dsp1: 13, b: 13 }));
    expect(f.length).toBe(2);
    const fa = f.find((x) => x.elementId === 'dsp0')!;
    expect(fa.message).toBe('simulator puts dsp0 (0000:02:00.0) with {a (0000:03:00.0)}; host had dsp0 (0000:02:00.0) alone (iommu_group 12)');
  });
});

describe('GRP004 unknown ACS', () => {
  it('fires for an ACS-unknown root port consulted on the path', () => {
    const h = host('h', '6.6', vtd, [dev('rp', 'root-port', '00:01.0'), dev('ep', 'endpoint', '01:00.0', { parentId: 'rp', acs: null })]);
    const f = run(grpAcsUnknownRule, h);
    expect(f).toHaveLength(1);
    expect(f[0].elementId).toBe('rp');
    expect(f[0].related.map((r) => r.id)).toEqual(['ep']);
    // the quick fix states what the grouping assumed; with it the groups are the same and GRP004 is gone
    expect(f[0].fixes).toEqual([{ kind: 'declare-no-acs', deviceId: 'rp' }]);
    const stated = { ...h, devices: h.devices.map((d) => (d.id === 'rp' ? { ...d, acs: null } : d)) };
    expect(run(grpAcsUnknownRule, stated)).toEqual([]);
    expect(computeGroups(stated, undefined, {}).groups.map((g) => g.deviceIds)).toEqual(computeGroups(h, undefined, {}).groups.map((g) => g.deviceIds));
  });
  it('does not fire for a single-function endpoint with unknown ACS (never consulted)', () => {
    const h = host('h', '6.6', vtd, [dev('rp', 'root-port', '00:01.0', { acs: ACS_CAP }), dev('ep', 'endpoint', '01:00.0', { parentId: 'rp' })]);
    expect(run(grpAcsUnknownRule, h)).toEqual([]);
  });
});

describe('GRP005 ACS timing', () => {
  const fw = (kernel: string, extra: Partial<Host> = {}) =>
    host('h', kernel, [iommu('u', extra.arch === 'arm64' ? 'arm-smmu-v3' : 'amd-vi')], [
      dev('rp', 'root-port', '00:01.1', { acs: { cap: 0x1d, ctl: 0x1d, firmwareCtl: 0 } }),
      dev('a', 'endpoint', '01:00.0', { parentId: 'rp', acs: null }),
    ], extra);
  it('fires in 6.12.76 and says how the group would split with a fixed kernel', () => {
    const f = run(grpAcsTimingRule, fw('6.12.76'));
    expect(f).toHaveLength(1);
    expect(f[0].elementId).toBe('h');
    expect(f[0].explanation).toContain('would split into {rp (0000:00:01.1)} + {a (0000:01:00.0)}');
    expect(f[0].fixes).toEqual([{ kind: 'set-kernel', hostId: 'h', version: '6.12.74' }]);
  });
  it('fires on a device-tree arm64 host below 7.0, not on 7.0 or on 6.12.78 x86', () => {
    expect(run(grpAcsTimingRule, fw('6.18', { arch: 'arm64' }))).toHaveLength(1);
    expect(run(grpAcsTimingRule, fw('7.0', { arch: 'arm64' }))).toEqual([]);
    expect(run(grpAcsTimingRule, fw('6.12.78'))).toEqual([]);
  });
});

describe('integration through simulate()', () => {
  it('computeGroups is wired in and the GRP rules run', async () => {
    const { simulate } = await import('../../src/simulate.js');
    const res = simulate(topo([sw(true, false)]));
    const g = res.hosts.get('h')!.grouping;
    expect(g.groupOf.get('a')).toBe(g.groupOf.get('dsp0'));
    expect(g.groupOf.get('a')).not.toBe(g.groupOf.get('b'));
    const codes = res.findings.map((f) => f.code);
    expect(codes).toContain('GRP001');
    expect(codes).toContain('GRP002');
    expect(codes).not.toContain('INT001');
  });
});
