import { describe, expect, it, vi } from 'vitest';
import { OperationCancelled } from 'langium';
import { createTestServices, message } from './helpers.js';
import type { IommuValidationRegistry } from '../src/language/iommu-validation-registry.js';

describe('IommuValidationRegistry (synchronous exception wrapper)', () => {
  it('a check that throws becomes an error diagnostic on its node; other checks still run', async () => {
    const services = createTestServices();
    services.Iommu.validation.ValidationRegistry.register({
      Host: () => {
        throw new Error('boom');
      },
      Vm: async () => {
        throw new Error('async boom');
      },
    });
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const doc = await services.validate('host h { kernel 6.12 arch x86_65\n endpoint e at 00:02.0 { driver vfio-pci } }\nvm v { assign e }\n');
    spy.mockRestore();
    const msgs = (doc.diagnostics ?? []).map(message);
    expect(msgs).toContain('An error occurred during validation: boom');
    expect(msgs).toContain('An error occurred during validation: async boom');
    expect((doc.diagnostics ?? []).find((d) => message(d).endsWith(': boom'))?.range.start).toEqual({ line: 0, character: 0 });
    expect((doc.diagnostics ?? []).some((d) => d.code === 'SYN002')).toBe(true); // the vocabulary check still ran
  });

  it('checksOf: the same checks in the same order as getChecks, per type and categories, and a check registered later is in it', () => {
    const services = createTestServices();
    const registry = services.Iommu.validation.ValidationRegistry as IommuValidationRegistry;
    for (const type of ['Document', 'PciDevice', 'KernelSetting', 'Host', 'IdProp']) {
      expect(registry.checksOf(type)).toEqual(registry.getChecks(type).toArray());
      expect(registry.checksOf(type, ['fast'])).toEqual(registry.getChecks(type, ['fast']).toArray());
      expect(registry.checksOf(type, ['slow'])).toEqual([]);
    }
    const before = registry.checksOf('Host').length;
    registry.register({ Host: () => {} }, undefined, 'slow');
    expect(registry.checksOf('Host')).toHaveLength(before + 1);
    expect(registry.checksOf('Host', ['slow'])).toHaveLength(1);
    expect(registry.checksOf('Host', ['fast'])).toHaveLength(before);
  });

  it('cancellation thrown by a check is not turned into a diagnostic', async () => {
    const services = createTestServices();
    services.Iommu.validation.ValidationRegistry.register({
      Host: () => {
        throw OperationCancelled;
      },
    });
    const doc = await services.parse('host h { kernel 6.12 }\n');
    await expect(services.Iommu.validation.DocumentValidator.validateDocument(doc)).rejects.toBe(OperationCancelled);
  });

  it('synchronous checks return no promise (nothing to await per node)', () => {
    const services = createTestServices();
    const checks = services.Iommu.validation.ValidationRegistry.getChecks('KernelSetting').toArray();
    expect(checks.length).toBeGreaterThan(0);
    const results = checks.map((c) => c({ $type: 'KernelSetting', version: '6.12' } as never, () => {}, undefined as never));
    expect(results.every((r) => r === undefined)).toBe(true);
  });
});
