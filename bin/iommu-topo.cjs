#!/usr/bin/env node
// Launcher for the bundled CLI (built by `npm run build` into server/out/cli.cjs).
// On Node >= 22.1, keep V8's compiled code of the bundle in Node's compile cache (os.tmpdir(), keyed by
// content; NODE_DISABLE_COMPILE_CACHE=1 turns it off): later runs skip compiling 2 MB of JavaScript.
require('node:module').enableCompileCache?.();
require('../server/out/cli.cjs');
