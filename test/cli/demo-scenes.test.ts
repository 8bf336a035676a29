import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { SceneRegistry } from '../../src/scenes/scene-registry.js';
import { openStore } from '../../src/store/open-store.js';
import { prepareDemoScenes } from '../../src/cli/demo-scenes.js';

describe('prepareDemoScenes', () => {
  it('creates a scene per trajectory file with one hidden object per pedestrian, once', async (t) => {
    const store = await openStore('sqlite::memory:');
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const registry = new SceneRegistry({ reader: store, writer: store, clock });
    t.after(async () => {
      await registry.close();
      await store.close();
    });
    const first = await prepareDemoScenes(registry, clock);
    const again = await prepareDemoScenes(registry, clock);
    assert.deepEqual(first.map((f) => [f.scene, f.feed.objects.length]), [['biwi_eth', 360], ['crowds_zara01', 148], ['students003', 434]]);
    assert.deepEqual(again.map((f) => f.scene), ['biwi_eth', 'crowds_zara01', 'students003']);
    assert.equal(registry.scene('students003').objects.size, 434);
    assert.deepEqual(registry.scene('biwi_eth').object('p1').state().scale, [0, 0, 0]);
    const students = first[2]?.feed;
    students?.start();
    clock.advance(1_000);
    students?.stop();
    const visible = [...registry.scene('students003').objects.values()].filter((o) => o.floats[7] === 1);
    assert.ok(visible.length > 5, `${visible.length} pedestrians on stage after 1 s`);
  });
});
