// LD_PRELOAD shim for the proxy bench: Debian's SIPp 3.6.1 reads its clock with
// CLOCK_MONOTONIC_COARSE, which ticks once per jiffy (4 ms on a HZ=250
// kernel), so every response time it measures would be a multiple of 4 ms.
// This shim answers the coarse clocks from the precise ones (same vDSO path,
// ~20 ns), which gives SIPp's -trace_rtt microsecond response times.
//
//   gcc -O2 -shared -fPIC -o fine_clock.so fine_clock.c -ldl
//   LD_PRELOAD=./fine_clock.so sipp ...
#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec*);

int clock_gettime(clockid_t clock, struct timespec* ts) {
  static clock_gettime_fn real;
  if (!real) real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
  if (clock == CLOCK_MONOTONIC_COARSE) clock = CLOCK_MONOTONIC;
  else if (clock == CLOCK_REALTIME_COARSE) clock = CLOCK_REALTIME;
  return real(clock, ts);
}
