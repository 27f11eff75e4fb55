import type { Clock } from '../../clock';
import type { Config } from '../../config';
import type { Logger } from '../../log';
import type { Store } from '../../store/tables';
import { TeamExports, type Download } from './exports';
import { DownloadLinks, DOWNLOAD_LINKS_TABLE } from './links';

/**
 * What GET /download/<token> answers (src/server.ts): the file, or 403/410 with a short reason
 * and no data. Personal data (my data) is built by the function given as `personalData`.
 */
export type DownloadAnswer = { status: 200; download: Download } | { status: 403 | 410; message: string };

export interface Downloads {
  serve(token: string): Promise<DownloadAnswer>;
}

export type PersonalData = (tenantId: string, userId: string, format: 'json' | 'csv') => Promise<Download>;

export function createDownloads(deps: { store: Store; config: Config; clock: Clock; log: Logger; personalData?: PersonalData }): Downloads {
  const links = new DownloadLinks(deps.store.table(DOWNLOAD_LINKS_TABLE), deps.config.links.signingSecret);
  const exports = new TeamExports(deps.store, deps.clock);
  return {
    async serve(token) {
      const opened = await links.open(token, deps.clock.now());
      if (opened.status !== 200) {
        deps.log.warn('download.refused', { status: opened.status, reason: opened.reason });
        return { status: opened.status, message: opened.status === 410 ? 'This link has expired or was used already. Ask the bot for a new one.' : 'This link is not valid.' };
      }
      const r = opened.request;
      if (r.kind === 'export') {
        deps.log.info('download.served', { kind: 'export', what: r.what });
        return { status: 200, download: await exports.build(r) };
      }
      if (!deps.personalData) return { status: 410, message: 'This link has expired or was used already. Ask the bot for a new one.' };
      deps.log.info('download.served', { kind: 'mydata', format: r.format });
      return { status: 200, download: await deps.personalData(r.tenantId, r.userId, r.format) };
    },
  };
}
