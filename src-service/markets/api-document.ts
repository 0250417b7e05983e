// The market API's own OpenAPI document, for a market's developers: the market
// routes of the service's document, with the signature they need described
// instead of the desktop's session token.
import {
  MARKET_KEY_ALGORITHMS,
  MARKET_SIGNATURE_PARAMS,
  MARKET_SIGNATURE_WINDOW_SECONDS,
  MARKET_SIGNED_FIELDS,
} from '../../src-shared/market-signature';

/** What is read of the service's document (the swagger plugin's OpenAPI 3 or Swagger 2 object). */
interface OpenApiDocument {
  openapi?: string;
  paths?: object;
  components?: { schemas?: object };
}

export const MARKET_API_PREFIX = '/market-api/';

export function marketApiDocument(full: OpenApiDocument, version: string) {
  return {
    openapi: full.openapi ?? '3.0.3',
    info: {
      title: 'SettleKey market API',
      version,
      description:
        'What a trading market’s own system sends the bank (银商结算通 / 资金存管). Every request is signed ' +
        `with a key the bank registered for the market (RFC 9421): covered components ${MARKET_SIGNED_FIELDS.join(', ')}; ` +
        `parameters ${MARKET_SIGNATURE_PARAMS.join(', ')}; algorithms ${MARKET_KEY_ALGORITHMS.join(' or ')}; ` +
        `created within ${MARKET_SIGNATURE_WINDOW_SECONDS} seconds of the bank’s clock; each nonce once. ` +
        'Every event carries the market’s request key: the same key and body are answered with the first result, ' +
        'another body with 409.',
    },
    paths: Object.fromEntries(Object.entries(full.paths ?? {}).filter(([path]) => path.startsWith(MARKET_API_PREFIX))),
    components: {
      ...(full.components?.schemas ? { schemas: full.components.schemas } : {}),
      securitySchemes: {
        marketSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Signature',
          description:
            'RFC 9421 HTTP message signature, with its Signature-Input header and an RFC 9530 Content-Digest ' +
            'header of the body (sha-256; an empty body has one too).',
        },
      },
    },
    security: [{ marketSignature: [] }],
  };
}
