/** Who wrote an exported model: this package, at this version (read from its package.json at build time). */
import packageJson from '../../package.json';

export const PRODUCER: { name: string; version: string } = { name: packageJson.name, version: packageJson.version };
