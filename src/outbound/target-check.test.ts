import { describe, expect, it } from 'vitest';
import { checkTargetShape, forbiddenAddress } from './target-check.ts';

describe('webhook target addresses', () => {
  it('refuses loopback, private, link-local, CGNAT, metadata and mapped forms; allows public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.8',
      '172.20.1.1',
      '192.168.0.1',
      '169.254.169.254',
      '100.100.100.200',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:10.0.0.1',
    ]) {
      expect(forbiddenAddress(address), address).toBeDefined();
    }
    for (const address of ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']) {
      expect(forbiddenAddress(address), address).toBeUndefined();
    }
  });

  it('requires https and no credentials unless private targets are allowed', () => {
    expect(() => checkTargetShape('http://example.com/h', false)).toThrow(/https/);
    expect(() => checkTargetShape('https://user:pw@example.com/h', false)).toThrow(/credentials/);
    expect(checkTargetShape('http://127.0.0.1:8080/h', true).port).toBe('8080');
  });
});
