import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.ts';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.callsPerSecond).toBe(3);
    expect(config.port).toBe(3000);
    expect(config.gateway.provider).toBe('kpn');
    expect(config.gateway.url).toBe('https://api-prd.kpn.com/communication/nexmo');
    expect(config.gateway.tokenUrl).toContain('grant_type=client_credentials');
  });

  it('lists every problem in one error', () => {
    let thrown: unknown;
    try {
      loadConfig({ CALLS_PER_SECOND: 'fast', PORT: '70000', DATABASE_URL: 'not a url' }, ['REDIS_URL']);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const error = thrown as AppError;
    expect(error.code).toBe('config_invalid');
    for (const name of ['CALLS_PER_SECOND', 'PORT', 'DATABASE_URL', 'REDIS_URL']) {
      expect(error.message).toContain(name);
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ PORT: '8080' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.gateway)).toBe(true);
    expect(config.port).toBe(8080);
  });

  it('refuses a CALLS_PER_SECOND the rate guard cannot hold exactly: below 1 or fractional', () => {
    for (const value of ['0.5', '2.5', '0']) {
      expect(() => loadConfig({ CALLS_PER_SECOND: value }), value).toThrow(/CALLS_PER_SECOND: must be a whole number/);
    }
    expect(loadConfig({ CALLS_PER_SECOND: '7' }).callsPerSecond).toBe(7);
  });
});
