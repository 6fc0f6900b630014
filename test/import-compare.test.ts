/**
 * Issue 3: where the source gives real iommu groups, the generated file carries them (`observed-group`) and
 * the simulator's computed groups are compared with them (GRP003) through the normal validation path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importFromLspci } from '../server/src/import/index.js';
import { codes, createTestServices, diagnosticsWithCode, message } from '../server/test/helpers.js';

const t = createTestServices();
afterEach(() => t.clear());
const fixture = path.resolve(__dirname, 'fixtures/import/lspci/synthetic-desktop-spt.txt');
const lspci = fs.readFileSync(fixture, 'utf8');

describe('imported groups vs simulated groups', () => {
  it('an import whose groups the simulator reproduces checks without GRP003', async () => {
    const { text } = importFromLspci(lspci, { file: fixture, kernel: '6.12' });
    const doc = await t.validate(text);
    expect(doc.parseResult.parserErrors).toEqual([]);
    expect(codes(doc)).not.toContain('GRP003');
  });

  it('a host group the model does not predict is reported as GRP003 on the device', async () => {
    // the real host put the NVMe drive in the Sunrise Point root port's group; the model isolates it
    const altered = lspci.replace(/(0000:02:00\.0 Non-Volatile[\s\S]*?IOMMU group: )4/, '$12');
    expect(altered).not.toBe(lspci);
    const { text } = importFromLspci(altered, { file: fixture, kernel: '6.12' });
    const doc = await t.validate(text);
    const grp003 = diagnosticsWithCode(doc, 'GRP003');
    expect(grp003.length).toBeGreaterThan(0);
    expect(grp003.map(message).join('\n')).toMatch(/0000:02:00\.0/);
  });
});
