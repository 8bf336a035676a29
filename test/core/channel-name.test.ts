import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateChannelName } from '../../src/core/channel-name.js';

describe('validateChannelName', () => {
  it('accepts 1-128 characters of letters, digits and . _ : -', () => {
    for (const name of ['a', 'wikipedia', 'trajectories.biwi_eth', 'sensor:42-b', 'x'.repeat(128), '__proto__', 'constructor']) {
      assert.equal(validateChannelName(name), name);
    }
  });

  it('rejects anything else with invalid_channel', () => {
    for (const name of ['', 'x'.repeat(129), 'a b', 'a/b', 'é', 42, null]) {
      assert.throws(() => validateChannelName(name), { code: 'invalid_channel' }, String(name));
    }
  });
});

describe('validateChannelName with a source key', () => {
  it('accepts one /key=value of the same characters, as a source names its channels', () => {
    for (const name of ['trips/vendor_id=2', 'readings/device=sensor:42-b', `t/k=${'v'.repeat(124)}`]) assert.equal(validateChannelName(name), name);
  });

  it('rejects a second segment, an empty part or a name over 128 characters', () => {
    for (const name of ['a/b', 'a/b=c/d=e', '/k=v', 'a/=v', 'a/k=', 'a/k=v=w', `t/k=${'v'.repeat(125)}`]) {
      assert.throws(() => validateChannelName(name), { code: 'invalid_channel' }, name);
    }
  });
});
