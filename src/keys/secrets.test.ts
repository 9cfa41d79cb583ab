// The named secrets' settings and contexts are stored in every deployment: pinned here, and
// each distinct, so no two secrets share a key or could open each other's sealing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_SECRETS, SECRETS } from './secrets.js';

describe('SECRETS', () => {
  it('keeps the names deployments store their secrets under', () => {
    assert.deepEqual(
      ALL_SECRETS.map((s) => [s.setting, s.context]),
      [
        ['registry_token_key', 'registry-token-signing-key'],
        ['layer_url_key', 'layer-url-signing-key'],
        ['public_token_key', 'public-registry-token-signing-key'],
        ['schema1_signing_key', 'schema1-signing-key'],
        ['session_token_key', 'session-token-key'],
        ['page_token_key', 'page-token-signing-key'],
      ],
    );
    assert.equal(SECRETS.pageTokens.setting, 'page_token_key');
  });

  it('gives every secret its own setting and context', () => {
    assert.equal(new Set(ALL_SECRETS.map((s) => s.setting)).size, ALL_SECRETS.length);
    assert.equal(new Set(ALL_SECRETS.map((s) => s.context)).size, ALL_SECRETS.length);
  });
});
