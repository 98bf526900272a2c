import { createRecurringSchema } from '../../api/recurring';

test("a recurring post's body refuses a queue by name: the schedule says when each post goes out", () => {
  for (const field of ['queue', 'add_to_queue']) {
    const parsed = createRecurringSchema.safeParse({
      post: { account_ids: ['acc_1'], text: 'again', [field]: true },
      cron: '0 9 * * *',
    });
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues.find((i) => i.path.join('.') === `post.${field}`);
    expect(issue?.message).toContain('not a queue slot');
  }
});
