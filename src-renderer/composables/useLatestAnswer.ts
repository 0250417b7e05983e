// A list asked twice in quick succession (a card clicked while the page's
// first load is still on its way) can hear the answers out of order; only the
// answer to the last question may fill it, or the older one overwrites it.
export function useLatestAnswer() {
  let asked = 0;
  /** Marks a new question; the returned check says whether it is still the last one asked. */
  return function ask(): () => boolean {
    const mine = ++asked;
    return () => mine === asked;
  };
}
