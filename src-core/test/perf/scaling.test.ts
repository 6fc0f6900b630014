/**
 * Algorithmic scaling of `simulate()` without any timing: count how often the simulation reads a device, and
 * check that doubling the host roughly doubles the count (a per-device scan over all devices would quadruple it).
 *
 * Counted: every element read of the host's device list (a Proxy around what `probeOrder` returns, i.e. the list
 * every stage of the simulation works on) plus every device handed out by the `HostTopology` indexes (bus, slot,
 * children, subtree).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PciDevice } from '../../src/model.js';
import { HostTopology } from '../../src/groups/topology.js';
import { simulate } from '../../src/simulate.js';
import { bigHost, type BigHostShape } from './big-host.js';

let visits = 0;

function counting(devices: PciDevice[]): PciDevice[] {
  return new Proxy(devices, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop.length && prop.charCodeAt(0) >= 48 && prop.charCodeAt(0) <= 57) visits++;
      return Reflect.get(target, prop, receiver);
    },
  });
}

vi.mock('../../src/probe-order.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/probe-order.js')>();
  return { ...m, probeOrder: (devices: PciDevice[]) => counting(m.probeOrder(devices)) };
});

beforeEach(() => {
  const proto = HostTopology.prototype as unknown as Record<string, (this: HostTopology, x: unknown) => readonly PciDevice[]>;
  for (const name of ['busDevices', 'slotDevices', 'children', 'subtree']) {
    const orig = proto[name];
    if (typeof orig !== 'function') continue;
    vi.spyOn(proto, name).mockImplementation(function (this: HostTopology, x: unknown) {
      const r = orig.call(this, x);
      visits += r.length;
      return r;
    });
  }
});
afterEach(() => vi.restoreAllMocks());

function visitsFor(devices: number, seed: number, shape: BigHostShape): { devices: number; visits: number } {
  const t = bigHost(devices, seed, shape);
  visits = 0;
  simulate(t);
  return { devices: t.hosts[0].devices.length, visits };
}

describe('simulate() reads each device a bounded number of times', () => {
  const shapes: [string, BigHostShape][] = [
    ['6.12 with observed groups', { observed: true }],
    ['5.15 (one probe pass)', { kernel: '5.15' }],
    ['6.12.76 (GRP005 regroups)', { kernel: '6.12.76' }],
    ['amd-vi 6.1', { driver: 'amd-vi', kernel: '6.1' }],
  ];
  for (const [name, shape] of shapes)
    it(`${name}: doubling the host at most ~doubles the device visits`, () => {
      const small = visitsFor(1500, 41, shape);
      const big = visitsFor(3000, 41, shape);
      expect(small.visits).toBeGreaterThan(small.devices); // the counter works
      const perDevice = (r: { devices: number; visits: number }) => r.visits / r.devices;
      if (process.env.PERF_VERBOSE) console.log(name, perDevice(small).toFixed(1), perDevice(big).toFixed(1));
      // linear: visits per device stays about constant (allow 25% for the random structure)
      expect(perDevice(big)).toBeLessThan(perDevice(small) * 1.25);
    });
});
