import { createApp } from './app.ts';

/** The edge worker: request id → token → tenant → home cell (memory) → stream to the cell. */
export default createApp();
