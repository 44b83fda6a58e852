import { AsyncLocalStorage } from 'node:async_hooks';
import type { Dispatcher } from 'undici';
import { parseProblem } from './problem.ts';

/**
 * What the limiter learns from one create-call request, told by the transport: when its last
 * byte was written (undici's `onRequestSent`; the gateway counts a request only once it has
 * arrived, so this is the earliest it can be counted), and how it was answered. The limiter
 * opens a watch around its slot (`watchRequest`); the transport reads it where the request is
 * sent, so no layer in between needs to pass it along.
 */
export interface RequestWatch {
  sent(): void;
  /** `errorCode`: Apigee's `fault.detail.errorcode` or the problem type, when the answer had one. */
  answered(status: number, errorCode: string | undefined): void;
}

const watches = new AsyncLocalStorage<RequestWatch>();

/** Runs `fn` with `watch` told about the create-call requests it sends. */
export function watchRequest<T>(watch: RequestWatch, fn: () => Promise<T>): Promise<T> {
  return watches.run(watch, fn);
}

/** The watch of the slot this code runs in, if any. */
export function currentWatch(): RequestWatch | undefined {
  return watches.getStore();
}

/** A dispatcher that calls `onSent` once the request's last byte is written. */
export function sentNotifying(dispatcher: Dispatcher, onSent: () => void): Dispatcher {
  return dispatcher.compose((dispatch) => (options, handler) => {
    const wrapped = new Proxy(handler, {
      get(target, property, receiver) {
        if (property === 'onRequestSent') {
          return () => {
            onSent();
            return (target as { onRequestSent?: () => void }).onRequestSent?.();
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return dispatch(options, wrapped);
  });
}

/** The refusal's title and detail, e.g. containing `policies.ratelimit.SpikeArrestViolation`. */
export function errorCodeOf(body: unknown): string | undefined {
  const problem = parseProblem(body);
  const text = [problem.title, problem.detail].filter(Boolean).join(' ');
  return text || undefined;
}
