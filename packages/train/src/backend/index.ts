export { initBackend, type InitBackendOptions, type BackendName } from './init-backend.js';
export { registerWasmKernels, installedWasmKernels, registerCpuKernels, installedCpuKernels } from './kernels/register.js';
export { currentModuleFile } from './module-location.js';
