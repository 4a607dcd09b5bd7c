import http from 'node:http';
import { ControlRequestError } from './errors';

/** Header carrying the per-fleet token that guards every child's control port. */
const CONTROL_TOKEN_HEADER = 'x-faultline-token';

export interface ControlEndpoint {
  member: string;
  port: number;
  token: string;
}

/**
 * One JSON request to a child's control port. Resolves with the parsed body of a 2xx answer;
 * throws ControlRequestError otherwise (with `status` undefined when the child could not be reached).
 */
export const controlRequest = <T>(
  endpoint: ControlEndpoint,
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  options: { body?: unknown; timeoutMs?: number } = {},
): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: endpoint.port,
        method,
        path,
        agent: false,
        headers: {
          [CONTROL_TOKEN_HEADER]: endpoint.token,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (error) =>
          fail(new ControlRequestError(endpoint.member, undefined, error.message, { cause: error })),
        );
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch (error) {
            return fail(
              new ControlRequestError(endpoint.member, res.statusCode, `unreadable answer: ${text.slice(0, 200)}`, {
                cause: error,
              }),
            );
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return done(body as T);
          const message = (body as { error?: string } | undefined)?.error ?? `status ${status}`;
          fail(new ControlRequestError(endpoint.member, status, `${method} ${path}: ${message}`));
        });
      },
    );
    let settled = false;
    const timer = setTimeout(() => {
      fail(
        new ControlRequestError(
          endpoint.member,
          undefined,
          `${method} ${path}: no answer within ${options.timeoutMs ?? 5000} ms`,
        ),
      );
      req.destroy();
    }, options.timeoutMs ?? 5000);
    const done = (value: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    req.on('error', (error) =>
      fail(
        new ControlRequestError(endpoint.member, undefined, `${method} ${path}: ${error.message}`, { cause: error }),
      ),
    );
    req.end(payload);
  });
