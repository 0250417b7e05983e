// A countdown in whole seconds (the wait before a new SMS code may be asked for).
import { onBeforeUnmount, ref } from 'vue';

export function useCountdown() {
  const left = ref(0);
  let timer: ReturnType<typeof setInterval> | null = null;
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  function start(seconds: number) {
    stop();
    left.value = seconds;
    timer = setInterval(() => {
      left.value -= 1;
      if (left.value <= 0) stop();
    }, 1000);
  }
  onBeforeUnmount(stop);
  return { left, start };
}
