// A small XML reader and a structural check of JUnit XML against the subset of Jenkins'
// junit-10.xsd that CI servers read: which elements may nest where, which attributes are
// allowed and required, numeric counts, and counts that agree with the testcases.
// https://github.com/jenkinsci/junit-plugin/blob/master/src/main/resources/hudson/tasks/junit/types/junit-10.xsd

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)));
    const named = ENTITIES[ref];
    if (named === undefined) throw new Error(`unknown entity ${whole}`);
    return named;
  });
}

/** Parses well-formed XML (elements, attributes, text, entity references); throws otherwise. */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at offset ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i])) i += 1;
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  const element = (): XmlElement => {
    if (xml[i] !== '<') fail('expected <');
    i += 1;
    const name = /^[A-Za-z_][\w.-]*/.exec(xml.slice(i))?.[0] ?? fail('expected an element name');
    i += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (xml[i] === '>') {
        i += 1;
        break;
      }
      const m = /^([A-Za-z_][\w.:-]*)\s*=\s*"([^"<]*)"/.exec(xml.slice(i)) ?? fail('expected an attribute');
      if (m[1] in attributes) fail(`duplicate attribute ${m[1]}`);
      attributes[m[1]] = decode(m[2]);
      i += m[0].length;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (i >= xml.length) fail(`unterminated <${name}>`);
      if (xml.startsWith(`</${name}>`, i)) {
        i += name.length + 3;
        return { name, attributes, children, text: decode(text) };
      }
      if (xml.startsWith('</', i)) fail(`mismatched closing tag inside <${name}>`);
      if (xml[i] === '<') children.push(element());
      else {
        const next = xml.indexOf('<', i);
        text += xml.slice(i, next < 0 ? xml.length : next);
        i = next < 0 ? xml.length : next;
      }
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== xml.length) fail('content after the root element');
  return root;
}

const SCHEMA: Readonly<Record<string, { attributes: readonly string[]; required: readonly string[]; children: readonly string[] }>> = {
  testsuites: { attributes: ['name', 'time', 'tests', 'failures', 'disabled', 'errors'], required: [], children: ['testsuite'] },
  testsuite: {
    attributes: ['name', 'tests', 'failures', 'errors', 'time', 'disabled', 'skipped', 'timestamp', 'hostname', 'id', 'package'],
    required: ['name', 'tests'],
    children: ['properties', 'testcase', 'system-out', 'system-err'],
  },
  testcase: { attributes: ['name', 'assertions', 'time', 'classname', 'status'], required: ['name'], children: ['skipped', 'error', 'failure', 'system-out', 'system-err'] },
  failure: { attributes: ['type', 'message'], required: [], children: [] },
  error: { attributes: ['type', 'message'], required: [], children: [] },
  skipped: { attributes: ['message'], required: [], children: [] },
};

const COUNT = /^\d+$/;
const TIME = /^\d+(\.\d+)?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** Every way the document departs from the schema; [] when it conforms. */
export function junitProblems(xml: string): string[] {
  const problems: string[] = [];
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (cause) {
    return [`not well-formed XML: ${(cause as Error).message}`];
  }
  if (root.name !== 'testsuites') problems.push(`the root is <${root.name}>, not <testsuites>`);
  const visit = (e: XmlElement, path: string): void => {
    const rule = SCHEMA[e.name];
    if (!rule) {
      problems.push(`${path}: unknown element <${e.name}>`);
      return;
    }
    for (const a of Object.keys(e.attributes)) if (!rule.attributes.includes(a)) problems.push(`${path}: attribute ${a} is not allowed on <${e.name}>`);
    for (const a of rule.required) if (!(a in e.attributes)) problems.push(`${path}: <${e.name}> needs attribute ${a}`);
    for (const a of ['tests', 'failures', 'errors', 'skipped', 'disabled', 'assertions']) {
      if (a in e.attributes && !COUNT.test(e.attributes[a])) problems.push(`${path}: ${a}="${e.attributes[a]}" is not a count`);
    }
    if ('time' in e.attributes && !TIME.test(e.attributes.time)) problems.push(`${path}: time="${e.attributes.time}" is not a number of seconds`);
    if ('timestamp' in e.attributes && !TIMESTAMP.test(e.attributes.timestamp)) problems.push(`${path}: timestamp="${e.attributes.timestamp}" is not yyyy-mm-ddThh:mm:ss`);
    for (const child of e.children) {
      if (!rule.children.includes(child.name)) problems.push(`${path}: <${child.name}> may not appear in <${e.name}>`);
      visit(child, `${path}/${child.name}[${child.attributes.name ?? ''}]`);
    }
  };
  visit(root, 'testsuites');
  // counts agree with the testcases
  const sums = { tests: 0, failures: 0, errors: 0 };
  for (const suite of root.children) {
    const cases = suite.children.filter((c) => c.name === 'testcase');
    const has = (name: string) => cases.filter((c) => c.children.some((x) => x.name === name)).length;
    const actual = { tests: cases.length, failures: has('failure'), errors: has('error'), skipped: has('skipped') };
    for (const [key, value] of Object.entries(actual)) {
      if (suite.attributes[key] !== undefined && Number(suite.attributes[key]) !== value) {
        problems.push(`testsuite ${suite.attributes.name}: ${key}="${suite.attributes[key]}" but ${value} testcases say so`);
      }
    }
    sums.tests += actual.tests;
    sums.failures += actual.failures;
    sums.errors += actual.errors;
  }
  for (const [key, value] of Object.entries(sums)) {
    if (root.attributes[key] !== undefined && Number(root.attributes[key]) !== value) problems.push(`testsuites: ${key}="${root.attributes[key]}" but the suites add up to ${value}`);
  }
  return problems;
}
