import { describe, expect, it } from 'vitest';
import { deepLinkInArgs, deepLinkRoute, parseDeepLink } from '../../src-shared/deep-link';

describe('a market registration link as a deep link', () => {
  it('opens the registration page with the market', () => {
    expect(parseDeepLink('settlekey://register?market=B2B02')).toEqual({ page: 'register', market: 'B2B02' });
    expect(parseDeepLink('settlekey:register?market=exch01')).toEqual({ page: 'register', market: 'EXCH01' });
    expect(parseDeepLink('settlekey://register/')).toEqual({ page: 'register' });
    expect(deepLinkRoute({ page: 'register', market: 'B2B02' })).toBe('/register?market=B2B02');
    expect(deepLinkRoute({ page: 'register' })).toBe('/register');
  });

  it('opens nothing else, and drops a market code that is not one', () => {
    expect(parseDeepLink('settlekey://login')).toBeNull();
    expect(parseDeepLink('https://register?market=B2B02')).toBeNull();
    expect(parseDeepLink('not a url')).toBeNull();
    expect(parseDeepLink('settlekey://register?market=%3Cscript%3E')).toEqual({ page: 'register' });
  });

  it('finds the link among the arguments another instance was started with', () => {
    expect(deepLinkInArgs(['/usr/bin/settlekey', '--flag', 'settlekey://register?market=AGRI03'])).toEqual({
      page: 'register',
      market: 'AGRI03',
    });
    expect(deepLinkInArgs(['/usr/bin/settlekey', 'settlekey://admin'])).toBeNull();
  });
});
