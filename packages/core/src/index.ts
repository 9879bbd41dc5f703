export * from './errors.js';
export * from './metadata.js';
export * from './image.js';
export * from './preprocess.js';
