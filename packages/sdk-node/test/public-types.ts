/**
 * Type-level checks of a built package's declarations (dist/index.d.ts), with the TypeScript compiler: what users'
 * code can import, and what the declarations say. Shared with the web SDK's tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Compiler errors of `code`, compiled as a module in `dir` (so `@types/*` and the package's dependencies resolve). */
export function typeErrors(dir: string, code: string, lib: string[] = ['lib.es2022.d.ts']): string[] {
  const file = join(dir, '__public-types-check__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: ['node'],
    lib,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) => (name === file ? ts.createSourceFile(name, code, version) : getSourceFile.call(host, name, version, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? code : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** The JSDoc tag names on `className`'s constructor in the declaration file `dts`. */
export function constructorTags(dts: string, className: string): string[] {
  // Parsed on its own (a program may skip JSDoc in declaration files).
  const source = ts.createSourceFile(dts, readFileSync(dts, 'utf8'), ts.ScriptTarget.ES2022, true);
  const tags: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) && node.name?.text === className) {
      for (const member of node.members) if (ts.isConstructorDeclaration(member)) tags.push(...ts.getJSDocTags(member).map((t) => t.tagName.text));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return tags;
}
