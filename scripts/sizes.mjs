// `npm run sizes [-- dir]` (or `node scripts/sizes.mjs [dir]`, default src): the 10 largest source
// files by line count and the 10 largest functions (declarations, methods, constructors,
// accessors, function expressions and arrow functions) by line count, parsed with the TypeScript
// compiler API. Tests are left out: *.test.ts, shared test suites (files that import node:test,
// e.g. metadata/store-suite-*.ts), and the testing/, e2e/, fuzz/ and bench/ folders.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const EXCLUDED_DIRS = new Set(['testing', 'e2e', 'fuzz', 'bench', 'node_modules']);
const TOP = 10;

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return EXCLUDED_DIRS.has(entry.name) ? [] : sources(path);
    const source = /\.(c|m)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts');
    return source && !/\.test\.(c|m)?tsx?$/.test(entry.name) ? [path] : [];
  });
}

function nameText(name, file) {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name))
    return name.text;
  return name.getText(file);
}

/** The name of the class, object or variable a function belongs to, for `Owner.method`. */
function ownerName(node, file) {
  const parent = node.parent;
  if (ts.isClassLike(parent)) return nameText(parent.name, file) ?? '<class>';
  if (ts.isObjectLiteralExpression(parent)) {
    const holder = parent.parent;
    if (holder && (ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder)))
      return nameText(holder.name, file);
  }
  return undefined;
}

/** A readable name for a function node: its own, its variable's or property's, or where it is passed. */
function functionName(node, file) {
  const own = node.name ? nameText(node.name, file) : undefined;
  if (ts.isConstructorDeclaration(node)) return `${ownerName(node, file) ?? '<class>'}.constructor`;
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    const prefix = ts.isGetAccessor(node) ? 'get ' : ts.isSetAccessor(node) ? 'set ' : '';
    const owner = ownerName(node, file);
    return `${prefix}${owner ? `${owner}.` : ''}${own}`;
  }
  if (own) return own;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyDeclaration(parent)) return nameText(parent.name, file);
  if (ts.isPropertyAssignment(parent)) {
    const owner = ownerName(parent, file);
    return `${owner ? `${owner}.` : ''}${nameText(parent.name, file)}`;
  }
  if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) {
    const callee = parent.expression.getText(file).replace(/\s+/g, ' ');
    return `<callback of ${callee.length > 40 ? `${callee.slice(0, 37)}...` : callee}>`;
  }
  return '<anonymous>';
}

const isFunction = (node) =>
  ts.isFunctionDeclaration(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isGetAccessor(node) ||
  ts.isSetAccessor(node) ||
  ts.isFunctionExpression(node) ||
  ts.isArrowFunction(node);

const root = process.argv[2] ?? 'src';
const files = [];
let suites = 0;
const functions = [];
for (const path of sources(root)) {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const testSuite = file.statements.some(
    (s) => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === 'node:test',
  );
  if (testSuite) {
    suites++;
    continue;
  }
  const shown = relative(dirname(resolve(root)), path); // src/… whichever tree
  files.push({ path: shown, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) });
  const visit = (node) => {
    if (isFunction(node) && node.body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      functions.push({ at: `${shown}:${start}`, name: functionName(node, file), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

const byLines = (a, b) => b.lines - a.lines || (a.path ?? a.at).localeCompare(b.path ?? b.at);
const width = (rows, key) => Math.max(...rows.map((r) => String(r[key]).length));
const largestFiles = files.sort(byLines).slice(0, TOP);
const largestFunctions = functions.sort(byLines).slice(0, TOP);
console.log(
  `${files.length} source files, ${functions.length} functions under ${root} (left out: tests, ${suites} test suites, testing/, e2e/, fuzz/, bench/)\n`,
);
console.log(`largest files (lines):`);
for (const f of largestFiles) console.log(`  ${String(f.lines).padStart(5)}  ${f.path}`);
console.log(`\nlargest functions (lines):`);
const atWidth = width(largestFunctions, 'at');
for (const f of largestFunctions) console.log(`  ${String(f.lines).padStart(5)}  ${f.at.padEnd(atWidth)}  ${f.name}`);
