// Forwarding table versions. A Fib is immutable once published; the control thread swaps in a new
// one atomically and frees the old one only after every worker has passed a quiescent state.
#pragma once
#include <memory>
#include <vector>

#include "mactable.h"
#include "runtime.h"

namespace pb {

struct BridgeView {
  std::shared_ptr<MacTable> table;  // owned jointly by the model and every Fib version using it
  std::vector<uint16_t> members;
  bool is_member[RTE_MAX_ETHPORTS] = {};
};

// One rx queue a worker polls, and where its packets go: a fixed peer or a bridge.
struct RxAssignment {
  uint16_t port;
  uint16_t queue;
  uint16_t peer;   // cross-connect peer, or kNoPort
  int bridge;      // index into Fib::bridges, or -1
};

struct Fib {
  std::vector<std::vector<RxAssignment>> per_worker;
  std::vector<BridgeView> bridges;
};

// Publishes `next` and reclaims the previous version after a grace period. Control thread only.
void publish_fib(std::unique_ptr<Fib> next);

}  // namespace pb
