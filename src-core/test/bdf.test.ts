import { describe, expect, it } from 'vitest';
import { formatBdf, parseBdf } from '../src/bdf.js';
import { rng } from './rng.js';

/** The regular-expression parser `parseBdf` replaced: the reference for what is a well-formed BDF. */
function parseBdfByRegex(text: string) {
  const m = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text.trim());
  if (!m) return undefined;
  const bdf = { domain: m[1] ? parseInt(m[1], 16) : 0, bus: parseInt(m[2], 16), device: parseInt(m[3], 16), fn: Number(m[4]) };
  return bdf.device > 0x1f ? undefined : bdf;
}

describe('parseBdf', () => {
  it('reads the kernel spelling, short forms, long domains and surrounding whitespace', () => {
    expect(parseBdf('0000:65:00.0')).toEqual({ domain: 0, bus: 0x65, device: 0, fn: 0 });
    expect(parseBdf('65:1f.7')).toEqual({ domain: 0, bus: 0x65, device: 0x1f, fn: 7 });
    expect(parseBdf('10000:e1:00.3')).toEqual({ domain: 0x10000, bus: 0xe1, device: 0, fn: 3 });
    expect(parseBdf('ffffffff:FF:1F.7')).toEqual({ domain: 0xffffffff, bus: 0xff, device: 0x1f, fn: 7 });
    expect(parseBdf(' \t0:1:2.3\n')).toEqual({ domain: 0, bus: 1, device: 2, fn: 3 });
  });

  it('rejects out-of-range fields and other shapes', () => {
    for (const bad of ['', '65:20.0', '0000:65:00.8', '123456789:00:00.0', '0000:065:00.0', '65:00', '65:00.', '65:00.0 x', '0000:65:00:0', '65.00.0', 'zz:00.0', '65:00.00', ':65:00.0', '0000::00.0']) {
      expect(parseBdf(bad), bad).toBeUndefined();
    }
  });

  it('agrees with the regular-expression parser on random and canonical texts', () => {
    const rand = rng(7);
    const alphabet = '0123456789abcdefABCDEFgG:.: . \t7';
    let defined = 0;
    for (let k = 0; k < 60000; k++) {
      const len = Math.floor(rand() * 16);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const expected = parseBdfByRegex(s);
      expect(parseBdf(s), JSON.stringify(s)).toEqual(expected);
      if (expected) defined++;
    }
    for (let k = 0; k < 20000; k++) {
      const b = { domain: Math.floor(rand() * 0x20000), bus: Math.floor(rand() * 256), device: Math.floor(rand() * 40), fn: Math.floor(rand() * 9) };
      const s = formatBdf(b);
      expect(parseBdf(s), s).toEqual(parseBdfByRegex(s));
      if (parseBdfByRegex(s)) defined++;
    }
    expect(defined).toBeGreaterThan(10000);
  });
});

describe('formatBdf', () => {
  /** The spelling field by field: the reference for the table lookups. */
  const fieldByField = (b: { domain: number; bus: number; device: number; fn: number }) => {
    const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
    return `${h(b.domain, 4)}:${h(b.bus, 2)}:${h(b.device, 2)}.${b.fn}`;
  };

  it('spells every bus, device and function of several domains as the kernel does', () => {
    for (const domain of [0, 1, 0xab, 0x100, 0xffff, 0x10000, 0x12345678]) {
      for (let bus = 0; bus < 256; bus++) {
        for (let device = 0; device < 0x20; device++) {
          for (let fn = 0; fn < 8; fn++) expect(formatBdf({ domain, bus, device, fn })).toBe(fieldByField({ domain, bus, device, fn }));
        }
      }
    }
    expect(formatBdf({ domain: 0, bus: 0x65, device: 0, fn: 0 })).toBe('0000:65:00.0');
  });

  it('formats out-of-range fields field by field', () => {
    for (const b of [
      { domain: 0, bus: 0x100, device: 0, fn: 0 },
      { domain: 0, bus: 1, device: 0x20, fn: 0 },
      { domain: 0, bus: 1, device: 0xff, fn: 9 },
      { domain: 1.5, bus: 1, device: 2, fn: 3 },
      { domain: 0, bus: 1, device: 2, fn: 3.5 },
    ])
      expect(formatBdf(b)).toBe(fieldByField(b));
  });
});
