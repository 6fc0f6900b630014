// Adds value patterns (BDFs, whole or being typed, vendor:device IDs, hex, versions, ACS flags) to the TextMate grammar that
// `langium generate` writes from the keywords. Run by `npm run langium:generate`; idempotent.
import * as fs from 'node:fs';

const file = process.argv[2] ?? 'syntaxes/iommu.tmLanguage.json';
const g = JSON.parse(fs.readFileSync(file, 'utf8'));
const extra = [
  { name: 'constant.numeric.bdf.iommu', match: '\\b(?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\\.[0-7]\\b' },
  // a BDF being typed, with its domain (`0000:01:00`, `0000:01:00.`, `0000:01:`): the lexer reads it as one BDF too
  { name: 'constant.numeric.bdf.partial.iommu', match: '\\b[0-9a-fA-F]{4,8}:[0-9a-fA-F]{1,2}:(?:[0-9a-fA-F]{1,2}\\.?)?(?![0-9a-zA-Z_.:])' },
  { name: 'constant.numeric.pci-id.iommu', match: '\\b[0-9a-fA-F]{4}:[0-9a-fA-F]{4}\\b' },
  { name: 'constant.numeric.hex.iommu', match: '\\b0x[0-9a-fA-F]+\\b' },
  // with a distribution suffix, as the VERSION terminal takes it (6.8.0-45-generic)
  { name: 'constant.numeric.version.iommu', match: '\\b\\d+\\.\\d+(?:\\.\\d+)?(?:[-+~][\\w.+~-]*)?' },
  { name: 'constant.language.acs-flag.iommu', match: '\\b(?:SV|TB|RR|CR|UF|EC|DT)\\b' },
  { name: 'constant.numeric.integer.iommu', match: '\\b\\d+\\b' },
];
g.patterns = g.patterns.filter((p) => !extra.some((e) => e.name === p.name));
// values before keywords so `0000:00:01.0` is not split; after comments
g.patterns.splice(1, 0, ...extra);
fs.writeFileSync(file, JSON.stringify(g, null, 2) + '\n');
