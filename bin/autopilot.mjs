#!/usr/bin/env node
// The `autopilot` executable: registers tsx so the CLI and `ops.config.ts` files load as TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./autopilot.ts');
