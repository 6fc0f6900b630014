/**
 * Deterministic generator of big, varied hosts for the performance tests (equivalence snapshot, scaling).
 * Builds the `Host` model directly with the test builders: several IOMMU units, root ports with and without
 * ACS (and with unknown ACS), Intel PCH quirk ports, switches whose downstream ports partly lack ACS,
 * multifunction endpoints with and without ACS (explicit and derived `multifunction`), SR-IOV VFs, DMA alias
 * devfns and alias quirks, PCIe-to-PCI bridges with conventional devices (and a nested conventional bridge),
 * root-bus RCiEPs, devices without any IOMMU, an Intel VMD domain, and a few VMs assigning devices.
 * Same `(devices, seed, shape)` → same host, always.
 */
import type { AcsCapability, Host, Iommu, PciDevice, Topology, Vm } from '../../src/model.js';
import { dev, host, iommu, topo, vm } from '../builders.js';
import { rng } from '../rng.js';

export { rng };

export interface BigHostShape {
  kernel?: string;
  /** IOMMU driver of the units (default intel-vtd). */
  driver?: Iommu['driver'];
  arch?: Host['arch'];
  cmdline?: string;
  /** Record `observedGroup` on some devices (GRP003 comparisons). */
  observed?: boolean;
  /** Number of VMs (default 6). */
  vms?: number;
  /** Host name / id prefix (default `big`). */
  name?: string;
}

const ACS_ON: AcsCapability = { cap: 0x1d, ctl: 0x1d };
const ACS_CAP: AcsCapability = { cap: 0x1d, ctl: 0 };
const ACS_PARTIAL: AcsCapability = { cap: 0x1d, ctl: 0x01, firmwareCtl: 0x01 };

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

/**
 * A host with about `devices` PCI functions (at least `devices`, a few more when the last pattern overshoots),
 * plus `shape.vms` VMs on it. Ids are `${name}-<kind><n>`, unique in the topology.
 */
export function bigHost(devices: number, seed: number, shape: BigHostShape = {}): Topology {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  const name = shape.name ?? 'big';
  const driver = shape.driver ?? 'intel-vtd';
  const nUnits = Math.max(2, Math.min(24, Math.ceil(devices / 400)));
  const units: Iommu[] = [];
  for (let u = 0; u < nUnits; u++)
    units.push(
      iommu(`${name}-dmar${u}`, driver, {
        // each driver's own capabilities only (another driver's would be MDL012, and is never read)
        snoopControl: driver === 'intel-vtd' ? u % 4 !== 3 : undefined,
        scalableMode: driver === 'intel-vtd' ? u % 3 === 0 : undefined,
        pgtable: driver === 'amd-vi' && u % 2 ? 'v2' : undefined,
        coherent: driver === 'arm-smmu-v3' ? u % 2 === 0 : undefined,
        msi: r() < 0.25 ? 'x86-vector' : undefined,
      }),
    );

  const out: PciDevice[] = [];
  let seq = 0;
  const id = (p: string) => `${name}-${p}${seq++}`;
  const add = (d: PciDevice) => {
    out.push(d);
    return d;
  };
  const epDriver = () => pick(['vfio-pci', 'vfio-pci', 'vfio-pci', 'nvme', 'mlx5_core', null, undefined] as const);
  const acsEp = () => pick([null, null, ACS_ON, ACS_CAP, undefined] as const);

  let domain = 0;
  let nextBus = 1;
  let rpSlot = 8; // devfn on bus 0 (slot 0 is for the host bridge / root-bus functions)
  const bdf = (b: number, d: number, f: number) => `${hex(domain, 4)}:${hex(b, 2)}:${hex(d, 2)}.${f}`;
  const newDomain = () => {
    domain++;
    nextBus = 1;
    rpSlot = 8;
    add(dev(id('hb'), 'host-bridge', bdf(0, 0, 0), { driver: null, acs: null }));
  };
  const need = (buses: number, slots = 1) => {
    if (nextBus + buses > 0xfe || rpSlot + slots >= 32 * 8) newDomain();
  };
  add(dev(id('hb'), 'host-bridge', bdf(0, 0, 0), { driver: null, acs: null }));

  const rootPort = (sec: number): PciDevice => {
    const slot = rpSlot++;
    const kind = r();
    const pch = kind < 0.08;
    const acs = pch ? null : kind < 0.7 ? pick([ACS_ON, ACS_CAP]) : kind < 0.85 ? null : kind < 0.93 ? ACS_PARTIAL : undefined;
    return add(
      dev(id('rp'), 'root-port', bdf(0, slot >> 3, slot & 7), {
        vendorId: 0x8086,
        deviceId: pch ? 0x1c10 : 0x347a,
        acs,
        secondaryBus: sec,
        driver: 'pcieport',
        pchAcsQuirkFailed: pch && chance(0.3) ? true : undefined,
        // most ports name their unit; a few inherit (single-unit hosts) or resolve to nothing
        iommuId: chance(0.97) ? units[(domain * 7 + (slot >> 3)) % units.length].id : undefined,
        multifunction: slot & 7 ? undefined : chance(0.5) ? true : undefined,
      }),
    );
  };

  const mfEndpoint = (parent: PciDevice, bus: number, slot: number, fns: number) => {
    const acs = acsEp();
    const explicit = chance(0.5);
    const pf: PciDevice[] = [];
    for (let fn = 0; fn < fns; fn++)
      pf.push(
        add(
          dev(id(fn === 0 ? 'nic' : 'fn'), 'endpoint', bdf(bus, slot, fn), {
            parentId: parent.id,
            vendorId: chance(0.1) ? 0x8086 : 0x15b3,
            deviceId: chance(0.1) ? 0x1521 : 0x101d, // 0x8086:0x1521 = I350, an mf-endpoint ACS quirk
            classCode: 0x020000,
            multifunction: explicit ? fns > 1 : undefined,
            acs: chance(0.85) ? acs : acsEp(),
            driver: epDriver(),
            noSnoop: pick([true, false, undefined]),
          }),
        ),
      );
    return pf;
  };

  while (out.length < devices - 3) {
    // the VMD block at the end adds 3
    const p = Math.floor(r() * 9);
    if (p <= 1) {
      // root port → multifunction NIC (1–4 functions), sometimes with VFs on the same bus
      need(1);
      const sec = nextBus++;
      const rp = rootPort(sec);
      const pfs = mfEndpoint(rp, sec, 0, 1 + Math.floor(r() * 4));
      if (chance(0.3)) {
        const nvf = 1 + Math.floor(r() * 6);
        for (let v = 0; v < nvf; v++)
          add(
            dev(id('vf'), 'endpoint', bdf(sec, 1 + (v >> 3), v & 7), {
              parentId: chance(0.5) ? rp.id : pfs[0].id,
              isVirtualFunction: true,
              vendorId: 0x15b3,
              deviceId: 0x101e,
              acs: null,
              driver: pick(['vfio-pci', 'mlx5_core', null] as const),
            }),
          );
      }
    } else if (p === 2) {
      // root port → NVMe, sometimes with a DMA alias devfn or a Marvell func1-alias SATA controller
      need(1);
      const sec = nextBus++;
      const rp = rootPort(sec);
      const marvell = chance(0.15);
      add(
        dev(id(marvell ? 'sata' : 'nvme'), 'endpoint', bdf(sec, 0, 0), {
          parentId: rp.id,
          vendorId: marvell ? 0x1b4b : 0x144d,
          deviceId: marvell ? 0x9123 : 0xa80a,
          classCode: 0x010802,
          acs: null,
          driver: epDriver(),
          dmaAliasDevfns: chance(0.1) ? [0x08] : undefined,
        }),
      );
      if (marvell || chance(0.1)) add(dev(id('fn'), 'endpoint', bdf(sec, 0, 1), { parentId: rp.id, acs: null, driver: epDriver() }));
      if (chance(0.1)) add(dev(id('alias'), 'endpoint', bdf(sec, 1, 0), { parentId: rp.id, acs: null, driver: epDriver() }));
    } else if (p <= 4) {
      // root port → switch (USP + 2–6 DSPs, some without ACS) → GPU + audio below each DSP
      const nDsp = 2 + Math.floor(r() * 5);
      need(2 + nDsp);
      const rpSec = nextBus++;
      const uspSec = nextBus++;
      const rp = rootPort(rpSec);
      const usp = add(dev(id('usp'), 'switch-upstream', bdf(rpSec, 0, 0), { parentId: rp.id, vendorId: 0x10b5, deviceId: 0x8747, secondaryBus: uspSec, acs: null, driver: 'pcieport' }));
      for (let i = 0; i < nDsp; i++) {
        const dspSec = nextBus++;
        const dsp = add(
          dev(id('dsp'), 'switch-downstream', bdf(uspSec, i + 1, 0), {
            parentId: usp.id,
            vendorId: 0x10b5,
            deviceId: 0x8747,
            secondaryBus: dspSec,
            acs: pick([null, ACS_ON, ACS_CAP, undefined, ACS_ON] as const),
            driver: pick(['pcieport', 'pcieport', 'shpchp'] as const),
          }),
        );
        const fns = chance(0.8) ? 2 : 1;
        for (let fn = 0; fn < fns; fn++)
          add(
            dev(id(fn ? 'gpu_audio' : 'gpu'), 'endpoint', bdf(dspSec, 0, fn), {
              parentId: dsp.id,
              vendorId: 0x10de,
              deviceId: fn ? 0x22ba : 0x2684,
              classCode: fn ? 0x040300 : 0x030000,
              multifunction: chance(0.5) ? fns > 1 : undefined,
              acs: acsEp(),
              noSnoop: pick([true, false, undefined]),
              driver: epDriver(),
            }),
          );
      }
    } else if (p === 5) {
      // root port → PCIe-to-PCI bridge → conventional devices, sometimes behind a nested conventional bridge
      need(3);
      const rpSec = nextBus++;
      const brSec = nextBus++;
      const rp = rootPort(rpSec);
      const br = add(dev(id('br'), 'pcie-to-pci-bridge', bdf(rpSec, 0, 0), { parentId: rp.id, vendorId: 0x8086, deviceId: 0x244e, secondaryBus: brSec, acs: null, driver: null }));
      const n = 1 + Math.floor(r() * 3);
      for (let d = 0; d < n; d++)
        add(dev(id('ser'), pick(['pci-device', 'legacy-endpoint'] as const), bdf(brSec, d, 0), { parentId: br.id, vendorId: 0x1415, deviceId: 0xc158, acs: null, driver: epDriver() }));
      if (chance(0.4)) {
        const sub = nextBus++;
        const pb = add(dev(id('pb'), 'pci-bridge', bdf(brSec, 0x1f, 0), { parentId: br.id, vendorId: 0x8086, deviceId: 0x244e, secondaryBus: sub, driver: null }));
        add(dev(id('old'), 'pci-device', bdf(sub, 0, 0), { parentId: pb.id, driver: epDriver() }));
        add(dev(id('old'), 'pci-device', bdf(sub, 1, 0), { parentId: pb.id, driver: epDriver() }));
      }
    } else if (p === 6) {
      // root-bus functions: an RCiEP (Intel → rciep quirk) or a multifunction device without ACS on bus 0
      need(0, 16);
      if (rpSlot & 7) rpSlot += 8 - (rpSlot & 7);
      const slot = rpSlot;
      rpSlot += 8;
      const fns = 1 + Math.floor(r() * 3);
      const u = units[slot % units.length].id;
      for (let fn = 0; fn < fns; fn++)
        add(dev(id('rc'), pick(['rciep', 'endpoint'] as const), bdf(0, slot >> 3, fn), { vendorId: pick([0x8086, 0x1022]), deviceId: 0x0998, acs: pick([null, undefined, ACS_ON] as const), iommuId: u, driver: epDriver() }));
    } else if (p === 7) {
      // root port → switch whose USP has several DSPs without ACS, each with a single endpoint
      need(4);
      const rpSec = nextBus++;
      const uspSec = nextBus++;
      const rp = rootPort(rpSec);
      const usp = add(dev(id('usp'), 'switch-upstream', bdf(rpSec, 0, 0), { parentId: rp.id, secondaryBus: uspSec, acs: null, driver: 'pcieport' }));
      for (let i = 0; i < 2; i++) {
        const s = nextBus++;
        const dsp = add(dev(id('dsp'), 'switch-downstream', bdf(uspSec, i, 0), { parentId: usp.id, secondaryBus: s, acs: null, driver: 'pcieport' }));
        add(dev(id('ep'), 'endpoint', bdf(s, 0, 0), { parentId: dsp.id, acs: null, driver: epDriver(), iommuId: chance(0.1) ? units[0].id : undefined }));
      }
    } else {
      // root port with a bare endpoint that may override its IOMMU unit
      need(1);
      const sec = nextBus++;
      const rp = rootPort(sec);
      add(dev(id('ep'), 'endpoint', bdf(sec, 0, 0), { parentId: rp.id, acs: acsEp(), driver: epDriver(), iommuId: chance(0.2) ? pick(units).id : undefined }));
    }
  }

  // Intel VMD: an endpoint on bus 0 hosting domain 0x10000 with a root port and an NVMe below it.
  {
    need(0, 1);
    const slot = rpSlot++;
    const vmd = add(dev(id('vmd'), 'endpoint', bdf(0, slot >> 3, slot & 7), { vendorId: 0x8086, deviceId: 0x9a0b, acs: null, iommuId: units[0].id, driver: 'vmd' }));
    const vrp = add(dev(id('vrp'), 'root-port', `10000:00:01.0`, { parentId: vmd.id, acs: ACS_ON, secondaryBus: 1, driver: 'pcieport' }));
    add(dev(id('vnvme'), 'endpoint', `10000:01:00.0`, { parentId: vrp.id, acs: null, driver: epDriver() }));
  }

  if (shape.observed) {
    let g = 0;
    for (const d of out) if (chance(0.6)) d.observedGroup = chance(0.7) ? g++ : Math.floor(r() * (g + 1));
  }

  const h = host(name, shape.kernel ?? '6.12', units, out, { arch: shape.arch ?? 'x86_64', cmdline: shape.cmdline, params: chance(0.5) ? { 'vfio_iommu_type1.allow_unsafe_interrupts': '1' } : {} });

  // VMs: each assigns a handful of endpoints spread over the host, some whole groups, some overlaps.
  const endpoints = out.filter((d) => d.kind === 'endpoint' || d.kind === 'legacy-endpoint' || d.kind === 'pci-device' || d.kind === 'rciep');
  const backends = ['vfio-type1', 'iommufd-cdev', 'iommufd-compat', 'vfio-type1'] as const;
  const vms: Vm[] = [];
  const nVm = shape.vms ?? 6;
  for (let v = 0; v < nVm; v++) {
    const ids: string[] = [];
    const k = 2 + Math.floor(r() * 10);
    for (let i = 0; i < k; i++) {
      const e = pick(endpoints);
      ids.push(e.id);
      // often take the neighbours too (siblings / whole groups)
      if (chance(0.5)) {
        const j = out.indexOf(e);
        for (const n of out.slice(j + 1, j + 1 + Math.floor(r() * 3))) ids.push(n.id);
      }
    }
    if (chance(0.2)) ids.push(pick(out).id); // maybe a bridge
    if (v === 0) ids.push(`${name}-missing`); // VIA006
    const backend = backends[v % backends.length];
    const hwpts = backend === 'iommufd-cdev' && chance(0.7) ? [{ id: `${name}-hwpt${v}`, name: `hw${v}`, deviceIds: ids.slice(0, 2) }] : [];
    vms.push(vm(`${name}-vm${v}`, h.id, ids, { backend, kvmVfio: v % 4 !== 3, hwpts, guestNoSnoop: pick([true, false, undefined]) }));
  }
  return topo([h], vms);
}
