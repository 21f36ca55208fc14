import type { EngineClient } from '../engine-client.js';
import { DockerClient } from '../http/docker-client.js';

let client: EngineClient | undefined;

/**
 * The engine client of this process: one reading of the endpoint, one pool of kept connections,
 * made at the first use (and where another engine kind's client would be chosen).
 */
export function engineClient(): EngineClient {
  return (client ??= new DockerClient());
}
