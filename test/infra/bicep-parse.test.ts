import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRepoFile, repoFilesUnder } from '../support/repo-files';
import { bicepSyntaxProblems } from './bicep-syntax';

const files = repoFilesUnder('infra', '.bicep');

test('infra/ holds main.bicep and its modules', () => {
  assert.ok(files.includes('infra/main.bicep'));
  assert.ok(files.length >= 5, files.join(', '));
});

for (const file of files) {
  test(`${file} parses with tree-sitter-bicep with no ERROR or MISSING node`, async () => {
    assert.deepEqual(await bicepSyntaxProblems(readRepoFile(file)), []);
  });
}

test('the syntax check catches what it is there for: an unclosed brace, a misspelt keyword, a dangling dot', async () => {
  const unclosed = await bicepSyntaxProblems("resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n");
  assert.ok(unclosed.length > 0);
  const misspelt = await bicepSyntaxProblems("resouce sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n}\n");
  assert.ok(misspelt.length > 0);
  const dangling = await bicepSyntaxProblems("param p object\noutput o string = p.\n");
  assert.ok(dangling.length > 0);
  assert.deepEqual(await bicepSyntaxProblems("param p object\noutput o string = p.name\n"), []);
});
