import { PUBLIC_STATUS_PAGE_KEY, STATUS_PAGE_KEY } from '../core/layout.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import { gatherStatus, type StatusInputs } from './gather.js';
import { buildPageModel, type StatusConfig } from './page/build-model.js';
import { renderPage } from './page/render-page.js';

export interface GeneratedPages {
  readonly private: string;
  /** Only with `statusPage.public`. */
  readonly public?: string;
  readonly inputs: StatusInputs;
}

/** Reads the store and renders the page (and its public variant when the config asks for one). */
export async function generateStatusPages(store: ObjectStore, config: StatusConfig, now: Date): Promise<GeneratedPages> {
  const inputs = await gatherStatus(store, now, config.timezone);
  return renderStatusPages(config, inputs);
}

export function renderStatusPages(config: StatusConfig, inputs: StatusInputs): GeneratedPages {
  return {
    private: renderPage(buildPageModel(config, inputs, 'private')),
    ...(config.statusPage.public ? { public: renderPage(buildPageModel(config, inputs, 'public')) } : {}),
    inputs,
  };
}

const HTML = 'text/html; charset=utf-8';

/** Writes the page(s) into the store: `status/index.html`, and `status/public/index.html` when public. */
export async function writeStatusPages(store: ObjectStore, pages: GeneratedPages): Promise<void> {
  await store.put(STATUS_PAGE_KEY, pages.private, { contentType: HTML });
  if (pages.public !== undefined) await store.put(PUBLIC_STATUS_PAGE_KEY, pages.public, { contentType: HTML });
}
