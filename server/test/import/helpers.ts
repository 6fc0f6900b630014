import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/import');
export const read = (p: string) => fs.readFileSync(path.join(FIX, p), 'utf8');
