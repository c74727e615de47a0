#!/usr/bin/env node
// The installed `purertc` command runs the built CLI (npm run build emits dist/).
import { main } from '../dist/cli/main.js';
main(process.argv.slice(2)).then((code) => { if (code !== 0) process.exitCode = code; });
