// Reading an AWS query protocol request: a form-encoded body whose keys flatten the input
// structure (`Tags.member.1.Key`, `ClientIDList.member.2`), as botocore's query serializer
// writes it, unflattened into the structure (lists as arrays in order of their index).
import { IamError } from './errors.js';

const MAX_PARAMETERS = 1000;
const MAX_INDEX = 1000;

type Node = { [name: string]: Node | string } | string;

/** The form's parameters by name; InvalidInput for a key given twice or too many keys. */
export function parseForm(body: Buffer): Map<string, string> {
  const form = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
    if (form.has(key)) throw new IamError('InvalidInput', `parameter ${key} is given twice`);
    form.set(key, value);
    if (form.size > MAX_PARAMETERS) throw new IamError('InvalidInput', 'too many parameters');
  }
  return form;
}

function toValue(node: Node): unknown {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  // A list is a node whose only child is `member`, whose children are indexes.
  if (keys.length === 1 && keys[0] === 'member' && typeof node.member === 'object') {
    const members = node.member;
    const indexes = Object.keys(members).map(Number);
    if (indexes.some((i) => !Number.isInteger(i) || i < 1 || i > MAX_INDEX))
      throw new IamError('InvalidInput', 'a list member index must be 1 or more');
    return indexes.sort((a, b) => a - b).map((i) => toValue(members[String(i)]!));
  }
  // fromEntries defines own properties: a key like __proto__ stays data, never a prototype.
  return Object.fromEntries(keys.map((key) => [key, toValue(node[key]!)]));
}

/** The action's input structure, without Action and Version. */
export function unflatten(form: Map<string, string>): Record<string, unknown> {
  const root = Object.create(null) as { [name: string]: Node };
  for (const [key, value] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const path = key.split('.');
    let node: { [name: string]: Node } = root;
    for (let i = 0; i < path.length - 1; i += 1) {
      const part = path[i]!;
      const next = node[part];
      if (typeof next === 'string')
        throw new IamError('InvalidInput', `parameter ${key} conflicts with ${path.slice(0, i + 1).join('.')}`);
      if (next === undefined) node[part] = Object.create(null) as { [name: string]: Node };
      node = node[part] as { [name: string]: Node };
    }
    const last = path[path.length - 1]!;
    if (typeof node[last] === 'object') throw new IamError('InvalidInput', `parameter ${key} conflicts with ${key}.*`);
    // An empty list travels as `Name=` (botocore's query serializer).
    node[last] = value;
  }
  return toValue(root) as Record<string, unknown>;
}
