import { describe, expect, it } from 'vitest';
import type { PciDevice } from '../src/model.js';
import { simulate } from '../src/simulate.js';
import { dev, host, iommu, topo } from './builders.js';

describe('MDL005: invalid PCI address (core API input)', () => {
  const mk = (extra: PciDevice[]) =>
    topo([host('h', '6.12', [iommu('dmar0', 'intel-vtd', { interruptRemapping: true, snoopControl: true })], [dev('ok', 'endpoint', '01:00.0', { iommuId: 'dmar0' }), ...extra])]);

  it('names each out-of-range field; valid devices get nothing', () => {
    const bad: PciDevice = { ...dev('bad', 'endpoint', '02:00.0', { iommuId: 'dmar0' }), bdf: { domain: 0, bus: 0x100, device: 32, fn: 8 } };
    const half: PciDevice = { ...dev('half', 'endpoint', '03:00.0', { iommuId: 'dmar0' }), bdf: { domain: -1, bus: 3, device: 0, fn: 1.5 } };
    const r = simulate(mk([bad, half]));
    const f = r.findings.filter((x) => x.code === 'MDL005');
    expect(f.map((x) => [x.elementId, x.severity, x.message])).toEqual([
      ['bad', 'error', 'bad: invalid PCI address (bus 256, device 32, function 8)'],
      ['half', 'error', 'half: invalid PCI address (domain -1, function 1.5)'],
    ]);
  });

  it('a well-formed host has no MDL005', () => {
    expect(simulate(mk([])).findings.some((x) => x.code === 'MDL005')).toBe(false);
  });
});
