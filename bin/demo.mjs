#!/usr/bin/env node
// `npm start`: the self-contained demo (bin/demo/main.ts). tsx loads the TypeScript sources.
import { register } from 'tsx/esm/api';

register();
const { runDemo } = await import('./demo/main.ts');
process.exitCode = await runDemo();
