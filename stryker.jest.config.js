/** The unit specs of libs/protocols only, for mutation testing (stryker.config.mjs). */
const base = require('./jest.config.js');
const unit = base.projects.find((p) => p.displayName === 'unit');
module.exports = { ...unit, displayName: undefined, rootDir: __dirname, testMatch: ['<rootDir>/libs/protocols/**/*.spec.ts'] };
