// The client side of the settlement service's HTTP API. It holds the session
// token (the renderer never sees it), sends the user's language, and turns every
// failure into an AppError the renderer can show. A remote service is reached over
// https trusting the bank CA alone: a certificate any other CA issued — one the
// system's store would accept included — is refused, so a look-alike service on a
// hijacked address or behind an inspecting proxy never sees a password.
import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { z } from 'zod';
import { ErrorReply } from '../../src-shared/api/common';
import { AppError, type Lang } from '../../src-shared/errors';
import { requestOf, type RouteCallInput, type RouteReply, type RouteSpec } from '../../src-shared/routes/define';

/** Node's codes for a server certificate it could not trust, or that is not for the address. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The bank CA's certificate (PEM) the client pins for a remote service:
 * SETTLEKEY_BANK_CA_FILE, else the bank-ca.pem the bank ships in the installed
 * app's resources; null when neither is there.
 */
export function bankCaPem(): string | null {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const file = process.env.SETTLEKEY_BANK_CA_FILE || (resources ? join(resources, 'bank-ca.pem') : undefined);
  return file && existsSync(file) ? readFileSync(file, 'utf8') : null;
}

export class SettlementClient {
  private token: string | null = null;
  private http: AxiosInstance | null = null;
  private baseUrl = '';
  /** Told when the service ends our session (idle timeout, lock), so the renderer can follow. */
  onSessionEnded: (reason: 'idle' | 'service') => void = () => undefined;

  constructor(
    private readonly resolveBaseUrl: () => Promise<string>,
    private readonly language: () => Lang,
    private readonly bankCa: () => string | null = bankCaPem,
  ) {}

  get hasSession(): boolean {
    return this.token !== null;
  }

  setToken(token: string | null): void {
    this.token = token;
  }

  /** Forget the current endpoint (settings changed); the next call resolves it again. */
  reset(): void {
    this.http = null;
    this.token = null;
  }

  async currentUrl(): Promise<string> {
    await this.instance();
    return this.baseUrl;
  }

  /** Calls a route of the service's tables: its path filled in, its reply checked against its schema. */
  async route<R extends RouteSpec>(
    spec: R,
    ...input: undefined extends RouteCallInput<R> ? [RouteCallInput<R>?] : [RouteCallInput<R>]
  ): Promise<RouteReply<R>> {
    const { url, query, body } = requestOf(spec, input[0]);
    return this.call(spec.method, url, spec.reply, body, { params: query }) as Promise<RouteReply<R>>;
  }

  private async call<T extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    reply: T,
    body?: unknown,
    options: { params?: Record<string, unknown>; responseType?: 'json' | 'arraybuffer' } = {},
  ): Promise<z.output<T>> {
    const http = await this.instance();
    try {
      const response = await http.request({
        method,
        url,
        // Fastify refuses a POST without a JSON body type, so an empty one is sent as {}.
        data: body ?? (method === 'GET' ? undefined : {}),
        params: options.params,
        headers: {
          'accept-language': this.language(),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
      });
      return reply.parse(response.data);
    } catch (error) {
      throw this.toAppError(error);
    }
  }

  private async instance(): Promise<AxiosInstance> {
    if (this.http) return this.http;
    try {
      this.baseUrl = await this.resolveBaseUrl();
    } catch (error) {
      throw new AppError('SERVICE_UNAVAILABLE', { url: 'embedded', reason: (error as Error).message });
    }
    let httpsAgent: HttpsAgent | undefined;
    if (this.baseUrl.startsWith('https:')) {
      const ca = this.bankCa();
      if (!ca) throw new AppError('BANK_CA_NOT_CONFIGURED', { url: this.baseUrl });
      // `ca` replaces the system's roots: the bank CA is the only one trusted
      httpsAgent = new HttpsAgent({ ca, keepAlive: true });
    }
    this.http = axios.create({
      baseURL: this.baseUrl,
      timeout: 30_000,
      proxy: false,
      maxBodyLength: 16 * 1024 * 1024,
      ...(httpsAgent ? { httpsAgent } : {}),
    });
    return this.http;
  }

  private toAppError(error: unknown): AppError {
    if (error instanceof AppError) return error;
    if (error instanceof AxiosError) {
      if (error.response) {
        const parsed = ErrorReply.safeParse(error.response.data);
        if (parsed.success) {
          const appError = AppError.fromShape(parsed.data.error);
          if (appError.code === 'AUTH_SESSION_EXPIRED' || appError.code === 'AUTH_USER_LOCKED') {
            this.token = null;
            this.onSessionEnded(appError.code === 'AUTH_SESSION_EXPIRED' ? 'idle' : 'service');
          }
          return appError;
        }
        return new AppError('SERVICE_UNAVAILABLE', { url: this.baseUrl, reason: `HTTP ${error.response.status}` });
      }
      if (error.code && UNTRUSTED_CERTIFICATE.has(error.code))
        return new AppError('SERVICE_CERTIFICATE_REFUSED', { url: this.baseUrl });
      // No response: the embedded process may have died; resolve the endpoint again next time.
      this.http = null;
      return new AppError('SERVICE_UNAVAILABLE', { url: this.baseUrl, reason: error.code ?? error.message });
    }
    if (error instanceof Error && error.name === 'ZodError') {
      return new AppError('INTERNAL');
    }
    return new AppError('INTERNAL');
  }
}
