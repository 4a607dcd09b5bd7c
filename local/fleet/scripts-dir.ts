import path from 'node:path';

/** Environment variable that points at the fleet's child scripts when this code runs bundled. */
export const FLEET_DIR_ENV = 'FAULTLINE_FLEET_DIR';

/**
 * Directory of the fleet's child scripts (`replica.js`, `dependency.js`, `child.js`: plain
 * CommonJS, run by `node` without a TypeScript loader). A bundler that folds this module into one
 * file changes `__dirname`, so it copies the `scripts` directory next to its output and sets
 * FAULTLINE_FLEET_DIR.
 */
export const fleetScriptsDir = (): string => process.env[FLEET_DIR_ENV] || path.join(__dirname, 'scripts');
