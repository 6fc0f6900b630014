import { describe, expect, it } from 'vitest';
import { computeGroups, HostTopology, parsePciAcsOptions, scanAcsParam } from '../../src/groups/index.js';
import type { Host } from '../../src/model.js';
import { dev, host, iommu } from '../builders.js';
import { partition, sets } from './helpers.js';

const vtd = [iommu('dmar0', 'intel-vtd')];

/** RP (ACS cap SV/RR/CR/UF, firmware Control 0x11 = SV|UF) → two endpoints under a switch with ACS DSPs. */
function mk(kernel: string, cmdline: string): Host {
  return host(
    'h',
    kernel,
    vtd,
    [
      dev('rp', 'root-port', '00:01.0', { vendorId: 0x8086, deviceId: 0x1234, acs: { cap: 0x1d, ctl: 0x11, firmwareCtl: 0x11 } }),
      dev('ep', 'endpoint', '01:00.0', { parentId: 'rp', acs: null }),
      dev('rp2', 'root-port', '00:02.0', { acs: { cap: 0x1d, ctl: 0 } }),
      dev('ep2', 'endpoint', '02:00.0', { parentId: 'rp2', acs: null }),
    ],
    { cmdline },
  );
}
const ctl = (h: Host) => computeGroups(h, h.kernel, {}).effectiveAcsCtl;

describe('pci=config_acs= (GRP-CMD-02)', () => {
  it('"10x" semantics: bit 0 (SV) keeps firmware, bit 1 (TB) forced 0, bit 2 (RR) forced 1', () => {
    const h = mk('6.12.10', 'pci=config_acs=10x@0000:00:01.0');
    // firmware 0x11 (SV, UF) & ~mask(0x06) | flags(0x04) = 0x15; kernel-enabled RR/CR dropped back to firmware.
    expect(ctl(h).get('rp')).toBe(0x15);
    // CR is advertised but not enabled → root port not isolated → ep joins it.
    expect(partition(h)).toEqual(sets(['rp', 'ep'], ['rp2'], ['ep2']));
  });
  it('forcing SV/RR/CR/UF on keeps the port isolating', () => {
    const h = mk('6.12.10', 'pci=config_acs=11101@pci:8086:1234');
    expect(ctl(h).get('rp')).toBe(0x1d);
    expect(partition(h)).toEqual(sets(['rp'], ['ep'], ['rp2'], ['ep2']));
  });
  it('invalid flags (bit above DT) are ignored: kernel default enabling stays', () => {
    const h = mk('6.12.10', 'pci=config_acs=10000000@0000:00:01.0');
    expect(ctl(h).get('rp')).toBe(0x1d);
    expect(partition(h)).toEqual(sets(['rp'], ['ep'], ['rp2'], ['ep2']));
  });
  it('an invalid character stops the scan for that device, so a later valid entry is not applied either', () => {
    const h = mk('6.12.10', 'pci=config_acs=1z@0000:00:05.0;0000@0000:00:01.0');
    expect(ctl(h).get('rp')).toBe(0x1d);
  });
  it('a later entry applies when earlier entries are valid but do not match', () => {
    const h = mk('6.12.10', 'pci=config_acs=1@0000:00:05.0;0000@0000:00:01.0');
    expect(ctl(h).get('rp')).toBe(0x11 & ~0x0f);
  });
  it('is ignored before 6.11', () => {
    const h = mk('6.10', 'pci=config_acs=10x@0000:00:01.0');
    expect(ctl(h).get('rp')).toBe(0x1d);
    expect(partition(h)).toEqual(sets(['rp'], ['ep'], ['rp2'], ['ep2']));
  });
  it('the path form /dd.f matches through the upstream bridge', () => {
    const topo = new HostTopology(mk('6.12.10', ''));
    const ep = topo.device('ep')!;
    expect(scanAcsParam(topo, ep, '0@0000:00:01.0/00.0', true).kind).toBe('match');
    expect(scanAcsParam(topo, ep, '0@0000:00:02.0/00.0', true).kind).toBe('none');
    expect(scanAcsParam(topo, ep, '0@pci:0:0', true)).toEqual({ kind: 'match', mask: 1, flags: 0 });
  });
});

describe('pci=disable_acs_redir= (GRP-CMD-01)', () => {
  it('≤ 6.10 clears RR/CR/EC from the kernel-enabled value (SV/UF stay on); the port then fails', () => {
    const h = mk('6.10', 'pci=disable_acs_redir=0000:00:01.0');
    expect(ctl(h).get('rp')).toBe(0x11);
    expect(partition(h)).toEqual(sets(['rp', 'ep'], ['rp2'], ['ep2']));
  });
  it('≥ 6.11 rebases on the firmware value: kernel-enabled SV/UF on that port are dropped', () => {
    const h = mk('6.12.10', 'pci=disable_acs_redir=0000:00:02.0');
    // rp2 firmware Control 0 → stays 0 (SV and UF not re-enabled) while ≤ 6.10 would keep SV|UF = 0x11.
    expect(ctl(h).get('rp2')).toBe(0);
    expect(ctl(mk('6.10', 'pci=disable_acs_redir=0000:00:02.0')).get('rp2')).toBe(0x11);
    expect(partition(h)).toEqual(sets(['rp'], ['ep'], ['rp2', 'ep2']));
  });
  it('matches by pci:vendor:device and leaves other ports alone', () => {
    const h = mk('6.12.10', 'pci=noats,disable_acs_redir=pci:8086:1234');
    expect(partition(h)).toEqual(sets(['rp', 'ep'], ['rp2'], ['ep2']));
    expect(parsePciAcsOptions(h.cmdline)).toEqual({ noats: true, disableAcsRedir: 'pci:8086:1234' });
  });
});
