import { describe, expect, it } from 'vitest';
import { acsTiming, computeGroups, inAcsStableRegression } from '../../src/groups/index.js';
import type { Host } from '../../src/model.js';
import { dev, host, iommu } from '../builders.js';
import { partition, sets } from './helpers.js';

/** EX-1b-like: RP and DSPs advertise ACS; firmware left Control at 0. */
function mk(kernel: string, extra: Partial<Host> = {}, driver: 'amd-vi' | 'arm-smmu-v3' = 'amd-vi'): Host {
  return host(
    'h',
    kernel,
    [iommu('u0', driver)],
    [
      dev('rp', 'root-port', '00:01.1', { acs: { cap: 0x1d, ctl: 0x1d, firmwareCtl: 0 } }),
      dev('a', 'endpoint', '01:00.0', { parentId: 'rp', acs: null }),
      dev('rp2', 'root-port', '00:01.2', { acs: { cap: 0x1d, ctl: 0x1d, firmwareCtl: 0 } }),
      dev('b', 'endpoint', '02:00.0', { parentId: 'rp2', acs: null }),
    ],
    extra,
  );
}

describe('GRP-ACS-06 timing', () => {
  it('6.12.74 and 6.12.78: kernel-enabled values, separate groups', () => {
    expect(partition(mk('6.12.74'))).toEqual(sets(['rp'], ['a'], ['rp2'], ['b']));
    expect(partition(mk('6.12.78'))).toEqual(sets(['rp'], ['a'], ['rp2'], ['b']));
  });
  it('6.12.75–6.12.77: firmware values, the two root-port functions of slot 01 lose ACS and collapse into one group with everything below', () => {
    for (const k of ['6.12.75', '6.12.76', '6.12.77']) {
      expect(inAcsStableRegression(mk(k).kernel)).toBe(true);
      expect(partition(mk(k))).toEqual(sets(['rp', 'a', 'rp2', 'b']));
      expect(computeGroups(mk(k), mk(k).kernel, {}).acsEnabledBeforeGrouping).toBe(false);
    }
  });
  it('devicetree arm64 < 7.0 uses firmware values; 7.0 enables before grouping; ACPI arm64 6.6 is fine', () => {
    expect(partition(mk('6.18', { arch: 'arm64' }, 'arm-smmu-v3'))).toEqual(sets(['rp', 'a', 'rp2', 'b']));
    expect(acsTiming(mk('6.18', { arch: 'arm64' }, 'arm-smmu-v3'), { major: 6, minor: 18 }).cause).toBe('devicetree-late');
    expect(partition(mk('7.0', { arch: 'arm64' }, 'arm-smmu-v3'))).toEqual(sets(['rp'], ['a'], ['rp2'], ['b']));
    expect(partition(mk('6.6', { arch: 'arm64', firmware: 'acpi' }, 'arm-smmu-v3'))).toEqual(sets(['rp'], ['a'], ['rp2'], ['b']));
  });
  it('host override acsEnabledBeforeGrouping wins', () => {
    expect(partition(mk('6.12.76', { acsEnabledBeforeGrouping: true }))).toEqual(sets(['rp'], ['a'], ['rp2'], ['b']));
    expect(partition(mk('6.12.10', { acsEnabledBeforeGrouping: false }))).toEqual(sets(['rp', 'a', 'rp2', 'b']));
  });
  it('devicetree < 7.0 still applies the command line at enumeration', () => {
    const h = mk('6.12.10', { arch: 'arm64', cmdline: 'pci=config_acs=11101@0000:00:01.1' }, 'arm-smmu-v3');
    expect(partition(h)).toEqual(sets(['rp'], ['a'], ['rp2', 'b']));
  });
  it('IDT 0x80b5 on ≥ 7.0: SV no longer advertised, so a port with only RR/CR/UF enabled passes', () => {
    const idt = (k: string) =>
      host('h', k, [iommu('u0', 'intel-vtd')], [
        dev('dsp', 'root-port', '00:01.0', { vendorId: 0x111d, deviceId: 0x80b5, acs: { cap: 0x1d, ctl: 0x1c } }),
        dev('e', 'endpoint', '01:00.0', { parentId: 'dsp', acs: null }),
      ], { acsEnabledBeforeGrouping: false });
    expect(partition(idt('7.0'))).toEqual(sets(['dsp'], ['e']));
    expect(partition(idt('6.12.10'))).toEqual(sets(['dsp', 'e']));
  });
});
