// Module hooks for the extracted @rocket.chat/rest-typings package (see register.mjs):
// extension-less relative imports resolve to "<name>.js" or "<name>/index.js", bare "ajv/dist/…"
// subpaths get their ".js", and the package's .js files load as ES modules (its package.json
// has no "type": "module").
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
	if (/^\.\.?\//.test(specifier) && !/\.[cm]?js$/.test(specifier) && context.parentURL) {
		for (const suffix of ['.js', '/index.js']) {
			const url = new URL(specifier + suffix, context.parentURL);
			if (existsSync(fileURLToPath(url))) {
				return next(url.href, context);
			}
		}
	}
	if (/^ajv\/dist\/[^.]+$/.test(specifier)) {
		return next(`${specifier}.js`, context);
	}
	return next(specifier, context);
}

export async function load(url, context, next) {
	if (url.includes('/.cache/') && url.endsWith('.js')) {
		return next(url, { ...context, format: 'module' });
	}
	return next(url, context);
}
