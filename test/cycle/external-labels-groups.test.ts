import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupsWithExternalLabels, withExternalLabels } from '../../lib/cycle';
import { expandGroup, type SeriesGroup } from '../../lib/series';

const groups: SeriesGroup[] = [
  { labels: { job: 'synapse', instance: 'ws' }, names: ['a', 'b'], values: [1, 2], timestampMs: 5 },
  { labels: { job: 'synapse', instance: 'ws', cluster: 'own' }, names: ['a'], values: [3], timestampMs: 5 },
  { labels: { job: 'synapse', instance: 'ws', cluster: '' }, names: ['c'], values: [4], timestampMs: 5 },
];

test('external labels on groups come to what they come to on the same members as plain series', () => {
  const external = { cluster: 'test', region: 'westeurope' };
  const frozen = JSON.stringify(groups);
  const viaGroups = groupsWithExternalLabels(groups, external).flatMap((g) => expandGroup(g));
  const viaPlain = withExternalLabels(groups.flatMap((g) => expandGroup(g)), external);
  assert.deepEqual(viaGroups, viaPlain);
  assert.deepEqual(viaGroups.map((s) => s.labels.cluster), ['test', 'test', 'own', 'test'], 'a label the group sets wins; an empty one is filled');
  assert.ok(viaGroups.every((s) => s.labels.region === 'westeurope'));
  assert.equal(JSON.stringify(groups), frozen, 'the input groups are not changed');
});

test('no external labels: the groups come back as they are; a group already carrying them is not copied', () => {
  assert.equal(groupsWithExternalLabels(groups, {}), groups);
  const out = groupsWithExternalLabels(groups, { cluster: 'x' });
  assert.equal(out[1], groups[1], 'cluster already set: the same object');
  assert.notEqual(out[0], groups[0]);
  assert.equal(out[0]!.names, groups[0]!.names, 'names and values are shared, not copied');
});
