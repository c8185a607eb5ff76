// Registers loader.mjs: @rocket.chat/rest-typings ships ES modules with extension-less
// relative imports ("./Ajv"), written for bundlers, which Node's resolver refuses.
import { register } from 'node:module';

register('./loader.mjs', import.meta.url);
