#!/usr/bin/env node
// openapi-check.js - validate the replies a server logged (OG_OPENAPI_LOG, src/http/openapi.c)
// against the OpenAPI document (build/openapi.json): each reply's route and method must be an
// operation of the document, its status one of that operation's responses, its Content-Type one
// the response lists, and a JSON body valid against the response's schema (JSON Schema 2020-12,
// as OpenAPI 3.1 has it; ajv from tools/node). The request a successful (2xx) reply answered is
// checked too (checkRequest): query arguments and headers against the declared parameters, the
// body against the requestBody's media types and schema.
//
// Usage: node tools/openapi-check.js DOC.json LOG.jsonl...
// Prints one line per failure naming the operation, the status and the JSON pointer of the
// offending value, then a summary. Exit: 0 all valid, 1 a failure, 2 usage or unreadable input.
'use strict';
const fs = require('fs');
const path = require('path');

const nodeDir = path.join(__dirname, 'node', 'node_modules');
let Ajv2020, addFormats;
try {
  Ajv2020 = require(path.join(nodeDir, 'ajv', 'dist', '2020')).default;
  addFormats = require(path.join(nodeDir, 'ajv-formats')).default;
} catch (e) {
  console.error(`openapi-check.js: ajv is not installed in tools/node (scripts/deps.sh test): ${e.message}`);
  process.exit(2);
}

if (process.argv.length < 4) {
  console.error('usage: node tools/openapi-check.js DOC.json LOG.jsonl...');
  process.exit(2);
}
let doc;
try {
  doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
} catch (e) {
  console.error(`openapi-check.js: ${process.argv[2]}: ${e.message}`);
  process.exit(2);
}

const DOC_ID = 'https://opsgate.invalid/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(doc, DOC_ID);

const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// Follow a local $ref ('#/components/responses/NotFound') to its object.
function deref(obj) {
  for (let i = 0; obj && obj.$ref && i < 8; i++) {
    if (!obj.$ref.startsWith('#/')) return obj;
    obj = obj.$ref
      .slice(2)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o, k) => (o ? o[k] : undefined), doc);
  }
  return obj;
}

// Parameters arrive as text: a second validator coerces them to the declared type first.
const ajvParams = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, coerceTypes: 'array' });
addFormats(ajvParams);
ajvParams.addSchema(doc, DOC_ID);
const paramValidators = new Map();
function paramValidator(pointer) {
  if (!paramValidators.has(pointer)) paramValidators.set(pointer, ajvParams.compile({ $ref: `${DOC_ID}#${pointer}` }));
  return paramValidators.get(pointer);
}

const validators = new Map();
function validator(pointer) {
  if (!validators.has(pointer)) validators.set(pointer, ajv.compile({ $ref: `${DOC_ID}#${pointer}` }));
  return validators.get(pointer);
}

const failures = [];
const seen = new Set();
let checked = 0;

// The request a 2xx reply answered, against the operation: its query arguments and headers
// against the declared parameters (required ones present, values of the declared schema, no
// undeclared query argument), its body against the requestBody (a body only where one is
// declared, a required one present, a documented media type, JSON valid against the schema).
// A refused request (4xx, 5xx) is what the test meant to send wrong: its reply is checked only.
function checkRequest(entry, op, item, pointer, fail) {
  const req = entry.request;
  if (!req || entry.status < 200 || entry.status > 299) return;
  const params = [...(item.parameters || []), ...(op.parameters || [])];
  const declared = { query: new Map(), header: new Map() };
  params.forEach((p0, i) => {
    const p = deref(p0);
    if (!p || !declared[p.in]) return;
    const at = (op.parameters || []).includes(p0) ? `${pointer}/parameters/${(op.parameters || []).indexOf(p0)}`
      : `/paths/${esc(entry.route)}/parameters/${(item.parameters || []).indexOf(p0)}`;
    const ref = p0.$ref ? p0.$ref.slice(1) : at;
    declared[p.in].set(p.name.toLowerCase(), { p, schema: `${ref}/schema` });
  });
  for (const where of ['query', 'header']) {
    const got = (where === 'query' ? req.query : req.headers) || {};
    for (const [name, { p, schema }] of declared[where]) {
      const key = Object.keys(got).find((k) => k.toLowerCase() === name);
      if (key === undefined) {
        if (p.required) fail(`request: the required ${where} parameter '${p.name}' is missing`);
        continue;
      }
      if (!p.schema) continue;
      const holder = { v: got[key] };
      const v = paramValidator(schema);
      if (!v(holder.v)) fail(`request: ${where} parameter '${p.name}' = '${String(got[key]).slice(0, 60)}': ${v.errors[0].message}`);
    }
    // a test's deliberate probe (tests/authz: another tenant named in the query of every route)
    const probe = req.headers && req.headers['x-og-test-probe'] === 'query';
    if (where === 'query' && !probe)
      for (const k of Object.keys(got))
        if (!declared.query.has(k.toLowerCase())) fail(`request: query argument '${k}' is not a declared parameter`);
  }
  const rb = op.requestBody ? deref(op.requestBody) : null;
  const hasBody = req.body !== undefined && req.body !== null && req.body !== '';
  if (!hasBody && !req.body_binary && !req.body_streamed && !req.body_wiped) {
    if (rb && rb.required && !(rb.content && rb.content['application/octet-stream']))
      fail('request: the operation requires a body, the server took one without');
    return;
  }
  if (!rb) return fail('request: a body sent to an operation that declares none');
  const content = rb.content || {};
  const type = req.headers && req.headers['content-type'];
  let media = type ? type.split(';')[0].trim().toLowerCase() : null;
  // curl -d sends form-urlencoded unless told: the server reads the body by the operation
  if (!media || media === 'application/x-www-form-urlencoded') media = content['application/json'] ? 'application/json' : media;
  const mkey = Object.keys(content).find((k) => k.toLowerCase() === media || k === '*/*' ||
    (k.endsWith('/*') && media && media.startsWith(k.slice(0, -1))));
  if (!mkey) return fail(`request: Content-Type ${media} not documented (documented: ${Object.keys(content).join(', ') || 'none'})`);
  if (!/json$/.test(mkey) || !hasBody || !content[mkey].schema) return;
  let value;
  try {
    value = JSON.parse(req.body);
  } catch (e) {
    return fail(`request: the JSON body does not parse, yet the server accepted it: ${e.message}`);
  }
  const base = op.requestBody.$ref ? op.requestBody.$ref.slice(1) : `${pointer}/requestBody`;
  const v = validator(`${base}/content/${esc(mkey)}/schema`);
  if (!v(value)) {
    for (const err of v.errors.slice(0, 5))
      fail(`request: ${err.instancePath || '/'} ${err.message}${err.params && err.params.additionalProperty ? ` '${err.params.additionalProperty}'` : ''} (schema ${err.schemaPath})`);
  }
}

function check(entry, where) {
  if (entry.route.startsWith('/_test/')) return; // test-only routes: not in the document by rule
  const method = (entry.method === 'HEAD' ? 'GET' : entry.method).toLowerCase();
  const item = doc.paths && doc.paths[entry.route];
  const op = item && item[method];
  const name = op && op.operationId ? `${op.operationId} (${entry.method} ${entry.route})` : `${entry.method} ${entry.route}`;
  const fail = (msg) => failures.push(`${where}: ${name} ${entry.status}: ${msg}`);
  if (!item) return fail('the document has no such path');
  if (!op) return fail('the document has no such operation');
  seen.add(`${method} ${entry.route}`);
  checkRequest(entry, op, item, `/paths/${esc(entry.route)}/${method}`, fail);
  const responses = op.responses || {};
  const key = [String(entry.status), `${String(entry.status)[0]}XX`, 'default'].find((k) => k in responses);
  if (!key) return fail(`status not documented (documented: ${Object.keys(responses).join(', ')})`);
  // A 304 carries the representation's headers (Content-Type, ETag) and never a body.
  if (entry.status === 304) return;
  const resp = deref(responses[key]);
  const content = (resp && resp.content) || {};
  const media = entry.type ? entry.type.split(';')[0].trim().toLowerCase() : null;
  if (!media) {
    if (entry.body && entry.body.length) fail('a body without Content-Type');
    else if (Object.keys(content).length && entry.status !== 304) fail('the document promises a body, the reply has none');
    return;
  }
  const mkey = Object.keys(content).find((k) => k.toLowerCase() === media || k === '*/*');
  if (!mkey) return fail(`Content-Type ${media} not documented (documented: ${Object.keys(content).join(', ') || 'none'})`);
  if (media !== 'application/json' || entry.body === null || entry.body === undefined) return;
  if (!content[mkey].schema) return fail('no schema for the JSON body');
  let value;
  try {
    value = JSON.parse(entry.body);
  } catch (e) {
    return fail(`the body is not JSON: ${e.message}`);
  }
  const pointer = `/paths/${esc(entry.route)}/${method}/responses/${key}`;
  const base = responses[key].$ref ? responses[key].$ref.slice(1) : pointer;
  const v = validator(`${base}/content/${esc(mkey)}/schema`);
  if (!v(value)) {
    for (const err of v.errors.slice(0, 5)) {
      fail(`${err.instancePath || '/'} ${err.message}${err.params && err.params.additionalProperty ? ` '${err.params.additionalProperty}'` : ''} (schema ${err.schemaPath})`);
    }
  }
}

for (const file of process.argv.slice(3)) {
  let lines;
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n');
  } catch (e) {
    console.error(`openapi-check.js: ${file}: ${e.message}`);
    process.exit(2);
  }
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch (e) {
      failures.push(`${file}:${i + 1}: not a log line: ${e.message}`);
      return;
    }
    checked++;
    check(entry, `${path.basename(file)}:${i + 1}`);
  });
}
for (const f of failures) console.log(`FAIL: ${f}`);
console.log(`openapi-check: ${checked} replies of ${seen.size} operations checked against the document, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
