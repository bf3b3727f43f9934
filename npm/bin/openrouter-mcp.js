#!/usr/bin/env node
// `npx openrouter-mcp`: see ../lib/launcher.js.
import { main } from "../lib/launcher.js";

await main();
