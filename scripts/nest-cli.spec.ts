import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** nest-cli.json names every service and production library where they are, as `nest build <project>` needs. */
const ROOT = join(__dirname, '..');
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

interface NestProject {
  type: 'application' | 'library';
  root: string;
  sourceRoot: string;
  entryFile: string;
  compilerOptions?: { tsConfigPath?: string };
}

const nest = read('nest-cli.json') as { monorepo: boolean; compilerOptions: Record<string, unknown>; projects: Record<string, NestProject> };
const projects = Object.entries(nest.projects);
const packageJson = read('package.json') as { scripts: Record<string, string>; imports: Record<string, string> };
const paths = (read('tsconfig.base.json') as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
const folders = (dir: string) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

describe('nest-cli.json', () => {
  it('is a monorepo built by tsc (no webpack) with the production tsconfig', () => {
    expect(nest.monorepo).toBe(true);
    expect(nest.compilerOptions).toMatchObject({ builder: 'tsc', webpack: false, tsConfigPath: 'tsconfig.build.json' });
  });

  it('has a project for every service in apps/ and every library but the test-only one', () => {
    const expected = [...folders('apps'), ...folders('libs').filter((name) => name !== 'testing')].sort();
    expect(projects.map(([name]) => name).sort()).toEqual(expected);
  });

  it.each(projects)('%s: its root, source root, entry file and tsconfig exist', (_name, project) => {
    expect(project.sourceRoot.startsWith(`${project.root}/`)).toBe(true);
    expect(existsSync(join(ROOT, project.root))).toBe(true);
    expect(existsSync(join(ROOT, project.sourceRoot, `${project.entryFile}.ts`))).toBe(true);
    expect(existsSync(join(ROOT, project.compilerOptions?.tsConfigPath ?? 'missing'))).toBe(true);
  });

  it.each(projects.filter(([, p]) => p.type === 'application'))('%s: the npm scripts start its compiled entry file', (_name, project) => {
    const compiled = `dist/${project.sourceRoot}/${project.entryFile}.js`;
    expect(Object.values(packageJson.scripts).some((script) => script.includes(`node ${compiled}`))).toBe(true);
  });

  it.each(projects.filter(([, p]) => p.type === 'library'))('%s: its entry file is what #<name> resolves to', (name, project) => {
    expect(paths[`#${name}`]).toEqual([`${project.sourceRoot}/${project.entryFile}.ts`]);
    expect(packageJson.imports[`#${name}`]).toBe(`./dist/${project.sourceRoot}/${project.entryFile}.js`);
  });
});
