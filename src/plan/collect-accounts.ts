import { groupText, nsswitchText, passwdText, shadowText } from './accounts.js';
import type { Collector } from './collector.js';
import { Rank } from './context.js';
import { generatedFile } from './generated.js';

/** /etc/passwd, group, shadow (and nsswitch.conf when profiles name databases). Runs last. */
export const collectAccounts: Collector = {
  name: 'accounts',
  collect(ctx) {
    const { users, groups } = ctx.spec;
    const origin = 'users and groups';
    ctx.add(generatedFile('/etc/passwd', passwdText(users)), Rank.generated, origin);
    ctx.add(generatedFile('/etc/group', groupText(groups)), Rank.generated, origin);
    ctx.add(generatedFile('/etc/shadow', shadowText(users), 0o600), Rank.generated, origin);
    if (ctx.nsswitch.size > 0) {
      ctx.add(generatedFile('/etc/nsswitch.conf', nsswitchText(ctx.nsswitch)), Rank.generated, 'profiles');
    }
  },
};
