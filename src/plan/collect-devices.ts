import type { Collector } from './collector.js';
import { Rank } from './context.js';

export const collectDevices: Collector = {
  name: 'devices',
  collect(ctx) {
    for (const d of ctx.spec.devices) {
      ctx.add(
        {
          type: 'device',
          path: d.path,
          device: d.type,
          major: d.major,
          minor: d.minor,
          mode: d.mode,
          uid: d.uid,
          gid: d.gid,
        },
        Rank.stated,
        `devices: ${d.path}`,
      );
    }
  },
};
