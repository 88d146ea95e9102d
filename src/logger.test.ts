import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLoggerOptions } from './logger.ts';

describe('request logs', () => {
  it('carry the route pattern, never the path or query: a path may hold a credential', () => {
    const { serializers } = createLoggerOptions({ logLevel: 'info' });
    const line = serializers.req({
      id: 'r1',
      method: 'GET',
      url: '/events/waste-partnership-meeting/registrations/s3cr3t-token?email=a%40b.example',
      routeOptions: { url: '/events/:slug/registrations/:token' },
    });
    assert.deepEqual(line, { id: 'r1', method: 'GET', route: '/events/:slug/registrations/:token' });
    assert.doesNotMatch(JSON.stringify(line), /s3cr3t|email/);
  });
});
