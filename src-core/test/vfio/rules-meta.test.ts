import { describe, expect, it } from 'vitest';
import { VFIO_RULES } from '../../src/rules/vfio-rules.js';

describe('VFIO rule metadata', () => {
  const codes = VFIO_RULES.map((r) => r.meta.code);
  it('has every required code exactly once', () => {
    for (const c of ['VIA001', 'VIA002', 'VIA003', 'VIA004', 'IR001', 'IR002', 'IR003', 'IR004', 'CC001', 'KVM001', 'KVM002', 'KVM003', 'KVM004', 'KVM005', 'T1001', 'T1002', 'KVER000', 'KVER001']) {
      expect(codes.filter((x) => x === c)).toHaveLength(1);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });
  it('severities match the brief', () => {
    const sev = Object.fromEntries(VFIO_RULES.map((r) => [r.meta.code, r.meta.defaultSeverity]));
    expect(sev).toMatchObject({ VIA001: 'error', VIA004: 'warning', IR002: 'warning', IR004: 'warning', KVM003: 'info', KVM004: 'warning', KVM005: 'warning', T1001: 'info', T1002: 'error', KVER000: 'warning', KVER001: 'error' });
  });
  it('every rule cites the reference (except VIA006, a model check)', () => {
    for (const r of VFIO_RULES) if (r.meta.code !== 'VIA006') expect(r.meta.kernel.length, r.meta.code).toBeGreaterThan(0);
  });
});
