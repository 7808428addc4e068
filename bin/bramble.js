#!/usr/bin/env node
// Entry for `npx bramble`: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via prepare).
import { runCli } from '../dist/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
