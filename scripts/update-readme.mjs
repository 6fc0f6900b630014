// Regenerate the README rule table from the rule metadata (npm run readme).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const table = execFileSync(process.execPath, ['bin/iommu-topo.cjs', 'rules', '--markdown'], { encoding: 'utf8' }).trimEnd();
const readme = fs.readFileSync('README.md', 'utf8');
const begin = readme.indexOf('<!-- rules:begin');
const end = readme.indexOf('<!-- rules:end -->');
if (begin < 0 || end < 0) throw new Error('README.md: rule table markers not found');
fs.writeFileSync('README.md', readme.slice(0, begin) + table + readme.slice(end + '<!-- rules:end -->'.length));
console.log('README.md rule table updated');
