// Lints an OpenAPI document with Redocly's `recommended` rules: the document on standard input, or
// fetched from the URL given (e.g. http://localhost:3000/docs-json). Prints one JSON line
// { errors, warnings, problems } and exits 1 when there is an error.
import { createConfig, lintFromString } from '@redocly/openapi-core';

const url = process.argv[2];
const source = url
  ? await (await fetch(url)).text()
  : await new Promise((resolve, reject) => {
      const chunks = [];
      process.stdin
        .on('data', (chunk) => chunks.push(chunk))
        .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        .on('error', reject);
    });
const config = await createConfig({ extends: ['recommended'] });
const found = await lintFromString({ source, absoluteRef: url ?? 'docs-json.json', config });
const problems = found.map((p) => ({ rule: p.ruleId, severity: p.severity, message: p.message, at: p.location?.[0]?.pointer }));
const count = (severity) => problems.filter((p) => p.severity === severity).length;
console.log(JSON.stringify({ errors: count('error'), warnings: count('warn'), problems }));
process.exitCode = count('error') ? 1 : 0;
