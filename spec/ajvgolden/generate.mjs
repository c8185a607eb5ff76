// Writes the Ajv goldens of spec/testdata/ajv: Rocket.Chat's own request validators, taken
// from the published @rocket.chat/rest-typings and compiled by its own Ajv instances
// (dist/v1/Ajv.js: Ajv2020, coerceTypes true — "array" for ajvQuery —, no allErrors), run on a
// corpus of bodies and query strings per operation (operations.mjs). Each case records the
// verdict, the value the route's handler would see (coerced in place by Ajv, as
// JSON.stringify writes it) and the errors array. spec's and mockserver/api's Go tests replay
// every case through the mock. It also writes spec/testdata/qs: qs.parse's own answers, with
// the http-router's options, on a corpus of query strings (spec/query.go's TestQSAgreesWithQs).
//
// Rerun by hand (never in CI) when operations.mjs or the pinned package changes:
//
//	cd spec/ajvgolden && npm ci && npm run generate
//
// The package is fetched with `npm pack` (its own dependencies use yarn patch: protocols that
// npm cannot install, and only dist/ is needed) and checked against the integrity below. The
// request body is read as the http-router's parseBodyParams reads it (packages/http-router/src/
// Router.ts), through a real fetch Request; the query string with qs, as parseQueryParams does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import qs from 'qs';

const qsVersion = JSON.parse(readFileSync(new URL('./node_modules/qs/package.json', import.meta.url), 'utf8')).version;

import { operations } from './operations.mjs';

const restTypings = {
	name: '@rocket.chat/rest-typings',
	version: '8.6.1', // the published build nearest 8.4.0 (no 8.4.x is on npm)
	integrity: 'sha512-1Ohwiw5TX2/ppHd3KchdFfi9BdOi5njibFGeS2RmiFf6GSE2eJz0b2WFMG7XJjzfHrfBkCzH2lbOs1wLmZewgw==', // the tarball's sha512, as `npm pack` prints it
};

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'testdata', 'ajv');

function fetchPackage() {
	const dir = join(here, '.cache', `rest-typings-${restTypings.version}`);
	if (!existsSync(join(dir, 'package', 'dist'))) {
		mkdirSync(dir, { recursive: true });
		const [packed] = JSON.parse(
			execFileSync('npm', ['pack', '--json', '--pack-destination', dir, `${restTypings.name}@${restTypings.version}`], { encoding: 'utf8' }),
		);
		if (packed.integrity !== restTypings.integrity) {
			throw new Error(`${restTypings.name}@${restTypings.version}: integrity ${packed.integrity} is not the pinned ${restTypings.integrity}`);
		}
		execFileSync('tar', ['xzf', join(dir, packed.filename), '-C', dir]);
	}
	return join(dir, 'package', 'dist');
}

// parseBodyParams of the http-router, on a real Request.
async function bodyParams(contentType, text) {
	const headers = contentType === undefined ? {} : { 'content-type': contentType };
	const request = new Request('http://127.0.0.1/', { method: 'POST', headers, body: text });
	try {
		let parsedBody = {};
		const ct = request.headers.get('content-type');
		if (ct?.includes('multipart/form-data')) {
			return parsedBody;
		}
		if (ct?.includes('application/json')) {
			parsedBody = await request.clone().json();
		} else if (ct?.includes('application/x-www-form-urlencoded')) {
			parsedBody = Object.fromEntries((await request.clone().formData()).entries());
		} else {
			parsedBody = await request.clone().text();
		}
		if (parsedBody === '') {
			return {};
		}
		if (Array.isArray(parsedBody)) {
			return parsedBody;
		}
		return { ...parsedBody };
	} catch {}
	return {};
}

// Values every property is tried with, as JSON text (numbers exactly as a client writes them).
const junk = [
	'5', '7.0', '1e1', '-0', '1.5', '1e21', '1e300', '-1e300', '1e400', 'true', 'false', 'null',
	'""', '"  "', '"abc"', '"7"', '"7.5"', '" 7 "', '"1e1"', '"0x10"', '"Infinity"', '"true"', '"false"',
	'[]', '["abc"]', '[1]', '[[1]]', '{}', '{"a":{"b":[1,null]}}',
];

const sample = (schema) => {
	switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
		case 'string': return '"abc"';
		case 'integer': case 'number': return '7';
		case 'boolean': return 'true';
		case 'array': return schema.items?.type === 'string' ? '["abc"]' : '[]';
		case 'object': return '{}';
		default: return '"abc"';
	}
};

// The object shapes of a schema: its oneOf/anyOf branches, or itself.
const shapes = (schema) => {
	const branches = schema.oneOf ?? schema.anyOf;
	if (!branches) {
		return [{ properties: schema.properties ?? {}, required: schema.required ?? [] }];
	}
	return branches.map((b) => ({
		properties: { ...(schema.properties ?? {}), ...(b.properties ?? {}) },
		required: [...(schema.required ?? []), ...(b.required ?? [])],
	}));
};

const objectText = (entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

function bodyCorpus(op, schema) {
	const cases = [
		{ name: 'no body', contentType: 'application/json', text: '' },
		{ name: 'empty object', contentType: 'application/json', text: '{}' },
		{ name: 'malformed JSON', contentType: 'application/json', text: '{"token":' },
		{ name: 'JSON array', contentType: 'application/json', text: '[{"a":1}]' },
		{ name: 'JSON string', contentType: 'application/json', text: '"abc"' },
		{ name: 'JSON number', contentType: 'application/json', text: '5' },
		{ name: 'JSON null', contentType: 'application/json', text: 'null' },
		{ name: 'text body', contentType: 'text/plain', text: 'abc' },
		{ name: 'no content type', contentType: undefined, text: '{"a":1}' },
	];
	const seen = new Set();
	shapes(schema).forEach((shape, i) => {
		const props = Object.entries(shape.properties);
		const minimal = shape.required.map((name) => [name, sample(shape.properties[name] ?? {})]);
		const full = props.map(([name, s]) => [name, sample(s)]);
		const tag = `shape ${i}`;
		cases.push({ name: `${tag}: required only`, contentType: 'application/json', text: objectText(minimal) });
		cases.push({ name: `${tag}: every property`, contentType: 'application/json', text: objectText(full) });
		cases.push({ name: `${tag}: required only, charset`, contentType: 'application/json; charset=utf-8', text: objectText(minimal) });
		cases.push({ name: `${tag}: required only, upper-case type`, contentType: 'Application/JSON', text: objectText(minimal) });
		cases.push({
			name: `${tag}: as a form`, contentType: 'application/x-www-form-urlencoded',
			text: minimal.map(([k]) => `${encodeURIComponent(k)}=abc`).concat(minimal.length ? [`${encodeURIComponent(minimal[0][0])}=def`] : []).join('&'),
		});
		cases.push({ name: `${tag}: an extra property`, contentType: 'application/json', text: objectText([...minimal, ['zzz', '1']]) });
		cases.push({ name: `${tag}: an extra property first`, contentType: 'application/json', text: objectText([['zzz', '1'], ...minimal.slice(1)]) });
		shape.required.forEach((name) => {
			cases.push({ name: `${tag}: without ${name}`, contentType: 'application/json', text: objectText(minimal.filter(([k]) => k !== name)) });
		});
		for (const [name] of props) {
			for (const value of junk) {
				const entries = minimal.some(([k]) => k === name) ? minimal.map(([k, v]) => [k, k === name ? value : v]) : [...minimal, [name, value]];
				const text = objectText(entries);
				if (!seen.has(text)) {
					seen.add(text);
					cases.push({ name: `${tag}: ${name} = ${value}`, contentType: 'application/json', text });
				}
			}
		}
	});
	const all = shapes(schema);
	if (all.length > 1) {
		const both = Object.fromEntries(all.flatMap((s) => s.required.map((n) => [n, sample(s.properties[n] ?? {})])));
		cases.push({ name: 'both shapes at once', contentType: 'application/json', text: objectText(Object.entries(both)) });
	}
	for (const text of op.cases ?? []) {
		cases.push({ name: `extra: ${text}`, contentType: 'application/json', text });
	}
	return cases;
}

// The query corpus: per shape (a oneOf/anyOf branch), its required keys set to ProjectX with
// qs's edge cases around them and every optional property tried with a few values; then, for a
// schema of several shapes, every shape's required keys at once and none of them.
function queryCorpus(op, schema) {
	const all = shapes(schema);
	const cases = [];
	for (const shape of all) {
		const req = shape.required.map((n) => `${n}=ProjectX`).join('&');
		cases.push(
			'', req, req.replace('ProjectX', ''), `${req}&zzz=1`, `${req}&${req}`, req.replace('=', '[]='), req.replace('=', '[a]='), `${req}&`, '&&',
			'a[501]=x', `${req}&${Array(502).fill('zzz=1').join('&')}`, `${req}&${Array(1001).fill('zzz=1').join('&')}`, `${req}&${Array(502).fill('zzz[]=1').join('&')}`,
			`${req}&a[b][c][d][e][f][g]=1`, `${req}&%ZZ=1`, `${req}&a+b=c+d`,
		);
		for (const [name] of Object.entries(shape.properties)) {
			if (shape.required.includes(name)) continue;
			for (const value of ['5', '-1', '1.5', 'abc', '', '1e1', '0x10', ' 7 ', 'null', 'true']) {
				cases.push(`${req}&${name}=${encodeURIComponent(value)}`);
			}
			cases.push(`${req}&${name}[]=5`, `${req}&${name}=5&${name}=6`, `${req}&${name}[x]=5`);
		}
	}
	if (all.length > 1) {
		cases.push([...new Set(all.flatMap((s) => s.required))].map((n) => `${n}=ProjectX`).join('&'));
		cases.push([...new Set(all.flatMap((s) => Object.keys(s.properties).filter((n) => !s.required.includes(n))))].map((n) => `${n}=ProjectX`).join('&'));
	}
	cases.push(...(op.cases ?? []));
	return [...new Set(cases)].map((query) => ({ name: `query ${JSON.stringify(query)}`, query }));
}

// The http-router's qs.parse call (packages/http-router/src/parseQueryParams.ts).
const qsOptions = { arrayLimit: 500, throwOnLimitExceeded: true };

// Query strings for spec/testdata/qs: how qs itself nests, combines, merges, drops and decodes,
// for spec/query.go's port to be checked against (TestQSAgreesWithQs).
function qsCorpus() {
	const forms = ['a', 'a[]', 'a[0]', 'a[1]', 'a[b]', 'a[b][c]', 'a[][b]', 'a[0][b]', '[a]', 'a[500]', 'a[501]', 'a[toString]'];
	const cases = [
		'', '&', '&&', '=', '=x', 'a', 'a=', 'a&a&a', 'a=b&=c', 'a==b', 'a]=b=c', 'a[b]=c=d', 'a=b]=c', 'a[=b', 'a]=b', 'a[[b]]=c',
		'b=1&1=2&0=3', '10=a&9=b&a=c&01=d&-1=e', '4294967294=a&4294967295=b&z=c',
		'a[b[c]]=1', 'a[b]c=1', 'a[b]x[c]=1', 'a[1][2][3][4][5][6][7]=x', 'a[1][2][3][4][5]=x', 'a[1][2][3][4][5][6]=x', 'a[b][c][d][e][f][g]=1',
		'toString=1', 'constructor[a]=1', '__proto__[x]=1', 'a[__proto__]=1', 'a[hasOwnProperty]=1', 'a[b]=2&a=toString', 'a[b]=2&a=__proto__',
		'a[00]=1', 'a[-1]=1', 'a[ 1]=1', 'a[1 ]=1', 'a[1e1]=1', 'a[0x1]=1', 'a[499]=x&a[500]=y', 'a[2]=x&a[0]=y&a[]=z',
		'a[1][b]=1&a[0][c]=2', 'a[0][b]=1&a[0][c]=2', 'a[0]=x&a[0][b]=y', 'a[0][b]=y&a[0]=x', 'a[]=x&a[]=y&a[b]=z', 'a[b]=z&a[]=x&a[]=y',
		'a=x&a[]=y&a[0]=z', 'a=&a[b]=1', 'a[b]=1&a=', 'a=x&a=&a=y', 'a[]=&a[]=', 'a[]&a[]', '[]=x', '[0]=x', '[]=x&[]=y', '[a][b]=1', '[=1', ']=1',
		'%5Ba%5D=1', 'a%5B0%5D=1', 'a%5bb%5d=1', 'a%255B0%255D=1', 'a=%5B%ZZ', 'a=%FF', 'a=%ED%A0%80', 'a=%C3%A9', 'a=%E2%82%AC', 'a=%F0%9F%98%80',
		'a=%C0%AF', 'a=%F4%90%80%80', 'a=%E2%82', 'a=%E2%82%', 'a=%E2%82%41', 'a=%zz', 'a=%2', 'a=+%20+', 'a=%2B', 'a+b=c+d', '%61=%62', 'a=%EF%BF%BD', 'a=%00',
		`${Array(500).fill('a=1').join('&')}`, `${Array(500).fill('a=1').join('&')}&a=2`, `${Array(501).fill('a=1').join('&')}`, `${Array(501).fill('a').join('&')}`, `${Array(501).fill('a[]=1').join('&')}`,
		`${Array(250).fill('a=1&a[]=1').join('&')}&a=2`, `${Array(1000).fill('a').join('&')}`, `${Array(1001).fill('').join('&')}`,
	];
	for (const f of forms) {
		for (const g of forms) {
			cases.push(`${f}=x&${g}=y`, `${f}=&${g}=y`);
		}
	}
	return [...new Set(cases)];
}

function writeQSGoldens() {
	const cases = qsCorpus().map((query) => {
		try {
			return { query, data: JSON.stringify(qs.parse(query, qsOptions)) };
		} catch (e) {
			return { query, qsError: e.constructor.name };
		}
	});
	const dir = join(here, '..', 'testdata', 'qs');
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, 'parse.json'), `${JSON.stringify({ generator: 'spec/ajvgolden/generate.mjs', package: `qs@${qsVersion}`, options: qsOptions, cases }, null, '\t')}\n`);
	return cases.length;
}

// compilingInstance names the Ajv instance (ajv or ajvQuery) whose compile() built name in
// file, following a re-export such as `export const isGroupsInviteProps = withUserIdProps`.
function compilingInstance(file, name, depth = 0) {
	const text = readFileSync(file, 'utf8');
	const direct = new RegExp(`export const ${name} = (ajvQuery|ajv)\\.compile`).exec(text);
	if (direct) {
		return direct[1];
	}
	const alias = new RegExp(`export const ${name} = (\\w+);`).exec(text)?.[1];
	const from = alias && new RegExp(`import \\{[^}]*\\b${alias}\\b[^}]*\\} from '([^']+)'`).exec(text)?.[1];
	if (!from || depth > 3) {
		return undefined;
	}
	return compilingInstance(join(dirname(file), `${from}.js`), alias, depth + 1);
}

const errorsOf = (validate) => (validate.errors ?? []).map(({ keyword, instancePath, message }) => ({ keyword, instancePath, message }));

async function main() {
	const dist = fetchPackage();
	mkdirSync(out, { recursive: true });
	let total = 0;
	for (const op of operations) {
		const file = join(dist, op.module);
		const mod = await import(pathToFileURL(file).href);
		const validate = mod[op.validator];
		if (typeof validate !== 'function') {
			throw new Error(`${op.operationId}: ${op.validator} is not exported by ${op.module}`);
		}
		const instance = compilingInstance(file, op.validator);
		if (!instance) {
			throw new Error(`${op.operationId}: cannot tell which Ajv instance compiles ${op.validator}`);
		}
		const golden = {
			generator: 'spec/ajvgolden/generate.mjs',
			package: `${restTypings.name}@${restTypings.version}`,
			ajv: instance,
			operationId: op.operationId,
			method: op.method,
			path: op.path,
			in: op.in,
			validate: op.validate,
			validator: `${op.module}#${op.validator}`,
			schema: validate.schema,
			cases: [],
		};
		if (op.in === 'body') {
			for (const c of bodyCorpus(op, validate.schema)) {
				const data = await bodyParams(c.contentType, c.text);
				const valid = validate(data);
				golden.cases.push({ name: c.name, contentType: c.contentType ?? null, body: c.text, valid, data: JSON.stringify(data), errors: errorsOf(validate) });
			}
		} else {
			for (const c of queryCorpus(op, validate.schema)) {
				let data;
				try {
					data = qs.parse(c.query, qsOptions);
				} catch {
					golden.cases.push({ name: c.name, query: c.query, qsError: true });
					continue;
				}
				const valid = validate(data);
				golden.cases.push({ name: c.name, query: c.query, valid, data: JSON.stringify(data), errors: errorsOf(validate) });
			}
		}
		total += golden.cases.length;
		writeFileSync(join(out, `${op.operationId}.json`), `${JSON.stringify(golden, null, '\t')}\n`);
	}
	console.log(`wrote ${total} cases for ${operations.length} operations to ${out}`);
	console.log(`wrote ${writeQSGoldens()} qs cases to spec/testdata/qs`);
}

await main();
