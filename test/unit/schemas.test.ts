// The published JSON Schemas are usable as editors use them: they compile under draft 2020-12 and accept
// the examples written in their spelling (snake_case for service.schema.json, camelCase for the twin).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse } from 'yaml';

const load = (p: string) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8'));
const example = (p: string) => parse(readFileSync(new URL(`../../examples/${p}`, import.meta.url), 'utf8'));

describe('published schemas', () => {
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
  const snake = ajv.compile(load('schemas/service.schema.json'));
  const camel = ajv.compile(load('schemas/service.camel.schema.json'));

  for (const file of ['jupyter.json', 'notebook-cross.json', 'postgres-lb.json', 'dashboard-follow.yaml']) {
    it(`service.schema.json accepts examples/${file}`, () => assert.equal(snake(example(file)), true, JSON.stringify(snake.errors)));
  }
  it('service.camel.schema.json accepts the camelCase example and refuses snake_case fields', () => {
    assert.equal(camel(example('file-server.yaml')), true, JSON.stringify(camel.errors));
    assert.equal(camel(example('postgres-lb.json')), false);
    assert.ok(camel.errors?.some((e) => e.params && (e.params as { additionalProperty?: string }).additionalProperty === 'resource_requests'));
  });
  it('both have a $id and describe every property for editors', () => {
    for (const schema of [load('schemas/service.schema.json'), load('schemas/service.camel.schema.json')]) {
      assert.match(schema.$id, /^https:\/\/pachsvc\.io\/schemas\/v1\/service(\.camel)?\.schema\.json$/);
      for (const [name, prop] of Object.entries(schema.properties as Record<string, { description?: string }>)) {
        assert.ok(prop.description, `${name} has a description`);
      }
    }
  });
});
