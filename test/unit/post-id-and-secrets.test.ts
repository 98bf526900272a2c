import { randomBytes } from 'node:crypto';
import { newPostId, postIdForKey } from '../../api/post-id';
import { SecretBox } from '../../store/secret-box';

describe('post ids', () => {
  test('new ids are post_ + a ULID', () => {
    expect(newPostId()).toMatch(/^post_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(newPostId()).not.toBe(newPostId());
  });

  test('an idempotency key maps to one id per user', () => {
    const id = postIdForKey('usr_1', 'key-1');
    expect(id).toMatch(/^post_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(postIdForKey('usr_1', 'key-1')).toBe(id);
    expect(postIdForKey('usr_2', 'key-1')).not.toBe(id);
    expect(postIdForKey('usr_1', 'key-2')).not.toBe(id);
  });
});

describe('secret box', () => {
  const box = new SecretBox(randomBytes(32));

  test('round-trips, and never shows the plaintext', () => {
    const sealed = box.seal('{"access_token":"tok_secret"}');
    expect(sealed).not.toContain('tok_secret');
    expect(box.open(sealed)).toBe('{"access_token":"tok_secret"}');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  test('refuses tampered data and other keys', () => {
    const sealed = box.seal('secret');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => box.open(tampered)).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});
