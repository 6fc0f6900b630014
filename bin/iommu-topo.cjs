#!/usr/bin/env node
// Launcher for the bundled CLI (built by `npm run build` into server/out/cli.cjs).
require('../server/out/cli.cjs');
