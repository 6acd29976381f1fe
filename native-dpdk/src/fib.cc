// Atomic publish of forwarding table versions with RCU reclaim.
#include "fib.h"

namespace pb {

void publish_fib(std::unique_ptr<Fib> next) {
  Fib* previous = g_rt.fib.exchange(next.release(), std::memory_order_acq_rel);
  synchronize_workers();
  delete previous;
}

}  // namespace pb
