export * from './errors.js';
export * from './metadata.js';
